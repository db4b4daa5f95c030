//! SDP: any text gives a session description or an error; a parsed one writes back to text that
//! parses to the same value, and the offer/answer helper never panics on it.
#![no_main]

use std::net::{IpAddr, Ipv4Addr};

use hotline_sip::sdp::SessionDescription;
use hotline_sip::sdp::offer_answer::{AudioConfig, accept_answer, answer, offer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(sdp) = SessionDescription::parse(text) else { return };
    let written = sdp.to_string();
    let again = SessionDescription::parse(&written);
    if let Ok(again) = again {
        assert_eq!(again.to_string(), written);
    }
    for m in &sdp.media {
        let _ = (m.rtpmaps().count(), m.ptime(), m.maxptime(), sdp.direction(m));
        for pt in m.payload_types() {
            let _ = (m.rtpmap(pt), m.fmtp(pt));
        }
    }
    let cfg = AudioConfig::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 4000);
    let _ = answer(&sdp, &cfg);
    if let Ok(o) = offer(&cfg) {
        let _ = accept_answer(&o, &sdp, &cfg);
    }
});
