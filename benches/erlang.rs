//! hotline-erlang against pyworkforce (timed by `benches/peers/erlang_pyworkforce.sh`, which runs
//! this benchmark and pyworkforce's Python on the same cases in one go and prints the ratios).
//!
//! Cases (30-minute intervals, 3-minute calls):
//! * `erlang_c_required/{833,5000,50000}`: fewest agents for 80% answered within 20 s, Erlang C;
//! * `erlang_a_service_level`: one Erlang A service level, 10 erlangs, 11 agents, patience 2 min,
//!   target 20 s.
//!
//! Also, without a peer: Erlang B for a million lines, and a day's intraday plan.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hotline_erlang::{
    ErlangA, ErlangB, Forecast, Model, ServiceLevel, Staffing, Targets, plan_day,
};

fn sl_80_20() -> Targets {
    Targets {
        service_level: Some(ServiceLevel::new(0.8, 20.0).expect("valid")),
        ..Targets::default()
    }
}

fn erlang_c_required(load: f64) -> u64 {
    Staffing::new(Model::ErlangC, load, 180.0, sl_80_20())
        .and_then(|s| s.required_agents())
        .expect("reachable")
}

fn erlang_a_service_level() -> f64 {
    ErlangA::new(10.0, 11.0, 180.0, 120.0).and_then(|a| a.service_level(20.0)).expect("valid")
}

fn benches(c: &mut Criterion) {
    let loads = [("833", 833.0), ("5000", 5000.0), ("50000", 50_000.0)];
    let mut group = c.benchmark_group("erlang_c_required");
    for (name, load) in loads {
        group.bench_function(name, |b| b.iter(|| erlang_c_required(black_box(load))));
    }
    group.finish();
    c.bench_function("erlang_a_service_level", |b| b.iter(|| black_box(erlang_a_service_level())));
    c.bench_function("erlang_b_million_lines", |b| {
        b.iter(|| ErlangB::new(black_box(999_000.0), black_box(1_000_000.0)).map(|e| e.blocking()))
    });
    let forecast =
        Forecast::parse_csv(include_str!("../crates/hotline-erlang/examples/day.csv"), None)
            .expect("sample forecast");
    c.bench_function("intraday_day_plan", |b| {
        b.iter(|| plan_day(black_box(&forecast), Model::ErlangC, sl_80_20(), 0.3))
    });

    // The answers, for the peer script's table (only when benchmarking, not under `cargo test`).
    if std::env::args().any(|a| a == "--bench") {
        let mut answers = serde_json::Map::new();
        for (name, load) in loads {
            answers.insert(format!("erlang_c_required/{name}"), erlang_c_required(load).into());
        }
        answers.insert("erlang_a_service_level".to_owned(), erlang_a_service_level().into());
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/criterion");
        if std::fs::create_dir_all(&dir).is_ok() {
            let _ = std::fs::write(
                dir.join("erlang-answers.json"),
                serde_json::Value::Object(answers).to_string(),
            );
        }
    }
}

criterion_group!(erlang, benches);
criterion_main!(erlang);
