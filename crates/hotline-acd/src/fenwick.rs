//! A Fenwick (binary indexed) tree of weights: the index behind random and weighted-random
//! selection, O(log n) to change a weight or draw a slot in proportion to its weight.

#[derive(Debug, Clone, Default)]
pub(crate) struct Fenwick {
    tree: Vec<u64>,
    weights: Vec<u64>,
}

impl Fenwick {
    pub(crate) fn new(len: usize) -> Self {
        Fenwick { tree: vec![0; len + 1], weights: vec![0; len] }
    }

    pub(crate) fn weight(&self, slot: usize) -> u64 {
        self.weights.get(slot).copied().unwrap_or(0)
    }

    pub(crate) fn set(&mut self, slot: usize, weight: u64) {
        let Some(old) = self.weights.get_mut(slot) else { return };
        let (add, delta) =
            if weight >= *old { (true, weight - *old) } else { (false, *old - weight) };
        *old = weight;
        let mut i = slot + 1;
        while i < self.tree.len() {
            if add {
                self.tree[i] = self.tree[i].wrapping_add(delta);
            } else {
                self.tree[i] = self.tree[i].wrapping_sub(delta);
            }
            i += i & i.wrapping_neg();
        }
    }

    /// Sum of the weights of slots `0..end`.
    pub(crate) fn prefix(&self, end: usize) -> u64 {
        let mut i = end.min(self.weights.len());
        let mut sum = 0u64;
        while i > 0 {
            sum = sum.wrapping_add(self.tree[i]);
            i &= i - 1;
        }
        sum
    }

    /// The slot where the running sum first exceeds `target` (target < total).
    pub(crate) fn find(&self, mut target: u64) -> usize {
        let n = self.weights.len();
        let mut pos = 0usize;
        let mut step = n.checked_next_power_of_two().unwrap_or(0).max(1);
        while step > 0 {
            let next = pos + step;
            if next <= n && self.tree[next] <= target {
                pos = next;
                target -= self.tree[next];
            }
            step >>= 1;
        }
        pos.min(n.saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_and_find_agree() {
        let mut f = Fenwick::new(10);
        for (i, w) in [3u64, 0, 5, 1, 0, 0, 2, 7, 0, 4].into_iter().enumerate() {
            f.set(i, w);
        }
        assert_eq!(f.prefix(10), 22);
        assert_eq!(f.prefix(3), 8);
        assert_eq!(f.find(0), 0);
        assert_eq!(f.find(2), 0);
        assert_eq!(f.find(3), 2);
        assert_eq!(f.find(8), 3);
        assert_eq!(f.find(9), 6);
        assert_eq!(f.find(21), 9);
        f.set(2, 0);
        assert_eq!(f.prefix(10), 17);
        assert_eq!(f.find(3), 3);
    }
}
