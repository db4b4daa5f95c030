//! `hotline calendar ...` as a user runs it.

use std::path::PathBuf;
use std::process::{Command, Output};

fn hotline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hotline")).args(args).output().expect("run hotline")
}

fn calendar(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../hotline-calendar/calendars")
        .join(name)
        .display()
        .to_string()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn check_accepts_the_bundled_calendars() {
    for name in ["cn.toml", "us.toml", "eu-berlin.toml"] {
        let out = hotline(&["calendar", "check", &calendar(name)]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains(": ok"));
    }
    let v = json(&hotline(&["calendar", "check", &calendar("cn.toml"), "--json"]));
    assert_eq!(v["ok"], true);
    assert_eq!(v["diagnostics"], serde_json::json!([]));
    let s = &v["summary"];
    assert_eq!(s["time_zone"], "Asia/Shanghai");
    assert_eq!(s["holidays"], 13);
    assert_eq!(s["workdays"], 11);
    assert_eq!(s["dated_to"], "2026-10-10");
}

#[test]
fn check_names_line_column_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "time_zone = \"Asia/Shanghai\"\n\n[[holiday]]\nname = \"x\"\nfrom = 2026-10-07\nto = 2026-10-01\n",
    )
    .unwrap();
    let out = hotline(&["calendar", "check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:6:6: error: field `holiday[1].to`"), "{err}");
    // The same with --json: one check shape, printed also for an invalid file (issue 25: none).
    let out = hotline(&["calendar", "check", bad.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert!(v["file"].as_str().unwrap().ends_with("bad.toml"));
    assert_eq!(
        (v["diagnostics"][0]["line"].as_u64(), v["diagnostics"][0]["column"].as_u64()),
        (Some(6), Some(6))
    );
    assert_eq!(v["diagnostics"][0]["severity"], "error");
    assert!(err.contains("ends (2026-10-01) before it starts (2026-10-07)"), "{err}");

    std::fs::write(&bad, "time_zone = \"Asia/Shanghai\"\nopening = 1\n").unwrap();
    let out = hotline(&["calendar", "check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:2:1: error: field `opening`"), "{err}");

    let out = hotline(&["calendar", "check", dir.path().join("missing.toml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn add_working_days_over_national_day() {
    let cn = calendar("cn.toml");
    let v = json(&hotline(&[
        "calendar",
        "add",
        "--cal",
        &cn,
        "--from",
        "2026-09-30T16:00:00+08:00",
        "--working-days",
        "3",
        "--json",
    ]));
    assert_eq!(v, serde_json::json!({"due": "2026-10-10T16:00:00+08:00"}));
    // The human form says the same.
    let out = hotline(&[
        "calendar",
        "add",
        "--cal",
        &cn,
        "--from",
        "2026-09-30T16:00:00+08:00",
        "--working-days",
        "3",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "due 2026-10-10T16:00:00+08:00 (Saturday)"
    );
}

#[test]
fn add_working_hours_and_minutes() {
    let cn = calendar("cn.toml");
    let due = |flag: &str, n: &str, extra: &[&str]| {
        let mut args =
            vec!["calendar", "add", "--cal", &cn, "--from", "2026-09-30T16:00:00+08:00", flag, n];
        args.extend_from_slice(extra);
        args.push("--json");
        json(&hotline(&args))["due"].as_str().unwrap().to_owned()
    };
    assert_eq!(due("--working-hours", "8", &[]), "2026-10-08T17:00:00+08:00");
    assert_eq!(due("--working-minutes", "90", &[]), "2026-10-08T09:30:00+08:00");
    // A local time is read in the calendar's zone; a pause holds the clock.
    assert_eq!(
        due(
            "--working-minutes",
            "90",
            &["--pause", "2026-10-08T09:00:00+08:00/2026-10-08T10:00:00+08:00"]
        ),
        "2026-10-08T10:30:00+08:00"
    );
    // One amount only.
    let out = hotline(&[
        "calendar",
        "add",
        "--cal",
        &cn,
        "--from",
        "2026-09-30T16:00",
        "--working-days",
        "1",
        "--working-hours",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn open_reports_the_next_change() {
    let cn = calendar("cn.toml");
    let v = json(&hotline(&[
        "calendar",
        "open",
        "--cal",
        &cn,
        "--at",
        "2026-10-01T10:00:00+08:00",
        "--json",
    ]));
    assert_eq!(v, serde_json::json!({"open": false, "next_change": "2026-10-08T09:00:00+08:00"}));
    let v =
        json(&hotline(&["calendar", "open", "--cal", &cn, "--at", "2026-10-10T10:00", "--json"]));
    assert_eq!(v, serde_json::json!({"open": true, "next_change": "2026-10-10T12:00:00+08:00"}));
    let out = hotline(&["calendar", "open", "--cal", &cn, "--at", "tomorrow"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn layers_and_elapsed() {
    let dir = tempfile::tempdir().unwrap();
    let dept = dir.path().join("dept.toml");
    std::fs::write(&dept, "[weekly]\nsat = [\"09:00-12:00\"]\n").unwrap();
    let cn = calendar("cn.toml");
    let v = json(&hotline(&[
        "calendar",
        "open",
        "--cal",
        &cn,
        "--cal",
        dept.to_str().unwrap(),
        "--at",
        "2026-11-28T10:00:00+08:00",
        "--json",
    ]));
    assert_eq!(v["open"], true);
    let v = json(&hotline(&[
        "calendar",
        "elapsed",
        "--cal",
        &cn,
        "--from",
        "2026-09-30T09:00:00+08:00",
        "--to",
        "2026-10-09T09:00:00+08:00",
        "--json",
    ]));
    assert_eq!(v["seconds"], 14 * 3600);
}

#[test]
fn a_calendar_that_never_opens_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let closed = dir.path().join("closed.toml");
    std::fs::write(&closed, "time_zone = \"UTC\"\n").unwrap();
    let out = hotline(&[
        "calendar",
        "add",
        "--cal",
        closed.to_str().unwrap(),
        "--from",
        "2026-01-01T00:00:00Z",
        "--working-hours",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no opening hours"));
}

#[test]
fn check_warns_when_the_dated_entries_are_out_of_date() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.toml");
    std::fs::write(&old, "time_zone = \"UTC\"\n[[holiday]]\nname = \"x\"\nfrom = 2020-01-01\n")
        .unwrap();
    let out = hotline(&["calendar", "check", old.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("old.toml: warning: the last dated entry is 2020-01-01")
    );
}
