//! The walks of a run, driven by a fixed set of long-lived tasks that each
//! take the next walk from the plan when they finish one — not a task
//! spawned per walk. A sweep is tens of thousands of one-exchange walks;
//! a spawn, a permit and a reaped join per walk cost a scheduling round and
//! often a worker wake-up each, on top of the exchange itself.
//!
//! A walk that panics is a bug in touchpoint: it is caught where it ran,
//! reported with its index and message, and its task goes on to the next
//! walk, so the others still run.

use futures_util::FutureExt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A walk that panicked: its index and the panic's message.
pub type Panicked = (usize, String);

/// Runs `work(i)` for every `i` in `0..count`, at most `workers` at once,
/// in order of `i` as tasks come free. `stopped()` is asked before each
/// walk starts; once it is true no more start. Returns the panics, by index.
pub async fn run<W, F>(
    workers: usize,
    count: usize,
    stopped: impl Fn() -> bool + Send + Sync + 'static,
    work: W,
) -> Vec<Panicked>
where
    W: Fn(usize) -> F + Send + Sync + 'static,
    F: Future<Output = ()> + Send,
{
    run_from(Arc::new(AtomicUsize::new(0)), workers.max(1), count, Arc::new(stopped), Arc::new(work)).await
}

/// [`run`], the walks drawn from `next`, a counter other pools may share
/// (`lanes.rs`: one pool per thread, all taking from the same plan).
pub async fn run_from<S, W, F>(
    next: Arc<AtomicUsize>,
    workers: usize,
    count: usize,
    stopped: Arc<S>,
    work: Arc<W>,
) -> Vec<Panicked>
where
    S: Fn() -> bool + Send + Sync + 'static + ?Sized,
    W: Fn(usize) -> F + Send + Sync + 'static,
    F: Future<Output = ()> + Send,
{
    let panics = Arc::new(Mutex::new(Vec::new()));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..workers.min(count) {
        let (next, panics, work, stopped) = (next.clone(), panics.clone(), work.clone(), stopped.clone());
        set.spawn(async move {
            while !stopped() {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                if let Err(payload) = AssertUnwindSafe(work(i)).catch_unwind().await {
                    if let Ok(mut p) = panics.lock() {
                        p.push((i, message(payload)));
                    }
                }
            }
        });
    }
    let mut lost = Vec::new();
    while let Some(r) = set.join_next().await {
        // Walks are caught above; a task can only end in error if the
        // runtime cancels it (shutting down).
        if let Err(e) = r {
            lost.push((usize::MAX, e.to_string()));
        }
    }
    let mut out = std::mem::take(&mut *panics.lock().unwrap_or_else(|e| e.into_inner()));
    out.sort_by_key(|(i, _)| *i);
    out.extend(lost);
    out
}

fn message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::time::Duration;

    /// Issue 13 item 9: a walk's panic was dropped, the run was "complete"
    /// with 0 exchanges and exit 0. It is reported with its index, and the
    /// walks after it on the same task still run.
    #[tokio::test]
    async fn absurd_values_a_walk_that_panics_is_an_internal_error() {
        let ran = Arc::new(Mutex::new(Vec::new()));
        let seen = ran.clone();
        let panics = run(
            2,
            6,
            || false,
            move |i| {
                let seen = seen.clone();
                async move {
                    tokio::task::yield_now().await;
                    if i == 1 {
                        let absurd = Duration::from_secs(u64::MAX);
                        let _ = std::time::Instant::now() + absurd;
                    }
                    seen.lock().unwrap().push(i);
                }
            },
        )
        .await;
        assert_eq!(panics.len(), 1, "{panics:?}");
        assert_eq!(panics[0].0, 1);
        assert!(panics[0].1.contains("overflow"), "{}", panics[0].1);
        let mut ran = ran.lock().unwrap().clone();
        ran.sort();
        assert_eq!(ran, vec![0, 2, 3, 4, 5], "every other walk ran once");
    }

    #[tokio::test]
    async fn at_most_workers_walks_at_once_and_none_start_after_a_stop() {
        let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let started = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (n, m, s, st) = (now.clone(), most.clone(), started.clone(), stop.clone());
        let panics = run(
            3,
            1000,
            move || stop.load(Ordering::Relaxed),
            move |_| {
                let (n, m, s, st) = (n.clone(), m.clone(), s.clone(), st.clone());
                async move {
                    let at = n.fetch_add(1, Ordering::SeqCst) + 1;
                    m.fetch_max(at, Ordering::SeqCst);
                    if s.fetch_add(1, Ordering::SeqCst) == 20 {
                        st.store(true, Ordering::SeqCst);
                    }
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    n.fetch_sub(1, Ordering::SeqCst);
                }
            },
        )
        .await;
        assert!(panics.is_empty());
        assert_eq!(most.load(Ordering::SeqCst), 3);
        let started = started.load(Ordering::SeqCst);
        assert!((21..=23).contains(&started), "{started} walks started; the stop came at the 21st");
    }
}
