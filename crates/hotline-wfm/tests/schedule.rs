//! Shift scheduling and rostering: known optima, every rule (a violated rule is reported), and
//! infeasible inputs that name the rule that cannot be met.

use hotline_wfm::{
    Agent, Assignment, BreakRule, Roster, Rule, Rules, Schedule, ScheduleProblem, Shift,
    ShiftTemplate, SkillRequirement, Weights, WfmError, check_roster, check_schedule, roster,
    solve,
};

fn t(s: &str) -> jiff::civil::Time {
    s.parse().unwrap()
}

fn day_template() -> ShiftTemplate {
    ShiftTemplate {
        name: "day".into(),
        earliest_start: t("07:00"),
        latest_start: t("12:00"),
        start_step_minutes: 30,
        lengths_minutes: vec![480],
        weekdays: vec![],
        breaks: vec![
            BreakRule {
                name: "break".into(),
                length_minutes: 15,
                earliest_after_minutes: 90,
                latest_after_minutes: 150,
                paid: true,
            },
            BreakRule {
                name: "lunch".into(),
                length_minutes: 30,
                earliest_after_minutes: 210,
                latest_after_minutes: 270,
                paid: false,
            },
        ],
        skills: vec![],
    }
}

fn problem(required: Vec<Vec<u32>>, templates: Vec<ShiftTemplate>) -> ScheduleProblem {
    ScheduleProblem {
        interval_minutes: 15,
        first_weekday: 0,
        required,
        templates,
        weights: Weights { under: 1.0, over: 1.0, per_shift: 0.0 },
        max_concurrency: None,
        effort: 300,
        seed: 7,
        skill_required: vec![],
    }
}

/// The coverage a set of (pattern index, count) gives on one day.
fn coverage_of(p: &ScheduleProblem, picks: &[(usize, u32)]) -> Vec<u32> {
    let patterns = p.patterns(0).unwrap();
    let mut cover = vec![0; 96];
    for &(i, c) in picks {
        for &q in &patterns[i].cover {
            cover[q as usize] += c;
        }
    }
    cover
}

#[test]
fn a_requirement_made_of_shifts_is_covered_exactly() {
    let mut p = problem(vec![vec![0; 96]], vec![day_template()]);
    let n = p.patterns(0).unwrap().len();
    assert_eq!(n, 11 * 5 * 5, "11 starts × 5 break × 5 lunch positions");
    let required = coverage_of(&p, &[(0, 3), (37, 2), (120, 4), (250, 1)]);
    p.required = vec![required.clone(), required];
    let s = solve(&p).unwrap();
    assert_eq!((s.under, s.over), (0, 0), "{s:?}");
    assert_eq!(s.shift_count, 20);
    assert!(check_schedule(&p, &s).is_empty());
}

#[test]
fn weights_trade_under_against_over_staffing() {
    // 3 agents needed 08:00–12:00 only; every shift is 8 hours.
    let mut day = vec![0; 96];
    for v in &mut day[32..48] {
        *v = 3;
    }
    let mut p = problem(vec![day], vec![day_template()]);
    p.weights = Weights { under: 10.0, over: 1.0, per_shift: 0.0 };
    let s = solve(&p).unwrap();
    assert_eq!(s.under, 0);
    p.weights = Weights { under: 1.0, over: 10.0, per_shift: 0.0 };
    let s = solve(&p).unwrap();
    // Over-staffing is too dear: an 8-hour shift covering 4 needed hours is not worth it.
    assert_eq!(s.shift_count, 0);
    assert_eq!(s.under, 48);
}

#[test]
fn the_concurrency_cap_holds_and_a_broken_cap_is_reported() {
    let day = vec![10; 96];
    let mut p = problem(vec![day], vec![day_template()]);
    p.max_concurrency = Some(4);
    let s = solve(&p).unwrap();
    assert!(check_schedule(&p, &s).is_empty());
    assert!(s.days[0].shifts.iter().map(|(_, c)| c).sum::<u32>() >= 4);
    p.max_concurrency = Some(1);
    let v = check_schedule(&p, &s);
    assert!(v.iter().any(|(r, _)| *r == Rule::MaxConcurrency), "{v:?}");
}

