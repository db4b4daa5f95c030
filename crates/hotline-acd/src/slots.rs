//! A dense arena of values addressed by small slot numbers, whose freed slots are reused: the
//! storage under the engine's call table and the order-statistics tree's nodes. Values stay where
//! they are for as long as they live, so a slot number is a stable, four-byte handle.

use std::ops::{Index, IndexMut};

/// Values in a `Vec`, with a stack of the slots freed and not yet reused.
#[derive(Debug, Clone)]
pub(crate) struct Slots<T> {
    items: Vec<T>,
    free: Vec<u32>,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots { items: Vec::new(), free: Vec::new() }
    }
}

impl<T> Slots<T> {
    /// Stores `value` in the slot freed last, or in a new slot if none is free; returns the
    /// slot.
    #[inline]
    pub(crate) fn put(&mut self, value: T) -> u32 {
        match self.free.pop() {
            Some(slot) => {
                self.items[slot as usize] = value;
                slot
            }
            None => {
                self.items.push(value);
                (self.items.len() - 1) as u32
            }
        }
    }

    /// Frees `slot` for a later [`put`](Self::put). Its value stays readable until then. The
    /// caller frees each slot it was given once (a slot freed twice would be handed out twice).
    #[inline]
    pub(crate) fn free(&mut self, slot: u32) {
        debug_assert!((slot as usize) < self.items.len());
        self.free.push(slot);
    }
}

impl<T> Index<usize> for Slots<T> {
    type Output = T;

    #[inline]
    fn index(&self, slot: usize) -> &T {
        &self.items[slot]
    }
}

impl<T> IndexMut<usize> for Slots<T> {
    #[inline]
    fn index_mut(&mut self, slot: usize) -> &mut T {
        &mut self.items[slot]
    }
}

#[cfg(test)]
mod tests {
    use super::Slots;

    #[test]
    fn freed_slots_are_reused_last_freed_first_and_stay_readable_until_then() {
        let mut s = Slots::default();
        assert_eq!((s.put("a"), s.put("b"), s.put("c")), (0, 1, 2));
        s.free(0);
        s.free(2);
        assert_eq!(s[2], "c", "a freed value is readable until its slot is reused");
        assert_eq!(s.put("d"), 2);
        assert_eq!(s.put("e"), 0);
        assert_eq!(s.put("f"), 3, "no free slot left: a new one");
        s[1] = "B";
        assert_eq!([s[0], s[1], s[2], s[3]], ["e", "B", "d", "f"]);
    }
}
