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

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

// Linked through the `mimalloc` crate, the binary's global allocator.
use mimalloc as _;

extern "C" {
    /// mimalloc: frees what the calling thread's heap holds unused; with
    /// `force`, also what ended threads left and what waits to be purged.
    fn mi_collect(force: bool);
}

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
