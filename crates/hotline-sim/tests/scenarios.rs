//! The standard scenario set loads and runs, and runs are reproducible.

use std::path::{Path, PathBuf};

use hotline_sim::{RunOptions, Scenario, ScenarioError, run};

fn scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_standard_scenario_runs() {
    let files = scenarios();
    assert!(files.len() >= 8, "{files:?}");
    for file in files {
        let s = Scenario::from_file(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let r = run(&s, &RunOptions::new().replications(2)).unwrap();
        let o = &r.overall;
        let offered = o.offered.unwrap().mean;
        assert!(offered > 0.0, "{}", file.display());
        let sl = o.service_level.unwrap().mean;
        assert!((0.0..=1.0).contains(&sl), "{}: {sl}", file.display());
        assert!(o.occupancy.unwrap().mean > 0.0 && o.occupancy.unwrap().mean <= 1.0);
        assert!(r.events as f64 >= 2.0 * offered, "{}", file.display());
    }
}

#[test]
fn same_seed_same_report() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/n-design.toml");
    let s = Scenario::from_file(&file).unwrap();
    let one = RunOptions::new().seed(9).replications(4).threads(1);
    let many = one.clone().threads(4);
    // The report holds no wall-clock time: byte for byte the same (issue 18).
    let a = run(&s, &one).unwrap();
    let b = run(&s, &many).unwrap();
    assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
    let c = run(&s, &one.seed(10)).unwrap();
    assert_ne!(a.overall.offered, c.overall.offered);
}

#[test]
fn bad_scenarios_are_errors() {
    for (text, want) in [
        ("name = \"x\"\nhorizon = \"1h\"\n[acd]\ncall_types = []\n", "call_types"),
        ("name = \"x\"\nhorizon = \"oops\"\n[acd]\n", "line 2"),
    ] {
        let e = Scenario::from_toml(text, None).unwrap_err().to_string();
        assert!(e.contains(want), "{e}");
    }
}

/// A one-queue scenario whose arrival rates come from `rates.csv`.
const WITH_CSV: &str = r#"
name = "csv"
horizon = "1h"
[acd]
[[acd.queues]]
name = "q"
[[agent_groups]]
name = "a"
count = 2
queues = [{ queue = "q" }]
[[call_types]]
name = "c"
queue = "q"
arrivals = { csv = "rates.csv", interval = "30m" }
handle = { dist = "constant", value = 60 }
"#;

#[test]
fn csv_files_are_read_beside_the_scenario_never_from_the_current_directory() {
    // Issue 18 §7: `from_toml(text, None)` read CSV files relative to the current directory.
    let e = Scenario::from_toml(WITH_CSV, None).unwrap_err();
    assert!(
        matches!(&e, ScenarioError::CsvWithoutBase { file, place } if file == "rates.csv" && place == "call_types[0].arrivals.csv"),
        "{e}"
    );
    let dir = std::env::temp_dir().join(format!("hotline-sim-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("rates.csv"), "rate\n10\n20\n").unwrap();
    std::fs::write(dir.join("s.toml"), WITH_CSV).unwrap();
    let s = Scenario::from_file(&dir.join("s.toml")).unwrap();
    assert_eq!(s.call_types[0].arrivals.rates_per_hour, [10.0, 20.0]);
    std::fs::write(dir.join("rates.csv"), "rate\n10\nx\n").unwrap();
    let e = Scenario::from_file(&dir.join("s.toml")).unwrap_err();
    assert!(
        matches!(
            &e,
            ScenarioError::Csv { source: hotline_sim::CsvError::NotANumber { line: 3, .. }, .. }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("rates.csv: line 3: `x` is not a number"), "{e}");
    let _ = std::fs::remove_dir_all(dir);
    // The adapter: files from memory.
    let s = Scenario::from_toml_with(WITH_CSV, "memory", &mut |_, name| {
        Ok((name.to_owned(), "7\n8\n".to_owned()))
    })
    .unwrap();
    assert_eq!(s.call_types[0].arrivals.rates_per_hour, [7.0, 8.0]);
}

#[test]
fn a_scenario_file_over_the_limit_is_refused_unread() {
    // Issue 25: `Scenario::from_file` read any size (TOML parsing takes tens of times the text).
    let dir = std::env::temp_dir().join(format!("hotline-sim-limit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.toml");
    // A scenario that is valid but for its size: one byte over the limit of padding comment.
    let mut text = WITH_CSV.replace(
        "arrivals = { csv = \"rates.csv\", interval = \"30m\" }",
        "arrivals = { rate_per_hour = 10 }",
    );
    let fits = Scenario::from_toml(&text, None);
    assert!(fits.is_ok(), "{fits:?}");
    text.push('#');
    let padding = hotline_sim::MAX_SCENARIO_BYTES as usize + 1 - text.len();
    text.push_str(&"x".repeat(padding - 1));
    text.push('\n');
    assert_eq!(text.len() as u64, hotline_sim::MAX_SCENARIO_BYTES + 1);
    std::fs::write(&path, &text).unwrap();
    let e = Scenario::from_file(&path).unwrap_err();
    assert!(
        matches!(&e, ScenarioError::TooLarge { limit, .. } if *limit == hotline_sim::MAX_SCENARIO_BYTES),
        "{e}"
    );
    assert!(e.to_string().contains("big.toml is larger than 1048576 bytes"), "{e}");
    // At the limit it is read.
    text.truncate(text.len() - 2);
    text.push('\n');
    std::fs::write(&path, &text).unwrap();
    assert!(Scenario::from_file(&path).is_ok());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn any_parameter_can_be_changed_by_its_path() {
    // Issue 26: sweeps over any scenario parameter, not only an agent group's size.
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/n-design.toml");
    let s = Scenario::from_file(&file).unwrap();
    let t = s.with_value("agent_groups.flexible.count", "5").unwrap();
    assert_eq!(t.agent_groups[1].count, 5);
    let t = s.with_value("call_types.0.arrivals.rate_per_hour", "250.5").unwrap();
    assert_eq!(t.call_types[0].arrivals.rate_per_hour, Some(250.5));
    let t = s.with_value("acd.queues.a.tier_wait", "\"30s\"").unwrap();
    assert_eq!(t.acd.queues[0].tier_wait, std::time::Duration::from_secs(30));
    // A setting left at its default is added.
    let t = s.with_value("acd.queues.b.max_length", "4").unwrap();
    assert_eq!(t.acd.queues[1].max_length, Some(4));
    for (path, value) in [
        ("agent_groups.nobody.count", "5"),
        ("call_types.0.arrivals.rate_per_hour", "-3"),
        ("agent_groups.flexible.count", "not toml"),
        ("horizon.x", "1"),
    ] {
        let e = s.with_value(path, value).unwrap_err().to_string();
        assert!(!e.is_empty(), "{path} = {value}");
    }
}
