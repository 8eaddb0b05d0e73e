//! Deterministic deck, preset and notetype ids. Anki treats these ids as
//! millisecond timestamps and renumbers any that lie in the future, so each
//! is a hash of the bank id and a permanent name, mapped into a fixed past
//! window (2010-01-01 to 2020-01-01), with collisions resolved in order.
//! (Note and card ids are true dates, kept in the lock: [`super::lock`].)

use std::collections::BTreeSet;

use crate::identity::hash64;

/// 2010-01-01T00:00:00Z in milliseconds.
const WINDOW_START_MS: i64 = 1_262_304_000_000;
/// Length of the window: ten years of milliseconds.
const WINDOW_LEN_MS: i64 = 315_532_800_000;

/// A timestamp-like id for `parts`, always inside the past window.
pub(crate) fn past_millis(parts: &[&str]) -> i64 {
    WINDOW_START_MS + (hash64(parts) % WINDOW_LEN_MS as u64) as i64
}

/// Hands out ids of one kind (notes, cards…) and never the same one twice:
/// a clash (astronomically rare) moves to the next free millisecond.
#[derive(Debug, Default)]
pub(crate) struct IdAllocator {
    taken: BTreeSet<i64>,
}

impl IdAllocator {
    pub(crate) fn new() -> IdAllocator {
        IdAllocator::default()
    }

    /// Reserve an id (e.g. Anki's default deck 1) so it is never handed out.
    pub(crate) fn reserve(&mut self, id: i64) {
        self.taken.insert(id);
    }

    /// The id for `parts`, or the next free one after it.
    pub(crate) fn allocate(&mut self, parts: &[&str]) -> i64 {
        let mut id = past_millis(parts);
        while !self.taken.insert(id) {
            id = if id + 1 >= WINDOW_START_MS + WINDOW_LEN_MS {
                WINDOW_START_MS
            } else {
                id + 1
            };
        }
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_in_the_past() {
        let a = past_millis(&["bank", "note", "overfitting"]);
        assert_eq!(a, past_millis(&["bank", "note", "overfitting"]));
        assert!((WINDOW_START_MS..WINDOW_START_MS + WINDOW_LEN_MS).contains(&a));
        // 2020-01-01 is in the past for every clock qbank will run on.
        assert!(a < 1_577_836_800_000);
    }

    #[test]
    fn a_clash_moves_to_the_next_free_id() {
        let mut ids = IdAllocator::new();
        let first = ids.allocate(&["x"]);
        let second = ids.allocate(&["x"]);
        let third = ids.allocate(&["x"]);
        assert_eq!(second, first + 1);
        assert_eq!(third, first + 2);
    }
}
