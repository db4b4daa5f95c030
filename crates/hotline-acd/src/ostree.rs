//! An order-statistics set: a treap (a binary search tree that is a heap on per-node
//! priorities) in an arena, each node knowing the size of its subtree, so that the rank of a
//! key (how many keys are smaller) takes O(log n) expected, as do insertion and removal.
//!
//! Priorities come from a mix of a caller-given hash of the key and a per-set seed, so the
//! shape is reproducible run to run (the engine is deterministic) and expected-logarithmic
//! for keys the caller does not choose adversarially against the seed. Every operation is
//! iterative or recursive only along one root-to-leaf path.

use crate::slots::Slots;

const NIL: u32 = u32::MAX;

#[derive(Debug, Clone)]
struct Node<K> {
    key: K,
    prio: u64,
    left: u32,
    right: u32,
    size: u32,
}

/// A set of ordered keys with O(log n) rank.
#[derive(Debug, Clone)]
pub(crate) struct OrderTree<K> {
    nodes: Slots<Node<K>>,
    root: u32,
    seed: u64,
}

/// A node's priority from its hash: one output of SplitMix64 (`rand_xoshiro`'s) started at `x`.
fn mix(x: u64) -> u64 {
    use rand_core::{Rng, SeedableRng};
    rand_xoshiro::SplitMix64::seed_from_u64(x).next_u64()
}

impl<K: Ord + Copy> OrderTree<K> {
    /// An empty set whose priorities are mixed with `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        OrderTree { nodes: Slots::default(), root: NIL, seed }
    }

    /// Number of keys.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.size(self.root) as usize
    }

    fn size(&self, n: u32) -> u32 {
        if n == NIL { 0 } else { self.nodes[n as usize].size }
    }

    fn update(&mut self, n: u32) {
        let (l, r) = (self.nodes[n as usize].left, self.nodes[n as usize].right);
        self.nodes[n as usize].size = 1 + self.size(l) + self.size(r);
    }

    /// Splits `t` into the keys `< key` and the keys `>= key`.
    fn split(&mut self, t: u32, key: &K) -> (u32, u32) {
        if t == NIL {
            return (NIL, NIL);
        }
        if self.nodes[t as usize].key < *key {
            let (a, b) = self.split(self.nodes[t as usize].right, key);
            self.nodes[t as usize].right = a;
            self.update(t);
            (t, b)
        } else {
            let (a, b) = self.split(self.nodes[t as usize].left, key);
            self.nodes[t as usize].left = b;
            self.update(t);
            (a, t)
        }
    }

    /// Joins two trees, every key of `a` below every key of `b`.
    fn merge(&mut self, a: u32, b: u32) -> u32 {
        if a == NIL {
            return b;
        }
        if b == NIL {
            return a;
        }
        if self.nodes[a as usize].prio >= self.nodes[b as usize].prio {
            let m = self.merge(self.nodes[a as usize].right, b);
            self.nodes[a as usize].right = m;
            self.update(a);
            a
        } else {
            let m = self.merge(a, self.nodes[b as usize].left);
            self.nodes[b as usize].left = m;
            self.update(b);
            b
        }
    }

    /// Inserts `key` (with `hash`, any number derived from the key); false if present.
    pub(crate) fn insert(&mut self, key: K, hash: u64) -> bool {
        if self.contains(&key) {
            return false;
        }
        let node = Node { key, prio: mix(hash ^ self.seed), left: NIL, right: NIL, size: 1 };
        let n = self.nodes.put(node);
        self.root = self.insert_at(self.root, n);
        true
    }

    fn insert_at(&mut self, t: u32, n: u32) -> u32 {
        if t == NIL {
            return n;
        }
        if self.nodes[n as usize].prio > self.nodes[t as usize].prio {
            let key = self.nodes[n as usize].key;
            let (a, b) = self.split(t, &key);
            self.nodes[n as usize].left = a;
            self.nodes[n as usize].right = b;
            self.update(n);
            return n;
        }
        if self.nodes[n as usize].key < self.nodes[t as usize].key {
            let c = self.insert_at(self.nodes[t as usize].left, n);
            self.nodes[t as usize].left = c;
        } else {
            let c = self.insert_at(self.nodes[t as usize].right, n);
            self.nodes[t as usize].right = c;
        }
        self.update(t);
        t
    }

    /// Removes `key`; false if absent.
    pub(crate) fn remove(&mut self, key: &K) -> bool {
        if !self.contains(key) {
            return false;
        }
        self.root = self.remove_at(self.root, key);
        true
    }

    fn remove_at(&mut self, t: u32, key: &K) -> u32 {
        if t == NIL {
            return NIL;
        }
        let node = &self.nodes[t as usize];
        match key.cmp(&node.key) {
            std::cmp::Ordering::Equal => {
                let (l, r) = (node.left, node.right);
                self.nodes.free(t);
                self.merge(l, r)
            }
            std::cmp::Ordering::Less => {
                let c = self.remove_at(node.left, key);
                self.nodes[t as usize].left = c;
                self.update(t);
                t
            }
            std::cmp::Ordering::Greater => {
                let c = self.remove_at(node.right, key);
                self.nodes[t as usize].right = c;
                self.update(t);
                t
            }
        }
    }

    /// Whether `key` is in the set.
    pub(crate) fn contains(&self, key: &K) -> bool {
        let mut t = self.root;
        while t != NIL {
            let node = &self.nodes[t as usize];
            t = match key.cmp(&node.key) {
                std::cmp::Ordering::Equal => return true,
                std::cmp::Ordering::Less => node.left,
                std::cmp::Ordering::Greater => node.right,
            };
        }
        false
    }

    /// How many keys are smaller than `key`.
    pub(crate) fn rank(&self, key: &K) -> usize {
        let mut t = self.root;
        let mut below = 0usize;
        while t != NIL {
            let node = &self.nodes[t as usize];
            if node.key < *key {
                below += self.size(node.left) as usize + 1;
                t = node.right;
            } else {
                t = node.left;
            }
        }
        below
    }

    /// The keys in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = K> + '_ {
        let mut stack = Vec::new();
        let mut t = self.root;
        std::iter::from_fn(move || {
            while t != NIL {
                stack.push(t);
                t = self.nodes[t as usize].left;
            }
            let n = stack.pop()?;
            t = self.nodes[n as usize].right;
            Some(self.nodes[n as usize].key)
        })
    }
}

