//! What a queue remembers for the wait estimators: handle times over a long window, the waits
//! of the calls that last entered service, and the waits of the calls that left the queue
//! (answered or abandoned) for the abandonment rate.

use std::time::Duration;

/// Handle times and leaving calls kept for the queue-length estimators (QL, QL_m): long enough
/// that the mean of exponential handle times is within about 3% (1/√1024).
pub(crate) const LONG_WINDOW: usize = 1024;

/// Waits of the calls that last entered service averaged by the recent-delay estimator.
pub(crate) const RECENT_DELAYS: usize = 16;

/// Handle times averaged for the queue-state estimator's recent handle time.
pub(crate) const RECENT_HANDLES: usize = 64;

/// The longest duration a window keeps, in nanoseconds (about 104 days; longer ones are kept as
/// this): [`LONG_WINDOW`] of them still sum in a `u64`, so sums are exact integers with no drift.
const LONGEST: u64 = u64::MAX / (2 * LONG_WINDOW as u64);

/// A duration as the windows keep it: whole nanoseconds, at most [`LONGEST`].
fn nanos(d: Duration) -> u64 {
    d.as_secs()
        .checked_mul(1_000_000_000)
        .and_then(|n| n.checked_add(u64::from(d.subsec_nanos())))
        .map_or(LONGEST, |n| n.min(LONGEST))
}

/// The last `N` values in a ring (`N` a power of two; filled by push until full, then
/// overwritten oldest first). A ring rather than a `VecDeque`: the engine pushes on every
/// answered call, and the simulator's throughput counts every instruction of it.
#[derive(Debug, Clone)]
struct Ring<const N: usize> {
    items: Vec<u64>,
    /// Values pushed so far: the next goes to `pushed % N`.
    pushed: u64,
}

impl<const N: usize> Ring<N> {
    const MASK: u64 = {
        assert!(N.is_power_of_two());
        N as u64 - 1
    };

    fn new() -> Ring<N> {
        Ring { items: Vec::new(), pushed: 0 }
    }

    /// Adds `v`; returns the value it pushed out, if the ring was full.
    fn push(&mut self, v: u64) -> Option<u64> {
        let at = (self.pushed & Self::MASK) as usize;
        self.pushed += 1;
        if self.items.len() < N {
            // Not full yet: `at` is the end.
            self.items.push(v);
            return None;
        }
        self.items.get_mut(at).map(|slot| std::mem::replace(slot, v))
    }

    fn len(&self) -> usize {
        self.items.len()
    }

    /// The value pushed `k` pushes before the last one (`k = 0`: the last one), if still kept.
    fn back(&self, k: usize) -> Option<u64> {
        if k >= self.items.len() {
            return None;
        }
        let at = (self.pushed - 1 - k as u64) & Self::MASK;
        self.items.get(at as usize).copied()
    }

    fn last(&self) -> Option<u64> {
        self.back(0)
    }
}

/// A ring of durations and their sum.
#[derive(Debug, Clone)]
struct Window<const N: usize> {
    ring: Ring<N>,
    sum: u64,
}

impl<const N: usize> Window<N> {
    fn new() -> Window<N> {
        Window { ring: Ring::new(), sum: 0 }
    }

    fn push(&mut self, v: u64) {
        self.sum += v;
        if let Some(old) = self.ring.push(v) {
            self.sum -= old;
        }
    }

    fn last(&self) -> Option<u64> {
        self.ring.last()
    }

    /// The mean, rounded down to a nanosecond (what `Duration`'s own division gives).
    fn mean(&self) -> Option<Duration> {
        let n = u64::try_from(self.ring.len()).ok().filter(|&n| n > 0)?;
        Some(Duration::from_nanos(self.sum / n))
    }
}

/// The top bit of a leaving call's entry: set when the call abandoned (waits are at most
/// [`LONGEST`], far below it).
const ABANDONED: u64 = 1 << 63;

/// A queue's delay history (one per queue, updated by the engine as calls enter service,
/// abandon and finish).
#[derive(Debug, Clone)]
pub(crate) struct DelayHistory {
    handles: Window<LONG_WINDOW>,
    /// Sum of the last [`RECENT_HANDLES`] values of `handles`.
    recent_handle_sum: u64,
    entered: Window<RECENT_DELAYS>,
    /// Waits of the calls that left the queue, each with [`ABANDONED`] set if it abandoned.
    leaves: Ring<LONG_WINDOW>,
    leave_wait_sum: u64,
    leave_abandoned: usize,
    /// Whether the waits of calls entering service and abandoning are kept (the handle times
    /// always are: the queue-state estimator reads them).
    waits: bool,
}

impl Default for DelayHistory {
    fn default() -> Self {
        DelayHistory {
            handles: Window::new(),
            recent_handle_sum: 0,
            entered: Window::new(),
            leaves: Ring::new(),
            leave_wait_sum: 0,
            leave_abandoned: 0,
            waits: true,
        }
    }
}

impl DelayHistory {
    /// Keeps (or stops keeping) the waits; stopping forgets those kept.
    pub(crate) fn keep_waits(&mut self, keep: bool) {
        if !keep {
            self.entered = Window::new();
            self.leaves = Ring::new();
            (self.leave_wait_sum, self.leave_abandoned) = (0, 0);
        }
        self.waits = keep;
    }

