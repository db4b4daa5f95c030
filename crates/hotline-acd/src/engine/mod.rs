//! The sans-IO ACD engine: [`Acd`]. This module holds its records, construction, the
//! driving calls (`handle_event`, `handle_timeout`, `poll_timeout`, `poll_action`) and the timers;
//! the rest is by topic in [`agents`], [`calls`], [`overflow`] and [`statistics`].

mod agents;
mod calls;
mod overflow;
mod statistics;

use calls::Decline;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::time::Duration;

use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::agent::{AgentKey, AgentRec, AgentTally};
use crate::config::{Config, ConfigError, ExitConfig, OverflowAction};
use crate::ewt::history::DelayHistory;
use crate::ewt::{QueueLoad, WaitEstimator};
use crate::fenwick::Fenwick;
use crate::ids::{AgentId, CallId, GroupId, QueueId, SkillId};
use crate::model::{
    Action, AgentRequest, AgentState, AgentStateChange, CallEnd, CancelReason, Event, ExitReason,
    ExitTarget, Membership, NewCall, NotReadyReason, OverflowChange, Proficiency, Requirement,
    SkillNeed,
};
use crate::monoset::MonoSet;
use crate::ostree::RankSet;
use crate::policy::{
    AgentView, CallView, Candidates, QueueHead, QueueSelection, ReadyEntry, RoutingPolicy,
    Selection, nanos,
};
use crate::slots::Slots;
use crate::stats::{AgentCounters, AgentStats, IntervalReport, QueueCounters, QueueStats};
use crate::timers::TimerQueue;

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
    estimator: Option<Box<dyn WaitEstimator>>,
    members: Vec<Membership>,
    slot_of: IdMap<AgentId, u32>,
    tiers: Vec<u32>,
    ready: MonoSet<ReadyEntry>,
    by_skill: Vec<MonoSet<ReadyEntry>>,
    waiting: IdMap<ClassId, MonoSet<CallKey>>,
    ordered: RankSet<CallKey>,
    by_arrival: MonoSet<(Duration, CallId)>,
    counters: QueueCounters,
    interval: QueueCounters,
    serving: usize,
    recent_arrivals: VecDeque<Duration>,
    /// Waits and handle times for the wait estimators (the queue-state estimator's recent
    /// handle time included).
    history: DelayHistory,
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

    /// A call leaves its home queue's waiting line, answered or abandoned: out of the arrival
    /// order, into the delay history (the wait in this queue, from `arrived_home`), and counted
    /// with its `wait` in the center against the service-level threshold.
    #[inline]
    fn call_left(
        &mut self,
        call: CallId,
        arrived_home: Duration,
        now: Duration,
        wait: Duration,
        how: Left,
    ) {
        self.by_arrival.remove(&(arrived_home, call));
        let in_queue = now.saturating_sub(arrived_home);
        match how {
            Left::Answered => self.history.entered_service(in_queue),
            Left::Abandoned => self.history.abandoned(in_queue),
        }
        let within = wait <= self.service_level;
        self.count(|s| {
            let (n, total, n_within) = match how {
                Left::Answered => (&mut s.answered, &mut s.answered_wait, &mut s.answered_within),
                Left::Abandoned => {
                    (&mut s.abandoned, &mut s.abandoned_wait, &mut s.abandoned_within)
                }
            };
            *n += 1;
            *total = total.saturating_add(wait);
            if within {
                *n_within += 1;
            }
        });
    }
}

/// How a call left its queue's waiting line ([`QueueRec::call_left`]).
#[derive(Debug, Clone, Copy)]
enum Left {
    Answered,
    Abandoned,
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
    kind: u32,
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
/// Feed it [`Event`]s with [`handle_event`](Acd::handle_event), take its [`Action`]s with
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
/// acd.handle_event(Duration::from_secs(1), Event::CallArrived(NewCall::new(CallId(7), sales))).unwrap();
/// assert!(matches!(acd.poll_action(), Some(Action::Offer { call: CallId(7), agent, .. }) if agent == alice));
/// ```
#[derive(Debug)]
pub struct Acd {
    now: Duration,
    /// See [`Acd::keep_wait_history`].
    keep_wait_history: bool,
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
    timers: TimerQueue<Timer>,
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
    /// Agent groups: names and idle agents.
    groups: Groups,
    /// Per queue, its policy and random-draw weights: apart from the queues, so that a policy
    /// can be asked (mutably) while it reads every queue through a [`CenterView`].
    routing: Vec<Routing>,
    /// Every agent state change not yet taken, while [`Acd::record_agent_states`] is on.
    state_log: Option<VecDeque<AgentStateChange>>,
}

/// The agent groups: names by [`GroupId`], and each group's agents that are indexed (ready,
/// not ringing, not held back).
#[derive(Debug, Default)]
struct Groups {
    names: Vec<String>,
    idle: Vec<u32>,
}

/// A queue's routing policy and the weight index its random draws use.
#[derive(Debug)]
struct Routing {
    policy: Box<dyn RoutingPolicy>,
    fenwick: Option<Fenwick>,
    /// The policy's [`RoutingPolicy::admits_all`], read once when it is installed.
    admits_all: bool,
    /// The policy's [`RoutingPolicy::uses_proficiency`], read once when it is installed.
    uses_proficiency: bool,
}

impl Routing {
    fn new(policy: Box<dyn RoutingPolicy>) -> Routing {
        Routing {
            admits_all: policy.admits_all(),
            uses_proficiency: policy.uses_proficiency(),
            policy,
            fenwick: None,
        }
    }
}

/// The engine's state as a routing policy sees it: the time, every queue's length and age,
/// idle agents per group and per queue. Every method is O(1) unless it says otherwise.
#[derive(Debug, Clone, Copy)]
pub struct CenterView<'a> {
    now: Duration,
    queues: &'a [QueueRec],
    agents: &'a [AgentRec],
    groups: &'a Groups,
}

