//! hotline-sim throughput: simulated events per second on one core, for a single queue of 100
//! agents under longest-idle (M/M/100+M at 95 erlangs, 30 s wrap-up). Events are arrivals,
//! abandonments, service ends and wrap-up ends, as the issue counts them. No peer simulator
//! runs in the same process; the book compares with ciw on the M/M/14 case separately.
//!
//! Each iteration is one whole replication (four simulated hours, about 7,600 calls) through
//! `hotline_sim::run_replication`, on the benchmark thread; the throughput is the number of
//! events that replication simulates, counted once before measuring. Times are the benchmark
//! thread's CPU time (`cpu_time::ThreadTime`), since the machines these run on are shared.
//!
//! `sim/n-design` is a same-run pair: one N-design replication (the standard scenario) under
//! the built-in longest-idle policy, and under the `trunk_reservation` example's custom policy,
//! which makes both decisions (a call arrives, an agent frees up) through hotline-acd's
//! `RoutingPolicy` and reads idle agents per group at each. The ratio is what a research
//! policy costs against the engine's own.

use std::hint::black_box;

use cpu_time::ThreadTime;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hotline_acd::PolicyName;
use hotline_sim::{PolicyChoice, Scenario, run_replication};

#[allow(dead_code)]
#[path = "../crates/hotline-sim/examples/trunk_reservation.rs"]
mod trunk_reservation;

fn scenario(agents: usize, load: f64) -> Scenario {
    Scenario::from_toml(
        &format!(
            r#"
            name = "bench"
            horizon = "4h"
            [acd]
            [[acd.queues]]
            name = "q"
            policy = "longest-idle"
            wrap_up = "30s"
            [[agent_groups]]
            name = "a"
            count = {agents}
            queues = [{{ queue = "q" }}]
            [[call_types]]
            name = "c"
            queue = "q"
            arrivals = {{ rate_per_hour = {rate} }}
            handle = {{ dist = "exponential", mean = 150 }}
            patience = {{ dist = "exponential", mean = 180 }}
            "#,
            rate = load / 180.0 * 3600.0
        ),
        None,
    )
    .expect("bench scenario")
}

fn events(c: &mut Criterion) {
    let s = scenario(100, 95.0);
    let policy = PolicyChoice::Configured;
    let per_rep = run_replication(&s, &policy, 1, 0).expect("runs").events;
    let mut group = c.benchmark_group("sim");
    group.throughput(Throughput::Elements(per_rep));
    group.bench_function("mm100_longest_idle_events", |b| {
        b.iter_custom(|iters| {
            let start = ThreadTime::now();
            for _ in 0..iters {
                black_box(run_replication(black_box(&s), &policy, 1, 0).expect("runs").events);
            }
            start.elapsed()
        })
    });
    group.finish();
}

fn n_design(c: &mut Criterion) {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../crates/hotline-sim/scenarios/n-design.toml");
    let s = Scenario::from_file(std::path::Path::new(path)).expect("n-design");
    let mut group = c.benchmark_group("sim/n-design");
    for (name, policy) in [
        ("longest-idle", PolicyChoice::Named(PolicyName::LongestIdle)),
        ("trunk-reservation-k4", trunk_reservation::choice(4, true)),
    ] {
        let per_rep = run_replication(&s, &policy, 1, 0).expect("runs").events;
        group.throughput(Throughput::Elements(per_rep));
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let start = ThreadTime::now();
                for _ in 0..iters {
                    black_box(run_replication(black_box(&s), &policy, 1, 0).expect("runs").events);
                }
                start.elapsed()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, events, n_design);
criterion_main!(benches);
