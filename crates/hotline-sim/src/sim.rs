//! One replication: the discrete-event loop that drives a real [`hotline_acd::Acd`] under
//! virtual time.
//!
//! The simulator owns the callers and the agents' behaviour (arrivals, patience, talking, not
//! answering, shifts); every routing decision is the engine's. Events are kept in four-ary
//! heaps ordered by (time, sequence number) packed in one 128-bit key, so simultaneous events
//! are handled in the order they were scheduled and a run is fully deterministic: one heap holds
//! each call type's next arrival, another every other event, and the loop takes the earlier
//! head. A caller's abandonment is scheduled only if the call is still waiting once its arrival
//! has been played out (most calls of a well-staffed queue are answered at once and would leave
//! a stale event). The engine's own timers (wrap-up ends, overflow steps, ring time-outs, ...)
//! are taken from [`Acd::poll_timeout`](hotline_acd::Acd::poll_timeout) and handled before any
//! simulator event at the same time.

use std::sync::Arc;
use std::time::Duration;

use hotline_acd::{
    Acd, Action, AgentId, AgentRequest, AgentStateChange, CallEnd, CallId, Event, ExitTarget,
    NewCall, PolicyName, QueueLoad, QueueSelection, Requirement, RoutingPolicy, SkillNeed,
    StateKind,
};

use serde::{Deserialize, Serialize};

use crate::rng::{Purpose, Stream, stream_key};
use crate::scenario::{Scenario, ScenarioError};
use crate::stats::WaitHistogram;

/// Builds a fresh routing policy for one queue (by name), for each replication.
pub type PolicyFactory = Arc<dyn Fn(&str) -> Box<dyn RoutingPolicy> + Send + Sync>;

/// Builds a fresh queue selection (how a freed agent chooses among the admitted calls of its
/// queues), for each replication.
pub type SelectionFactory = Arc<dyn Fn() -> Box<dyn QueueSelection> + Send + Sync>;

/// Which routing policy the queues use.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum PolicyChoice {
    /// As each queue is configured in the scenario.
    #[default]
    Configured,
    /// One built-in policy for every queue.
    Named(PolicyName),
    /// A custom [`RoutingPolicy`] for every queue, built by the factory.
    Custom(String, PolicyFactory),
    /// A custom [`RoutingPolicy`] for every queue and a custom [`QueueSelection`] for the
    /// engine: every routing decision of the engine supplied by the caller.
    CustomWithSelection {
        /// The name shown in reports.
        name: String,
        /// Each queue's policy.
        policy: PolicyFactory,
        /// The queue selection.
        selection: SelectionFactory,
    },
}

impl std::fmt::Debug for PolicyChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PolicyChoice::Configured => f.write_str("Configured"),
            PolicyChoice::Named(p) => write!(f, "Named({p})"),
            PolicyChoice::Custom(name, _) => write!(f, "Custom({name})"),
            PolicyChoice::CustomWithSelection { name, .. } => {
                write!(f, "CustomWithSelection({name})")
            }
        }
    }
}

impl PolicyChoice {
    /// The name shown in reports.
    pub fn label(&self) -> String {
        match self {
            PolicyChoice::Configured => "configured".to_owned(),
            PolicyChoice::Named(p) => p.to_string(),
            PolicyChoice::Custom(name, _) | PolicyChoice::CustomWithSelection { name, .. } => {
                name.clone()
            }
        }
    }
}

/// What one queue (or the whole center) saw in one replication, counting only calls that
/// arrived between the warm-up and the horizon.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Calls offered (retrials included).
    pub offered: u64,
    /// Calls answered.
    pub answered: u64,
    /// Calls abandoned.
    pub abandoned: u64,
    /// Calls that left unanswered through a maximum-wait or queue-full exit (voicemail, busy).
    pub exited: u64,
    /// Calls answered within the queue's service-level threshold.
    pub answered_within: u64,
    /// Calls that had to wait (answered or abandoned after a positive wait).
    pub waited: u64,
    /// Sum of the waits of answered calls, seconds.
    pub answered_wait: f64,
    /// Sum of the waits of answered and abandoned calls, seconds.
    pub total_wait: f64,
    /// Calls that overflowed (an overflow step applied, or answered from another queue).
    pub overflowed: u64,
    /// Answered calls that had a wait estimate when they arrived (hotline-acd's
    /// `estimated_wait`, taken right after the arrival for every call that had to wait).
    pub estimated: u64,
    /// Sum over those calls of (actual wait − estimated wait), seconds.
    pub ewt_error: f64,
    /// Sum over those calls of |actual wait − estimated wait|, seconds.
    pub ewt_abs_error: f64,
    /// Waits of answered and abandoned calls.
    pub waits: WaitHistogram,
}

impl Tally {
    #[inline(always)]
    fn abandon(&mut self, wait: f64, overflowed: bool) {
        self.abandoned += 1;
        self.total_wait += wait;
        self.waited += u64::from(wait > 0.0);
        self.overflowed += u64::from(overflowed);
        self.waits.record(wait);
    }

