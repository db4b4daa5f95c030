//! The HiGHS MILP solver (cargo feature `highs`): `cargo test -p hotline-wfm --features highs`.
#![cfg(feature = "highs")]

use hotline_wfm::{
    BreakRule, ScheduleProblem, ShiftTemplate, SkillRequirement, Weights, WfmError, check_schedule,
    solve, solve_coverage, solve_coverage_milp, solve_milp,
};

fn pyworkforce_example() -> (Vec<Vec<u32>>, Vec<Vec<u32>>) {
    let required = vec![
        vec![9, 11, 17, 9, 7, 12, 5, 11, 8, 9, 18, 17, 8, 12, 16, 8, 7, 12, 11, 10, 13, 19, 16, 7],
        vec![
            13, 13, 12, 15, 18, 20, 13, 16, 17, 8, 13, 11, 6, 19, 11, 20, 19, 17, 10, 13, 14, 23,
            16, 8,
        ],
    ];
    let patterns = vec![
        (5..13).collect(),
        (13..21).collect(),
        vec![0, 1, 2, 3, 4, 21, 22, 23],
        (9..17).collect(),
    ];
    (required, patterns)
}

/// pyworkforce's examples have known optima (157, brute force in `tests/schedule.rs`; 113 shifts,
/// brute force there too): HiGHS reaches them and its bound equals them.
#[test]
fn highs_reaches_the_known_optima_of_pyworkforces_examples() {
    let (required, patterns) = pyworkforce_example();
    let abs = Weights { under: 1.0, over: 1.0, per_shift: 0.0 };
    let s = solve_coverage_milp(&required, &patterns, abs, None, 10.0).unwrap();
    assert_eq!(s.objective, 157.0);
    assert_eq!(s.under + s.over, 157);
    assert!((s.lower_bound.unwrap() - 157.0).abs() < 0.02, "{:?}", s.lower_bound);
    let cover = Weights { under: 1000.0, over: 0.0, per_shift: 1.0 };
    let c = solve_coverage_milp(&required, &patterns, cover, None, 10.0).unwrap();
    assert_eq!((c.under, c.shift_count), (0, 113));
    // The head counts give the coverage the solution reports.
    for (d, counts) in c.counts.iter().enumerate() {
        for (p, &r) in required[d].iter().enumerate() {
            let n: u32 = counts
                .iter()
                .zip(&patterns)
                .filter(|(_, cov)| cov.contains(&(p as u32)))
                .map(|(&k, _)| k)
                .sum();
            assert!(n >= r, "day {d} period {p}: {n} < {r}");
        }
    }
}

fn day_problem(weights: Weights, cap: Option<u32>) -> ScheduleProblem {
    let t = |s: &str| s.parse().unwrap();
    // A day of 15-minute intervals: a morning and an evening peak.
    let day: Vec<u32> = (0..96)
        .map(|i| {
            let h = f64::from(i) / 4.0;
            let peak = |c: f64| 9.0 * (-(h - c) * (h - c) / 6.0).exp();
            (peak(10.0) + peak(17.0)).round() as u32
        })
        .collect();
    ScheduleProblem {
        interval_minutes: 15,
        first_weekday: 0,
        required: vec![day.clone(), day],
        templates: vec![ShiftTemplate {
            name: "6h".into(),
            earliest_start: t("05:00"),
            latest_start: t("16:00"),
            start_step_minutes: 30,
            lengths_minutes: vec![360],
            weekdays: vec![],
            breaks: vec![BreakRule {
                name: "break".into(),
                length_minutes: 15,
                earliest_after_minutes: 120,
                latest_after_minutes: 180,
                paid: true,
            }],
            skills: vec![],
        }],
        weights,
        max_concurrency: cap,
        effort: 100,
        seed: 1,
        skill_required: vec![],
    }
}

/// On a problem HiGHS solves to optimality, no search does better than it, its schedule keeps
/// every rule, and its bound is the optimum (so it also bounds the pure-Rust search).
#[test]
fn highs_schedules_are_valid_and_no_worse_than_the_search() {
    for weights in [
        Weights { under: 1.0, over: 1.0, per_shift: 0.0 },
        Weights { under: 2.0, over: 1.0, per_shift: 3.0 },
    ] {
        let p = day_problem(weights, None);
        let m = solve_milp(&p, 60.0).unwrap();
        assert!(check_schedule(&p, &m).is_empty(), "{:?}", check_schedule(&p, &m));
        let s = solve(&p).unwrap();
        assert!(m.objective <= s.objective + 1e-9, "{} > {}", m.objective, s.objective);
        let bound = m.lower_bound.unwrap();
        assert!(bound <= m.objective + 1e-6 && m.objective - bound <= 1e-3 * m.objective + 1e-6);
        // The search's relaxation bound is below the MILP's optimum.
        assert!(s.lower_bound.unwrap() <= m.objective + 1e-6);
        let recount: u64 =
            m.days.iter().flat_map(|d| d.shifts.iter().map(|(_, c)| u64::from(*c))).sum();
        assert_eq!(recount, m.shift_count);
    }
}

/// A concurrency cap is a constraint of the MILP: the schedule keeps it (and pays shortfall
/// instead); without it the same day has more agents on shift at its peak.
#[test]
fn highs_keeps_the_concurrency_cap() {
    let w = Weights { under: 2.0, over: 1.0, per_shift: 0.0 };
    let free = solve_milp(&day_problem(w, None), 60.0).unwrap();
    let capped_problem = day_problem(w, Some(6));
    let capped = solve_milp(&capped_problem, 60.0).unwrap();
    assert!(check_schedule(&capped_problem, &capped).is_empty());
    assert!(capped.under > free.under, "{} vs {}", capped.under, free.under);
    // Solved raw, the cap applies in the same way.
    let (required, patterns) = pyworkforce_example();
    let abs = Weights { under: 1.0, over: 1.0, per_shift: 0.0 };
    let s = solve_coverage_milp(&required, &patterns[..2], abs, Some(10), 10.0).unwrap();
    for counts in &s.counts {
        assert!(counts.iter().all(|&c| c <= 10));
    }
    let pure = solve_coverage(&required, &patterns[..2], abs, Some(10), 100, 1).unwrap();
    assert!(s.objective <= pure.objective);
}

/// Inputs the MILP does not take are errors naming the field.
#[test]
fn highs_refuses_skills_and_bad_time_limits() {
    let mut p = day_problem(Weights::default(), None);
    let e = solve_milp(&p, 0.0).unwrap_err();
    assert!(matches!(&e, WfmError::Invalid { field, .. } if field == "time_limit_seconds"), "{e}");
    p.skill_required = vec![SkillRequirement { skill: "en".into(), required: p.required.clone() }];
    p.templates[0].skills = vec!["en".into()];
    let e = solve_milp(&p, 10.0).unwrap_err();
    assert!(matches!(&e, WfmError::Invalid { field, .. } if field == "skill_required"), "{e}");
    let (required, patterns) = pyworkforce_example();
    let e =
        solve_coverage_milp(&required, &patterns, Weights::default(), None, f64::NAN).unwrap_err();
    assert!(e.to_string().contains("time_limit_seconds"), "{e}");
    let e = solve_coverage_milp(&required, &[vec![24]], Weights::default(), None, 1.0).unwrap_err();
    assert!(e.to_string().contains("period 24"), "{e}");
}