#[test]
fn breaks_outside_their_window_are_reported() {
    let p = problem(vec![vec![0; 96]], vec![day_template()]);
    let shift = Shift {
        template: 0,
        start_minute: 480,
        length_minutes: 480,
        break_starts: vec![480 + 60, 480 + 240],
    };
    let s = Schedule {
        interval_minutes: 15,
        first_weekday: 0,
        days: vec![hotline_wfm::DaySchedule { shifts: vec![(shift, 1)], coverage: vec![0; 96] }],
        under: 0,
        over: 0,
        objective: 0.0,
        shift_count: 1,
        lower_bound: None,
    };
    let v = check_schedule(&p, &s);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].0, Rule::BreakWindow);
}

#[test]
fn an_impossible_break_window_is_an_error_naming_the_rule() {
    let mut tpl = day_template();
    tpl.lengths_minutes = vec![225];
    let p = problem(vec![vec![1; 96]], vec![tpl]);
    match solve(&p) {
        Err(WfmError::Infeasible { rule: Rule::BreakWindow, message }) => {
            assert!(message.contains("lunch"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    let mut bad = problem(vec![vec![1; 95]], vec![day_template()]);
    assert!(matches!(solve(&bad), Err(WfmError::Invalid { ref field, .. }) if field == "required"));
    bad.required = vec![vec![1; 96]];
    bad.templates[0].start_step_minutes = 10;
    assert!(
        matches!(solve(&bad), Err(WfmError::Invalid { ref field, .. }) if field.contains("start_step"))
    );
}

// ---- rostering ----

/// A one-template problem (a shift of `len` minutes from `start`), `days` days, `n` a day.
fn fixed(start: u32, len: u32) -> ShiftTemplate {
    let h = |m: u32| jiff::civil::Time::new((m / 60) as i8, (m % 60) as i8, 0, 0).unwrap();
    ShiftTemplate {
        name: format!("s{start}"),
        earliest_start: h(start),
        latest_start: h(start),
        start_step_minutes: 60,
        lengths_minutes: vec![len],
        weekdays: vec![],
        breaks: vec![],
        skills: vec![],
    }
}

fn schedule_of(days: Vec<Vec<(Shift, u32)>>) -> Schedule {
    let n = days.len();
    Schedule {
        interval_minutes: 60,
        first_weekday: 0,
        days: days
            .into_iter()
            .map(|shifts| hotline_wfm::DaySchedule { shifts, coverage: vec![0; 24] })
            .collect(),
        under: 0,
        over: 0,
        objective: 0.0,
        shift_count: n as u64,
        lower_bound: None,
    }
}

fn shift(template: usize, start: u32, len: u32) -> Shift {
    Shift { template, start_minute: start, length_minutes: len, break_starts: vec![] }
}

fn hourly(templates: Vec<ShiftTemplate>, days: usize) -> ScheduleProblem {
    ScheduleProblem {
        interval_minutes: 60,
        first_weekday: 0,
        required: vec![vec![0; 24]; days],
        templates,
        weights: Weights::default(),
        max_concurrency: None,
        effort: 10,
        seed: 0,
        skill_required: vec![],
    }
}

fn loose() -> Rules {
    Rules {
        min_rest_hours: 0.0,
        max_consecutive_days: 7,
        min_weekly_hours: 0.0,
        max_weekly_hours: 168.0,
        weekend_spread: 7,
    }
}

fn roster_of(xs: &[(usize, usize, Shift)]) -> Roster {
    Roster {
        assignments: xs
            .iter()
            .map(|(a, d, s)| Assignment { agent: *a, day: *d, shift: s.clone() })
            .collect(),
        preferred_days_off_worked: 0,
        mean_start_deviation_minutes: 0.0,
    }
}

fn rules_broken(
    p: &ScheduleProblem,
    r: &Roster,
    agents: &[Agent],
    rules: &Rules,
    days: usize,
) -> Vec<Rule> {
    check_roster(p, 0, days, r, agents, rules).into_iter().map(|v| v.rule).collect()
}

#[test]
fn each_broken_rule_is_reported() {
    let p = hourly(vec![fixed(480, 480), fixed(14 * 60, 600)], 7);
    let early = shift(0, 480, 480);
    let late = shift(1, 14 * 60, 600); // 14:00–24:00
    let a = vec![Agent::new("Li"), Agent::new("Wang")];
    // A valid roster breaks nothing.
    assert!(rules_broken(&p, &roster_of(&[(0, 0, early.clone())]), &a, &loose(), 7).is_empty());
    // Minimum rest: 24:00 to 08:00 is 8 hours.
    let r = roster_of(&[(0, 0, late.clone()), (0, 1, early.clone())]);
    assert_eq!(
        rules_broken(&p, &r, &a, &Rules { min_rest_hours: 11.0, ..loose() }, 7),
        vec![Rule::MinRest]
    );
    assert!(rules_broken(&p, &r, &a, &Rules { min_rest_hours: 8.0, ..loose() }, 7).is_empty());
    // Maximum consecutive days.
    let six: Vec<_> = (0..6).map(|d| (0, d, early.clone())).collect();
    assert_eq!(
        rules_broken(&p, &roster_of(&six), &a, &Rules { max_consecutive_days: 5, ..loose() }, 7),
        vec![Rule::MaxConsecutiveDays]
    );
    assert!(
        rules_broken(&p, &roster_of(&six), &a, &Rules { max_consecutive_days: 6, ..loose() }, 7)
            .is_empty()
    );
    // Weekly hours: 6 × 8 = 48.
    assert_eq!(
        rules_broken(&p, &roster_of(&six), &a, &Rules { max_weekly_hours: 40.0, ..loose() }, 7),
        vec![Rule::MaxWeeklyHours]
    );
    let v = rules_broken(&p, &roster_of(&six), &a, &Rules { min_weekly_hours: 20.0, ..loose() }, 7);
    assert_eq!(v, vec![Rule::MinWeeklyHours], "Wang works 0 hours");
    // One shift a day.
    let r = roster_of(&[(0, 0, early.clone()), (0, 0, late.clone())]);
    assert!(rules_broken(&p, &r, &a, &loose(), 7).contains(&Rule::OneShiftPerDay));
    // Availability and hours of availability.
    let mut busy = a.clone();
    busy[0].unavailable_days = vec![2];
    assert_eq!(
        rules_broken(&p, &roster_of(&[(0, 2, early.clone())]), &busy, &loose(), 7),
        vec![Rule::Availability]
    );
    busy[0].unavailable_days.clear();
    busy[0].latest_end_minute = Some(18 * 60);
    assert_eq!(
        rules_broken(&p, &roster_of(&[(0, 2, late.clone())]), &busy, &loose(), 7),
        vec![Rule::Availability]
    );
    // Skill.
    let mut skilled = p.clone();
    skilled.templates[0].skills = vec!["english".into()];
    assert_eq!(
        rules_broken(&skilled, &roster_of(&[(0, 0, early.clone())]), &a, &loose(), 7),
        vec![Rule::Skill]
    );
    // Weekend fairness: Li works Saturday and Sunday, Wang neither.
    let r = roster_of(&[(0, 5, early.clone()), (0, 6, early.clone())]);
    assert_eq!(
        rules_broken(&p, &r, &a, &Rules { weekend_spread: 1, ..loose() }, 7),
        vec![Rule::WeekendFairness]
    );
    assert!(rules_broken(&p, &r, &a, &Rules { weekend_spread: 2, ..loose() }, 7).is_empty());
}

fn infeasible_rule(p: &ScheduleProblem, s: &Schedule, agents: &[Agent], rules: &Rules) -> Rule {
    match roster(p, s, agents, rules) {
        Err(WfmError::Infeasible { rule, .. }) => rule,
        other => panic!("expected infeasible, got {other:?}"),
    }
}

#[test]
fn infeasible_rosters_name_the_rule() {
    let p = hourly(vec![fixed(480, 480), fixed(14 * 60, 600)], 7);
    let early = shift(0, 480, 480);
    let late = shift(1, 14 * 60, 600);
    let one = vec![Agent::new("Li")];
    // Seven early shifts, one agent, at most five days in a row.
    let s = schedule_of((0..7).map(|_| vec![(early.clone(), 1)]).collect());
    assert_eq!(
        infeasible_rule(&p, &s, &one, &Rules { max_consecutive_days: 5, ..loose() }),
        Rule::MaxConsecutiveDays
    );
    assert_eq!(
        infeasible_rule(&p, &s, &one, &Rules { max_weekly_hours: 40.0, ..loose() }),
        Rule::MaxWeeklyHours
    );
    // Late then early: 8 hours' rest.
    let s = schedule_of(vec![vec![(late.clone(), 1)], vec![(early.clone(), 1)]]);
    assert_eq!(
        infeasible_rule(&p, &s, &one, &Rules { min_rest_hours: 11.0, ..loose() }),
        Rule::MinRest
    );
    // Two shifts on one day, one agent.
    let s = schedule_of(vec![vec![(early.clone(), 1), (late.clone(), 1)]]);
    assert_eq!(infeasible_rule(&p, &s, &one, &loose()), Rule::OneShiftPerDay);
    // Unavailable.
    let mut away = one.clone();
    away[0].unavailable_days = vec![0];
    let s = schedule_of(vec![vec![(early.clone(), 1)]]);
    assert_eq!(infeasible_rule(&p, &s, &away, &loose()), Rule::Availability);
    // Missing skill.
    let mut skilled = p.clone();
    skilled.templates[0].skills = vec!["english".into()];
    assert_eq!(infeasible_rule(&skilled, &s, &one, &loose()), Rule::Skill);
    // Minimum weekly hours that the week's shifts cannot give both agents.
    let two = vec![Agent::new("Li"), Agent::new("Wang")];
    let s = schedule_of(
        (0..7).map(|d| if d < 2 { vec![(early.clone(), 1)] } else { vec![] }).collect(),
    );
    assert_eq!(
        infeasible_rule(&p, &s, &two, &Rules { min_weekly_hours: 16.0, ..loose() }),
        Rule::MinWeeklyHours
    );
    // Weekend fairness: Wang cannot work Saturday but is available every weekend day... only Li can.
    let mut shy = two.clone();
    shy[1].latest_end_minute = Some(12 * 60);
    let s = schedule_of(
        (0..7).map(|d| if d >= 5 { vec![(early.clone(), 1)] } else { vec![] }).collect(),
    );
    assert_eq!(
        infeasible_rule(&p, &s, &shy, &Rules { weekend_spread: 1, ..loose() }),
        Rule::WeekendFairness
    );
    // The message names the day and the shift.
    let e = roster(&p, &schedule_of(vec![vec![(early, 2)]]), &one, &loose()).unwrap_err();
    assert!(e.to_string().contains("day 0") && e.to_string().contains("08:00–16:00"), "{e}");
}

#[test]
fn a_solved_week_is_rostered_without_breaking_a_rule_and_wishes_count() {
    let mut day = vec![0; 96];
    for (i, v) in day.iter_mut().enumerate() {
        let h = i as f64 / 4.0;
        *v = if (8.0..20.0).contains(&h) {
            (12.0 + 6.0 * ((h - 8.0) / 12.0 * std::f64::consts::PI).sin()) as u32
        } else {
            0
        };
    }
    let weekend: Vec<u32> = day.iter().map(|v| v / 2).collect();
    let required = (0..7).map(|d| if d < 5 { day.clone() } else { weekend.clone() }).collect();
    let mut late = day_template();
    late.name = "late".into();
    late.earliest_start = t("11:00");
    late.latest_start = t("14:00");
    let p = ScheduleProblem {
        weights: Weights::default(),
        ..problem(required, vec![day_template(), late])
    };
    let s = solve(&p).unwrap();
    assert!(check_schedule(&p, &s).is_empty());
    let mut agents: Vec<Agent> = (0..40).map(|i| Agent::new(format!("agent{i}"))).collect();
    agents[0].preferred_days_off = vec![0, 1];
    agents[1].preferred_start_minute = Some(12 * 60);
    agents[2].unavailable_days = vec![5, 6];
    let rules = Rules {
        min_rest_hours: 11.0,
        max_consecutive_days: 5,
        min_weekly_hours: 0.0,
        max_weekly_hours: 40.0,
        weekend_spread: 1,
    };
    let r = roster(&p, &s, &agents, &rules).unwrap();
    assert_eq!(r.assignments.len() as u64, s.shift_count);
    assert!(check_roster(&p, 0, 7, &r, &agents, &rules).is_empty());
    assert!(r.assignments.iter().all(|x| !(x.agent == 2 && x.day >= 5)));
    assert_eq!(r.preferred_days_off_worked, 0);
}

/// pyworkforce's example days (its `test_min_abs_difference_schedule` and
/// `examples/scheduling/`): 2 days × 24 periods, and its four shifts, the night shift wrapping
/// around midnight.
fn pyworkforce_example() -> (Vec<Vec<u32>>, Vec<Vec<u32>>) {
    let required = vec![
        vec![9, 11, 17, 9, 7, 12, 5, 11, 8, 9, 18, 17, 8, 12, 16, 8, 7, 12, 11, 10, 13, 19, 16, 7],
        vec![
            13, 13, 12, 15, 18, 20, 13, 16, 17, 8, 13, 11, 6, 19, 11, 20, 19, 17, 10, 13, 14, 23,
            16, 8,
        ],
    ];
    let patterns: Vec<Vec<u32>> = vec![
        (5..13).collect(),
        (13..21).collect(),
        vec![0, 1, 2, 3, 4, 21, 22, 23],
        (9..17).collect(),
    ];
    (required, patterns)
}

/// The least `cost(counts, coverage, requirement)` of each day over every count of the four
/// shifts (0 to 24 each; pyworkforce's own bounds allow 0 to 20), summed over the days; `None`
/// from `cost` rules a choice out.
fn brute_force(
    required: &[Vec<u32>],
    patterns: &[Vec<u32>],
    cost: impl Fn([u32; 4], &[u32; 24], &[u32]) -> Option<u64>,
) -> u64 {
    let mut best = 0;
    for req in required {
        let mut day_best = u64::MAX;
        for a in 0..25u32 {
            for b in 0..25u32 {
                for c in 0..25u32 {
                    for d in 0..25u32 {
                        let counts = [a, b, c, d];
                        let mut cover = [0u32; 24];
                        for (k, p) in patterns.iter().enumerate() {
                            for &q in p {
                                cover[q as usize] += counts[k];
                            }
                        }
                        if let Some(x) = cost(counts, &cover, req) {
                            day_best = day_best.min(x);
                        }
                    }
                }
            }
        }
        best += day_best;
    }
    best
}

/// pyworkforce's own test example: the least absolute difference, found by brute force.
#[test]
fn raw_coverage_matches_brute_force_on_pyworkforces_example() {
    let (required, patterns) = pyworkforce_example();
    let w = Weights { under: 1.0, over: 1.0, per_shift: 0.0 };
    let s = hotline_wfm::solve_coverage(&required, &patterns, w, None, 200, 3).unwrap();
    let best = brute_force(&required, &patterns, |_, cover, req| {
        Some(cover.iter().zip(req).map(|(&x, &r)| u64::from(x.abs_diff(r))).sum())
    });
    assert_eq!(s.objective as u64, best);
    // The relaxation's bound is at most the brute-force optimum.
    let bound = s.lower_bound.expect("a small day has a bound");
    assert!(bound <= best as f64 + 1e-6 && bound > 0.0, "{bound} vs {best}");
    let e = hotline_wfm::solve_coverage(&required, &[vec![24]], w, None, 10, 0).unwrap_err();
    assert!(e.to_string().contains("period 24"), "{e}");
}

/// pyworkforce 0.5.1's `examples/scheduling/min_required_resources.py` (the same two days and
/// shifts, every shift costing 1 as the example runs it): the fewest shifts with no period short,
/// found here by brute force, against the solver with a shortfall weight of 1,000 and one per
/// shift. The relaxation proves the optimum, so the solver's bound equals it.
#[test]
fn fewest_shifts_match_brute_force_on_pyworkforces_covering_example() {
    let (required, patterns) = pyworkforce_example();
    let w = Weights { under: 1000.0, over: 0.0, per_shift: 1.0 };
    let s = hotline_wfm::solve_coverage(&required, &patterns, w, None, 200, 1).unwrap();
    let best = brute_force(&required, &patterns, |counts, cover, req| {
        cover
            .iter()
            .zip(req)
            .all(|(&x, &r)| x >= r)
            .then(|| counts.iter().map(|&c| u64::from(c)).sum())
    });
    assert_eq!(best, 113, "pyworkforce's CP-SAT reports 113 (OPTIMAL)");
    assert_eq!((s.under, s.shift_count), (0, best));
    assert_eq!(s.objective, best as f64);
    let bound = s.lower_bound.expect("a small day has a bound");
    assert!((bound - 113.0).abs() < 1e-6, "{bound}");
}

/// The lower bound is a bound: no schedule of the problem, however found, beats it; and on a
/// covering problem whose requirement is made of whole shifts the solver reaches it exactly.
#[test]
fn the_lower_bound_holds_and_is_reached_when_shifts_tile_the_requirement() {
    // Hourly, 8-hour shifts at 06:00, 07:00 ... 14:00; 3 at 06:00, 5 at 09:00, 2 at 14:00.
    let p = hourly(
        vec![hotline_wfm::ShiftTemplate {
            earliest_start: t("06:00"),
            latest_start: t("14:00"),
            start_step_minutes: 60,
            ..fixed(360, 480)
        }],
        1,
    );
    let mut req = vec![0u32; 24];
    for (start, n) in [(6, 3), (9, 5), (14, 2)] {
        req[start..start + 8].iter_mut().for_each(|r| *r += n);
    }
    let mut covering = p.clone();
    covering.required = vec![req.clone()];
    covering.weights = Weights { under: 1000.0, over: 0.0, per_shift: 1.0 };
    let s = solve(&covering).unwrap();
    assert_eq!((s.under, s.shift_count), (0, 10));
    let bound = s.lower_bound.unwrap();
    assert!((bound - 10.0).abs() < 1e-6, "{bound}");
    // Under absolute difference with one agent fewer at 10:00: bound ≤ every integer schedule.
    let mut abs = covering.clone();
    abs.weights = Weights { under: 1.0, over: 1.0, per_shift: 0.0 };
    abs.required[0][10] -= 1;
    let s = solve(&abs).unwrap();
    assert_eq!(s.objective, 1.0);
    assert!(s.lower_bound.unwrap() <= 1.0 + 1e-6);
    // A concurrency cap: no relaxation, no bound.
    abs.max_concurrency = Some(100);
    assert_eq!(solve(&abs).unwrap().lower_bound, None);
}

// ---- multi-skill ----

/// A fixed hourly template serving `skills`.
fn skilled(start_hour: u32, hours: u32, skills: &[&str]) -> ShiftTemplate {
    ShiftTemplate {
        name: format!("{}@{start_hour}", skills.join("+")),
        skills: skills.iter().map(|s| (*s).to_owned()).collect(),
        ..fixed(start_hour * 60, hours * 60)
    }
}

/// One hourly day with per-skill requirements `(skill, from hour, to hour, agents)`.
fn multi(templates: Vec<ShiftTemplate>, needs: &[(&str, usize, usize, u32)]) -> ScheduleProblem {
    let mut p = hourly(templates, 1);
    for &(skill, from, to, n) in needs {
        let k = match p.skill_required.iter().position(|s| s.skill == skill) {
            Some(k) => k,
            None => {
                p.skill_required
                    .push(SkillRequirement { skill: skill.into(), required: vec![vec![0; 24]] });
                p.skill_required.len() - 1
            }
        };
        for h in from..to {
            p.skill_required[k].required[0][h] += n;
            p.required[0][h] += n;
        }
    }
    p.effort = 200;
    p
}

/// Requirement met by a mix of single-skill agents (each serves one skill) and bilingual ones (either),
/// counted independently of the solver: single-skill agents first, bilinguals to what is left.
fn met(en_only: u32, zh_only: u32, both: u32, r_en: u32, r_zh: u32) -> u32 {
    let (a, b) = (en_only.min(r_en), zh_only.min(r_zh));
    a + b + both.min(r_en - a + r_zh - b)
}

#[test]
fn a_bilingual_agent_counts_once() {
    // 2 English and 2 Chinese agents an hour, 08:00–16:00, and only bilingual shifts: four
    // bilingual agents, not two (counting each for both skills would stop at two).
    let p = multi(vec![skilled(8, 8, &["en", "zh"])], &[("en", 8, 16, 2), ("zh", 8, 16, 2)]);
    let s = solve(&p).unwrap();
    assert_eq!((s.under, s.over, s.shift_count), (0, 0, 4));
    // Three bilinguals forced by a concurrency cap meet 3 of the 4: one short each hour.
    let mut capped = p.clone();
    capped.max_concurrency = Some(3);
    let s = solve(&capped).unwrap();
    assert_eq!((s.under, s.over, s.shift_count), (8, 0, 3));
}

#[test]
fn multi_skill_schedule_matches_brute_force() {
    // English-only 08:00–12:00, Chinese-only 10:00–14:00, bilingual 08:00–16:00.
    let templates =
        vec![skilled(8, 4, &["en"]), skilled(10, 4, &["zh"]), skilled(8, 8, &["en", "zh"])];
    let needs = [("en", 8, 12, 3), ("en", 12, 16, 1), ("zh", 8, 10, 1), ("zh", 10, 16, 2)];
    let (r_en, r_zh) = {
        let (mut e, mut z) = (vec![0u32; 24], vec![0u32; 24]);
        for &(skill, from, to, n) in &needs {
            let v = if skill == "en" { &mut e } else { &mut z };
            v[from..to].iter_mut().for_each(|x| *x += n);
        }
        (e, z)
    };
    for w in [
        Weights { under: 1.0, over: 1.0, per_shift: 0.0 },
        Weights { under: 3.0, over: 1.0, per_shift: 0.5 },
        Weights { under: 1.0, over: 2.0, per_shift: 0.0 },
    ] {
        let mut p = multi(templates.clone(), &needs);
        p.weights = w;
        let s = solve(&p).unwrap();
        let mut best = f64::INFINITY;
        for a in 0..7u32 {
            for b in 0..7u32 {
                for c in 0..7u32 {
                    let (mut under, mut over) = (0u32, 0u32);
                    for h in 0..24 {
                        let en = if (8..12).contains(&h) { a } else { 0 };
                        let zh = if (10..14).contains(&h) { b } else { 0 };
                        let both = if (8..16).contains(&h) { c } else { 0 };
                        let m = met(en, zh, both, r_en[h], r_zh[h]);
                        under += r_en[h] + r_zh[h] - m;
                        over += en + zh + both - m;
                    }
                    let cost = w.under * f64::from(under)
                        + w.over * f64::from(over)
                        + w.per_shift * f64::from(a + b + c);
                    best = best.min(cost);
                }
            }
        }
        assert!(
            (s.objective - best).abs() < 1e-9,
            "{w:?}: solver {} brute force {best}",
            s.objective
        );
        // The pooled relaxation is a lower bound of the skilled problem too.
        let bound = s.lower_bound.expect("a bound");
        assert!(bound <= best + 1e-6, "{w:?}: bound {bound} above the optimum {best}");
        // The reported shortfall and surplus are the schedule's own, recounted.
        let count = |name: &str| -> u32 {
            s.days[0]
                .shifts
                .iter()
                .filter(|(sh, _)| p.templates[sh.template].name.starts_with(name))
                .map(|(_, c)| *c)
                .sum()
        };
        let (a, b, c) = (count("en@"), count("zh@"), count("en+zh@"));
        let (mut under, mut over) = (0u64, 0u64);
        for h in 0..24 {
            let en = if (8..12).contains(&h) { a } else { 0 };
            let zh = if (10..14).contains(&h) { b } else { 0 };
            let both = if (8..16).contains(&h) { c } else { 0 };
            let m = met(en, zh, both, r_en[h], r_zh[h]);
            under += u64::from(r_en[h] + r_zh[h] - m);
            over += u64::from(en + zh + both - m);
        }
        assert_eq!((s.under, s.over), (under, over), "{w:?}");
    }
}

#[test]
fn multi_skill_inputs_that_cannot_work_name_the_problem() {
    // French is needed and no template serves it: infeasible, rule `skill`, naming French.
    let p = multi(vec![skilled(8, 8, &["en"])], &[("en", 8, 16, 1), ("fr", 9, 10, 2)]);
    match solve(&p).unwrap_err() {
        WfmError::Infeasible { rule: Rule::Skill, message } => {
            assert!(message.contains("`fr`") && message.contains("09:00"), "{message}")
        }
        e => panic!("{e}"),
    }
    // A template serving French only on Tuesdays does not help on a Monday.
    let mut tuesday = skilled(8, 8, &["fr"]);
    tuesday.weekdays = vec![1];
    let p = multi(vec![skilled(8, 8, &["en"]), tuesday], &[("en", 8, 16, 1), ("fr", 9, 10, 2)]);
    assert!(matches!(solve(&p), Err(WfmError::Infeasible { rule: Rule::Skill, .. })));
    // The total is not the skills' sum.
    let mut p = multi(vec![skilled(8, 8, &["en"])], &[("en", 8, 16, 1)]);
    p.required[0][9] += 1;
    let e = solve(&p).unwrap_err();
    assert!(e.to_string().contains("interval 9") && e.to_string().contains("`required`"), "{e}");
    // A template without skills in a multi-skill problem, and one naming an unknown skill.
    let mut p = multi(vec![skilled(8, 8, &["en"])], &[("en", 8, 16, 1)]);
    p.templates[0].skills.clear();
    assert!(solve(&p).unwrap_err().to_string().contains("templates[0].skills"));
    p.templates[0].skills = vec!["en".into(), "de".into()];
    assert!(solve(&p).unwrap_err().to_string().contains("`de` has no requirement"));
}

#[test]
fn a_multi_skill_shift_goes_only_to_an_agent_with_every_skill() {
    let p = multi(vec![skilled(8, 8, &["en", "zh"])], &[("en", 8, 16, 1), ("zh", 8, 16, 1)]);
    let s = solve(&p).unwrap();
    assert_eq!(s.shift_count, 2);
    let with = |skills: &[&str]| {
        let mut a = Agent::new(skills.join("+"));
        a.skills = skills.iter().map(|s| (*s).to_owned()).collect();
        a
    };
    // Only English speakers: the rule that cannot be met is `skill`.
    let english = vec![with(&["en"]), with(&["en"])];
    assert_eq!(infeasible_rule(&p, &s, &english, &loose()), Rule::Skill);
    // Two bilinguals take the two shifts; a roster giving one to an English speaker is reported.
    let agents = vec![with(&["en", "zh"]), with(&["zh", "en", "fr"]), with(&["en"])];
    let r = roster(&p, &s, &agents, &loose()).unwrap();
    assert!(r.assignments.iter().all(|a| a.agent != 2));
    let bad =
        roster_of(&[(0, 0, s.days[0].shifts[0].0.clone()), (2, 0, s.days[0].shifts[0].0.clone())]);
    assert_eq!(rules_broken(&p, &bad, &agents, &loose(), 1), vec![Rule::Skill]);
}
