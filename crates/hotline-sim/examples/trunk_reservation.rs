//! Trunk reservation on the N-design (issue 26): a flexible agent takes a type-A call only
//! while more than *k* flexible agents are idle, itself included; the rest are kept for type B.
//! A classic of the N-design literature (Gans, Koole and Mandelbaum, "Telephone call centers",
//! MSOM 2003, and the papers it cites).
//!
//! The policy has to act at both decision points of hotline-acd's `RoutingPolicy`: when an A call
//! arrives (`select`: may a flexible agent be picked?) and when a flexible agent frees up
//! (`admit`: may it take the waiting A call?). The "arrival only" form, which is all a policy
//! could do before issue 26, lets every freed flexible agent take the oldest waiting call, A or
//! B, so reservation stops working as *k* grows. The example prints both forms side by side
//! under common random numbers.
//!
//! Run with `cargo run -p hotline-sim --example trunk_reservation --release`.

use std::path::Path;
use std::sync::Arc;

use hotline_acd::{
    AgentView, CallView, Candidates, CenterView, LongestIdle, RoutingPolicy, Selection,
};
use hotline_sim::{PolicyChoice, RunOptions, Scenario, run};

/// The reservation policy for queue `a`.
#[derive(Debug, Clone)]
pub struct TrunkReservation {
    /// Flexible agents kept for type B: one takes an A call only while more than `k` flexible
    /// agents (itself included) are idle.
    pub k: usize,
    /// Both decisions (true), or only the arrival's (false: the wall of issue 26).
    pub full: bool,
}

impl TrunkReservation {
    /// Whether a flexible agent may take an A call with `idle` flexible agents idle, itself
    /// included.
    fn allows(&self, idle: usize) -> bool {
        idle > self.k
    }
}

/// The idle agents of the `flexible` group.
fn idle_flexible(center: &CenterView<'_>) -> usize {
    center.group_id("flexible").map_or(0, |g| center.idle_in_group(g))
}

impl RoutingPolicy for TrunkReservation {
    fn name(&self) -> &str {
        if self.full { "trunk-reservation" } else { "trunk-reservation-arrival-only" }
    }

    /// Call arrives: candidates come tier by tier (specialists are tier 1 in `a`, flexible agents
    /// tier 2), so the first candidate is a specialist whenever one is idle.
    fn select(&mut self, candidates: &mut Candidates<'_>) -> Selection {
        let Some(first) = candidates.first() else { return Selection::None };
        let flexible = candidates.center().group_id("flexible");
        let is_flexible = candidates.agent(first).is_some_and(|a| a.group == flexible);
        // The candidate is idle, so it is among those counted.
        if !is_flexible || self.allows(idle_flexible(candidates.center())) {
            Selection::One(first)
        } else {
            Selection::None
        }
    }

    /// Agent frees up: it is not yet counted among the idle, so it adds itself.
    fn admit(&self, agent: &AgentView<'_>, _: &CallView<'_>, center: &CenterView<'_>) -> bool {
        if !self.full || agent.group != center.group_id("flexible") {
            return true;
        }
        self.allows(idle_flexible(center) + 1)
    }
}

/// Reservation with `k` in queue `a`, longest idle in the others.
pub fn choice(k: usize, full: bool) -> PolicyChoice {
    let name = format!("{}-k{k}", if full { "full" } else { "arrival-only" });
    PolicyChoice::Custom(
        name,
        Arc::new(move |queue: &str| -> Box<dyn RoutingPolicy> {
            if queue == "a" {
                Box::new(TrunkReservation { k, full })
            } else {
                Box::new(LongestIdle)
            }
        }),
    )
}

/// The N-design scenario of the standard set.
pub fn n_design() -> Result<Scenario, hotline_sim::ScenarioError> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join("n-design.toml");
    Scenario::from_file(&path)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scenario = n_design()?;
    let replications = 20;
    println!("N-design, {replications} replications, seed 1, same calls for every k and form");
    println!(
        "{:>3} {:>22} {:>22} {:>22} {:>22}",
        "k", "A SL % (full)", "B SL % (full)", "A SL % (arrival only)", "B SL % (arrival only)"
    );
    for k in 0..=8 {
        let mut cells = Vec::new();
        for full in [true, false] {
            let options = RunOptions::new().replications(replications).policy(choice(k, full));
            let report = run(&scenario, &options)?;
            for queue in ["a", "b"] {
                let sl = report.queues[queue].service_level.expect("calls were offered");
                cells.push(format!("{:.1} ± {:.1}", 100.0 * sl.mean, 100.0 * sl.ci95));
            }
        }
        println!("{k:>3} {:>22} {:>22} {:>22} {:>22}", cells[0], cells[1], cells[2], cells[3]);
    }
    Ok(())
}