    /// A call that waited `wait` in the queue entered service.
    pub(crate) fn entered_service(&mut self, wait: Duration) {
        if !self.waits {
            return;
        }
        let wait = nanos(wait);
        self.entered.push(wait);
        self.left(wait, false);
    }

    /// A call abandoned after waiting `wait` in the queue.
    pub(crate) fn abandoned(&mut self, wait: Duration) {
        if !self.waits {
            return;
        }
        self.left(nanos(wait), true);
    }

    /// A call of the queue was handled (talk plus wrap-up) in `handle`.
    pub(crate) fn handled(&mut self, handle: Duration) {
        let handle = nanos(handle);
        if let Some(leaving) = self.handles.ring.back(RECENT_HANDLES - 1) {
            self.recent_handle_sum -= leaving;
        }
        self.recent_handle_sum += handle;
        self.handles.push(handle);
    }

    /// Mean of the last [`RECENT_HANDLES`] handle times (the queue-state estimator's).
    pub(crate) fn recent_handle_time(&self) -> Option<Duration> {
        let n = self.handles.ring.len().min(RECENT_HANDLES);
        let n = u64::try_from(n).ok().filter(|&n| n > 0)?;
        Some(Duration::from_nanos(self.recent_handle_sum / n))
    }

    fn left(&mut self, wait: u64, abandoned: bool) {
        let flag = if abandoned { ABANDONED } else { 0 };
        if let Some(old) = self.leaves.push(wait | flag) {
            self.leave_wait_sum -= old & !ABANDONED;
            self.leave_abandoned -= usize::from(old & ABANDONED != 0);
        }
        self.leave_wait_sum += wait;
        self.leave_abandoned += usize::from(abandoned);
    }

    /// Mean handle time over the long window.
    pub(crate) fn mean_handle_time(&self) -> Option<Duration> {
        self.handles.mean()
    }

    /// The wait of the last call to enter service.
    pub(crate) fn last_entered_wait(&self) -> Option<Duration> {
        self.entered.last().map(Duration::from_nanos)
    }

    /// Mean wait of the last [`RECENT_DELAYS`] calls to enter service.
    pub(crate) fn recent_wait(&self) -> Option<Duration> {
        self.entered.mean()
    }

    /// Abandonments per second of waiting: the maximum-likelihood rate of exponential patience,
    /// abandonments ÷ time waited by every call that left (an answered call's wait is a
    /// patience known only to be longer). `None` before any call has waited.
    pub(crate) fn abandonment_rate(&self) -> Option<f64> {
        debug_assert!(self.leaves.len() <= LONG_WINDOW);
        let waited = Duration::from_nanos(self.leave_wait_sum).as_secs_f64();
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
        assert_eq!(h.recent_handle_time(), Some(Duration::from_secs(100)));
    }

    #[test]
    fn recent_handle_time_is_the_mean_of_the_last_64_across_the_ring_seam() {
        let mut h = DelayHistory::default();
        assert_eq!(h.recent_handle_time(), None);
        // Past one wrap of the long ring, so that the recent window straddles its seam.
        for s in 1..=(LONG_WINDOW as u64 + 30) {
            h.handled(Duration::from_secs(s));
            let n = s.min(RECENT_HANDLES as u64);
            let first = s + 1 - n;
            let mean = Duration::from_secs((first..=s).sum::<u64>()) / u32::try_from(n).unwrap();
            assert_eq!(h.recent_handle_time(), Some(mean), "after {s}");
        }
        let all = (31..=(LONG_WINDOW as u64 + 30)).sum::<u64>();
        assert_eq!(
            h.mean_handle_time(),
            Some(Duration::from_secs(all) / u32::try_from(LONG_WINDOW).unwrap())
        );
    }

    #[test]
    fn waits_not_kept_leave_the_handle_times() {
        let mut h = DelayHistory::default();
        h.entered_service(Duration::from_secs(5));
        h.keep_waits(false);
        assert_eq!(h.last_entered_wait(), None);
        h.entered_service(Duration::from_secs(7));
        h.abandoned(Duration::from_secs(9));
        h.handled(Duration::from_secs(100));
        assert_eq!(
            (h.last_entered_wait(), h.recent_wait(), h.abandonment_rate()),
            (None, None, None)
        );
        assert_eq!(h.recent_handle_time(), Some(Duration::from_secs(100)));
        h.keep_waits(true);
        h.entered_service(Duration::from_secs(7));
        assert_eq!(h.last_entered_wait(), Some(Duration::from_secs(7)));
    }

    #[test]
    fn the_mean_in_nanoseconds_is_durations_own_division() {
        // The windows divide integer nanoseconds; the engine divided `Duration`s before: the
        // same floor, so estimates did not move.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let sum = x % LONGEST;
            let n = (x >> 40) % 1024 + 1;
            assert_eq!(
                Duration::from_nanos(sum / n),
                Duration::from_nanos(sum) / u32::try_from(n).unwrap()
            );
        }
    }

    #[test]
    fn durations_beyond_the_longest_are_kept_as_the_longest() {
        let mut h = DelayHistory::default();
        h.handled(Duration::MAX);
        h.handled(Duration::MAX);
        assert_eq!(h.mean_handle_time(), Some(Duration::from_nanos(LONGEST)));
        h.abandoned(Duration::MAX);
        assert!(h.abandonment_rate().unwrap() > 0.0);
    }
}
