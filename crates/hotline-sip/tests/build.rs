//! The message builder refuses every part that would change the message's structure.

use hotline_sip::build::{BuildError, response_to};
use hotline_sip::{Message, MessageBuilder};

fn options() -> MessageBuilder {
    MessageBuilder::request("OPTIONS", "sip:bob@example.com")
        .header("Via", "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776")
        .header("To", "<sip:bob@example.com>")
        .header("From", "<sip:alice@example.com>;tag=1928")
        .header("Call-ID", "a84b4c76e66710")
        .header("CSeq", "1 OPTIONS")
}

#[test]
fn cr_lf_and_nul_in_a_value_are_refused() {
    for (value, offset, byte) in [
        ("hi\r\nX-Injected: yes", 2, b'\r'),
        ("hi\nX-Injected: yes", 2, b'\n'),
        ("a\rb", 1, b'\r'),
        ("nul\0", 3, 0),
        // A fold followed by a new line that is not one.
        ("a\r\n b\r\nX: y", 5, b'\r'),
        ("a\r\n\r\n", 1, b'\r'),
    ] {
        let b = options().header("Subject", value);
        assert_eq!(
            b.to_bytes(),
            Err(BuildError::HeaderValue { name: "Subject".to_owned(), offset, byte }),
            "{value:?}"
        );
        let mut b = options();
        b.set_header("Subject", value);
        assert!(b.to_bytes().is_err(), "set_header {value:?}");
        let b = options().body(value, b"x");
        assert!(b.to_bytes().is_err(), "Content-Type {value:?}");
    }
    // A line fold continues the same value, so it cannot inject a field: it is kept.
    let bytes = options().header("Subject", "a\r\n b").to_bytes().unwrap();
    let msg = Message::parse(&bytes).unwrap();
    assert_eq!(msg.headers_named("Subject").count(), 1);
    // Nothing injected reaches the wire; a clean message still builds and parses.
    let bytes = options().header("Subject", "hi").to_bytes().unwrap();
    let msg = Message::parse(&bytes).unwrap();
    assert_eq!(msg.headers_named("Subject").next().unwrap().value(), "hi");
}

#[test]
fn header_names_must_be_tokens() {
    for name in ["", "X Injected", "X:Y", "X\r\nY", "X\0", "Ä"] {
        let b = options().header(name, "v");
        assert_eq!(b.to_bytes(), Err(BuildError::HeaderName { name: name.to_owned() }));
    }
    assert!(options().header("X-Custom.Tag_1~", "v").to_bytes().is_ok());
}

#[test]
fn methods_uris_status_codes_and_reasons_are_checked() {
    for method in ["INV ITE", "", "INVITE\r\n", "A:B"] {
        let err = MessageBuilder::request(method, "sip:a@b").to_bytes().unwrap_err();
        assert_eq!(err, BuildError::Method { method: method.to_owned() });
    }
    for uri in ["", "sip:a@b SIP/2.0\r\nX: y", "sip:a b@c"] {
        let err = MessageBuilder::request("INVITE", uri).to_bytes().unwrap_err();
        assert!(matches!(err, BuildError::RequestUri { .. }), "{uri:?}");
    }
    for code in [0, 99, 700, 1000] {
        assert_eq!(
            MessageBuilder::response(code, "X").to_bytes(),
            Err(BuildError::StatusCode(code))
        );
    }
    assert!(MessageBuilder::response(100, "Trying").to_bytes().is_ok());
    assert!(MessageBuilder::response(699, "Weird").to_bytes().is_ok());
    assert_eq!(
        MessageBuilder::response(200, "OK\r\nX: y").to_bytes(),
        Err(BuildError::Reason { offset: 2, byte: b'\r' })
    );
    // The first fault wins, and later good parts do not clear it.
    let b = MessageBuilder::response(1000, "X").header("Bad Name", "v").header("Ok", "v");
    assert_eq!(b.error(), Some(&BuildError::StatusCode(1000)));
}

#[test]
fn responses_from_folded_requests_are_unfolded_not_refused() {
    let req = Message::parse(
        b"OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP a.example.com\r\n ;branch=z9hG4bK1\r\n\
To: <sip:bob@example.com>\r\nFrom: <sip:alice@example.com>\r\n ;tag=88\r\n\
Call-ID: c1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
    )
    .unwrap();
    let bytes = response_to(&req, 200, "OK", "t").unwrap().to_bytes().unwrap();
    let resp = Message::parse(&bytes).unwrap();
    assert_eq!(resp.top_via().unwrap().branch(), Some("z9hG4bK1"));
    assert_eq!(resp.from().unwrap().tag(), Some("88"));
}

/// A value as the parser gives it back: folds joined, white space at the ends dropped.
fn normal(value: &str) -> String {
    value.replace("\r\n", "").trim_matches([' ', '\t']).to_owned()
}

/// Builds a request from arbitrary parts; whatever the builder accepts parses back to the same
/// method, URI and header fields (the property the `sip_build` fuzz target checks on raw bytes).
fn round_trip(method: &str, fields: &[(String, String)]) {
    let mut b = MessageBuilder::request(method, "sip:bob@example.com");
    let mut kept = Vec::new();
    for (name, value) in fields {
        // Known names (Content-Length, compact forms, ...) have grammars of their own.
        if hotline_sip::HeaderName::classify(name.as_bytes()) != hotline_sip::HeaderName::Other {
            continue;
        }
        let accepted = b.error().is_none();
        b.push_header(name, value);
        if accepted && b.error().is_none() {
            kept.push((name.clone(), normal(value)));
        }
    }
    let Ok(bytes) = b.to_bytes() else { return };
    let msg = Message::parse(&bytes)
        .unwrap_or_else(|e| panic!("built {:?} does not parse: {e}", bytes.escape_ascii()));
    assert_eq!(msg.start_line(), format!("{method} sip:bob@example.com SIP/2.0"));
    let back: Vec<(String, String)> = msg
        .headers()
        .iter()
        .filter(|h| h.kind() == hotline_sip::HeaderName::Other)
        .map(|h| (h.name().to_owned(), normal(h.value())))
        .collect();
    assert_eq!(back, kept);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[ -~]{0,12}",
            "[a-zA-Z\r\n\t :\0-]{0,12}",
            proptest::collection::vec(
                prop_oneof![Just("\r\n "), Just("\r\n"), Just("a"), Just(" "), Just("\t")],
                0..6
            )
            .prop_map(|v| v.concat()),
        ]
    }

    proptest! {
        #[test]
        fn whatever_the_builder_accepts_parses_back_to_the_same_parts(
            method in prop_oneof!["[A-Z]{1,8}", text()],
            fields in proptest::collection::vec((prop_oneof!["X-[a-z]{1,6}", text()], text()), 0..8),
        ) {
            round_trip(&method, &fields);
        }
    }
}
