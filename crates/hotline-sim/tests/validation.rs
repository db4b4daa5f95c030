//! Validation against queueing formulas: M/M/N against Erlang C and M/M/N+M against Erlang A
//! (hotline-erlang), with Bonferroni-simultaneous 99% intervals, and the equivalence of
//! idle-order policies with identical agents.
//!
//! The small cases run in every `cargo test`; the grid over 5–5,000 erlangs runs in the release
//! profile only (`cargo test -p hotline-sim --release --test validation`).

use hotline_acd::PolicyName;
use hotline_erlang::{ErlangA, ErlangC};
use hotline_sim::{Estimate, PolicyChoice, Report, RunOptions, Scenario, run};

const AHT: f64 = 100.0;
const TARGET: f64 = 20.0;

/// A single queue of `agents` agents under `load` erlangs (AHT 100 s), with exponential
/// patience of mean `patience` seconds when given.
fn single_queue(
    load: f64,
    agents: usize,
    patience: Option<f64>,
    hours: f64,
    warmup: f64,
) -> Scenario {
    let patience = patience
        .map(|p| format!("patience = {{ dist = \"exponential\", mean = {p} }}"))
        .unwrap_or_default();
    Scenario::from_toml(
        &format!(
            r#"
            name = "M/M/{agents}"
            horizon = "{h}h"
            warmup = "{w}h"
            [acd]
            [[acd.queues]]
            name = "q"
            service_level = "{TARGET}s"
            [[agent_groups]]
            name = "a"
            count = {agents}
            queues = [{{ queue = "q" }}]
            [[call_types]]
            name = "c"
            queue = "q"
            arrivals = {{ rate_per_hour = {rate} }}
            handle = {{ dist = "exponential", mean = {AHT} }}
            {patience}
            "#,
            h = hours + warmup,
            w = warmup,
            rate = load / AHT * 3600.0,
        ),
        None,
    )
    .unwrap()
}

struct Check {
    name: String,
    estimate: Estimate,
    formula: f64,
}

