//! Re-records a run through the current record writer, so a record written
//! by an older touchpoint (every body whole) can be compared in size with
//! what this one writes for the same bodies (see BENCHMARKS.md).
//!
//! ```sh
//! cargo run --release --example rewrite_run -- reports/<run-id> /tmp/rewritten.jsonl
//! ```

use std::path::PathBuf;
use touchpoint::record::{self, Record, RecordWriter};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: rewrite_run RUN_DIR OUT_FILE");
        std::process::exit(1);
    };
    let mut stream = match record::reader::open(&PathBuf::from(input)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rewrite_run: {e}");
            std::process::exit(3);
        }
    };
    let _ = std::fs::remove_file(output);
    let writer = RecordWriter::open(&PathBuf::from(output)).expect("the output file opens");
    writer.append_blocking(Record::Header(stream.header().clone())).expect("written");
    let mut n = 0;
    for x in stream.by_ref() {
        writer.append_blocking(Record::Exchange(Box::new(x))).expect("written");
        n += 1;
    }
    let (_, tail) = stream.finish().expect("the run reads to its end");
    if let Some(end) = tail.end {
        writer.append_blocking(Record::End(end)).expect("written");
    }
    writer.sync_blocking().expect("synced");
    let size = std::fs::metadata(output).map(|m| m.len()).unwrap_or(0);
    println!("exchanges={n} bytes={size}");
}
