//! Real-time and interval statistics, per queue and per agent.
//!
//! Service level is given in both of Asterisk app_queue's conventions: `ServicelevelPerf`
//! (answered within the threshold ÷ answered) and `ServicelevelPerf2` ((answered within +
//! abandoned within the threshold) ÷ (answered + abandoned)), so that a caller who gives up
//! quickly counts as served within the threshold in the second.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ids::{AgentId, QueueId};
use crate::model::{AgentState, StateKind};

/// Counters of one queue, since the start or for one interval.
///
/// A call is counted `offered` in every queue it enters (its arrival queue, a queue it moves or
/// exits to); every offered call ends as exactly one of answered, abandoned, exited or
/// overflowed out of that queue, or is still waiting in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueCounters {
    /// Calls that entered the queue.
    pub offered: u64,
    /// Calls answered by an agent.
    pub answered: u64,
    /// Calls whose caller hung up while waiting.
    pub abandoned: u64,
    /// Calls that left by a maximum-wait or queue-full exit.
    pub exited: u64,
    /// Calls moved to another queue by an overflow step.
    pub overflowed_out: u64,
    /// Answered within the service-level threshold.
    pub answered_within: u64,
    /// Abandoned within the service-level threshold.
    pub abandoned_within: u64,
    /// Total wait of answered calls.
    pub answered_wait: Duration,
    /// Total wait of abandoned calls.
    pub abandoned_wait: Duration,
    /// Calls whose handling (talk and wrap-up) finished.
    pub handled: u64,
    /// Total talk time (answer to end, hold included) of handled calls.
    pub talk_time: Duration,
    /// Total hold time of handled calls (part of the talk time).
    pub hold_time: Duration,
    /// Total wrap-up time of handled calls.
    pub wrap_up_time: Duration,
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

fn average(total: Duration, count: u64) -> Option<Duration> {
    (count > 0).then(|| Duration::from_secs_f64(total.as_secs_f64() / count as f64))
}

impl QueueCounters {
    /// Service level of answered calls (app_queue `ServicelevelPerf`): answered within the
    /// threshold ÷ answered.
    pub fn service_level(&self) -> Option<f64> {
        ratio(self.answered_within, self.answered)
    }

    /// Service level counting abandoned calls (app_queue `ServicelevelPerf2`): (answered
    /// within + abandoned within) ÷ (answered + abandoned).
    pub fn service_level_with_abandoned(&self) -> Option<f64> {
        ratio(self.answered_within + self.abandoned_within, self.answered + self.abandoned)
    }

    /// Average speed of answer.
    pub fn average_speed_of_answer(&self) -> Option<Duration> {
        average(self.answered_wait, self.answered)
    }

    /// Average wait of abandoned callers.
    pub fn average_abandon_wait(&self) -> Option<Duration> {
        average(self.abandoned_wait, self.abandoned)
    }

    /// Average handle time: talk (hold included) plus wrap-up.
    pub fn average_handle_time(&self) -> Option<Duration> {
        average(self.talk_time.saturating_add(self.wrap_up_time), self.handled)
    }

    /// Abandoned ÷ (answered + abandoned).
    pub fn abandon_rate(&self) -> Option<f64> {
        ratio(self.abandoned, self.answered + self.abandoned)
    }
}

/// A queue's statistics now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueStats {
    /// The queue.
    pub queue: QueueId,
    /// Its name.
    pub name: String,
    /// Counters since the engine started.
    pub counters: QueueCounters,
    /// The service-level threshold.
    pub service_level_threshold: Duration,
    /// Calls waiting now (ringing included; answered calls are not waiting).
    pub waiting: usize,
    /// The longest current wait.
    pub longest_wait: Option<Duration>,
    /// Member agents that are serving (ready, offered, on a call or wrapping up).
    pub agents_serving: usize,
    /// Member agents ready and not held back (in the queue's index).
    pub agents_ready: usize,
}

/// Counters of one agent, since the start or for one interval.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentCounters {
    /// Calls answered.
    pub calls: u64,
    /// Offers the agent declined, found busy or let ring out.
    pub missed_offers: u64,
    /// Talk time (hold included) of ended calls.
    pub talk_time: Duration,
    /// Hold time of ended calls.
    pub hold_time: Duration,
    /// Wrap-up time.
    pub wrap_up_time: Duration,
    /// Time in each state, indexed by [`StateKind::index`].
    pub time_in: [Duration; 7],
}

impl AgentCounters {
    /// Time in one state.
    pub fn time_in(&self, kind: StateKind) -> Duration {
        self.time_in[kind.index()]
    }

    /// Logged-in time: every state but logged out.
    pub fn logged_in(&self) -> Duration {
        StateKind::ALL
            .iter()
            .filter(|&&k| k != StateKind::LoggedOut)
            .fold(Duration::ZERO, |sum, &k| sum.saturating_add(self.time_in(k)))
    }

    /// Occupancy: time on calls and in wrap-up ÷ (that + ready and ringing time): how busy the
    /// agent was while available to the ACD.
    pub fn occupancy(&self) -> Option<f64> {
        let busy = self.time_in(StateKind::OnCall).saturating_add(self.time_in(StateKind::WrapUp));
        let open = busy
            .saturating_add(self.time_in(StateKind::Ready))
            .saturating_add(self.time_in(StateKind::Offered));
        (!open.is_zero()).then(|| busy.as_secs_f64() / open.as_secs_f64())
    }

    /// Utilisation: time on calls and in wrap-up ÷ logged-in time (not-ready included).
    pub fn utilisation(&self) -> Option<f64> {
        let busy = self.time_in(StateKind::OnCall).saturating_add(self.time_in(StateKind::WrapUp));
        let logged = self.logged_in();
        (!logged.is_zero()).then(|| busy.as_secs_f64() / logged.as_secs_f64())
    }

    pub(crate) fn minus(&self, earlier: &AgentCounters) -> AgentCounters {
        let mut time_in = [Duration::ZERO; 7];
        for (i, t) in time_in.iter_mut().enumerate() {
            *t = self.time_in[i].saturating_sub(earlier.time_in[i]);
        }
        AgentCounters {
            calls: self.calls - earlier.calls.min(self.calls),
            missed_offers: self.missed_offers - earlier.missed_offers.min(self.missed_offers),
            talk_time: self.talk_time.saturating_sub(earlier.talk_time),
            hold_time: self.hold_time.saturating_sub(earlier.hold_time),
            wrap_up_time: self.wrap_up_time.saturating_sub(earlier.wrap_up_time),
            time_in,
        }
    }
}

/// An agent's statistics now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentStats {
    /// The agent.
    pub agent: AgentId,
    /// Its name.
    pub name: String,
    /// Its state.
    pub state: AgentState,
    /// Time in the current state.
    pub in_state_for: Duration,
    /// Counters since the engine started, the current state's time included.
    pub counters: AgentCounters,
}

/// The statistics of one closed interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalReport {
    /// Start of the interval.
    pub start: Duration,
    /// End of the interval (exclusive).
    pub end: Duration,
    /// Per queue, in queue order.
    pub queues: Vec<QueueCounters>,
    /// Per agent, in agent order.
    pub agents: Vec<AgentCounters>,
}
