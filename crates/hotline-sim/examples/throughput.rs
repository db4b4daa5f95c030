//! Events per second of one replication of the benchmark case (a single queue of 100 agents
//! under longest-idle, M/M/100+M at 95 erlangs, 30 s wrap-up), on one thread, measured with the
//! process's wall clock. `cargo run --release -p hotline-sim --example throughput [REPS]`.
//!
//! `benches/sim.rs` measures the same case under criterion; this example is for quick looks and
//! profiling (`valgrind --tool=callgrind target/release/examples/throughput 3`).

use std::time::Instant;

use hotline_sim::{PolicyChoice, Scenario, run_replication};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let reps: u64 = std::env::args().nth(1).map_or(Ok(20), |s| s.parse())?;
    let scenario = Scenario::from_toml(
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
        count = 100
        queues = [{ queue = "q" }]
        [[call_types]]
        name = "c"
        queue = "q"
        arrivals = { rate_per_hour = 1900 }
        handle = { dist = "exponential", mean = 150 }
        patience = { dist = "exponential", mean = 180 }
        "#,
        None,
    )?;
    let policy = PolicyChoice::Configured;
    let start = Instant::now();
    let mut events = 0;
    let mut checksum = 0.0;
    for r in 0..reps {
        let o = run_replication(&scenario, &policy, 1, r)?;
        events += o.events;
        checksum += o.overall.answered_wait;
    }
    let s = start.elapsed().as_secs_f64();
    println!(
        "{reps} replications, {events} events in {s:.3} s: {:.2} M events/s (checksum {checksum:.6})",
        events as f64 / s / 1e6
    );
    Ok(())
}
