//! What goes into the engine ([`Event`]) and what comes out ([`Action`]), and the states and
//! requirements they talk about.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ids::{AgentId, CallId, QueueId, SkillId};

/// An agent's membership of a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The queue.
    pub queue: QueueId,
    /// The agent.
    pub agent: AgentId,
    /// Tier level (Asterisk's penalty): lower tiers are offered calls first; a queue's
    /// `tier_wait` makes each higher tier wait longer before it may take a call.
    pub tier: u32,
    /// Position within the queue: the order for linear and round-robin.
    pub position: u32,
    /// Weight for weighted random.
    pub weight: u32,
}

/// Proficiency in a skill: 1 (novice) to 10 (expert). Values outside are clamped by the engine.
pub type Proficiency = u8;

/// The lowest proficiency.
pub const MIN_PROFICIENCY: Proficiency = 1;
/// The highest proficiency.
pub const MAX_PROFICIENCY: Proficiency = 10;

/// One skill a call needs, with the lowest proficiency that will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SkillNeed {
    /// The skill.
    pub skill: SkillId,
    /// The lowest acceptable proficiency (1–10).
    pub min: Proficiency,
}

/// The skills a call needs: every one of `all_of`, and (when `any_of` is not empty) at least one
/// of `any_of`. An empty requirement is met by every agent.
///
/// The first entry of `all_of` (or, if it is empty, of `any_of`) is the call's *primary* skill:
/// the one skills best-match ranks agents by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Requirement {
    /// Skills the agent must all have.
    pub all_of: Vec<SkillNeed>,
    /// Skills of which the agent must have at least one (ignored when empty).
    pub any_of: Vec<SkillNeed>,
}

impl Requirement {
    /// No skill needed.
    pub fn none() -> Self {
        Requirement::default()
    }

    /// Needs `skill` at proficiency `min` or better.
    pub fn skill(skill: SkillId, min: Proficiency) -> Self {
        Requirement { all_of: vec![SkillNeed { skill, min }], any_of: Vec::new() }
    }

    /// True when no skill is needed.
    pub fn is_empty(&self) -> bool {
        self.all_of.is_empty() && self.any_of.is_empty()
    }

    /// The primary skill: the first of `all_of`, else the first of `any_of`.
    pub fn primary(&self) -> Option<SkillNeed> {
        self.all_of.first().or_else(|| self.any_of.first()).copied()
    }

    /// Whether an agent with the proficiencies given by `proficiency` meets the requirement.
    #[inline]
    pub fn is_met_by(&self, proficiency: impl Fn(SkillId) -> Option<Proficiency>) -> bool {
        let meets = |need: &SkillNeed| proficiency(need.skill).is_some_and(|p| p >= need.min);
        self.all_of.iter().all(meets) && (self.any_of.is_empty() || self.any_of.iter().any(meets))
    }

    /// Removes duplicate needs (keeping the strictest) without changing the primary skill.
    pub(crate) fn normalise(&mut self) {
        for list in [&mut self.all_of, &mut self.any_of] {
            if list.len() <= 1 {
                for need in list.iter_mut() {
                    need.min = need.min.clamp(MIN_PROFICIENCY, MAX_PROFICIENCY);
                }
                continue;
            }
            let mut kept: Vec<SkillNeed> = Vec::with_capacity(list.len());
            for need in list.iter() {
                let min = need.min.clamp(MIN_PROFICIENCY, MAX_PROFICIENCY);
                match kept.iter_mut().find(|k| k.skill == need.skill) {
                    Some(k) => k.min = k.min.max(min),
                    None => kept.push(SkillNeed { skill: need.skill, min }),
                }
            }
            *list = kept;
        }
    }
}

/// A call entering the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCall {
    /// The call's id, unique among the calls the engine holds.
    pub id: CallId,
    /// The queue it enters.
    pub queue: QueueId,
    /// Priority: higher is served first. With aging, a call gains one point per the queue's
    /// aging interval of waiting.
    pub priority: i32,
    /// VIP calls are served before all non-VIP calls of the same queue.
    pub vip: bool,
    /// The skills an agent needs to take it.
    pub requirement: Requirement,
    /// The language the caller needs, if any (see [`Acd::language_id`](crate::Acd::language_id)).
    pub language: Option<SkillId>,
    /// Who is calling (a number or customer key): lets an abandoned caller who calls back within
    /// the queue's resume window take back its place.
    pub caller: Option<String>,
    /// Attached caller data (account, IVR choices, ...), kept with the call for the front end to
    /// read back with [`Acd::call_data`](crate::Acd::call_data) when it is offered.
    pub data: BTreeMap<String, String>,
    /// A number of the host's choosing that routing policies see as
    /// [`CallView::kind`](crate::CallView::kind) (a call type, a customer segment); 0 by default.
    #[serde(default)]
    pub kind: u32,
}

