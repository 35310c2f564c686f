//! Times analysing a recorded run (see BENCHMARKS.md): streaming
//! `run.jsonl` through `analysis::analyze_stream`, as `touchpoint analyze`
//! does. Run it under `/usr/bin/time -v` for the peak RSS.
//!
//! `--compare` also reads the whole run and analyses it with
//! `analysis::analyze`, and checks that both verdicts serialise to the
//! same bytes (small runs only: it holds the run in memory).
//!
//! ```sh
//! cargo run --release --example analyze_run -- /tmp/big scenarios/acme [--compare]
//! ```

use std::path::PathBuf;
use std::time::Instant;
use touchpoint::analysis::{analyze, analyze_stream, AnalyzeOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let compare = args.iter().any(|a| a == "--compare");
    let pos: Vec<PathBuf> = args.iter().filter(|a| !a.starts_with("--")).map(PathBuf::from).collect();
    let [run_dir, suite_dir] = pos.as_slice() else {
        eprintln!("usage: analyze_run RUN_DIR SUITE_DIR [--compare]");
        std::process::exit(1);
    };
    let fail = |code: i32, message: String| -> ! {
        eprintln!("analyze_run: {message}");
        std::process::exit(code)
    };
    let loaded = touchpoint::suite::load(suite_dir);
    let Some(suite) = loaded.suite else { fail(2, format!("{} is not a valid suite", suite_dir.display())) };
    let options = AnalyzeOptions::default();
    let t = Instant::now();
    let stream = touchpoint::record::reader::open_lean(run_dir).unwrap_or_else(|e| fail(3, e.to_string()));
    // Decoding on a second thread, as `touchpoint analyze` does.
    let mut stream = touchpoint::record::Prefetch::new(stream);
    let header = stream.header().clone();
    let mut exchanges = 0u64;
    let analysed = analyze_stream(&suite, &header, stream.by_ref().inspect(|_| exchanges += 1), &options);
    let (_, tail) = stream.finish().unwrap_or_else(|e| fail(3, e.to_string()));
    let verdict = analysed.finish(&tail);
    let streamed = t.elapsed();
    let t = Instant::now();
    let json = serde_json::to_vec(&verdict).expect("verdict serialises");
    let serialised = t.elapsed();
    println!(
        "exchanges={exchanges} read_and_analyze_s={:.2} verdict_json_s={:.2} verdict_bytes={}",
        streamed.as_secs_f64(),
        serialised.as_secs_f64(),
        json.len()
    );
    if compare {
        let run = touchpoint::record::read_run(run_dir).unwrap_or_else(|e| fail(3, e.to_string()));
        let whole = serde_json::to_vec(&analyze(&suite, &run, &options)).expect("verdict serialises");
        if whole != json {
            fail(4, "the streamed and the whole-run verdicts differ".into());
        }
        println!("identical: the streamed verdict equals the whole-run one");
    }
}