/// Checks every comparison against one Bonferroni family (99% family-wise): each formula value
/// must lie inside its simultaneous interval (with 1e-6 absolute slack, for service levels so
/// close to 1 that every replication gives exactly 1 and the interval has no width). KPIs named
/// in `powered` must also have a half-width under `max_relative_half_width` of the value; the
/// others' widths are printed.
fn check_all(checks: &[Check], max_relative_half_width: f64, powered: &[&str]) {
    let level = 1.0 - 0.01 / checks.len() as f64;
    let mut failures = Vec::new();
    for c in checks {
        let hw = c.estimate.half_width(level);
        let line = format!(
            "{}: simulated {:.5} ± {:.5} (rel {:.2}%), formula {:.5}",
            c.name,
            c.estimate.mean,
            hw,
            100.0 * hw / c.formula.abs(),
            c.formula
        );
        println!("{line}");
        if (c.estimate.mean - c.formula).abs() > hw + 1e-6 {
            failures.push(format!("outside the interval: {line}"));
        }
        let kpi = c.name.rsplit(": ").next().unwrap_or("");
        if powered.contains(&kpi) && hw > max_relative_half_width * c.formula.abs() {
            failures.push(format!("interval too wide: {line}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const ALL: &[&str] = &["service level", "P(wait)", "ASA", "occupancy", "abandonment"];

fn erlang_c_checks(report: &Report, load: f64, agents: usize) -> Vec<Check> {
    let c = ErlangC::new(load, agents as f64, AHT).unwrap();
    let o = &report.overall;
    let tag = format!("M/M/{agents} at {load} erlangs");
    vec![
        Check {
            name: format!("{tag}: service level"),
            estimate: o.service_level.unwrap(),
            formula: c.service_level(TARGET).unwrap(),
        },
        Check { name: format!("{tag}: P(wait)"), estimate: o.p_wait.unwrap(), formula: c.p_wait() },
        Check { name: format!("{tag}: ASA"), estimate: o.asa_s.unwrap(), formula: c.asa() },
        Check {
            name: format!("{tag}: occupancy"),
            estimate: o.occupancy.unwrap(),
            formula: c.occupancy(),
        },
    ]
}

fn erlang_a_checks(report: &Report, load: f64, agents: usize, patience: f64) -> Vec<Check> {
    let a = ErlangA::new(load, agents as f64, AHT, patience).unwrap();
    let o = &report.overall;
    let tag = format!("M/M/{agents}+M at {load} erlangs");
    vec![
        Check {
            name: format!("{tag}: service level"),
            estimate: o.service_level.unwrap(),
            formula: a.service_level(TARGET).unwrap(),
        },
        Check {
            name: format!("{tag}: abandonment"),
            estimate: o.abandon_rate.unwrap(),
            formula: a.p_abandon(),
        },
        Check { name: format!("{tag}: ASA"), estimate: o.asa_s.unwrap(), formula: a.asa() },
        Check { name: format!("{tag}: P(wait)"), estimate: o.p_wait.unwrap(), formula: a.p_wait() },
        Check {
            name: format!("{tag}: occupancy"),
            estimate: o.occupancy.unwrap(),
            formula: a.occupancy(),
        },
    ]
}

fn options(replications: usize) -> RunOptions {
    RunOptions { seed: 20_261_122, replications, ..RunOptions::default() }
}

#[test]
fn mmn_small_matches_erlang_c() {
    // 8 agents at 6 erlangs (75%): a fast case with a looser 10% power requirement.
    let s = single_queue(6.0, 8, None, 100.0, 2.0);
    let report = run(&s, &options(30)).unwrap();
    check_all(&erlang_c_checks(&report, 6.0, 8), 0.10, ALL);
}

#[test]
fn mmn_m_small_matches_erlang_a() {
    let s = single_queue(9.0, 8, Some(120.0), 80.0, 2.0);
    let report = run(&s, &options(20)).unwrap();
    check_all(&erlang_a_checks(&report, 9.0, 8, 120.0), 0.10, ALL);
}

/// With identical agents, which idle agent takes a call does not change the waiting-time
/// process: longest idle, round robin and random give the same waiting statistics. Under common
/// random numbers (the same seed, so the same calls) they give exactly the same waits.
#[test]
fn idle_order_policies_give_the_same_waits() {
    let s = single_queue(12.0, 14, Some(200.0), 20.0, 1.0);
    let reports: Vec<Report> =
        [PolicyName::LongestIdle, PolicyName::RoundRobin, PolicyName::Random, PolicyName::Linear]
            .into_iter()
            .map(|p| run(&s, &RunOptions { policy: PolicyChoice::Named(p), ..options(6) }).unwrap())
            .collect();
    let first = &reports[0].overall;
    for r in &reports[1..] {
        let o = &r.overall;
        for (a, b) in [
            (&first.mean_wait_s, &o.mean_wait_s),
            (&first.service_level, &o.service_level),
            (&first.abandon_rate, &o.abandon_rate),
            (&first.p99_wait_s, &o.p99_wait_s),
        ] {
            let (a, b) = (a.unwrap(), b.unwrap());
            assert!(
                (a.mean - b.mean).abs() <= 1e-9 * a.mean.abs().max(1.0),
                "{}: {a:?} vs {b:?}",
                r.policy
            );
        }
    }
    // The policies do differ in who works: linear loads the first agents most.
    let jain = |r: &Report| r.fairness_jain.unwrap().mean;
    assert!(
        jain(&reports[3]) < jain(&reports[0]) - 0.01,
        "linear {} vs longest idle {}",
        jain(&reports[3]),
        jain(&reports[0])
    );
}

/// One grid case: offered load, agents, patience (Erlang A) or none (Erlang C), simulated hours
/// per replication and replications.
struct Case {
    load: f64,
    agents: usize,
    patience: Option<f64>,
    hours: f64,
    replications: usize,
}

/// Keeps the KPIs whose formula value is large enough for a relative precision to mean
/// something (a 2% interval around an ASA of 1e-9 seconds is not a test).
fn material(checks: Vec<Check>) -> Vec<Check> {
    checks
        .into_iter()
        .filter(|c| c.formula >= 0.02 || (c.name.ends_with("ASA") && c.formula >= 0.5))
        .collect()
}

/// The grid of the issue: 5, 50, 500 and 5,000 erlangs at occupancies from 70% to 98%. Every
/// comparison of the whole grid shares one Bonferroni family (99% family-wise); service-level
/// and occupancy intervals must be under 2% of their formula values.
///
/// Erlang C (no abandonment) is checked at 70% and 85%: at 98% occupancy the M/M/N queue
/// relaxes so slowly (for 50 agents, about 1/(Nμ(1−√ρ)²) ≈ 5.5 simulated hours) that a 2%
/// interval on the ASA would need around 10⁸ calls per case. With abandonment (Erlang A) the
/// queue is stable at any load, and the grid goes to 98%.
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "release profile only: cargo test -p hotline-sim --release --test validation"
)]
fn load_grid_matches_erlang_c_and_a() {
    let mut cases = Vec::new();
    for (load, hours, reps) in
        [(5.0_f64, 400.0, 40), (50.0, 60.0, 40), (500.0, 8.0, 30), (5000.0, 1.5, 20)]
    {
        for occupancy in [0.70, 0.85] {
            let agents = (load / occupancy).round() as usize;
            cases.push(Case { load, agents, patience: None, hours, replications: reps });
        }
        for occupancy in [0.70, 0.85, 0.98] {
            let agents = (load / occupancy).round() as usize;
            cases.push(Case { load, agents, patience: Some(AHT), hours, replications: reps });
        }
    }
    let mut checks = Vec::new();
    for c in &cases {
        let s = single_queue(c.load, c.agents, c.patience, c.hours, 0.1 * c.hours.min(10.0));
        let report = run(&s, &options(c.replications)).unwrap();
        checks.extend(material(match c.patience {
            None => erlang_c_checks(&report, c.load, c.agents),
            Some(p) => erlang_a_checks(&report, c.load, c.agents, p),
        }));
    }
    // The 2% power requirement holds for service level and occupancy over the whole grid. For
    // ASA, P(wait) and abandonment it needs far longer runs than a CI job can afford (measured:
    // up to 10% at 500 erlangs and 98%, and 60-80% at 5,000 erlangs and 98%, where P(wait) is
    // about 8% and fluctuates slowly); their values are checked against the formulas all the same.
    check_all(&checks, 0.02, &["service level", "occupancy"]);
}
