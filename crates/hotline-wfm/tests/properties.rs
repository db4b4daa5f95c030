//! Property tests: the CSV round trip, schedules and rosters that keep their invariants, and
//! adherence recounted minute by minute.

use hotline_wfm::{
    Agent, CsvLimits, Rules, ScheduleProblem, Series, ShiftTemplate, SkillRequirement, Weights,
    check_roster, check_schedule, roster, solve,
};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn csv_round_trips(values in proptest::collection::vec(0u32..100_000, 1..300), which in 0usize..3, start_slot in 0u32..4) {
        let interval = [15, 30, 60][which];
        let start: jiff::civil::DateTime = "2026-02-14T00:00".parse().unwrap();
        let start = start.checked_add(jiff::Span::new().minutes(i64::from(start_slot * interval))).unwrap();
        let values: Vec<f64> = values.into_iter().map(|v| f64::from(v) / 4.0).collect();
        let s = Series::new(start, interval, values).unwrap();
        let back = Series::parse_csv(&s.to_csv(), CsvLimits::default()).unwrap();
        // A single row cannot tell its interval: the reader takes the longest whose grid the row's
        // time lies on (found by a seed at 00:30 with one value: it was refused against the hourly
        // grid).
        if s.values.len() > 1 {
            prop_assert_eq!(back, s);
        } else {
            prop_assert_eq!(back.values, s.values);
        }
    }

    #[test]
    fn solved_schedules_cover_what_their_shifts_give_and_rosters_keep_the_rules(
        req in proptest::collection::vec(0u32..6, 24),
        days in 1usize..8,
        agents in 1usize..12,
        seed in 0u64..1000,
    ) {
        let t = |h: i8| jiff::civil::Time::new(h, 0, 0, 0).unwrap();
        let template = ShiftTemplate {
            name: "s".into(),
            earliest_start: t(6),
            latest_start: t(14),
            start_step_minutes: 60,
            lengths_minutes: vec![360, 480],
            weekdays: vec![],
            breaks: vec![],
            skills: vec![],
        };
        let problem = ScheduleProblem {
            interval_minutes: 60,
            first_weekday: 0,
            required: vec![req; days],
            templates: vec![template.clone()],
            weights: Weights::default(),
            max_concurrency: Some(8),
            effort: 5,
            seed,
            skill_required: vec![],
        };
        let s = solve(&problem).unwrap();
        prop_assert!(check_schedule(&problem, &s).is_empty());
        for day in &s.days {
            let mut cover = vec![0u32; 24];
            for (shift, n) in &day.shifts {
                for h in 0..24u32 {
                    if shift.covers(&template, h * 60, 60) {
                        cover[h as usize] += n;
                    }
                }
            }
            prop_assert_eq!(&cover, &day.coverage);
        }
        let list: Vec<Agent> = (0..agents).map(|i| Agent::new(format!("a{i}"))).collect();
        let rules = Rules::default();
        match roster(&problem, &s, &list, &rules) {
            Ok(r) => {
                prop_assert_eq!(r.assignments.len() as u64, s.shift_count);
                prop_assert!(check_roster(&problem, 0, days, &r, &list, &rules).is_empty());
            }
            Err(hotline_wfm::WfmError::Infeasible { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Two skills, English-only, Chinese-only and bilingual shift families: the reported
    /// shortfall and surplus are the schedule's own, recounted by allocating specialists first
    /// and bilinguals to what is left (optimal for two skills), and the bound holds.
    #[test]
    fn multi_skill_shortfall_and_surplus_are_recounted(
        en in proptest::collection::vec(0u32..5, 24),
        zh in proptest::collection::vec(0u32..5, 24),
        families in proptest::collection::vec((0usize..3, 4i8..14), 1..5),
        under in 1u32..4,
        seed in 0u64..1000,
    ) {
        let t = |h: i8| jiff::civil::Time::new(h, 0, 0, 0).unwrap();
        let skill_sets = [vec!["en"], vec!["zh"], vec!["en", "zh"]];
        let mut templates: Vec<ShiftTemplate> = families
            .iter()
            .enumerate()
            .map(|(i, &(k, start))| ShiftTemplate {
                name: format!("t{i}"),
                earliest_start: t(start),
                latest_start: t(start + 2),
                start_step_minutes: 60,
                lengths_minutes: vec![360],
                weekdays: vec![],
                breaks: vec![],
                skills: skill_sets[k].iter().map(|s| (*s).to_owned()).collect(),
            })
            .collect();
        // Every skill needs a template serving it: a bilingual one all day.
        templates.push(ShiftTemplate {
            name: "all".into(),
            earliest_start: t(0),
            latest_start: t(18),
            start_step_minutes: 60,
            lengths_minutes: vec![360],
            weekdays: vec![],
            breaks: vec![],
            skills: vec!["en".into(), "zh".into()],
        });
        let problem = ScheduleProblem {
            interval_minutes: 60,
            first_weekday: 0,
            required: vec![en.iter().zip(&zh).map(|(a, b)| a + b).collect()],
            templates: templates.clone(),
            weights: Weights { under: f64::from(under), over: 1.0, per_shift: 0.0 },
            max_concurrency: None,
            effort: 5,
            seed,
            skill_required: vec![
                SkillRequirement { skill: "en".into(), required: vec![en.clone()] },
                SkillRequirement { skill: "zh".into(), required: vec![zh.clone()] },
            ],
        };
        let s = solve(&problem).unwrap();
        let (mut e_only, mut z_only, mut both) = (vec![0u32; 24], vec![0u32; 24], vec![0u32; 24]);
        for (shift, n) in &s.days[0].shifts {
            let tpl = &templates[shift.template];
            let v = match tpl.skills.len() {
                2 => &mut both,
                _ if tpl.skills[0] == "en" => &mut e_only,
                _ => &mut z_only,
            };
            for h in 0..24u32 {
                if shift.covers(tpl, h * 60, 60) {
                    v[h as usize] += n;
                }
            }
        }
        let (mut u, mut o) = (0u64, 0u64);
        for h in 0..24 {
            let (a, b) = (e_only[h].min(en[h]), z_only[h].min(zh[h]));
            let met = a + b + both[h].min(en[h] - a + zh[h] - b);
            u += u64::from(en[h] + zh[h] - met);
            o += u64::from(e_only[h] + z_only[h] + both[h] - met);
        }
        prop_assert_eq!((s.under, s.over), (u, o));
        prop_assert!((s.objective - (f64::from(under) * u as f64 + o as f64)).abs() < 1e-9);
        prop_assert!(s.lower_bound.unwrap() <= s.objective + 1e-6);
    }

    /// Adherence on a minute grid: every figure, per interval and in total, equals a recount
    /// minute by minute (the scheduled state: a break if one covers the minute, else work if a
    /// shift does; the observed state: the last change at or before it), and the
    /// out-of-adherence spans add up to the time out of adherence and the unscheduled time.
    #[test]
    fn adherence_is_recounted_minute_by_minute(
        spans in proptest::collection::vec((0u64..1440, 0u64..600, proptest::bool::ANY), 0..6),
        changes in proptest::collection::vec((0u64..1440, 0usize..3), 0..20),
        window in (0u64..720, 0u64..1440),
        step in prop_oneof![Just(1u64), Just(7), Just(15), Just(30), Just(60)],
    ) {
        use hotline_wfm::{AgentTimeline, Observed, ObservedChange, Planned, PlannedSpan};
        use std::time::Duration;
        let min = |m: u64| Duration::from_secs(60 * m);
        let states = [Observed::Working, Observed::Away, Observed::LoggedOut];
        let planned: Vec<PlannedSpan> = spans
            .iter()
            .map(|&(start, len, brk)| PlannedSpan {
                start: min(start),
                end: min(start + len),
                activity: if brk { Planned::Break } else { Planned::Work },
            })
            .collect();
        let mut changes = changes;
        changes.sort_by_key(|c| c.0);
        let observed: Vec<ObservedChange> =
            changes.iter().map(|&(at, s)| ObservedChange { at: min(at), state: states[s] }).collect();
        let (from, to) = (window.0, window.0 + window.1);
        let agent = AgentTimeline { name: "x".into(), planned, observed };
        let r = hotline_wfm::adherence(&[agent], min(from), min(to), min(step)).unwrap();
        let n = (to - from).div_ceil(step) as usize;
        prop_assert_eq!(r.intervals.len(), n);
        // [scheduled, in adherence, scheduled work, worked, unscheduled] per interval, minutes.
        let mut expect = vec![[0u64; 5]; n];
        for m in from..to {
            let covers = |brk: bool| spans.iter().any(|&(s, l, b)| b == brk && s <= m && m < s + l);
            let plan = if covers(true) { 2 } else if covers(false) { 1 } else { 0 };
            let seen = changes.iter().rev().find(|c| c.0 <= m).map_or(2, |c| c.1);
            let kept = matches!((plan, seen), (1, 0) | (2, 1 | 2) | (0, 2));
            let e = &mut expect[((m - from) / step) as usize];
            if plan != 0 {
                e[0] += 1;
                e[1] += u64::from(kept);
            }
            e[2] += u64::from(plan == 1);
            e[3] += u64::from(seen == 0);
            e[4] += u64::from(plan == 0 && seen != 2);
        }
        let a = &r.agents[0];
        let mut total = [0u64; 5];
        for (k, e) in expect.iter().enumerate() {
            let got = a.intervals[k];
            let got = [got.scheduled_s, got.in_adherence_s, got.scheduled_work_s, got.worked_s, got.unscheduled_s];
            for j in 0..5 {
                prop_assert_eq!(got[j], 60.0 * e[j] as f64, "interval {} figure {}", k, j);
                total[j] += e[j];
            }
            prop_assert_eq!(r.intervals[k].agents_out, usize::from(e[1] < e[0]));
        }
        prop_assert_eq!(a.total.scheduled_s, 60.0 * total[0] as f64);
        prop_assert_eq!(a.total.in_adherence_s, 60.0 * total[1] as f64);
        let spans_out: f64 = a.out_of_adherence.iter().filter(|o| o.planned.is_some()).map(|o| o.end_s - o.start_s).sum();
        let spans_off: f64 = a.out_of_adherence.iter().filter(|o| o.planned.is_none()).map(|o| o.end_s - o.start_s).sum();
        prop_assert_eq!(spans_out, a.total.out_of_adherence_s());
        prop_assert_eq!(spans_off, a.total.unscheduled_s);
        for w in a.out_of_adherence.windows(2) {
            prop_assert!(w[0].end_s <= w[1].start_s);
        }
    }
}