impl NewCall {
    /// A call in `queue` with priority 0 and no requirement.
    pub fn new(id: CallId, queue: QueueId) -> Self {
        NewCall {
            id,
            queue,
            priority: 0,
            vip: false,
            requirement: Requirement::none(),
            language: None,
            caller: None,
            data: BTreeMap::new(),
            kind: 0,
        }
    }

    /// Sets the priority.
    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// Marks the call as VIP.
    pub fn vip(mut self) -> Self {
        self.vip = true;
        self
    }

    /// Sets the skill requirement.
    pub fn requirement(mut self, requirement: Requirement) -> Self {
        self.requirement = requirement;
        self
    }

    /// Sets the language.
    pub fn language(mut self, language: SkillId) -> Self {
        self.language = Some(language);
        self
    }

    /// Sets the caller identity (for resuming after abandonment).
    pub fn caller(mut self, caller: impl Into<String>) -> Self {
        self.caller = Some(caller.into());
        self
    }

    /// Sets the kind (a call type of the host's numbering, shown to routing policies).
    pub fn kind(mut self, kind: u32) -> Self {
        self.kind = kind;
        self
    }
}

/// A state an agent (or its supervisor) asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AgentRequest {
    /// Log in (or come back) ready for calls; while wrapping up, ends the wrap-up early.
    Ready,
    /// Not ready, with a reason code of the user's choosing.
    NotReady(u32),
    /// Log out.
    LoggedOut,
    /// Busy on an outbound call placed outside the ACD.
    Outbound,
}

/// Why an agent is not ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum NotReadyReason {
    /// A reason code the agent or supervisor gave.
    Code(u32),
    /// The engine made the agent not ready after too many unanswered offers in a row.
    MaxNoAnswer,
}

/// The state of an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AgentState {
    /// Not logged in.
    LoggedOut,
    /// Waiting for a call (possibly held back by a reject, busy or no-answer delay).
    Ready,
    /// Logged in but not taking calls.
    NotReady(NotReadyReason),
    /// Reserved for a call and ringing.
    Offered(CallId),
    /// Talking (or holding) on a call.
    OnCall(CallId),
    /// After-call work, until the wrap-up timer or the agent ends it.
    WrapUp,
    /// On an outbound call placed outside the ACD.
    Outbound,
}

impl AgentState {
    /// The kind of state, without its data.
    pub fn kind(self) -> StateKind {
        match self {
            AgentState::LoggedOut => StateKind::LoggedOut,
            AgentState::Ready => StateKind::Ready,
            AgentState::NotReady(_) => StateKind::NotReady,
            AgentState::Offered(_) => StateKind::Offered,
            AgentState::OnCall(_) => StateKind::OnCall,
            AgentState::WrapUp => StateKind::WrapUp,
            AgentState::Outbound => StateKind::Outbound,
        }
    }
}

/// One change of an agent's state, as [`Acd::poll_agent_state`](crate::Acd::poll_agent_state)
/// gives it while [`Acd::record_agent_states`](crate::Acd::record_agent_states) is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AgentStateChange {
    /// When (the engine's time).
    pub at: Duration,
    /// The agent.
    pub agent: AgentId,
    /// Its state from `at` on.
    pub state: AgentState,
}

/// The kinds of [`AgentState`], used to index time-in-state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum StateKind {
    /// [`AgentState::LoggedOut`].
    LoggedOut,
    /// [`AgentState::Ready`].
    Ready,
    /// [`AgentState::NotReady`].
    NotReady,
    /// [`AgentState::Offered`].
    Offered,
    /// [`AgentState::OnCall`].
    OnCall,
    /// [`AgentState::WrapUp`].
    WrapUp,
    /// [`AgentState::Outbound`].
    Outbound,
}

impl StateKind {
    /// Every kind, in the order of [`StateKind::index`].
    pub const ALL: [StateKind; 7] = [
        StateKind::LoggedOut,
        StateKind::Ready,
        StateKind::NotReady,
        StateKind::Offered,
        StateKind::OnCall,
        StateKind::WrapUp,
        StateKind::Outbound,
    ];

    /// A dense index 0..7.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// How a call ended at the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CallEnd {
    /// Either side hung up.
    HungUp,
    /// The agent transferred the call elsewhere (wrap-up applies all the same).
    Transferred,
}

