//! Queue-length estimators after Ibrahim and Whitt (2009): QL, the caller's departures ahead at
//! the agents' long-run service rate, and QL_m, which adds the callers ahead who abandon.

use std::time::Duration;

use super::{QueueLoad, WaitEstimator};

/// Departures the caller at `load.position` waits for (ready agents take the first callers at
/// once), and the rate at which the agents serving free up, per second: *N*/*h* with *h* the
/// long-run mean handle time.
fn departures_and_rate(load: &QueueLoad) -> Option<(usize, f64)> {
    let handle = load.mean_handle_time?.as_secs_f64();
    if load.serving == 0 || handle <= 0.0 {
        return None;
    }
    Some((load.position.saturating_sub(load.ready), load.serving as f64 / handle))
}

/// QL, the queue-length estimator: a caller with *m* departures to wait for, among *N* agents
/// serving with mean handle time *h*, waits *m·h/N* (Ibrahim and Whitt's (n + 1)/(sμ) for a
/// caller who finds *n* waiting). It is the queue-state method with the mean over the last
/// 1,024 handle times instead of 64, so that the rate's sampling error (1/√64 = 12.5% for
/// exponential handle times) does not swamp the estimate of a caller deep in the queue. It
/// ignores abandonment: callers ahead who give up make it too long.
#[derive(Debug, Clone, Copy, Default)]
pub struct QlEstimator;

impl WaitEstimator for QlEstimator {
    fn name(&self) -> &str {
        "ql"
    }

    fn estimate(&self, load: &QueueLoad) -> Option<Duration> {
        if load.position <= load.ready {
            return Some(Duration::ZERO);
        }
        let (m, rate) = departures_and_rate(load)?;
        Duration::try_from_secs_f64(m as f64 / rate).ok()
    }
}

/// QL_m, the queue-length estimator with abandonment (Ibrahim and Whitt's QL for M/M/s+M): with
/// *j* callers ahead the caller moves up when an agent frees (rate *N/h*) or one of them
/// abandons (rate *j·θ*), so a caller with *m* departures to wait for waits
/// Σ_{j=0}^{m−1} 1/(*N/h* + *j·θ*). θ is the queue's abandonment rate of a waiting caller
/// (abandonments ÷ time waited by the last 1,024 calls to leave the queue, the maximum-likelihood
/// rate of exponential patience); with no abandonment it is QL.
#[derive(Debug, Clone, Copy, Default)]
pub struct QlAbandonmentEstimator;

impl WaitEstimator for QlAbandonmentEstimator {
    fn name(&self) -> &str {
        "ql-m"
    }

    fn estimate(&self, load: &QueueLoad) -> Option<Duration> {
        if load.position <= load.ready {
            return Some(Duration::ZERO);
        }
        let (m, rate) = departures_and_rate(load)?;
        let theta = load.abandonment_rate.unwrap_or(0.0);
        Duration::try_from_secs_f64(sum_of_reciprocals(rate, theta, m)).ok()
    }
}

/// Σ_{j=0}^{m−1} 1/(a + j·θ) for a > 0, θ ≥ 0: term by term for short queues, through the
/// digamma function ((ψ(a/θ + m) − ψ(a/θ))/θ) for long ones, so that the work is bounded.
pub(crate) fn sum_of_reciprocals(a: f64, theta: f64, m: usize) -> f64 {
    if !theta.is_finite() || theta <= 0.0 {
        return m as f64 / a;
    }
    if m <= 512 {
        return (0..m).map(|j| 1.0 / (a + j as f64 * theta)).sum();
    }
    let x = a / theta;
    (digamma(x + m as f64) - digamma(x)) / theta
}

/// ψ(x) for x > 0: the recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 8, then the asymptotic series
/// (error below 1e-12 there).
fn digamma(mut x: f64) -> f64 {
    let mut shift = 0.0;
    while x < 8.0 {
        shift -= 1.0 / x;
        x += 1.0;
    }
    let r = 1.0 / (x * x);
    shift + x.ln()
        - 0.5 / x
        - r * (1.0 / 12.0 - r * (1.0 / 120.0 - r * (1.0 / 252.0 - r * (1.0 / 240.0))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(position: usize) -> QueueLoad {
        QueueLoad {
            position,
            waiting: position,
            serving: 100,
            mean_handle_time: Some(Duration::from_secs(100)),
            ..QueueLoad::default()
        }
    }

    #[test]
    fn ql_is_departures_over_the_service_rate() {
        // 100 agents, 100 s: one departure a second.
        assert_eq!(QlEstimator.estimate(&load(30)), Some(Duration::from_secs(30)));
        assert_eq!(
            QlEstimator.estimate(&QueueLoad { ready: 30, ..load(30) }),
            Some(Duration::ZERO)
        );
        assert_eq!(QlEstimator.estimate(&QueueLoad { mean_handle_time: None, ..load(3) }), None);
        assert_eq!(QlEstimator.estimate(&QueueLoad { serving: 0, ..load(3) }), None);
    }

    #[test]
    fn ql_m_counts_the_callers_ahead_who_abandon() {
        let plain = load(3);
        assert_eq!(QlAbandonmentEstimator.estimate(&plain), QlEstimator.estimate(&plain));
        // Rate 1/s of service, θ = 0.5/s: 1/1 + 1/1.5 + 1/2.
        let m = QueueLoad { abandonment_rate: Some(0.5), ..plain };
        let wait = QlAbandonmentEstimator.estimate(&m).unwrap().as_secs_f64();
        assert!((wait - (1.0 + 1.0 / 1.5 + 0.5)).abs() < 1e-9, "{wait}");
        assert!(wait < QlEstimator.estimate(&m).unwrap().as_secs_f64());
    }

    #[test]
    fn the_digamma_sum_matches_the_terms() {
        for &(a, theta) in &[(1.0, 0.5), (0.5, 0.001), (100.0 / 180.0, 1.0 / 180.0), (3.0, 7.0)] {
            for m in [513, 1000, 5000] {
                let direct: f64 = (0..m).map(|j| 1.0 / (a + j as f64 * theta)).sum();
                let fast = sum_of_reciprocals(a, theta, m);
                assert!((fast - direct).abs() < 1e-9 * direct, "{a} {theta} {m}: {fast} {direct}");
            }
        }
        assert_eq!(sum_of_reciprocals(2.0, 0.0, 10), 5.0);
        assert!(sum_of_reciprocals(1.0, 1.0, usize::MAX).is_finite());
    }
}
