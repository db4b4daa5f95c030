//! What a queue remembers for the wait estimators: handle times over a long window, the waits
//! of the calls that last entered service, and the waits of the calls that left the queue
//! (answered or abandoned) for the abandonment rate.

use std::collections::VecDeque;
use std::time::Duration;

/// Handle times and leaving calls kept for the queue-length estimators (QL, QL_m): long enough
/// that the mean of exponential handle times is within about 3% (1/√1024).
pub(crate) const LONG_WINDOW: usize = 1024;

/// Waits of the calls that last entered service averaged by the recent-delay estimator.
pub(crate) const RECENT_DELAYS: usize = 16;

/// The last `cap` durations and their sum (integer nanoseconds: no drift).
#[derive(Debug, Clone)]
struct Window {
    items: VecDeque<Duration>,
    sum: Duration,
    cap: usize,
}

impl Window {
    fn new(cap: usize) -> Window {
        Window { items: VecDeque::new(), sum: Duration::ZERO, cap }
    }

    fn push(&mut self, d: Duration) {
        if self.items.len() == self.cap
            && let Some(old) = self.items.pop_front()
        {
            self.sum = self.sum.saturating_sub(old);
        }
        self.items.push_back(d);
        self.sum = self.sum.saturating_add(d);
    }

    fn mean(&self) -> Option<Duration> {
        let n = u32::try_from(self.items.len()).ok().filter(|&n| n > 0)?;
        Some(self.sum / n)
    }

    fn last(&self) -> Option<Duration> {
        self.items.back().copied()
    }
}

/// A queue's delay history (one per queue, updated by the engine as calls enter service,
/// abandon and finish).
#[derive(Debug, Clone)]
pub(crate) struct DelayHistory {
    handles: Window,
    entered: Window,
    /// Waits of the calls that left the queue, with whether they abandoned.
    leaves: VecDeque<(Duration, bool)>,
    leave_wait_sum: Duration,
    leave_abandoned: usize,
}

impl Default for DelayHistory {
    fn default() -> Self {
        DelayHistory {
            handles: Window::new(LONG_WINDOW),
            entered: Window::new(RECENT_DELAYS),
            leaves: VecDeque::new(),
            leave_wait_sum: Duration::ZERO,
            leave_abandoned: 0,
        }
    }
}

impl DelayHistory {
    /// A call that waited `wait` in the queue entered service.
    pub(crate) fn entered_service(&mut self, wait: Duration) {
        self.entered.push(wait);
        self.left(wait, false);
    }

    /// A call abandoned after waiting `wait` in the queue.
    pub(crate) fn abandoned(&mut self, wait: Duration) {
        self.left(wait, true);
    }

    /// A call of the queue was handled (talk plus wrap-up) in `handle`.
    pub(crate) fn handled(&mut self, handle: Duration) {
        self.handles.push(handle);
    }

    fn left(&mut self, wait: Duration, abandoned: bool) {
        if self.leaves.len() == LONG_WINDOW
            && let Some((old, gave_up)) = self.leaves.pop_front()
        {
            self.leave_wait_sum = self.leave_wait_sum.saturating_sub(old);
            self.leave_abandoned -= usize::from(gave_up);
        }
        self.leaves.push_back((wait, abandoned));
        self.leave_wait_sum = self.leave_wait_sum.saturating_add(wait);
        self.leave_abandoned += usize::from(abandoned);
    }

    /// Mean handle time over the long window.
    pub(crate) fn mean_handle_time(&self) -> Option<Duration> {
        self.handles.mean()
    }

    /// The wait of the last call to enter service.
    pub(crate) fn last_entered_wait(&self) -> Option<Duration> {
        self.entered.last()
    }

    /// Mean wait of the last [`RECENT_DELAYS`] calls to enter service.
    pub(crate) fn recent_wait(&self) -> Option<Duration> {
        self.entered.mean()
    }

    /// Abandonments per second of waiting: the maximum-likelihood rate of exponential patience,
    /// abandonments ÷ time waited by every call that left (an answered call's wait is a
    /// patience known only to be longer). `None` before any call has waited.
    pub(crate) fn abandonment_rate(&self) -> Option<f64> {
        let waited = self.leave_wait_sum.as_secs_f64();
        (waited > 0.0).then(|| self.leave_abandoned as f64 / waited)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_keep_the_last_items() {
        let mut h = DelayHistory::default();
        assert_eq!(h.recent_wait(), None);
        assert_eq!(h.abandonment_rate(), None);
        for s in 1..=(RECENT_DELAYS as u64 + 4) {
            h.entered_service(Duration::from_secs(s));
        }
        assert_eq!(h.last_entered_wait(), Some(Duration::from_secs(RECENT_DELAYS as u64 + 4)));
        // The mean of 5..=20.
        assert_eq!(h.recent_wait(), Some(Duration::from_secs_f64(12.5)));
        assert_eq!(h.abandonment_rate(), Some(0.0));
        h.abandoned(Duration::from_secs(10));
        // 1 abandonment in 1+2+…+20 + 10 = 220 s of waiting.
        assert!((h.abandonment_rate().unwrap() - 1.0 / 220.0).abs() < 1e-12);
        for _ in 0..LONG_WINDOW {
            h.entered_service(Duration::from_secs(1));
        }
        assert_eq!(h.abandonment_rate(), Some(0.0));
        for s in 0..(LONG_WINDOW as u64 + 10) {
            h.handled(Duration::from_secs(if s < 10 { 1000 } else { 100 }));
        }
        assert_eq!(h.mean_handle_time(), Some(Duration::from_secs(100)));
    }
}