/// An input to the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Event {
    /// A call arrives in a queue.
    CallArrived(NewCall),
    /// The caller hung up before an agent answered.
    CallerAbandoned {
        /// The call.
        call: CallId,
    },
    /// The caller asked to be called back: the call keeps its place in the queue but the line is
    /// released. When an agent accepts it, the front end dials the caller.
    CallbackRequested {
        /// The call.
        call: CallId,
    },
    /// An agent (or supervisor) asks for a state. While the agent is offered a call, on a call or
    /// wrapping up, `NotReady`, `LoggedOut` and `Outbound` are remembered and applied when the
    /// agent would become ready.
    AgentState {
        /// The agent.
        agent: AgentId,
        /// The state asked for.
        state: AgentRequest,
    },
    /// The agent answered an offer.
    OfferAccepted {
        /// The call.
        call: CallId,
        /// The agent.
        agent: AgentId,
    },
    /// The agent declined an offer (or its device was busy).
    OfferRejected {
        /// The call.
        call: CallId,
        /// The agent.
        agent: AgentId,
        /// The device was busy rather than the agent declining: the busy delay applies instead of
        /// the reject delay.
        busy: bool,
    },
    /// The offer rang out without an answer (the front end's own ring timer; the engine also
    /// has one, the queue's `offer_timeout`).
    OfferTimedOut {
        /// The call.
        call: CallId,
        /// The agent.
        agent: AgentId,
    },
    /// An answered call ended; the agent goes into wrap-up.
    CallEnded {
        /// The call.
        call: CallId,
        /// How it ended.
        end: CallEnd,
        /// Time the call spent on hold, counted in handle time.
        hold: Duration,
    },
    /// The agent finished after-call work before the wrap-up timer.
    WrapUpEnded {
        /// The agent.
        agent: AgentId,
    },
    /// The agent joins a queue at run time with the membership's tier, position and weight, or,
    /// already a member, has them changed (Asterisk's `AddQueueMember` and `QueueMemberPenalty`,
    /// FreeSWITCH's `callcenter_config tier add` and `tier set`). A ready agent is offered a
    /// waiting call of the queue at once if one fits it.
    MemberJoined(Membership),
    /// The agent leaves a queue at run time (Asterisk's `RemoveQueueMember`, FreeSWITCH's
    /// `callcenter_config tier del`). An offer of one of the queue's calls still ringing the
    /// agent is withdrawn (`CancelOffer` with [`CancelReason::AgentLeftQueue`]) and the call
    /// routed again; a call already answered carries on, with its wrap-up.
    MemberLeft {
        /// The agent.
        agent: AgentId,
        /// The queue.
        queue: QueueId,
    },
}

/// Why an offer was withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CancelReason {
    /// Another agent answered (ring-all, ring-progressively).
    AnsweredElsewhere,
    /// The caller hung up.
    CallerAbandoned,
    /// Nobody answered within the queue's offer timeout.
    NoAnswer,
    /// The call left the queue (maximum wait exit).
    CallLeft,
    /// The agent left the queue the call was offered from ([`Event::MemberLeft`]).
    AgentLeftQueue,
}

/// Where a call goes when it leaves a queue without being answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ExitTarget {
    /// To voicemail.
    Voicemail,
    /// Converted into a callback: the call stays in the queue with its place but the line is
    /// released (the front end should drop the caller after telling them).
    Callback,
    /// Into another queue (the call keeps its original arrival time).
    Queue(QueueId),
    /// Refused with busy.
    Busy,
}

/// Why a call left its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ExitReason {
    /// It waited the queue's maximum wait.
    MaxWait,
    /// The queue was at its maximum length when the call arrived.
    QueueFull,
}

/// What an overflow step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum OverflowChange {
    /// The all-of skills became any-of.
    Widened,
    /// A skill was dropped from the requirement.
    DroppedSkill(SkillId),
    /// Minimum proficiencies were lowered.
    LoweredProficiency,
    /// Agents of another queue may now take the call too.
    AddedQueue(QueueId),
    /// The call moved to another queue.
    Moved(QueueId),
}

/// An output of the engine, taken with [`Acd::poll_action`](crate::Acd::poll_action).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Action {
    /// Ring `agent` with `call`.
    Offer {
        /// The call.
        call: CallId,
        /// The agent.
        agent: AgentId,
        /// The queue the call was routed from.
        queue: QueueId,
        /// The call is a callback: on acceptance, dial the caller.
        callback: bool,
    },
    /// Stop ringing `agent` with `call`.
    CancelOffer {
        /// The call.
        call: CallId,
        /// The agent.
        agent: AgentId,
        /// Why.
        reason: CancelReason,
    },
    /// Tell the caller its position and estimated wait.
    Announce {
        /// The call.
        call: CallId,
        /// The queue it waits in.
        queue: QueueId,
        /// 1 = next in line.
        position: usize,
        /// The estimated wait, when one can be estimated.
        estimated_wait: Option<Duration>,
    },
    /// An overflow step changed where or to whom the call may go.
    Overflow {
        /// The call.
        call: CallId,
        /// The index of the step in the queue's overflow list.
        step: usize,
        /// What changed.
        change: OverflowChange,
    },
    /// The call left the queue unanswered.
    Exit {
        /// The call.
        call: CallId,
        /// The queue it left.
        queue: QueueId,
        /// Why.
        reason: ExitReason,
        /// Where it goes.
        target: ExitTarget,
    },
    /// The engine changed an agent's state on its own (wrap-up timer, maximum no-answer, or a
    /// state the agent asked for while busy).
    AgentStateChanged {
        /// The agent.
        agent: AgentId,
        /// The new state.
        state: AgentState,
    },
}
