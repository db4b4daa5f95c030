//! Compares routing policies on the N-design scenario under common random numbers, adds a custom
//! policy through hotline-acd's `RoutingPolicy` trait, and checks a single queue against Erlang C.
//!
//! Run with `cargo run -p hotline-sim --example compare_policies --release`.

use std::path::Path;
use std::sync::Arc;

use hotline_acd::{Candidates, PolicyName, RoutingPolicy, Selection};
use hotline_erlang::ErlangC;
use hotline_sim::{PolicyChoice, RunOptions, Scenario, run};

/// A custom policy: the first ready candidate in the engine's order (after tiers), i.e. the
/// agent the queue's index ranks first — here the longest idle, because the default
/// `agent_key` orders by idle time.
#[derive(Debug)]
struct FirstCandidate;

impl RoutingPolicy for FirstCandidate {
    fn name(&self) -> &str {
        "first-candidate"
    }

    fn select(&mut self, candidates: &mut Candidates<'_>) -> Selection {
        match candidates.first() {
            Some(agent) => Selection::One(agent),
            None => Selection::None,
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");

    // 1. Policies side by side on the same calls.
    let scenario = Scenario::from_file(&dir.join("n-design.toml"))?;
    let policies = [
        PolicyChoice::Named(PolicyName::LongestIdle),
        PolicyChoice::Named(PolicyName::Linear),
        PolicyChoice::Custom(
            "first-candidate".into(),
            Arc::new(|_queue: &str| Box::new(FirstCandidate) as Box<dyn RoutingPolicy>),
        ),
    ];
    for policy in policies {
        let options = RunOptions::new().seed(1).replications(10).policy(policy);
        let report = run(&scenario, &options)?;
        let sl = report.overall.service_level.expect("calls were offered");
        let jain = report.fairness_jain.expect("agents worked");
        println!(
            "{:<16} service level {:5.1}% ± {:.1}, Jain's index {:.3} ± {:.3}",
            report.policy,
            100.0 * sl.mean,
            100.0 * sl.ci95,
            jain.mean,
            jain.ci95
        );
    }

    // 2. A single queue against the formula.
    let scenario = Scenario::from_file(&dir.join("single-small.toml"))?;
    let start = std::time::Instant::now();
    let report = run(&scenario, &RunOptions::new().replications(20))?;
    let wall = start.elapsed().as_secs_f64();
    let asa = report.overall.asa_s.expect("calls were answered");
    let erlang = ErlangC::new(12.0, 14.0, 180.0)?;
    println!(
        "M/M/14: simulated ASA {:.1} s ± {:.1}, Erlang C {:.1} s ({} events in {:.2} s)",
        asa.mean,
        asa.ci95,
        erlang.asa(),
        report.events,
        wall
    );
    Ok(())
}
