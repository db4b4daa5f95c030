//! Routing policies: which ready agent gets a call ([`RoutingPolicy`]), and which waiting call a
//! freed agent takes when several queues wait ([`QueueSelection`]).
//!
//! The engine keeps, for every queue, its ready members in an ordered index keyed by
//! `(tier, AgentKey, AgentId)`, and one such index per skill (the key computed with the agent's
//! proficiency in that skill). A policy says how to key an agent ([`RoutingPolicy::agent_key`]) and
//! then picks from the ordered, already filtered [`Candidates`]: most built-in policies just take
//! the first, which costs O(log n) whatever the number of agents. Random policies draw from a
//! Fenwick tree of member weights (O(log n)).

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use rand_core::Rng;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use crate::agent::{AgentKey, AgentRec};
use crate::engine::CenterView;
use crate::fenwick::Fenwick;
use crate::ids::{AgentId, CallId, GroupId, QueueId, SkillId};
use crate::model::{AgentState, MAX_PROFICIENCY, Membership, Proficiency, Requirement};
use crate::monoset::MonoSet;

/// A uniform integer in `0..bound` (0 when `bound` is 0), without modulo bias (Lemire's
/// multiply-and-reject), so that a draw depends only on the generator's documented stream.
pub(crate) fn below(rng: &mut impl Rng, bound: u64) -> u64 {
    if bound == 0 {
        return 0;
    }
    loop {
        let product = u128::from(rng.next_u64()) * u128::from(bound);
        let low = product as u64;
        if low >= bound.wrapping_neg() % bound {
            return (product >> 64) as u64;
        }
    }
}

/// One entry of a ready index: tier first, then the policy's key, then the agent id.
pub(crate) type ReadyEntry = (u32, AgentKey, AgentId);

/// What a policy may know about an agent. Every field is read from the agent's record: building
/// a view is O(1).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct AgentView<'a> {
    /// The agent.
    pub id: AgentId,
    /// Its configured name.
    pub name: &'a str,
    /// Its group ([`AgentConfig::group`](crate::AgentConfig::group)), if it has one; the name is
    /// [`CenterView::group_name`].
    pub group: Option<GroupId>,
    /// Its state now.
    pub state: AgentState,
    /// Its speed factor ([`AgentConfig::speed`](crate::AgentConfig::speed); 1 = the norm).
    pub speed: f64,
    /// Its queue memberships (queue, tier, position, weight), in configuration order.
    pub memberships: &'a [Membership],
    /// When it last became ready (after log-in, not-ready, wrap-up).
    pub idle_since: Duration,
    /// When its last call ended, if it had one.
    pub last_call_end: Option<Duration>,
    /// Calls answered since the engine started.
    pub calls: u64,
    /// Total talk time (answer to end, hold included).
    pub talk_time: Duration,
    /// Total handle time (talk plus wrap-up) of finished calls.
    pub handle_time: Duration,
    /// Number of calls counted in `handle_time`.
    pub handled: u64,
    /// Skills and proficiencies, sorted by skill.
    pub skills: &'a [(SkillId, Proficiency)],
}

impl AgentRec {
    /// What a policy may know of this agent.
    pub(crate) fn view(&self, id: AgentId) -> AgentView<'_> {
        AgentView {
            id,
            name: &self.name,
            group: self.group,
            state: self.state,
            speed: self.speed,
            memberships: &self.memberships,
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

impl AgentView<'_> {
    /// The agent's proficiency in `skill`.
    pub fn proficiency(&self, skill: SkillId) -> Option<Proficiency> {
        proficiency_in(self.skills, skill)
    }

    /// The agent's membership of `queue` (its tier there), if it is a member. O(memberships).
    pub fn membership(&self, queue: QueueId) -> Option<&'_ Membership> {
        self.memberships.iter().find(|m| m.queue == queue)
    }

    /// Average handle time, when the agent has handled a call.
    pub fn average_handle_time(&self) -> Option<Duration> {
        (self.handled > 0)
            .then(|| self.handle_time / u32::try_from(self.handled).unwrap_or(u32::MAX))
    }
}

