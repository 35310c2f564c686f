//! Remembering the per-answer work of a pass. A large run asks the same
//! questions of the same channels over and over, and a channel's answers
//! repeat word for word (templated bot replies, help pages); cleaning an
//! answer and judging its facts are pure functions of their inputs, so each
//! distinct input is worked out once. Bounded by count and by the bytes of
//! its keys (a mailbox polled whole is a reply of hundreds of kilobytes):
//! when full, it starts afresh, so memory stays flat on a run whose answers
//! never repeat.
//!
//! Keys are hashed with FxHash: the keys are whole answers, hashed once per
//! exchange, and SipHash's resistance to chosen collisions buys nothing here
//! (a collision only costs a string comparison, never a wrong answer).
//! Values are cloned out: callers keep large ones behind an `Rc`.

use rustc_hash::{FxHashMap, FxHasher};
use std::hash::{Hash, Hasher};

/// Distinct inputs remembered before starting afresh.
const CAPACITY: usize = 8192;
/// Bytes of keys remembered before starting afresh (values are derived from
/// their keys and are no larger: a cleaned answer, a judged fact, a scan).
const CAPACITY_BYTES: usize = 16 << 20;

/// A remembered key (its strings) and value.
type Entry<V> = (Box<[String]>, V);

/// A bounded map from a key made of several strings to a value. Entries are
/// found by a hash of the key and confirmed by comparing the strings, so a
/// lookup allocates nothing and a hash collision is never a wrong answer.
pub struct Memo<V> {
    /// Key hash → the entries with that hash (almost always one).
    entries: FxHashMap<u64, Vec<Entry<V>>>,
    len: usize,
    /// Bytes of the keys held.
    bytes: usize,
}

impl<V: Clone> Memo<V> {
    pub fn new() -> Self {
        Memo { entries: FxHashMap::default(), len: 0, bytes: 0 }
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
        let bytes: usize = key.iter().map(|s| s.len()).sum();
        if self.len >= CAPACITY || self.bytes + bytes > CAPACITY_BYTES {
            self.entries.clear();
            (self.len, self.bytes) = (0, 0);
        }
        if bytes > CAPACITY_BYTES {
            return value;
        }
        let owned: Box<[String]> = key.iter().map(|s| s.to_string()).collect();
        self.entries.entry(hash).or_default().push((owned, value.clone()));
        self.len += 1;
        self.bytes += bytes;
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

    #[test]
    fn large_keys_are_bounded_by_bytes() {
        let mut memo = Memo::new();
        let page = "x".repeat(CAPACITY_BYTES / 4 + 1);
        for i in 0..10 {
            let key = format!("{i}{page}");
            assert_eq!(memo.get_or(&["chat", &key], || i), i);
            assert!(memo.bytes <= CAPACITY_BYTES && memo.len <= 4, "{} bytes in {} entries", memo.bytes, memo.len);
        }
        // Still remembered while there is room.
        let mut calls = 0;
        for _ in 0..2 {
            memo.get_or(&["chat", &format!("9{page}")], || {
                calls += 1;
                0
            });
        }
        assert_eq!(calls, 0);
        // A key larger than the whole memo is computed, never kept.
        let huge = "y".repeat(CAPACITY_BYTES + 1);
        assert_eq!(memo.get_or(&[&huge], || 1), 1);
        assert_eq!(memo.get_or(&[&huge], || 2), 2);
    }
}
