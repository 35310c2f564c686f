//! Thread per core: a run's walks are driven by one thread per runtime
//! worker ("lanes"), each with its own single-threaded runtime and its own
//! HTTP client per channel, all taking walks from the same plan — like
//! wrk's threads. A walk, its connection's task and its timers then stay on
//! one core: no task moves between cores by work stealing, no wake-up
//! crosses threads, and what a request allocates is freed where it was
//! allocated, in that core's cache. On the shared multi-threaded runtime a
//! connection's task was polled by whichever worker read its socket, so a
//! request's buffers crossed between cores twice per exchange.
//!
//! `--concurrency` is split between the lanes (at most that many walks at
//! once in all). Everything else a run shares stays shared: the record
//! writer, progress, the stop signal, budgets, rate limits and each
//! channel's in-flight limit (all thread-safe, none tied to a runtime). The
//! webhook receiver, signal handling and the guards keep running on the
//! runtime the run was started on.

use super::pool::{self, Panicked};
use std::cell::Cell;
use std::future::Future;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

thread_local! {
    /// The lane this thread drives; 0 on any other thread.
    static LANE: Cell<usize> = const { Cell::new(0) };
}

/// How many lanes a run started on the current runtime uses: one per
/// worker thread of that runtime (`--workers`), so `--workers 1` and a
/// single-threaded runtime (tests) drive walks on the runtime itself.
pub fn count() -> usize {
    tokio::runtime::Handle::try_current().map(|h| h.metrics().num_workers()).unwrap_or(1).max(1)
}

/// One value per lane: HTTP clients (`clients.rs`), a channel's in-flight limit. It
/// dereferences to the value of the lane the calling thread drives, so a
/// walk's connections are opened, pooled and served by its own lane's
/// runtime (lane 0's on any other thread).
#[derive(Clone)]
pub struct PerLane<T>(Vec<T>);

impl<T> PerLane<T> {
    /// `lanes` values (at least one), each from `build`.
    pub fn build<E>(lanes: usize, mut build: impl FnMut() -> Result<T, E>) -> Result<Self, E> {
        (0..lanes.max(1)).map(|_| build()).collect::<Result<Vec<_>, E>>().map(PerLane)
    }

    /// `lanes` values (at least one), each `make()`.
    pub fn with(lanes: usize, mut make: impl FnMut() -> T) -> Self {
        PerLane((0..lanes.max(1)).map(|_| make()).collect())
    }
}

impl<T> std::ops::Deref for PerLane<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0[LANE.with(Cell::get) % self.0.len()]
    }
}

/// Runs `work(i)` for every `i` in `0..count`, at most `concurrency` at
/// once, on `lanes` threads (each running [`pool::run_from`] with its share
/// of the concurrency on a runtime of its own). With one lane it runs on
/// the current runtime. Returns the panics, by index.
pub async fn run<S, W, F>(lanes: usize, concurrency: usize, count: usize, stopped: S, work: W) -> Vec<Panicked>
where
    S: Fn() -> bool + Send + Sync + 'static,
    W: Fn(usize) -> F + Send + Sync + 'static,
    F: Future<Output = ()> + Send,
{
    let concurrency = concurrency.max(1);
    let lanes = lanes.clamp(1, concurrency);
    if lanes == 1 {
        return pool::run(concurrency, count, stopped, work).await;
    }
    let next = Arc::new(AtomicUsize::new(0));
    let (stopped, work) = (Arc::new(stopped), Arc::new(work));
    let mut finished = Vec::new();
    let mut out = Vec::new();
    for lane in 0..lanes {
        // The concurrency split as evenly as it goes: 256 over 2 is 128 each.
        let workers = concurrency / lanes + usize::from(lane < concurrency % lanes);
        let (next, stopped, work) = (next.clone(), stopped.clone(), work.clone());
        let (done, finish) = tokio::sync::oneshot::channel();
        let started = std::thread::Builder::new().name(format!("touchpoint-lane-{lane}")).spawn(move || {
            let panics = match runtime(lane) {
                Ok(rt) => rt.block_on(pool::run_from(next, workers, count, stopped, work)),
                Err(e) => vec![(usize::MAX, format!("lane {lane} could not start its runtime: {e}"))],
            };
            let _ = done.send(panics);
        });
        match started {
            Ok(_) => finished.push(finish),
            Err(e) => out.push((usize::MAX, format!("lane {lane} could not start its thread: {e}"))),
        }
    }
    for finish in finished {
        match finish.await {
            Ok(panics) => out.extend(panics),
            Err(_) => out.push((usize::MAX, "a lane stopped before its walks were done".to_string())),
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out
}

/// A lane's runtime: single-threaded. (A multi-threaded runtime of one
/// worker was measured too, so that `block_in_place` would still work: it
/// cost more CPU per exchange than the shared runtime it replaces.) In a
/// lane, a CSS selector over a reply above 32 KB is parsed inline
/// (`extract.rs`), holding up that lane's other walks for the parse (a few
/// milliseconds for a page at the 1 MB body cap).
fn runtime(lane: usize) -> std::io::Result<tokio::runtime::Runtime> {
    LANE.with(|l| l.set(lane));
    tokio::runtime::Builder::new_current_thread().enable_all().build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering;
    use std::sync::Mutex;

    /// Every walk runs exactly once across the lanes, each lane on its own
    /// thread, never more at once than the concurrency, and a panic in one
    /// lane is reported with its index while the others go on.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lanes_share_the_plan_and_the_concurrency() {
        let ran = Arc::new(Mutex::new(Vec::new()));
        let threads = Arc::new(Mutex::new(std::collections::BTreeSet::new()));
        let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (r, t, n, m) = (ran.clone(), threads.clone(), now.clone(), most.clone());
        let panics = run(
            count(),
            5,
            200,
            || false,
            move |i| {
                let (r, t, n, m) = (r.clone(), t.clone(), n.clone(), m.clone());
                async move {
                    let at = n.fetch_add(1, Ordering::SeqCst) + 1;
                    m.fetch_max(at, Ordering::SeqCst);
                    t.lock().unwrap().insert(std::thread::current().name().unwrap_or_default().to_string());
                    tokio::time::sleep(std::time::Duration::from_micros(200)).await;
                    n.fetch_sub(1, Ordering::SeqCst);
                    assert!(i != 7, "walk seven fails");
                    r.lock().unwrap().push(i);
                }
            },
        )
        .await;
        assert_eq!(panics.len(), 1, "{panics:?}");
        assert_eq!(panics[0].0, 7);
        let mut ran = ran.lock().unwrap().clone();
        ran.sort();
        assert_eq!(ran, (0..200).filter(|i| *i != 7).collect::<Vec<_>>());
        assert!(most.load(Ordering::SeqCst) <= 5, "{} at once", most.load(Ordering::SeqCst));
        let threads = threads.lock().unwrap().clone();
        assert_eq!(
            threads,
            ["touchpoint-lane-0", "touchpoint-lane-1"].map(String::from).into_iter().collect(),
            "each lane on its own thread"
        );
    }
}
