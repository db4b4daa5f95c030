//! hotline-wfm: reading history, forecasting, staffing and scheduling.
//!
//! No Rust peer exists; the Python peers (statsmodels' Holt-Winters, pyworkforce's CP-SAT models)
//! are timed by the scripts in `crates/hotline-wfm/scripts/`, which also compare the results. Here:
//!
//! * `wfm_csv/year_30min`: parse a year of half-hourly history (17,520 rows);
//! * `wfm_forecast/{seasonal_naive,holt_winters_fitted,calendar}`: a 14-day forecast from two
//!   years of half-hourly history (Holt-Winters with its parameters already fitted, the calendar
//!   model including its day-type estimation);
//! * `wfm_requirement/week_15min`: required agents for a week of quarter hours (672 Erlang C
//!   searches);
//! * `wfm_schedule/day_1600_patterns`: one day, 1,600 patterns with breaks, effort 50;
//! * `wfm_coverage/pyworkforce_example`: pyworkforce's own 2-day × 24-period × 4-shift example.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hotline_calendar::Calendar;
use hotline_wfm::{
    BreakRule, CalendarProfile, CsvLimits, GeneratorParams, HoltWinters, Model, RequirementOptions,
    ScheduleProblem, SeasonalNaive, Series, ShiftTemplate, Weights, generate,
    requirement_from_calls, solve, solve_coverage,
};
use jiff::civil::date;

fn benches(c: &mut Criterion) {
    let cal = Calendar::china();
    let g = generate(&GeneratorParams::default(), &cal, date(2025, 1, 1), 730).expect("generated");
    let year = Series { values: g.series.values[..365 * 48].to_vec(), ..g.series.clone() };
    let csv = year.to_csv();
    c.bench_function("wfm_csv/year_30min", |b| {
        b.iter(|| Series::parse_csv(black_box(&csv), CsvLimits::default()).expect("parses"))
    });

    let mut group = c.benchmark_group("wfm_forecast");
    group.sample_size(10);
    let history = &g.series;
    group.bench_function("seasonal_naive", |b| {
        b.iter(|| SeasonalNaive::default().predict(black_box(history), 672))
    });
    let mut hw = HoltWinters::default();
    hw.fit(history).expect("fits");
    group.bench_function("holt_winters_fitted", |b| b.iter(|| hw.predict(black_box(history), 672)));
    let model = CalendarProfile::new(cal.clone());
    group.bench_function("calendar", |b| b.iter(|| model.predict(black_box(history), 672)));
    group.finish();

    let calls: Vec<f64> = g.series.values[..672].iter().map(|v| v / 2.0).collect();
    c.bench_function("wfm_requirement/week_15min", |b| {
        b.iter(|| {
            requirement_from_calls(
                "2025-01-01T00:00".parse().expect("time"),
                15,
                black_box(&calls),
                &[],
                RequirementOptions::default(),
            )
        })
    });

    let t = |s: &str| s.parse().expect("time");
    let template = ShiftTemplate {
        name: "8h".into(),
        earliest_start: t("00:00"),
        latest_start: t("16:00"),
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
    };
    let day: Vec<u32> =
        (0..96).map(|i| if (28..80).contains(&i) { 40 + (i % 7) as u32 } else { 4 }).collect();
    let problem = ScheduleProblem {
        interval_minutes: 15,
        first_weekday: 0,
        required: vec![day],
        templates: vec![
            template.clone(),
            ShiftTemplate {
                name: "9h".into(),
                latest_start: t("15:00"),
                lengths_minutes: vec![540],
                ..template
            },
        ],
        weights: Weights { under: 1.0, over: 1.0, per_shift: 0.0 },
        max_concurrency: None,
        effort: 50,
        seed: 1,
        skill_required: vec![],
    };
    let mut group = c.benchmark_group("wfm_schedule");
    group.sample_size(10);
    group.bench_function("day_1600_patterns", |b| {
        b.iter(|| solve(black_box(&problem)).expect("solves"))
    });
    group.finish();

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
    c.bench_function("wfm_coverage/pyworkforce_example", |b| {
        b.iter(|| {
            solve_coverage(
                black_box(&required),
                &patterns,
                Weights { under: 1.0, over: 1.0, per_shift: 0.0 },
                None,
                200,
                1,
            )
        })
    });
}

criterion_group!(wfm, benches);
criterion_main!(wfm);
