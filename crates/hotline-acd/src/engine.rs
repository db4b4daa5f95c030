//! The sans-IO ACD engine: [`Acd`].

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::time::Duration;

use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::calendar::Calendar;
use crate::config::{Config, ConfigError, EwtMethod, ExitConfig, OverflowAction};
use crate::ewt::{ErlangCEstimator, QueueLoad, QueueStateEstimator, WaitEstimator};
use crate::fenwick::Fenwick;
use crate::ids::{AgentId, CallId, QueueId, SkillId};
use crate::model::{
    Action, AgentRequest, AgentState, CallEnd, CancelReason, Event, ExitReason, ExitTarget,
    NewCall, NotReadyReason, OverflowChange, Proficiency, Requirement, SkillNeed,
};
use crate::monoset::MonoSet;
use crate::ostree::RankSet;
use crate::policy::{
    AgentKey, AgentView, CallView, Candidates, Membership, QueueHead, QueueSelection, ReadyEntry,
    RoutingPolicy, Selection, nanos,
};
use crate::slots::Slots;
use crate::stats::{AgentCounters, AgentStats, IntervalReport, QueueCounters, QueueStats};

/// An event the engine could not apply. The engine's state is unchanged by a rejected event
/// (apart from timers that fell due before it, which are processed first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AcdError {
    /// No such agent.
    #[error("unknown agent {0}")]
    UnknownAgent(AgentId),
    /// No such queue.
    #[error("unknown queue {0}")]
    UnknownQueue(QueueId),
    /// No such skill or language.
    #[error("unknown skill {0}")]
    UnknownSkill(SkillId),
    /// No such call in the engine.
    #[error("unknown call {0}")]
    UnknownCall(CallId),
    /// A call with this id is already in the engine.
    #[error("call {0} is already in the engine")]
    DuplicateCall(CallId),
    /// The agent is not being offered this call (it may have been withdrawn already).
    #[error("{call} is not being offered to {agent}")]
    NotOffered {
        /// The call.
        call: CallId,
        /// The agent.
        agent: AgentId,
    },
    /// The call was not answered, so it cannot end at an agent.
    #[error("{0} has not been answered")]
    NotAnswered(CallId),
    /// The call was already answered, so it cannot be abandoned or turned into a callback.
    #[error("{0} was already answered")]
    AlreadyAnswered(CallId),
    /// The agent is not wrapping up.
    #[error("{0} is not wrapping up")]
    NotWrappingUp(AgentId),
    /// The agent is not a member of the queue it was to leave.
    #[error("{agent} is not a member of {queue}")]
    NotAMember {
        /// The agent.
        agent: AgentId,
        /// The queue.
        queue: QueueId,
    },
}

/// A fast hasher for numeric ids (a multiplicative mix; not DoS-resistant, ids come from the
/// embedding program).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
        }
    }

    fn write_u64(&mut self, x: u64) {
        let m = (self.0 ^ x).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = m ^ (m >> 29);
    }

    fn write_u32(&mut self, x: u32) {
        self.write_u64(u64::from(x));
    }
}

type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

type ClassId = u32;

/// The calls in the engine: records in a dense `Vec` whose slots are reused, found by their
/// public id through a map of small slot numbers. A hash map of whole records moved each
/// record (over 200 bytes) on every insert and removal; here they stay where they are.
#[derive(Debug, Default)]
struct CallTable {
    slot_of: IdMap<CallId, u32>,
    recs: Slots<CallRec>,
}

impl CallTable {
    fn len(&self) -> usize {
        self.slot_of.len()
    }

    fn contains_key(&self, id: &CallId) -> bool {
        self.slot_of.contains_key(id)
    }

    #[inline]
    fn get(&self, id: &CallId) -> Option<&CallRec> {
        self.slot_of.get(id).map(|&i| &self.recs[i as usize])
    }

    #[inline]
    fn get_mut(&mut self, id: &CallId) -> Option<&mut CallRec> {
        self.slot_of.get(id).map(|&i| &mut self.recs[i as usize])
    }

    /// Adds a call that is not in the table.
    fn insert(&mut self, id: CallId, rec: CallRec) {
        let slot = self.recs.put(rec);
        self.slot_of.insert(id, slot);
    }

    /// Takes a call out of the table. Its record stays in its slot, readable through the
    /// returned reference, until a new call takes the slot.
    fn remove(&mut self, id: &CallId) -> Option<&mut CallRec> {
        let slot = self.slot_of.remove(id)?;
        self.recs.free(slot);
        Some(&mut self.recs[slot as usize])
    }
}

impl std::ops::Index<&CallId> for CallTable {
    type Output = CallRec;

    fn index(&self, id: &CallId) -> &CallRec {
        &self.recs[self.slot_of[id] as usize]
    }
}

/// The order of calls in a queue: VIP first, then (aged) priority, then arrival, then id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct CallKey {
    not_vip: bool,
    rank: i128,
    enqueued: Duration,
    id: CallId,
}

#[derive(Debug)]
pub(crate) struct AgentRec {
    pub(crate) name: String,
    pub(crate) skills: Vec<(SkillId, Proficiency)>,
    memberships: Vec<Membership>,
    keys: Vec<AgentKey>,
    skill_keys: Vec<AgentKey>,
    state: AgentState,
    state_since: Duration,
    /// The agent's cumulative counters, as [`AgentCounters`] shows them once read.
    counters: AgentTally,
    snapshot: AgentCounters,
    idle_since: Duration,
    last_call_end: Option<Duration>,
    handle_time: Duration,
    handled: u64,
    no_answer_streak: u32,
    max_no_answer: u32,
    reject_delay: Duration,
    busy_delay: Duration,
    no_answer_delay: Duration,
    wrap_up: Option<Duration>,
    blocked_until: Duration,
    pending: Option<AgentRequest>,
    pub(crate) indexed: bool,
    /// Entries in the per-skill indexes are left behind by an offer (see `unindex_agent_with`).
    stale: bool,
    serving: bool,
    epoch: u64,
    wrap_queue: Option<QueueId>,
    wrap_talk: Duration,
}

impl AgentRec {
    pub(crate) fn view(&self, id: AgentId) -> AgentView<'_> {
        AgentView {
            id,
            name: &self.name,
            idle_since: self.idle_since,
            last_call_end: self.last_call_end,
            calls: self.counters.calls,
            talk_time: self.counters.talk_time,
            handle_time: self.handle_time,
            handled: self.handled,
            skills: &self.skills,
        }
    }
}

#[derive(Debug, Clone)]
enum Step {
    Widen,
    DropSkill(SkillId),
    Lower(u8),
    AddQueue(QueueId),
    MoveTo(QueueId),
}

#[derive(Debug)]
struct QueueRec {
    name: String,
    weight: u32,
    share: u32,
    wrap_up: Duration,
    offer_timeout: Option<Duration>,
    tier_wait: Duration,
    aging: Option<Duration>,
    service_level: Duration,
    max_wait: Option<Duration>,
    max_wait_exit: ExitTarget,
    max_length: Option<usize>,
    full_exit: ExitTarget,
    resume_window: Option<Duration>,
    announce: Option<(Duration, Option<Duration>)>,
    overflow: Vec<(Duration, Step)>,
    policy: Box<dyn RoutingPolicy>,
    estimator: Option<Box<dyn WaitEstimator>>,
    members: Vec<Membership>,
    slot_of: IdMap<AgentId, u32>,
    tiers: Vec<u32>,
    ready: MonoSet<ReadyEntry>,
    by_skill: Vec<MonoSet<ReadyEntry>>,
    fenwick: Option<Fenwick>,
    waiting: IdMap<ClassId, MonoSet<CallKey>>,
    ordered: RankSet<CallKey>,
    by_arrival: MonoSet<(Duration, CallId)>,
    counters: QueueCounters,
    interval: QueueCounters,
    serving: usize,
    recent_handle: VecDeque<Duration>,
    /// Sum of `recent_handle` (kept so that a wait estimate does not add them up each time).
    recent_handle_sum: Duration,
    recent_arrivals: VecDeque<Duration>,
}

const RECENT: usize = 64;

/// At most this many spare lists are kept for reuse.
const SPARE: usize = 256;

/// More empty intervals than this in a row are reported as one.
const MAX_EMPTY_INTERVALS: u128 = 96;

impl QueueRec {
    fn key(&self, vip: bool, priority: i32, enqueued: Duration, id: CallId) -> CallKey {
        let rank = match self.aging {
            Some(a) => i128::from(nanos(enqueued)) - i128::from(priority) * i128::from(nanos(a)),
            None => -i128::from(priority),
        };
        CallKey { not_vip: !vip, rank, enqueued, id }
    }

    fn max_tier(&self, waited: Duration) -> u32 {
        if self.tier_wait.is_zero() || self.tiers.is_empty() {
            return u32::MAX;
        }
        let steps = (waited.as_nanos() / self.tier_wait.as_nanos().max(1)) as usize;
        self.tiers[steps.min(self.tiers.len() - 1)]
    }

    fn count(&mut self, f: impl Fn(&mut QueueCounters)) {
        f(&mut self.counters);
        f(&mut self.interval);
    }
}

/// An agent's cumulative counters inside the engine: [`AgentCounters`] with the time in each
/// state as plain nanoseconds (a state change adds to it on every event, and integer
/// arithmetic is a few instructions where `Duration`'s carries between seconds and
/// nanoseconds are dozens). Smaller than `AgentCounters` by 56 bytes.
#[derive(Debug, Clone, Default)]
struct AgentTally {
    calls: u64,
    missed_offers: u64,
    talk_time: Duration,
    hold_time: Duration,
    wrap_up_time: Duration,
    time_in_ns: [u64; 7],
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    queue: QueueId,
    key: CallKey,
    since: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    Waiting,
    Ringing(Vec<AgentId>),
    Connected(AgentId),
}

#[derive(Debug)]
struct CallRec {
    inc: u64,
    home: QueueId,
    entries: Vec<Entry>,
    priority: i32,
    vip: bool,
    /// The caller's number and data, out of line: most calls have neither, and a record
    /// without them is smaller to move and cheaper to drop.
    cold: Option<Box<ColdCall>>,
    requirement: Requirement,
    class: ClassId,
    enqueued: Duration,
    arrived: Duration,
    arrived_home: Duration,
    phase: Phase,
    indexed: bool,
    callback: bool,
    next_step: usize,
    progress_seq: u64,
    ring_queue: QueueId,
    answered_at: Duration,
}

