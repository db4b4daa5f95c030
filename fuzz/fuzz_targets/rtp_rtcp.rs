//! Compound RTCP packets: never a panic, what parses writes back and parses the same, and the
//! reports read in place (`compound_reports`, the media engine's path) are the parsed ones, with
//! the same error when the compound is malformed.
#![no_main]

use hotline_rtp::rtcp::{self, RtcpPacket};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = rtcp::parse_compound(data);
    match (&parsed, rtcp::compound_reports(data)) {
        (Ok(packets), Ok(reports)) => {
            let expected: Vec<_> = packets
                .iter()
                .filter_map(|p| match p {
                    RtcpPacket::SenderReport(sr) => {
                        Some((sr.ssrc, Some(sr.info), sr.reports.clone()))
                    }
                    RtcpPacket::ReceiverReport(rr) => Some((rr.ssrc, None, rr.reports.clone())),
                    _ => None,
                })
                .collect();
            let read: Vec<_> =
                reports.map(|r| (r.ssrc, r.sender, r.blocks().collect::<Vec<_>>())).collect();
            assert_eq!(read, expected);
        }
        (Err(a), Err(b)) => assert_eq!(a, &b),
        (a, b) => panic!("parse_compound {a:?}, compound_reports {:?}", b.map(|_| ())),
    }
    if let Ok(packets) = parsed {
        let mut out = Vec::new();
        if rtcp::write_compound(&packets, &mut out).is_ok() {
            let again = rtcp::parse_compound(&out).expect("written RTCP parses");
            assert_eq!(again.len(), packets.len());
        }
    }
});
