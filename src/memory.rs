//! Giving the engine's memory back before the analysis of a run.
//!
//! The binary allocates with mimalloc, whose heaps are per thread: a page
//! freed on a runtime worker (or freed there by another thread) is
//! returned to the system only when that worker next allocates. After a
//! run the workers sit idle, so the ~40 MB the engine freed stayed
//! resident while the analysis, on another thread, allocated its own: the
//! process peaked after the engine, not during it (BENCHMARKS.md, "Memory:
//! 10,000 waiting personas, fourth pass").
//!
//! [`release`] asks every worker to collect its heap the next time it
//! parks ([`on_park`], installed on the runtime) and wakes them so they
//! do; [`collect`] collects the calling thread's heap and the heaps of
//! threads that have ended. Both are cheap when there is nothing to give
//! back, and harmless when mimalloc is not the global allocator (it then
//! holds nothing).
//!
//! [`PurgeAtOnce`] is for a run whose walks mostly wait (more walks at
//! once than requests in flight, `cli/walk.rs`): while it lives, a page
//! mimalloc frees goes back to the system at once rather than a second
//! later. 10,000 waiting personas: ~100 → ~92 MB (BENCHMARKS.md, "Engine
//! memory and c=256, fifth pass"); at c=256 the same setting cost 5–10 %
//! CPU per exchange (a page fault per exchange more), so a run that drives
//! a target as fast as it answers keeps mimalloc's delay.

use std::cell::Cell;
use std::ffi::{c_int, c_long};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

// Linked through the `mimalloc` crate, the binary's global allocator.
use mimalloc as _;

extern "C" {
    /// mimalloc: frees what the calling thread's heap holds unused; with
    /// `force`, also what ended threads left and what waits to be purged.
    fn mi_collect(force: bool);
    /// mimalloc: an option's value (`mi_option_t` is a C enum).
    fn mi_option_get(option: c_int) -> c_long;
    /// mimalloc: sets an option; read by the allocator as it goes.
    fn mi_option_set(option: c_int, value: c_long);
}

/// `mi_option_purge_delay` (milliseconds before a freed page is given back
/// to the system; 0 at once): its place in `mi_option_t`, the same in
/// mimalloc 2 and 3.
const PURGE_DELAY: c_int = 15;

/// Bumped by [`release`]; a worker collects when it parks and sees a new value.
static EPOCH: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static SEEN: Cell<u64> = const { Cell::new(0) };
}

/// Collects the calling thread's heap and the ones threads left behind.
pub fn collect() {
    // SAFETY: `mi_collect` takes no pointers and may be called on any thread at any time.
    unsafe { mi_collect(true) }
}

/// The runtime's `on_thread_park` hook: one atomic load unless [`release`]
/// asked for a collection this worker has not made yet.
pub fn on_park() {
    let epoch = EPOCH.load(Ordering::Relaxed);
    if SEEN.with(|s| s.replace(epoch)) != epoch {
        collect();
    }
}

/// While alive, pages mimalloc frees go back to the system at once (purge
/// delay 0); dropped, the delay is what it was before.
pub struct PurgeAtOnce(Option<c_long>);

impl PurgeAtOnce {
    /// Purges at once when `on`; otherwise changes nothing.
    pub fn when(on: bool) -> Self {
        if !on {
            return PurgeAtOnce(None);
        }
        // SAFETY: mimalloc's options are process-wide integers it reads as it goes; any thread may set them.
        let before = unsafe { mi_option_get(PURGE_DELAY) };
        unsafe { mi_option_set(PURGE_DELAY, 0) };
        PurgeAtOnce(Some(before))
    }
}

impl Drop for PurgeAtOnce {
    fn drop(&mut self) {
        if let Some(before) = self.0 {
            // SAFETY: as in `when`.
            unsafe { mi_option_set(PURGE_DELAY, before) };
        }
    }
}

/// After a run: every runtime worker collects its heap once (when it next
/// parks), then the calling thread's heap is collected.
pub async fn release() {
    EPOCH.fetch_add(1, Ordering::Relaxed);
    let workers = tokio::runtime::Handle::current().metrics().num_workers();
    // Each nudge keeps one worker busy for a moment, so the scheduler wakes
    // the others for the rest; each worker parks again once they are done.
    let nudges: Vec<_> =
        (0..workers).map(|_| tokio::spawn(async { std::thread::sleep(Duration::from_millis(2)) })).collect();
    for n in nudges {
        let _ = n.await;
    }
    collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option's index is mimalloc's purge delay: set and read back, then restored.
    #[test]
    fn purging_at_once_sets_the_delay_to_zero_and_restores_it() {
        // SAFETY: reading an option.
        let before = unsafe { mi_option_get(PURGE_DELAY) };
        assert!(before > 0, "mimalloc purges after a delay by default: {before}");
        {
            let _at_once = PurgeAtOnce::when(true);
            assert_eq!(unsafe { mi_option_get(PURGE_DELAY) }, 0);
            let _unchanged = PurgeAtOnce::when(false);
        }
        assert_eq!(unsafe { mi_option_get(PURGE_DELAY) }, before);
    }
}