/// One queue, as a routing policy sees it ([`CenterView::queue`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueueView<'a> {
    /// The queue.
    pub id: QueueId,
    /// Its name.
    pub name: &'a str,
    /// Its weight (a freed agent serves its highest-weight queues first).
    pub weight: u32,
    /// Calls waiting in it (not ringing), those that overflowed into it included.
    pub waiting: usize,
    /// Its members that are ready for a call now (not ringing, not held back by a delay).
    pub idle: usize,
    /// Its members logged in and serving (ready, ringing, talking or in wrap-up).
    pub serving: usize,
    /// When the oldest call that arrived in it and is not yet answered (waiting or ringing)
    /// arrived.
    pub oldest_arrival: Option<Duration>,
}

impl<'a> CenterView<'a> {
    /// The time of the decision.
    pub fn now(&self) -> Duration {
        self.now
    }

    /// The number of queues.
    pub fn queue_count(&self) -> usize {
        self.queues.len()
    }

    /// One queue's length, age and idle agents.
    pub fn queue(&self, queue: QueueId) -> Option<QueueView<'a>> {
        let q = self.queues.get(queue.index())?;
        Some(QueueView {
            id: queue,
            name: &q.name,
            weight: q.weight,
            waiting: q.ordered.len(),
            idle: q.ready.len(),
            serving: q.serving,
            oldest_arrival: q.by_arrival.first().map(|&(t, _)| t),
        })
    }

    /// How long the oldest unanswered call of `queue` has been in it (zero when none).
    pub fn oldest_wait(&self, queue: QueueId) -> Duration {
        self.queue(queue)
            .and_then(|q| q.oldest_arrival)
            .map_or(Duration::ZERO, |t| self.now.saturating_sub(t))
    }

    /// The id of the group called `name` (O(groups)).
    pub fn group_id(&self, name: &str) -> Option<GroupId> {
        self.groups.names.iter().position(|g| g == name).map(|i| GroupId(i as u32))
    }

    /// The name of a group.
    pub fn group_name(&self, group: GroupId) -> Option<&'a str> {
        self.groups.names.get(group.index()).map(String::as_str)
    }

    /// The agents of `group` ready for a call now (not ringing, not held back by a delay). An
    /// agent being asked about in [`RoutingPolicy::admit`](crate::RoutingPolicy::admit) is not
    /// counted: it has just freed up and is not yet in the ready indexes.
    pub fn idle_in_group(&self, group: GroupId) -> usize {
        self.groups.idle.get(group.index()).map_or(0, |&n| n as usize)
    }

    /// What a policy may know of any agent.
    pub fn agent(&self, agent: AgentId) -> Option<AgentView<'a>> {
        self.agents.get(agent.index()).map(|a| a.view(agent))
    }
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
                estimator: q.announce.as_ref().and_then(|a| a.method.estimator()),
                members: Vec::new(),
                slot_of: IdMap::default(),
                tiers: Vec::new(),
                ready: MonoSet::new(),
                by_skill: Vec::new(),
                waiting: IdMap::default(),
                ordered: RankSet::new(config.seed, |k: &CallKey| k.id.0),
                by_arrival: MonoSet::new(),
                counters: QueueCounters::default(),
                interval: QueueCounters::default(),
                serving: 0,
                recent_arrivals: VecDeque::new(),
                history: DelayHistory::default(),
            })
            .collect();

        let mut agents = Vec::with_capacity(config.agents.len());
        let mut groups: Vec<String> = Vec::new();
        let mut group_by_name: HashMap<&str, GroupId> = HashMap::new();
        for (i, a) in config.agents.iter().enumerate() {
            let id = AgentId(i as u32);
            let group = a.group.as_deref().map(|g| {
                *group_by_name.entry(g).or_insert_with(|| {
                    groups.push(g.to_owned());
                    GroupId(groups.len() as u32 - 1)
                })
            });
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
                group,
                speed: a.speed,
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
            keep_wait_history: true,
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
            timers: TimerQueue::default(),
            next_inc: 0,
            actions: VecDeque::new(),
            rng: Xoshiro256PlusPlus::seed_from_u64(config.seed),
            scratch: Vec::new(),
            heads: Vec::new(),
            spare_lists: Vec::new(),
            spare_entries: Vec::new(),
            resume: HashMap::new(),
            closed: Vec::new(),
            groups: Groups { idle: vec![0; groups.len()], names: groups },
            routing: config
                .queues
                .iter()
                .map(|q| Routing::new(q.policy.build(q.ring_every)))
                .collect(),
            state_log: None,
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

    /// The id of the agent group called `name` ([`AgentConfig::group`](crate::AgentConfig::group)).
    pub fn group_id(&self, name: &str) -> Option<GroupId> {
        self.center().group_id(name)
    }

    /// An agent's group.
    pub fn agent_group(&self, agent: AgentId) -> Option<GroupId> {
        self.agents.get(agent.index()).and_then(|a| a.group)
    }

    /// The engine's state as a routing policy sees it.
    pub fn center(&self) -> CenterView<'_> {
        CenterView {
            now: self.now,
            queues: &self.queues,
            agents: &self.agents,
            groups: &self.groups,
        }
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
        self.routing[queue.index()] = Routing::new(policy);
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
        q.history.keep_waits(
            self.keep_wait_history || q.estimator.as_ref().is_some_and(|e| e.reads_history()),
        );
        Ok(())
    }

    /// Whether the engine keeps every queue's wait history: the waits of the calls that last
    /// entered service or abandoned, which the history-based estimators (LES, HOL,
    /// recent-delay, QL with abandonment) and the history fields of [`Acd::queue_load`] read.
    /// On by default. A host that reads none of them may turn it off to spare the bookkeeping
    /// on every answered and abandoned call (the simulator does, when no estimator, policy or
    /// record reads them); a queue whose own estimator reads the history keeps it regardless,
    /// and [`Acd::queue_load`] of the others then leaves `abandonment_rate`,
    /// `last_entered_wait` and `recent_wait` `None`. Turning it off forgets what was kept;
    /// handle times are always kept.
    pub fn keep_wait_history(&mut self, keep: bool) {
        self.keep_wait_history = keep;
        for q in &mut self.queues {
            q.history.keep_waits(keep || q.estimator.as_ref().is_some_and(|e| e.reads_history()));
        }
    }

    /// Records every agent state change, for a host that compares agents' states with their
    /// schedule (adherence) or keeps a state history: while on, each change of an agent's
    /// [`AgentState`], whoever caused it (a request, an offer, an answer, a call's end, the
    /// wrap-up timer, the no-answer limit), is queued as an [`AgentStateChange`] for
    /// [`Acd::poll_agent_state`]. Turning it on queues every agent's current state at the
    /// engine's current time first, so the changes taken from then on describe each agent's
    /// whole timeline; turning it on again while on changes nothing (no change is lost);
    /// turning it off drops what was not taken. Off by default: the engine
    /// then keeps nothing and its decisions are the same either way.
    ///
    /// The queue grows until it is drained: a host that turns this on takes the changes with
    /// [`Acd::poll_agent_state`] (after each call, or at the end of a bounded run).
    pub fn record_agent_states(&mut self, on: bool) {
        if !on {
            self.state_log = None;
            return;
        }
        if self.state_log.is_some() {
            // Already on: the changes not yet taken stay.
            return;
        }
        let now = self.now;
        let log = self.state_log.insert(VecDeque::new());
        log.extend(self.agents.iter().enumerate().map(|(i, a)| AgentStateChange {
            at: now,
            agent: AgentId(i as u32),
            state: a.state,
        }));
    }

    /// The next recorded agent state change (oldest first), while
    /// [`Acd::record_agent_states`] is on; `None` otherwise or when all were taken.
    pub fn poll_agent_state(&mut self) -> Option<AgentStateChange> {
        self.state_log.as_mut()?.pop_front()
    }

    /// Replaces the queue-selection policy.
    pub fn set_queue_selection(&mut self, selection: Box<dyn QueueSelection>) {
        self.queue_selection = selection;
    }

    fn rebuild_fenwick(&mut self, queue: QueueId) {
        let q = &self.queues[queue.index()];
        let r = &mut self.routing[queue.index()];
        let wants = q.members.first().and_then(|m| r.policy.random_weight(m)).is_some();
        if !wants {
            r.fenwick = None;
            return;
        }
        let mut f = Fenwick::new(q.members.len());
        for (slot, m) in q.members.iter().enumerate() {
            if self.agents[m.agent.index()].indexed {
                f.set(slot, r.policy.random_weight(m).unwrap_or(0));
            }
        }
        r.fenwick = Some(f);
    }

    // ----- the sans-IO interface -----

    /// Applies one event at time `now` (after processing every timer due by then).
    ///
    /// # Errors
    ///
    /// An [`AcdError`] when the event names something unknown or no longer applies (an answer
    /// to a withdrawn offer, say); the engine is then unchanged.
    pub fn handle_event(&mut self, now: Duration, event: Event) -> Result<(), AcdError> {
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
                if let Some(c) = self.calls.get(&call)
                    && c.inc == inc
                    && c.home == home
                    && c.next_step == step
                    && !matches!(c.phase, Phase::Connected(_))
                {
                    self.overflow_step(call, step);
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
}
