//! A week of 15-minute intervals for about 500 agents, from forecast to roster, timed; and the
//! problems written as JSON for pyworkforce's CP-SAT models.
//!
//! ```sh
//! cargo run --release -p hotline-wfm --example schedule_compare -- target/wfm-sched
//! # with the HiGHS MILP solver beside the search (EFFORT, then its time limit for the week):
//! cargo run --release -p hotline-wfm --features highs --example schedule_compare -- target/wfm-sched 400 420
//! pip install pyworkforce   # 0.5.1 with ortools 9.15 for the book's table
//! python3 crates/hotline-wfm/scripts/compare_schedule.py target/wfm-sched
//! ```
//!
//! The week: Monday 9 – Sunday 15 March 2026 of the generated series (history from 1 January
//! 2025), forecast with the calendar model, staffed with Erlang C (80% in 20 s, occupancy at most
//! 90%, 3-minute calls, shrinkage 10%), scheduled with two templates (8-hour shifts starting
//! 00:00–16:00 and 9-hour shifts starting 00:00–15:00, every 30 minutes, each with a 15-minute
//! break 1.5–2.5 hours in and an unpaid lunch 3.5–4.5 hours in: 1,600 patterns a day) and
//! rostered on 500 agents.

use std::time::Instant;

use hotline_calendar::Calendar;
use hotline_wfm::{
    Agent, BreakRule, CalendarProfile, ForecastOptions, GeneratorParams, RequirementOptions, Rules,
    ScheduleProblem, ShiftTemplate, Weights, check_roster, check_schedule, forecast, generate,
    requirement, roster, solve, solve_coverage,
};
use jiff::civil::date;