pub(crate) fn proficiency_in(
    skills: &[(SkillId, Proficiency)],
    skill: SkillId,
) -> Option<Proficiency> {
    skills.binary_search_by_key(&skill, |&(s, _)| s).ok().map(|i| skills[i].1)
}

/// What a policy may know about the call being routed. O(1) to build; the queues' lengths, ages
/// and idle agents are in the [`CenterView`] beside it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct CallView<'a> {
    /// The call.
    pub id: CallId,
    /// The host's number for the call ([`NewCall::kind`](crate::NewCall::kind)): a call type.
    pub kind: u32,
    /// The queue it is being routed from.
    pub queue: QueueId,
    /// Its priority.
    pub priority: i32,
    /// Whether it is VIP.
    pub vip: bool,
    /// Its current requirement (language included as an all-of skill).
    pub requirement: &'a Requirement,
    /// How long it has waited.
    pub waited: Duration,
}

/// The routing decision for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Selection {
    /// No agent now: the call waits in its queue (in every queue it is in), and the policy is
    /// asked again only when something brings the call up again: a freed agent whose
    /// [`RoutingPolicy::admit`] takes it, a tier or overflow timer, or a
    /// [`Selection::WaitUntil`] the policy asked for. A policy that holds calls back for a
    /// while must therefore ask for its own wake-up.
    None,
    /// No agent now, and ask this policy again at this time (a [`Duration`] since the engine's
    /// epoch, like `now`): the engine sets a timer and routes the call afresh when it fires, if
    /// the call still waits. "Use the flexible agents once the call waited 30 s" is a policy
    /// that returns `WaitUntil(arrival + 30 s)` while only flexible agents are free. A time at
    /// or before now is the same as [`Selection::None`].
    WaitUntil(Duration),
    /// Offer to this agent.
    One(AgentId),
    /// Offer to every eligible ready agent at once; the first to accept takes it.
    All,
    /// Offer to this agent, then add the next one the policy picks every `every`, keeping the
    /// earlier ones ringing.
    Progressive {
        /// The first agent.
        agent: AgentId,
        /// The interval between adding agents.
        every: Duration,
    },
}

/// The ready agents that may take a call, in the queue's order, with ways to pick among them.
///
/// Only agents that are ready (and not held back by a delay), meet the call's requirement and sit
/// in a tier the call has reached are ever returned.
#[derive(Debug)]
pub struct Candidates<'a> {
    pub(crate) call: CallView<'a>,
    pub(crate) max_tier: u32,
    pub(crate) ready: &'a MonoSet<ReadyEntry>,
    pub(crate) by_skill: &'a [MonoSet<ReadyEntry>],
    pub(crate) uses_proficiency: bool,
    pub(crate) members: &'a [Membership],
    pub(crate) fenwick: Option<&'a mut Fenwick>,
    pub(crate) agents: &'a [AgentRec],
    pub(crate) rng: &'a mut Xoshiro256PlusPlus,
    pub(crate) center: CenterView<'a>,
}

