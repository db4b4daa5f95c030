//! Delay-history estimators after Ibrahim and Whitt (2009): the wait of the last caller to enter
//! service (LES), the wait so far of the caller at the head of the line (HOL), and the mean wait of
//! the last few callers to enter service. They need no model of the queue: only waits the engine
//! has seen. Each gives a caller who has already waited the history's figure less that wait.

use std::time::Duration;

use super::{QueueLoad, WaitEstimator};

/// `total − elapsed` for a caller who cannot be answered at once, zero for one who can.
fn remaining(load: &QueueLoad, total: Option<Duration>) -> Option<Duration> {
    if load.position <= load.ready {
        return Some(Duration::ZERO);
    }
    Some(total?.saturating_sub(load.elapsed))
}

/// LES, last to enter service: the caller will wait about as long as the last caller who
/// entered service waited.
#[derive(Debug, Clone, Copy, Default)]
pub struct LastToEnterServiceEstimator;

impl WaitEstimator for LastToEnterServiceEstimator {
    fn name(&self) -> &str {
        "les"
    }

    fn estimate(&self, load: &QueueLoad) -> Option<Duration> {
        remaining(load, load.last_entered_wait)
    }
}

/// HOL, head of the line: the caller will wait about as long as the caller waiting longest has
/// waited so far. It needs somebody ahead: `None` at position 1.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeadOfLineEstimator;

impl WaitEstimator for HeadOfLineEstimator {
    fn name(&self) -> &str {
        "hol"
    }

    fn estimate(&self, load: &QueueLoad) -> Option<Duration> {
        if load.position > load.ready && load.position < 2 {
            return None;
        }
        remaining(load, load.head_wait)
    }
}

/// Recent delay: the mean wait of the last 16 callers to enter service (LES averaged, less noisy
/// and slower to follow a change).
#[derive(Debug, Clone, Copy, Default)]
pub struct RecentDelayEstimator;

impl WaitEstimator for RecentDelayEstimator {
    fn name(&self) -> &str {
        "recent-delay"
    }

    fn estimate(&self, load: &QueueLoad) -> Option<Duration> {
        remaining(load, load.recent_wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_less_the_wait_so_far() {
        let s = Duration::from_secs;
        let load = QueueLoad {
            position: 4,
            waiting: 6,
            serving: 10,
            last_entered_wait: Some(s(50)),
            recent_wait: Some(s(40)),
            head_wait: Some(s(70)),
            ..QueueLoad::default()
        };
        assert_eq!(LastToEnterServiceEstimator.estimate(&load), Some(s(50)));
        assert_eq!(HeadOfLineEstimator.estimate(&load), Some(s(70)));
        assert_eq!(RecentDelayEstimator.estimate(&load), Some(s(40)));
        let waited = QueueLoad { elapsed: s(45), ..load };
        assert_eq!(LastToEnterServiceEstimator.estimate(&waited), Some(s(5)));
        assert_eq!(HeadOfLineEstimator.estimate(&waited), Some(s(25)));
        assert_eq!(RecentDelayEstimator.estimate(&waited), Some(Duration::ZERO));
        let first = QueueLoad { position: 1, ..load };
        assert_eq!(HeadOfLineEstimator.estimate(&first), None);
        let ready = QueueLoad { ready: 4, ..load };
        for e in [
            &LastToEnterServiceEstimator as &dyn WaitEstimator,
            &HeadOfLineEstimator,
            &RecentDelayEstimator,
        ] {
            assert_eq!(e.estimate(&ready), Some(Duration::ZERO), "{}", e.name());
        }
        let empty = QueueLoad { last_entered_wait: None, recent_wait: None, ..load };
        assert_eq!(LastToEnterServiceEstimator.estimate(&empty), None);
        assert_eq!(RecentDelayEstimator.estimate(&empty), None);
    }
}
