//! Compound RTCP packets: never a panic, and what parses writes back and parses the same.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(packets) = hotline_rtp::rtcp::parse_compound(data) {
        let mut out = Vec::new();
        if hotline_rtp::rtcp::write_compound(&packets, &mut out).is_ok() {
            let again = hotline_rtp::rtcp::parse_compound(&out).expect("written RTCP parses");
            assert_eq!(again.len(), packets.len());
        }
    }
});