impl<'a> Candidates<'a> {
    /// The call being routed.
    pub fn call(&self) -> &CallView<'a> {
        &self.call
    }

    /// The rest of the center: every queue's length and age, idle agents per group and per
    /// queue, the time now.
    pub fn center(&self) -> &CenterView<'a> {
        &self.center
    }

    /// The highest tier the call may go to now.
    pub fn max_tier(&self) -> u32 {
        self.max_tier
    }

    /// The engine's seeded random generator (xoshiro256++ from `rand_xoshiro`, started from
    /// [`Config::seed`](crate::Config::seed)), for policies that draw: the same seed and the
    /// same events give the same draws. Use it through the `rand_core::Rng` trait (or `rand`'s
    /// extension traits on it); its concrete type is not part of this crate's API.
    pub fn rng(&mut self) -> &mut impl Rng {
        self.rng
    }

    /// A view of an agent (for policies that weigh more than the key).
    pub fn agent(&self, agent: AgentId) -> Option<AgentView<'a>> {
        self.agents.get(agent.index()).map(|a| a.view(agent))
    }

    /// The agent is indexed (skill indexes may hold stale entries of agents an offer took out)
    /// and meets the call's requirement.
    fn eligible(&self, entry: &ReadyEntry) -> bool {
        self.agents.get(entry.2.index()).is_some_and(|a| {
            a.indexed && self.call.requirement.is_met_by(|s| proficiency_in(&a.skills, s))
        })
    }

    /// The index to walk: the primary skill's (for proficiency-ranked policies) or the
    /// smallest all-of skill's; `None` means every ready member (requirement without all-of).
    fn all_of_index(&self) -> Option<&'a MonoSet<ReadyEntry>> {
        let req = self.call.requirement;
        if req.all_of.is_empty() {
            return None;
        }
        static EMPTY: MonoSet<ReadyEntry> = MonoSet::new();
        let get = |s: SkillId| self.by_skill.get(s.index()).unwrap_or(&EMPTY);
        if self.uses_proficiency {
            return Some(get(req.all_of[0].skill));
        }
        req.all_of.iter().map(|n| get(n.skill)).min_by_key(|set| set.len())
    }

    fn first_in(&self, set: &MonoSet<ReadyEntry>) -> Option<ReadyEntry> {
        // Usually the first entry is the answer: looked at directly, without setting up an
        // iterator over the set's run and B-trees.
        let first = set.first()?;
        if first.0 > self.max_tier {
            return None;
        }
        if self.eligible(first) {
            return Some(*first);
        }
        set.iter().take_while(|e| e.0 <= self.max_tier).find(|e| self.eligible(e)).copied()
    }

    /// The first eligible agent in the queue's order (O(log n) when agents meet the requirement).
    pub fn first(&self) -> Option<AgentId> {
        self.first_entry().map(|e| e.2)
    }

    fn first_entry(&self) -> Option<ReadyEntry> {
        if let Some(set) = self.all_of_index() {
            return self.first_in(set);
        }
        let req = self.call.requirement;
        if req.any_of.is_empty() {
            return self.first_in(self.ready);
        }
        req.any_of
            .iter()
            .filter_map(|n| self.by_skill.get(n.skill.index()))
            .filter_map(|set| self.first_in(set))
            .min()
    }

    /// Every eligible agent, in the queue's order (by the call's primary skill for
    /// proficiency-ranked policies; for an any-of requirement, by the generic key).
    pub fn iter(&self) -> impl Iterator<Item = AgentId> + '_ {
        let set = self.all_of_index().unwrap_or(self.ready);
        set.iter().take_while(|e| e.0 <= self.max_tier).filter(|e| self.eligible(e)).map(|e| e.2)
    }

    /// Every eligible agent, collected.
    pub fn all(&self) -> Vec<AgentId> {
        self.iter().collect()
    }

    /// Round-robin: in the lowest tier that has an eligible agent, the first whose key is at or
    /// after `from`, wrapping around to the start of that tier.
    pub fn first_from(&self, from: AgentKey) -> Option<AgentId> {
        let set = self.all_of_index().unwrap_or(self.ready);
        let wrap = if self.call.requirement.all_of.is_empty()
            && !self.call.requirement.any_of.is_empty()
        {
            // any-of: walk the generic index.
            self.first_in(self.ready)
        } else {
            self.first_in(set)
        }?;
        let tier = wrap.0;
        let after = set
            .range_from((tier, from, AgentId(0)))
            .take_while(|e| e.0 == tier)
            .find(|e| self.eligible(e));
        Some(after.map_or(wrap.2, |e| e.2))
    }

    /// A random eligible agent of the lowest tier that has one, drawn in proportion to the
    /// policy's [`RoutingPolicy::random_weight`] (uniform when it returns 1). O(log n) per draw;
    /// agents that do not meet the requirement are set aside and redrawn.
    pub fn random(&mut self) -> Option<AgentId> {
        let Some(fenwick) = self.fenwick.take() else {
            // The policy keeps no weights: draw uniformly from the collected candidates.
            let all = self.all();
            let i = below(self.rng, all.len() as u64) as usize;
            return all.get(i).copied();
        };
        let first = self.first_entry();
        let mut chosen = None;
        if let Some(first) = first {
            let tier = first.0;
            let lo = self.members.partition_point(|m| m.tier < tier);
            let hi = self.members.partition_point(|m| m.tier <= tier);
            let mut set_aside: Vec<(usize, u64)> = Vec::new();
            loop {
                let base = fenwick.prefix(lo);
                let total = fenwick.prefix(hi).wrapping_sub(base);
                if total == 0 {
                    break;
                }
                let slot = fenwick.find(base + below(self.rng, total));
                let Some(member) = self.members.get(slot) else { break };
                let agent = member.agent;
                let ok = self.agents.get(agent.index()).is_some_and(|a| {
                    self.call.requirement.is_met_by(|s| proficiency_in(&a.skills, s))
                });
                if ok {
                    chosen = Some(agent);
                    break;
                }
                set_aside.push((slot, fenwick.weight(slot)));
                fenwick.set(slot, 0);
            }
            for (slot, weight) in set_aside {
                fenwick.set(slot, weight);
            }
            // The first eligible agent exists, so a draw can only fail if its weight is zero.
            chosen = chosen.or(Some(first.2));
        }
        self.fenwick = Some(fenwick);
        chosen
    }
}

