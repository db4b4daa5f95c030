//! Property tests: round trips and "every input gives a value or an error".

use hotline_sip::sdp::{Attribute, MediaDescription, Origin, SessionDescription};
use hotline_sip::uri::Uri;
use hotline_sip::{Frame, HeaderName, Message, MessageBuilder, ParserConfig, build, frame};
use proptest::prelude::*;

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9.!%*_+`'~-]{0,12}"
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,8}(\\.[a-z][a-z0-9]{0,6}){0,2}",
        (0u8..=255, 0u8..=255, 0u8..=255, 1u8..=254)
            .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
        "[0-9a-f]{1,4}(:[0-9a-f]{1,4}){1,3}::[0-9a-f]{1,4}".prop_map(|v| format!("[{v}]")),
    ]
}

fn sip_uri() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        proptest::option::of("[a-zA-Z0-9_.!~*'()&=+$,;?/-]{1,10}(%[0-9A-F]{2})?"),
        host(),
        proptest::option::of(1u16..),
        proptest::collection::vec(
            ("[a-z][a-z0-9-]{0,6}", proptest::option::of("[a-zA-Z0-9.:-]{1,8}")),
            0..3,
        ),
        proptest::option::of(("[A-Za-z]{1,6}", "[a-zA-Z0-9.]{0,6}(%[0-9A-F]{2})?")),
    )
        .prop_map(|(secure, user, host, port, params, headers)| {
            let mut s = String::from(if secure { "sips:" } else { "sip:" });
            if let Some(u) = user {
                s.push_str(&u);
                s.push('@');
            }
            s.push_str(&host);
            if let Some(p) = port {
                s.push_str(&format!(":{p}"));
            }
            for (n, v) in params {
                s.push(';');
                s.push_str(&n);
                if let Some(v) = v {
                    s.push('=');
                    s.push_str(&v);
                }
            }
            if let Some((n, v)) = headers {
                s.push_str(&format!("?{n}={v}"));
            }
            s
        })
}

/// A request or response built from generated parts, with messy but valid spellings.
fn message() -> impl Strategy<Value = (Vec<u8>, usize, Vec<u8>)> {
    (
        any::<bool>(),
        sip_uri(),
        token(),
        proptest::collection::vec((token(), "[ -~]{0,20}", 0usize..4), 0..12),
        proptest::collection::vec(any::<u8>(), 0..64),
        1u32..(1 << 31),
    )
        .prop_map(|(request, uri, tag, extra, body, seq)| {
            let mut b = if request {
                MessageBuilder::request("INVITE", "sip:bob@example.com")
            } else {
                MessageBuilder::response(200, "OK")
            };
            b.push_header("v", &format!("SIP/2.0/UDP {};branch=z9hG4bK{tag}", "host.example.com"));
            b.push_header("To", &format!("<{uri}>"));
            b.push_header("f", &format!("\"A \\\"q\\\"\" <sip:a@example.com> ;tag={tag}"));
            b.push_header("Call-ID", &format!("{tag}@example.com"));
            b.push_header("CSeq", &format!("{seq} INVITE"));
            b.push_header("Max-Forwards", "70");
            let mut count = 6;
            for (name, value, fold) in extra {
                // Fold some values onto continuation lines.
                let value = value.trim().to_owned();
                let value = if fold > 0 && !value.is_empty() {
                    format!("{value}\r\n  {value}")
                } else {
                    value
                };
                b.push_header(&format!("X-{name}"), &value);
                count += 1;
            }
            b.set_body("application/octet-stream", &body);
            count += 2;
            (b.to_bytes().unwrap(), count, body)
        })
}

fn sdp() -> impl Strategy<Value = SessionDescription> {
    (
        token(),
        1u64..1_000_000,
        proptest::collection::vec(
            (
                0u16..=65535,
                proptest::collection::vec(0u8..128, 1..5),
                proptest::option::of(10u32..60),
            ),
            0..4,
        ),
    )
        .prop_map(|(user, id, media)| {
            let mut s = SessionDescription::new(Origin {
                username: user,
                session_id: id.to_string(),
                session_version: (id + 1).to_string(),
                net_type: "IN".to_owned(),
                addr_type: "IP4".to_owned(),
                address: "192.0.2.1".to_owned(),
            });
            for (port, pts, ptime) in media {
                let formats: Vec<String> = pts.iter().map(u8::to_string).collect();
                let refs: Vec<&str> = formats.iter().map(String::as_str).collect();
                let mut m = MediaDescription::new("audio", port, "RTP/AVP", &refs);
                for pt in &pts {
                    m.attributes.push(Attribute::value("rtpmap", &format!("{pt} X{pt}/8000")));
                }
                if let Some(p) = ptime {
                    m.attributes.push(Attribute::value("ptime", &p.to_string()));
                }
                m.attributes.push(Attribute::flag("sendrecv"));
                s.media.push(m);
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn built_messages_parse_check_and_reserialize_byte_for_byte((bytes, headers, body) in message()) {
        let msg = Message::parse_checked(&bytes, &ParserConfig::default()).unwrap();
        prop_assert_eq!(msg.headers().len(), headers);
        prop_assert_eq!(msg.body(), &body[..]);
        prop_assert_eq!(msg.as_bytes(), &bytes[..]);
        prop_assert_eq!(MessageBuilder::from_message(&msg).to_bytes().unwrap(), bytes.clone());
        // The canonical form parses to the same values.
        let canon = build::canonical(&msg);
        let again = Message::parse(&canon).unwrap();
        prop_assert_eq!(again.body(), msg.body());
        prop_assert_eq!(again.headers().len(), msg.headers().len());
        prop_assert_eq!(again.from().unwrap().tag(), msg.from().unwrap().tag());
        prop_assert_eq!(build::canonical(&again), canon);
    }

    #[test]
    fn stream_framing_is_independent_of_chunking((bytes, _, _) in message(), cut in 0usize..400) {
        let mut stream = b"\r\n\r\n".to_vec();
        stream.extend_from_slice(&bytes);
        stream.extend_from_slice(&bytes);
        let cfg = ParserConfig::default();
        let mut buf = Vec::new();
        let mut found = Vec::new();
        let cut = cut.min(stream.len());
        for chunk in [&stream[..cut], &stream[cut..]] {
            buf.extend_from_slice(chunk);
            loop {
                match frame(&buf, &cfg).unwrap() {
                    Frame::Partial => break,
                    Frame::KeepAlive(n) => { buf.drain(..n); }
                    Frame::Complete(n) => { found.push(buf[..n].to_vec()); buf.drain(..n); }
                }
            }
        }
        prop_assert_eq!(found, vec![bytes.clone(), bytes]);
        prop_assert!(buf.is_empty());
    }

    #[test]
    fn sip_uris_round_trip(text in sip_uri()) {
        let uri = Uri::parse(&text).unwrap();
        prop_assert_eq!(uri.to_string(), text.clone());
        let sip = uri.as_sip().unwrap();
        let port_text = sip.port().map(|p| format!(":{p}")).unwrap_or_default();
        let hostport = format!("{}{}", sip.host_str(), port_text);
        prop_assert!(text.contains(&hostport));
    }

    #[test]
    fn sdp_round_trips(s in sdp()) {
        let text = s.to_string();
        let back = SessionDescription::parse(&text).unwrap();
        prop_assert_eq!(back.to_string(), text);
        prop_assert_eq!(back, s);
    }

    #[test]
    fn any_bytes_give_a_value_or_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        for cfg in [ParserConfig::strict(), ParserConfig::lenient()] {
            if let Ok(msg) = Message::parse_with(&bytes, &cfg) {
                let _ = msg.check();
                let _ = hotline_sip::validate::Validator::default().validate(&msg);
                let _ = build::canonical(&msg);
            }
            let _ = frame(&bytes, &cfg);
        }
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = Uri::parse(text);
            let _ = SessionDescription::parse(text);
        }
    }

    #[test]
    fn mutated_messages_never_panic((bytes, _, _) in message(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = bytes;
        let i = at.index(bytes.len());
        bytes[i] = byte;
        for cfg in [ParserConfig::strict(), ParserConfig::lenient()] {
            if let Ok(msg) = Message::parse_with(&bytes, &cfg) {
                let _ = msg.check();
                for h in msg.headers() {
                    let _ = h.values().count();
                }
                let _ = msg.via().count();
                let _ = msg.contacts().count();
                let _ = hotline_sip::validate::Validator::default().validate(&msg);
                let _ = msg.header(HeaderName::To);
            }
        }
    }
}
