//! `hotline erlang b|c|a` and `hotline staff` as a user runs them.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn hotline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hotline")).args(args).output().expect("run hotline")
}

fn json(args: &[&str]) -> Value {
    let out = hotline(args);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on standard output")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn day_csv() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../hotline-erlang/examples/day.csv")
}

#[test]
fn erlang_b_ignores_the_other_models_flags() {
    let v = json(&["erlang", "b", "--load", "10", "--agents", "15", "--json"]);
    let b = v["blocking"].as_f64().unwrap();
    assert!((b - 0.036_496_945_472_370_79).abs() < 1e-15, "{b}");
    let same = json(&[
        "erlang",
        "b",
        "--load",
        "10",
        "--agents",
        "15",
        "--aht",
        "3m",
        "--target",
        "20s",
        "--patience",
        "1m",
        "--json",
    ]);
    assert_eq!(v, same);
    assert_eq!(v.as_object().unwrap().len(), 1);
}

#[test]
fn erlang_c_reports_every_measure() {
    let v = json(&[
        "erlang", "c", "--load", "10", "--agents", "13", "--aht", "180", "--target", "20", "--json",
    ]);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 5);
    for key in ["p_wait", "service_level", "asa_s", "mean_queue", "occupancy"] {
        assert!(v[key].is_f64(), "{key}: {v}");
    }
    assert!((v["p_wait"].as_f64().unwrap() - 0.285_270_453_036_492_9).abs() < 1e-15);
    let text = hotline(&[
        "erlang", "c", "--load", "10", "--agents", "13", "--aht", "3m", "--target", "20s",
    ]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("probability of waiting"));
}

#[test]
fn erlang_c_unstable_queue_is_not_an_error() {
    let v = json(&[
        "erlang", "c", "--load", "10", "--agents", "9.5", "--aht", "180", "--target", "20",
        "--json",
    ]);
    assert_eq!(v["p_wait"], 1.0);
    assert_eq!(v["service_level"], 0.0);
    assert!(v["asa_s"].is_null() && v["mean_queue"].is_null());
}

#[test]
fn erlang_a_reports_every_measure() {
    let v = json(&[
        "erlang",
        "a",
        "--load",
        "10",
        "--agents",
        "8.5",
        "--aht",
        "3m",
        "--patience",
        "2m",
        "--target",
        "20s",
        "--json",
    ]);
    for key in [
        "p_wait",
        "p_abandon",
        "mean_wait_s",
        "asa_s",
        "service_level",
        "service_level_answered",
        "service_level_virtual",
        "occupancy",
    ] {
        let x = v[key].as_f64().unwrap_or_else(|| panic!("{key}: {v}"));
        assert!(x.is_finite() && x >= 0.0, "{key}: {x}");
    }
    assert!(v["service_level"].as_f64() < v["service_level_answered"].as_f64());
}

