//! Input that was silently ignored or answered wrongly (issue 25): each is refused, warned about
//! or answered as asked now. Every test here failed on the binary before the fix.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn hotline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hotline")).args(args).output().expect("run hotline")
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scenario(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../hotline-sim/scenarios")
        .join(name)
        .display()
        .to_string()
}

fn write(dir: &Path, name: &str, content: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.display().to_string()
}

#[test]
fn staff_max_abandon_needs_patience() {
    // It ran Erlang C and ignored the target.
    let out = hotline(&[
        "staff",
        "--calls",
        "300",
        "--interval",
        "30m",
        "--aht",
        "3m",
        "--sl",
        "80/20",
        "--max-abandon",
        "3%",
    ]);
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--patience"), "{err}");
}

#[test]
fn staff_plot_needs_a_forecast() {
    // It wrote nothing and exited 0.
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("x.svg");
    let out = hotline(&[
        "staff",
        "--calls",
        "300",
        "--interval",
        "30m",
        "--aht",
        "3m",
        "--sl",
        "80/20",
        "--plot",
        plot.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("--forecast"), "{}", text(&out).1);
}

#[test]
fn zero_replications_are_refused() {
    // `--replications 0` ran one.
    for cmd in ["run", "compare", "sweep"] {
        let file = scenario("single-small.toml");
        let mut args = vec!["sim", cmd, &file, "--replications", "0"];
        if cmd == "compare" {
            args.extend(["--policies", "random,longest-idle"]);
        }
        if cmd == "sweep" {
            args.extend(["--agents", "13..14"]);
        }
        let out = hotline(&args);
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        assert!(text(&out).1.contains("at least 1 replication"), "{cmd}: {}", text(&out).1);
    }
    let file = scenario("single-small.toml");
    let out = hotline(&[
        "sim",
        "compare",
        &file,
        "--policies",
        "random,longest-idle",
        "--replications",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("at least 2"), "{}", text(&out).1);
}

#[test]
fn one_replication_has_no_interval() {
    // With one replication the interval was "± 0.00" and JSON `"ci95": 0.0`.
    let file = scenario("single-small.toml");
    let out = hotline(&["sim", "run", &file, "--replications", "1", "--json"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sl = &v["queues"]["support"]["service_level"];
    assert!(sl["mean"].is_f64(), "{sl}");
    assert!(sl["ci95"].is_null(), "{sl}");
    let out = hotline(&["sim", "run", &file, "--replications", "1"]);
    let (stdout, _) = text(&out);
    assert!(stdout.contains("± —") && !stdout.contains("± 0.00"), "{stdout}");
    let out = hotline(&["sim", "run", &file, "--replications", "1", "--csv"]);
    let (csv, _) = text(&out);
    assert!(
        csv.lines().any(|l| l.starts_with("support,service_level,") && l.ends_with(',')),
        "{csv}"
    );
    // Two replications have one.
    let out = hotline(&["sim", "run", &file, "--replications", "2", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["queues"]["support"]["service_level"]["ci95"].is_f64());
}

#[test]
fn calendar_elapsed_refuses_a_reversed_period() {
    // From after to printed zero.
    let out = hotline(&[
        "calendar",
        "elapsed",
        "--cal",
        "china",
        "--from",
        "2026-10-09T10:00",
        "--to",
        "2026-10-08T10:00",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("before --from"), "{}", text(&out).1);
}

#[test]
fn calendar_add_past_the_dated_years_warns() {
    // An answer past the last dated year of holidays came without a warning.
    let out = hotline(&[
        "calendar",
        "add",
        "--cal",
        "china",
        "--from",
        "2027-01-04T10:00",
        "--working-days",
        "3",
    ]);
    let (stdout, err) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(stdout.contains("due 2027-01-07"), "{stdout}");
    assert!(err.contains("warning") && err.contains("last dated entry (2026-"), "{err}");
    // Inside the dated years: no warning.
    let out = hotline(&[
        "calendar",
        "add",
        "--cal",
        "china",
        "--from",
        "2026-09-30T16:00",
        "--working-days",
        "3",
    ]);
    assert!(text(&out).1.is_empty(), "{}", text(&out).1);
}

#[test]
fn an_empty_calls_file_is_no_test() {
    // `ivr test` with an empty calls file exited 0.
    let dir = tempfile::tempdir().unwrap();
    let flow = write(dir.path(), "ok.ivr", "flow \"x\"\nstart a\nhangup a {}\n");
    let calls = write(dir.path(), "calls.toml", "");
    let out = hotline(&["ivr", "test", &flow, &calls]);
    assert_eq!(out.status.code(), Some(1));
    let (_, err) = text(&out);
    assert!(err.contains("no calls") && err.contains("[[call]]"), "{err}");
}

#[test]
fn an_empty_acd_configuration_is_invalid() {
    // It was "valid" with 0 queues.
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.toml", "");
    let out = hotline(&["acd", "check", &empty]);
    assert_eq!(out.status.code(), Some(1));
    let (stdout, err) = text(&out);
    assert!(!stdout.contains("valid"), "{stdout}");
    assert!(err.contains("no queues"), "{err}");
}

#[test]
fn flow_list_leaves_a_zero_byte_file_alone() {
    // It created the tables in any empty file.
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.db", "");
    let out = hotline(&["flow", "list", "--store", &empty]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).1.contains("empty file, not a store"), "{}", text(&out).1);
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);
}

#[test]
fn flow_init_on_a_store_says_so() {
    // It said "initialised" again.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("orders.db");
    let db = db.to_str().unwrap();
    let first = hotline(&["flow", "init", "--store", db]);
    assert!(text(&first).0.contains("initialised"));
    let again = hotline(&["flow", "init", "--store", db]);
    assert_eq!(again.status.code(), Some(0));
    let (stdout, _) = text(&again);
    assert!(stdout.contains("a store already") && !stdout.contains("initialised"), "{stdout}");
}

#[test]
fn verify_all_on_an_empty_store_says_so() {
    // It printed nothing.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("orders.db");
    let db = db.to_str().unwrap();
    assert!(hotline(&["flow", "init", "--store", db]).status.success());
    let out = hotline(&["flow", "verify", "--all", "--store", db]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out).0.contains("no work orders"), "{}", text(&out).0);
}