/// How a queue's calls meet agents: every routing decision of the engine that concerns a
/// queue's calls is this trait's. Implement it to plug a custom policy into the engine (see
/// [`Acd::set_policy`](crate::Acd::set_policy)); the built-in policies are the examples, and the
/// simulator runs the same trait (`hotline_sim::PolicyChoice::Custom`).
///
/// The decision points:
///
/// 1. **A call arrives** (or is routed again: an overflow step, a tier timer, a declined offer):
///    [`select`](Self::select) chooses among the ready agents ([`Candidates`]) or lets the call
///    wait ([`Selection::None`]), possibly asking to be consulted again at a given time
///    ([`Selection::WaitUntil`]).
/// 2. **An agent frees up** (log-in, end of wrap-up, a declined offer, not-ready ended): the
///    engine finds, in each queue the agent serves, the first waiting call it may take, and asks
///    that queue's policy whether the agent takes it: [`admit`](Self::admit). Among the calls
///    admitted, the highest queue weight wins, then the engine's
///    [`QueueSelection`] (oldest call by default). An agent no queue admits stays idle.
/// 3. **A timer the policy asked for**: [`Selection::WaitUntil`] routes the call again at that
///    time, through `select`.
///
/// The engine's built-in limits hold whatever a policy says: an agent is offered a call only
/// if it is ready, a member of the queue, meets the call's requirement and sits in a tier the
/// call has reached.
pub trait RoutingPolicy: fmt::Debug + Send {
    /// A short name, for reports.
    fn name(&self) -> &str;

    /// The key that orders this queue's ready agents (lowest first, after the tier). Called when
    /// an agent becomes ready, with its proficiency in a skill when keying that skill's index.
    /// The default orders by longest idle.
    fn agent_key(
        &self,
        agent: &AgentView<'_>,
        member: &Membership,
        proficiency: Option<Proficiency>,
    ) -> AgentKey {
        let _ = (member, proficiency);
        AgentKey::new(nanos(agent.idle_since), 0)
    }

    /// True when [`agent_key`](Self::agent_key) depends on the proficiency: candidates are
    /// then walked in the call's primary skill's index. Read once, when the policy is
    /// installed.
    fn uses_proficiency(&self) -> bool {
        false
    }

    /// The weight of a member for random draws; `None` (the default) keeps no weight index.
    fn random_weight(&self, member: &Membership) -> Option<u64> {
        let _ = member;
        None
    }

