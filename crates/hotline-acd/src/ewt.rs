//! Estimated wait time (EWT) for announcements and callback offers, behind the
//! [`WaitEstimator`] trait: the queue-state and Erlang C methods here, the queue-length
//! estimators QL and QL_m in [`queue_length`], and the delay-history estimators LES, HOL and
//! recent delay in [`delay_history`] (Ibrahim and Whitt, 2009).

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::EwtMethod;

mod delay_history;
pub(crate) mod history;
mod queue_length;

pub use delay_history::{HeadOfLineEstimator, LastToEnterServiceEstimator, RecentDelayEstimator};
pub use queue_length::{QlAbandonmentEstimator, QlEstimator};

/// What an estimator may know about a queue when asked for one caller's wait.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct QueueLoad {
    /// The caller's position: 1 = next in line.
    pub position: usize,
    /// Calls waiting in the queue.
    pub waiting: usize,
    /// Member agents serving the queue (ready, ringing, talking or wrapping up).
    pub serving: usize,
    /// Member agents ready now.
    pub ready: usize,
    /// Mean of the queue's recent handle times (talk plus wrap-up).
    pub recent_handle_time: Option<Duration>,
    /// Recent arrival rate, calls per second.
    pub arrival_rate: Option<f64>,
    /// How long this caller has waited in the queue already (zero for a caller just arrived,
    /// as [`crate::Acd::queue_load`] gives it).
    #[serde(default)]
    pub elapsed: Duration,
    /// Mean of the queue's last 1,024 handle times (QL, QL_m).
    #[serde(default)]
    pub mean_handle_time: Option<Duration>,
    /// Abandonments per second of waiting, over the last 1,024 calls to leave the queue
    /// (answered or abandoned): abandonments ÷ the time they all waited (QL_m).
    #[serde(default)]
    pub abandonment_rate: Option<f64>,
    /// The wait of the last call to enter service from this queue (LES).
    #[serde(default)]
    pub last_entered_wait: Option<Duration>,
    /// Mean wait of the last 16 calls to enter service from this queue (recent delay).
    #[serde(default)]
    pub recent_wait: Option<Duration>,
    /// How long the call waiting longest in the queue has waited so far (HOL); `None` when
    /// nobody waits.
    #[serde(default)]
    pub head_wait: Option<Duration>,
}

impl EwtMethod {
    /// The estimator this method names (`None` for [`EwtMethod::None`]).
    pub fn estimator(self) -> Option<Box<dyn WaitEstimator>> {
        match self {
            EwtMethod::QueueState => Some(Box::new(QueueStateEstimator)),
            EwtMethod::ErlangC => Some(Box::new(ErlangCEstimator)),
            EwtMethod::Ql => Some(Box::new(QlEstimator)),
            EwtMethod::QlM => Some(Box::new(QlAbandonmentEstimator)),
            EwtMethod::Les => Some(Box::new(LastToEnterServiceEstimator)),
            EwtMethod::Hol => Some(Box::new(HeadOfLineEstimator)),
            EwtMethod::RecentDelay => Some(Box::new(RecentDelayEstimator)),
            EwtMethod::None => None,
        }
    }

    /// Every method that estimates (all but [`EwtMethod::None`]), in a fixed order.
    pub const ESTIMATING: [EwtMethod; 7] = [
        EwtMethod::QueueState,
        EwtMethod::ErlangC,
        EwtMethod::Ql,
        EwtMethod::QlM,
        EwtMethod::Les,
        EwtMethod::Hol,
        EwtMethod::RecentDelay,
    ];
}

/// A way to estimate a caller's wait.
pub trait WaitEstimator: fmt::Debug + Send {
    /// A short name, for reports.
    fn name(&self) -> &str;

    /// The estimated remaining wait, or `None` when the load says too little.
    fn estimate(&self, load: &QueueLoad) -> Option<Duration>;

    /// Whether [`WaitEstimator::estimate`] reads the delay-history fields of [`QueueLoad`]
    /// (`mean_handle_time`, `abandonment_rate`, `last_entered_wait`, `recent_wait`,
    /// `head_wait`). When it does not, the engine leaves them `None` in the load it passes, which
    /// spares a few divisions on every estimate (the simulator asks for one per waiting caller).
    /// The default, `true`, is always correct.
    fn reads_history(&self) -> bool {
        true
    }
}

/// The queue-state method: the caller at position *k* waits for *k* departures among the *N*
/// agents serving; with recent mean handle time *h*, departures come every *h/N* on average
/// (exact for exponential handle times with every agent busy), so the estimate is *k·h/N*,
/// less the ready agents' head start.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueueStateEstimator;

impl WaitEstimator for QueueStateEstimator {
    fn name(&self) -> &str {
        "queue-state"
    }

