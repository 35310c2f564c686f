//! Shared by the integration tests: temp suites, running the engine in-process.
#![allow(dead_code)]

pub mod postgres;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use touchpoint::engine::{self, RunOptions, RunResult};

pub fn example_suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/acme")
}

/// Writes a suite from (file name, text) pairs into a fresh temp dir.
pub fn write_suite(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

pub fn load(dir: &Path) -> touchpoint::suite::Suite {
    let loaded = touchpoint::suite::load(dir);
    match loaded.suite {
        Some(s) => s,
        None => panic!("suite invalid:\n{}", loaded.diagnostics.render_plain(&loaded.sources)),
    }
}

pub fn options(out: &Path, target: &str) -> RunOptions {
    RunOptions {
        out_dir: out.to_path_buf(),
        target: target.to_string(),
        concurrency: 8,
        repeat: 1,
        seed: 7,
        only: None,
        resume: None,
        quiet: true,
        extra_headers: vec![],
        guards: Default::default(),
        webhook_listen: Default::default(),
        webhook: None,
        shard: None,
        group: None,
    }
}

pub async fn run(suite: touchpoint::suite::Suite, opts: RunOptions) -> RunResult {
    let (_tx, rx) = tokio::sync::watch::channel(false);
    engine::run(Arc::new(suite), opts, rx).await.expect("run failed")
}

/// A one-fact suite map (a 30-day refund window, one question, one
/// one-stage journey): what the engine, hostile-target and resume tests ask.
pub const REFUND_MAP: &str = r#"
name = "Acme Test"
[facts.refund_window]
kind = "duration"
value = "30 days"
[[questions]]
id = "refund"
asks = ["How long do I have to return it?"]
expects = ["refund_window"]
[[journeys]]
id = "support"
stages = [{ id = "ask" }]
"#;
