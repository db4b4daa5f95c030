//! SIP messages: any bytes give a message or an error, in strict and lenient mode, as a datagram
//! and as a stream; every typed accessor, validation and re-serialization of an accepted message
//! also return without panicking, and an unchanged message re-serializes byte for byte.
#![no_main]

use hotline_sip::validate::Validator;
use hotline_sip::{Frame, Message, MessageBuilder, ParserConfig, build, frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for cfg in [ParserConfig::strict(), ParserConfig::lenient()] {
        match frame(data, &cfg) {
            Ok(Frame::Complete(n)) => assert!(n <= data.len()),
            Ok(Frame::KeepAlive(n)) => assert!(n > 0 && n <= data.len()),
            Ok(Frame::Partial) | Err(_) => {}
        }
        let Ok(msg) = Message::parse_with(data, &cfg) else { continue };
        let _ = msg.check();
        let _ = msg.request_uri();
        for via in msg.via().flatten() {
            let _ = (via.branch(), via.rport(), via.received(), via.ttl());
        }
        let _ = msg.from().map(|a| (a.tag(), a.display_name()));
        let _ = msg.to();
        let _ = msg.cseq();
        let _ = msg.call_id();
        let _ = msg.max_forwards();
        let _ = msg.contacts().count();
        let _ = msg.routes().count();
        let _ = Validator::default().validate(&msg);
        let canon = build::canonical(&msg);
        let _ = Message::parse_with(&canon, &cfg);
        assert_eq!(MessageBuilder::from_message(&msg).to_bytes().as_deref(), Ok(msg.as_bytes()));
        if let Ok(req) = Message::parse_with(data, &cfg) {
            let _ = build::response_to(&req, 200, "OK", "tag");
        }
    }
});
