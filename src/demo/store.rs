//! Bounded in-memory storage: the demo may run for hours under a scheduled
//! audit, so every collection forgets its oldest entries instead of growing.

use std::borrow::Borrow;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// A map that evicts the oldest inserted key once it holds `cap` entries.
pub(crate) struct BoundedMap<K, V> {
    entries: HashMap<K, V>,
    /// Keys in insertion order; the front is evicted first.
    order: VecDeque<K>,
    cap: usize,
}

impl<K: Eq + Hash + Clone, V> BoundedMap<K, V> {
    pub(crate) fn new(cap: usize) -> Self {
        Self { entries: HashMap::new(), order: VecDeque::new(), cap: cap.max(1) }
    }

    pub(crate) fn get<Q: Eq + Hash + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.entries.get(key)
    }

    pub(crate) fn get_mut<Q: Eq + Hash + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.entries.get_mut(key)
    }

    /// The value under `key`, inserting `make()` first when it is missing.
    pub(crate) fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        if !self.entries.contains_key(&key) {
            self.make_room();
            self.order.push_back(key.clone());
        }
        self.entries.entry(key).or_insert_with(make)
    }

    pub(crate) fn insert(&mut self, key: K, value: V) {
        match self.entries.get_mut(&key) {
            // Replaced in place: the entry keeps its original age.
            Some(slot) => *slot = value,
            None => {
                self.get_or_insert_with(key, || value);
            }
        }
    }

    /// Evicts the oldest entries until one more fits.
    fn make_room(&mut self) {
        while self.order.len() >= self.cap {
            match self.order.pop_front() {
                Some(oldest) => self.entries.remove(&oldest),
                None => break,
            };
        }
    }
}

/// An append-only log numbered from 1, read by polling with `after=<seq>`.
/// Only the newest `cap` items are kept; sequence numbers never restart.
pub(crate) struct Feed<T> {
    items: VecDeque<(u64, T)>,
    last_seq: u64,
    cap: usize,
}

impl<T: Clone> Feed<T> {
    pub(crate) fn new(cap: usize) -> Self {
        Self { items: VecDeque::new(), last_seq: 0, cap: cap.max(1) }
    }

    /// Appends the item built from its sequence number and returns that number.
    pub(crate) fn push(&mut self, build: impl FnOnce(u64) -> T) -> u64 {
        self.last_seq += 1;
        self.items.push_back((self.last_seq, build(self.last_seq)));
        if self.items.len() > self.cap {
            self.items.pop_front();
        }
        self.last_seq
    }

    /// Items with a sequence number above `after`, and the cursor to poll with
    /// next: the highest sequence number returned, or `after` when none.
    pub(crate) fn since(&self, after: u64) -> (Vec<T>, u64) {
        let newer: Vec<&(u64, T)> = self.items.iter().filter(|(seq, _)| *seq > after).collect();
        let next = newer.last().map_or(after, |(seq, _)| *seq);
        (newer.into_iter().map(|(_, item)| item.clone()).collect(), next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_evicts_oldest() {
        let mut map = BoundedMap::new(2);
        map.insert("a", 1);
        map.insert("b", 2);
        map.insert("a", 10);
        map.insert("c", 3);
        assert!(map.get(&"a").is_none());
        assert_eq!(map.get(&"b"), Some(&2));
        assert_eq!(*map.get_or_insert_with("d", || 4), 4);
        assert!(map.get(&"b").is_none());
    }

    #[test]
    fn feed_keeps_the_newest_and_reports_the_cursor() {
        let mut feed = Feed::new(2);
        for n in 0..3 {
            feed.push(|seq| (seq, n));
        }
        assert_eq!(feed.since(0), (vec![(2, 1), (3, 2)], 3));
        assert_eq!(feed.since(3), (vec![], 3));
        assert_eq!(feed.since(9), (vec![], 9));
    }
}
