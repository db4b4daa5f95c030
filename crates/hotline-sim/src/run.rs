//! Replications in parallel and the report with confidence intervals.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{
    CallRecord, Outcome, PolicyChoice, Tally, run_replication, run_replication_streaming,
};
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
    /// The index of the first replication: replications `first_replication..first_replication +
    /// replications` run, so that `first_replication(r).replications(1)` runs replication `r`
    /// of a larger run again, alone.
    pub first_replication: u64,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            seed: 1,
            replications: 30,
            policy: PolicyChoice::Configured,
            threads: 0,
            first_replication: 0,
        }
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

    /// Starts at replication `first` (see [`RunOptions::first_replication`]).
    #[must_use]
    pub fn first_replication(mut self, first: u64) -> Self {
        self.first_replication = first;
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
/// Every outcome is kept (each with its wait histograms, about 120 kB a queue): for many
/// replications use [`run`] or [`run_each`], which keep only what the report needs.
///
/// # Errors
///
/// The first replication's error, if the engine rejects the configuration.
pub fn run_replications(
    scenario: &Scenario,
    options: &RunOptions,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Outcome>, ScenarioError> {
    run_each(scenario, options, progress, &|_, o| o)
}

/// Runs every replication (in parallel), reduces each outcome with `reduce(replication,
/// outcome)` as soon as it finishes, and returns the reductions in replication order: memory
/// holds one outcome per worker thread and one reduction per replication.
///
/// # Errors
///
/// The first replication's error, if the engine rejects the configuration.
pub fn run_each<T: Send>(
    scenario: &Scenario,
    options: &RunOptions,
    progress: &(dyn Fn(usize) + Sync),
    reduce: &(dyn Fn(u64, Outcome) -> T + Sync),
) -> Result<Vec<T>, ScenarioError> {
    run_parallel(options, progress, &|replication| {
        run_replication(scenario, &options.policy, options.seed, replication)
            .map(|o| reduce(replication, o))
    })
}

/// As [`run_each`], also giving `reduce` the [`CallRecord`]s of the replication (every call the
/// KPIs count, in the order they left): for exporting records (`hotline sim run --records`).
/// One replication's records are held at a time per worker.
///
/// # Errors
///
/// As [`run_each`].
pub fn run_each_with_records<T: Send>(
    scenario: &Scenario,
    options: &RunOptions,
    progress: &(dyn Fn(usize) + Sync),
    reduce: &(dyn Fn(u64, Outcome, Vec<CallRecord>) -> T + Sync),
) -> Result<Vec<T>, ScenarioError> {
    run_parallel(options, progress, &|replication| {
        let mut records = Vec::new();
        run_replication_streaming(scenario, &options.policy, options.seed, replication, &mut |r| {
            records.push(*r)
        })
        .map(|o| reduce(replication, o, records))
    })
}

/// Runs `one(replication)` for every replication of `options` on its worker threads and
/// returns the results in replication order.
fn run_parallel<T: Send>(
    options: &RunOptions,
    progress: &(dyn Fn(usize) + Sync),
    one: &(dyn Fn(u64) -> Result<T, ScenarioError> + Sync),
) -> Result<Vec<T>, ScenarioError> {
    let n = options.replications;
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |c| c.get()),
        t => t,
    }
    .clamp(1, n.max(1));
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<T, ScenarioError>>>> =
        Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let r = next.fetch_add(1, Ordering::Relaxed);
                    if r >= n {
                        break;
                    }
                    let outcome = one(options.first_replication.saturating_add(r as u64));
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
        .enumerate()
        .map(|(r, s)| s.unwrap_or(Err(ScenarioError::Unfinished { replication: r as u64 })))
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

/// One replication's value of each KPI of one queue (or of the whole center): the KPI
/// definitions, in one place. `NaN` where the replication has no value (an ASA without answered
/// calls); [`Kpis`] leaves those replications out.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KpiValues {
    /// Calls offered (retrials included).
    pub offered: f64,
    /// Answered within the queue's threshold ÷ offered.
    pub service_level: f64,
    /// Mean wait of answered calls, seconds.
    pub asa_s: f64,
    /// Abandoned ÷ offered.
    pub abandon_rate: f64,
    /// Mean wait of answered and abandoned calls, seconds.
    pub mean_wait_s: f64,
    /// Answered or abandoned after a positive wait ÷ answered or abandoned.
    pub p_wait: f64,
    /// 90th percentile of the waits of answered and abandoned calls, seconds.
    pub p90_wait_s: f64,
    /// 99th percentile, seconds.
    pub p99_wait_s: f64,
    /// Voicemail or busy exits ÷ offered.
    pub exit_rate: f64,
    /// Overflowed ÷ offered.
    pub overflow_rate: f64,
    /// Busy ÷ available time of the member agents.
    pub occupancy: f64,
    /// Mean (actual − estimated) wait of answered calls that had an estimate, seconds.
    pub ewt_error_s: f64,
    /// Mean |actual − estimated| wait, seconds.
    pub ewt_abs_error_s: f64,
}

