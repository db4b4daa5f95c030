//! Any text given as an outbound scenario (hotline-sim's `outbound`, as `hotline dialer
//! simulate` reads it) yields a scenario or an error, never a panic; every problem names a field;
//! a small scenario that passes its checks runs a short day with no input refused.
#![no_main]

use std::time::Duration;

use hotline_sim::outbound::{OutboundScenario, run_outbound};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(mut s) = toml::from_str::<OutboundScenario>(text) else { return };
    let problems = s.problems();
    assert!(problems.iter().all(|p| p.field.is_some()));
    if problems.is_empty() && s.agents <= 3 {
        s.shift = s.shift.min(Duration::from_secs(600));
        s.records = s.records.min(200);
        // A scenario without problems runs.
        let r = run_outbound(&s).expect("a checked scenario runs");
        assert_eq!(r.refused_inputs, 0);
    }
});
