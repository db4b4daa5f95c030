//! An ordered set with a fast path for keys that arrive in increasing order.
//!
//! The engine's indexes are ordered sets, and most of their keys come in increasing order: a
//! longest-idle agent's key is the time it became ready, a call's key (without priority aging)
//! is its priority and then the time it was queued, and time never goes backwards. [`MonoSet`]
//! keeps such keys in a sorted run (a `VecDeque`): an insert after the largest key is a push at
//! the back, and taking the first key is a pop at the front, both O(1). A key that arrives out
//! of order goes to a B-tree beside the run. A key removed from the middle of the run is marked
//! dead (a tombstone in a set beside the run) and skipped; dead keys at either end are dropped
//! at once, and the run is compacted when dead keys outnumber the live ones. Every operation gives exactly what a `BTreeSet` would.

use std::collections::{BTreeSet, VecDeque, btree_set};
use std::iter::Peekable;

/// Dead keys are compacted away when there are more than this many and they outnumber the live.
const COMPACT_AT: usize = 32;

/// A run at least this long whose removals are mostly from the middle is moved into the B-tree
/// for good: a binary search over a long run touches more cache lines than a B-tree descent, and
/// such a set (the generic ready index of a skills-based policy) gains nothing from the run.
#[cfg(not(test))]
const SPILL_LEN: usize = 2048;
/// Small in tests, so that the property test reaches a spill.
#[cfg(test)]
const SPILL_LEN: usize = 16;

/// An ordered set of unique keys: a sorted run for keys inserted in increasing order, and a
/// B-tree for the others. No key is in both.
#[derive(Debug, Clone)]
pub(crate) struct MonoSet<K> {
    /// Sorted, strictly increasing, dead keys included. The first and the last entries are
    /// always live.
    run: VecDeque<K>,
    /// The run's removed (dead) keys: tombstones kept apart, so that a run's entry is just its
    /// key (a flag beside it would pad a 48-byte call key to 64 bytes). Usually empty.
    dead: BTreeSet<K>,
    rest: BTreeSet<K>,
    /// Removals from the front of the run, and from elsewhere in it.
    front_removals: u64,
    middle_removals: u64,
    /// The run was moved into the B-tree; every key goes there from now on.
    spilled: bool,
}

impl<K> Default for MonoSet<K> {
    fn default() -> Self {
        MonoSet::new()
    }
}

impl<K> MonoSet<K> {
    /// An empty set.
    pub(crate) const fn new() -> Self {
        MonoSet {
            run: VecDeque::new(),
            dead: BTreeSet::new(),
            rest: BTreeSet::new(),
            front_removals: 0,
            middle_removals: 0,
            spilled: false,
        }
    }

    /// Number of keys.
    pub(crate) fn len(&self) -> usize {
        self.run.len() - self.dead.len() + self.rest.len()
    }

    /// Whether the set is empty.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.run.is_empty() && self.rest.is_empty()
    }
}

impl<K: Ord + Copy> MonoSet<K> {
    /// Where `key` is (or would be) in the run.
    fn search(&self, key: &K) -> Result<usize, usize> {
        self.run.binary_search(key)
    }

    /// Adds `key`; false when it was already there.
    pub(crate) fn insert(&mut self, key: K) -> bool {
        if self.spilled {
            return self.rest.insert(key);
        }
        if self.run.back().is_none_or(|last| *last < key) {
            if !self.rest.is_empty() && self.rest.contains(&key) {
                return false;
            }
            self.run.push_back(key);
            return true;
        }
        match self.search(&key) {
            // In the run: live unless it is a tombstone, which comes back to life in place.
            Ok(_) => !self.dead.is_empty() && self.dead.remove(&key),
            Err(_) => self.rest.insert(key),
        }
    }

    /// As [`insert`](MonoSet::insert), for a key that is not expected in increasing order (a
    /// proficiency-ranked skill index): while the run is empty it goes straight to the B-tree,
    /// so such a set never pays for a run it would rarely use (a search of the run on every
    /// operation, and a second structure in the caches).
    pub(crate) fn insert_unordered(&mut self, key: K) -> bool {
        if self.run.is_empty() { self.rest.insert(key) } else { self.insert(key) }
    }

