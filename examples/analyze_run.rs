//! Times the phases of analysing a recorded run (see BENCHMARKS.md):
//! reading `run.jsonl`, then `analysis::analyze`. Run it under
//! `/usr/bin/time -v` for the peak RSS.
//!
//! ```sh
//! cargo run --release --example analyze_run -- /tmp/big scenarios/acme
//! ```

use std::path::PathBuf;
use std::time::Instant;
use touchpoint::analysis::{analyze, AnalyzeOptions};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(run_dir), Some(suite_dir)) = (args.next().map(PathBuf::from), args.next().map(PathBuf::from)) else {
        eprintln!("usage: analyze_run RUN_DIR SUITE_DIR");
        std::process::exit(1);
    };
    let loaded = touchpoint::suite::load(&suite_dir);
    let Some(suite) = loaded.suite else {
        eprintln!("analyze_run: {} is not a valid suite", suite_dir.display());
        std::process::exit(2);
    };
    let t = Instant::now();
    let run = touchpoint::record::read_run(&run_dir).unwrap_or_else(|e| {
        eprintln!("analyze_run: {e}");
        std::process::exit(3)
    });
    let read = t.elapsed();
    let t = Instant::now();
    let verdict = analyze(&suite, &run, &AnalyzeOptions::default());
    let analysed = t.elapsed();
    let t = Instant::now();
    let json = serde_json::to_vec(&verdict).expect("verdict serialises");
    let serialised = t.elapsed();
    println!(
        "exchanges={} read_s={:.2} analyze_s={:.2} verdict_json_s={:.2} verdict_bytes={}",
        run.exchanges.len(),
        read.as_secs_f64(),
        analysed.as_secs_f64(),
        serialised.as_secs_f64(),
        json.len()
    );
}