/// The rarely used parts of a call's record.
#[derive(Debug)]
struct ColdCall {
    caller: Option<String>,
    data: BTreeMap<String, String>,
}

/// What [`Acd::call_data`] shows for a call that arrived without data.
static NO_DATA: BTreeMap<String, String> = BTreeMap::new();

#[derive(Debug, Clone, PartialEq, Eq)]
enum Timer {
    Offer { call: CallId, agent: AgentId, epoch: u64 },
    WrapUp { agent: AgentId, epoch: u64 },
    Delay { agent: AgentId, epoch: u64 },
    Step { call: CallId, inc: u64, home: QueueId, step: usize },
    Tier { call: CallId, inc: u64 },
    MaxWait { call: CallId, inc: u64, home: QueueId },
    Announce { call: CallId, inc: u64, home: QueueId },
    Progressive { call: CallId, inc: u64, seq: u64 },
    ResumeExpiry { queue: QueueId, caller: String },
    Interval,
}

#[derive(Debug, Clone, Copy)]
struct Retained {
    enqueued: Duration,
    expires: Duration,
}

/// The automatic call distributor: a sans-IO state machine.
///
/// Feed it [`Event`]s with [`handle`](Acd::handle), take its [`Action`]s with
/// [`poll_action`](Acd::poll_action), and call [`handle_timeout`](Acd::handle_timeout) when the
/// time from [`poll_timeout`](Acd::poll_timeout) has come. Time is a [`Duration`] since an epoch
/// of the caller's choosing; it never goes backwards (an earlier `now` counts as the latest seen).
/// There is no clock, thread or I/O inside, and the same events at the same times with the same
/// seed give the same actions.
///
/// ```
/// use std::time::Duration;
/// use hotline_acd::{Acd, Action, AgentConfig, CallId, Config, Event, NewCall, QueueConfig};
///
/// let mut config = Config::default();
/// config.queues.push(QueueConfig::new("sales"));
/// let mut alice = AgentConfig::new("alice").member("sales", 1, 1);
/// alice.ready = true;
/// config.agents.push(alice);
/// let mut acd = Acd::new(&config).unwrap();
/// let sales = acd.queue_id("sales").unwrap();
/// let alice = acd.agent_id("alice").unwrap();
///
/// acd.handle(Duration::from_secs(1), Event::CallArrived(NewCall::new(CallId(7), sales))).unwrap();
/// assert!(matches!(acd.poll_action(), Some(Action::Offer { call: CallId(7), agent, .. }) if agent == alice));
/// ```
#[derive(Debug)]
pub struct Acd {
    now: Duration,
    started: bool,
    advance_to: Duration,
    interval: Duration,
    interval_start: Duration,
    agents: Vec<AgentRec>,
    queues: Vec<QueueRec>,
    calls: CallTable,
    skill_names: Vec<String>,
    skill_by_name: HashMap<String, SkillId>,
    language_by_name: HashMap<String, SkillId>,
    classes: Vec<Requirement>,
    class_by_req: HashMap<Requirement, ClassId, BuildHasherDefault<IdHasher>>,
    classes_by_skill: HashMap<SkillId, Vec<ClassId>>,
    queue_selection: Box<dyn QueueSelection>,
    timers: Calendar<Timer>,
    next_inc: u64,
    actions: VecDeque<Action>,
    rng: Xoshiro256PlusPlus,
    scratch: Vec<AgentId>,
    /// Reused by `route_agent` (the heads of the queues a freed agent serves).
    heads: Vec<QueueHead>,
    /// Emptied ringing lists and entry lists of finished calls, reused so that an offer and
    /// an arrival do not allocate.
    spare_lists: Vec<Vec<AgentId>>,
    spare_entries: Vec<Vec<Entry>>,
    resume: HashMap<(QueueId, String), Retained>,
    closed: Vec<IntervalReport>,
}

fn exit_target(exit: &ExitConfig, queue_by_name: &HashMap<&str, QueueId>) -> ExitTarget {
    match exit {
        ExitConfig::Voicemail => ExitTarget::Voicemail,
        ExitConfig::Callback => ExitTarget::Callback,
        ExitConfig::Busy => ExitTarget::Busy,
        ExitConfig::Queue(name) => {
            queue_by_name.get(name.as_str()).map_or(ExitTarget::Busy, |&q| ExitTarget::Queue(q))
        }
    }
}

impl Acd {
    /// Builds an engine from a configuration, validating it first. Agents configured `ready`
    /// start ready at time zero; the others start logged out.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`] listing every problem [`Config::validate`] finds.
    pub fn new(config: &Config) -> Result<Acd, ConfigError> {
        let problems = config.validate();
        if !problems.is_empty() {
            return Err(ConfigError::Invalid { problems });
        }
        let mut skill_names: Vec<String> = config.skills.clone();
        let mut skill_by_name = HashMap::new();
        for (i, s) in config.skills.iter().enumerate() {
            skill_by_name.insert(s.clone(), SkillId(i as u32));
        }
        let mut language_by_name = HashMap::new();
        for l in &config.languages {
            language_by_name.insert(l.clone(), SkillId(skill_names.len() as u32));
            skill_names.push(format!("language:{l}"));
        }
        let queue_by_name: HashMap<&str, QueueId> = config
            .queues
            .iter()
            .enumerate()
            .map(|(i, q)| (q.name.as_str(), QueueId(i as u32)))
            .collect();

        let mut queues: Vec<QueueRec> = config
            .queues
            .iter()
            .map(|q| QueueRec {
                name: q.name.clone(),
                weight: q.weight,
                share: q.share,
                wrap_up: q.wrap_up,
                offer_timeout: q.offer_timeout,
                tier_wait: q.tier_wait,
                aging: q.aging,
                service_level: q.service_level,
                max_wait: q.max_wait,
                max_wait_exit: exit_target(&q.max_wait_exit, &queue_by_name),
                max_length: q.max_length,
                full_exit: exit_target(&q.full_exit, &queue_by_name),
                resume_window: q.resume_window,
                announce: q.announce.as_ref().map(|a| (a.first_after, a.every)),
                overflow: q
                    .overflow
                    .iter()
                    .map(|s| {
                        let step = match &s.then {
                            OverflowAction::Widen => Step::Widen,
                            OverflowAction::DropSkill(k) => Step::DropSkill(skill_by_name[k]),
                            OverflowAction::LowerProficiency(by) => Step::Lower(*by),
                            OverflowAction::AddQueue(t) => {
                                Step::AddQueue(queue_by_name[t.as_str()])
                            }
                            OverflowAction::MoveTo(t) => Step::MoveTo(queue_by_name[t.as_str()]),
                        };
                        (s.after, step)
                    })
                    .collect(),
                policy: q.policy.build(q.ring_every),
                estimator: q.announce.as_ref().and_then(|a| match a.method {
                    EwtMethod::QueueState => {
                        Some(Box::new(QueueStateEstimator) as Box<dyn WaitEstimator>)
                    }
                    EwtMethod::ErlangC => {
                        Some(Box::new(ErlangCEstimator) as Box<dyn WaitEstimator>)
                    }
                    EwtMethod::None => None,
                }),
                members: Vec::new(),
                slot_of: IdMap::default(),
                tiers: Vec::new(),
                ready: MonoSet::new(),
                by_skill: Vec::new(),
                fenwick: None,
                waiting: IdMap::default(),
                ordered: RankSet::new(config.seed, |k: &CallKey| k.id.0),
                by_arrival: MonoSet::new(),
                counters: QueueCounters::default(),
                interval: QueueCounters::default(),
                serving: 0,
                recent_handle: VecDeque::new(),
                recent_handle_sum: Duration::ZERO,
                recent_arrivals: VecDeque::new(),
            })
            .collect();

        let mut agents = Vec::with_capacity(config.agents.len());
        for (i, a) in config.agents.iter().enumerate() {
            let id = AgentId(i as u32);
            let mut skills: Vec<(SkillId, Proficiency)> =
                a.skills.iter().map(|(name, &p)| (skill_by_name[name], p)).collect();
            skills.extend(a.languages.iter().map(|l| (language_by_name[l], 10)));
            skills.sort_unstable();
            skills.dedup_by_key(|s| s.0);
            let memberships: Vec<Membership> = a
                .queues
                .iter()
                .enumerate()
                .map(|(j, m)| Membership {
                    queue: queue_by_name[m.queue.as_str()],
                    agent: id,
                    tier: m.tier,
                    position: if m.position == 0 {
                        (i as u32).saturating_mul(16).saturating_add(j as u32)
                    } else {
                        m.position
                    },
                    weight: m.weight,
                })
                .collect();
            for m in &memberships {
                queues[m.queue.index()].members.push(*m);
            }
            let nm = memberships.len();
            let ns = skills.len();
            agents.push(AgentRec {
                name: a.name.clone(),
                skills,
                memberships,
                keys: vec![AgentKey::default(); nm],
                skill_keys: vec![AgentKey::default(); nm * ns],
                state: AgentState::LoggedOut,
                state_since: Duration::ZERO,
                counters: AgentTally::default(),
                snapshot: AgentCounters::default(),
                idle_since: Duration::ZERO,
                last_call_end: None,
                handle_time: Duration::ZERO,
                handled: 0,
                no_answer_streak: 0,
                max_no_answer: a.max_no_answer,
                reject_delay: a.reject_delay,
                busy_delay: a.busy_delay,
                no_answer_delay: a.no_answer_delay,
                wrap_up: a.wrap_up,
                blocked_until: Duration::ZERO,
                pending: None,
                indexed: false,
                stale: false,
                serving: false,
                epoch: 0,
                wrap_queue: None,
                wrap_talk: Duration::ZERO,
            });
        }
        for q in &mut queues {
            q.members.sort_by_key(|m| (m.tier, m.position, m.agent));
            for (slot, m) in q.members.iter().enumerate() {
                q.slot_of.insert(m.agent, slot as u32);
            }
            q.tiers = q.members.iter().map(|m| m.tier).collect();
            q.tiers.dedup();
        }
        let mut acd = Acd {
            now: Duration::ZERO,
            started: false,
            advance_to: Duration::ZERO,
            interval: config.interval,
            interval_start: Duration::ZERO,
            agents,
            queues,
            calls: CallTable::default(),
            skill_names,
            skill_by_name,
            language_by_name,
            classes: vec![Requirement::none()],
            class_by_req: [(Requirement::none(), 0)].into_iter().collect(),
            classes_by_skill: HashMap::new(),
            queue_selection: config.queue_selection.build(),
            timers: Calendar::default(),
            next_inc: 0,
            actions: VecDeque::new(),
            rng: Xoshiro256PlusPlus::seed_from_u64(config.seed),
            scratch: Vec::new(),
            heads: Vec::new(),
            spare_lists: Vec::new(),
            spare_entries: Vec::new(),
            resume: HashMap::new(),
            closed: Vec::new(),
        };
        for q in 0..acd.queues.len() {
            acd.rebuild_fenwick(QueueId(q as u32));
        }
        for (i, a) in config.agents.iter().enumerate() {
            if a.ready {
                let id = AgentId(i as u32);
                acd.set_state(id, AgentState::Ready);
                acd.become_available(id);
            }
        }
        Ok(acd)
    }

