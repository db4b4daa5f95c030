//! `hotline ivr ...` as a user runs it: check, run, test, graph and import, with exit codes.

use std::path::PathBuf;
use std::process::{Command, Output};

fn hotline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hotline")).args(args).output().expect("run hotline")
}

fn flow(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../hotline-ivr/flows").join(name);
    p.to_str().unwrap().to_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hotline-ivr-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn check_clean_flow_exits_0() {
    let o = hotline(&["ivr", "check", &flow("bank.ivr")]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("0 error(s), 0 warning(s)"));
}

#[test]
fn check_errors_exit_1_with_json_codes() {
    let bad = temp("bad.ivr", "start a\nsay a {\n  next -> nowhere\n}\nhangup z {}\n");
    let o = hotline(&["ivr", "check", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(text.contains("error[undefined-target]"), "{text}");
    assert!(text.contains("3 |   next -> nowhere"), "{text}");

    let o = hotline(&["ivr", "check", "--json", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], false);
    let d = &v["diagnostics"];
    assert_eq!(d[0]["severity"], "error");
    assert_eq!(d[0]["code"], "undefined-target");
    assert_eq!(d[0]["line"], 3);
    assert_eq!(d[0]["column"], 11);
    assert_eq!(d[1]["severity"], "warning");
    assert_eq!(d[1]["code"], "unreachable");
}

#[test]
fn check_warnings_only_exit_0() {
    let w = temp("warn.ivr", "start a\nhangup a {}\nhangup z {}\n");
    let o = hotline(&["ivr", "check", "--json", w.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["diagnostics"][0]["code"], "unreachable");
}

#[test]
fn missing_file_is_a_usage_error() {
    let o = hotline(&["ivr", "check", "/no/such/flow.ivr"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn run_prints_a_json_transcript() {
    let lookups = temp("lookups.json", r#"{"outage_for_caller": {"result": {"active": "no"}}}"#);
    let o = hotline(&[
        "ivr",
        "run",
        &flow("utility.ivr"),
        "--digits",
        "2",
        "--at",
        "2026-11-23T09:00:00+08:00",
        "--lang",
        "en",
        "--lookups",
        lookups.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["outcome"], "transferred");
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps[0]["node"], "outage_check");
    assert_eq!(steps[0]["action"], "lookup");
    assert!(steps.iter().all(|s| s["t_ms"].is_i64()));
    assert!(steps.iter().any(|s| s["node"] == "billing" && s["action"] == "transfer"));
    assert!(
        steps
            .iter()
            .any(|s| s["action"] == "play" && s["detail"].as_str().unwrap().contains("[en]"))
    );
}

#[test]
fn run_closed_hours_and_silence() {
    // 23:00 is outside the service hours: the after-hours menu; the caller says nothing and
    // hangs up 12 seconds after it starts.
    let o = hotline(&[
        "ivr",
        "run",
        &flow("utility.ivr"),
        "--at",
        "2026-11-23T23:00:00+08:00",
        "--silence-after",
        "12s",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("after_hours"), "{text}");
    assert!(text.contains("outcome: caller-hangup"), "{text}");
}

#[test]
fn test_command_reports_pass_and_coverage() {
    let o = hotline(&["ivr", "test", &flow("gov12345.ivr"), &flow("gov12345.calls.toml")]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("PASS  complaint in English"), "{text}");
    assert!(text.contains("coverage: nodes 17/17 (100.0%)"), "{text}");
}

#[test]
fn test_command_fails_a_wrong_expectation() {
    let calls = temp(
        "calls.toml",
        "[[call]]\nname = \"wrong\"\ndigits = \"2,2\"\nexpect = [\"consult_queue enqueue\"]\noutcome = \"hangup\"\n",
    );
    let o = hotline(&["ivr", "test", &flow("gov12345.ivr"), calls.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(text.contains("FAIL  wrong"), "{text}");
    assert!(text.contains("expected a step containing `consult_queue enqueue`"), "{text}");
    assert!(text.contains("nodes never entered"), "{text}");
}

#[test]
fn graph_writes_svg_and_dot() {
    let dir = temp("x", "");
    let svg = dir.with_file_name("flow.svg");
    let dot = dir.with_file_name("flow.dot");
    let o = hotline(&["ivr", "graph", &flow("bank.ivr"), "-o", svg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.contains(">pin_entry</text>"));
    let o = hotline(&["ivr", "graph", &flow("bank.ivr"), "-o", dot.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        std::fs::read_to_string(&dot)
            .unwrap()
            .contains("\"verify\" -> \"pin_entry\" [label=\"call\"")
    );
    let o = hotline(&["ivr", "graph", &flow("bank.ivr"), "-o", "flow.png"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn import_both_formats_then_run() {
    let Some(dir) = hotline_testkit::testdata("ivr") else { return };
    for (from, file, digits, outcome) in [
        ("freeswitch", "freeswitch_demo_ivr.xml", "2", "transferred"),
        ("vxml", "vxml_account_menu.vxml", "2", "caller-hangup"),
    ] {
        let out = temp(&format!("{from}.ivr"), "");
        let src = dir.join(file);
        let o = hotline(&[
            "ivr",
            "import",
            "--from",
            from,
            src.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{from}: {}", stderr(&o));
        assert!(stdout(&o).contains("wrote"));
        let o = hotline(&["ivr", "check", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{from}: {}", stdout(&o));
        let o = hotline(&[
            "ivr",
            "run",
            out.to_str().unwrap(),
            "--digits",
            digits,
            "--silence-after",
            "20s",
        ]);
        assert_eq!(o.status.code(), Some(0));
        assert!(stdout(&o).contains(&format!("outcome: {outcome}")), "{from}: {}", stdout(&o));
    }
}
