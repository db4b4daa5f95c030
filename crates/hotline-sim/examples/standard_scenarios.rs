//! Runs replications `0..R` of each standard scenario under its configured policy and prints the
//! events and a checksum of each: the harness behind the book's instruction counts and CPU-time
//! pairs (the same binary built from two commits, each from its own target directory).
//!
//! ```text
//! cargo run --release -p hotline-sim --example standard_scenarios -- [REPS] [SCENARIO...]
//! valgrind --tool=cachegrind --cache-sim=no target/release/examples/standard_scenarios 2
//! ```
//!
//! The checksum (the sum of answered waits) is identical between two builds whose results are.

use std::path::Path;

use hotline_sim::{PolicyChoice, Scenario, run_replication};

const STANDARD: [&str; 8] = [
    "single-small",
    "single-large",
    "n-design",
    "w-design",
    "six-types",
    "hotline-12345",
    "day-shifts",
    "flash-surge",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let reps: u64 = args.next().map_or(Ok(2), |s| s.parse())?;
    let only: Vec<String> = args.collect();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    for name in STANDARD {
        if !only.is_empty() && !only.iter().any(|o| o == name) {
            continue;
        }
        let scenario = Scenario::from_file(&dir.join(format!("{name}.toml")))?;
        let (mut events, mut checksum) = (0, 0.0);
        for r in 0..reps {
            let o = run_replication(&scenario, &PolicyChoice::Configured, 1, r)?;
            events += o.events;
            checksum += o.overall.answered_wait;
        }
        println!("{name}: {reps} replications, {events} events, checksum {checksum:.6}");
    }
    Ok(())
}
