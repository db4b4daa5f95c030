//! Replications in parallel and the report with confidence intervals.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{Outcome, PolicyChoice, Tally, run_replication};
use crate::stats::{Estimate, jain_index};

/// How to run a scenario: `RunOptions::new().seed(7).replications(100)`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RunOptions {
    /// Base seed: replication `r` uses streams keyed by `(seed, r, ...)`.
    pub seed: u64,
    /// Number of replications.
    pub replications: usize,
    /// The routing policy.
    pub policy: PolicyChoice,
    /// Worker threads (0: one per core). The output does not depend on it.
    pub threads: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { seed: 1, replications: 30, policy: PolicyChoice::Configured, threads: 0 }
    }
}

impl RunOptions {
    /// Seed 1, 30 replications, the configured policies, one thread per core.
    pub fn new() -> Self {
        RunOptions::default()
    }

    /// Sets the base seed.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the number of replications.
    #[must_use]
    pub fn replications(mut self, replications: usize) -> Self {
        self.replications = replications;
        self
    }

    /// Sets the routing policy.
    #[must_use]
    pub fn policy(mut self, policy: PolicyChoice) -> Self {
        self.policy = policy;
        self
    }

    /// Sets the number of worker threads (0: one per core).
    #[must_use]
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }
}

/// Runs every replication (in parallel) and returns their outcomes in replication order.
/// `progress` is called with the number of replications finished so far.
///
/// # Errors
///
/// The first replication's error, if the engine rejects the configuration.
pub fn run_replications(
    scenario: &Scenario,
    options: &RunOptions,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Outcome>, ScenarioError> {
    let n = options.replications;
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |c| c.get()),
        t => t,
    }
    .clamp(1, n.max(1));
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Outcome, ScenarioError>>>> =
        Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let r = next.fetch_add(1, Ordering::Relaxed);
                    if r >= n {
                        break;
                    }
                    let outcome =
                        run_replication(scenario, &options.policy, options.seed, r as u64);
                    if let Ok(mut slots) = results.lock() {
                        slots[r] = Some(outcome);
                    }
                    progress(done.fetch_add(1, Ordering::Relaxed) + 1);
                }
            });
        }
    });
    let slots = results.into_inner().unwrap_or_else(|e| e.into_inner());
    slots
        .into_iter()
        .map(|s| {
            s.unwrap_or_else(|| {
                Err(ScenarioError::Invalid {
                    place: "replication".to_owned(),
                    message: "did not finish".to_owned(),
                })
            })
        })
        .collect()
}

/// KPIs of one queue (or of the whole center), each an [`Estimate`] over the replications
/// (`null` in JSON when no replication had a value, e.g. an ASA without answered calls).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kpis {
    /// Calls offered per replication.
    pub offered: Option<Estimate>,
    /// Fraction of offered calls answered within the queue's threshold.
    pub service_level: Option<Estimate>,
    /// Average speed of answer (mean wait of answered calls), seconds.
    pub asa_s: Option<Estimate>,
    /// Fraction of offered calls abandoned.
    pub abandon_rate: Option<Estimate>,
    /// Mean wait of answered and abandoned calls, seconds.
    pub mean_wait_s: Option<Estimate>,
    /// Fraction of answered or abandoned calls that waited at all.
    pub p_wait: Option<Estimate>,
    /// 90th percentile of the wait, seconds.
    pub p90_wait_s: Option<Estimate>,
    /// 99th percentile of the wait, seconds.
    pub p99_wait_s: Option<Estimate>,
    /// Fraction of offered calls that left through a voicemail or busy exit.
    pub exit_rate: Option<Estimate>,
    /// Fraction of offered calls that overflowed.
    pub overflow_rate: Option<Estimate>,
    /// Occupancy of the agents who are members of the queue (all agents for `overall`).
    pub occupancy: Option<Estimate>,
    /// Estimated-wait-time error of answered calls that waited: mean of (actual − estimate),
    /// seconds, with hotline-acd's estimate taken at arrival.
    pub ewt_error_s: Option<Estimate>,
    /// Mean absolute estimated-wait-time error, seconds.
    pub ewt_abs_error_s: Option<Estimate>,
}

fn ratio(a: f64, b: u64) -> f64 {
    if b == 0 { f64::NAN } else { a / b as f64 }
}

impl Kpis {
    fn from(tallies: &[&Tally], occupancy: &[f64]) -> Kpis {
        let est = |f: &dyn Fn(&Tally) -> f64| {
            Estimate::from_values(&tallies.iter().map(|t| f(t)).collect::<Vec<f64>>())
        };
        let ended = |t: &Tally| t.answered + t.abandoned;
        Kpis {
            offered: est(&|t| t.offered as f64),
            service_level: est(&|t| ratio(t.answered_within as f64, t.offered)),
            asa_s: est(&|t| ratio(t.answered_wait, t.answered)),
            abandon_rate: est(&|t| ratio(t.abandoned as f64, t.offered)),
            mean_wait_s: est(&|t| ratio(t.total_wait, ended(t))),
            p_wait: est(&|t| ratio(t.waited as f64, ended(t))),
            p90_wait_s: est(&|t| t.waits.quantile(0.9).unwrap_or(f64::NAN)),
            p99_wait_s: est(&|t| t.waits.quantile(0.99).unwrap_or(f64::NAN)),
            exit_rate: est(&|t| ratio(t.exited as f64, t.offered)),
            overflow_rate: est(&|t| ratio(t.overflowed as f64, t.offered)),
            occupancy: Estimate::from_values(occupancy),
            ewt_error_s: est(&|t| ratio(t.ewt_error, t.estimated)),
            ewt_abs_error_s: est(&|t| ratio(t.ewt_abs_error, t.estimated)),
        }
    }
}