#[test]
fn missing_and_bad_inputs() {
    let out = hotline(&["erlang", "c", "--load", "10", "--agents", "13", "--target", "20"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--aht"), "{}", stderr(&out));
    let out = hotline(&[
        "erlang", "a", "--load", "10", "--agents", "13", "--aht", "1m", "--target", "20",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--patience"));
    let out = hotline(&["erlang", "b", "--load", "0", "--agents", "13"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("load must be"), "{}", stderr(&out));
    let out = hotline(&["erlang", "b", "--load", "NaN", "--agents", "13"]);
    assert_eq!(out.status.code(), Some(1));
    let out =
        hotline(&["erlang", "c", "--load", "1", "--agents", "2", "--aht", "0", "--target", "1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("aht"), "{}", stderr(&out));
}

#[test]
fn staff_one_interval() {
    let v = json(&[
        "staff",
        "--calls",
        "100",
        "--interval",
        "30m",
        "--aht",
        "180",
        "--sl",
        "80/20",
        "--shrinkage",
        "30%",
        "--json",
    ]);
    assert_eq!(v["model"], "erlang-c");
    assert_eq!(v["offered_erlangs"], 10.0);
    assert_eq!(v["required_agents"], 14);
    assert_eq!(v["scheduled_staff"], 20);
    let rows = v["rows"].as_array().unwrap();
    let agents: Vec<u64> = rows.iter().map(|r| r["agents"].as_u64().unwrap()).collect();
    assert_eq!(agents, (11..=17).collect::<Vec<_>>());
    assert!(rows.iter().all(|r| r["p_abandon"].is_null()));
    assert!(rows[2]["service_level"].as_f64().unwrap() < 0.8);
    assert!(rows[3]["service_level"].as_f64().unwrap() >= 0.8);
    // Same target written as a fraction; without shrinkage the staff equals the requirement.
    let same = json(&[
        "staff",
        "--calls",
        "100",
        "--interval",
        "1800",
        "--aht",
        "3m",
        "--sl",
        "0.8/20s",
        "--json",
    ]);
    assert_eq!(same["required_agents"], 14);
    assert_eq!(same["scheduled_staff"], 14);
    let text =
        hotline(&["staff", "--calls", "100", "--interval", "30m", "--aht", "180", "--sl", "80/20"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("required agents: 14"));
}

#[test]
fn staff_with_patience_uses_erlang_a_and_every_target() {
    let v = json(&[
        "staff",
        "--calls",
        "300",
        "--interval",
        "30m",
        "--aht",
        "240",
        "--sl",
        "80/20",
        "--patience",
        "90s",
        "--max-abandon",
        "3%",
        "--max-asa",
        "15s",
        "--max-occupancy",
        "90%",
        "--json",
    ]);
    assert_eq!(v["model"], "erlang-a");
    let required = v["required_agents"].as_u64().unwrap();
    for row in v["rows"].as_array().unwrap() {
        let meets = row["service_level"].as_f64().unwrap() >= 0.8
            && row["p_abandon"].as_f64().unwrap() <= 0.03
            && row["asa_s"].as_f64().unwrap() <= 15.0
            && row["occupancy"].as_f64().unwrap() <= 0.9;
        assert_eq!(meets, row["agents"].as_u64().unwrap() >= required, "{row}");
    }
    // Rows start 3 below the requirement but never below one agent.
    let v = json(&[
        "staff",
        "--calls",
        "1",
        "--interval",
        "1h",
        "--aht",
        "60",
        "--sl",
        "80/20",
        "--json",
    ]);
    assert_eq!(v["rows"][0]["agents"], 1);
}

#[test]
fn staff_target_that_cannot_be_met() {
    let out =
        hotline(&["staff", "--calls", "1e12", "--interval", "1s", "--aht", "1h", "--sl", "80/20"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot be met"), "{}", stderr(&out));
    let out = hotline(&["staff", "--calls", "10", "--interval", "30m", "--aht", "1m"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--sl"));
    let out =
        hotline(&["staff", "--calls", "10", "--interval", "30m", "--aht", "1m", "--sl", "80"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn staff_forecast_table_json_csv_and_plot() {
    let day = day_csv();
    let day = day.to_str().unwrap();
    let out = hotline(&["staff", "--forecast", day, "--shrinkage", "25%"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("agent-hours"), "{text}");
    assert!(text.contains("10:30"));

    let v = json(&["staff", "--forecast", day, "--sl", "90/30", "--json"]);
    let intervals = v["intervals"].as_array().unwrap();
    assert_eq!(intervals.len(), 24);
    assert_eq!(v["interval_minutes"], 30);
    let hours: f64 = intervals.iter().map(|i| i["required_agents"].as_f64().unwrap() * 0.5).sum();
    assert_eq!(v["totals"]["required_agent_hours"].as_f64().unwrap(), hours);

    let dir = std::env::temp_dir().join(format!("hotline-erlang-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = dir.join("staffing.svg");
    let out = hotline(&["staff", "--forecast", day, "--csv", "--plot", svg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(csv.starts_with("start,calls,aht_s,offered_erlangs,required_agents,scheduled_staff"));
    assert_eq!(csv.lines().count(), 26);
    assert!(stderr(&out).contains("wrote"));
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(chart.starts_with("<svg") && chart.contains("scheduled staff"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn staff_forecast_errors() {
    let dir = std::env::temp_dir().join(format!("hotline-erlang-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "start,calls,aht\n08:00,10,180\n08:30,x,180\n").unwrap();
    let out = hotline(&["staff", "--forecast", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("line 3"), "{}", stderr(&out));
    let out = hotline(&["staff", "--forecast", dir.join("missing.csv").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}