    /// Chooses the agent(s) for a call.
    fn select(&mut self, candidates: &mut Candidates<'_>) -> Selection;

    /// Told that `member` was offered a call chosen by this policy (for round-robin memory).
    fn offered(&mut self, member: &Membership) {
        let _ = member;
    }

    /// Decision point 2: whether `agent`, just freed, may take `call`, the first call of this
    /// queue it could serve (in the queue's order: VIP, priority with aging, arrival). Return
    /// false to keep the agent away from this queue for now: it then takes a call of another
    /// queue, or stays idle until its next decision (a call arriving, or a
    /// [`Selection::WaitUntil`] timer, whose [`select`](Self::select) may pick it). The
    /// default admits every call, which is the classic ACD: a freed agent takes the oldest call
    /// of its highest-weight queues.
    ///
    /// Trunk reservation, for example: a flexible agent takes a type-A call only while more
    /// than *k* agents of its group are idle (`center.idle_in_group(group) > k`).
    ///
    /// It takes `&self`: the decision reads the state it is shown (and the policy's own, kept
    /// up to date in [`select`](Self::select) and [`offered`](Self::offered)), and costs the
    /// engine no more than a call through the trait object for each queue a freed agent
    /// serves.
    fn admit(&self, agent: &AgentView<'_>, call: &CallView<'_>, center: &CenterView<'_>) -> bool {
        let _ = (agent, call, center);
        true
    }

    /// A hint for the engine: true when [`admit`](Self::admit) returns true whatever it is
    /// shown, so that a freed agent's heads need not be shown to it (the built-in policies say
    /// so, which keeps their cost where it was before `admit` existed). The default is false:
    /// a policy is always asked unless it says this. A policy that overrides `admit` must not
    /// return true here.
    fn admits_all(&self) -> bool {
        false
    }
}

/// A duration as whole nanoseconds, saturating (584 years).
pub(crate) fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

macro_rules! simple_policy {
    ($(#[$doc:meta])* $ty:ident, $name:literal, |$agent:ident, $member:ident, $prof:ident| $key:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default)]
        pub struct $ty;

        impl RoutingPolicy for $ty {
            fn name(&self) -> &str {
                $name
            }

            fn agent_key(
                &self,
                $agent: &AgentView<'_>,
                $member: &Membership,
                $prof: Option<Proficiency>,
            ) -> AgentKey {
                let _ = (&$agent, &$member, &$prof);
                $key
            }

            fn select(&mut self, candidates: &mut Candidates<'_>) -> Selection {
                candidates.first().map_or(Selection::None, Selection::One)
            }

            fn admits_all(&self) -> bool {
                true
            }
        }
    };
}

simple_policy!(
    /// The agent ready the longest (since log-in, not-ready or wrap-up ended).
    LongestIdle, "longest-idle", |agent, member, prof| AgentKey::new(nanos(agent.idle_since), 0)
);
simple_policy!(
    /// The agent whose last call ended the longest ago (agents without a call first): Asterisk's
    /// `leastrecent`, counted across every queue of the agent.
    LeastRecent, "least-recent",
    |agent, member, prof| AgentKey::new(agent.last_call_end.map_or(0, |t| nanos(t).saturating_add(1)), nanos(agent.idle_since))
);
simple_policy!(
    /// The agent with the least talk time so far, then longest idle.
    LeastTalkTime, "least-talk-time",
    |agent, member, prof| AgentKey::new(nanos(agent.talk_time), nanos(agent.idle_since))
);
simple_policy!(
    /// The agent who answered the fewest calls so far (across queues), then longest idle.
    FewestCalls, "fewest-calls", |agent, member, prof| AgentKey::new(agent.calls, nanos(agent.idle_since))
);
simple_policy!(
    /// Linear / top-down: always the first ready agent in position order.
    Linear, "linear", |agent, member, prof| AgentKey::new(u64::from(member.position), 0)
);
simple_policy!(
    /// The agent with the shortest average handle time (agents without history first), then
    /// longest idle.
    FastestAgent, "fastest-agent",
    |agent, member, prof| AgentKey::new(agent.average_handle_time().map_or(0, nanos), nanos(agent.idle_since))
);

/// Skills best-match: the highest proficiency in the call's primary skill, then longest idle.
#[derive(Debug, Clone, Default)]
pub struct SkillsBestMatch;

impl RoutingPolicy for SkillsBestMatch {
    fn name(&self) -> &str {
        "skills-best-match"
    }

    fn agent_key(
        &self,
        agent: &AgentView<'_>,
        _: &Membership,
        prof: Option<Proficiency>,
    ) -> AgentKey {
        let gap = MAX_PROFICIENCY.saturating_sub(prof.unwrap_or(0));
        AgentKey::new(u64::from(gap), nanos(agent.idle_since))
    }

    fn uses_proficiency(&self) -> bool {
        true
    }

    fn select(&mut self, candidates: &mut Candidates<'_>) -> Selection {
        candidates.first().map_or(Selection::None, Selection::One)
    }

    fn admits_all(&self) -> bool {
        true
    }
}

/// Round-robin with memory: the next agent in position order after the one last offered a call,
/// wrapping around.
#[derive(Debug, Clone, Default)]
pub struct RoundRobin {
    last: Option<u32>,
}

impl RoutingPolicy for RoundRobin {
    fn name(&self) -> &str {
        "round-robin"
    }

    fn agent_key(
        &self,
        _: &AgentView<'_>,
        member: &Membership,
        _: Option<Proficiency>,
    ) -> AgentKey {
        AgentKey::new(u64::from(member.position), 0)
    }

    fn select(&mut self, candidates: &mut Candidates<'_>) -> Selection {
        let from = AgentKey::new(self.last.map_or(0, |p| u64::from(p) + 1), 0);
        candidates.first_from(from).map_or(Selection::None, Selection::One)
    }

    fn admits_all(&self) -> bool {
        true
    }

    fn offered(&mut self, member: &Membership) {
        self.last = Some(member.position);
    }
}

/// A uniformly random eligible agent (from the engine's seeded generator).
#[derive(Debug, Clone, Default)]
pub struct Random;

impl RoutingPolicy for Random {
    fn name(&self) -> &str {
        "random"
    }

    fn random_weight(&self, _: &Membership) -> Option<u64> {
        Some(1)
    }

    fn select(&mut self, candidates: &mut Candidates<'_>) -> Selection {
        candidates.random().map_or(Selection::None, Selection::One)
    }

    fn admits_all(&self) -> bool {
        true
    }
}

/// A random eligible agent drawn in proportion to its membership weight.
#[derive(Debug, Clone, Default)]
pub struct WeightedRandom;

impl RoutingPolicy for WeightedRandom {
    fn name(&self) -> &str {
        "weighted-random"
    }

    fn random_weight(&self, member: &Membership) -> Option<u64> {
        Some(u64::from(member.weight))
    }

    fn select(&mut self, candidates: &mut Candidates<'_>) -> Selection {
        candidates.random().map_or(Selection::None, Selection::One)
    }

    fn admits_all(&self) -> bool {
        true
    }
}

/// Ring every eligible ready agent of the lowest reached tiers at once.
#[derive(Debug, Clone, Default)]
pub struct RingAll;

impl RoutingPolicy for RingAll {
    fn name(&self) -> &str {
        "ring-all"
    }

    fn select(&mut self, candidates: &mut Candidates<'_>) -> Selection {
        if candidates.first().is_some() { Selection::All } else { Selection::None }
    }

    fn admits_all(&self) -> bool {
        true
    }
}

/// Ring agents in position order, adding one more every `every` while the earlier keep ringing.
#[derive(Debug, Clone)]
pub struct RingProgressively {
    /// The interval between adding agents.
    pub every: Duration,
}

impl RoutingPolicy for RingProgressively {
    fn name(&self) -> &str {
        "ring-progressively"
    }

    fn agent_key(
        &self,
        _: &AgentView<'_>,
        member: &Membership,
        _: Option<Proficiency>,
    ) -> AgentKey {
        AgentKey::new(u64::from(member.position), 0)
    }

    fn select(&mut self, candidates: &mut Candidates<'_>) -> Selection {
        candidates
            .first()
            .map_or(Selection::None, |agent| Selection::Progressive { agent, every: self.every })
    }

    fn admits_all(&self) -> bool {
        true
    }
}

/// The built-in agent-selection policies, by their configuration names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum PolicyName {
    /// [`LongestIdle`].
    LongestIdle,
    /// [`LeastRecent`].
    LeastRecent,
    /// [`LeastTalkTime`].
    LeastTalkTime,
    /// [`FewestCalls`].
    FewestCalls,
    /// [`RoundRobin`].
    RoundRobin,
    /// [`Linear`] (also called top-down).
    #[serde(alias = "top-down")]
    Linear,
    /// [`Random`].
    Random,
    /// [`WeightedRandom`].
    WeightedRandom,
    /// [`RingAll`].
    RingAll,
    /// [`RingProgressively`].
    RingProgressively,
    /// [`SkillsBestMatch`].
    SkillsBestMatch,
    /// [`FastestAgent`].
    FastestAgent,
}

impl PolicyName {
    /// Every built-in policy.
    pub const ALL: [PolicyName; 12] = [
        PolicyName::LongestIdle,
        PolicyName::LeastRecent,
        PolicyName::LeastTalkTime,
        PolicyName::FewestCalls,
        PolicyName::RoundRobin,
        PolicyName::Linear,
        PolicyName::Random,
        PolicyName::WeightedRandom,
        PolicyName::RingAll,
        PolicyName::RingProgressively,
        PolicyName::SkillsBestMatch,
        PolicyName::FastestAgent,
    ];