    // ----- lookups -----

    /// The id of the agent called `name`.
    pub fn agent_id(&self, name: &str) -> Option<AgentId> {
        self.agents.iter().position(|a| a.name == name).map(|i| AgentId(i as u32))
    }

    /// The id of the queue called `name`.
    pub fn queue_id(&self, name: &str) -> Option<QueueId> {
        self.queues.iter().position(|q| q.name == name).map(|i| QueueId(i as u32))
    }

    /// The id of the skill called `name`.
    pub fn skill_id(&self, name: &str) -> Option<SkillId> {
        self.skill_by_name.get(name).copied()
    }

    /// The id of the language called `name` (languages are kept as skills).
    pub fn language_id(&self, name: &str) -> Option<SkillId> {
        self.language_by_name.get(name).copied()
    }

    /// The name of a skill (`language:xx` for a language).
    pub fn skill_name(&self, skill: SkillId) -> Option<&str> {
        self.skill_names.get(skill.index()).map(String::as_str)
    }

    /// Number of agents.
    pub fn agent_count(&self) -> usize {
        self.agents.len()
    }

    /// Number of queues.
    pub fn queue_count(&self) -> usize {
        self.queues.len()
    }

    /// Number of calls in the engine (waiting, ringing or answered).
    pub fn call_count(&self) -> usize {
        self.calls.len()
    }

    /// An agent's state.
    pub fn agent_state(&self, agent: AgentId) -> Option<AgentState> {
        self.agents.get(agent.index()).map(|a| a.state)
    }

    /// An agent's memberships.
    pub fn memberships(&self, agent: AgentId) -> &[Membership] {
        self.agents.get(agent.index()).map_or(&[], |a| a.memberships.as_slice())
    }

    /// The latest time the engine has seen.
    pub fn now(&self) -> Duration {
        self.now
    }

    /// The agent a call is connected to, if answered.
    pub fn connected_agent(&self, call: CallId) -> Option<AgentId> {
        match self.calls.get(&call)?.phase {
            Phase::Connected(a) => Some(a),
            _ => None,
        }
    }

    /// The agents a call is ringing now.
    pub fn ringing_agents(&self, call: CallId) -> &[AgentId] {
        match self.calls.get(&call).map(|c| &c.phase) {
            Some(Phase::Ringing(agents)) => agents,
            _ => &[],
        }
    }

    /// The queue the call's current offer was routed from (while it rings).
    pub fn offer_queue(&self, call: CallId) -> Option<QueueId> {
        let c = self.calls.get(&call)?;
        matches!(c.phase, Phase::Ringing(_)).then_some(c.ring_queue)
    }

    /// The queue a call counts in (its arrival queue, or where it moved or exited to).
    pub fn call_queue(&self, call: CallId) -> Option<QueueId> {
        self.calls.get(&call).map(|c| c.home)
    }

    /// The caller data attached to a call when it arrived.
    pub fn call_data(&self, call: CallId) -> Option<&BTreeMap<String, String>> {
        self.calls.get(&call).map(|c| c.cold.as_ref().map_or(&NO_DATA, |k| &k.data))
    }

    /// A call's current skill requirement (language included; overflow steps change it).
    pub fn requirement(&self, call: CallId) -> Option<&Requirement> {
        self.calls.get(&call).map(|c| &c.requirement)
    }

    /// An agent's skills and proficiencies (languages included), sorted by skill.
    pub fn agent_skills(&self, agent: AgentId) -> &[(SkillId, Proficiency)] {
        self.agents.get(agent.index()).map_or(&[], |a| a.skills.as_slice())
    }

    /// The name of a queue.
    pub fn queue_name(&self, queue: QueueId) -> Option<&str> {
        self.queues.get(queue.index()).map(|q| q.name.as_str())
    }

    /// The name of an agent.
    pub fn agent_name(&self, agent: AgentId) -> Option<&str> {
        self.agents.get(agent.index()).map(|a| a.name.as_str())
    }

    /// Whether a call is a callback (the caller is not on the line).
    pub fn is_callback(&self, call: CallId) -> Option<bool> {
        self.calls.get(&call).map(|c| c.callback)
    }

    /// A waiting call's position in its queue (1 = next), counting every call ahead of it in
    /// the queue's order. O(log n) in the number of waiting calls (a sorted `Vec` for short
    /// queues, an order-statistics tree for long ones).
    pub fn position(&self, call: CallId) -> Option<usize> {
        self.position_of(self.calls.get(&call)?)
    }

    fn position_of(&self, c: &CallRec) -> Option<usize> {
        if !c.indexed {
            return None;
        }
        let q = &self.queues[c.home.index()];
        let key = c.entries.first()?.key;
        Some(q.ordered.rank(&key) + 1)
    }

    // ----- configuration at run time -----

    /// Replaces a queue's agent-selection policy (re-keying its ready agents).
    ///
    /// # Errors
    ///
    /// [`AcdError::UnknownQueue`].
    pub fn set_policy(
        &mut self,
        queue: QueueId,
        policy: Box<dyn RoutingPolicy>,
    ) -> Result<(), AcdError> {
        if queue.index() >= self.queues.len() {
            return Err(AcdError::UnknownQueue(queue));
        }
        let indexed: Vec<AgentId> = self.queues[queue.index()]
            .members
            .iter()
            .map(|m| m.agent)
            .filter(|a| self.agents[a.index()].indexed)
            .collect();
        for &a in &indexed {
            self.unindex_agent(a);
        }
        self.queues[queue.index()].policy = policy;
        self.rebuild_fenwick(queue);
        for &a in &indexed {
            self.index_agent(a);
        }
        Ok(())
    }

    /// Replaces a queue's wait estimator (`None`: announce position only).
    ///
    /// # Errors
    ///
    /// [`AcdError::UnknownQueue`].
    pub fn set_estimator(
        &mut self,
        queue: QueueId,
        estimator: Option<Box<dyn WaitEstimator>>,
    ) -> Result<(), AcdError> {
        let q = self.queues.get_mut(queue.index()).ok_or(AcdError::UnknownQueue(queue))?;
        q.estimator = estimator;
        Ok(())
    }

    /// Replaces the queue-selection policy.
    pub fn set_queue_selection(&mut self, selection: Box<dyn QueueSelection>) {
        self.queue_selection = selection;
    }

    fn rebuild_fenwick(&mut self, queue: QueueId) {
        let q = &mut self.queues[queue.index()];
        let wants = q.members.first().and_then(|m| q.policy.random_weight(m)).is_some();
        if !wants {
            q.fenwick = None;
            return;
        }
        let mut f = Fenwick::new(q.members.len());
        for (slot, m) in q.members.iter().enumerate() {
            if self.agents[m.agent.index()].indexed {
                f.set(slot, q.policy.random_weight(m).unwrap_or(0));
            }
        }
        q.fenwick = Some(f);
    }

    // ----- the sans-IO interface -----

    /// Applies one event at time `now` (after processing every timer due by then).
    ///
    /// # Errors
    ///
    /// An [`AcdError`] when the event names something unknown or no longer applies (an answer
    /// to a withdrawn offer, say); the engine is then unchanged.
    pub fn handle(&mut self, now: Duration, event: Event) -> Result<(), AcdError> {
        self.advance(now);
        match event {
            Event::CallArrived(call) => self.call_arrived(call),
            Event::CallerAbandoned { call } => self.caller_abandoned(call),
            Event::CallbackRequested { call } => {
                let c = self.calls.get_mut(&call).ok_or(AcdError::UnknownCall(call))?;
                if matches!(c.phase, Phase::Connected(_)) {
                    return Err(AcdError::AlreadyAnswered(call));
                }
                c.callback = true;
                Ok(())
            }
            Event::AgentState { agent, state } => self.agent_request(agent, state),
            Event::OfferAccepted { call, agent } => self.offer_accepted(call, agent),
            Event::OfferRejected { call, agent, busy } => {
                self.offer_declined(call, agent, if busy { Decline::Busy } else { Decline::Reject })
            }
            Event::OfferTimedOut { call, agent } => {
                self.offer_declined(call, agent, Decline::NoAnswer)
            }
            Event::CallEnded { call, end, hold } => self.call_ended(call, end, hold),
            Event::WrapUpEnded { agent } => {
                let a = self.agents.get(agent.index()).ok_or(AcdError::UnknownAgent(agent))?;
                if a.state != AgentState::WrapUp {
                    return Err(AcdError::NotWrappingUp(agent));
                }
                self.finish_wrap_up(agent, false);
                Ok(())
            }
            Event::MemberJoined(membership) => self.member_joined(membership),
            Event::MemberLeft { agent, queue } => self.member_left(agent, queue),
        }
    }

    /// Processes every timer due by `now`.
    pub fn handle_timeout(&mut self, now: Duration) {
        self.advance(now);
    }

    /// The next action, if any.
    #[inline]
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When [`handle_timeout`](Acd::handle_timeout) should next be called (possibly for a timer
    /// that turns out to have nothing left to do).
    #[inline]
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.timers.next_due()
    }

    fn schedule(&mut self, at: Duration, timer: Timer) {
        // A deadline that saturated at the end of representable time can never come "later"
        // than now; keeping it would let a periodic timer fire for ever at the same instant.
        if at == Duration::MAX {
            return;
        }
        self.timers.push(self.now, at, timer);
    }

    /// Processes every timer due by `now` and moves the clock there. Inlined into every event's
    /// handling: most events find no timer due.
    #[inline(always)]
    fn advance(&mut self, now: Duration) {
        let now = now.max(self.now);
        if self.started && self.timers.next_due().is_none_or(|due| due > now) {
            self.advance_to = now;
            self.now = now;
            return;
        }
        self.advance_slow(now);
    }

