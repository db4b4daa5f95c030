//! The standard scenario set loads and runs, and runs are reproducible.

use std::path::{Path, PathBuf};

use hotline_sim::{RunOptions, Scenario, run};

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
    let mut a = run(&s, &one).unwrap();
    let mut b = run(&s, &many).unwrap();
    a.wall_s = 0.0;
    b.wall_s = 0.0;
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
