//! The shipped example flows: every scripted call passes and together they enter every node.

use std::sync::Arc;

use hotline_ivr::sim::{Suite, run_suite, run_suite_with};

fn run(name: &str, flow: &str, calls: &str) {
    let (program, warnings) = hotline_ivr::compile(flow).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(warnings.is_empty(), "{name}: {warnings:#?}");
    let program = Arc::new(program);
    let suite = Suite::from_toml(calls).unwrap();
    let report = run_suite(&program, &suite).unwrap();
    // The progress hook sees each call once, in order, with the result the report keeps.
    let mut seen = Vec::new();
    let hooked =
        run_suite_with(&program, &suite, |done, r| seen.push((done, r.name.clone(), r.passed)))
            .unwrap();
    let want: Vec<_> =
        report.calls.iter().enumerate().map(|(i, c)| (i + 1, c.name.clone(), c.passed)).collect();
    assert_eq!(seen, want, "{name}");
    assert_eq!(hooked.calls.len(), report.calls.len(), "{name}");
    for call in &report.calls {
        assert!(
            call.passed,
            "{name} / {}: {:?}\n{}",
            call.name,
            call.failures,
            call.transcript.render()
        );
    }
    let c = &report.coverage;
    assert_eq!(c.nodes_hit, c.nodes_total, "{name}: nodes never entered: {:?}", c.missed_nodes);
    eprintln!("{name}: edges {}/{} missed {:?}", c.edges_hit, c.edges_total, c.missed_edges);
}

#[test]
fn gov12345() {
    run(
        "gov12345",
        include_str!("../flows/gov12345.ivr"),
        include_str!("../flows/gov12345.calls.toml"),
    );
}

#[test]
fn bank() {
    run("bank", include_str!("../flows/bank.ivr"), include_str!("../flows/bank.calls.toml"));
}

#[test]
fn utility() {
    run(
        "utility",
        include_str!("../flows/utility.ivr"),
        include_str!("../flows/utility.calls.toml"),
    );
}