/// Up to this many keys, a [`RankSet`] keeps them in a sorted `Vec`.
const SMALL_MAX: usize = 64;
/// A [`RankSet`] in tree form goes back to a `Vec` below this many keys (less than
/// `SMALL_MAX`, so that a size hovering at the limit does not convert back and forth).
const SMALL_MIN: usize = 32;

/// A set of ordered keys with O(log n) rank, for sets that are usually small: up to
/// `SMALL_MAX` keys sit in a sorted `Vec` (a binary search and a short move per operation,
/// much cheaper than a tree's nodes for a queue of a few calls), more in an [`OrderTree`].
/// Answers do not depend on the form.
#[derive(Debug, Clone)]
pub(crate) struct RankSet<K> {
    small: Vec<K>,
    tree: OrderTree<K>,
    /// Whether the keys are in `tree` (else in `small`).
    big: bool,
    len: usize,
    /// The tree's per-key hash (mixed with its seed into the node priority).
    hash: fn(&K) -> u64,
}

impl<K: Ord + Copy> RankSet<K> {
    /// An empty set; in tree form, node priorities mix `hash(key)` with `seed`.
    pub(crate) fn new(seed: u64, hash: fn(&K) -> u64) -> Self {
        RankSet { small: Vec::new(), tree: OrderTree::new(seed), big: false, len: 0, hash }
    }

    /// Adds `key`; false when it was there already.
    pub(crate) fn insert(&mut self, key: K) -> bool {
        // A key after every other (a call queued behind the others) goes at the end.
        if !self.big && self.small.len() < SMALL_MAX && self.small.last().is_none_or(|l| *l < key) {
            self.small.push(key);
            self.len += 1;
            return true;
        }
        let added = if self.big {
            self.tree.insert(key, (self.hash)(&key))
        } else {
            match self.small.binary_search(&key) {
                Ok(_) => false,
                Err(i) if self.small.len() < SMALL_MAX => {
                    self.small.insert(i, key);
                    true
                }
                Err(_) => {
                    for k in self.small.drain(..) {
                        self.tree.insert(k, (self.hash)(&k));
                    }
                    self.big = true;
                    self.tree.insert(key, (self.hash)(&key))
                }
            }
        };
        self.len += usize::from(added);
        added
    }

    /// Removes `key`; false when it was not there.
    pub(crate) fn remove(&mut self, key: &K) -> bool {
        let removed = if self.big {
            self.tree.remove(key)
        } else if self.small.first() == Some(key) {
            // The first key (the call answered next) needs no search.
            self.small.remove(0);
            true
        } else {
            match self.small.binary_search(key) {
                Ok(i) => {
                    self.small.remove(i);
                    true
                }
                Err(_) => false,
            }
        };
        self.len -= usize::from(removed);
        if self.big && self.len < SMALL_MIN {
            self.small.extend(self.tree.iter());
            self.tree = OrderTree::new(self.tree.seed);
            self.big = false;
        }
        removed
    }