    #[inline(never)]
    fn advance_slow(&mut self, now: Duration) {
        if !self.started {
            // The first event fixes where intervals start (aligned to the interval length) and
            // when the agents ready since construction began counting their time.
            self.started = true;
            let step = self.interval.as_nanos().max(1);
            let start = now.as_nanos() / step * step;
            let secs = u64::try_from(start / 1_000_000_000).unwrap_or(u64::MAX);
            self.interval_start = Duration::new(secs, (start % 1_000_000_000) as u32);
            let next = self.interval_start.saturating_add(self.interval);
            self.schedule(next, Timer::Interval);
            for a in &mut self.agents {
                a.state_since = now;
            }
            self.now = now;
        }
        self.advance_to = now;
        if self.timers.next_due().is_none_or(|due| due > now) {
            // Nothing due (most events): no timer to take.
            self.now = now;
            return;
        }
        while let Some((at, timer)) = self.timers.pop_due(now) {
            self.now = self.now.max(at);
            self.fire(timer);
        }
        self.now = now;
    }

    fn fire(&mut self, timer: Timer) {
        match timer {
            Timer::Offer { call, agent, epoch } => {
                let a = &self.agents[agent.index()];
                if a.epoch == epoch && a.state == AgentState::Offered(call) {
                    self.actions.push_back(Action::CancelOffer {
                        call,
                        agent,
                        reason: CancelReason::NoAnswer,
                    });
                    let _ = self.offer_declined(call, agent, Decline::NoAnswer);
                }
            }
            Timer::WrapUp { agent, epoch } => {
                let a = &self.agents[agent.index()];
                if a.epoch == epoch && a.state == AgentState::WrapUp {
                    self.finish_wrap_up(agent, true);
                }
            }
            Timer::Delay { agent, epoch } => {
                let a = &mut self.agents[agent.index()];
                if a.epoch == epoch && a.state == AgentState::Ready && !a.indexed {
                    a.blocked_until = Duration::ZERO;
                    self.become_available(agent);
                }
            }
            Timer::Step { call, inc, home, step } => {
                if let Some(c) = self.calls.get(&call) {
                    if c.inc == inc
                        && c.home == home
                        && c.next_step == step
                        && !matches!(c.phase, Phase::Connected(_))
                    {
                        self.overflow_step(call, step);
                    }
                }
            }
            Timer::Tier { call, inc } => {
                if self.calls.get(&call).is_some_and(|c| c.inc == inc && c.indexed) {
                    self.route_call(call);
                }
            }
            Timer::MaxWait { call, inc, home } => {
                if self.calls.get(&call).is_some_and(|c| {
                    c.inc == inc
                        && c.home == home
                        && !c.callback
                        && !matches!(c.phase, Phase::Connected(_))
                }) {
                    self.max_wait(call);
                }
            }
            Timer::Announce { call, inc, home } => {
                if self.calls.get(&call).is_some_and(|c| {
                    c.inc == inc && c.home == home && !matches!(c.phase, Phase::Connected(_))
                }) {
                    self.announce(call);
                }
            }
            Timer::Progressive { call, inc, seq } => {
                if self.calls.get(&call).is_some_and(|c| {
                    c.inc == inc && c.progress_seq == seq && matches!(c.phase, Phase::Ringing(_))
                }) {
                    self.ring_next(call);
                }
            }
            Timer::ResumeExpiry { queue, caller } => {
                let key = (queue, caller);
                if self.resume.get(&key).is_some_and(|r| r.expires <= self.now) {
                    self.resume.remove(&key);
                }
            }
            Timer::Interval => self.close_interval(),
        }
    }

    // ----- agents -----

    fn set_state(&mut self, agent: AgentId, state: AgentState) {
        let now = self.now;
        let a = &mut self.agents[agent.index()];
        let kind = a.state.kind();
        let spent = nanos(now).saturating_sub(nanos(a.state_since));
        a.counters.time_in_ns[kind.index()] =
            a.counters.time_in_ns[kind.index()].saturating_add(spent);
        a.state_since = now;
        a.state = state;
        a.epoch += 1;
        let serving = matches!(
            state,
            AgentState::Ready | AgentState::Offered(_) | AgentState::OnCall(_) | AgentState::WrapUp
        );
        if serving != a.serving {
            a.serving = serving;
            for m in &a.memberships {
                let q = &mut self.queues[m.queue.index()];
                if serving {
                    q.serving += 1;
                } else {
                    q.serving = q.serving.saturating_sub(1);
                }
            }
        }
        if !serving {
            self.drop_stale(agent);
        }
    }

    fn index_agent(&mut self, agent: AgentId) {
        let a = &self.agents[agent.index()];
        if a.indexed {
            return;
        }
        let stale = a.stale;
        let mut keys = std::mem::take(&mut self.agents[agent.index()].keys);
        let mut skill_keys = std::mem::take(&mut self.agents[agent.index()].skill_keys);
        let a = &self.agents[agent.index()];
        let view = a.view(agent);
        let ns = a.skills.len();
        for (mi, m) in a.memberships.iter().enumerate() {
            let q = &mut self.queues[m.queue.index()];
            let key = q.policy.agent_key(&view, m, None);
            keys[mi] = key;
            q.ready.insert((m.tier, key, agent));
            let by_prof = q.policy.uses_proficiency();
            for (si, &(skill, prof)) in a.skills.iter().enumerate() {
                let k = if by_prof { q.policy.agent_key(&view, m, Some(prof)) } else { key };
                let slot = &mut skill_keys[mi * ns + si];
                if q.by_skill.len() <= skill.index() {
                    q.by_skill.resize_with(skill.index() + 1, MonoSet::new);
                }
                let set = &mut q.by_skill[skill.index()];
                // An entry left behind by the last offer (see `unindex_agent`) is replaced;
                // with an unchanged key it is simply live again.
                if stale && *slot != k {
                    set.remove(&(m.tier, *slot, agent));
                }
                *slot = k;
                if by_prof {
                    set.insert_unordered((m.tier, k, agent));
                } else {
                    set.insert((m.tier, k, agent));
                }
            }
            if let Some(f) = &mut q.fenwick {
                if let Some(&slot) = q.slot_of.get(&agent) {
                    f.set(slot as usize, q.policy.random_weight(m).unwrap_or(0));
                }
            }
        }
        let a = &mut self.agents[agent.index()];
        a.keys = keys;
        a.skill_keys = skill_keys;
        a.indexed = true;
        a.stale = false;
    }

    /// Takes an agent out of the ready indexes. With `defer_skills` (an offer: the agent is
    /// likely back soon) its entries in the per-skill indexes stay behind, *stale*: selection
    /// skips and prunes entries of agents that are not indexed, and the next `index_agent`
    /// replaces them. That saves an offer one B-tree removal per skill, each a handful of
    /// cache misses in a big engine. Any other way out of the ready state drops them at once
    /// (`drop_stale`), so stale entries only ever belong to agents ringing, talking or in
    /// wrap-up.
    fn unindex_agent_with(&mut self, agent: AgentId, defer_skills: bool) {
        let a = &self.agents[agent.index()];
        if !a.indexed {
            if !defer_skills {
                self.drop_stale(agent);
            }
            return;
        }
        let ns = a.skills.len();
        for (mi, m) in a.memberships.iter().enumerate() {
            let q = &mut self.queues[m.queue.index()];
            q.ready.remove(&(m.tier, a.keys[mi], agent));
            if !defer_skills {
                for (si, &(skill, _)) in a.skills.iter().enumerate() {
                    if let Some(set) = q.by_skill.get_mut(skill.index()) {
                        set.remove(&(m.tier, a.skill_keys[mi * ns + si], agent));
                    }
                }
            }
            if let Some(f) = &mut q.fenwick {
                if let Some(&slot) = q.slot_of.get(&agent) {
                    f.set(slot as usize, 0);
                }
            }
        }
        let a = &mut self.agents[agent.index()];
        a.indexed = false;
        a.stale = defer_skills && ns > 0;
    }

    fn unindex_agent(&mut self, agent: AgentId) {
        self.unindex_agent_with(agent, false);
    }

    /// Removes the per-skill entries an offer left behind.
    fn drop_stale(&mut self, agent: AgentId) {
        let a = &self.agents[agent.index()];
        if !a.stale || a.indexed {
            return;
        }
        let ns = a.skills.len();
        for (mi, m) in a.memberships.iter().enumerate() {
            let q = &mut self.queues[m.queue.index()];
            for (si, &(skill, _)) in a.skills.iter().enumerate() {
                if let Some(set) = q.by_skill.get_mut(skill.index()) {
                    set.remove(&(m.tier, a.skill_keys[mi * ns + si], agent));
                }
            }
        }
        self.agents[agent.index()].stale = false;
    }

    /// The agent is Ready and not indexed: offer it a waiting call, or index it.
    fn become_available(&mut self, agent: AgentId) {
        let a = &self.agents[agent.index()];
        if a.state != AgentState::Ready || a.indexed {
            return;
        }
        if a.blocked_until > self.now {
            let (at, epoch) = (a.blocked_until, a.epoch);
            self.schedule(at, Timer::Delay { agent, epoch });
            return;
        }
        if !self.route_agent(agent) {
            self.index_agent(agent);
        }
    }

    /// Applies a state the agent asked for while busy, or makes it ready.
    fn make_ready(&mut self, agent: AgentId, announce: bool) {
        let pending = self.agents[agent.index()].pending.take();
        let state = match pending {
            Some(AgentRequest::NotReady(code)) => AgentState::NotReady(NotReadyReason::Code(code)),
            Some(AgentRequest::LoggedOut) => AgentState::LoggedOut,
            Some(AgentRequest::Outbound) => AgentState::Outbound,
            Some(AgentRequest::Ready) | None => AgentState::Ready,
        };
        self.set_state(agent, state);
        if announce || pending.is_some() {
            self.actions.push_back(Action::AgentStateChanged { agent, state });
        }
        if state == AgentState::Ready {
            self.agents[agent.index()].idle_since = self.now;
            self.become_available(agent);
        }
    }