    /// Removes `key`; false when it was not there.
    pub(crate) fn remove(&mut self, key: &K) -> bool {
        if let Some(first) = self.run.front() {
            if first == key {
                self.run.pop_front();
                self.trim();
                self.front_removals += 1;
                return true;
            }
            if first < key && self.search(key).is_ok() {
                if !self.dead.insert(*key) {
                    return false;
                }
                self.trim();
                self.middle_removals += 1;
                if self.run.len() >= SPILL_LEN
                    && self.middle_removals > 2 * self.front_removals + SPILL_LEN as u64
                {
                    self.spill();
                } else if self.dead.len() > COMPACT_AT && self.dead.len() * 2 > self.run.len() {
                    let dead = std::mem::take(&mut self.dead);
                    self.run.retain(|k| !dead.contains(k));
                }
                return true;
            }
        }
        self.rest.remove(key)
    }

    /// Moves the run's live keys into the B-tree, for good.
    fn spill(&mut self) {
        let dead = std::mem::take(&mut self.dead);
        self.rest.extend(self.run.drain(..).filter(|k| !dead.contains(k)));
        self.spilled = true;
    }

    /// Drops dead keys at both ends of the run. Inlined where it is called (removals and
    /// `pop_first` on the routing path): most calls find no dead key.
    #[inline]
    fn trim(&mut self) {
        if !self.dead.is_empty() {
            self.trim_dead();
        }
    }

    fn trim_dead(&mut self) {
        while let (Some(f), Some(d)) = (self.run.front(), self.dead.first()) {
            if f != d {
                break;
            }
            self.run.pop_front();
            self.dead.pop_first();
        }
        while let (Some(b), Some(d)) = (self.run.back(), self.dead.last()) {
            if b != d {
                break;
            }
            self.run.pop_back();
            self.dead.pop_last();
        }
    }

    /// The smallest key.
    #[inline]
    pub(crate) fn first(&self) -> Option<&K> {
        let a = self.run.front();
        match (a, self.rest.first()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Removes and returns the smallest key.
    pub(crate) fn pop_first(&mut self) -> Option<K> {
        let from_run = match (self.run.front(), self.rest.first()) {
            (Some(a), Some(b)) => a < b,
            (a, _) => a.is_some(),
        };
        if from_run {
            let first = self.run.pop_front();
            self.trim();
            first
        } else {
            self.rest.pop_first()
        }
    }

    /// The keys in increasing order.
    pub(crate) fn iter(&self) -> Iter<'_, K> {
        Iter {
            run: self.run.range(..).peekable(),
            dead: self.dead.range(..).peekable(),
            rest: self.rest.range(..).peekable(),
        }
    }

    /// The keys at or after `from`, in increasing order.
    pub(crate) fn range_from(&self, from: K) -> Iter<'_, K> {
        let start = self.run.partition_point(|k| *k < from);
        Iter {
            run: self.run.range(start..).peekable(),
            dead: self.dead.range(from..).peekable(),
            rest: self.rest.range(from..).peekable(),
        }
    }
}

/// The keys of a [`MonoSet`] in increasing order: the run (dead keys skipped) merged with the
/// B-tree.
pub(crate) struct Iter<'a, K> {
    run: Peekable<std::collections::vec_deque::Iter<'a, K>>,
    /// The run's tombstones from the same point on, skipped in step with the run.
    dead: Peekable<btree_set::Range<'a, K>>,
    rest: Peekable<btree_set::Range<'a, K>>,
}

impl<'a, K: Ord> Iterator for Iter<'a, K> {
    type Item = &'a K;

