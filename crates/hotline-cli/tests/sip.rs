//! `hotline sip check` and `hotline sip fmt` as a user runs them, over the torture corpus.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn hotline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hotline")).args(args).output().expect("run hotline")
}

/// `(path, name, expectation)` for every message in `expectations.toml` (its lines are
/// `name = "expectation"` under `[rfc4475]` and `[rfc5118]`).
fn corpus(dir: &Path) -> Vec<(PathBuf, String, String)> {
    let text = std::fs::read_to_string(dir.join("expectations.toml")).unwrap();
    let mut group = String::new();
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some(g) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            group = g.to_owned();
            continue;
        }
        let (name, expect) = line.split_once('=').unwrap();
        let name = name.trim().trim_matches('"').to_owned();
        let expect = expect.trim().trim_matches('"').to_owned();
        out.push((dir.join(&group).join(format!("{name}.dat")), name, expect));
    }
    out
}

#[test]
fn check_over_the_corpus_follows_the_expectations() {
    let Some(dir) = hotline_testkit::testdata("sip") else { return };
    let cases = corpus(&dir);
    assert_eq!(cases.len(), 61);
    for (path, name, expect) in &cases {
        let file = path.to_str().unwrap();
        let strict = hotline(&["sip", "check", file]);
        let lenient = hotline(&["sip", "check", "--lenient", file]);
        let text = String::from_utf8_lossy(&strict.stdout).into_owned();
        let (want_strict, want_lenient) = match expect.as_str() {
            "accept" | "semantic" => (0, 0),
            "reject" => (1, 1),
            "reject-strict" => (1, 0),
            other => panic!("unknown expectation {other}"),
        };
        assert_eq!(strict.status.code(), Some(want_strict), "{name}: {text}");
        assert_eq!(lenient.status.code(), Some(want_lenient), "{name}");
        if want_strict == 0 {
            assert!(text.starts_with(&format!("{file}: ok ")), "{name}: {text}");
        } else {
            assert!(text.starts_with(&format!("{file}: error: ")), "{name}: {text}");
            assert!(text.contains(" at line ") && text.contains("(byte "), "{name}: {text}");
        }
        if expect == "semantic" {
            assert!(text.contains(&format!("{file}: warning[")), "{name}: {text}");
        }
    }
}

#[test]
fn check_json_has_the_documented_shape() {
    let Some(dir) = hotline_testkit::testdata("sip") else { return };
    let good = dir.join("rfc4475/zeromf.dat");
    let bad = dir.join("rfc4475/badvers.dat");
    let out = hotline(&["sip", "check", "--json", good.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["ok"], true);
    assert_eq!(items[0]["kind"], "request");
    assert_eq!(items[0]["method"], "OPTIONS");
    assert_eq!(items[0]["status"], serde_json::Value::Null);
    assert_eq!(items[0]["headers"], 7);
    // One shape for every check (issue 25): file, ok, diagnostics with line, column, message.
    let codes: Vec<&str> = items[0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .inspect(|w| assert_eq!(w["severity"], "warning"))
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"max-forwards-zero"), "{codes:?}");
    assert_eq!(items[1]["ok"], false);
    assert_eq!(items[1]["kind"], serde_json::Value::Null);
    let err = &items[1]["diagnostics"][0];
    assert_eq!(err["severity"], "error");
    assert_eq!((err["line"].as_u64(), err["column"].as_u64()), (Some(1), Some(34)));
    assert!(err["message"].is_string());
}

#[test]
fn check_response_and_unreadable_file() {
    let dir = std::env::temp_dir().join(format!("hotline-sip-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let resp = dir.join("resp.sip");
    std::fs::write(
        &resp,
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>;tag=2\r\nFrom: <sip:c@d>;tag=1\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
    )
    .unwrap();
    let out = hotline(&["sip", "check", resp.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{}: ok response 200\n", resp.display())
    );
    let missing = dir.join("missing.sip");
    let out = hotline(&["sip", "check", resp.to_str().unwrap(), missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
    let out = hotline(&["sip", "fmt", resp.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fmt_writes_canonical_form() {
    let Some(dir) = hotline_testkit::testdata("sip") else { return };
    let out = hotline(&["sip", "fmt", dir.join("rfc4475/wsinv.dat").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("\r\nTo: sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n"),
        "{text}"
    );
    assert!(text.contains("\r\nMax-Forwards: 0068\r\n"), "{text}");
    assert_eq!(text.matches("\r\nVia: ").count(), 3, "{text}");
    assert!(
        text.contains("\r\nContact: \"Quoted string \\\"\\\"\" <sip:jdrosen@example.com>"),
        "{text}"
    );
    // The canonical form parses back to the same message.
    let msg = hotline_sip::Message::parse(text.as_bytes()).unwrap();
    assert_eq!(msg.via().count(), 3);
    let out = hotline(&["sip", "fmt", dir.join("rfc4475/badvers.dat").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn fmt_takes_lenient_like_check() {
    let dir = std::env::temp_dir().join(format!("hotline-sip-fmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("spaces.sip");
    // Extra spaces in the start line: RFC 4475 `lwsstart`, accepted only by a lenient element.
    std::fs::write(&file, b"OPTIONS  sip:a@example.com  SIP/2.0\r\nl: 0\r\n\r\n").unwrap();
    let path = file.to_str().unwrap();
    assert_eq!(hotline(&["sip", "fmt", path]).status.code(), Some(1));
    let out = hotline(&["sip", "fmt", "--lenient", path]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8(out.stdout).unwrap().ends_with("\r\nContent-Length: 0\r\n\r\n"));
    std::fs::remove_dir_all(&dir).unwrap();
}