    fn agent_request(&mut self, agent: AgentId, request: AgentRequest) -> Result<(), AcdError> {
        let a = self.agents.get_mut(agent.index()).ok_or(AcdError::UnknownAgent(agent))?;
        let target = match request {
            AgentRequest::Ready => AgentState::Ready,
            AgentRequest::NotReady(code) => AgentState::NotReady(NotReadyReason::Code(code)),
            AgentRequest::LoggedOut => AgentState::LoggedOut,
            AgentRequest::Outbound => AgentState::Outbound,
        };
        match a.state {
            AgentState::Offered(_) | AgentState::OnCall(_) => {
                a.pending = (request != AgentRequest::Ready).then_some(request);
            }
            AgentState::WrapUp => {
                if request == AgentRequest::Ready {
                    a.pending = None;
                    self.finish_wrap_up(agent, false);
                } else {
                    a.pending = Some(request);
                }
            }
            AgentState::Ready => {
                a.pending = None;
                if target != AgentState::Ready {
                    a.blocked_until = Duration::ZERO;
                    self.unindex_agent(agent);
                    self.set_state(agent, target);
                }
            }
            AgentState::LoggedOut | AgentState::NotReady(_) | AgentState::Outbound => {
                a.pending = None;
                a.no_answer_streak = 0;
                if target != a.state {
                    self.set_state(agent, target);
                    if target == AgentState::Ready {
                        self.agents[agent.index()].idle_since = self.now;
                        self.become_available(agent);
                    }
                }
            }
        }
        Ok(())
    }

    fn finish_wrap_up(&mut self, agent: AgentId, by_timer: bool) {
        let now = self.now;
        let a = &mut self.agents[agent.index()];
        let wrap = if a.state == AgentState::WrapUp {
            now.saturating_sub(a.state_since)
        } else {
            Duration::ZERO
        };
        a.counters.wrap_up_time = a.counters.wrap_up_time.saturating_add(wrap);
        let handle = a.wrap_talk.saturating_add(wrap);
        a.handle_time = a.handle_time.saturating_add(handle);
        a.handled += 1;
        if let Some(q) = a.wrap_queue.take() {
            let q = &mut self.queues[q.index()];
            q.count(|c| {
                c.handled += 1;
                c.wrap_up_time = c.wrap_up_time.saturating_add(wrap);
            });
            if q.recent_handle.len() == RECENT {
                if let Some(old) = q.recent_handle.pop_front() {
                    q.recent_handle_sum = q.recent_handle_sum.saturating_sub(old);
                }
            }
            q.recent_handle.push_back(handle);
            q.recent_handle_sum = q.recent_handle_sum.saturating_add(handle);
        }
        self.make_ready(agent, by_timer);
    }

    // ----- queue membership at run time -----

    fn member_joined(&mut self, m: Membership) -> Result<(), AcdError> {
        if m.agent.index() >= self.agents.len() {
            return Err(AcdError::UnknownAgent(m.agent));
        }
        if m.queue.index() >= self.queues.len() {
            return Err(AcdError::UnknownQueue(m.queue));
        }
        let agent = m.agent;
        // Out of every index under the old memberships (stale skill entries included), so
        // that the indexes are rebuilt under the new ones.
        self.unindex_agent(agent);
        let a = &mut self.agents[agent.index()];
        let joined = match a.memberships.iter_mut().find(|x| x.queue == m.queue) {
            Some(old) => {
                *old = m;
                false
            }
            None => {
                a.memberships.push(m);
                true
            }
        };
        let nm = a.memberships.len();
        a.keys = vec![AgentKey::default(); nm];
        a.skill_keys = vec![AgentKey::default(); nm * a.skills.len()];
        let serving = a.serving;
        let q = &mut self.queues[m.queue.index()];
        if joined && serving {
            q.serving += 1;
        }
        q.members.retain(|x| x.agent != agent);
        let at = q
            .members
            .partition_point(|x| (x.tier, x.position, x.agent) < (m.tier, m.position, agent));
        q.members.insert(at, m);
        self.renumber_members(m.queue);
        // A ready agent takes a waiting call it now qualifies for, or goes back into the
        // indexes (under its new memberships).
        self.become_available(agent);
        Ok(())
    }

    fn member_left(&mut self, agent: AgentId, queue: QueueId) -> Result<(), AcdError> {
        let a = self.agents.get(agent.index()).ok_or(AcdError::UnknownAgent(agent))?;
        if queue.index() >= self.queues.len() {
            return Err(AcdError::UnknownQueue(queue));
        }
        if !a.memberships.iter().any(|m| m.queue == queue) {
            return Err(AcdError::NotAMember { agent, queue });
        }
        // An offer from this queue still ringing the agent is withdrawn first; the agent is
        // made ready again once it has left.
        let mut withdrawn = false;
        if let AgentState::Offered(call) = a.state {
            if self.calls.get(&call).is_some_and(|c| c.ring_queue == queue) {
                self.withdraw_offer(call, agent);
                withdrawn = true;
            }
        }
        let was_indexed = self.agents[agent.index()].indexed;
        self.unindex_agent(agent);
        let a = &mut self.agents[agent.index()];
        a.memberships.retain(|m| m.queue != queue);
        let nm = a.memberships.len();
        a.keys = vec![AgentKey::default(); nm];
        a.skill_keys = vec![AgentKey::default(); nm * a.skills.len()];
        let serving = a.serving;
        let q = &mut self.queues[queue.index()];
        if serving {
            q.serving = q.serving.saturating_sub(1);
        }
        q.members.retain(|x| x.agent != agent);
        self.renumber_members(queue);
        if withdrawn {
            self.after_offer(agent, Duration::ZERO);
        } else if was_indexed {
            self.become_available(agent);
        }
        Ok(())
    }

    /// Rebuilds a queue's member slots, tier list and random-draw weights after its membership
    /// changed (O(members), once per change).
    fn renumber_members(&mut self, queue: QueueId) {
        let q = &mut self.queues[queue.index()];
        q.slot_of.clear();
        for (slot, m) in q.members.iter().enumerate() {
            q.slot_of.insert(m.agent, slot as u32);
        }
        q.tiers = q.members.iter().map(|m| m.tier).collect();
        q.tiers.dedup();
        self.rebuild_fenwick(queue);
    }

    /// Stops ringing `agent` with `call` without counting it against the agent (no missed
    /// offer, no delay); the call is routed again when nobody else rings. The agent stays
    /// `Offered` (so it cannot be picked again) until the caller makes it ready.
    fn withdraw_offer(&mut self, call: CallId, agent: AgentId) {
        let Some(c) = self.calls.get_mut(&call) else { return };
        let Phase::Ringing(ringing) = &mut c.phase else { return };
        ringing.retain(|&a| a != agent);
        let empty = ringing.is_empty();
        if empty {
            c.phase = Phase::Waiting;
        }
        self.actions.push_back(Action::CancelOffer {
            call,
            agent,
            reason: CancelReason::AgentLeftQueue,
        });
        if empty && !self.route_call(call) {
            self.index_call(call);
        }
    }

    // ----- calls -----

    fn intern(&mut self, req: &Requirement) -> ClassId {
        if req.is_empty() {
            return 0;
        }
        if let Some(&c) = self.class_by_req.get(req) {
            return c;
        }
        let id = self.classes.len() as ClassId;
        self.classes.push(req.clone());
        self.class_by_req.insert(req.clone(), id);
        let mut skills: Vec<SkillId> =
            req.all_of.iter().chain(&req.any_of).map(|n| n.skill).collect();
        skills.sort_unstable();
        skills.dedup();
        for s in skills {
            self.classes_by_skill.entry(s).or_default().push(id);
        }
        id
    }

    fn index_call(&mut self, call: CallId) {
        let Some(c) = self.calls.get_mut(&call) else { return };
        if c.indexed || c.phase != Phase::Waiting {
            return;
        }
        c.indexed = true;
        for e in &c.entries {
            let q = &mut self.queues[e.queue.index()];
            q.waiting.entry(c.class).or_default().insert(e.key);
            q.ordered.insert(e.key);
        }
    }

    fn unindex_call(&mut self, call: CallId) {
        let Some(c) = self.calls.get_mut(&call) else { return };
        unindex_entries(&mut self.queues, c);
    }

    fn check_requirement(&self, req: &Requirement) -> Result<(), AcdError> {
        for n in req.all_of.iter().chain(&req.any_of) {
            if n.skill.index() >= self.skill_names.len() {
                return Err(AcdError::UnknownSkill(n.skill));
            }
        }
        Ok(())
    }

    fn call_arrived(&mut self, new: NewCall) -> Result<(), AcdError> {
        if new.queue.index() >= self.queues.len() {
            return Err(AcdError::UnknownQueue(new.queue));
        }
        if self.calls.contains_key(&new.id) {
            return Err(AcdError::DuplicateCall(new.id));
        }
        self.check_requirement(&new.requirement)?;
        if let Some(l) = new.language {
            if l.index() >= self.skill_names.len() {
                return Err(AcdError::UnknownSkill(l));
            }
        }
        let mut requirement = new.requirement;
        if let Some(l) = new.language {
            requirement.all_of.push(SkillNeed { skill: l, min: 1 });
        }
        // A call without a requirement (most) has nothing to normalise and is class 0.
        let class = if requirement.is_empty() {
            0
        } else {
            requirement.normalise();
            self.intern(&requirement)
        };
        let now = self.now;
        let mut queue = new.queue;
        let mut callback = false;
        // Queue-full exits may chain; validation forbids circles, the bound guards anyway.
        for _ in 0..=self.queues.len() {
            let q = &mut self.queues[queue.index()];
            q.count(|c| c.offered += 1);
            if q.recent_arrivals.len() == RECENT {
                q.recent_arrivals.pop_front();
            }
            q.recent_arrivals.push_back(now);
            let full = q.max_length.is_some_and(|n| q.by_arrival.len() >= n);
            if !full {
                break;
            }
            let target = q.full_exit;
            q.count(|c| c.exited += 1);
            self.actions.push_back(Action::Exit {
                call: new.id,
                queue,
                reason: ExitReason::QueueFull,
                target,
            });
            match target {
                ExitTarget::Queue(next) if next != queue => queue = next,
                ExitTarget::Callback => {
                    // Keeps a place as a callback although the queue is full; it was counted
                    // as exited, so it is offered again to keep the counters adding up.
                    self.queues[queue.index()].count(|c| c.offered += 1);
                    callback = true;
                    break;
                }
                _ => return Ok(()),
            }
        }
        let mut enqueued = now;
        if let (Some(caller), Some(_)) = (&new.caller, self.queues[queue.index()].resume_window) {
            if let Some(r) = self.resume.remove(&(queue, caller.clone())) {
                if r.expires >= now {
                    enqueued = r.enqueued;
                }
            }
        }
        self.next_inc += 1;
        let q = &mut self.queues[queue.index()];
        let key = q.key(new.vip, new.priority, enqueued, new.id);
        let mut entries = self.spare_entries.pop().unwrap_or_default();
        entries.push(Entry { queue, key, since: enqueued });
        q.by_arrival.insert((now, new.id));
        let cold = if new.caller.is_none() && new.data.is_empty() {
            None
        } else {
            Some(Box::new(ColdCall { caller: new.caller, data: new.data }))
        };
        self.calls.insert(
            new.id,
            CallRec {
                inc: self.next_inc,
                home: queue,
                entries,
                priority: new.priority,
                vip: new.vip,
                cold,
                requirement,
                class,
                enqueued,
                arrived: now,
                arrived_home: now,
                phase: Phase::Waiting,
                indexed: false,
                callback,
                next_step: 0,
                progress_seq: 0,
                ring_queue: queue,
                answered_at: Duration::ZERO,
            },
        );
        self.schedule_queue_timers(new.id, queue, true);
        if !self.route_call(new.id) {
            self.index_call(new.id);
        }
        Ok(())
    }

