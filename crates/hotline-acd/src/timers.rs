//! The engine's timer list: FIFO lanes for repeated delays, and a binary heap for the rest.
//!
//! Most of the engine's timers are set a fixed delay after "now" (every wrap-up of a queue lasts
//! the same, so do offer time-outs, overflow steps and maximum waits). Since time never goes
//! backwards, timers set with the same delay fall due in the order they were set, so a plain
//! FIFO queue per delay keeps them sorted at O(1) a timer instead of O(log n) in a heap. Timers
//! are taken in exactly the (time, sequence number) order a single heap would give.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Duration;

/// At most this many delays get a FIFO lane at once; other timers go to the heap.
const MAX_LANES: usize = 8;

#[derive(Debug)]
struct Entry<T> {
    at: Duration,
    seq: u64,
    item: T,
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl<T> Eq for Entry<T> {}
impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

#[derive(Debug)]
struct Lane<T> {
    delay: Duration,
    fifo: VecDeque<Entry<T>>,
}

/// Timers ordered by (due time, order of setting).
#[derive(Debug)]
pub(crate) struct TimerQueue<T> {
    seq: u64,
    lanes: Vec<Lane<T>>,
    heap: BinaryHeap<Reverse<Entry<T>>>,
    /// The earliest timer: (due, sequence, where), kept up to date so that asking when the
    /// next timer is due costs nothing.
    head: Option<(Duration, u64, Head)>,
}

impl<T> Default for TimerQueue<T> {
    fn default() -> Self {
        TimerQueue { seq: 0, lanes: Vec::new(), heap: BinaryHeap::new(), head: None }
    }
}

/// Where the earliest timer is.
#[derive(Debug, Clone, Copy)]
enum Head {
    Lane(usize),
    Heap,
}

impl<T> TimerQueue<T> {
    /// Sets a timer due at `at`, set at time `now`.
    pub(crate) fn push(&mut self, now: Duration, at: Duration, item: T) {
        self.seq += 1;
        let seq = self.seq;
        let entry = Entry { at, seq, item };
        let mut place = Head::Heap;
        if at > now {
            let delay = at - now;
            if let Some(i) = self.lanes.iter().position(|l| l.delay == delay) {
                // Time never goes backwards, so the lane stays sorted; checked all the same.
                let fifo = &mut self.lanes[i].fifo;
                if fifo.back().is_none_or(|b| b.at <= at) {
                    fifo.push_back(entry);
                    place = Head::Lane(i);
                } else {
                    self.heap.push(Reverse(entry));
                }
            } else if self.lanes.len() < MAX_LANES {
                let mut fifo = VecDeque::new();
                fifo.push_back(entry);
                self.lanes.push(Lane { delay, fifo });
                place = Head::Lane(self.lanes.len() - 1);
            } else {
                self.heap.push(Reverse(entry));
            }
        } else {
            self.heap.push(Reverse(entry));
        }
        // A later-set timer is never the head unless it is due strictly earlier.
        if self.head.is_none_or(|(h, _, _)| at < h) {
            self.head = Some((at, seq, place));
        }
    }

    fn find_head(&self) -> Option<(Duration, u64, Head)> {
        let mut best: Option<(Duration, u64, Head)> =
            self.heap.peek().map(|e| (e.0.at, e.0.seq, Head::Heap));
        for (i, lane) in self.lanes.iter().enumerate() {
            if let Some(e) = lane.fifo.front()
                && best.is_none_or(|(at, seq, _)| (e.at, e.seq) < (at, seq))
            {
                best = Some((e.at, e.seq, Head::Lane(i)));
            }
        }
        best
    }

    /// When the earliest timer is due.
    #[inline]
    pub(crate) fn next_due(&self) -> Option<Duration> {
        self.head.map(|(at, _, _)| at)
    }

    /// Takes the earliest timer if it is due by `now`, with its due time.
    pub(crate) fn pop_due(&mut self, now: Duration) -> Option<(Duration, T)> {
        let (at, _, place) = self.head?;
        if at > now {
            return None;
        }
        let entry = match place {
            Head::Heap => self.heap.pop().map(|e| e.0),
            Head::Lane(i) => {
                let entry = self.lanes[i].fifo.pop_front();
                if self.lanes[i].fifo.is_empty() {
                    // Frees the lane for another delay (lane order does not matter).
                    self.lanes.swap_remove(i);
                }
                entry
            }
        };
        self.head = self.find_head();
        entry.map(|e| (e.at, e.item))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(x: u64) -> Duration {
        Duration::from_millis(x)
    }

    /// The timer queue gives timers in the same order as one heap sorted by (time, sequence),
    /// with pushes and pops interleaved as time advances.
    #[test]
    fn same_order_as_a_heap() {
        let mut cal = TimerQueue::default();
        let mut heap = BinaryHeap::new();
        let (mut x, mut now, mut seq) = (12345u64, 0u64, 0u64);
        let (mut got, mut want) = (Vec::new(), Vec::new());
        for step in 0..5000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Few distinct delays (lanes), many one-off ones (heap), some zero delays.
            let delay = match x % 5 {
                0 => 30_000,
                1 => 15_000,
                2 => x % 1000,
                3 => (x >> 8) % 20 * 1000,
                _ => 0,
            };
            seq += 1;
            cal.push(ms(now), ms(now + delay), step);
            heap.push(Reverse((now + delay, seq, step)));
            now += (x >> 20) % 700;
            while let Some((at, item)) = cal.pop_due(ms(now)) {
                got.push((at, item));
            }
            while heap.peek().is_some_and(|e| e.0.0 <= now) {
                let Some(Reverse((at, _, item))) = heap.pop() else { break };
                want.push((ms(at), item));
            }
            assert_eq!(cal.next_due(), heap.peek().map(|e| ms(e.0.0)));
        }
        while let Some((at, item)) = cal.pop_due(Duration::MAX) {
            got.push((at, item));
        }
        while let Some(Reverse((at, _, item))) = heap.pop() {
            want.push((ms(at), item));
        }
        assert_eq!(got, want);
    }

    #[test]
    fn ties_come_out_in_setting_order() {
        let mut cal = TimerQueue::default();
        cal.push(ms(0), ms(30), 'a'); // a lane
        cal.push(ms(10), ms(30), 'b'); // another lane
        cal.push(ms(29), ms(30), 'c'); // another lane
        cal.push(ms(30), ms(30), 'd'); // zero delay: the heap
        let order: Vec<char> = std::iter::from_fn(|| cal.pop_due(ms(30)).map(|e| e.1)).collect();
        assert_eq!(order, vec!['a', 'b', 'c', 'd']);
        assert_eq!(cal.next_due(), None);
    }
}
