//! SIP message builder from arbitrary parts: the input is split at 0xFF bytes into a method and
//! then header name/value pairs (lossy UTF-8). Whatever the builder accepts must parse back to
//! the same method and the same header fields (values compared with line folds joined and white
//! space at the ends dropped, as the parser gives them); whatever would inject a field or break
//! the start line must be refused by `to_bytes`, never written.
#![no_main]

use hotline_sip::{HeaderName, Message, MessageBuilder};
use libfuzzer_sys::fuzz_target;

fn normal(value: &str) -> String {
    value.replace("\r\n", "").trim_matches([' ', '\t']).to_owned()
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|&b| b == 0xFF).map(|p| String::from_utf8_lossy(p).into_owned());
    let method = parts.next().unwrap_or_default();
    let mut b = MessageBuilder::request(&method, "sip:bob@example.com");
    let mut kept = Vec::new();
    while let (Some(name), Some(value)) = (parts.next(), parts.next()) {
        // Known names (Content-Length, compact forms, ...) have grammars of their own.
        if HeaderName::classify(name.as_bytes()) != HeaderName::Other {
            continue;
        }
        let accepted = b.error().is_none();
        b.push_header(&name, &value);
        if accepted && b.error().is_none() {
            kept.push((name, normal(&value)));
        }
    }
    let Ok(bytes) = b.to_bytes() else { return };
    let msg = match Message::parse(&bytes) {
        Ok(msg) => msg,
        Err(e) => panic!("built {:?} does not parse: {e}", bytes.escape_ascii().to_string()),
    };
    assert_eq!(msg.start_line(), format!("{method} sip:bob@example.com SIP/2.0"));
    let back: Vec<(String, String)> = msg
        .headers()
        .iter()
        .filter(|h| h.kind() == HeaderName::Other)
        .map(|h| (h.name().to_owned(), normal(h.value())))
        .collect();
    assert_eq!(back, kept);
});
