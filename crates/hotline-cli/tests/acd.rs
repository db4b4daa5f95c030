//! `hotline acd check` as a user runs it.

use std::path::PathBuf;
use std::process::Command;

fn hotline(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hotline")).args(args).output().expect("run hotline")
}

fn example(name: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../hotline-acd/examples");
    dir.join(name).display().to_string()
}

fn temp(name: &str, text: &str) -> String {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const BROKEN: &str = r#"
skills = ["billing"]
[[queues]]
name = "sales"
overflow = [{ after = "30s", then = { move-to = "sales" } }, { after = "10s", then = { drop-skill = "cooking" } }]
[[queues]]
name = "empty"
[[agents]]
name = "ann"
skills = { billing = 11, knitting = 3 }
queues = [{ queue = "sales" }, { queue = "nowhere" }]
"#;

#[test]
fn a_valid_configuration_is_summarised() {
    for file in ["support.toml", "multiskill.toml"] {
        let out = hotline(&["acd", "check", &example(file)]);
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(0), "{text}{}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains(": ok"), "{text}");
        assert!(text.contains("queues:") && text.contains("agents:"), "{text}");
    }
    let out = hotline(&["acd", "check", &example("multiskill.toml")]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("billing: skills-best-match, 2 agent(s)"), "{text}");
    assert!(text.contains("languages: en, de"), "{text}");
}

#[test]
fn json_summary() {
    let out = hotline(&["acd", "check", &example("multiskill.toml"), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert!(v["file"].as_str().unwrap().ends_with("multiskill.toml"));
    assert_eq!(v["summary"]["queues"].as_array().unwrap().len(), 3);
    assert_eq!(v["summary"]["agents"], 4);
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 0);
}

#[test]
fn every_problem_is_listed_and_exit_is_1() {
    let path = temp("acd-broken.toml", BROKEN);
    let out = hotline(&["acd", "check", &path]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stderr).unwrap();
    for needle in [
        "unknown skill `knitting`",
        "proficiency 11 is outside 1–10",
        "unknown queue `nowhere`",
        "`empty`: no agent is a member",
        "`sales` is this queue itself",
        "steps must be in order",
        "unknown skill `cooking`",
        "follows a move-to step",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    assert!(text.contains("8 error(s)"), "{text}");
    // Semantic problems carry the line of the table they are about (issue 25: they had none).
    assert!(text.contains("acd-broken.toml:8:1: error[unknown-skill]: agents[0] `ann`"), "{text}");
}

#[test]
fn every_problem_in_json() {
    let path = temp("acd-broken-json.toml", BROKEN);
    let out = hotline(&["acd", "check", &path, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    let kinds: Vec<&str> =
        v["diagnostics"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    for d in v["diagnostics"].as_array().unwrap() {
        assert_eq!(d["severity"], "error");
        assert!(d["line"].is_u64() && d["column"].is_u64() && d["message"].is_string(), "{d}");
    }
    assert!(
        kinds.contains(&"unknown-skill") && kinds.contains(&"queue-without-agents"),
        "{kinds:?}"
    );
    assert!(kinds.contains(&"impossible-overflow"), "{kinds:?}");
}

#[test]
fn a_syntax_error_gives_line_and_column() {
    let path = temp("acd-syntax.toml", "[[queues]]\nname = \"q\"\npolicy = \"fastest-ever\"\n");
    let out = hotline(&["acd", "check", &path]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stderr).unwrap();
    assert!(text.contains(":3:10:") && text.contains("fastest-ever"), "{text}");
}

#[test]
fn a_missing_file_is_exit_2() {
    let out = hotline(&["acd", "check", "/no/such/acd.toml"]);
    assert_eq!(out.status.code(), Some(2));
}