    fn reads_history(&self) -> bool {
        false
    }

    fn estimate(&self, load: &QueueLoad) -> Option<Duration> {
        queue_state(load.position, load.ready, load.serving, load.recent_handle_time)
    }
}

/// The queue-state estimate from its four inputs (the engine's default, computed without a
/// [`QueueLoad`] when a queue has no estimator of its own).
#[inline]
pub(crate) fn queue_state(
    position: usize,
    ready: usize,
    serving: usize,
    recent_handle_time: Option<Duration>,
) -> Option<Duration> {
    if position <= ready {
        return Some(Duration::ZERO);
    }
    let handle = recent_handle_time?;
    if serving == 0 {
        return None;
    }
    let departures = (position - ready) as f64;
    Duration::try_from_secs_f64(departures * handle.as_secs_f64() / serving as f64).ok()
}

/// The Erlang C method (through `hotline-erlang`): the queue as an M/M/N system with the recent
/// arrival rate λ, the recent mean handle time *h* and the *N* agents serving. A caller who has to
/// wait in M/M/N waits an exponential time of mean *h/(N − λh)* (ASA ÷ probability of waiting);
/// being memoryless, that is also the expected remaining wait of a caller already waiting, so the
/// estimate does not depend on the position. `None` when the load is unknown or N ≤ λh (the
/// queue grows without bound and Erlang C has no steady state).
#[derive(Debug, Clone, Copy, Default)]
pub struct ErlangCEstimator;

impl WaitEstimator for ErlangCEstimator {
    fn name(&self) -> &str {
        "erlang-c"
    }

    fn reads_history(&self) -> bool {
        false
    }

    fn estimate(&self, load: &QueueLoad) -> Option<Duration> {
        let handle = load.recent_handle_time?.as_secs_f64();
        let rate = load.arrival_rate?;
        if load.serving == 0 || handle <= 0.0 {
            return None;
        }
        let model =
            hotline_erlang::ErlangC::new(rate * handle, load.serving as f64, handle).ok()?;
        if !model.is_stable() {
            return None;
        }
        let p_wait = model.p_wait();
        if p_wait <= 0.0 {
            return Some(Duration::ZERO);
        }
        Duration::try_from_secs_f64(model.asa() / p_wait).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_names_its_estimator() {
        let names: Vec<String> = EwtMethod::ESTIMATING
            .iter()
            .map(|m| m.estimator().map(|e| e.name().to_owned()).unwrap_or_default())
            .collect();
        assert_eq!(names, ["queue-state", "erlang-c", "ql", "ql-m", "les", "hol", "recent-delay"]);
        assert!(EwtMethod::None.estimator().is_none());
        // The configuration's spelling is the estimator's name.
        for m in EwtMethod::ESTIMATING {
            let text = toml::to_string(&std::collections::BTreeMap::from([("m", m)])).unwrap();
            let name = m.estimator().unwrap().name().to_owned();
            assert_eq!(text.trim(), format!("m = \"{name}\""));
        }
    }

    #[test]
    fn erlang_c_delayed_wait() {
        // λ = 0.1/s, h = 100 s: A = 10 erlangs on 12 agents; a delayed caller waits h/(N−A) = 50 s.
        let load = QueueLoad {
            position: 4,
            waiting: 4,
            serving: 12,
            ready: 0,
            recent_handle_time: Some(Duration::from_secs(100)),
            arrival_rate: Some(0.1),
            ..QueueLoad::default()
        };
        let wait = ErlangCEstimator.estimate(&load).unwrap().as_secs_f64();
        assert!((wait - 50.0).abs() < 1e-6, "{wait}");
        let overloaded = QueueLoad { serving: 10, ..load };
        assert_eq!(ErlangCEstimator.estimate(&overloaded), None);
        let unknown = QueueLoad { arrival_rate: None, ..load };
        assert_eq!(ErlangCEstimator.estimate(&unknown), None);
    }

    #[test]
    fn queue_state_formula() {
        let load = QueueLoad {
            position: 3,
            waiting: 5,
            serving: 4,
            ready: 0,
            recent_handle_time: Some(Duration::from_secs(120)),
            arrival_rate: None,
            ..QueueLoad::default()
        };
        assert_eq!(QueueStateEstimator.estimate(&load), Some(Duration::from_secs(90)));
        let ready = QueueLoad { ready: 3, ..load };
        assert_eq!(QueueStateEstimator.estimate(&ready), Some(Duration::ZERO));
        let unknown = QueueLoad { recent_handle_time: None, ..load };
        assert_eq!(QueueStateEstimator.estimate(&unknown), None);
        let nobody = QueueLoad { serving: 0, ..load };
        assert_eq!(QueueStateEstimator.estimate(&nobody), None);
    }
}
