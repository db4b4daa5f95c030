//! `hotline sim ...` through the binary.

use std::path::PathBuf;
use std::process::Command;

fn hotline(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hotline")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn scenario(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../hotline-sim/scenarios")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn run_json_has_the_documented_shape_and_is_reproducible() {
    let file = scenario("single-small.toml");
    let args = ["sim", "run", &file, "--seed", "7", "--replications", "3", "--json"];
    let (code, out, err) = hotline(&args);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "no progress output with --json: {err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["scenario"], "single queue, 14 agents");
    assert_eq!(v["seed"], 7);
    assert_eq!(v["replications"], 3);
    let q = &v["queues"]["support"];
    for kpi in
        ["offered", "service_level", "asa_s", "abandon_rate", "mean_wait_s", "p_wait", "occupancy"]
    {
        assert!(q[kpi]["mean"].is_f64(), "{kpi}: {q}");
        assert!(q[kpi]["ci95"].is_f64(), "{kpi}: {q}");
    }
    assert!(v["overall"]["service_level"]["mean"].is_f64());
    assert!(v["events"].as_u64().unwrap() > 1000);
    // No wall-clock time in the report (issue 18): byte for byte the same; the version and the
    // scenario's hash say what produced it (issue 26).
    assert!(v.get("wall_s").is_none());
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["scenario_sha256"].as_str().unwrap().len(), 64);
    let (_, again, _) = hotline(&args);
    assert_eq!(out, again);
}

#[test]
fn one_replication_runs_again_alone() {
    // Issue 26: `--replication R` reruns replication R of a larger run: the same calls.
    let file = scenario("n-design.toml");
    let kpi = |args: &[&str]| -> serde_json::Value {
        let (code, out, err) = hotline(args);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(&out).unwrap()
    };
    let two = kpi(&["sim", "run", &file, "--replications", "2", "--json"]);
    let first = kpi(&["sim", "run", &file, "--replication", "0", "--json"]);
    let second = kpi(&["sim", "run", &file, "--replication", "1", "--json"]);
    assert_eq!(second["first_replication"], 1);
    let offered = |v: &serde_json::Value| v["overall"]["offered"]["mean"].as_f64().unwrap();
    assert!((offered(&first) + offered(&second) - 2.0 * offered(&two)).abs() < 1e-9);
    assert_ne!(offered(&first), offered(&second));
}

