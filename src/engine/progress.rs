//! What the user sees while a run goes: a progress bar on a terminal, plain
//! log lines (every few seconds) when not, so CI logs stay quiet and readable.
//!
//! Exchanges are counted here only once written: the record writer's commit
//! hook calls [`Progress::committed`] once per `write` with the exchanges it
//! held (so the bar and the counts move once per group, not per exchange).

use crate::record::writer::Committed;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Progress {
    bar: Option<ProgressBar>,
    walks_total: u64,
    walks: AtomicU64,
    exchanges: AtomicU64,
    errors: AtomicU64,
    /// Handed-over exchanges that could not be written.
    lost: AtomicU64,
    last_log: Mutex<Instant>,
    quiet: bool,
}

const LOG_EVERY: Duration = Duration::from_secs(5);

impl Progress {
    /// A bar when stderr is a terminal and `quiet` is off.
    pub fn new(walks_total: u64, quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(walks_total), ProgressDrawTarget::stderr());
            let style =
                ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} personas · {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            walks_total,
            walks: AtomicU64::new(0),
            exchanges: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            lost: AtomicU64::new(0),
            last_log: Mutex::new(Instant::now()),
            quiet,
        }
    }

    /// The record writer's commit hook: `exchanges` were written (counted,
    /// and logged as recorded), or could not be (counted as lost).
    pub fn committed(&self, exchanges: &[Committed], result: Result<(), &std::io::Error>) {
        if let Err(e) = result {
            self.lost.fetch_add(exchanges.len() as u64, Ordering::Relaxed);
            tracing::error!("could not append to run.jsonl: {e}");
            return;
        }
        let failed = exchanges.iter().filter(|x| x.failed).count() as u64;
        self.exchanges.fetch_add(exchanges.len() as u64, Ordering::Relaxed);
        self.errors.fetch_add(failed, Ordering::Relaxed);
        if tracing::enabled!(tracing::Level::DEBUG) {
            // Logged once written: every exchange logged as recorded is on disk.
            for x in exchanges {
                tracing::debug!(seq = x.seq, failed = x.failed, "exchange recorded");
            }
        }
        self.refresh();
    }

    pub fn walk_done(&self) {
        self.walks.fetch_add(1, Ordering::Relaxed);
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }

    fn refresh(&self) {
        let (x, e) = (self.exchanges.load(Ordering::Relaxed), self.errors.load(Ordering::Relaxed));
        if let Some(b) = &self.bar {
            b.set_message(format!("{x} exchanges · {e} errors"));
        } else if !self.quiet {
            let Ok(mut last) = self.last_log.lock() else { return };
            if last.elapsed() >= LOG_EVERY {
                *last = Instant::now();
                eprintln!(
                    "touchpoint: {}/{} personas done, {x} exchanges, {e} errors",
                    self.walks.load(Ordering::Relaxed),
                    self.walks_total
                );
            }
        }
    }

    /// Exchanges written that carry an error.
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Handed-over exchanges that could not be written.
    pub fn lost(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