    /// A fresh instance of the policy (`ring_every` is ring-progressively's interval).
    pub fn build(self, ring_every: Duration) -> Box<dyn RoutingPolicy> {
        match self {
            PolicyName::LongestIdle => Box::new(LongestIdle),
            PolicyName::LeastRecent => Box::new(LeastRecent),
            PolicyName::LeastTalkTime => Box::new(LeastTalkTime),
            PolicyName::FewestCalls => Box::new(FewestCalls),
            PolicyName::RoundRobin => Box::new(RoundRobin::default()),
            PolicyName::Linear => Box::new(Linear),
            PolicyName::Random => Box::new(Random),
            PolicyName::WeightedRandom => Box::new(WeightedRandom),
            PolicyName::RingAll => Box::new(RingAll),
            PolicyName::RingProgressively => Box::new(RingProgressively { every: ring_every }),
            PolicyName::SkillsBestMatch => Box::new(SkillsBestMatch),
            PolicyName::FastestAgent => Box::new(FastestAgent),
        }
    }

    /// The configuration name.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyName::LongestIdle => "longest-idle",
            PolicyName::LeastRecent => "least-recent",
            PolicyName::LeastTalkTime => "least-talk-time",
            PolicyName::FewestCalls => "fewest-calls",
            PolicyName::RoundRobin => "round-robin",
            PolicyName::Linear => "linear",
            PolicyName::Random => "random",
            PolicyName::WeightedRandom => "weighted-random",
            PolicyName::RingAll => "ring-all",
            PolicyName::RingProgressively => "ring-progressively",
            PolicyName::SkillsBestMatch => "skills-best-match",
            PolicyName::FastestAgent => "fastest-agent",
        }
    }
}

