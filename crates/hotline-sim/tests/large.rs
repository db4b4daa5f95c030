//! The 50,000-erlang day (`scenarios/large/day-50k.toml`): one replication, with its CPU time
//! printed (the issue's target is under a minute on one core; tests never assert times, so the
//! figure is read from the output). Ignored by default (it simulates about 9.65 million calls);
//! run it in the release profile:
//!
//! ```text
//! cargo test -p hotline-sim --release --test large -- --ignored --nocapture
//! ```

use std::path::Path;

use cpu_time::ThreadTime;
use hotline_sim::{PolicyChoice, Scenario, run_replication};

#[test]
#[ignore = "a whole 50,000-erlang day: run in release with --ignored"]
fn day_at_50000_erlangs() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/large/day-50k.toml");
    let scenario = Scenario::from_file(&file).unwrap();
    let start = ThreadTime::now();
    let wall = std::time::Instant::now();
    let o = run_replication(&scenario, &PolicyChoice::Configured, 1, 0).unwrap();
    let cpu = start.elapsed().as_secs_f64();
    let wall = wall.elapsed().as_secs_f64();
    let t = &o.overall;
    eprintln!(
        "50,000-erlang day: {} calls offered, {} events in {cpu:.1} s CPU ({wall:.1} s wall): \
         {:.2} M events/s; answered {:.1}%, within 20 s {:.1}%, abandoned {:.2}%",
        t.offered,
        o.events,
        o.events as f64 / cpu / 1e6,
        100.0 * t.answered as f64 / t.offered as f64,
        100.0 * t.answered_within as f64 / t.offered as f64,
        100.0 * t.abandoned as f64 / t.offered as f64,
    );
    // Plausibility of the day itself: about 9.65 million calls (Poisson), nearly all answered.
    assert!((9_600_000..9_700_000).contains(&t.offered), "{}", t.offered);
    assert!(t.answered as f64 > 0.95 * t.offered as f64);
}