    fn next(&mut self) -> Option<&'a K> {
        // Every tombstone is a key of the run, so the two advance in step.
        while let (Some(&a), Some(&d)) = (self.run.peek(), self.dead.peek()) {
            if a != d {
                break;
            }
            self.run.next();
            self.dead.next();
        }
        match (self.run.peek(), self.rest.peek()) {
            (Some(a), Some(b)) if *b < *a => self.rest.next(),
            (Some(_), _) => self.run.next(),
            (None, _) => self.rest.next(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn in_order_keys_stay_in_the_run() {
        let mut s = MonoSet::new();
        for k in 0..10 {
            assert!(s.insert(k));
        }
        assert!(!s.insert(5));
        assert!(s.rest.is_empty());
        assert!(s.remove(&4));
        assert!(!s.remove(&4));
        assert_eq!(s.len(), 9);
        assert!(s.insert(4), "a dead key comes back to life in place");
        assert!(s.rest.is_empty());
        assert_eq!(s.iter().copied().collect::<Vec<_>>(), (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn a_long_run_emptied_from_the_middle_spills_into_the_tree() {
        let mut s = MonoSet::new();
        let n = 3 * SPILL_LEN as u32;
        for k in 0..n {
            s.insert(k);
        }
        // Every other key, from the middle of the run.
        let mut removed = 0;
        let mut k = 1;
        while !s.spilled {
            assert!(s.remove(&k));
            removed += 1;
            k += 2;
        }
        assert!(s.run.is_empty());
        assert_eq!(s.len(), n as usize - removed);
        assert!(s.insert(n + 10) && s.run.is_empty(), "after a spill, keys go to the tree");
        assert!(
            s.iter()
                .copied()
                .eq((0..n).filter(|k| k % 2 == 0 || *k > 2 * removed as u32).chain([n + 10]))
        );
    }

    #[test]
    fn out_of_order_keys_merge_in_order() {
        let mut s = MonoSet::new();
        for k in [10, 20, 30, 15, 5, 25, 40] {
            assert!(s.insert(k));
        }
        assert_eq!(s.iter().copied().collect::<Vec<_>>(), [5, 10, 15, 20, 25, 30, 40]);
        assert_eq!(s.range_from(16).copied().collect::<Vec<_>>(), [20, 25, 30, 40]);
        assert_eq!(s.first(), Some(&5));
        assert_eq!(s.pop_first(), Some(5));
        assert_eq!(s.pop_first(), Some(10));
        assert_eq!(s.len(), 5);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u8),
        InsertUnordered(u8),
        Remove(u8),
        PopFirst,
        Next,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => any::<u8>().prop_map(Op::Insert),
            1 => any::<u8>().prop_map(Op::InsertUnordered),
            2 => any::<u8>().prop_map(Op::Remove),
            1 => Just(Op::PopFirst),
            // Mostly increasing keys, as the engine inserts them.
            4 => Just(Op::Next),
        ]
    }

    proptest! {
        /// Every operation agrees with a `BTreeSet`.
        #[test]
        fn behaves_as_a_btreeset(ops in proptest::collection::vec(op(), 0..400), from in any::<u16>()) {
            let mut s = MonoSet::new();
            let mut naive = BTreeSet::new();
            let mut next = 0u16;
            for op in ops {
                match op {
                    Op::Insert(k) => prop_assert_eq!(s.insert(u16::from(k)), naive.insert(u16::from(k))),
                    Op::InsertUnordered(k) => {
                        prop_assert_eq!(s.insert_unordered(u16::from(k)), naive.insert(u16::from(k)));
                    }
                    Op::Remove(k) => prop_assert_eq!(s.remove(&u16::from(k)), naive.remove(&u16::from(k))),
                    Op::PopFirst => prop_assert_eq!(s.pop_first(), naive.pop_first()),
                    Op::Next => {
                        next = next.wrapping_add(3);
                        prop_assert_eq!(s.insert(next), naive.insert(next));
                    }
                }
                prop_assert_eq!(s.len(), naive.len());
                prop_assert_eq!(s.is_empty(), naive.is_empty());
                prop_assert_eq!(s.first(), naive.first());
                prop_assert!(s.run.front().is_none_or(|k| !s.dead.contains(k)) && s.run.back().is_none_or(|k| !s.dead.contains(k)));
            }
            prop_assert!(s.iter().eq(naive.iter()));
            prop_assert!(s.range_from(from).eq(naive.range(from..)));
        }
    }
}