/// One agent group's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupKpis {
    /// Busy (talking and wrap-up) over available time, between warm-up and horizon.
    pub occupancy: Option<Estimate>,
    /// Jain's fairness index of the group's agents' occupancies (1: perfectly even).
    pub fairness_jain: Option<Estimate>,
    /// Spread (max − min) of the group's agents' occupancies.
    pub occupancy_spread: Option<Estimate>,
}

/// The report of a run: what `hotline sim run --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The scenario's name.
    pub scenario: String,
    /// The policy (`configured` when each queue keeps its own).
    pub policy: String,
    /// Base seed.
    pub seed: u64,
    /// Replications.
    pub replications: usize,
    /// Per queue.
    pub queues: BTreeMap<String, Kpis>,
    /// All queues together.
    pub overall: Kpis,
    /// Per agent group.
    pub groups: BTreeMap<String, GroupKpis>,
    /// Jain's fairness index over all agents' occupancies.
    pub fairness_jain: Option<Estimate>,
    /// Events simulated, all replications together.
    pub events: u64,
    /// Wall-clock seconds (the only field that differs between runs with the same seed).
    pub wall_s: f64,
}

impl Report {
    /// Summarises replication outcomes (in replication order).
    pub fn new(
        scenario: &Scenario,
        options: &RunOptions,
        outcomes: &[Outcome],
        wall_s: f64,
    ) -> Report {
        let config = scenario.acd_config(None, 0);
        let occupancy_of = |o: &Outcome, member: &dyn Fn(usize) -> bool| {
            let (mut busy, mut open) = (0.0, 0.0);
            for (a, &occ) in o.agent_occupancy.iter().enumerate() {
                if member(a) && occ.is_finite() {
                    // Recover busy/open weights: occupancy is averaged by available time.
                    let w = o.agent_open.get(a).copied().unwrap_or(1.0);
                    busy += occ * w;
                    open += w;
                }
            }
            if open > 0.0 { busy / open } else { f64::NAN }
        };
        let mut queues = BTreeMap::new();
        for (qi, q) in config.queues.iter().enumerate() {
            let members: Vec<bool> =
                config.agents.iter().map(|a| a.queues.iter().any(|m| m.queue == q.name)).collect();
            let tallies: Vec<&Tally> = outcomes.iter().map(|o| &o.queues[qi]).collect();
            let occ: Vec<f64> = outcomes
                .iter()
                .map(|o| occupancy_of(o, &|a| members.get(a).copied().unwrap_or(false)))
                .collect();
            queues.insert(q.name.clone(), Kpis::from(&tallies, &occ));
        }
        let tallies: Vec<&Tally> = outcomes.iter().map(|o| &o.overall).collect();
        let occ: Vec<f64> = outcomes.iter().map(|o| occupancy_of(o, &|_| true)).collect();
        let overall = Kpis::from(&tallies, &occ);
        let mut groups = BTreeMap::new();
        let mut first = scenario.acd.agents.len();
        for (g, spec) in scenario.agent_groups.iter().enumerate() {
            let range = first..first + spec.count;
            first += spec.count;
            let occupancy = Estimate::from_values(
                &outcomes.iter().map(|o| o.groups[g].0 / o.groups[g].1).collect::<Vec<f64>>(),
            );
            let per = |f: &dyn Fn(&[f64]) -> Option<f64>| {
                Estimate::from_values(
                    &outcomes
                        .iter()
                        .map(|o| {
                            let xs: Vec<f64> = o.agent_occupancy[range.clone()]
                                .iter()
                                .copied()
                                .filter(|x| x.is_finite())
                                .collect();
                            f(&xs).unwrap_or(f64::NAN)
                        })
                        .collect::<Vec<f64>>(),
                )
            };
            groups.insert(
                spec.name.clone(),
                GroupKpis {
                    occupancy,
                    fairness_jain: per(&jain_index),
                    occupancy_spread: per(&|xs: &[f64]| {
                        let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                        let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
                        (!xs.is_empty()).then_some(max - min)
                    }),
                },
            );
        }
        let fairness_jain = Estimate::from_values(
            &outcomes
                .iter()
                .map(|o| {
                    let xs: Vec<f64> =
                        o.agent_occupancy.iter().copied().filter(|x| x.is_finite()).collect();
                    jain_index(&xs).unwrap_or(f64::NAN)
                })
                .collect::<Vec<f64>>(),
        );
        Report {
            scenario: scenario.name.clone(),
            policy: options.policy.label(),
            seed: options.seed,
            replications: outcomes.len(),
            queues,
            overall,
            groups,
            fairness_jain,
            events: outcomes.iter().map(|o| o.events).sum(),
            wall_s,
        }
    }
}

/// Runs a scenario and summarises it.
///
/// # Errors
///
/// As [`run_replications`].
pub fn run(scenario: &Scenario, options: &RunOptions) -> Result<Report, ScenarioError> {
    run_with_progress(scenario, options, &|_| {})
}

/// Runs a scenario and summarises it, calling `progress` as replications finish.
///
/// # Errors
///
/// As [`run_replications`].
pub fn run_with_progress(
    scenario: &Scenario,
    options: &RunOptions,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Report, ScenarioError> {
    let start = std::time::Instant::now();
    let outcomes = run_replications(scenario, options, progress)?;
    Ok(Report::new(scenario, options, &outcomes, start.elapsed().as_secs_f64()))
}