impl KpiValues {
    /// The KPIs of one replication's tally, with the member agents' occupancy.
    pub fn from_tally(t: &Tally, occupancy: f64) -> KpiValues {
        let ended = t.answered + t.abandoned;
        KpiValues {
            offered: t.offered as f64,
            service_level: ratio(t.answered_within as f64, t.offered),
            asa_s: ratio(t.answered_wait, t.answered),
            abandon_rate: ratio(t.abandoned as f64, t.offered),
            mean_wait_s: ratio(t.total_wait, ended),
            p_wait: ratio(t.waited as f64, ended),
            p90_wait_s: t.waits.quantile(0.9).unwrap_or(f64::NAN),
            p99_wait_s: t.waits.quantile(0.99).unwrap_or(f64::NAN),
            exit_rate: ratio(t.exited as f64, t.offered),
            overflow_rate: ratio(t.overflowed as f64, t.offered),
            occupancy,
            ewt_error_s: ratio(t.ewt_error, t.estimated),
            ewt_abs_error_s: ratio(t.ewt_abs_error, t.estimated),
        }
    }

    /// Every KPI by its JSON name, in the report's order.
    pub fn named(&self) -> [(&'static str, f64); 13] {
        [
            ("offered", self.offered),
            ("service_level", self.service_level),
            ("asa_s", self.asa_s),
            ("abandon_rate", self.abandon_rate),
            ("mean_wait_s", self.mean_wait_s),
            ("p_wait", self.p_wait),
            ("p90_wait_s", self.p90_wait_s),
            ("p99_wait_s", self.p99_wait_s),
            ("exit_rate", self.exit_rate),
            ("overflow_rate", self.overflow_rate),
            ("occupancy", self.occupancy),
            ("ewt_error_s", self.ewt_error_s),
            ("ewt_abs_error_s", self.ewt_abs_error_s),
        ]
    }
}

impl Kpis {
    /// Estimates over replications from each replication's values.
    pub fn from_values(values: &[&KpiValues]) -> Kpis {
        let est = |f: &dyn Fn(&KpiValues) -> f64| {
            Estimate::from_values(&values.iter().map(|v| f(v)).collect::<Vec<f64>>())
        };
        Kpis {
            offered: est(&|v| v.offered),
            service_level: est(&|v| v.service_level),
            asa_s: est(&|v| v.asa_s),
            abandon_rate: est(&|v| v.abandon_rate),
            mean_wait_s: est(&|v| v.mean_wait_s),
            p_wait: est(&|v| v.p_wait),
            p90_wait_s: est(&|v| v.p90_wait_s),
            p99_wait_s: est(&|v| v.p99_wait_s),
            exit_rate: est(&|v| v.exit_rate),
            overflow_rate: est(&|v| v.overflow_rate),
            occupancy: est(&|v| v.occupancy),
            ewt_error_s: est(&|v| v.ewt_error_s),
            ewt_abs_error_s: est(&|v| v.ewt_abs_error_s),
        }
    }