fn templates() -> Vec<ShiftTemplate> {
    let t = |s: &str| s.parse().expect("time");
    let brk = BreakRule {
        name: "break".into(),
        length_minutes: 15,
        earliest_after_minutes: 90,
        latest_after_minutes: 150,
        paid: true,
    };
    vec![
        ShiftTemplate {
            name: "8h".into(),
            earliest_start: t("00:00"),
            latest_start: t("16:00"),
            start_step_minutes: 30,
            lengths_minutes: vec![480],
            weekdays: vec![],
            breaks: vec![
                brk.clone(),
                BreakRule {
                    name: "lunch".into(),
                    length_minutes: 30,
                    earliest_after_minutes: 210,
                    latest_after_minutes: 270,
                    paid: false,
                },
            ],
            skills: vec![],
        },
        ShiftTemplate {
            name: "9h".into(),
            earliest_start: t("00:00"),
            latest_start: t("15:00"),
            start_step_minutes: 30,
            lengths_minutes: vec![540],
            weekdays: vec![],
            breaks: vec![
                brk,
                BreakRule {
                    name: "lunch".into(),
                    length_minutes: 60,
                    earliest_after_minutes: 210,
                    latest_after_minutes: 270,
                    paid: false,
                },
            ],
            skills: vec![],
        },
    ]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::path::PathBuf::from(
        std::env::args().nth(1).unwrap_or_else(|| "target/wfm-sched".into()),
    );
    std::fs::create_dir_all(&out)?;
    let effort: u32 = std::env::args().nth(2).map_or(Ok(400), |a| a.parse())?;
    let cal = Calendar::china();
    let params = GeneratorParams {
        interval_minutes: 15,
        daily_volume: 42_000.0,
        ..GeneratorParams::default()
    };
    let g = generate(&params, &cal, date(2025, 1, 1), 432 + 7)?;
    let history =
        hotline_wfm::Series { values: g.series.values[..432 * 96].to_vec(), ..g.series.clone() };
    let started = Instant::now();
    let f = forecast(
        &mut CalendarProfile::new(cal.clone()),
        &history,
        7 * 96,
        ForecastOptions::default(),
    )?;
    let forecast_s = started.elapsed().as_secs_f64();
    let req =
        requirement(&f, RequirementOptions { shrinkage: 0.1, ..RequirementOptions::default() })?;
    let required = req.by_day();
    let problem = ScheduleProblem {
        interval_minutes: 15,
        first_weekday: 0,
        required: required.clone(),
        templates: templates(),
        weights: Weights { under: 1.0, over: 1.0, per_shift: 0.0 },
        max_concurrency: None,
        effort,
        seed: 1,
        skill_required: vec![],
    };
    let patterns = problem.patterns(0)?;
    println!(
        "forecast {forecast_s:.2} s; {} patterns a day; requirement {:.0} agent-hours",
        patterns.len(),
        req.agent_hours()
    );

    // MinAbsDifference: |coverage − requirement| summed.
    let started = Instant::now();
    let s = solve(&problem)?;
    let solve_s = started.elapsed().as_secs_f64();
    assert!(check_schedule(&problem, &s).is_empty());
    println!(
        "hotline-wfm min-abs-difference: objective {} (under {}, over {}), {} shifts, {solve_s:.2} s; lower bound {:?}",
        s.objective, s.under, s.over, s.shift_count, s.lower_bound
    );

    // MinRequiredResources: the fewest shifts with no under-staffing.
    let mut covering = problem.clone();
    covering.weights = Weights { under: 1000.0, over: 0.0, per_shift: 1.0 };
    let started = Instant::now();
    let c = solve(&covering)?;
    let cover_s = started.elapsed().as_secs_f64();
    println!(
        "hotline-wfm min-required-resources: {} shifts, under {}, {cover_s:.2} s; lower bound {:?}",
        c.shift_count, c.under, c.lower_bound
    );

    // With `--features highs`: both models through the HiGHS MILP solver (time limit for the
    // week: the third argument, default 420 s).
    #[cfg(feature = "highs")]
    {
        let limit: f64 = std::env::args().nth(3).map_or(Ok(420.0), |a| a.parse())?;
        for (name, p) in [("min-abs-difference", &problem), ("min-required-resources", &covering)] {
            let started = Instant::now();
            let h = hotline_wfm::solve_milp(p, limit)?;
            assert!(check_schedule(p, &h).is_empty());
            println!(
                "highs {name}: objective {} (under {}, over {}), {} shifts, {:.2} s; HiGHS bound {:?}",
                h.objective,
                h.under,
                h.over,
                h.shift_count,
                started.elapsed().as_secs_f64(),
                h.lower_bound
            );
        }
    }

    // Multi-skill: the same requirement split 60/40 between English and Chinese calls, the 8-hour
    // template offered as English-only, Chinese-only and bilingual shifts.
    let mut multi = problem.clone();
    let split = |share: f64, other: bool| -> Vec<Vec<u32>> {
        required
            .iter()
            .map(|day| {
                day.iter()
                    .map(|&r| {
                        let en = (share * f64::from(r)).round() as u32;
                        if other { r - en } else { en }
                    })
                    .collect()
            })
            .collect()
    };
    multi.skill_required = vec![
        hotline_wfm::SkillRequirement { skill: "en".into(), required: split(0.6, false) },
        hotline_wfm::SkillRequirement { skill: "zh".into(), required: split(0.6, true) },
    ];
    let eight = templates().remove(0);
    multi.templates = [vec!["en"], vec!["zh"], vec!["en", "zh"]]
        .into_iter()
        .map(|skills| ShiftTemplate {
            name: format!("8h {}", skills.join("+")),
            skills: skills.into_iter().map(String::from).collect(),
            ..eight.clone()
        })
        .collect();
    // The same 8-hour shifts as one pool (every agent takes every call): a reference.
    let mut pooled = problem.clone();
    pooled.templates = vec![eight.clone()];
    let one = solve(&pooled)?;
    let started = Instant::now();
    let m = solve(&multi)?;
    println!(
        "hotline-wfm multi-skill (2 skills, {} patterns a day): objective {} (under {}, over {}), {} shifts, {:.2} s; lower bound {:?}; one pool of the 8-hour shifts: {}",
        multi.patterns(0)?.len(),
        m.objective,
        m.under,
        m.over,
        m.shift_count,
        started.elapsed().as_secs_f64(),
        m.lower_bound,
        one.objective
    );
    // Specialists only: no bilingual shift.
    let mut split_only = multi.clone();
    split_only.templates.truncate(2);
    let started = Instant::now();
    let so = solve(&split_only)?;
    // Specialists only decompose into one single-skill problem per skill: their sum is the
    // reference (and the sum of their bounds a tighter bound).
    let (mut alone, mut alone_bound) = (0.0, 0.0);
    for sk in &multi.skill_required {
        let mut p = problem.clone();
        p.required.clone_from(&sk.required);
        p.templates = vec![eight.clone()];
        let s = solve(&p)?;
        alone += s.objective;
        alone_bound += s.lower_bound.unwrap_or(f64::NAN);
    }
    println!(
        "hotline-wfm multi-skill, specialists only: objective {} (under {}, over {}), {:.2} s; lower bound {:?}; each skill alone: {alone} (bound {alone_bound:.1})",
        so.objective,
        so.under,
        so.over,
        started.elapsed().as_secs_f64(),
        so.lower_bound
    );

    // Roster 500 agents onto the min-abs-difference schedule.
    let agents: Vec<Agent> = (0..500)
        .map(|i| {
            let mut a = Agent::new(format!("agent{i:03}"));
            if i % 10 == 3 {
                a.unavailable_days = vec![(i / 10) % 7];
            }
            if i % 7 == 2 {
                a.preferred_start_minute = Some(8 * 60);
            }
            if i % 11 == 5 {
                a.preferred_days_off = vec![5, 6];
            }
            a
        })
        .collect();
    let rules = Rules {
        min_rest_hours: 11.0,
        max_consecutive_days: 5,
        min_weekly_hours: 0.0,
        max_weekly_hours: 40.0,
        weekend_spread: 1,
    };
    let started = Instant::now();
    let r = roster(&problem, &s, &agents, &rules)?;
    let roster_s = started.elapsed().as_secs_f64();
    assert!(check_roster(&problem, 0, 7, &r, &agents, &rules).is_empty());
    let used = {
        let mut v: Vec<usize> = r.assignments.iter().map(|x| x.agent).collect();
        v.sort_unstable();
        v.dedup();
        v.len()
    };
    println!(
        "roster: {} shifts on {used} of {} agents, {roster_s:.3} s; preferred days off worked {}; mean start deviation {:.0} min",
        r.assignments.len(),
        agents.len(),
        r.preferred_days_off_worked,
        r.mean_start_deviation_minutes
    );

    // pyworkforce's own example, through the raw-coverage solver.
    let small_req = vec![
        vec![9, 11, 17, 9, 7, 12, 5, 11, 8, 9, 18, 17, 8, 12, 16, 8, 7, 12, 11, 10, 13, 19, 16, 7],
        vec![
            13, 13, 12, 15, 18, 20, 13, 16, 17, 8, 13, 11, 6, 19, 11, 20, 19, 17, 10, 13, 14, 23,
            16, 8,
        ],
    ];
    let small_patterns: Vec<Vec<u32>> = vec![
        (5..13).collect(),
        (13..21).collect(),
        vec![0, 1, 2, 3, 4, 21, 22, 23],
        (9..17).collect(),
    ];
    let started = Instant::now();
    let reps = 100;
    let mut small = None;
    for _ in 0..reps {
        small = Some(solve_coverage(
            &small_req,
            &small_patterns,
            Weights { under: 1.0, over: 1.0, per_shift: 0.0 },
            None,
            200,
            1,
        )?);
    }
    let small_s = started.elapsed().as_secs_f64() / f64::from(reps);
    let small = small.expect("ran");
    println!(
        "pyworkforce example (2 days × 24 periods × 4 shifts): objective {}, {:.2} ms",
        small.objective,
        1e3 * small_s
    );

    // JSON for the Python script.
    let coverage: Vec<(String, Vec<u8>)> = patterns
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut v = vec![0u8; 96];
            for &q in &p.cover {
                v[q as usize] = 1;
            }
            (format!("p{i}"), v)
        })
        .collect();
    let doc = serde_json::json!({
        "week": {
            "required": required,
            "shifts_coverage": coverage.into_iter().map(|(k, v)| (k, serde_json::json!(v))).collect::<serde_json::Map<String, serde_json::Value>>(),
        },
        "ours": {
            "min_abs_difference": { "objective": s.objective, "seconds": solve_s, "shifts": s.shift_count },
            "min_required_resources": { "shifts": c.shift_count, "under": c.under, "seconds": cover_s },
            "roster_seconds": roster_s,
            "small": { "objective": small.objective, "seconds": small_s },
        },
    });
    std::fs::write(out.join("problem.json"), serde_json::to_string(&doc)?)?;
    std::fs::write(out.join("schedule.json"), serde_json::to_string(&s)?)?;
    let title = "Week of 9 March 2026: the requirement (Erlang C 80/20, 10% shrinkage)";
    std::fs::write(out.join("requirement.svg"), hotline_wfm::requirement_svg(&req, title))?;
    let title = "Week of 9 March 2026: required agents and scheduled coverage per 15 minutes";
    std::fs::write(out.join("coverage.svg"), hotline_wfm::coverage_svg(&problem, &s, title))?;
    let title = "Roster: the first 30 of 500 agents";
    std::fs::write(
        out.join("roster.svg"),
        hotline_wfm::roster_svg(&problem, &r, &agents, 7, 30, title),
    )?;
    eprintln!("wrote {}", out.display());
    Ok(())
}
