//! SIP head split, fast path against checked path: for any bytes, under the strict, lenient and
//! a tight configuration, wherever the tuned fast path answers, the checked path accepts the same
//! head and agrees on the start line, every header field and the framing. The hook exists only
//! under `cfg(fuzzing)`, which cargo-fuzz sets.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Without cfg(fuzzing) (the workspace's plain `cargo check` of the targets) there is no hook.
    #[cfg(not(fuzzing))]
    let _ = data;
    #[cfg(fuzzing)]
    differential(data);
});

#[cfg(fuzzing)]
fn differential(data: &[u8]) {
    use hotline_sip::{Limits, ParserConfig};

    let mut limits = Limits::default();
    limits.max_headers = 5;
    limits.max_line_len = 40;
    let tight = ParserConfig::default().with_limits(limits);
    for cfg in [ParserConfig::strict(), ParserConfig::lenient(), tight] {
        hotline_sip::fuzzing::head_paths_agree(data, &cfg);
    }
}