    /// Timers of a call's (new) home queue: overflow steps, max wait, announcements, tiers.
    #[inline]
    fn schedule_queue_timers(&mut self, call: CallId, queue: QueueId, home: bool) {
        let q = &self.queues[queue.index()];
        let any_home = !q.overflow.is_empty() || q.max_wait.is_some() || q.announce.is_some();
        if (home && any_home) || !q.tier_wait.is_zero() {
            self.set_queue_timers(call, queue, home);
        }
        // Otherwise nothing to set (most queues), and the call's look-up is spared.
    }

    fn set_queue_timers(&mut self, call: CallId, queue: QueueId, home: bool) {
        let Some(c) = self.calls.get(&call) else { return };
        let inc = c.inc;
        let since = c.entries.iter().find(|e| e.queue == queue).map_or(self.now, |e| e.since);
        let start = if home { c.arrived_home } else { self.now };
        let q = &self.queues[queue.index()];
        let mut timers = Vec::new();
        if home {
            if let Some((after, _)) = q.overflow.first() {
                timers.push((
                    start.saturating_add(*after),
                    Timer::Step { call, inc, home: queue, step: 0 },
                ));
            }
            if let Some(max) = q.max_wait {
                timers.push((start.saturating_add(max), Timer::MaxWait { call, inc, home: queue }));
            }
            if let Some((first, _)) = q.announce {
                timers.push((
                    start.saturating_add(first),
                    Timer::Announce { call, inc, home: queue },
                ));
            }
        }
        if !q.tier_wait.is_zero() {
            for k in 1..q.tiers.len() {
                let at = since.saturating_add(q.tier_wait.saturating_mul(k as u32)).max(self.now);
                timers.push((at, Timer::Tier { call, inc }));
            }
        }
        for (at, t) in timers {
            self.schedule(at, t);
        }
    }

    /// Routes a waiting call to agents (call-first). True when offered.
    fn route_call(&mut self, call: CallId) -> bool {
        let Some(c) = self.calls.get(&call) else { return false };
        if c.phase != Phase::Waiting {
            return false;
        }
        let now = self.now;
        for i in 0..c.entries.len() {
            let Some(c) = self.calls.get(&call) else { return false };
            let entry = c.entries[i];
            let mut picked = std::mem::take(&mut self.scratch);
            picked.clear();
            let q = &mut self.queues[entry.queue.index()];
            let selection = with_candidates(
                q,
                (call, c),
                entry,
                now,
                &self.agents,
                &mut self.rng,
                |policy, cands| {
                    let selection = policy.select(cands);
                    match selection {
                        Selection::None => {}
                        Selection::One(a) | Selection::Progressive { agent: a, .. } => {
                            picked.push(a);
                        }
                        Selection::All => picked.extend(cands.iter()),
                    }
                    selection
                },
            );
            let agents = &self.agents;
            picked.retain(|&a| may_take(agents, a, c, entry.queue));
            if picked.is_empty() {
                self.scratch = picked;
                continue;
            }
            self.offer(call, entry.queue, &picked);
            self.scratch = picked;
            if let Selection::Progressive { every, .. } = selection {
                self.schedule_progressive(call, every);
            }
            return true;
        }
        false
    }

    fn schedule_progressive(&mut self, call: CallId, every: Duration) {
        let Some(c) = self.calls.get_mut(&call) else { return };
        c.progress_seq += 1;
        let (inc, seq) = (c.inc, c.progress_seq);
        self.schedule(
            self.now.saturating_add(every.max(Duration::from_millis(1))),
            Timer::Progressive { call, inc, seq },
        );
    }

    /// Ring-progressively: add one more agent to a ringing call.
    fn ring_next(&mut self, call: CallId) {
        let Some(c) = self.calls.get(&call) else { return };
        let queue = c.ring_queue;
        let Some(entry) = c.entries.iter().find(|e| e.queue == queue).copied() else { return };
        let q = &mut self.queues[queue.index()];
        let selection = with_candidates(
            q,
            (call, c),
            entry,
            self.now,
            &self.agents,
            &mut self.rng,
            |policy, cands| policy.select(cands),
        );
        let (agent, every) = match selection {
            Selection::Progressive { agent, every } => (Some(agent), Some(every)),
            Selection::One(agent) => (Some(agent), None),
            _ => (None, None),
        };
        if let Some(agent) = agent.filter(|&a| self.may_take(a, call, queue)) {
            if let Some(Phase::Ringing(list)) = self.calls.get_mut(&call).map(|c| &mut c.phase) {
                list.push(agent);
            }
            self.offer_agent(call, queue, agent);
        }
        if let Some(every) = every.or_else(|| {
            let q = &self.queues[queue.index()];
            (q.policy.name() == "ring-progressively").then_some(Duration::from_secs(5))
        }) {
            self.schedule_progressive(call, every);
        }
    }

    /// Whether a policy's pick is legal: ready, indexed, a member, meets the requirement.
    fn may_take(&self, agent: AgentId, call: CallId, queue: QueueId) -> bool {
        self.calls.get(&call).is_some_and(|c| may_take(&self.agents, agent, c, queue))
    }

    fn offer(&mut self, call: CallId, queue: QueueId, agents: &[AgentId]) {
        let mut callback = false;
        if let Some(c) = self.calls.get_mut(&call) {
            unindex_entries(&mut self.queues, c);
            callback = c.callback;
            let mut list = self.spare_lists.pop().unwrap_or_default();
            list.extend_from_slice(agents);
            c.phase = Phase::Ringing(list);
            c.ring_queue = queue;
            // A new offer round: a ring-progressively timer of an earlier round (the call was
            // withdrawn, then offered again, perhaps through another queue) must not add agents
            // to this one.
            c.progress_seq += 1;
        }
        for &a in agents {
            self.offer_agent_with(call, queue, a, callback);
        }
    }

    fn offer_agent(&mut self, call: CallId, queue: QueueId, agent: AgentId) {
        let callback = self.calls.get(&call).is_some_and(|c| c.callback);
        self.offer_agent_with(call, queue, agent, callback);
    }

    fn offer_agent_with(&mut self, call: CallId, queue: QueueId, agent: AgentId, callback: bool) {
        self.unindex_agent_with(agent, true);
        self.set_state(agent, AgentState::Offered(call));
        let member =
            self.agents[agent.index()].memberships.iter().find(|m| m.queue == queue).copied();
        let q = &mut self.queues[queue.index()];
        if let Some(m) = member {
            q.policy.offered(&m);
        }
        let timeout = q.offer_timeout;
        self.actions.push_back(Action::Offer { call, agent, queue, callback });
        if let Some(t) = timeout {
            let epoch = self.agents[agent.index()].epoch;
            self.schedule(self.now.saturating_add(t), Timer::Offer { call, agent, epoch });
        }
    }

    /// Finds a waiting call for a freed agent (agent-first). True when offered.
    fn route_agent(&mut self, agent: AgentId) -> bool {
        let mut heads = std::mem::take(&mut self.heads);
        heads.clear();
        let a = &self.agents[agent.index()];
        let now = self.now;
        for m in &a.memberships {
            let q = &self.queues[m.queue.index()];
            if q.ordered.is_empty() {
                continue;
            }
            let mut best: Option<CallKey> = None;
            let mut consider = |class: ClassId, set: &MonoSet<CallKey>| {
                let Some(head) = set.first() else { return };
                if best.is_some_and(|b| b <= *head) {
                    return;
                }
                let req = &self.classes[class as usize];
                if !req.is_met_by(|s| crate::policy::proficiency_in(&a.skills, s)) {
                    return;
                }
                if m.tier != q.tiers.first().copied().unwrap_or(m.tier) && !q.tier_wait.is_zero() {
                    let since = self
                        .calls
                        .get(&head.id)
                        .and_then(|c| c.entries.iter().find(|e| e.queue == m.queue))
                        .map_or(now, |e| e.since);
                    if m.tier > q.max_tier(now.saturating_sub(since)) {
                        return;
                    }
                }
                best = Some(*head);
            };
            if q.waiting.len() <= 16 {
                for (&class, set) in &q.waiting {
                    consider(class, set);
                }
            } else {
                if let Some(set) = q.waiting.get(&0) {
                    consider(0, set);
                }
                for (skill, _) in &a.skills {
                    for &class in self.classes_by_skill.get(skill).map_or(&[][..], Vec::as_slice) {
                        if let Some(set) = q.waiting.get(&class) {
                            consider(class, set);
                        }
                    }
                }
            }
            if let Some(key) = best {
                let c = &self.calls[&key.id];
                let aged = q.aging.map_or(0.0, |a| {
                    now.saturating_sub(c.enqueued).as_secs_f64() / a.as_secs_f64().max(1e-9)
                });
                heads.push(QueueHead {
                    queue: m.queue,
                    call: key.id,
                    weight: q.weight,
                    share: q.share,
                    vip: c.vip,
                    effective_priority: f64::from(c.priority) + aged,
                    enqueued: c.enqueued,
                });
            }
        }
        let picked = heads.iter().map(|h| h.weight).max().and_then(|top| {
            heads.retain(|h| h.weight == top);
            self.queue_selection.choose(agent, &heads).and_then(|i| heads.get(i).copied())
        });
        self.heads = heads;
        let Some(head) = picked else { return false };
        self.offer(head.call, head.queue, &[agent]);
        true
    }