    /// Whether the set is empty.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many keys are smaller than `key`.
    pub(crate) fn rank(&self, key: &K) -> usize {
        if self.big {
            return self.tree.rank(key);
        }
        // The last key's rank (the call queued last, asked for right after its arrival) needs
        // no search.
        match self.small.last() {
            Some(last) if last < key => self.small.len(),
            Some(last) if last == key => self.small.len() - 1,
            _ => self.small.partition_point(|k| k < key),
        }
    }

    /// The keys in order.
    pub(crate) fn to_vec(&self) -> Vec<K> {
        if self.big { self.tree.iter().collect() } else { self.small.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn rank_agrees_with_a_naive_count() {
        let mut tree = OrderTree::new(7);
        let mut naive = BTreeSet::new();
        let mut x = 12345u64;
        for step in 0..20_000u64 {
            x = mix(x.wrapping_add(step));
            let key = (x % 5_000) as i64 - 2_500;
            if x.is_multiple_of(3) {
                assert_eq!(tree.remove(&key), naive.remove(&key));
            } else {
                assert_eq!(tree.insert(key, key as u64), naive.insert(key));
            }
            assert_eq!(tree.len(), naive.len());
            let probe = (mix(x) % 5_200) as i64 - 2_600;
            assert_eq!(tree.rank(&probe), naive.range(..probe).count(), "rank of {probe}");
            assert_eq!(tree.contains(&probe), naive.contains(&probe));
        }
        assert!(tree.iter().eq(naive.iter().copied()));
        for k in naive.iter().copied().collect::<Vec<_>>() {
            assert!(tree.remove(&k));
        }
        assert_eq!(tree.len(), 0);
        assert_eq!(tree.iter().count(), 0);
    }

    #[test]
    fn sorted_inserts_stay_shallow() {
        // Keys arriving in order (the usual case: later calls rank later) must not degrade the
        // tree into a list: the recursion depth is the height.
        let mut tree = OrderTree::new(1);
        for k in 0..100_000u64 {
            tree.insert(k, k);
        }
        fn height<K: Ord + Copy>(t: &OrderTree<K>, n: u32) -> usize {
            if n == NIL {
                return 0;
            }
            let node = &t.nodes[n as usize];
            1 + height(t, node.left).max(height(t, node.right))
        }
        assert!(height(&tree, tree.root) < 60, "height {}", height(&tree, tree.root));
        assert_eq!(tree.rank(&50_000), 50_000);
    }

    /// A rank set agrees with a `BTreeSet` through growth past the `Vec` limit and back.
    #[test]
    fn rank_set_matches_a_btreeset_across_forms() {
        let mut set = RankSet::new(7, |k: &u32| u64::from(*k));
        let mut naive = BTreeSet::new();
        let mut x = 99u32;
        for step in 0..4000u32 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            // Grow for a while, then shrink, twice, so both conversions happen.
            let grow = (step / 500) % 2 == 0;
            let k = x % 400;
            if grow || x.is_multiple_of(5) {
                assert_eq!(set.insert(k), naive.insert(k));
            } else {
                assert_eq!(set.remove(&k), naive.remove(&k));
            }
            let probe = (x >> 9) % 400;
            assert_eq!(set.rank(&probe), naive.range(..probe).count());
            if x.is_multiple_of(7)
                && let Some(&first) = naive.first()
            {
                assert_eq!(set.remove(&first), naive.remove(&first));
            }
            if let Some(&last) = naive.last() {
                assert_eq!(set.rank(&last), naive.len() - 1);
                assert_eq!(set.rank(&(last + 1)), naive.len());
            }
        }
        assert_eq!(set.to_vec(), naive.iter().copied().collect::<Vec<_>>());
    }

    /// Keys in increasing order (calls queued one behind the other) take the fast paths of
    /// insert and rank, through the growth into a tree.
    #[test]
    fn in_order_keys_rank_as_a_btreeset() {
        let mut set = RankSet::new(7, |k: &u32| u64::from(*k));
        let mut naive = BTreeSet::new();
        for k in (0..300u32).map(|k| 3 * k) {
            assert_eq!(set.insert(k), naive.insert(k));
            assert!(!set.insert(k), "a key already there is not added again");
            for probe in [k, k + 1, k.saturating_sub(1), k / 2] {
                assert_eq!(set.rank(&probe), naive.range(..probe).count(), "rank of {probe}");
            }
        }
        assert_eq!(set.to_vec(), naive.iter().copied().collect::<Vec<_>>());
    }
}