    /// Estimates over replications from their tallies and member occupancies (in the same
    /// order).
    pub fn from_tallies(tallies: &[&Tally], occupancy: &[f64]) -> Kpis {
        let values: Vec<KpiValues> = tallies
            .iter()
            .enumerate()
            .map(|(i, t)| KpiValues::from_tally(t, occupancy.get(i).copied().unwrap_or(f64::NAN)))
            .collect();
        Kpis::from_values(&values.iter().collect::<Vec<_>>())
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

/// One replication reduced to what a [`Report`] needs: a few numbers per queue and agent group
/// (what [`run`] keeps of each replication, so that memory does not grow with its histograms
/// and per-agent figures), and what paired comparisons pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReplicationKpis {
    /// The replication's index.
    pub replication: u64,
    /// Per queue, in configuration order.
    pub queues: Vec<KpiValues>,
    /// Per call type, in scenario order.
    pub call_types: Vec<KpiValues>,
    /// All queues together.
    pub overall: KpiValues,
    /// Per agent group: occupancy, Jain's index and occupancy spread of its agents.
    pub groups: Vec<[f64; 3]>,
    /// Jain's index over all agents' occupancies.
    pub fairness_jain: f64,
    /// Events simulated.
    pub events: u64,
}

/// What summarising a replication needs to know of the scenario, computed once a run.
struct Layout {
    /// Per queue, per agent: whether the agent is a member.
    members: Vec<Vec<bool>>,
    /// Per call type, its queue.
    queue_of_type: Vec<usize>,
    /// Per agent group, its agents' index range.
    groups: Vec<std::ops::Range<usize>>,
}

impl Layout {
    fn new(scenario: &Scenario) -> Layout {
        let config = scenario.acd_config(None, 0);
        let members = config
            .queues
            .iter()
            .map(|q| {
                config.agents.iter().map(|a| a.queues.iter().any(|m| m.queue == q.name)).collect()
            })
            .collect();
        let mut first = scenario.acd.agents.len();
        let groups = scenario
            .agent_groups
            .iter()
            .map(|g| {
                let range = first..first + g.count;
                first += g.count;
                range
            })
            .collect();
        let queue_of_type = scenario
            .call_types
            .iter()
            .map(|c| config.queues.iter().position(|q| q.name == c.queue).unwrap_or(0))
            .collect();
        Layout { members, queue_of_type, groups }
    }

    fn summarise(&self, replication: u64, o: &Outcome) -> ReplicationKpis {
        let occupancy_of = |member: &dyn Fn(usize) -> bool| {
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
        let queues: Vec<KpiValues> = self
            .members
            .iter()
            .zip(&o.queues)
            .map(|(members, t)| {
                let occ = occupancy_of(&|a| members.get(a).copied().unwrap_or(false));
                KpiValues::from_tally(t, occ)
            })
            .collect();
        // A call type's occupancy is its queue's members'; a call type alone in its queue has
        // its queue's KPIs.
        let call_types = if o.call_types.is_empty() {
            self.queue_of_type.iter().filter_map(|&q| queues.get(q).copied()).collect()
        } else {
            o.call_types
                .iter()
                .zip(&self.queue_of_type)
                .map(|(t, &q)| {
                    KpiValues::from_tally(t, queues.get(q).map_or(f64::NAN, |v| v.occupancy))
                })
                .collect()
        };
        let overall = KpiValues::from_tally(&o.overall, occupancy_of(&|_| true));
        let groups = self
            .groups
            .iter()
            .enumerate()
            .map(|(g, range)| {
                let xs: Vec<f64> = o.agent_occupancy[range.clone()]
                    .iter()
                    .copied()
                    .filter(|x| x.is_finite())
                    .collect();
                let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
                [
                    o.groups[g].0 / o.groups[g].1,
                    jain_index(&xs).unwrap_or(f64::NAN),
                    if xs.is_empty() { f64::NAN } else { max - min },
                ]
            })
            .collect();
        let all: Vec<f64> = o.agent_occupancy.iter().copied().filter(|x| x.is_finite()).collect();
        ReplicationKpis {
            replication,
            queues,
            call_types,
            overall,
            groups,
            fairness_jain: jain_index(&all).unwrap_or(f64::NAN),
            events: o.events,
        }
    }
}

/// The report of a run: what `hotline sim run --json` prints. Everything in it follows from
/// the scenario, the options and the crate version: the same inputs give the same bytes on any
/// machine and with any number of threads (wall-clock time is the caller's to measure).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The scenario's name.
    pub scenario: String,
    /// SHA-256 of the scenario as it was run (its canonical TOML, with CSV data read in), hex.
    pub scenario_sha256: String,
    /// The hotline-sim version that produced the report.
    pub version: String,
    /// The policy (`configured` when each queue keeps its own).
    pub policy: String,
    /// Base seed.
    pub seed: u64,
    /// The index of the first replication (0 unless one replication was run again alone).
    pub first_replication: u64,
    /// Replications.
    pub replications: usize,
    /// Per queue.
    pub queues: BTreeMap<String, Kpis>,
    /// Per call type (the classes of an N or W design).
    pub call_types: BTreeMap<String, Kpis>,
    /// All queues together.
    pub overall: Kpis,
    /// Per agent group.
    pub groups: BTreeMap<String, GroupKpis>,
    /// Jain's fairness index over all agents' occupancies.
    pub fairness_jain: Option<Estimate>,
    /// Events simulated, all replications together.
    pub events: u64,
}

impl Report {
    /// Summarises replication outcomes (in replication order).
    pub fn new(scenario: &Scenario, options: &RunOptions, outcomes: &[Outcome]) -> Report {
        let layout = Layout::new(scenario);
        let reps: Vec<ReplicationKpis> = outcomes
            .iter()
            .enumerate()
            .map(|(r, o)| layout.summarise(options.first_replication + r as u64, o))
            .collect();
        Report::from_replications(scenario, options, &reps)
    }

