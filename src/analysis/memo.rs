//! Remembering the per-answer work of a pass. A large run asks the same
//! questions of the same channels over and over, and a channel's answers
//! repeat word for word (templated bot replies, help pages); cleaning an
//! answer and judging its facts are pure functions of their inputs, so each
//! distinct input is worked out once. Bounded: when full, it starts afresh,
//! so memory stays flat on a run whose answers never repeat.
//!
//! Keys are hashed with FxHash: the keys are whole answers, hashed once per
//! exchange, and SipHash's resistance to chosen collisions buys nothing here
//! (a collision only costs a string comparison, never a wrong answer).
//! Values are cloned out: callers keep large ones behind an `Rc`.

use rustc_hash::{FxHashMap, FxHasher};
use std::hash::{Hash, Hasher};

/// Distinct inputs remembered before starting afresh.
const CAPACITY: usize = 8192;

/// A remembered key (its strings) and value.
type Entry<V> = (Box<[String]>, V);

/// A bounded map from a key made of several strings to a value. Entries are
/// found by a hash of the key and confirmed by comparing the strings, so a
/// lookup allocates nothing and a hash collision is never a wrong answer.
pub struct Memo<V> {
    /// Key hash → the entries with that hash (almost always one).
    entries: FxHashMap<u64, Vec<Entry<V>>>,
    len: usize,
}

impl<V: Clone> Memo<V> {
    pub fn new() -> Self {
        Memo { entries: FxHashMap::default(), len: 0 }
    }

    /// The remembered value for `key`, or `compute()` (then remembered).
    pub fn get_or(&mut self, key: &[&str], compute: impl FnOnce() -> V) -> V {
        let hash = hash(key);
        if let Some(bucket) = self.entries.get(&hash) {
            if let Some((_, v)) = bucket.iter().find(|(k, _)| k.iter().map(String::as_str).eq(key.iter().copied())) {
                return v.clone();
            }
        }
        let value = compute();
        if self.len >= CAPACITY {
            self.entries.clear();
            self.len = 0;
        }
        let owned: Box<[String]> = key.iter().map(|s| s.to_string()).collect();
        self.entries.entry(hash).or_default().push((owned, value.clone()));
        self.len += 1;
        value
    }
}

fn hash(key: &[&str]) -> u64 {
    let mut h = FxHasher::default();
    for part in key {
        part.hash(&mut h);
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computes_once_per_distinct_key_and_stays_bounded() {
        let mut memo = Memo::new();
        let mut calls = 0;
        for _ in 0..3 {
            let v = memo.get_or(&["chat", "hello"], || {
                calls += 1;
                42
            });
            assert_eq!(v, 42);
        }
        assert_eq!(calls, 1);
        // Keys differ by where the strings split, not only by their bytes.
        assert_eq!(memo.get_or(&["chath", "ello"], || 7), 7);
        for i in 0..(CAPACITY + 10) {
            memo.get_or(&[&i.to_string()], || i);
        }
        assert!(memo.len <= CAPACITY);
    }
}
