//! Issue 13 item 12: blocking work (SQLite waits, analysis, rendering,
//! pruning) ran on the runtime's workers, the threads that timestamp
//! replies, so our stall showed up as the company's latency.

use super::{post, suite};
use crate::common;
use std::sync::Arc;
use std::time::{Duration, Instant};
use touchpoint::audit::{self, schedule::Schedule, AuditOptions, EventLog};
use touchpoint::record::read_run;

/// The target's fixed delay before every answer.
const DELAY: Duration = Duration::from_millis(100);
/// How long the history database stays locked while the audit indexes its run.
const LOCKED: Duration = Duration::from_secs(3);

/// A target that answers every request after exactly [`DELAY`], on a
/// thread and runtime of its own, so nothing in the test's runtime can
/// delay it.
fn fixed_latency_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let app = axum::Router::new().fallback(|| async {
                tokio::time::sleep(DELAY).await;
                ([("content-type", "application/json")], r#"{"answer":"Refunds within 30 days."}"#)
            });
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    url
}

/// An audit whose history write waits on a locked SQLite file shares a
/// single-threaded runtime with a run measuring a target of fixed latency:
/// every latency the run records stays near the target's delay. (On one
/// thread, a blocking wait on that thread would add seconds to some of them.)
#[tokio::test]
async fn blocking_work_on_the_runtimes_workers_leaves_reply_timestamps_alone() {
    let target = fixed_latency_server();
    let dir = suite(&[&post("/ok")], "");
    let suite = Arc::new(common::load(dir.path()));

    // The audit's history, locked by another writer for LOCKED.
    let audit_out = tempfile::tempdir().unwrap();
    let db = rusqlite::Connection::open(audit_out.path().join("history.sqlite")).unwrap();
    db.execute_batch("BEGIN EXCLUSIVE; CREATE TABLE held (x INTEGER);").unwrap();
    let audit_opts = AuditOptions {
        run: common::options(audit_out.path(), &target),
        schedule: Schedule::Every(Duration::from_secs(3600)),
        keep: Some(1),
        alert_webhook: None,
        report_url: None,
        max_runs: Some(1),
        fail_on: touchpoint::verdict::Severity::High,
        history: Default::default(),
    };
    let (_stop_tx, stop) = tokio::sync::watch::channel(false);
    let log = EventLog::to(Box::new(std::io::sink()));
    let started = Instant::now();
    let audit = {
        let suite = suite.clone();
        async move { audit::run(suite, audit_opts, stop, &log).await.unwrap() }
    };
    let unlock = std::thread::spawn(move || {
        std::thread::sleep(LOCKED);
        db.execute_batch("COMMIT").unwrap();
    });

    // The measured run: 40 messages one after the other, spanning the lock.
    let run_out = tempfile::tempdir().unwrap();
    let mut opts = common::options(run_out.path(), &target);
    opts.repeat = 40;
    opts.concurrency = 1;
    let (summary, result) = tokio::join!(audit, common::run((*suite).clone(), opts));
    unlock.join().unwrap();
    assert_eq!(summary.runs, 1);
    assert!(started.elapsed() >= LOCKED, "the audit's history write waited for the lock");

    let run = read_run(&result.dir).unwrap();
    assert_eq!(run.exchanges.len(), 40);
    let latencies: Vec<Duration> =
        run.exchanges.iter().flat_map(|x| &x.http).map(|a| Duration::from_micros(a.t_end_us - a.t_start_us)).collect();
    let worst = latencies.iter().max().copied().unwrap();
    // Generous for a loaded 2-core machine; the blocked history alone would add up to LOCKED.
    assert!(worst < DELAY + Duration::from_millis(900), "a reply was timed at {worst:?}: {latencies:?}");
    assert!(worst >= DELAY, "the server's delay is in every latency: {latencies:?}");
}
