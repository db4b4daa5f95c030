//! `hotline dialer check|simulate` and `hotline audio amd` as a campaign manager runs them: the
//! check's one shape, problems in a campaign's list named by file, line and column, the shift
//! length in the shared duration syntax, outbound scenario files (campaign and population) for
//! `simulate` with every mistake at its line, and the AMD parameters as durations.

use std::process::{Command, Output};

use serde_json::Value;

fn hotline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hotline")).args(args).output().expect("run hotline")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const CAMPAIGN: &str = r#"name = "Follow-up survey"
ring_timeout = "20s"
max_lines = 30

[profile]
jurisdiction = "us"

[mode]
mode = "predictive"
pacer = { pacer = "adaptive" }

[retry]
busy = "10m"
no_answer = "2h"
max_attempts = 4

[[list]]
name = "closed orders"
file = "list.csv"
time_zone = "America/New_York"
"#;

#[test]
fn check_prints_the_one_shape_and_names_a_bad_list_line() {
    let dir = tempfile::tempdir().unwrap();
    let campaign = dir.path().join("campaign.toml");
    std::fs::write(&campaign, CAMPAIGN).unwrap();
    let list = dir.path().join("list.csv");
    std::fs::write(&list, "id,phone\nwo-1,+12125550101\nwo-2,+13125550102\n").unwrap();
    let file = campaign.to_str().unwrap();

    let out = hotline(&["dialer", "check", file]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("{file}: ok")), "{}", text(&out.stdout));
    let out = hotline(&["dialer", "check", file, "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["file"].as_str(), v["ok"].as_bool()), (Some(file), Some(true)), "{v}");
    assert_eq!(v["summary"]["records"], 2, "{v}");

    // A phone number that is not one, on the list's third line: the list's file and line.
    std::fs::write(&list, "id,phone\nwo-1,+12125550101\nwo-2,not a number\n").unwrap();
    let out = hotline(&["dialer", "check", file, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false, "{v}");
    let d = &v["diagnostics"][0];
    assert_eq!(d["file"].as_str(), list.to_str(), "{d}");
    assert_eq!(d["line"], 3, "{d}");
    let out = hotline(&["dialer", "check", file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains(&format!("{}:3", list.display())), "{}", text(&out.stderr));

    // An unreadable campaign: JSON in the check's shape, exit 2.
    let missing = dir.path().join("missing.toml");
    let out = hotline(&["dialer", "check", missing.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false, "{v}");
}

#[test]
fn check_reports_every_type_error() {
    // Issue 25: a campaign reported its first type error only.
    let dir = tempfile::tempdir().unwrap();
    let campaign = dir.path().join("campaign.toml");
    let bad = CAMPAIGN
        .replace("max_lines = 30", "max_lines = \"thirty\"")
        .replace("max_attempts = 4", "max_attempts = -4")
        .replace("file = \"list.csv\"", "file = 7");
    std::fs::write(&campaign, bad).unwrap();
    let out = hotline(&["dialer", "check", campaign.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines: Vec<u64> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["line"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(lines, [3, 15, 19], "{v}");
}

#[test]
fn simulate_takes_the_shift_as_a_duration() {
    let dir = tempfile::tempdir().unwrap();
    let campaign = dir.path().join("campaign.toml");
    std::fs::write(&campaign, CAMPAIGN.split("[[list]]").next().unwrap()).unwrap();
    let file = campaign.to_str().unwrap();
    let out = hotline(&["dialer", "simulate", file, "--agents", "5", "--duration", "1h", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["hours"], 1.0, "{v}");
    for bad in ["0s", "-1h", "32d"] {
        let out = hotline(&["dialer", "simulate", file, "--duration", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", text(&out.stderr));
    }
}

fn survey() -> String {
    format!("{}/../hotline-sim/scenarios/outbound/survey.toml", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn simulate_runs_a_scenario_file_and_the_flags_override_it() {
    let file = survey();
    // The file's own agents (12) and seed; the shift shortened on the command line.
    let out = hotline(&["dialer", "simulate", &file, "--duration", "1h", "--seeds", "2", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["agents"].as_u64(), v["hours"].as_f64()), (Some(12), Some(1.0)), "{v}");
    assert_eq!((v["seeds"].as_u64(), v["seed"].as_u64()), (Some(2), Some(1)), "{v}");
    assert_eq!(v["campaign"], "Work-order follow-up survey");
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    // Each run's windows carry the key figures; the run's abandonments are the windows'.
    for r in runs {
        let w = &r["windows"][0];
        assert!(w["conversations"].as_u64().unwrap() > 0, "{w}");
        assert_eq!(r["abandoned"], w["abandoned"], "{r}");
        assert_eq!(r["refused_inputs"], 0);
    }
    assert_ne!(runs[0]["dials"], runs[1]["dials"]);
    // The same seed replays: byte-identical JSON.
    let again =
        hotline(&["dialer", "simulate", &file, "--duration", "1h", "--seeds", "2", "--json"]);
    assert_eq!(again.stdout, out.stdout);
    // --agents and --seed override the file.
    let out = hotline(&[
        "dialer",
        "simulate",
        &file,
        "--duration",
        "30m",
        "--agents",
        "4",
        "--seed",
        "9",
        "--json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["agents"].as_u64(), v["seed"].as_u64()), (Some(4), Some(9)), "{v}");
    // Text: the figures, each window's key figures and the compliance report.
    let out = hotline(&["dialer", "simulate", &file, "--duration", "30m", "--agents", "4"]);
    let t = text(&out.stdout);
    assert!(t.contains("talk ") && t.contains("conversations") && t.contains("Uk profile"), "{t}");
}

#[test]
fn simulate_names_every_mistake_of_a_scenario_file_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(survey()).unwrap();
    let line_of = |needle: &str| good.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
    // Type errors, all of them, each at its line and column.
    let bad = good
        .replace("p_busy = 0.05", "p_busy = \"often\"")
        .replace("max_lines = 40", "max_lines = -1")
        .replace("agents = 12", "agents = 12\nagentz = 3");
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, &bad).unwrap();
    let out = hotline(&["dialer", "simulate", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let e = text(&out.stderr);
    assert!(e.contains("3 errors"), "{e}");
    for (needle, shift) in [("agents = 12", 1), ("p_busy", 1), ("max_lines", 1)] {
        assert!(e.contains(&format!("line {}, column", line_of(needle) + shift)), "{needle}: {e}");
    }
    // Values that are not valid: every one, at the line of its key.
    let bad = good.replace("p_busy = 0.05", "p_busy = 1.5").replace("\"20s\"", "\"5s\"");
    std::fs::write(&file, &bad).unwrap();
    let out = hotline(&["dialer", "simulate", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let e = text(&out.stderr);
    let f = file.display();
    assert!(e.contains(&format!("{f}:{}:1: `population.p_busy`", line_of("p_busy"))), "{e}");
    assert!(
        e.contains(&format!("{f}:{}:1: `campaign.ring_timeout`", line_of("ring_timeout"))),
        "{e}"
    );
    // `dialer check` takes the scenario file too: the same problems, in the check's shape.
    let out = hotline(&["dialer", "check", file.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines: Vec<u64> =
        v["diagnostics"].as_array().unwrap().iter().filter_map(|d| d["line"].as_u64()).collect();
    assert!(lines.contains(&(line_of("p_busy") as u64)), "{v}");
    assert!(lines.contains(&(line_of("ring_timeout") as u64)), "{v}");
    let out = hotline(&["dialer", "check", &survey(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["campaign"], "Work-order follow-up survey", "{v}");
    // An empirical talk time from a CSV file beside the scenario; a missing file is named.
    let with_csv = good.replace(
        "talk = { dist = \"lognormal\", mean = 150, sd = 90 }",
        "talk = { dist = \"empirical\", csv = \"talk.csv\" }",
    );
    std::fs::write(&file, &with_csv).unwrap();
    let out = hotline(&["dialer", "simulate", file.to_str().unwrap(), "--duration", "20m"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("talk.csv"), "{}", text(&out.stderr));
    std::fs::write(dir.path().join("talk.csv"), "seconds\n120\n200\n95\n").unwrap();
    let out = hotline(&["dialer", "simulate", file.to_str().unwrap(), "--duration", "20m"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The size limit is in the help.
    let out = hotline(&["dialer", "simulate", "--help"]);
    assert!(text(&out.stdout).contains("at most 1 MiB"), "{}", text(&out.stdout));
}

#[test]
fn amd_parameters_are_durations_and_a_bad_wav_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("silence.wav");
    // One second of silence at 8 kHz, 16-bit mono.
    let samples = 8000u32;
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + 2 * samples).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&8000u32.to_le_bytes());
    bytes.extend_from_slice(&16000u32.to_le_bytes());
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&(2 * samples).to_le_bytes());
    bytes.resize(bytes.len() + 2 * samples as usize, 0);
    std::fs::write(&wav, &bytes).unwrap();
    let file = wav.to_str().unwrap();
    let out = hotline(&["audio", "amd", file, "--initial-silence", "500ms", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["amd"].is_object() || v["amd"].is_string(), "{v}");
    // A bare number is seconds in the shared syntax; a word is refused as a usage error.
    let out = hotline(&["audio", "amd", file, "--greeting", "soon"]);
    assert_eq!(out.status.code(), Some(2));
    // Not a WAV: rejected content, exit 1, as for every other WAV reader.
    let junk = dir.path().join("junk.wav");
    std::fs::write(&junk, b"not a wav at all").unwrap();
    let out = hotline(&["audio", "amd", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
}