    /// Summarises replications already reduced (in replication order).
    pub fn from_replications(
        scenario: &Scenario,
        options: &RunOptions,
        reps: &[ReplicationKpis],
    ) -> Report {
        let mut queues = BTreeMap::new();
        for (qi, q) in scenario.acd.queues.iter().enumerate() {
            let values: Vec<&KpiValues> = reps.iter().filter_map(|r| r.queues.get(qi)).collect();
            queues.insert(q.name.clone(), Kpis::from_values(&values));
        }
        let mut call_types = BTreeMap::new();
        for (ci, c) in scenario.call_types.iter().enumerate() {
            let values: Vec<&KpiValues> =
                reps.iter().filter_map(|r| r.call_types.get(ci)).collect();
            call_types.insert(c.name.clone(), Kpis::from_values(&values));
        }
        let overall = Kpis::from_values(&reps.iter().map(|r| &r.overall).collect::<Vec<_>>());
        let mut groups = BTreeMap::new();
        for (g, spec) in scenario.agent_groups.iter().enumerate() {
            let per = |k: usize| {
                Estimate::from_values(
                    &reps
                        .iter()
                        .map(|r| r.groups.get(g).map_or(f64::NAN, |v| v[k]))
                        .collect::<Vec<f64>>(),
                )
            };
            groups.insert(
                spec.name.clone(),
                GroupKpis { occupancy: per(0), fairness_jain: per(1), occupancy_spread: per(2) },
            );
        }
        Report {
            scenario: scenario.name.clone(),
            scenario_sha256: scenario.sha256(),
            version: crate::VERSION.to_owned(),
            policy: options.policy.label(),
            seed: options.seed,
            first_replication: options.first_replication,
            replications: reps.len(),
            queues,
            call_types,
            overall,
            groups,
            fairness_jain: Estimate::from_values(
                &reps.iter().map(|r| r.fairness_jain).collect::<Vec<f64>>(),
            ),
            events: reps.iter().map(|r| r.events).sum(),
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

/// Runs a scenario and summarises it, calling `progress` as replications finish. Each
/// replication is reduced to its [`ReplicationKpis`] as it finishes, so memory stays small
/// however many replications run.
///
/// # Errors
///
/// As [`run_replications`].
pub fn run_with_progress(
    scenario: &Scenario,
    options: &RunOptions,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Report, ScenarioError> {
    let reps = run_summarised(scenario, options, progress)?;
    Ok(Report::from_replications(scenario, options, &reps))
}

/// Runs a scenario and returns each replication reduced to its [`ReplicationKpis`].
///
/// # Errors
///
/// As [`run_replications`].
pub fn run_summarised(
    scenario: &Scenario,
    options: &RunOptions,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<ReplicationKpis>, ScenarioError> {
    let layout = Layout::new(scenario);
    run_each(scenario, options, progress, &|r, o| layout.summarise(r, &o))
}

/// As [`run_with_progress`], also giving `records(replication, records)` each replication's
/// [`CallRecord`]s as it finishes (from the worker threads, so not in replication order).
///
/// # Errors
///
/// As [`run_replications`].
pub fn run_with_records(
    scenario: &Scenario,
    options: &RunOptions,
    progress: &(dyn Fn(usize) + Sync),
    records: &(dyn Fn(u64, Vec<CallRecord>) + Sync),
) -> Result<Report, ScenarioError> {
    let layout = Layout::new(scenario);
    let reps = run_each_with_records(scenario, options, progress, &|r, o, calls| {
        records(r, calls);
        layout.summarise(r, &o)
    })?;
    Ok(Report::from_replications(scenario, options, &reps))
}

/// A paired difference (policy − baseline) of one KPI over common random numbers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Difference {
    /// Mean of the per-replication differences.
    pub mean: f64,
    /// Half-width of its 95% Student-t interval.
    pub ci95: f64,
    /// Whether the interval excludes zero.
    pub significant: bool,
    /// Replications in which both runs had a value.
    pub n: usize,
}

impl Difference {
    /// The paired difference of per-replication values `a − b` (pairs with a `NaN` left out).
    pub fn paired(a: &[f64], b: &[f64]) -> Option<Difference> {
        let diffs: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
        Estimate::from_values(&diffs).map(|e| Difference {
            mean: e.mean,
            ci95: e.ci95,
            significant: e.mean.abs() > e.ci95,
            n: e.n,
        })
    }
}

/// Policies compared on the same calls (common random numbers: replication *r* of every
/// policy sees the same arrivals, handle times and patience), with paired differences from
/// the first, per queue and overall. What `hotline sim compare --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Comparison {
    /// The scenario's name.
    pub scenario: String,
    /// SHA-256 of the scenario as run.
    pub scenario_sha256: String,
    /// The hotline-sim version.
    pub version: String,
    /// Base seed.
    pub seed: u64,
    /// Replications per policy.
    pub replications: usize,
    /// The baseline policy (the first).
    pub baseline: String,
    /// Each policy's report, in the order given.
    pub reports: Vec<Report>,
    /// For each policy but the baseline: section (a queue's name, or `overall`) → KPI →
    /// paired difference from the baseline.
    pub differences: BTreeMap<String, BTreeMap<String, BTreeMap<String, Difference>>>,
    /// For each policy but the baseline: call type → KPI → paired difference.
    pub call_type_differences: BTreeMap<String, BTreeMap<String, BTreeMap<String, Difference>>>,
}

/// Runs every policy in `policies` with `options` (its policy is ignored) on the same calls and
/// compares them with the first.
///
/// # Errors
///
/// As [`run_replications`], and [`ScenarioError::Invalid`] for an empty list of policies.
pub fn compare(
    scenario: &Scenario,
    options: &RunOptions,
    policies: &[PolicyChoice],
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Comparison, ScenarioError> {
    let Some(first) = policies.first() else {
        return Err(ScenarioError::Invalid {
            place: "policies".to_owned(),
            message: "at least one policy is needed".to_owned(),
        });
    };
    let mut runs = Vec::new();
    for policy in policies {
        let options = options.clone().policy(policy.clone());
        let reps = run_summarised(scenario, &options, progress)?;
        let report = Report::from_replications(scenario, &options, &reps);
        runs.push((reps, report));
    }
    let base = &runs[0].0;
    let mut differences = BTreeMap::new();
    let mut call_type_differences = BTreeMap::new();
    for (reps, report) in &runs[1..] {
        let paired = |pick: &dyn Fn(&ReplicationKpis) -> Option<KpiValues>| {
            let mut kpis = BTreeMap::new();
            for k in 0..13 {
                let values = |rs: &[ReplicationKpis]| -> Vec<f64> {
                    rs.iter().map(|r| pick(r).map_or(f64::NAN, |v| v.named()[k].1)).collect()
                };
                let key = KpiValues::from_tally(&Tally::default(), 0.0).named()[k].0;
                if let Some(d) = Difference::paired(&values(reps), &values(base)) {
                    kpis.insert(key.to_owned(), d);
                }
            }
            kpis
        };
        let mut sections = BTreeMap::new();
        for (qi, q) in scenario.acd.queues.iter().enumerate() {
            sections.insert(q.name.clone(), paired(&|r| r.queues.get(qi).copied()));
        }
        sections.insert("overall".to_owned(), paired(&|r| Some(r.overall)));
        differences.insert(report.policy.clone(), sections);
        let mut types = BTreeMap::new();
        for (ci, c) in scenario.call_types.iter().enumerate() {
            types.insert(c.name.clone(), paired(&|r| r.call_types.get(ci).copied()));
        }
        call_type_differences.insert(report.policy.clone(), types);
    }
    Ok(Comparison {
        scenario: scenario.name.clone(),
        scenario_sha256: scenario.sha256(),
        version: crate::VERSION.to_owned(),
        seed: options.seed,
        replications: options.replications,
        baseline: first.label(),
        reports: runs.into_iter().map(|(_, r)| r).collect(),
        differences,
        call_type_differences,
    })
}