    #[inline(always)]
    fn answer(&mut self, wait: f64, within: bool, estimate: f64, overflowed: bool) {
        self.answered += 1;
        self.answered_wait += wait;
        self.total_wait += wait;
        self.waited += u64::from(wait > 0.0);
        self.answered_within += u64::from(within);
        if estimate.is_finite() {
            self.estimated += 1;
            self.ewt_error += wait - estimate;
            self.ewt_abs_error += (wait - estimate).abs();
        }
        self.overflowed += u64::from(overflowed);
        self.waits.record(wait);
    }

    #[inline(always)]
    fn exit(&mut self, overflowed: bool) {
        self.exited += 1;
        self.overflowed += u64::from(overflowed);
    }

    fn add(&mut self, o: &Tally) {
        self.offered += o.offered;
        self.answered += o.answered;
        self.abandoned += o.abandoned;
        self.exited += o.exited;
        self.answered_within += o.answered_within;
        self.waited += o.waited;
        self.answered_wait += o.answered_wait;
        self.total_wait += o.total_wait;
        self.overflowed += o.overflowed;
        self.estimated += o.estimated;
        self.ewt_error += o.ewt_error;
        self.ewt_abs_error += o.ewt_abs_error;
        self.waits.merge(&o.waits);
    }
}

/// The raw outcome of one replication.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Per queue, in configuration order.
    pub queues: Vec<Tally>,
    /// All queues together.
    pub overall: Tally,
    /// Per call type, in scenario order, when some queue takes several call types; empty
    /// when every call type has a queue of its own (its tally is then its queue's, in
    /// `queues`), which spares each replication a copy of the wait histograms.
    pub call_types: Vec<Tally>,
    /// Per agent group: (busy seconds, available seconds) between warm-up and horizon.
    pub groups: Vec<(f64, f64)>,
    /// Per agent: occupancy between warm-up and horizon (`NaN` when never available).
    pub agent_occupancy: Vec<f64>,
    /// Per agent: available (busy, ready or ringing) seconds between warm-up and horizon.
    pub agent_open: Vec<f64>,
    /// Events simulated: arrivals, abandonments, service ends, engine state changes (wrap-up
    /// ends) and unanswered rings.
    pub events: u64,
}

/// How a recorded call left the simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Disposition {
    /// An agent answered it.
    Answered,
    /// The caller hung up while waiting (or while an agent's phone rang).
    Abandoned,
    /// It left unanswered through a maximum-wait or queue-full exit (voicemail, busy).
    Exited,
    /// It was still waiting when the simulation ended (no patience and no agent left).
    Unfinished,
}

/// One call, as [`run_replication_streaming`] and [`run_replication_with_records`] record it:
/// every call that arrived between the warm-up and the horizon (the calls the KPIs count), one
/// record per attempt (a retrial is a call of its own), given to the sink when the call is
/// answered, abandoned or exits, or when the run ends with it still waiting.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CallRecord {
    /// The replication.
    pub replication: u64,
    /// The call type (index in the scenario's `call_types`).
    pub call_type: usize,
    /// Arrival time, seconds of simulated time.
    pub arrival_s: f64,
    /// The queue the call type enters (configuration order).
    pub queue: usize,
    /// The queue's load for this caller right after its arrival ([`hotline_acd::Acd::queue_load`]
    /// at the caller's position), for callers who had to wait (`None` for a call offered at
    /// once): give it to any [`hotline_acd::WaitEstimator`] to get that method's estimate at
    /// arrival. Not serialised.
    #[serde(skip)]
    pub load: Option<QueueLoad>,
    /// How the call left.
    pub disposition: Disposition,
    /// The wait until answered, abandoned or exited, seconds (`NaN` for an unfinished call).
    pub wait_s: f64,
    /// Whether the call was answered (`disposition == Answered`).
    pub answered: bool,
    /// The queue it was answered from, when answered (another than `queue` after an overflow).
    pub answered_queue: Option<usize>,
    /// The agent who answered it (hotline-acd's agent index).
    pub agent: Option<u32>,
    /// That agent's group (index in the scenario's `agent_groups`; `None` for an agent listed
    /// in `acd.agents`).
    pub group: Option<usize>,
    /// Its handle time, seconds (the call type's draw divided by the agent group's `speed`).
    pub handle_s: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ev {
    Snapshot(u8),
    Arrival {
        ctype: u16,
        retrial: bool,
    },
    Abandon(u64),
    Callback(u64),
    ServiceEnd(u64),
    RingOut(u64, u32),
    /// Agents `first..first + count` become ready (0), take a break (1) or log out (2).
    Group {
        first: u32,
        count: u32,
        what: u8,
    },
}

/// An entry of the event list, keyed by (time << 64 | sequence number): simultaneous events come
/// out in the order they were scheduled, and an ordering is one 128-bit comparison.
#[derive(Debug, Clone, Copy)]
struct Item {
    key: u128,
    ev: Ev,
}

/// The event list: a four-ary min-heap of [`Item`]s by key. Keys are unique (the sequence
/// number), so events come out in exactly the (time, sequence) order whatever the heap's shape;
/// four children a node halve the depth of a binary heap, and with it the moves of a pop.
#[derive(Debug, Default)]
struct EventList {
    items: Vec<Item>,
}