impl fmt::Display for PolicyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The call at the head of one queue, as seen by an agent who just became free.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QueueHead {
    /// The queue.
    pub queue: QueueId,
    /// Its first call this agent may take.
    pub call: CallId,
    /// The queue's weight (only heads of the highest weight are shown).
    pub weight: u32,
    /// The queue's share, for fixed-ratio selection.
    pub share: u32,
    /// Whether the call is VIP.
    pub vip: bool,
    /// Priority plus aging, now.
    pub effective_priority: f64,
    /// When the call arrived.
    pub enqueued: Duration,
}

/// How a freed agent chooses between the heads of several queues of the same (highest) weight.
pub trait QueueSelection: fmt::Debug + Send {
    /// A short name, for reports.
    fn name(&self) -> &str;

    /// The index in `heads` of the call to take (`heads` is never empty); `None` takes nothing.
    fn choose(&mut self, agent: AgentId, heads: &[QueueHead]) -> Option<usize>;

    /// As [`choose`](Self::choose), with the state of the whole center (idle agents per group,
    /// every queue's length and age): the method the engine calls. The default forwards to
    /// `choose`; a selection that weighs the center (shortest expected delay across queues,
    /// say) overrides this one.
    fn choose_in(
        &mut self,
        agent: AgentId,
        heads: &[QueueHead],
        center: &CenterView<'_>,
    ) -> Option<usize> {
        let _ = center;
        self.choose(agent, heads)
    }
}

