//! RTP packets, their header extensions and RFC 4733 payloads: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(packet) = hotline_rtp::RtpPacket::parse(data) {
        let _ = packet.csrcs().count();
        let _ = packet.payload().len();
        if let Some(ext) = packet.extension() {
            for element in ext.elements() {
                let _ = element;
            }
        }
        let _ = hotline_rtp::event::EventPayload::parse(packet.payload());
    }
    // Whatever parsed, the analyzer must take it too.
    let mut analyzer = hotline_rtp::analyze::Analyzer::new(Default::default());
    let src = "10.0.0.1:4000".parse().unwrap();
    let dst = "10.0.0.2:5000".parse().unwrap();
    analyzer.handle_datagram(std::time::Duration::ZERO, src, dst, data);
    analyzer.handle_datagram(std::time::Duration::from_millis(20), src, dst, data);
    let _ = analyzer.finish();
});