impl EventList {
    fn push(&mut self, item: Item) {
        let mut i = self.items.len();
        self.items.push(item);
        while i > 0 {
            let parent = (i - 1) / 4;
            if self.items[parent].key <= item.key {
                break;
            }
            self.items[i] = self.items[parent];
            i = parent;
        }
        self.items[i] = item;
    }

    /// The earliest key.
    fn peek_key(&self) -> Option<u128> {
        self.items.first().map(|i| i.key)
    }

    fn pop(&mut self) -> Option<Item> {
        let last = self.items.pop()?;
        let Some(&top) = self.items.first() else { return Some(last) };
        let n = self.items.len();
        let mut i = 0;
        loop {
            let first = 4 * i + 1;
            if first >= n {
                break;
            }
            let (min, min_key) = if let Some(c) = self.items.get(first..first + 4) {
                // Four children (all but the last parent): a two-round tournament.
                let (a, b) = if c[1].key < c[0].key { (1, c[1].key) } else { (0, c[0].key) };
                let (x, y) = if c[3].key < c[2].key { (3, c[3].key) } else { (2, c[2].key) };
                if y < b { (x, y) } else { (a, b) }
            } else {
                let c = &self.items[first..];
                let mut best = (0, c[0].key);
                for (j, item) in c.iter().enumerate().skip(1) {
                    if item.key < best.1 {
                        best = (j, item.key);
                    }
                }
                best
            };
            if last.key <= min_key {
                break;
            }
            self.items[i] = self.items[first + min];
            i = first + min;
        }
        self.items[i] = last;
        Some(top)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Free,
    Waiting,
    Answered,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    generation: u32,
    phase: Phase,
    ctype: u16,
    counted: bool,
    callback: bool,
    overflowed: bool,
    arrival: u64,
    handle: f64,
    estimate: f64,
}

struct TypeRt {
    queue: usize,
    requirement: Requirement,
    language: Option<hotline_acd::SkillId>,
    arrivals: Stream,
    handle: Stream,
    patience: Stream,
    retrial: Stream,
}

fn ns(seconds: f64) -> u64 {
    if seconds.is_nan() || seconds <= 0.0 {
        0
    } else if seconds >= 1.8e10 {
        u64::MAX / 2
    } else {
        round_ns(seconds * 1e9)
    }
}

/// `x.round() as u64` for 0 < x < 1.8e19, without the call to `round` (no rounding
/// instruction in the baseline x86-64 target): for 1 ≤ x < 2^52, x + 0.5 is exact (or rounds
/// across a power of two only where the answer is that power), so truncating it rounds half
/// away from zero exactly as `round` does. Below 1/2 the answer is 0 (x + 0.5 may round up to
/// 1 there); from 2^52 on, x is already whole.
#[inline]
fn round_ns(x: f64) -> u64 {
    const EXACT: f64 = 4_503_599_627_370_496.0; // 2^52
    if x < 0.5 {
        0
    } else if x < EXACT {
        (x + 0.5) as u64
    } else {
        x.round() as u64
    }
}

fn secs(ns: u64) -> f64 {
    ns as f64 * 1e-9
}

fn dur(ns: u64) -> Duration {
    Duration::from_nanos(ns)
}

/// The engine of one replication, with the policy choice installed (every variant of it, in
/// every entry point: before issue 26 the records' entry point left out custom policies).
fn engine(
    scenario: &Scenario,
    policy: &PolicyChoice,
    seed: u64,
    replication: u64,
) -> Result<(hotline_acd::Config, Acd), ScenarioError> {
    let named = match policy {
        PolicyChoice::Named(p) => Some(*p),
        _ => None,
    };
    let mut config = scenario.acd_config(named, stream_key(seed, replication, Purpose::Engine, 0));
    // The simulator reads the engine's cumulative counters, never its interval reports: one
    // interval a year spares it a report of every agent every 15 minutes (for a large center,
    // most of the time and memory of a day).
    config.interval = Duration::from_secs(366 * 86_400);
    let mut acd = Acd::new(&config)?;
    let factory = match policy {
        PolicyChoice::Custom(_, factory) => Some(factory),
        PolicyChoice::CustomWithSelection { policy, selection, .. } => {
            acd.set_queue_selection(selection());
            Some(policy)
        }
        _ => None,
    };
    if let Some(factory) = factory {
        for (i, q) in config.queues.iter().enumerate() {
            acd.set_policy(hotline_acd::QueueId(i as u32), factory(&q.name)).map_err(|e| {
                ScenarioError::Invalid { place: q.name.clone(), message: e.to_string() }
            })?;
        }
    }
    Ok((config, acd))
}

/// Runs replication `replication` of `scenario` with the base `seed` and the policy choice.
///
/// # Errors
///
/// [`ScenarioError::Acd`] when the engine rejects the configuration.
pub fn run_replication(
    scenario: &Scenario,
    policy: &PolicyChoice,
    seed: u64,
    replication: u64,
) -> Result<Outcome, ScenarioError> {
    let (config, mut acd) = engine(scenario, policy, seed, replication)?;
    if matches!(policy, PolicyChoice::Configured | PolicyChoice::Named(_)) {
        // No record carries a queue load and no built-in policy reads the waits history: the
        // engine keeps it only for the queues whose estimator reads it (results unchanged).
        acd.keep_wait_history(false);
    }
    let mut sim = Sim::new(scenario, &config, acd, seed, replication);
    sim.run();
    Ok(sim.finish())
}

/// As [`run_replication`], also returning every agent state change the engine made, in order
/// and with its time (hotline-acd's [`Acd::record_agent_states`] log), starting with each
/// agent's state at time 0; agents are numbered as the engine numbers them (`acd.agents` first,
/// then each group's agents in order). [`plan::interval_adherence`](crate::plan::interval_adherence)
/// compares them with the agents' shifts and breaks. The outcome is the one
/// [`run_replication`] returns (the log changes no decision); [`run_replication`] keeps no log.
///
/// # Errors
///
/// As [`run_replication`].
pub fn run_replication_with_states(
    scenario: &Scenario,
    policy: &PolicyChoice,
    seed: u64,
    replication: u64,
) -> Result<(Outcome, Vec<AgentStateChange>), ScenarioError> {
    let (config, mut acd) = engine(scenario, policy, seed, replication)?;
    if matches!(policy, PolicyChoice::Configured | PolicyChoice::Named(_)) {
        acd.keep_wait_history(false);
    }
    acd.record_agent_states(true);
    let mut sim = Sim::new(scenario, &config, acd, seed, replication);
    sim.run();
    let mut states = Vec::new();
    while let Some(change) = sim.acd.poll_agent_state() {
        states.push(change);
    }
    Ok((sim.finish(), states))
}

/// As [`run_replication`], giving `sink` a [`CallRecord`] of every call the KPIs count as it
/// leaves the simulation (answered, abandoned, exited, or still waiting at the end). Nothing
/// is kept: a sink that writes each record out runs in constant memory. The outcome is the
/// one [`run_replication`] returns.
///
/// # Errors
///
/// As [`run_replication`].
pub fn run_replication_streaming(
    scenario: &Scenario,
    policy: &PolicyChoice,
    seed: u64,
    replication: u64,
    sink: &mut dyn FnMut(&CallRecord),
) -> Result<Outcome, ScenarioError> {
    let (config, acd) = engine(scenario, policy, seed, replication)?;
    let mut sim = Sim::new(scenario, &config, acd, seed, replication);
    sim.sink = Some(sink);
    sim.run();
    Ok(sim.finish())
}

/// As [`run_replication_streaming`], collecting the records (in the order the calls left).
///
/// # Errors
///
/// As [`run_replication`].
pub fn run_replication_with_records(
    scenario: &Scenario,
    policy: &PolicyChoice,
    seed: u64,
    replication: u64,
) -> Result<(Outcome, Vec<CallRecord>), ScenarioError> {
    let mut records = Vec::new();
    let outcome =
        run_replication_streaming(scenario, policy, seed, replication, &mut |r: &CallRecord| {
            records.push(*r)
        })?;
    Ok((outcome, records))
}

struct Sim<'a> {
    scenario: &'a Scenario,
    acd: Acd,
    heap: EventList,
    arrivals: EventList,
    seq: u64,
    slots: Vec<Slot>,
    free: Vec<u32>,
    types: Vec<TypeRt>,
    thresholds: Vec<f64>,
    agent_group: Vec<Option<usize>>,
    no_answer: Vec<Stream>,
    warmup: u64,
    horizon: u64,
    queues: Vec<Tally>,
    snap: Vec<[f64; 2]>,
    busy_open: Vec<[f64; 2]>,
    events: u64,
    early: Vec<Action>,
    /// Where call records go, when they are wanted.
    sink: Option<&'a mut dyn FnMut(&CallRecord)>,
    /// The record of each slot's call while it is in the system (only with a sink).
    pending: Vec<CallRecord>,
    replication: u64,
    /// Per agent, its group's speed factor (1 for an agent listed in `acd.agents`).
    speed: Vec<f64>,
    /// Per call type, when some queue takes several call types (else each call type's tally
    /// is its queue's, copied at the end): empty otherwise.
    by_type: Vec<Tally>,
}

