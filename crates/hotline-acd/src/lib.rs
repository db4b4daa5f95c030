//! Automatic call distribution (ACD): agents, skills, queues, routing policies and estimated
//! wait time, as a sans-IO engine.
//!
//! [`Acd`] decides who answers each call. It holds agents (with skills of proficiency 1–10 and
//! memberships of several queues at a tier and position), queues (with a routing policy,
//! priority aging, overflow steps, maximum wait and length exits, callback in queue and resume
//! after abandonment) and waiting calls, and it keeps every selection behind an index: ready
//! agents are kept per queue and per skill in ordered sets keyed by each policy's order, and
//! waiting calls per queue and requirement class in ordered sets keyed by effective priority.
//! Memberships change at run time with [`Event::MemberJoined`] and [`Event::MemberLeft`].
//!
//! The engine owns no clock, thread or socket, and follows the workspace's one driving
//! vocabulary:
//!
//! | call | what it does |
//! | --- | --- |
//! | [`Acd::handle_event`]`(now, event) -> Result<(), AcdError>` | an input; one that does not apply is an error, never dropped |
//! | [`Acd::handle_timeout`]`(now)` | the host calls it at or after [`Acd::poll_timeout`] |
//! | [`Acd::poll_timeout`]`() -> Option<Duration>` | when the engine next needs the clock |
//! | [`Acd::poll_action`]`() -> Option<Action>` | the one ordered output stream, drained until `None` after every call above |
//!
//! **Time** is a [`std::time::Duration`] since an epoch the host chooses, not an `Instant`:
//! the simulator (`hotline-sim`) runs the engine in virtual time, a server passes the time since
//! it started, and a test writes plain numbers. `now` must not go backwards. Given the same
//! seed ([`Config::seed`], the only source of randomness) and the same events at the same
//! times the engine makes the same decisions, which is what lets the simulator run the real
//! router.
//!
//! Policies are pluggable: implement [`RoutingPolicy`] to make every routing decision about a
//! queue's calls — which ready agent takes an arriving call ([`RoutingPolicy::select`]),
//! whether a freed agent takes the queue's waiting call ([`RoutingPolicy::admit`]), and when to
//! be asked again ([`Selection::WaitUntil`]), seeing the whole center through [`CenterView`] —
//! or [`QueueSelection`] to choose between the admitted calls of several queues, and install
//! them with [`Acd::set_policy`] and [`Acd::set_queue_selection`]. Wait estimators implement
//! [`WaitEstimator`].
//!
//! ```
//! use std::time::Duration;
//! use hotline_acd::{Acd, Action, CallEnd, CallId, Config, Event, NewCall};
//!
//! let config = Config::from_toml_checked(r#"
//!     [[queues]]
//!     name = "support"
//!     policy = "longest-idle"
//!     wrap_up = "10s"
//!
//!     [[agents]]
//!     name = "ann"
//!     ready = true
//!     queues = [{ queue = "support" }]
//! "#).unwrap();
//! let mut acd = Acd::new(&config).unwrap();
//! let support = acd.queue_id("support").unwrap();
//! let t = Duration::from_secs;
//!
//! acd.handle_event(t(0), Event::CallArrived(NewCall::new(CallId(1), support))).unwrap();
//! let Some(Action::Offer { call, agent, .. }) = acd.poll_action() else { panic!() };
//! acd.handle_event(t(2), Event::OfferAccepted { call, agent }).unwrap();
//! acd.handle_event(t(60), Event::CallEnded { call, end: CallEnd::HungUp, hold: Duration::ZERO }).unwrap();
//! assert_eq!(acd.poll_timeout(), Some(t(70))); // the wrap-up timer
//! acd.handle_timeout(t(70));
//! let stats = acd.queue_stats(support).unwrap();
//! assert_eq!(stats.counters.answered, 1);
//! assert_eq!(stats.counters.average_handle_time(), Some(t(68)));
//! ```

mod agent;
mod config;
mod engine;
mod ewt;
mod fenwick;
mod ids;
mod model;
mod monoset;
mod ostree;
mod policy;
mod slots;
mod stats;
mod timers;

pub use agent::AgentKey;
pub use config::{
    AgentConfig, AnnounceConfig, Config, ConfigError, EwtMethod, ExitConfig, MembershipConfig,
    OverflowAction, OverflowStep, Problem, QueueConfig, QueueSummary, Summary,
};
pub use engine::{Acd, AcdError, CenterView, QueueView};
pub use ewt::{
    ErlangCEstimator, HeadOfLineEstimator, LastToEnterServiceEstimator, QlAbandonmentEstimator,
    QlEstimator, QueueLoad, QueueStateEstimator, RecentDelayEstimator, WaitEstimator,
};
/// Durations as a user writes them (`30s`, `1m 30s`, `500ms`): hotline-calendar's parser, the
/// one every hotline crate reads durations with, re-exported where the ACD's configuration,
/// the simulator and the command line have always found it.
pub use hotline_calendar::duration;
pub use ids::{AgentId, CallId, GroupId, QueueId, SkillId};
pub use model::{
    Action, AgentRequest, AgentState, AgentStateChange, CallEnd, CancelReason, Event, ExitReason,
    ExitTarget, MAX_PROFICIENCY, MIN_PROFICIENCY, Membership, NewCall, NotReadyReason,
    OverflowChange, Proficiency, Requirement, SkillNeed, StateKind,
};
pub use policy::{
    AgentView, CallView, Candidates, FastestAgent, FewestCalls, FixedRatio, HighestPriorityFirst,
    LeastRecent, LeastTalkTime, Linear, LongestIdle, OldestCallFirst, PolicyName, QueueHead,
    QueueSelection, QueueSelectionName, Random, RingAll, RingProgressively, RoundRobin,
    RoutingPolicy, Selection, SkillsBestMatch, WeightedRandom,
};

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
pub use stats::{AgentCounters, AgentStats, IntervalReport, QueueCounters, QueueStats};