#[test]
fn run_csv_and_text_and_policy() {
    let file = scenario("n-design.toml");
    let (code, out, err) =
        hotline(&["sim", "run", &file, "--replications", "2", "--csv", "--policy", "round-robin"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("queue,kpi,mean,ci95\n"));
    assert!(out.contains("\noverall,service_level,"));
    let (code, out, _) = hotline(&["sim", "run", &file, "--replications", "2"]);
    assert_eq!(code, 0);
    assert!(out.contains("service_level_%") && out.contains("group flexible"));
}

#[test]
fn compare_side_by_side() {
    let file = scenario("six-types.toml");
    let (code, out, err) = hotline(&[
        "sim",
        "compare",
        &file,
        "--policies",
        "skills-best-match,longest-idle",
        "--replications",
        "3",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("skills-best-match") && out.contains("longest-idle"));
    let (code, out, _) = hotline(&[
        "sim",
        "compare",
        &file,
        "--policies",
        "skills-best-match,longest-idle",
        "--replications",
        "3",
        "--json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // Paired differences per queue and overall (issue 26).
    let d = &v["differences"]["longest-idle"];
    assert!(d["overall"]["service_level"]["significant"].is_boolean());
    let queue = v["reports"][0]["queues"].as_object().unwrap().keys().next().unwrap().clone();
    assert!(d[&queue]["asa_s"]["ci95"].is_f64(), "{d}");
}

#[test]
fn errors_have_the_right_status() {
    let (code, _, err) = hotline(&["sim", "run", "/nonexistent/x.toml"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) =
        hotline(&["sim", "run", &scenario("single-small.toml"), "--policy", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown policy"), "{err}");
    let dir = std::env::temp_dir().join(format!("hotline-sim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\nhorizon = \"1h\"\n[acd]\n[[call_types]]\nname = \"c\"\nqueue = \"none\"\narrivals = { rate_per_hour = 1 }\nhandle = { dist = \"constant\", value = 1 }\n").unwrap();
    let (code, _, err) = hotline(&["sim", "run", bad.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("queue"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn sweep_overlays_erlang_c() {
    let file = scenario("single-small.toml");
    let dir = std::env::temp_dir().join(format!("hotline-sim-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = dir.join("sl.svg");
    let (code, out, err) = hotline(&[
        "sim",
        "sweep",
        &file,
        "--agents",
        "13..15",
        "--replications",
        "3",
        "--json",
        "--plot",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["scenario_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(v["parameter"], "agents");
    let points = v["points"].as_array().unwrap();
    assert_eq!(points.len(), 3);
    let erlang: Vec<f64> =
        points.iter().map(|p| p["erlang_service_level"].as_f64().unwrap()).collect();
    assert!(erlang[0] < erlang[1] && erlang[1] < erlang[2], "{erlang:?}");
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
    let _ = std::fs::remove_dir_all(dir);
    let (code, _, err) = hotline(&["sim", "sweep", &file, "--agents", "20..10"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn records_are_exported_one_line_a_call_in_replication_order() {
    // Issue 26: every call, with its disposition, type, queue, agent and group, in a file.
    let file = scenario("n-design.toml");
    let dir = std::env::temp_dir().join(format!("hotline-sim-records-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("calls.csv");
    let args = ["sim", "run", &file, "--replications", "3", "--json", "--records"];
    let (code, out, err) = hotline(&[&args[..], &[csv.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "replication,call_type,queue,arrival_s,disposition,wait_s,answered_queue,agent,group,handle_s"
        )
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    // Offered per replication × replications = every record.
    let offered = v["overall"]["offered"]["mean"].as_f64().unwrap() * 3.0;
    assert!((rows.len() as f64 - offered).abs() < 1e-6, "{} against {offered}", rows.len());
    let reps: Vec<u64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(reps.windows(2).all(|w| w[0] <= w[1]), "replication order");
    assert!(rows.iter().any(|r| r[4] == "abandoned" && r[7].is_empty()));
    assert!(rows.iter().any(|r| r[4] == "answered" && r[8] == "flexible" && r[6] == "a"));
    // Same bytes again, and as JSON lines.
    let (_, _, _) = hotline(&[&args[..], &[csv.to_str().unwrap()]].concat());
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), text);
    let jsonl = dir.join("calls.jsonl");
    let (code, _, err) = hotline(&[&args[..], &[jsonl.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{err}");
    let first: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&jsonl).unwrap().lines().next().unwrap())
            .unwrap();
    assert_eq!(first["replication"], 0);
    assert!(first["disposition"].is_string());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn sweep_over_any_parameter() {
    // Issue 26: `sweep` varied only agent counts; `--set` varies any scenario parameter.
    let file = scenario("single-small.toml");
    let (code, out, err) = hotline(&[
        "sim",
        "sweep",
        &file,
        "--set",
        "call_types.0.arrivals.rate_per_hour=200,240,280",
        "--replications",
        "3",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    let points = v["points"].as_array().unwrap();
    let values: Vec<&str> = points.iter().map(|p| p["value"].as_str().unwrap()).collect();
    assert_eq!(values, ["200", "240", "280"]);
    let sl: Vec<f64> =
        points.iter().map(|p| p["service_level"]["mean"].as_f64().unwrap()).collect();
    assert!(sl[0] > sl[1] && sl[1] > sl[2], "more calls, lower service level: {sl:?}");
    let (code, _, err) = hotline(&["sim", "sweep", &file, "--set", "nothing.here=1"]);
    assert_eq!(code, 2, "{err}");
}
