//! Writes a synthetic run of N exchanges for the analysis benchmark (see
//! BENCHMARKS.md): the exchanges of a real seed run (e.g. `touchpoint run`
//! against the embedded demo) repeated with fresh `seq`, `repeat` and times,
//! so the content — replies, HTTP attempts, bodies — is what the engine
//! really records.
//!
//! ```sh
//! touchpoint run scenarios/acme --out /tmp/seed            # the seed run
//! cargo run --release --example gen_run -- /tmp/seed/<run-id> /tmp/big 1000000 [--lean]
//! touchpoint analyze /tmp/big
//! ```
//!
//! `--lean` drops the recorded HTTP bodies (requests and responses), keeping
//! the reply: the run a channel with small bodies would leave.

use serde_json::Value;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lean = args.iter().any(|a| a == "--lean");
    let pos: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let [seed, out, n] = pos.as_slice() else {
        return Err("usage: gen_run SEED_RUN_DIR OUT_DIR EXCHANGES [--lean]".into());
    };
    let n: u64 = n.parse()?;
    let seed_file = PathBuf::from(seed.as_str()).join("run.jsonl");
    let mut header = None;
    let mut exchanges = Vec::new();
    let mut end_us = 0;
    for line in BufReader::new(std::fs::File::open(&seed_file)?).lines() {
        let mut v: Value = serde_json::from_str(&line?)?;
        match v["type"].as_str() {
            Some("header") if header.is_none() => header = Some(v),
            Some("exchange") => {
                if lean {
                    for h in v["http"].as_array_mut().into_iter().flatten() {
                        h["body"] = Value::Null;
                        h.as_object_mut().map(|o| o.remove("request_body"));
                    }
                }
                exchanges.push(v);
            }
            Some("end") => end_us = v["t_end_us"].as_u64().unwrap_or(0),
            _ => {}
        }
    }
    let mut header = header.ok_or("the seed run has no header")?;
    if exchanges.is_empty() {
        return Err("the seed run has no exchanges".into());
    }
    let per = exchanges.len() as u64;
    let span = end_us.max(1);
    header["run_id"] = Value::String(format!("synthetic-{n}"));
    header["planned_tasks"] = Value::from(n);

    std::fs::create_dir_all(out.as_str())?;
    let mut w =
        BufWriter::with_capacity(1 << 20, std::fs::File::create(PathBuf::from(out.as_str()).join("run.jsonl"))?);
    write_record(&mut w, header.clone())?;
    for i in 0..n {
        let (copy, k) = (i / per, (i % per) as usize);
        let mut x = exchanges[k].clone();
        let shift = copy * span;
        x["seq"] = Value::from(i);
        x["task"]["repeat"] = Value::from(copy);
        shift_times(&mut x, shift);
        write_record(&mut w, x)?;
    }
    let end = serde_json::json!({
        "type": "end", "finished_at": header["started_at"], "status": "complete",
        "exchanges": n, "errors": 0, "t_end_us": span * n.div_ceil(per),
    });
    write_record(&mut w, end)?;
    w.flush()?;
    eprintln!("gen_run: wrote {n} exchanges ({per} seed exchanges x {} repeats) to {out}/run.jsonl", n.div_ceil(per));
    Ok(())
}

/// Writes one line as the engine does (through `Record`, so `"type"` comes
/// first and fields are in the writer's order, not sorted as in a `Value`).
fn write_record(w: &mut impl Write, v: Value) -> Result<(), Box<dyn std::error::Error>> {
    let record: touchpoint::record::Record = serde_json::from_value(v)?;
    serde_json::to_writer(&mut *w, &record)?;
    w.write_all(b"\n")?;
    Ok(())
}

/// Moves every `t_*_us` field later by `shift`.
fn shift_times(v: &mut Value, shift: u64) {
    match v {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k.starts_with("t_") && k.ends_with("_us") {
                    if let Some(t) = v.as_u64() {
                        *v = Value::from(t + shift);
                    }
                } else if k != "item" {
                    shift_times(v, shift);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|v| shift_times(v, shift)),
        _ => {}
    }
}