impl<'a> Sim<'a> {
    fn new(
        scenario: &'a Scenario,
        config: &hotline_acd::Config,
        acd: Acd,
        seed: u64,
        rep: u64,
    ) -> Self {
        let types: Vec<TypeRt> = scenario
            .call_types
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let i = i as u64;
                TypeRt {
                    queue: acd.queue_id(&c.queue).map_or(0, |q| q.index()),
                    requirement: Requirement {
                        all_of: c
                            .skills
                            .iter()
                            .filter_map(|(s, &min)| {
                                acd.skill_id(s).map(|skill| SkillNeed { skill, min })
                            })
                            .collect(),
                        any_of: Vec::new(),
                    },
                    language: c.language.as_deref().and_then(|l| acd.language_id(l)),
                    arrivals: Stream::new(seed, rep, Purpose::Arrivals, i),
                    handle: Stream::new(seed, rep, Purpose::Handle, i),
                    patience: Stream::new(seed, rep, Purpose::Patience, i),
                    retrial: Stream::new(seed, rep, Purpose::Retrial, i),
                }
            })
            .collect();
        let explicit = scenario.acd.agents.len();
        let mut agent_group = vec![None; explicit];
        for (g, group) in scenario.agent_groups.iter().enumerate() {
            agent_group.extend(std::iter::repeat_n(Some(g), group.count));
        }
        let n_agents = config.agents.len();
        let speed: Vec<f64> =
            agent_group.iter().map(|g| g.map_or(1.0, |g| scenario.agent_groups[g].speed)).collect();
        let mut sim = Sim {
            scenario,
            thresholds: config.queues.iter().map(|q| q.service_level.as_secs_f64()).collect(),
            queues: vec![Tally::default(); config.queues.len()],
            acd,
            heap: EventList::default(),
            arrivals: EventList::default(),
            seq: 0,
            slots: Vec::new(),
            free: Vec::new(),
            types,
            agent_group,
            no_answer: (0..scenario.agent_groups.len())
                .map(|g| Stream::new(seed, rep, Purpose::NoAnswer, g as u64))
                .collect(),
            warmup: scenario.warmup.as_nanos() as u64,
            horizon: scenario.horizon.as_nanos() as u64,
            snap: vec![[0.0; 2]; n_agents],
            busy_open: vec![[0.0; 2]; n_agents],
            events: 0,
            early: Vec::new(),
            sink: None,
            pending: Vec::new(),
            replication: rep,
            speed,
            by_type: Vec::new(),
        };
        let mut queues_of_types: Vec<usize> = sim.types.iter().map(|t| t.queue).collect();
        queues_of_types.sort_unstable();
        queues_of_types.dedup();
        if queues_of_types.len() < sim.types.len() {
            sim.by_type = sim.types.iter().map(|_| Tally::default()).collect();
        }
        sim.schedule(sim.warmup, Ev::Snapshot(0));
        sim.schedule(sim.horizon, Ev::Snapshot(1));
        for ctype in 0..sim.types.len() {
            sim.schedule_next_arrival(ctype, 0.0);
        }
        let mut first = explicit as u32;
        // One event per group and shift or break edge (not one per agent: a large center's
        // day would otherwise start with hundreds of thousands of events in the list).
        for group in &scenario.agent_groups {
            let count = group.count as u32;
            let ev = |what| Ev::Group { first, count, what };
            for s in &group.shifts {
                if !s.start.is_zero() {
                    sim.schedule(s.start.as_nanos() as u64, ev(0));
                }
                sim.schedule(s.end.as_nanos() as u64, ev(2));
            }
            for b in &group.breaks {
                sim.schedule(b.start.as_nanos() as u64, ev(1));
                sim.schedule(b.end.as_nanos() as u64, ev(0));
            }
            first += count;
        }
        sim
    }

    fn schedule(&mut self, at: u64, ev: Ev) {
        self.seq += 1;
        self.heap.push(Item { key: (u128::from(at) << 64) | u128::from(self.seq), ev });
    }

    /// As [`Sim::schedule`], for a call type's next (first-attempt) arrival: these sit in a
    /// list of their own, at most one per call type, so that the one event every call brings
    /// does not go through the big heap. Keys come from the same sequence, so events come out
    /// in the same order as from one list.
    fn schedule_arrival(&mut self, at: u64, ev: Ev) {
        self.seq += 1;
        self.arrivals.push(Item { key: (u128::from(at) << 64) | u128::from(self.seq), ev });
    }

    fn schedule_next_arrival(&mut self, ctype: usize, from: f64) {
        let arrivals = &self.scenario.call_types[ctype].arrivals;
        let stream = &mut self.types[ctype].arrivals;
        let horizon = secs(self.horizon);
        let mut t = from;
        loop {
            let (rate, change) = arrivals.rate_at(t);
            if rate <= 0.0 {
                if change >= horizon {
                    return;
                }
                t = change;
                continue;
            }
            let next = t + stream.exponential(1.0 / rate);
            if next < change {
                if next < horizon {
                    let ev = Ev::Arrival { ctype: ctype as u16, retrial: false };
                    self.schedule_arrival(ns(next), ev);
                }
                return;
            }
            t = change;
        }
    }

    fn slot_of(&self, call: u64) -> Option<usize> {
        let i = (call & 0xFFFF_FFFF) as usize;
        let s = self.slots.get(i)?;
        (s.generation == (call >> 32) as u32 && s.phase != Phase::Free).then_some(i)
    }

    fn release(&mut self, i: usize) {
        let s = &mut self.slots[i];
        s.phase = Phase::Free;
        s.generation = s.generation.wrapping_add(1);
        self.free.push(i as u32);
    }

    fn run(&mut self) {
        loop {
            // The earlier of the two lists' heads.
            let (key, arrival) = match (self.heap.peek_key(), self.arrivals.peek_key()) {
                (Some(h), Some(a)) => (h.min(a), a < h),
                (Some(h), None) => (h, false),
                (None, Some(a)) => (a, true),
                (None, None) => break,
            };
            let at = (key >> 64) as u64;
            if let Some(timer) = self.acd.poll_timeout() {
                let timer = timer.as_nanos() as u64;
                if timer <= at {
                    self.acd.handle_timeout(dur(timer));
                    self.drain(timer);
                    continue;
                }
            }
            let item = if arrival { self.arrivals.pop() } else { self.heap.pop() };
            let Some(Item { ev, .. }) = item else { break };
            self.step(at, ev);
            self.drain(at);
        }
    }

    fn step(&mut self, now: u64, ev: Ev) {
        match ev {
            Ev::Snapshot(which) => {
                self.acd.handle_timeout(dur(now));
                for a in 0..self.snap.len() {
                    let Some(stats) = self.acd.agent_stats(AgentId(a as u32)) else { continue };
                    let c = &stats.counters;
                    let busy =
                        (c.time_in(StateKind::OnCall) + c.time_in(StateKind::WrapUp)).as_secs_f64();
                    let open = busy
                        + (c.time_in(StateKind::Ready) + c.time_in(StateKind::Offered))
                            .as_secs_f64();
                    if which == 0 {
                        self.snap[a] = [busy, open];
                    } else {
                        self.busy_open[a] = [busy - self.snap[a][0], open - self.snap[a][1]];
                    }
                }
            }
            Ev::Arrival { ctype, retrial } => {
                self.events += 1;
                let c = ctype as usize;
                if !retrial {
                    self.schedule_next_arrival(c, secs(now));
                }
                let ty = &mut self.types[c];
                let spec = &self.scenario.call_types[c];
                let handle = spec.handle.sample(&mut ty.handle);
                let patience =
                    spec.patience.as_ref().map_or(f64::INFINITY, |p| p.sample(&mut ty.patience));
                let counted = now >= self.warmup && now < self.horizon;
                let i = match self.free.pop() {
                    Some(i) => i as usize,
                    None => {
                        self.slots.push(Slot {
                            generation: 0,
                            phase: Phase::Free,
                            ctype: 0,
                            counted: false,
                            callback: false,
                            overflowed: false,
                            arrival: 0,
                            handle: 0.0,
                            estimate: f64::NAN,
                        });
                        self.slots.len() - 1
                    }
                };
                let s = &mut self.slots[i];
                *s = Slot {
                    generation: s.generation,
                    phase: Phase::Waiting,
                    ctype,
                    counted,
                    callback: false,
                    overflowed: false,
                    arrival: now,
                    handle,
                    estimate: f64::NAN,
                };
                let id = (u64::from(s.generation) << 32) | i as u64;
                if counted {
                    self.queues[ty.queue].offered += 1;
                    if let Some(t) = self.by_type.get_mut(c) {
                        t.offered += 1;
                    }
                }
                let mut call = NewCall::new(CallId(id), hotline_acd::QueueId(ty.queue as u32))
                    .priority(spec.priority)
                    .requirement(ty.requirement.clone());
                call.language = ty.language;
                call.kind = u32::from(ctype);
                if let Some(after) = spec.callback_after
                    && spec.callback_probability > 0.0
                {
                    self.schedule(now + after.as_nanos() as u64, Ev::Callback(id));
                }
                // An arrival the engine refuses (it cannot: ids are unique) is dropped.
                if self.acd.handle_event(dur(now), Event::CallArrived(call)).is_err() {
                    self.release(i);
                    return;
                }
                if counted && self.sink.is_some() {
                    if self.pending.len() <= i {
                        self.pending.resize(i + 1, self.blank_record());
                    }
                    self.pending[i] = CallRecord {
                        replication: self.replication,
                        call_type: c,
                        arrival_s: secs(now),
                        queue: self.types[c].queue,
                        ..self.blank_record()
                    };
                }
                if counted && self.acd.poll_action().is_none_or(|a| self.requeue(a)) {
                    // Nothing was offered at once: the caller waits, and the engine's estimate
                    // of its wait is kept to compare with the wait it gets.
                    if let Some(e) = self.acd.estimated_wait(CallId(id)) {
                        self.slots[i].estimate = e.as_secs_f64();
                    }
                    if self.sink.is_some() {
                        let queue = self.types[c].queue;
                        self.pending[i].load = self.acd.position(CallId(id)).and_then(|p| {
                            self.acd.queue_load(hotline_acd::QueueId(queue as u32), p)
                        });
                    }
                }
                // The caller's patience runs out at `now + patience` unless the call is
                // answered first. Most calls of a well-staffed queue are answered at once:
                // the engine's actions are played out now, and the abandonment is scheduled
                // only for a call still waiting or ringing (which saves the event list a
                // push and a pop of a stale event for every call answered at once).
                if patience.is_finite() {
                    self.drain(now);
                    if self.slot_of(id).is_some_and(|i| self.slots[i].phase == Phase::Waiting) {
                        self.schedule(now + ns(patience), Ev::Abandon(id));
                    }
                }
            }
            Ev::Abandon(id) => {
                let Some(i) = self.slot_of(id) else { return };
                let s = self.slots[i];
                if s.phase != Phase::Waiting || s.callback {
                    return;
                }
                if self
                    .acd
                    .handle_event(dur(now), Event::CallerAbandoned { call: CallId(id) })
                    .is_err()
                {
                    return;
                }
                self.events += 1;
                let c = s.ctype as usize;
                if s.counted {
                    let wait = secs(now - s.arrival);
                    self.queues[self.types[c].queue].abandon(wait, s.overflowed);
                    if let Some(t) = self.by_type.get_mut(c) {
                        t.abandon(wait, s.overflowed);
                    }
                }
                if s.counted && self.sink.is_some() {
                    self.emit(i, |r| {
                        r.disposition = Disposition::Abandoned;
                        r.wait_s = secs(now - s.arrival);
                    });
                }
                self.release(i);
                let spec = &self.scenario.call_types[c];
                if spec.retrial_probability > 0.0
                    && self.types[c].retrial.bernoulli(spec.retrial_probability)
                {
                    let delay = spec
                        .retrial_delay
                        .as_ref()
                        .map_or(0.0, |d| d.sample(&mut self.types[c].retrial));
                    let at = now + ns(delay);
                    if at < self.horizon {
                        self.schedule(at, Ev::Arrival { ctype: s.ctype, retrial: true });
                    }
                }
            }
            Ev::Callback(id) => {
                let Some(i) = self.slot_of(id) else { return };
                let s = self.slots[i];
                let spec = &self.scenario.call_types[s.ctype as usize];
                if s.phase == Phase::Waiting
                    && !s.callback
                    && self.types[s.ctype as usize].retrial.bernoulli(spec.callback_probability)
                    && self
                        .acd
                        .handle_event(dur(now), Event::CallbackRequested { call: CallId(id) })
                        .is_ok()
                {
                    self.slots[i].callback = true;
                }
            }
            Ev::ServiceEnd(id) => {
                let Some(i) = self.slot_of(id) else { return };
                self.events += 1;
                let _ = self.acd.handle_event(
                    dur(now),
                    Event::CallEnded {
                        call: CallId(id),
                        end: CallEnd::HungUp,
                        hold: Duration::ZERO,
                    },
                );
                self.release(i);
            }
            Ev::RingOut(id, agent) => {
                if self.slot_of(id).is_some()
                    && self
                        .acd
                        .handle_event(
                            dur(now),
                            Event::OfferTimedOut { call: CallId(id), agent: AgentId(agent) },
                        )
                        .is_ok()
                {
                    self.events += 1;
                }
            }
            Ev::Group { first, count, what } => {
                let state = match what {
                    0 => AgentRequest::Ready,
                    1 => AgentRequest::NotReady(1),
                    _ => AgentRequest::LoggedOut,
                };
                // Agent by agent, each one's consequences (offers) played out before the next.
                for agent in first..first.saturating_add(count) {
                    let event = Event::AgentState { agent: AgentId(agent), state };
                    let _ = self.acd.handle_event(dur(now), event);
                    self.drain(now);
                }
            }
        }
    }

    /// Keeps an action taken early (to look at the arrival's outcome) for [`Sim::drain`];
    /// true when it was not an offer.
    fn requeue(&mut self, action: Action) -> bool {
        let offered = matches!(action, Action::Offer { .. });
        self.early.push(action);
        !offered
    }

    fn drain(&mut self, now: u64) {
        if !self.early.is_empty() {
            let mut early = std::mem::take(&mut self.early);
            for a in early.drain(..) {
                self.act(now, a);
            }
            // Kept (empty) for the next arrival, so that looking at an arrival's first action
            // does not allocate.
            self.early = early;
        }
        // Actions that acting on one action causes join the engine's list behind those already
        // there, so polling one at a time plays them out in the order the engine gave them.
        while let Some(a) = self.acd.poll_action() {
            self.act(now, a);
        }
    }

    fn act(&mut self, now: u64, action: Action) {
        match action {
            Action::Offer { call, agent, queue, .. } => {
                let Some(i) = self.slot_of(call.0) else { return };
                if self.slots[i].phase != Phase::Waiting {
                    return;
                }
                let group = self.agent_group.get(agent.index()).copied().flatten();
                if let Some(g) = group {
                    let spec = &self.scenario.agent_groups[g];
                    if spec.no_answer_probability > 0.0
                        && self.no_answer[g].bernoulli(spec.no_answer_probability)
                    {
                        self.schedule(
                            now + spec.ring_time.as_nanos() as u64,
                            Ev::RingOut(call.0, agent.0),
                        );
                        return;
                    }
                }
                if self.acd.handle_event(dur(now), Event::OfferAccepted { call, agent }).is_err() {
                    return;
                }
                let s = &mut self.slots[i];
                s.phase = Phase::Answered;
                let home = self.types[s.ctype as usize].queue;
                s.overflowed |= queue.index() != home;
                if s.counted {
                    let wait = secs(now - s.arrival);
                    let within = wait <= self.thresholds[home];
                    let (estimate, overflowed, c) = (s.estimate, s.overflowed, s.ctype as usize);
                    self.queues[home].answer(wait, within, estimate, overflowed);
                    if let Some(t) = self.by_type.get_mut(c) {
                        t.answer(wait, within, estimate, overflowed);
                    }
                }
                let s = &self.slots[i];
                // A speed of 1 divides exactly: the handle time is the draw.
                let handle = s.handle / self.speed.get(agent.index()).copied().unwrap_or(1.0);
                if s.counted && self.sink.is_some() {
                    let arrival = s.arrival;
                    self.emit(i, |r| {
                        r.disposition = Disposition::Answered;
                        r.answered = true;
                        r.wait_s = secs(now - arrival);
                        r.answered_queue = Some(queue.index());
                        r.agent = Some(agent.0);
                        r.group = group;
                        r.handle_s = Some(handle);
                    });
                }
                let end = now + ns(handle);
                self.schedule(end, Ev::ServiceEnd(call.0));
            }
            Action::Exit { call, target, .. } => {
                let Some(i) = self.slot_of(call.0) else { return };
                match target {
                    ExitTarget::Callback => self.slots[i].callback = true,
                    ExitTarget::Queue(_) => self.slots[i].overflowed = true,
                    _ => {
                        let s = self.slots[i];
                        if s.counted {
                            let c = s.ctype as usize;
                            self.queues[self.types[c].queue].exit(s.overflowed);
                            if let Some(t) = self.by_type.get_mut(c) {
                                t.exit(s.overflowed);
                            }
                            self.emit(i, |r| {
                                r.disposition = Disposition::Exited;
                                r.wait_s = secs(now - s.arrival);
                            });
                        }
                        self.release(i);
                    }
                }
            }
            Action::Overflow { call, .. } => {
                if let Some(i) = self.slot_of(call.0) {
                    self.slots[i].overflowed = true;
                }
            }
            Action::AgentStateChanged { .. } => self.events += 1,
            _ => {}
        }
    }

    /// A record with nothing filled in.
    fn blank_record(&self) -> CallRecord {
        CallRecord {
            replication: self.replication,
            call_type: 0,
            arrival_s: 0.0,
            queue: 0,
            load: None,
            disposition: Disposition::Unfinished,
            wait_s: f64::NAN,
            answered: false,
            answered_queue: None,
            agent: None,
            group: None,
            handle_s: None,
        }
    }

    /// Completes slot `i`'s record and gives it to the sink (nothing without one).
    fn emit(&mut self, i: usize, fill: impl FnOnce(&mut CallRecord)) {
        let Some(sink) = self.sink.as_mut() else { return };
        if let Some(r) = self.pending.get_mut(i) {
            fill(r);
            sink(r);
        }
    }

    fn finish(mut self) -> Outcome {
        // Calls still waiting at the end (no patience, no agent left) are recorded as such.
        if self.sink.is_some() {
            for i in 0..self.slots.len() {
                let s = self.slots[i];
                if s.phase == Phase::Waiting && s.counted {
                    self.emit(i, |_| {});
                }
            }
        }
        let mut overall = Tally::default();
        for q in &self.queues {
            overall.add(q);
        }
        let mut groups = vec![(0.0, 0.0); self.scenario.agent_groups.len()];
        for (a, g) in self.agent_group.iter().enumerate() {
            if let Some(g) = g {
                groups[*g].0 += self.busy_open[a][0];
                groups[*g].1 += self.busy_open[a][1];
            }
        }
        let call_types = std::mem::take(&mut self.by_type);
        Outcome {
            queues: self.queues,
            overall,
            call_types,
            groups,
            agent_occupancy: self
                .busy_open
                .iter()
                .map(|&[b, o]| if o > 0.0 { b / o } else { f64::NAN })
                .collect(),
            agent_open: self.busy_open.iter().map(|&[_, o]| o).collect(),
            events: self.events,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The four-ary event list gives exactly what the standard binary heap gives, under any
        /// mix of pushes and pops (keys unique, as the sequence numbers make them), at every
        /// size from empty through several levels.
        #[test]
        fn event_list_pops_in_key_order(
            ops in proptest::collection::vec(proptest::option::weighted(0.6, 0u64..50), 0..600),
        ) {
            let mut list = EventList::default();
            let mut reference = std::collections::BinaryHeap::new();
            for (seq, op) in ops.into_iter().enumerate() {
                match op {
                    Some(time) => {
                        let key = (u128::from(time) << 64) | seq as u128;
                        list.push(Item { key, ev: Ev::Abandon(seq as u64) });
                        reference.push(std::cmp::Reverse(key));
                    }
                    None => {
                        let got = list.pop().map(|i| i.key);
                        proptest::prop_assert_eq!(got, reference.pop().map(|r| r.0));
                    }
                }
                proptest::prop_assert_eq!(list.peek_key(), reference.peek().map(|r| r.0));
            }
            while let Some(r) = reference.pop() {
                proptest::prop_assert_eq!(list.pop().map(|i| i.key), Some(r.0));
            }
            proptest::prop_assert!(list.pop().is_none());
        }
    }

    #[test]
    fn round_ns_rounds_as_round_does() {
        let special = [
            0.499_999_999_999_999_94,
            0.5,
            0.500_000_000_000_000_1,
            1.5,
            2.5,
            4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            9_007_199_254_740_994.0,
            1.7e19,
        ];
        for v in special {
            assert_eq!(round_ns(v), v.round() as u64, "{v}");
        }
        let mut x = 0.0f64;
        for i in 0..200_000u64 {
            x = x * 1.000_37 + 0.013 * (i % 7) as f64;
            let half = x.floor() + 0.5;
            for v in [x, x.next_up(), x.next_down(), half, half.next_down(), half.next_up()] {
                if v > 0.0 && v < 1.7e19 {
                    assert_eq!(round_ns(v), v.round() as u64, "{v}");
                }
            }
        }
    }
}
