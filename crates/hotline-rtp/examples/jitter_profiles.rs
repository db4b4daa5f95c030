//! Runs the adaptive jitter buffer on every network profile and prints late loss against delay.
//!
//! `cargo run -p hotline-rtp --example jitter_profiles`

use std::time::Duration;

use hotline_rtp::eval::{OurBuffer, evaluate, summarize};
use hotline_rtp::jitter::JitterConfig;
use hotline_rtp::network::Profile;

fn main() {
    println!("{:<10} {:>9} {:>11} {:>10} {:>8}", "profile", "late %", "mean ms", "p95 ms", "score");
    for profile in Profile::all() {
        let results: Vec<_> = (0..5)
            .map(|seed| {
                let trace = profile.trace(Duration::from_secs(60), seed);
                evaluate(
                    &trace,
                    &mut OurBuffer::new(JitterConfig::default()).expect("valid default"),
                )
            })
            .collect();
        let r = summarize(&profile.name, &results);
        println!(
            "{:<10} {:>9.3} {:>11.1} {:>10.1} {:>8.1}",
            r.profile, r.late_loss_percent, r.mean_delay_ms, r.p95_delay_ms, r.score
        );
    }
}
