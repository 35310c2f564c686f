//! The run record's formats: response bodies stored once per run read back
//! byte for byte, and records written before that (schema 1) still read and
//! analyse.

use crate::common;
use std::path::{Path, PathBuf};
use touchpoint::record::read_run;

/// A demo run recorded by touchpoint before bodies were deduplicated (schema 1).
fn schema1_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema1/run.jsonl")
}

/// Each attempt's `body` exactly as the line holds it (schema 1: always whole).
fn raw_bodies(jsonl: &Path) -> Vec<Vec<Option<String>>> {
    std::fs::read_to_string(jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["type"] == "exchange")
        .map(|v| v["http"].as_array().unwrap().iter().map(|h| h["body"].as_str().map(str::to_string)).collect())
        .collect()
}

#[test]
fn old_format_records_still_read_with_their_bodies() {
    let run = read_run(&schema1_fixture()).unwrap();
    assert_eq!(run.header.schema, 1);
    assert!(run.end.is_some());
    let read: Vec<Vec<Option<String>>> =
        run.exchanges.iter().map(|x| x.http.iter().map(|h| h.body.clone()).collect()).collect();
    assert_eq!(read, raw_bodies(&schema1_fixture()));
}

#[test]
fn old_format_records_still_analyse() {
    let reports = tempfile::tempdir().unwrap();
    let dir = reports.path().join("20261201-121943-940d");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(schema1_fixture(), dir.join("run.jsonl")).unwrap();
    let suite = common::load(&common::example_suite());
    let written = touchpoint::artifacts::write_all(&dir, &suite, &Default::default()).unwrap();
    assert_eq!(written.verdict.counts.exchanges, 15);
    assert!(written.verdict.counts.facts_checked > 0);
    for file in ["verdict.json", "junit.xml", "report.html"] {
        assert!(dir.join(file).exists(), "{file}");
    }
}

/// A demo run polls the same mailboxes and transcripts over and over: the
/// repeats are references in the file, and read back whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_bodies_are_recorded_once_and_read_back_whole() {
    let demo =
        touchpoint::demo::start(([127, 0, 0, 1], 0).into(), touchpoint::demo::DemoConfig { seed: 5, time_scale: 0.1 })
            .await
            .unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut opts = common::options(out.path(), &demo.url());
    opts.repeat = 2;
    opts.only = Some("sweep:*@email".into());
    let result = common::run(common::load(&common::example_suite()), opts).await;
    let jsonl = result.dir.join("run.jsonl");
    let text = std::fs::read_to_string(&jsonl).unwrap();
    let refs = text.matches(r#""body":null,"body_hash":"#).count();
    assert!(refs > 0, "repeated mailbox polls are references");
    let run = read_run(&jsonl).unwrap();
    assert_eq!(run.exchanges.len() as u64, result.exchanges);
    let attempts: Vec<_> = run.exchanges.iter().flat_map(|x| &x.http).collect();
    // Every body the engine kept reads back whole: as long as what was received.
    for h in attempts.iter().filter(|h| h.body.is_some()) {
        assert_eq!(h.body.as_ref().map(|b| b.len() as u64), Some(h.body_bytes), "{}", h.url);
    }
    // Only polls between the first and the latest of a step may lack their body, and they keep its hash.
    for x in &run.exchanges {
        let polls: Vec<_> = x.http.iter().filter(|h| h.purpose == touchpoint::record::Purpose::Poll).collect();
        for h in polls.iter().skip(1).rev().skip(1).filter(|h| h.body.is_none() && h.status.is_some()) {
            assert!(h.body_hash.is_some(), "{}", h.url);
        }
        if let (Some(first), Some(last)) = (polls.first(), polls.last()) {
            assert!(first.body.is_some() && last.body.is_some());
        }
    }
}

/// The analysis decodes on several threads (`record::Prefetch`): on a real
/// run, in batches small enough to cross many batch boundaries, it judges
/// exactly as reading the run on one thread does, and a whole (not lean)
/// record, whose bodies refer to earlier lines, reads back the same too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decoding_on_threads_judges_a_real_run_as_one_thread_does() {
    use touchpoint::analysis::{analyze, analyze_stream, AnalyzeOptions};
    use touchpoint::record::{reader, Prefetch};
    let demo =
        touchpoint::demo::start(([127, 0, 0, 1], 0).into(), touchpoint::demo::DemoConfig { seed: 7, time_scale: 0.1 })
            .await
            .unwrap();
    let out = tempfile::tempdir().unwrap();
    let suite = common::load(&common::example_suite());
    let result = common::run(suite.clone(), common::options(out.path(), &demo.url())).await;
    assert!(result.exchanges > 20, "{} exchanges", result.exchanges);
    let options = AnalyzeOptions::default();

    let one = analyze(&suite, &reader::read_lean(&result.dir).unwrap(), &options);
    let mut threads = Prefetch::with(reader::open_lean(&result.dir).unwrap(), 3, 4);
    let header = threads.header().clone();
    let analysed = analyze_stream(&suite, &header, threads.by_ref(), &options);
    let (_, tail) = threads.finish().unwrap();
    let both = [one, analysed.finish(&tail)].map(|v| serde_json::to_string_pretty(&v).unwrap());
    assert!(both[0] == both[1], "the verdicts differ");
    assert!(both[0].contains("\"findings\""));

    let whole = read_run(&result.dir).unwrap();
    let mut threads = Prefetch::with(reader::open(&result.dir).unwrap(), 3, 4);
    let read: Vec<_> = threads.by_ref().collect();
    assert!(read == whole.exchanges, "whole records read back the same");
    assert!(read.iter().flat_map(|x| &x.http).any(|h| h.body.is_some()));
}
