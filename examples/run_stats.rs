//! Throughput and latency of a recorded run, derived from `run.jsonl` alone
//! (the benchmark scripts call this; see BENCHMARKS.md).
//!
//! ```sh
//! cargo run --release --example run_stats -- reports/<run-id>
//! ```
//!
//! Prints one line of `key=value` pairs:
//! - `exchanges`, `errors`: exchange records, and those with an error;
//! - `seconds`: the end record's `t_end_us` (the engine's wall time);
//! - `xps`: exchanges per second over that time;
//! - `ttfb_p50_ms`, `ttfb_p99_ms`: per HTTP attempt, `t_first_byte_us - t_start_us`;
//! - `total_p50_ms`, `total_p99_ms`: per HTTP attempt, `t_end_us - t_start_us`;
//! - `sent_spread_s`: first to last `t_sent_us` (how concurrently personas started);
//! - `http`: HTTP attempts recorded.

use std::path::PathBuf;
use touchpoint::record::read_run;

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

fn main() {
    let Some(dir) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: run_stats RUN_DIR");
        std::process::exit(1);
    };
    let run = match read_run(&dir) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("run_stats: {e}");
            std::process::exit(3);
        }
    };
    let Some(end) = &run.end else {
        eprintln!("run_stats: {} has no end record (the run did not finish)", dir.display());
        std::process::exit(3);
    };
    let errors = run.exchanges.iter().filter(|x| x.error.is_some()).count();
    let mut ttfb = Vec::new();
    let mut total = Vec::new();
    for h in run.exchanges.iter().flat_map(|x| &x.http) {
        if let Some(fb) = h.t_first_byte_us {
            ttfb.push(fb.saturating_sub(h.t_start_us));
            total.push(h.t_end_us.saturating_sub(h.t_start_us));
        }
    }
    ttfb.sort_unstable();
    total.sort_unstable();
    let sent = run.exchanges.iter().map(|x| x.t_sent_us);
    let spread = match (sent.clone().min(), sent.max()) {
        (Some(a), Some(b)) => (b - a) as f64 / 1e6,
        _ => 0.0,
    };
    let seconds = end.t_end_us as f64 / 1e6;
    println!(
        "exchanges={} errors={} seconds={:.3} xps={:.0} ttfb_p50_ms={:.3} ttfb_p99_ms={:.3} total_p50_ms={:.3} total_p99_ms={:.3} sent_spread_s={:.2} http={}",
        run.exchanges.len(),
        errors,
        seconds,
        run.exchanges.len() as f64 / seconds,
        percentile(&ttfb, 50.0),
        percentile(&ttfb, 99.0),
        percentile(&total, 50.0),
        percentile(&total, 99.0),
        spread,
        ttfb.len()
    );
}