/// Oldest call first (then VIP, then queue order).
#[derive(Debug, Clone, Default)]
pub struct OldestCallFirst;

impl QueueSelection for OldestCallFirst {
    fn name(&self) -> &str {
        "oldest-call"
    }

    fn choose(&mut self, _: AgentId, heads: &[QueueHead]) -> Option<usize> {
        (0..heads.len()).min_by(|&a, &b| {
            let (x, y) = (&heads[a], &heads[b]);
            x.enqueued.cmp(&y.enqueued).then(y.vip.cmp(&x.vip)).then(a.cmp(&b))
        })
    }
}

/// VIP first, then the highest effective priority (priority plus aging), then oldest.
#[derive(Debug, Clone, Default)]
pub struct HighestPriorityFirst;

impl QueueSelection for HighestPriorityFirst {
    fn name(&self) -> &str {
        "highest-priority"
    }

    fn choose(&mut self, _: AgentId, heads: &[QueueHead]) -> Option<usize> {
        (0..heads.len()).min_by(|&a, &b| {
            let (x, y) = (&heads[a], &heads[b]);
            y.vip
                .cmp(&x.vip)
                .then(y.effective_priority.total_cmp(&x.effective_priority))
                .then(x.enqueued.cmp(&y.enqueued))
                .then(a.cmp(&b))
        })
    }
}

/// Fixed queue ratio: each queue gets calls in proportion to its share. The queue furthest
/// below its share (served ÷ share smallest) goes first; ties go to the oldest call.
#[derive(Debug, Clone, Default)]
pub struct FixedRatio {
    served: HashMap<QueueId, u64>,
}

impl QueueSelection for FixedRatio {
    fn name(&self) -> &str {
        "fixed-ratio"
    }

    fn choose(&mut self, _: AgentId, heads: &[QueueHead]) -> Option<usize> {
        let served = |q: QueueId| u128::from(self.served.get(&q).copied().unwrap_or(0));
        let best = (0..heads.len()).min_by(|&a, &b| {
            let (x, y) = (&heads[a], &heads[b]);
            // served_x / share_x < served_y / share_y, cross-multiplied (share 0 counts as 1).
            let lx = served(x.queue) * u128::from(y.share.max(1));
            let ly = served(y.queue) * u128::from(x.share.max(1));
            lx.cmp(&ly).then(x.enqueued.cmp(&y.enqueued)).then(a.cmp(&b))
        })?;
        *self.served.entry(heads[best].queue).or_insert(0) += 1;
        Some(best)
    }
}

/// The built-in queue-selection policies, by their configuration names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum QueueSelectionName {
    /// [`OldestCallFirst`].
    #[default]
    OldestCall,
    /// [`HighestPriorityFirst`].
    HighestPriority,
    /// [`FixedRatio`].
    FixedRatio,
}

impl QueueSelectionName {
    /// A fresh instance.
    pub fn build(self) -> Box<dyn QueueSelection> {
        match self {
            QueueSelectionName::OldestCall => Box::new(OldestCallFirst),
            QueueSelectionName::HighestPriority => Box::new(HighestPriorityFirst),
            QueueSelectionName::FixedRatio => Box::new(FixedRatio::default()),
        }
    }

    /// The configuration name.
    pub fn as_str(self) -> &'static str {
        match self {
            QueueSelectionName::OldestCall => "oldest-call",
            QueueSelectionName::HighestPriority => "highest-priority",
            QueueSelectionName::FixedRatio => "fixed-ratio",
        }
    }
}
