//! Sharded runs: the plan cut into N shards that run in parallel (here:
//! three, against one embedded demo), joined by `merge`, judge the same as
//! one machine walking the whole plan with the same seed.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use touchpoint::analysis::AnalyzeOptions;
use touchpoint::artifacts;
use touchpoint::demo::{self, DemoConfig};
use touchpoint::merge;
use touchpoint::record::read_run;
use touchpoint::shard::Shard;
use touchpoint::verdict::{FindingKind, Verdict};

/// What a finding is, without where or when it showed (evidence carries
/// sequence numbers and times, which differ between any two runs).
fn findings(v: &Verdict) -> BTreeMap<String, String> {
    v.findings
        .iter()
        // Service-level findings weigh measured reply times, which differ
        // between any two runs (a 600 ms demo reply passes a 1 s level on a
        // quiet machine and not under load); everything else is judged from
        // what was said and must match exactly.
        .filter(|f| !matches!(f.kind, FindingKind::SlaBreach | FindingKind::PossibleSlaBreach))
        .map(|f| {
            let what = format!(
                "{:?} {} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} found={:?} expected={:?} ×{}",
                f.kind,
                f.severity,
                f.journey,
                f.stage,
                f.channel,
                f.persona,
                f.segment,
                f.question,
                f.fact,
                f.summary,
                f.found,
                f.expected,
                f.occurrences
            );
            (f.id.clone(), what)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_shards_merged_judge_the_same_as_one_unsharded_run() {
    let demo = demo::start(([127, 0, 0, 1], 0).into(), DemoConfig { seed: 5, time_scale: 0.2 }).await.unwrap();
    let suite = common::load(&common::example_suite());
    let whole_out = tempfile::tempdir().unwrap();
    let shard_out = tempfile::tempdir().unwrap();

    let shard = |index| {
        let mut opts = common::options(shard_out.path(), &demo.url());
        opts.shard = Some(Shard { index, count: 3 });
        opts.group = Some("nightly".into());
        common::run(suite.clone(), opts)
    };
    let whole = common::run(suite.clone(), common::options(whole_out.path(), &demo.url()));
    let (whole, a, b, c) = tokio::join!(whole, shard(0), shard(1), shard(2));
    for r in [&a, &b, &c] {
        assert!(!r.interrupted);
        assert_eq!(r.group.as_deref(), Some("nightly"));
    }
    assert_eq!(a.walks + b.walks + c.walks, whole.walks, "every walk on exactly one shard");

    // Merge through the reports folder the shards share, as the merge Job does.
    let shards = merge::find_shards(&[shard_out.path().to_path_buf()], Some("nightly")).unwrap();
    let indices: Vec<u32> = shards.iter().map(|(_, h)| h.group.as_ref().unwrap().shard.unwrap().index).collect();
    assert_eq!(indices, vec![0, 1, 2]);
    let merged = merge::merge(&shards, &suite, shard_out.path()).unwrap();
    assert!(merged.complete);
    assert_eq!(merged.dir, shard_out.path().join("nightly"));

    let run = read_run(&merged.dir).unwrap();
    let group = run.header.group.as_ref().unwrap();
    assert_eq!((group.id.as_str(), group.shard), ("nightly", None));
    assert_eq!(group.merged_from, vec![a.run_id.clone(), b.run_id.clone(), c.run_id.clone()]);
    assert_eq!(run.header.planned_tasks, whole.walks);
    let seqs: Vec<u64> = run.exchanges.iter().map(|x| x.seq).collect();
    assert_eq!(seqs, (0..run.exchanges.len() as u64).collect::<Vec<_>>(), "renumbered in plan order");
    // Within a walk, steps stay in order (handoffs are judged against the step before).
    for w in run.exchanges.windows(2) {
        if w[0].task == w[1].task {
            assert!(w[0].step < w[1].step);
        }
    }

    let options = AnalyzeOptions::default();
    let one = artifacts::write_all(&whole.dir, &suite, &options).unwrap().verdict;
    let joined = artifacts::write_all(&merged.dir, &suite, &options).unwrap().verdict;
    assert!(!one.findings.is_empty());
    assert_eq!(findings(&joined), findings(&one), "same findings, fingerprint by fingerprint");
    assert_eq!(joined.matrix.len(), one.matrix.len(), "same matrix rows");
    for (j, o) in joined.matrix.iter().zip(&one.matrix) {
        assert_eq!(j, o, "same consistency matrix row for {} / {}", o.question, o.fact);
    }
    // The same counts, but for findings and checks, which include the
    // service levels (see `findings`).
    let said = |c: &touchpoint::verdict::Counts| {
        let mut c = c.clone();
        (c.findings, c.checks_passed, c.checks_failed) = Default::default();
        serde_json::to_value(c).unwrap()
    };
    assert_eq!(said(&joined.counts), said(&one.counts));
    // (The score is not compared: it weighs each reply's measured latency
    // against the persona's patience, a measurement that differs between
    // any two runs, sharded or not.)
    assert!(joined.complete);

    // Regression (found by this test): the first persona, the displayed
    // value and the note of a finding followed the order walks finished in.
    // Whatever order the walks come in (steps in order within each), the
    // verdict says the same.
    let mut recorded = read_run(&whole.dir).unwrap();
    recorded.exchanges.sort_by_key(|a| a.task.key());
    let forward = touchpoint::analysis::analyze(&suite, &recorded, &options);
    recorded.exchanges.sort_by_key(|a| std::cmp::Reverse(a.task.key()));
    let backward = touchpoint::analysis::analyze(&suite, &recorded, &options);
    assert_eq!(findings(&backward), findings(&forward));
    assert_eq!(backward.matrix, forward.matrix);

    // Merging again gives the same record.
    let before = std::fs::read(merged.dir.join("run.jsonl")).unwrap();
    merge::merge(&shards, &suite, shard_out.path()).unwrap();
    assert_eq!(std::fs::read(merged.dir.join("run.jsonl")).unwrap(), before);
    demo.shutdown().await;
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_touchpoint"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Writes a header-only shard run into `reports/<name>/run.jsonl`.
fn fake_shard(reports: &Path, name: &str, shard: &str, seed: u64) {
    let dir = reports.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let header = serde_json::json!({
        "type": "header", "schema": 1, "run_id": name, "suite": "scenarios/acme", "company": "Acme Broadband",
        "suite_digest": "d", "tool_version": "0", "seed": seed, "started_at": "2026-11-25T10:00:00Z",
        "target": "http://127.0.0.1:1", "concurrency": 1, "repeat": 1, "planned_tasks": 0,
        "group": { "id": "g1", "shard": { "index": shard.split('/').next().unwrap().parse::<u32>().unwrap(),
                                          "count": shard.split('/').nth(1).unwrap().parse::<u32>().unwrap() } }
    });
    std::fs::write(dir.join("run.jsonl"), format!("{header}\n")).unwrap();
}

#[test]
fn merge_refuses_missing_duplicated_and_mismatched_shards_with_what_to_do() {
    let reports = tempfile::tempdir().unwrap();
    fake_shard(reports.path(), "a", "0/3", 1);
    fake_shard(reports.path(), "b", "2/3", 1);
    let out = bin().arg("merge").arg(reports.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("shard 1/3 of run group g1 is missing"), "{stderr}");
    assert!(stderr.contains("--shard 1/3 --group g1"), "{stderr}");

    fake_shard(reports.path(), "c", "1/3", 2);
    let out = bin().arg("merge").arg(reports.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("do not belong together") && stderr.contains("seed"), "{stderr}");

    fake_shard(reports.path(), "c", "1/3", 1);
    fake_shard(reports.path(), "d", "1/3", 1);
    let out = bin().arg("merge").arg(reports.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("was given twice"), "{stderr}");

    let out = bin().args(["merge", "--group", "other"]).arg(reports.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no shard runs found") && stderr.contains("other"), "{stderr}");

    let out = bin().args(["run", "--shard", "3/3"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("I/N"));
}
