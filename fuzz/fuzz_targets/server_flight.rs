//! Any bytes as the reference server's flight-recorder log (JSON lines,
//! `examples/reference-server/src/flight.rs`, compiled in here: the server is a binary, not a
//! library): replay it; never panic.
#![no_main]
#![allow(dead_code, unreachable_pub)]

use libfuzzer_sys::fuzz_target;

#[path = "../../examples/reference-server/src/flight.rs"]
mod flight;
#[path = "../../examples/reference-server/src/metrics.rs"]
mod metrics;
#[path = "../../examples/reference-server/src/recorded.rs"]
mod recorded;

fuzz_target!(|data: &[u8]| {
    let lines = data
        .split(|&b| b == b'\n')
        .map(|l| std::str::from_utf8(l).map(str::to_owned).map_err(|e| e.to_string()));
    let _ = flight::replay_lines(lines);
});
