//! An agent as the engine keeps it ([`AgentRec`]), and the key that orders ready agents
//! ([`AgentKey`]). Policies read agents through these; the engine changes them.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ids::{GroupId, QueueId, SkillId};
use crate::model::{AgentRequest, AgentState, Membership, Proficiency};
use crate::stats::AgentCounters;

/// The order of ready agents in a queue, lowest first; ties are broken by agent id.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct AgentKey {
    /// Compared first.
    pub primary: u64,
    /// Compared when `primary` is equal.
    pub secondary: u64,
}

impl AgentKey {
    /// A key of `primary`, then `secondary`.
    pub const fn new(primary: u64, secondary: u64) -> Self {
        AgentKey { primary, secondary }
    }
}

/// An agent's cumulative counters inside the engine: [`AgentCounters`] with the time in each
/// state as plain nanoseconds (a state change adds to it on every event, and integer
/// arithmetic is a few instructions where `Duration`'s carries between seconds and
/// nanoseconds are dozens). Smaller than `AgentCounters` by 56 bytes.
#[derive(Debug, Clone, Default)]
pub(crate) struct AgentTally {
    pub(crate) calls: u64,
    pub(crate) missed_offers: u64,
    pub(crate) talk_time: Duration,
    pub(crate) hold_time: Duration,
    pub(crate) wrap_up_time: Duration,
    pub(crate) time_in_ns: [u64; 7],
}

/// An agent inside the engine: configuration, state, indexes' keys and counters.
#[derive(Debug)]
pub(crate) struct AgentRec {
    pub(crate) name: String,
    pub(crate) group: Option<GroupId>,
    pub(crate) speed: f64,
    pub(crate) skills: Vec<(SkillId, Proficiency)>,
    pub(crate) memberships: Vec<Membership>,
    pub(crate) keys: Vec<AgentKey>,
    pub(crate) skill_keys: Vec<AgentKey>,
    pub(crate) state: AgentState,
    pub(crate) state_since: Duration,
    /// The agent's cumulative counters, as [`AgentCounters`] shows them once read.
    pub(crate) counters: AgentTally,
    pub(crate) snapshot: AgentCounters,
    pub(crate) idle_since: Duration,
    pub(crate) last_call_end: Option<Duration>,
    pub(crate) handle_time: Duration,
    pub(crate) handled: u64,
    pub(crate) no_answer_streak: u32,
    pub(crate) max_no_answer: u32,
    pub(crate) reject_delay: Duration,
    pub(crate) busy_delay: Duration,
    pub(crate) no_answer_delay: Duration,
    pub(crate) wrap_up: Option<Duration>,
    pub(crate) blocked_until: Duration,
    pub(crate) pending: Option<AgentRequest>,
    pub(crate) indexed: bool,
    /// Entries in the per-skill indexes are left behind by an offer (see `unindex_agent_with`).
    pub(crate) stale: bool,
    pub(crate) serving: bool,
    pub(crate) epoch: u64,
    pub(crate) wrap_queue: Option<QueueId>,
    pub(crate) wrap_talk: Duration,
}
