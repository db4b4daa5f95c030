//! The RFC 4475 and RFC 5118 torture messages behave as `expectations.toml` says.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hotline_sip::validate::{Validator, Warning};
use hotline_sip::{Message, ParserConfig};

/// What a conforming parser does with one file (see the corpus README).
fn expectations(dir: &Path) -> Vec<(PathBuf, String, String)> {
    let text = std::fs::read_to_string(dir.join("expectations.toml")).unwrap();
    let table: BTreeMap<String, BTreeMap<String, String>> = toml::from_str(&text).unwrap();
    let mut out = Vec::new();
    for (group, files) in table {
        for (name, expect) in files {
            out.push((dir.join(&group).join(format!("{name}.dat")), name, expect));
        }
    }
    out
}

/// The validation code each semantic message must produce.
fn semantic_code(name: &str) -> &'static str {
    match name {
        "badbranch" => "invalid-branch",
        "insuf" => "missing-header",
        "unkscm" | "novelsc" | "unksm2" => "unknown-scheme",
        "bext01" => "unsupported-require",
        "invut" => "unsupported-content-type",
        "regaut01" => "unknown-auth-scheme",
        "multi01" => "multiple-values",
        "mcl01" => "content-length-mismatch",
        "bcast" => "broadcast-via",
        "zeromf" => "max-forwards-zero",
        "cparam01" => "register-contact-param",
        "cparam02" => "register-contact-uri-param",
        "regescrt" => "register-contact-uri-headers",
        "sdp01" => "unacceptable-accept",
        other => panic!("no expected code for semantic message {other}"),
    }
}

#[test]
fn every_torture_message_behaves_as_expected() {
    let Some(dir) = hotline_testkit::testdata("sip") else { return };
    let cases = expectations(&dir);
    assert_eq!(cases.len(), 61, "the corpus holds 61 messages");
    let strict = ParserConfig::strict();
    let lenient = ParserConfig::lenient();
    let validator = Validator::default();
    let mut failures = Vec::new();
    for (path, name, expect) in &cases {
        let bytes = std::fs::read(path).unwrap();
        let s = Message::parse_checked(&bytes, &strict);
        let l = Message::parse_checked(&bytes, &lenient);
        let outcome = match expect.as_str() {
            "accept" => match &s {
                Ok(_) => Ok(()),
                Err(e) => Err(format!("rejected: {e}")),
            },
            "reject" => match (&s, &l) {
                (Err(_), Err(_)) => Ok(()),
                _ => Err(format!("accepted (strict ok: {}, lenient ok: {})", s.is_ok(), l.is_ok())),
            },
            "reject-strict" => match (&s, &l) {
                (Err(_), Ok(_)) => Ok(()),
                (Ok(_), _) => Err("accepted in strict mode".to_owned()),
                (Err(_), Err(e)) => Err(format!("rejected even when lenient: {e}")),
            },
            "semantic" => match &s {
                Err(e) => Err(format!("rejected: {e}")),
                Ok(msg) => {
                    let warnings: Vec<Warning> = validator.validate(msg);
                    let code = semantic_code(name);
                    if warnings.iter().any(|w| w.code.as_str() == code) {
                        Ok(())
                    } else {
                        Err(format!("validation did not report {code}: {warnings:?}"))
                    }
                }
            },
            other => panic!("unknown expectation {other}"),
        };
        if let Err(why) = outcome {
            failures.push(format!("{name} ({expect}): {why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 61 messages misbehave:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn accepted_messages_expose_typed_headers() {
    let Some(dir) = hotline_testkit::testdata("sip") else { return };
    for (path, name, expect) in expectations(&dir) {
        if expect != "accept" && expect != "semantic" {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let msg = Message::parse(&bytes).unwrap();
        for via in msg.via() {
            via.unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        if name != "insuf" {
            msg.from().unwrap_or_else(|e| panic!("{name}: {e}"));
            msg.to().unwrap_or_else(|e| panic!("{name}: {e}"));
            msg.call_id().unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        msg.cseq().unwrap_or_else(|e| panic!("{name}: {e}"));
        // Every unchanged message re-serializes byte for byte.
        let built = hotline_sip::MessageBuilder::from_message(&msg).to_bytes().unwrap();
        assert_eq!(built, msg.as_bytes(), "{name}");
    }
}

#[test]
fn specific_values_from_the_corpus() {
    let Some(dir) = hotline_testkit::testdata("sip") else { return };
    let read = |f: &str| std::fs::read(dir.join("rfc4475").join(f)).unwrap();
    let wsinv = read("wsinv.dat");
    let msg = Message::parse(&wsinv).unwrap();
    assert_eq!(msg.max_forwards().unwrap(), Some(68));
    assert_eq!(msg.cseq().unwrap().seq, 9);
    let vias: Vec<_> = msg.via().map(Result::unwrap).collect();
    assert_eq!(vias.len(), 3);
    assert_eq!(vias[2].host().to_string(), "192.168.255.111");
    assert_eq!(vias[2].branch(), Some("z9hG4bK30239"));
    let contact = msg.contacts().next().unwrap().unwrap();
    assert_eq!(contact.q(), Some(0.33));
    assert_eq!(msg.from().unwrap().tag(), Some("98asjd8"));
    assert_eq!(msg.body().len(), 150);

    let dblreq = read("dblreq.dat");
    let msg = Message::parse(&dblreq).unwrap();
    assert_eq!(msg.method().unwrap().as_str(), "REGISTER");
    assert!(msg.body().is_empty());
    assert!(msg.trailing().starts_with(b"\r\nINVITE"));

    let longreq = read("longreq.dat");
    let msg = Message::parse(&longreq).unwrap();
    assert_eq!(msg.via().count(), 34);

    let clerr = read("clerr.dat");
    let err = Message::parse(&clerr).unwrap_err();
    assert!(matches!(err.kind, hotline_sip::ErrorKind::BodyTruncated { expected: 9999, .. }));
}