    fn offer_accepted(&mut self, call: CallId, agent: AgentId) -> Result<(), AcdError> {
        let c = self.calls.get_mut(&call).ok_or(AcdError::UnknownCall(call))?;
        let Phase::Ringing(ringing) = &c.phase else {
            return Err(AcdError::NotOffered { call, agent });
        };
        if !ringing.contains(&agent) {
            return Err(AcdError::NotOffered { call, agent });
        }
        // Usually the agent was the only one ringing: nothing to collect.
        let others: Vec<AgentId> = if ringing.len() > 1 {
            ringing.iter().copied().filter(|&a| a != agent).collect()
        } else {
            Vec::new()
        };
        if let Phase::Ringing(mut list) = std::mem::replace(&mut c.phase, Phase::Connected(agent)) {
            if self.spare_lists.len() < SPARE {
                list.clear();
                self.spare_lists.push(list);
            }
        }
        let now = self.now;
        c.answered_at = now;
        let wait = now.saturating_sub(c.arrived);
        let home = c.home;
        let arrived_home = c.arrived_home;
        let q = &mut self.queues[home.index()];
        q.by_arrival.remove(&(arrived_home, call));
        let within = wait <= q.service_level;
        q.count(|s| {
            s.answered += 1;
            s.answered_wait = s.answered_wait.saturating_add(wait);
            if within {
                s.answered_within += 1;
            }
        });
        self.set_state(agent, AgentState::OnCall(call));
        let a = &mut self.agents[agent.index()];
        a.no_answer_streak = 0;
        a.counters.calls += 1;
        for o in others {
            self.actions.push_back(Action::CancelOffer {
                call,
                agent: o,
                reason: CancelReason::AnsweredElsewhere,
            });
            self.after_offer(o, Duration::ZERO);
        }
        Ok(())
    }

    /// An agent comes back from an offer that did not connect.
    fn after_offer(&mut self, agent: AgentId, delay: Duration) {
        if self.agents[agent.index()].pending.is_some() {
            self.make_ready(agent, true);
            return;
        }
        self.set_state(agent, AgentState::Ready);
        let a = &mut self.agents[agent.index()];
        a.blocked_until =
            if delay.is_zero() { Duration::ZERO } else { self.now.saturating_add(delay) };
        self.become_available(agent);
    }

    fn offer_declined(
        &mut self,
        call: CallId,
        agent: AgentId,
        how: Decline,
    ) -> Result<(), AcdError> {
        let c = self.calls.get_mut(&call).ok_or(AcdError::UnknownCall(call))?;
        let Phase::Ringing(ringing) = &mut c.phase else {
            return Err(AcdError::NotOffered { call, agent });
        };
        let Some(pos) = ringing.iter().position(|&a| a == agent) else {
            return Err(AcdError::NotOffered { call, agent });
        };
        ringing.remove(pos);
        let empty = ringing.is_empty();
        if empty {
            c.phase = Phase::Waiting;
        }
        let a = &mut self.agents[agent.index()];
        a.counters.missed_offers += 1;
        let delay = match how {
            Decline::Reject => a.reject_delay,
            Decline::Busy => a.busy_delay,
            Decline::NoAnswer => a.no_answer_delay,
        };
        let mut not_ready = false;
        if how == Decline::NoAnswer {
            a.no_answer_streak += 1;
            not_ready = a.max_no_answer > 0 && a.no_answer_streak >= a.max_no_answer;
        }
        if empty && !self.route_call(call) {
            self.index_call(call);
        }
        if not_ready {
            let state = AgentState::NotReady(NotReadyReason::MaxNoAnswer);
            let a = &mut self.agents[agent.index()];
            a.no_answer_streak = 0;
            a.pending = None;
            self.set_state(agent, state);
            self.actions.push_back(Action::AgentStateChanged { agent, state });
        } else {
            self.after_offer(agent, delay);
        }
        Ok(())
    }

    fn caller_abandoned(&mut self, call: CallId) -> Result<(), AcdError> {
        let c = self.calls.get(&call).ok_or(AcdError::UnknownCall(call))?;
        if matches!(c.phase, Phase::Connected(_)) {
            return Err(AcdError::AlreadyAnswered(call));
        }
        let ringing = match &c.phase {
            Phase::Ringing(list) => list.clone(),
            _ => Vec::new(),
        };
        self.unindex_call(call);
        let Some(c) = self.calls.remove(&call) else { return Ok(()) };
        let (home, arrived, arrived_home, enqueued) =
            (c.home, c.arrived, c.arrived_home, c.enqueued);
        let caller = c.cold.as_mut().and_then(|k| k.caller.take());
        let now = self.now;
        let wait = now.saturating_sub(arrived);
        let q = &mut self.queues[home.index()];
        q.by_arrival.remove(&(arrived_home, call));
        let within = wait <= q.service_level;
        q.count(|s| {
            s.abandoned += 1;
            s.abandoned_wait = s.abandoned_wait.saturating_add(wait);
            if within {
                s.abandoned_within += 1;
            }
        });
        if let (Some(window), Some(caller)) = (q.resume_window, caller) {
            let expires = now.saturating_add(window);
            self.resume.insert((home, caller.clone()), Retained { enqueued, expires });
            self.schedule(expires, Timer::ResumeExpiry { queue: home, caller });
        }
        for a in ringing {
            self.actions.push_back(Action::CancelOffer {
                call,
                agent: a,
                reason: CancelReason::CallerAbandoned,
            });
            self.after_offer(a, Duration::ZERO);
        }
        Ok(())
    }

    fn call_ended(&mut self, call: CallId, _end: CallEnd, hold: Duration) -> Result<(), AcdError> {
        let Some(c) = self.calls.get(&call) else {
            return Err(AcdError::UnknownCall(call));
        };
        let Phase::Connected(agent) = c.phase else {
            return Err(AcdError::NotAnswered(call));
        };
        let Some(c) = self.calls.remove(&call) else { return Err(AcdError::UnknownCall(call)) };
        let (home, answered_at, ring_queue) = (c.home, c.answered_at, c.ring_queue);
        let mut entries = std::mem::take(&mut c.entries);
        let now = self.now;
        let talk = now.saturating_sub(answered_at);
        let hold = hold.min(talk);
        let a = &mut self.agents[agent.index()];
        a.counters.talk_time = a.counters.talk_time.saturating_add(talk);
        a.counters.hold_time = a.counters.hold_time.saturating_add(hold);
        a.last_call_end = Some(now);
        a.wrap_queue = Some(home);
        a.wrap_talk = talk;
        let wrap = a.wrap_up.unwrap_or(self.queues[ring_queue.index()].wrap_up);
        self.queues[home.index()].count(|s| {
            s.talk_time = s.talk_time.saturating_add(talk);
            s.hold_time = s.hold_time.saturating_add(hold);
        });
        if self.spare_entries.len() < SPARE {
            entries.clear();
            self.spare_entries.push(entries);
        }
        // Wrap-up applies however the call ended, a transfer included.
        if wrap.is_zero() {
            self.set_state(agent, AgentState::WrapUp);
            self.finish_wrap_up(agent, false);
        } else {
            self.set_state(agent, AgentState::WrapUp);
            let epoch = self.agents[agent.index()].epoch;
            self.schedule(now.saturating_add(wrap), Timer::WrapUp { agent, epoch });
        }
        Ok(())
    }

    // ----- overflow, exits, announcements -----

    fn overflow_step(&mut self, call: CallId, step: usize) {
        let Some(c) = self.calls.get(&call) else { return };
        let home = c.home;
        let Some((_, action)) = self.queues[home.index()].overflow.get(step).cloned() else {
            return;
        };
        let was_indexed = c.indexed;
        let mut requirement = c.requirement.clone();
        self.unindex_call(call);
        let change;
        let mut moved = None;
        match action {
            Step::Widen => {
                let mut any = std::mem::take(&mut requirement.all_of);
                any.append(&mut requirement.any_of);
                requirement.any_of = any;
                change = OverflowChange::Widened;
            }
            Step::DropSkill(s) => {
                requirement.all_of.retain(|n| n.skill != s);
                requirement.any_of.retain(|n| n.skill != s);
                change = OverflowChange::DroppedSkill(s);
            }
            Step::Lower(by) => {
                for n in requirement.all_of.iter_mut().chain(requirement.any_of.iter_mut()) {
                    n.min = n.min.saturating_sub(by).max(1);
                }
                change = OverflowChange::LoweredProficiency;
            }
            Step::AddQueue(q) => change = OverflowChange::AddedQueue(q),
            Step::MoveTo(q) => {
                moved = Some(q);
                change = OverflowChange::Moved(q);
            }
        }
        requirement.normalise();
        let class = self.intern(&requirement);
        let now = self.now;
        let Some(c) = self.calls.get_mut(&call) else { return };
        c.requirement = requirement;
        c.class = class;
        c.next_step = step + 1;
        if let OverflowChange::AddedQueue(q) = change {
            if !c.entries.iter().any(|e| e.queue == q) {
                let key = self.queues[q.index()].key(c.vip, c.priority, c.enqueued, call);
                c.entries.push(Entry { queue: q, key, since: now });
                self.schedule_queue_timers(call, q, false);
            }
        }
        self.actions.push_back(Action::Overflow { call, step, change });
        if let Some(to) = moved {
            self.queues[home.index()].count(|s| s.overflowed_out += 1);
            self.rehome(call, to);
        } else if let Some((after, _)) = self.queues[home.index()].overflow.get(step + 1) {
            let c = &self.calls[&call];
            let at = c.arrived_home.saturating_add(*after);
            let inc = c.inc;
            self.schedule(at.max(now), Timer::Step { call, inc, home, step: step + 1 });
        }
        if (was_indexed || self.calls.get(&call).is_some_and(|c| c.phase == Phase::Waiting))
            && !self.route_call(call)
        {
            self.index_call(call);
        }
    }

    /// Moves a (non-indexed) call to a new home queue, counting it offered there.
    fn rehome(&mut self, call: CallId, to: QueueId) {
        let now = self.now;
        let Some(c) = self.calls.get_mut(&call) else { return };
        self.queues[c.home.index()].by_arrival.remove(&(c.arrived_home, call));
        c.home = to;
        c.arrived_home = now;
        c.next_step = 0;
        let key = self.queues[to.index()].key(c.vip, c.priority, c.enqueued, call);
        c.entries = vec![Entry { queue: to, key, since: now }];
        let q = &mut self.queues[to.index()];
        q.count(|s| s.offered += 1);
        q.by_arrival.insert((now, call));
        self.schedule_queue_timers(call, to, true);
    }

