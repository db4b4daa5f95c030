//! pcap and pcapng captures, down to UDP and the RTP analysis: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = hotline_rtp::analyze::analyze_capture(data, Default::default());
});
