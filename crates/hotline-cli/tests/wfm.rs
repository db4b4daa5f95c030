//! `hotline wfm generate|forecast|requirement|schedule` as a planner runs them: the whole chain on
//! a small generated history, the JSON shapes, and bad files named with line and column.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn hotline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hotline")).args(args).output().expect("run hotline")
}

fn ok(args: &[&str]) -> Output {
    let out = hotline(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    out
}

fn json(args: &[&str]) -> Value {
    serde_json::from_slice(&ok(args).stdout).expect("JSON on standard output")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

const SHIFTS: &str = r#"
seed = 1
effort = 50

[rules]
min_rest_hours = 11
max_consecutive_days = 5
max_weekly_hours = 40

[[templates]]
name = "early"
earliest_start = "07:00"
latest_start = "10:00"
start_step_minutes = 30
lengths_minutes = [480]
breaks = [
  { name = "break", length_minutes = 30, earliest_after_minutes = 90, latest_after_minutes = 150, paid = true },
  { name = "lunch", length_minutes = 60, earliest_after_minutes = 210, latest_after_minutes = 300 },
]

[[templates]]
name = "late"
earliest_start = "12:00"
latest_start = "14:00"
start_step_minutes = 30
lengths_minutes = [480]
breaks = [
  { name = "dinner", length_minutes = 30, earliest_after_minutes = 240, latest_after_minutes = 330 },
]
"#;

/// A temporary directory with 10 weeks of half-hourly calls (about 2,000 on a weekday) made by
/// `hotline wfm generate`.
fn history() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let hist = dir.path().join("history.csv");
    let out = ok(&[
        "wfm",
        "generate",
        "--first",
        "2025-03-03",
        "--days",
        "70",
        "--daily-volume",
        "2000",
        "-o",
        p(&hist),
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("wrote"));
    (dir, hist)
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn uints(v: &Value) -> Vec<u64> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect()
}

#[test]
fn forecast_requirement_schedule_chain() {
    let (dir, hist) = history();
    let d = |name: &str| dir.path().join(name);
    // The history CSV: a header and 70 × 48 rows.
    let text = std::fs::read_to_string(&hist).unwrap();
    assert_eq!(text.lines().count(), 1 + 70 * 48);

    // Forecast two weeks; 2025-05-12 is the Monday after the history.
    let f = json(&[
        "wfm",
        "forecast",
        p(&hist),
        "--horizon",
        "14d",
        "-o",
        p(&d("forecast.csv")),
        "--plot",
        p(&d("forecast.svg")),
        "--json",
    ]);
    assert_eq!(f["model"], "calendar");
    assert_eq!(f["start"], "2025-05-12T00:00:00");
    assert_eq!(f["interval_minutes"], 30);
    assert_eq!(f["level"], 0.95);
    assert_eq!(f["history_intervals"], 70 * 48);
    let (mean, lower, upper) = (floats(&f["mean"]), floats(&f["lower"]), floats(&f["upper"]));
    assert_eq!(mean.len(), 14 * 48);
    assert_eq!(floats(&f["variance"]).len(), 14 * 48);
    for i in 0..mean.len() {
        assert!(lower[i] <= mean[i] + 1e-9 && mean[i] <= upper[i] + 1e-9, "interval {i}");
    }
    let days = f["days"].as_array().unwrap();
    assert_eq!(days.len(), 14);
    assert_eq!(days[0]["date"], "2025-05-12");
    let total: f64 = days.iter().map(|d| d["calls"].as_f64().unwrap()).sum();
    assert!((total - f["total_calls"].as_f64().unwrap()).abs() < 1e-6);
    assert!((total - mean.iter().sum::<f64>()).abs() < 1e-6);
    // About 2,000 calls on a weekday, fewer at the weekend.
    let monday = days[0]["calls"].as_f64().unwrap();
    let sunday = days[6]["calls"].as_f64().unwrap();
    assert!((1_200.0..3_000.0).contains(&monday), "{monday}");
    assert!(sunday < monday, "{sunday} {monday}");
    let svg = std::fs::read_to_string(d("forecast.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("95% interval"), "{}", &svg[..200]);
    let csv = std::fs::read_to_string(d("forecast.csv")).unwrap();
    assert_eq!(csv.lines().next(), Some("timestamp,mean,lower,upper,variance"));
    assert_eq!(csv.lines().count(), 1 + 14 * 48);

    // Requirement: Erlang C, 80/20, 3-minute calls, 20% shrinkage.
    let r = json(&[
        "wfm",
        "requirement",
        p(&d("forecast.csv")),
        "--aht",
        "3m",
        "--sl",
        "80/20",
        "--shrinkage",
        "20%",
        "-o",
        p(&d("req.csv")),
        "--plot",
        p(&d("req.svg")),
        "--json",
    ]);
    let svg = std::fs::read_to_string(d("req.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("agents to schedule") && svg.contains("calls</text>"), "{}", &svg[..300]);
    // One bar per interval of the 14 days.
    assert_eq!(svg.matches("<rect x=").count() - 3, 14 * 48, "bars besides the 3 legend keys");
    assert_eq!(r["model"], "erlang-c");
    assert_eq!(r["aht_s"], 180.0);
    assert_eq!(r["start"], "2025-05-12T00:00:00");
    let (calls, agents, scheduled) =
        (floats(&r["calls"]), uints(&r["agents"]), uints(&r["scheduled"]));
    assert_eq!(calls.len(), 14 * 48);
    for i in 0..calls.len() {
        // The CSV holds the mean to 3 decimals.
        assert!((calls[i] - mean[i]).abs() < 1e-3, "interval {i}");
        // Scheduled staff is ⌈agents / (1 − shrinkage)⌉.
        assert_eq!(scheduled[i], (agents[i] as f64 / 0.8 - 1e-9).ceil() as u64, "interval {i}");
    }
    // The same agents as the library gives for these calls.
    let direct = hotline_wfm::requirement_from_calls(
        "2025-05-12T00:00".parse().unwrap(),
        30,
        &calls,
        &[],
        hotline_wfm::RequirementOptions::default(),
    )
    .unwrap();
    assert_eq!(agents, direct.agents.iter().map(|&a| u64::from(a)).collect::<Vec<_>>());
    let hours = scheduled.iter().sum::<u64>() as f64 / 2.0;
    assert_eq!(r["agent_hours"].as_f64().unwrap(), hours);
    assert_eq!(r["peak_scheduled"].as_u64().unwrap(), *scheduled.iter().max().unwrap());

    // Schedule and roster the first week only: cut the requirement to 7 days.
    let req = std::fs::read_to_string(d("req.csv")).unwrap();
    assert_eq!(req.lines().next(), Some("timestamp,calls,agents,scheduled"));
    let week: String = req.lines().take(1 + 7 * 48).map(|l| format!("{l}\n")).collect();
    std::fs::write(d("week.csv"), week).unwrap();
    let mut config = SHIFTS.to_owned();
    for i in 0..40 {
        config.push_str(&format!("\n[[agents]]\nname = \"agent {i:02}\"\n"));
    }
    std::fs::write(d("shifts.toml"), config).unwrap();
    let s = json(&[
        "wfm",
        "schedule",
        p(&d("week.csv")),
        "--config",
        p(&d("shifts.toml")),
        "-o",
        p(&d("schedule.csv")),
        "--plot",
        p(&d("coverage.svg")),
        "--roster",
        p(&d("roster.csv")),
        "--roster-plot",
        p(&d("roster.svg")),
        "--json",
    ]);
    assert_eq!(s["interval_minutes"], 30);
    assert_eq!(s["start"], "2025-05-12");
    let days = s["days"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    let (mut under, mut over, mut shifts) = (0, 0, 0);
    for (k, day) in days.iter().enumerate() {
        let required = uints(&day["required"]);
        let coverage = uints(&day["coverage"]);
        assert_eq!(required, scheduled[k * 48..(k + 1) * 48], "day {k}");
        let u: u64 = required.iter().zip(&coverage).map(|(r, c)| r.saturating_sub(*c)).sum();
        let o: u64 = required.iter().zip(&coverage).map(|(r, c)| c.saturating_sub(*r)).sum();
        assert_eq!((day["under"].as_u64().unwrap(), day["over"].as_u64().unwrap()), (u, o));
        under += u;
        over += o;
        for shift in day["shifts"].as_array().unwrap() {
            shifts += shift["count"].as_u64().unwrap();
            let template = shift["template"].as_str().unwrap();
            assert!(["early", "late"].contains(&template), "{template}");
            let breaks = shift["breaks"].as_array().unwrap().len();
            assert_eq!(breaks, if template == "early" { 2 } else { 1 }, "{shift}");
        }
    }
    assert_eq!((s["under"].as_u64().unwrap(), s["over"].as_u64().unwrap()), (under, over));
    assert_eq!(s["shift_count"].as_u64().unwrap(), shifts);
    // Nobody is scheduled at night, so the night's requirement is short.
    assert!(under > 0);
    let roster = &s["roster"];
    assert_eq!(roster["agents"], 40);
    assert_eq!(roster["assignments"].as_array().unwrap().len() as u64, shifts);
    assert_eq!(roster["violations"].as_array().unwrap().len(), 0);
    let csv = std::fs::read_to_string(d("schedule.csv")).unwrap();
    let counted: u64 =
        csv.lines().skip(1).map(|l| l.rsplit(',').next().unwrap().parse::<u64>().unwrap()).sum();
    assert_eq!(counted, shifts);
    let roster_csv = std::fs::read_to_string(d("roster.csv")).unwrap();
    assert_eq!(roster_csv.lines().count() as u64, 1 + shifts);
    assert_eq!(roster_csv.lines().next(), Some("agent,date,template,start,end,breaks"));
    for a in roster["assignments"].as_array().unwrap() {
        let breaks = a["breaks"].as_array().unwrap().len();
        assert_eq!(breaks, if a["template"] == "early" { 2 } else { 1 }, "{a}");
        assert!(a["agent"].as_str().unwrap().starts_with("agent "), "{a}");
    }
    for svg in ["coverage.svg", "roster.svg"] {
        let text = std::fs::read_to_string(d(svg)).unwrap();
        assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"), "{svg}");
    }
    assert!(std::fs::read_to_string(d("roster.svg")).unwrap().contains("agent 00"));
    let bound = s["lower_bound"].as_f64().unwrap();
    let objective = s["objective"].as_f64().unwrap();
    assert!(bound <= objective + 1e-6 && bound > 0.0, "{bound} {objective}");
    assert_eq!(s["padded_intervals"], 0);

    // A horizon of a day and a half: the second day's afternoon is planned with nobody required.
    let half: String = req.lines().take(1 + 72).map(|l| format!("{l}\n")).collect();
    std::fs::write(d("36h.csv"), half).unwrap();
    let h =
        json(&["wfm", "schedule", p(&d("36h.csv")), "--config", p(&d("shifts.toml")), "--json"]);
    assert_eq!(h["padded_intervals"], 24);
    let days = h["days"].as_array().unwrap();
    assert_eq!(days.len(), 2);
    let second = uints(&days[1]["required"]);
    assert_eq!(second[..24], scheduled[48..72]);
    assert!(second[24..].iter().all(|&r| r == 0));
    let text = String::from_utf8(
        ok(&["wfm", "schedule", p(&d("36h.csv")), "--config", p(&d("shifts.toml"))]).stdout,
    )
    .unwrap();
    assert!(text.contains("ends 24 intervals before the end of its last day"), "{text}");

    // The human forms say the same in words.
    let text = String::from_utf8(
        ok(&["wfm", "schedule", p(&d("week.csv")), "--config", p(&d("shifts.toml"))]).stdout,
    )
    .unwrap();
    assert!(
        text.starts_with(&format!(
            "7 days from 2025-05-12 in 30-minute intervals: {shifts} shifts"
        )),
        "{text}"
    );
}

#[test]
fn holdout_scores_the_forecast_against_the_held_back_days() {
    let (dir, hist) = history();
    let svg = dir.path().join("f.svg");
    for model in ["calendar", "holt-winters", "seasonal-naive"] {
        let f = json(&[
            "wfm",
            "forecast",
            p(&hist),
            "--holdout",
            "7d",
            "--model",
            model,
            "--plot",
            p(&svg),
            "--json",
        ]);
        assert_eq!(f["model"], model);
        assert_eq!(f["start"], "2025-05-05T00:00:00", "the last 7 of 70 days");
        assert_eq!(f["history_intervals"], 63 * 48);
        let h = &f["holdout"];
        assert_eq!(h["days"], 7);
        let coverage = h["coverage"].as_f64().unwrap();
        assert!((0.5..=1.0).contains(&coverage), "{model}: {coverage}");
        let mase = h["mase"].as_f64().unwrap();
        assert!(mase > 0.0 && mase < 3.0, "{model}: {mase}");
        assert!(std::fs::read_to_string(&svg).unwrap().contains("actual"));
    }
    // Without --holdout the report has none.
    let f = json(&["wfm", "forecast", p(&hist), "--horizon", "36h", "--json"]);
    assert!(f["holdout"].is_null());
    assert_eq!(f["mean"].as_array().unwrap().len(), 72);
    // Too long a holdout leaves no history.
    let out = hotline(&["wfm", "forecast", p(&hist), "--holdout", "70d"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("leaves no history"), "{}", stderr(&out));
}

#[test]
fn requirement_reads_a_plain_volume_csv_and_hedges_with_variance() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("calls.csv");
    std::fs::write(&plain, "timestamp,volume\n2026-03-02T09:00,100\n2026-03-02T09:30,0\n").unwrap();
    let r = json(&["wfm", "requirement", p(&plain), "--json"]);
    // 100 calls in a half hour, 3 minutes each, 80/20, at most 90% occupancy: 14 agents.
    assert_eq!(uints(&r["agents"]), vec![14, 0]);
    assert_eq!(r["interval_minutes"], 30);
    // No variance column: --hedge is a usage error.
    let out = hotline(&["wfm", "requirement", p(&plain), "--hedge", "80%"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("variance"), "{}", stderr(&out));
    // With one, the hedge staffs for more calls: the 84th percentile of N(100, 100) is 110.
    let fc = dir.path().join("fc.csv");
    std::fs::write(&fc, "timestamp,mean,variance\n2026-03-02T09:00,100,100\n").unwrap();
    let r = json(&["wfm", "requirement", p(&fc), "--hedge", "84.1344746%", "--json"]);
    assert!((floats(&r["calls"])[0] - 110.0).abs() < 1e-6, "{}", r["calls"]);
    let direct = json(&[
        "wfm",
        "requirement",
        p(&plain),
        "--json",
        "--max-occupancy",
        "90%",
        "--sl",
        "80/20",
    ]);
    assert_eq!(direct["agents"][0], 14);
}

/// Runs a failing command and returns its status and standard error.
fn fails(args: &[&str]) -> (i32, String) {
    let out = hotline(args);
    assert!(out.stdout.is_empty() || args.contains(&"--json"));
    (out.status.code().unwrap(), stderr(&out))
}

#[test]
fn bad_files_are_named_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    // A history with a volume that is not a number on line 4, column 2.
    let bad = w(
        "bad.csv",
        "timestamp,volume\n2025-03-03T00:00,1\n2025-03-03T00:30,2\n2025-03-03T01:00,two\n",
    );
    let (code, err) = fails(&["wfm", "forecast", p(&bad)]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("bad.csv: line 4, column 2: `two` is not a number of calls"), "{err}");
    // A gap on line 3.
    let gap = w("gap.csv", "2025-03-03T00:00,1\n2025-03-03T00:30,2\n2025-03-03T01:30,2\n");
    let (code, err) = fails(&["wfm", "forecast", p(&gap)]);
    assert_eq!(code, 1);
    assert!(err.contains("gap.csv: line 3, column 1: 60 minutes after the row before"), "{err}");
    // A forecast whose variance on line 3 (column 3) is negative.
    let fc =
        w("fc.csv", "timestamp,mean,variance\n2026-03-02T09:00,10,1\n2026-03-02T09:30,10,-1\n");
    let (code, err) = fails(&["wfm", "requirement", p(&fc)]);
    assert_eq!(code, 1);
    assert!(err.contains("fc.csv: line 3, column 3: variance: `-1`"), "{err}");
    let short = w("short.csv", "timestamp,mean\n2026-03-02T09:00,10,1\n");
    let (_, err) = fails(&["wfm", "requirement", p(&short)]);
    assert!(err.contains("short.csv: line 2, column 3: 3 fields, the header has 2"), "{err}");
    let headless = w("headless.csv", "2026-03-02T09:00,10\n");
    let (_, err) = fails(&["wfm", "requirement", p(&headless)]);
    assert!(err.contains("headless.csv: line 1, column 1: the header must start"), "{err}");
    let nocalls = w("nocalls.csv", "timestamp,x\n2026-03-02T09:00,10\n");
    let (_, err) = fails(&["wfm", "requirement", p(&nocalls)]);
    assert!(err.contains("needs `mean`, `volume` or `calls`"), "{err}");
    // A requirement that does not start at midnight, and a shift file with a bad time.
    let req = w("req.csv", "timestamp,scheduled\n2026-03-02T09:00,3\n2026-03-02T09:30,3\n");
    let shifts = w("shifts.toml", SHIFTS);
    let (code, err) = fails(&["wfm", "schedule", p(&req), "--config", p(&shifts)]);
    assert_eq!(code, 1);
    assert!(
        err.contains("req.csv: line 2, column 1: the requirement must start at 00:00"),
        "{err}"
    );
    let day: String = std::iter::once("timestamp,scheduled\n".to_owned())
        .chain((0..48).map(|i| format!("2026-03-02T{:02}:{:02},2\n", i / 2, 30 * (i % 2))))
        .collect();
    let req = w("day.csv", &day);
    let broken = w("broken.toml", &SHIFTS.replace("\"12:00\"", "\"25:00\""));
    let (code, err) = fails(&["wfm", "schedule", p(&req), "--config", p(&broken)]);
    assert_eq!(code, 1);
    assert!(err.contains("broken.toml: line 23, column 18:"), "{err}");
    // Asking for a roster without agents is a usage error.
    let (code, err) =
        fails(&["wfm", "schedule", p(&req), "--config", p(&shifts), "--roster", "r.csv"]);
    assert_eq!(code, 2);
    assert!(err.contains("no [[agents]]"), "{err}");
    // A file that cannot be read: exit 2.
    let (code, err) = fails(&["wfm", "forecast", p(&dir.path().join("missing.csv"))]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read") && err.contains("missing.csv"), "{err}");
    // Over the size limit: refused by size before reading (a sparse file costs no disk).
    let huge = dir.path().join("huge.csv");
    std::fs::File::create(&huge).unwrap().set_len((64 << 20) + 1).unwrap();
    let (code, err) = fails(&["wfm", "forecast", p(&huge)]);
    assert_eq!(code, 1);
    assert!(err.contains("larger than 64 MiB, the limit"), "{err}");
    // A span that is not one.
    let (code, err) = fails(&["wfm", "forecast", p(&bad), "--horizon", "2x"]);
    assert_eq!(code, 2);
    assert!(err.contains("--horizon"), "{err}");
}

#[test]
fn the_calendar_model_takes_a_bundled_calendar_or_a_file() {
    let (dir, hist) = history();
    let china = json(&["wfm", "forecast", p(&hist), "--horizon", "1d", "--json"]);
    let named = json(&["wfm", "forecast", p(&hist), "--horizon", "1d", "--cal", "cn", "--json"]);
    assert_eq!(china["mean"], named["mean"]);
    // The US calendar knows no Labour Day on 1 May: the 2025-05-01..05 holiday in the history
    // is read as ordinary days, so the forecast differs.
    let us = json(&["wfm", "forecast", p(&hist), "--horizon", "1d", "--cal", "us", "--json"]);
    assert_ne!(china["mean"], us["mean"]);
    let file = dir.path().join("cn.toml");
    std::fs::write(&file, hotline_calendar::bundled::CHINA).unwrap();
    let from_file =
        json(&["wfm", "forecast", p(&hist), "--horizon", "1d", "--cal", p(&file), "--json"]);
    assert_eq!(china["mean"], from_file["mean"]);
    let out = hotline(&["wfm", "forecast", p(&hist), "--cal", "mars"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn erlang_a_json_configurations_and_an_infeasible_roster() {
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    // Erlang A (patience) never needs more agents than Erlang C.
    let calls = w("calls.csv", "timestamp,calls\n2026-03-02T09:00,300\n2026-03-02T10:00,50\n");
    let c = json(&["wfm", "requirement", p(&calls), "--max-asa", "15s", "--json"]);
    let a = json(&[
        "wfm",
        "requirement",
        p(&calls),
        "--max-asa",
        "15s",
        "--patience",
        "1m",
        "--max-abandon",
        "5%",
        "--json",
    ]);
    assert_eq!((c["model"].as_str(), a["model"].as_str()), (Some("erlang-c"), Some("erlang-a")));
    assert_eq!(a["interval_minutes"], 60);
    for (x, y) in uints(&a["agents"]).iter().zip(uints(&c["agents"])) {
        assert!(*x <= y, "{x} {y}");
    }
    // A day of 2 agents from 08:00 to 16:00, one 8-hour template without breaks, as JSON.
    let day: String = std::iter::once("timestamp,agents\n".to_owned())
        .chain(
            (0..24)
                .map(|h| format!("2026-03-02T{h:02}:00,{}\n", u8::from((8..16).contains(&h)) * 2)),
        )
        .collect();
    let req = w("day.csv", &day);
    let template = r#"{"name": "day", "earliest_start": "08:00", "latest_start": "08:00",
        "start_step_minutes": 60, "lengths_minutes": [480]}"#;
    let config = w("shifts.json", &format!(r#"{{"templates": [{template}]}}"#));
    let s = json(&["wfm", "schedule", p(&req), "--config", p(&config), "--json"]);
    assert_eq!((s["under"].as_u64(), s["over"].as_u64()), (Some(0), Some(0)), "{s}");
    assert_eq!(s["shift_count"], 2);
    assert_eq!(s["days"][0]["shifts"][0]["start"], "08:00");
    assert_eq!(s["days"][0]["shifts"][0]["end"], "16:00");
    assert!(s["roster"].is_null());
    // Two shifts and one agent: rostering names the rule that cannot be met, exit 1.
    let one = w(
        "one.json",
        &format!(r#"{{"templates": [{template}], "agents": [{{"name": "Li Na"}}]}}"#),
    );
    let out = hotline(&["wfm", "schedule", p(&req), "--config", p(&one)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("rule `one-shift-per-day` cannot be met"), "{}", stderr(&out));
    // A JSON syntax error is named with its line and column.
    let bad = w("bad.json", "{\"templates\": [\n  {\"name\": 3}]}");
    let out = hotline(&["wfm", "schedule", p(&req), "--config", p(&bad)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("bad.json: line 2, column"), "{}", stderr(&out));
}

#[test]
fn a_multi_skill_requirement_counts_each_agent_once() {
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    // Two English and two Chinese agents an hour, 08:00–16:00.
    let day: String = std::iter::once("timestamp,scheduled:EN,scheduled:zh\n".to_owned())
        .chain((0..24).map(|h| {
            let n = u8::from((8..16).contains(&h)) * 2;
            format!("2026-03-02T{h:02}:00,{n},{n}\n")
        }))
        .collect();
    let req = w("skills.csv", &day);
    let shifts = |skills: &str| {
        format!(
            "seed = 1\neffort = 50\n[weights]\nunder = 1.0\nover = 1.0\n\n[[templates]]\nname = \"day\"\nearliest_start = \"08:00\"\nlatest_start = \"08:00\"\nstart_step_minutes = 60\nlengths_minutes = [480]\nskills = {skills}\n"
        )
    };
    // Bilingual shifts only: four agents, not two.
    let both = w("both.toml", &shifts(r#"["EN", "zh"]"#));
    let s = json(&["wfm", "schedule", p(&req), "--config", p(&both), "--json"]);
    assert_eq!(s["skills"], serde_json::json!(["EN", "zh"]));
    assert_eq!(
        (s["shift_count"].as_u64(), s["under"].as_u64(), s["over"].as_u64()),
        (Some(4), Some(0), Some(0))
    );
    assert_eq!(uints(&s["days"][0]["required"])[8], 4, "the total over skills");
    let text =
        String::from_utf8(ok(&["wfm", "schedule", p(&req), "--config", p(&both)]).stdout).unwrap();
    assert!(text.contains("skills EN, zh"), "{text}");
    // English shifts only: Chinese cannot be served, exit 1 naming the rule and the skill.
    let english = w("en.toml", &shifts(r#"["EN"]"#));
    let out = hotline(&["wfm", "schedule", p(&req), "--config", p(&english)]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("rule `skill`") && err.contains("`zh`"), "{err}");
    // A template without skills in a multi-skill problem is named.
    let none = w("none.toml", &shifts("[]"));
    let out = hotline(&["wfm", "schedule", p(&req), "--config", p(&none)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("templates[0].skills"), "{}", stderr(&out));
}

#[test]
fn one_requirement_run_makes_every_skills_columns_for_the_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    // English: 40 calls an hour 08:00–16:00; Chinese: 20. Hourly, one day.
    let forecast = |calls: u32| -> String {
        std::iter::once("timestamp,mean\n".to_owned())
            .chain((0..24).map(|h| {
                let n = if (8..16).contains(&h) { calls } else { 0 };
                format!("2026-03-02T{h:02}:00,{n}\n")
            }))
            .collect()
    };
    let (en, zh) = (w("en.csv", &forecast(40)), w("zh.csv", &forecast(20)));
    let req = dir.path().join("req.csv");
    let plot = dir.path().join("req.svg");
    let en_arg = format!("en={}", p(&en));
    let zh_arg = format!("zh={}", p(&zh));
    let r = json(&[
        "wfm",
        "requirement",
        "--skill",
        &en_arg,
        "--skill",
        &zh_arg,
        "--aht",
        "3m",
        "--skill-aht",
        "zh=6m",
        "-o",
        p(&req),
        "--plot",
        p(&plot),
        "--json",
    ]);
    // Each skill as its own single-skill run computes it.
    for (k, (skill, path, aht)) in [("en", &en, "3m"), ("zh", &zh, "6m")].into_iter().enumerate() {
        let alone = json(&["wfm", "requirement", p(path), "--aht", aht, "--json"]);
        let s = &r["skills"][k];
        assert_eq!(s["skill"], skill);
        assert_eq!(s["scheduled"], alone["scheduled"], "{skill}");
        assert_eq!(s["agents"], alone["agents"], "{skill}");
        assert_eq!(s["aht_s"], alone["aht_s"], "{skill}");
    }
    // Each skill is staffed on its own; the peak over skills is the sum's (08:00–16:00 flat).
    let at_nine = |k: usize| uints(&r["skills"][k]["scheduled"])[9];
    let both = at_nine(0) + at_nine(1);
    assert_eq!(r["peak_scheduled"].as_u64(), Some(both));
    assert!(dir.path().join("req-en.svg").exists() && dir.path().join("req-zh.svg").exists());
    let csv = std::fs::read_to_string(&req).unwrap();
    assert!(
        csv.starts_with(
            "timestamp,calls:en,agents:en,scheduled:en,calls:zh,agents:zh,scheduled:zh\n"
        ),
        "{csv}"
    );
    // The file schedules as a multi-skill problem as it is: bilingual shifts cover the sum.
    let shifts = w(
        "shifts.toml",
        "seed = 1\neffort = 50\n[weights]\nunder = 1.0\nover = 1.0\n\n[[templates]]\nname = \"day\"\nearliest_start = \"08:00\"\nlatest_start = \"08:00\"\nstart_step_minutes = 60\nlengths_minutes = [480]\nskills = [\"en\", \"zh\"]\n",
    );
    let s = json(&["wfm", "schedule", p(&req), "--config", p(&shifts), "--json"]);
    assert_eq!(s["skills"], serde_json::json!(["en", "zh"]));
    assert_eq!(uints(&s["days"][0]["required"])[9], both);
    assert_eq!(s["under"].as_u64(), Some(0));
    // Forecasts over different intervals, a --skill-aht for no skill, a skill twice, and a
    // forecast with --skill: usage errors or rejections naming what is wrong.
    let short = w("short.csv", &forecast(20).lines().take(13).collect::<Vec<_>>().join("\n"));
    let short_arg = format!("zh={}", p(&short));
    let out = hotline(&["wfm", "requirement", "--skill", &en_arg, "--skill", &short_arg]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("must cover the same intervals"), "{}", stderr(&out));
    let out = hotline(&["wfm", "requirement", "--skill", &en_arg, "--skill-aht", "fr=4m"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("there is no --skill fr"), "{}", stderr(&out));
    let en_twice = format!("EN={}", p(&zh));
    let out = hotline(&["wfm", "requirement", "--skill", &en_arg, "--skill", &en_twice]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("given twice"), "{}", stderr(&out));
    let out = hotline(&["wfm", "requirement", p(&en), "--skill", &zh_arg]);
    assert_eq!(out.status.code(), Some(2));
    let out = hotline(&["wfm", "requirement", "--skill", "no-file"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("expected SKILL=FORECAST.csv"), "{}", stderr(&out));
    let out = hotline(&["wfm", "requirement"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn adherence_compares_a_roster_with_the_agents_states() {
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let roster = w(
        "roster.csv",
        "agent,date,template,start,end,breaks\n\
         ann,2026-03-09,day,08:00,16:00,lunch 12:00-12:30\n\
         bo,2026-03-09,day,08:00,16:00,break 10:00-10:15; lunch 12:00-12:30\n",
    );
    // Ann takes lunch 15 minutes late; Bo keeps the schedule; Cy is not in the roster.
    let states = w(
        "states.csv",
        "agent,timestamp,state\n\
         ann,2026-03-09T08:00,ready\n\
         ann,2026-03-09T12:15,not-ready\n\
         ann,2026-03-09T12:45:00,talking\n\
         ann,2026-03-09T16:00,logged-out\n\
         bo,2026-03-09T07:00,logged-out\n\
         bo,2026-03-09T08:00,ready\n\
         bo,2026-03-09T10:00,break\n\
         bo,2026-03-09T10:15,wrap-up\n\
         bo,2026-03-09T12:00,away\n\
         bo,2026-03-09T12:30,ready\n\
         bo,2026-03-09 16:00,logged-out\n\
         cy,2026-03-09T09:00,ready\n\
         cy,2026-03-09T09:10,logged-out\n",
    );
    let out_csv = dir.path().join("intervals.csv");
    let r = json(&[
        "wfm",
        "adherence",
        p(&roster),
        "--states",
        p(&states),
        "--interval",
        "15m",
        "-o",
        p(&out_csv),
        "--json",
    ]);
    let agent = |k: usize| &r["agents"][k];
    assert_eq!(agent(0)["name"], "ann");
    assert_eq!(agent(0)["total"]["scheduled_s"].as_f64(), Some(28_800.0));
    assert_eq!(agent(0)["total"]["in_adherence_s"].as_f64(), Some(27_000.0));
    assert_eq!(agent(0)["conformance"].as_f64(), Some(1.0));
    let spans: Vec<(f64, f64)> = agent(0)["out_of_adherence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["start_s"].as_f64().unwrap(), o["end_s"].as_f64().unwrap()))
        .collect();
    assert_eq!(spans, vec![(43_200.0, 44_100.0), (45_000.0, 45_900.0)]);
    assert_eq!(agent(0)["out_of_adherence"][0]["planned"], "break");
    assert_eq!(agent(0)["out_of_adherence"][0]["observed"], "working");
    assert_eq!(agent(1)["adherence"].as_f64(), Some(1.0));
    assert_eq!(agent(2)["name"], "cy");
    assert_eq!(agent(2)["total"]["unscheduled_s"].as_f64(), Some(600.0));
    assert_eq!(r["adherence"].as_f64(), Some((57_600.0 - 1_800.0) / 57_600.0));
    assert_eq!(r["epoch"], "2026-03-09T00:00");
    let intervals = r["intervals"].as_array().unwrap();
    assert_eq!(intervals.len(), 96);
    assert_eq!(intervals[48]["agents_out"].as_u64(), Some(1));
    assert_eq!(intervals[48]["adherence"].as_f64(), Some(0.5));
    let csv = std::fs::read_to_string(&out_csv).unwrap();
    assert!(csv.contains("\n2026-03-09T12:00:00,2,1,1800,900,0.5000,\n"), "{csv}");
    let plot = dir.path().join("adherence.svg");
    let text = String::from_utf8(
        ok(&[
            "wfm",
            "adherence",
            p(&roster),
            "--states",
            p(&states),
            "--interval",
            "15m",
            "--plot",
            p(&plot),
        ])
        .stdout,
    )
    .unwrap();
    // The heat map: Ann's 12:00 and 12:30 cells red; Cy's 09:00 cell grey (logged in, nothing
    // scheduled).
    let svg = std::fs::read_to_string(&plot).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    let red = svg.matches("fill=\"rgb(215,48,60)\"").count();
    assert_eq!(red, 2 + 1, "2 cells of Ann and the legend");
    let grey = svg.matches("fill=\"#bbb\"").count();
    assert_eq!(grey, 1 + 1, "Cy's cell and the legend (the total row has Ann and Bo at 09:00)");
    assert!(text.contains("wrote"), "{text}");
    assert!(
        text.contains("2026-03-09T12:00:00 – 2026-03-09T12:15:00: working during break"),
        "{text}"
    );
    assert!(text.contains("ann: adherence 93.8%, conformance 100.0%, 30 min out"), "{text}");
    // Bad files: named with line and column.
    let bad_state = w("s1.csv", "agent,timestamp,state\nann,2026-03-09T08:00,lunching\n");
    let out = hotline(&["wfm", "adherence", p(&roster), "--states", p(&bad_state)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("s1.csv: line 2, column 3: `lunching` is not a state"),
        "{}",
        stderr(&out)
    );
    let back = w(
        "s2.csv",
        "agent,timestamp,state\nann,2026-03-09T08:00,ready\nann,2026-03-09T07:00,away\n",
    );
    let out = hotline(&["wfm", "adherence", p(&roster), "--states", p(&back)]);
    assert!(
        stderr(&out).contains("s2.csv: line 3, column 2: ann's states go back in time"),
        "{}",
        stderr(&out)
    );
    let bad_break =
        w("r1.csv", "agent,date,start,end,breaks\nann,2026-03-09,08:00,16:00,lunch 12:00\n");
    let out = hotline(&["wfm", "adherence", p(&bad_break), "--states", p(&states)]);
    assert!(
        stderr(&out).contains("r1.csv: line 2, column 5: `lunch 12:00` is not a break"),
        "{}",
        stderr(&out)
    );
    let bad_time = w("r2.csv", "agent,date,start,end,breaks\nann,2026-03-09,8h,16:00,\n");
    let out = hotline(&["wfm", "adherence", p(&bad_time), "--states", p(&states)]);
    assert!(
        stderr(&out).contains("r2.csv: line 2, column 3: `8h` is not a time"),
        "{}",
        stderr(&out)
    );
    let no_column = w("r3.csv", "agent,day,start,end,breaks\n");
    let out = hotline(&["wfm", "adherence", p(&no_column), "--states", p(&states)]);
    assert!(
        stderr(&out).contains("r3.csv: line 1, column 1: the header has no `date` column"),
        "{}",
        stderr(&out)
    );
    let out =
        hotline(&["wfm", "adherence", p(&roster), "--states", p(&states), "--interval", "100ms"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("invalid `interval`: 864000 intervals"), "{err}");
}