    fn max_wait(&mut self, call: CallId) {
        let Some(c) = self.calls.get(&call) else { return };
        let home = c.home;
        let target = self.queues[home.index()].max_wait_exit;
        self.actions.push_back(Action::Exit {
            call,
            queue: home,
            reason: ExitReason::MaxWait,
            target,
        });
        if target == ExitTarget::Callback {
            if let Some(c) = self.calls.get_mut(&call) {
                c.callback = true;
            }
            return;
        }
        let ringing = match &c.phase {
            Phase::Ringing(list) => list.clone(),
            _ => Vec::new(),
        };
        self.unindex_call(call);
        self.queues[home.index()].count(|s| s.exited += 1);
        for &a in &ringing {
            self.actions.push_back(Action::CancelOffer {
                call,
                agent: a,
                reason: CancelReason::CallLeft,
            });
        }
        match target {
            ExitTarget::Queue(to) if to != home => {
                if let Some(c) = self.calls.get_mut(&call) {
                    c.phase = Phase::Waiting;
                }
                self.rehome(call, to);
                if !self.route_call(call) {
                    self.index_call(call);
                }
            }
            _ => {
                if let Some(c) = self.calls.remove(&call) {
                    self.queues[home.index()].by_arrival.remove(&(c.arrived_home, call));
                }
            }
        }
        for a in ringing {
            self.after_offer(a, Duration::ZERO);
        }
    }

    /// The load of a queue as an estimator sees it, for a caller at `position`.
    pub fn queue_load(&self, queue: QueueId, position: usize) -> Option<QueueLoad> {
        let q = self.queues.get(queue.index())?;
        let recent_handle_time = (!q.recent_handle.is_empty())
            .then(|| q.recent_handle_sum / q.recent_handle.len() as u32);
        let arrival_rate = match (q.recent_arrivals.front(), q.recent_arrivals.back()) {
            (Some(first), Some(last)) if last > first => {
                Some((q.recent_arrivals.len() - 1) as f64 / (*last - *first).as_secs_f64())
            }
            _ => None,
        };
        Some(QueueLoad {
            position,
            waiting: q.by_arrival.len(),
            serving: q.serving,
            ready: q.ready.len(),
            recent_handle_time,
            arrival_rate,
        })
    }

    /// The estimated remaining wait of a waiting call, by its queue's estimator (or the
    /// queue-state method when the queue has none).
    pub fn estimated_wait(&self, call: CallId) -> Option<Duration> {
        let c = self.calls.get(&call)?;
        let position = self.position_of(c)?;
        let home = c.home;
        let load = self.queue_load(home, position)?;
        match &self.queues[home.index()].estimator {
            Some(e) => e.estimate(&load),
            None => QueueStateEstimator.estimate(&load),
        }
    }

    fn announce(&mut self, call: CallId) {
        let Some(c) = self.calls.get(&call) else { return };
        let (home, inc, indexed) = (c.home, c.inc, c.indexed);
        if c.callback {
            // The caller is off the line: nothing more to announce.
            return;
        }
        if indexed {
            let position = self.position(call).unwrap_or(1);
            let estimated_wait = self.queue_load(home, position).and_then(|load| {
                self.queues[home.index()].estimator.as_ref().and_then(|e| e.estimate(&load))
            });
            self.actions.push_back(Action::Announce {
                call,
                queue: home,
                position,
                estimated_wait,
            });
        }
        if let Some((_, Some(every))) = self.queues[home.index()].announce {
            self.schedule(self.now.saturating_add(every), Timer::Announce { call, inc, home });
        }
    }

    // ----- statistics -----

    fn close_interval(&mut self) {
        let end = self.interval_start.saturating_add(self.interval);
        self.push_report(end);
        // A long stretch with nothing scheduled and no event (a clock jump, a simulator idling
        // overnight) is reported as one report instead of thousands of empty ones.
        let horizon = self.timers.next_due().map_or(self.advance_to, |t| t.min(self.advance_to));
        let step = self.interval.as_nanos().max(1);
        let gap = horizon.saturating_sub(end).as_nanos() / step;
        if gap > MAX_EMPTY_INTERVALS {
            let nanos = end.as_nanos().saturating_add(gap.saturating_mul(step));
            let secs = u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX);
            let skip_end = Duration::new(secs, (nanos % 1_000_000_000) as u32);
            self.push_report(skip_end);
        }
        self.schedule(self.interval_start.saturating_add(self.interval), Timer::Interval);
    }

    /// Closes the interval from `interval_start` to `end`.
    fn push_report(&mut self, end: Duration) {
        let saved = self.now;
        self.now = end;
        let agents = (0..self.agents.len())
            .map(|i| {
                let cum = self.agent_counters(AgentId(i as u32));
                let a = &mut self.agents[i];
                let delta = cum.minus(&a.snapshot);
                a.snapshot = cum;
                delta
            })
            .collect();
        self.now = saved;
        let queues = self.queues.iter_mut().map(|q| std::mem::take(&mut q.interval)).collect();
        self.closed.push(IntervalReport { start: self.interval_start, end, queues, agents });
        self.interval_start = end;
    }

    fn agent_counters(&self, agent: AgentId) -> AgentCounters {
        let a = &self.agents[agent.index()];
        let t = &a.counters;
        let mut time_in = t.time_in_ns;
        let k = a.state.kind().index();
        time_in[k] =
            time_in[k].saturating_add(nanos(self.now).saturating_sub(nanos(a.state_since)));
        AgentCounters {
            calls: t.calls,
            missed_offers: t.missed_offers,
            talk_time: t.talk_time,
            hold_time: t.hold_time,
            wrap_up_time: t.wrap_up_time,
            time_in: time_in.map(Duration::from_nanos),
        }
    }

    /// Closed interval reports not yet taken, oldest first.
    pub fn take_intervals(&mut self) -> Vec<IntervalReport> {
        std::mem::take(&mut self.closed)
    }

    /// A queue's real-time statistics.
    pub fn queue_stats(&self, queue: QueueId) -> Option<QueueStats> {
        let q = self.queues.get(queue.index())?;
        Some(QueueStats {
            queue,
            name: q.name.clone(),
            counters: q.counters.clone(),
            service_level_threshold: q.service_level,
            waiting: q.by_arrival.len(),
            longest_wait: q.by_arrival.first().map(|(t, _)| self.now.saturating_sub(*t)),
            agents_serving: q.serving,
            agents_ready: q.ready.len(),
        })
    }

    /// An agent's real-time statistics.
    pub fn agent_stats(&self, agent: AgentId) -> Option<AgentStats> {
        let a = self.agents.get(agent.index())?;
        Some(AgentStats {
            agent,
            name: a.name.clone(),
            state: a.state,
            in_state_for: self.now.saturating_sub(a.state_since),
            counters: self.agent_counters(agent),
        })
    }

    /// Ready agents in a queue's index (for tests and dashboards).
    pub fn ready_agents(&self, queue: QueueId) -> Vec<AgentId> {
        self.queues.get(queue.index()).map_or(Vec::new(), |q| q.ready.iter().map(|e| e.2).collect())
    }

    /// The calls waiting (not ringing) in a queue, in the queue's order.
    pub fn waiting_calls(&self, queue: QueueId) -> Vec<CallId> {
        self.queues
            .get(queue.index())
            .map_or(Vec::new(), |q| q.ordered.to_vec().iter().map(|k| k.id).collect())
    }
}

/// Pops the stale entries (of agents no longer indexed) off the front of the skill indexes a
/// requirement will walk, so that the walk starts at a live entry. Each stale entry is popped
/// at most once; its agent's next `index_agent` inserts it again.
/// Runs `f` with a queue's policy and the candidates for `call` in it: the skill indexes the
/// call's requirement searches are pruned of stale entries first, and the tiers are limited by how
/// long the call has waited in the queue. Call-first routing and ring-progressively both ask a
/// policy for agents through this one place.
fn with_candidates<R>(
    q: &mut QueueRec,
    (call, c): (CallId, &CallRec),
    entry: Entry,
    now: Duration,
    agents: &[AgentRec],
    rng: &mut Xoshiro256PlusPlus,
    f: impl FnOnce(&mut dyn RoutingPolicy, &mut Candidates<'_>) -> R,
) -> R {
    let max_tier = q.max_tier(now.saturating_sub(entry.since));
    let QueueRec { policy, ready, by_skill, fenwick, members, .. } = q;
    prune_stale(by_skill, &c.requirement, agents);
    let mut cands = Candidates {
        call: CallView {
            id: call,
            queue: entry.queue,
            priority: c.priority,
            vip: c.vip,
            requirement: &c.requirement,
            waited: now.saturating_sub(c.enqueued),
        },
        max_tier,
        ready,
        by_skill,
        uses_proficiency: policy.uses_proficiency(),
        members,
        fenwick: fenwick.as_mut(),
        agents,
        rng,
    };
    f(policy.as_mut(), &mut cands)
}

/// Takes a call out of its queues' waiting indexes. A class's set is kept when it empties (a
/// queue that often empties would otherwise free and allocate it again and again); a freed
/// agent skips empty sets.
fn unindex_entries(queues: &mut [QueueRec], c: &mut CallRec) {
    if !c.indexed {
        return;
    }
    c.indexed = false;
    for e in &c.entries {
        let q = &mut queues[e.queue.index()];
        if let Some(set) = q.waiting.get_mut(&c.class) {
            set.remove(&e.key);
        }
        q.ordered.remove(&e.key);
    }
}

/// Whether a policy's pick is legal: ready, indexed, a member of `queue`, meets the call's
/// requirement.
fn may_take(agents: &[AgentRec], agent: AgentId, c: &CallRec, queue: QueueId) -> bool {
    agents.get(agent.index()).is_some_and(|a| {
        a.indexed
            && a.state == AgentState::Ready
            && a.memberships.iter().any(|m| m.queue == queue)
            && c.requirement.is_met_by(|s| crate::policy::proficiency_in(&a.skills, s))
    })
}

fn prune_stale(by_skill: &mut [MonoSet<ReadyEntry>], req: &Requirement, agents: &[AgentRec]) {
    for need in req.all_of.iter().chain(&req.any_of) {
        let Some(set) = by_skill.get_mut(need.skill.index()) else { continue };
        while let Some(first) = set.first() {
            if agents.get(first.2.index()).is_none_or(|a| a.indexed) {
                break;
            }
            set.pop_first();
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decline {
    Reject,
    Busy,
    NoAnswer,
}
