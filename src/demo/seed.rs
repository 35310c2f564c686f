//! Deterministic "randomness" for the demo.
//!
//! Every delay, id and reference is a hash of the demo seed and of *what* it
//! belongs to (a customer, a conversation, the n-th message), never of arrival
//! order: many scripted customers run concurrently, and the same seed must
//! still give the same values on every run.

use sha2::{Digest, Sha256};

/// A stable 64-bit hash of the seed and the parts that name one thing.
pub(crate) fn hash(seed: u64, parts: &[&str]) -> u64 {
    let mut hasher = Sha256::new();
    hasher.update(seed.to_le_bytes());
    for part in parts {
        // Length-prefix each part so ("ab", "c") and ("a", "bc") differ.
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// A value in `low..=high`, fixed by the seed and the parts.
pub(crate) fn between(seed: u64, parts: &[&str], low: u64, high: u64) -> u64 {
    low + hash(seed, parts) % (high - low + 1)
}

/// Twelve hex digits: short enough to read in a report, long enough not to collide.
pub(crate) fn hex_id(seed: u64, parts: &[&str]) -> String {
    format!("{:012x}", hash(seed, parts) >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_value_and_parts_matter() {
        assert_eq!(hash(42, &["a", "b"]), hash(42, &["a", "b"]));
        assert_ne!(hash(42, &["ab", "c"]), hash(42, &["a", "bc"]));
        assert_ne!(hash(42, &["a"]), hash(43, &["a"]));
        let d = between(7, &["delay"], 300, 900);
        assert!((300..=900).contains(&d));
    }
}
