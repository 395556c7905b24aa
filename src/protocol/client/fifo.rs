//! A first-in, first-out queue: the core's events and transmits, which the driver
//! drains whole after every input, and the offline buffer of emits.
//!
//! A `Vec` and a read position: `push_back` appends, `pop_front` takes the item at
//! the read position (its slot left `None`), and the `Vec` is emptied, its capacity
//! kept, once every item has been taken. A queue that is popped and pushed without
//! ever being drained (the buffer while it is filtered) drops its taken slots when
//! they are half of it. Nothing moves while the queue drains, as with a `VecDeque`,
//! for less shipped wasm: a `VecDeque` links its ring buffer's growth, wrap-around
//! and slice-range code (and, through it, a formatting panic path) once per item
//! type (measured in docs/benchmarks.md, eighth round).

use alloc::vec::Vec;

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct Fifo<T> {
    /// Slots before `head` are taken (`None`); those from `head` on are `Some`.
    items: Vec<Option<T>>,
    /// The oldest item not taken yet.
    head: usize,
}

impl<T> Default for Fifo<T> {
    fn default() -> Self {
        Fifo {
            items: Vec::new(),
            head: 0,
        }
    }
}

impl<T> Fifo<T> {
    /// Adds `item` after every other.
    pub(crate) fn push_back(&mut self, item: T) {
        if self.head > 0 && self.head * 2 >= self.items.len() {
            self.items.retain(Option::is_some);
            self.head = 0;
        }
        self.items.push(Some(item));
    }

    /// Takes the oldest item.
    pub(crate) fn pop_front(&mut self) -> Option<T> {
        let item = self.items.get_mut(self.head)?.take();
        self.head += 1;
        if self.head == self.items.len() {
            self.items.clear();
            self.head = 0;
        }
        item
    }

    /// The oldest item, left in place.
    pub(crate) fn front(&self) -> Option<&T> {
        self.items.get(self.head)?.as_ref()
    }

    /// How many items wait.
    pub(crate) fn len(&self) -> usize {
        self.items.len() - self.head
    }

    /// Whether no item waits.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::Fifo;
    use alloc::vec::Vec;

    #[test]
    fn items_come_out_in_the_order_they_went_in() {
        let mut q = Fifo::default();
        assert_eq!(
            (q.pop_front(), q.front(), q.len(), q.is_empty()),
            (None, None, 0, true)
        );
        for i in 0..5 {
            q.push_back(i);
        }
        assert_eq!(
            (q.pop_front(), q.pop_front(), q.front(), q.len()),
            (Some(0), Some(1), Some(&2), 3)
        );
        q.push_back(5);
        let rest: Vec<i32> = core::iter::from_fn(|| q.pop_front()).collect();
        assert_eq!(rest, [2, 3, 4, 5]);
        assert!(q.is_empty());
        // Drained whole: the slots are gone, the capacity stays.
        assert_eq!((q.items.len(), q.head), (0, 0));
        assert!(q.items.capacity() >= 5);
    }

    #[test]
    fn a_queue_filtered_over_and_over_keeps_its_order_and_stays_small() {
        // The buffer's filter: every item popped, the odd ones pushed back.
        let mut q = Fifo::default();
        for i in 0..64 {
            q.push_back(i);
        }
        for round in 0..6 {
            for _ in 0..q.len() {
                let i = q.pop_front().unwrap();
                if i % 2 == 1 || round > 0 {
                    q.push_back(i);
                }
            }
            assert!(
                q.items.len() <= 2 * q.len() + 1,
                "round {round}: {} slots for {}",
                q.items.len(),
                q.len()
            );
        }
        let rest: Vec<i32> = core::iter::from_fn(|| q.pop_front()).collect();
        assert_eq!(rest, (0..64).filter(|i| i % 2 == 1).collect::<Vec<_>>());
    }
}
