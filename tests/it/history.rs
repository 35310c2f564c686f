//! Run history, change detection and run comparison, as a user meets them:
//! the embedded demo, the example suite run twice into one reports folder
//! with an answer fixed and another broken in between, then `touchpoint
//! history` and `touchpoint diff` through the binary — on both back-ends:
//! the reports folder's SQLite file and a real PostgreSQL (the same test
//! cases, `Location` the only difference). Then two writers at once on each.

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use touchpoint::analysis::{analyze, AnalyzeOptions};
use touchpoint::artifacts::{self, Written};
use touchpoint::demo::{self, DemoConfig};
use touchpoint::history::{self, diff, diff_report, HistoryError, Location};
use touchpoint::verdict::{Finding, FindingKind, Severity, Verdict};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_touchpoint"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Runs the sweep of the example suite against `url` and derives its files.
async fn sweep(reports: &Path, url: &str, history: &Location) -> Written {
    let suite = common::load(&common::example_suite());
    let mut opts = common::options(reports, url);
    opts.only = Some("sweep:*".into());
    let run = common::run(suite.clone(), opts).await;
    artifacts::write_all_to(&run.dir, &suite, &AnalyzeOptions::default(), history).expect("derive the run's files")
}

/// `touchpoint history` through the binary, reading `history`.
fn history_command(history: &Location) -> Command {
    let mut c = bin();
    c.arg("history");
    match history {
        Location::Reports => c.env_remove("TOUCHPOINT_HISTORY_URL"),
        Location::Postgres(url) => c.env("TOUCHPOINT_HISTORY_URL", url),
    };
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_says_what_is_new_fixed_and_persisting_and_diff_flags_the_regression() {
    new_fixed_persisting_history_and_diff(&Location::Reports).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_a_second_run_says_what_is_new_fixed_and_persisting_and_diff_flags_the_regression() {
    let pg = common::postgres::TestPostgres::start();
    new_fixed_persisting_history_and_diff(&Location::Postgres(pg.url.clone())).await;
}

/// The finding of `kind` about `fact` on `channel`, if any.
fn find<'a>(v: &'a Verdict, kind: FindingKind, channel: &str, fact: &str) -> Option<&'a Finding> {
    v.findings
        .iter()
        .find(|f| f.kind == kind && f.channel.as_deref() == Some(channel) && f.fact.as_deref() == Some(fact))
}

fn ids<'a>(it: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    it.into_iter().map(str::to_string).collect()
}

async fn new_fixed_persisting_history_and_diff(history: &Location) {
    let demo = demo::start(([127, 0, 0, 1], 0).into(), DemoConfig { seed: 1, time_scale: 1.0 }).await.unwrap();
    let reports = tempfile::tempdir().unwrap();

    // Run 1: the demo as shipped — email's refund window is wrong (14 days).
    let first = sweep(reports.path(), &demo.url(), history).await;
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);
    let v1 = &first.verdict;
    assert_eq!(v1.changes, None, "the first run has nothing to compare with");
    let email_refund = find(v1, FindingKind::WrongFact, "email", "refund_window")
        .expect("the planted email refund mistake")
        .id
        .clone();
    assert!(find(v1, FindingKind::WrongFact, "chat", "monthly_price").is_none());

    // Between the runs: email's refund answer is fixed, chat's price breaks.
    demo.set_answer("email", "refunds", "You can return it within 30 days.");
    demo.set_answer("chat", "pricing", "Our broadband costs £39.99 a month, and there's no setup fee.");
    let second = sweep(reports.path(), &demo.url(), history).await;
    assert!(second.warnings.is_empty(), "{:?}", second.warnings);
    let v2 = &second.verdict;
    let chat_price =
        find(v2, FindingKind::WrongFact, "chat", "monthly_price").expect("the broken chat price").id.clone();
    assert!(find(v2, FindingKind::WrongFact, "email", "refund_window").is_none());

    // Change detection, in the verdict and in verdict.json.
    let changes = v2.changes.as_ref().expect("the second run compares with the first");
    assert_eq!(changes.since.run_id, v1.run_id);
    let v1_ids = ids(v1.findings.iter().map(|f| f.id.as_str()));
    let v2_ids = ids(v2.findings.iter().map(|f| f.id.as_str()));
    assert_eq!(ids(changes.new.iter().map(String::as_str)), &v2_ids - &v1_ids);
    assert_eq!(ids(changes.fixed.iter().map(|f| f.id.as_str())), &v1_ids - &v2_ids);
    assert_eq!(ids(changes.persisting.iter().map(|p| p.id.as_str())), &v2_ids & &v1_ids);
    assert!(changes.new.contains(&chat_price), "{changes:#?}");
    assert!(changes.fixed.iter().any(|f| f.id == email_refund && f.kind == FindingKind::WrongFact), "{changes:#?}");
    // The planted chat installation mistake is untouched: it persists since run 1.
    let install =
        find(v2, FindingKind::WrongFact, "chat", "installation_time").expect("the planted installation mistake");
    let p = changes.persisting.iter().find(|p| p.id == install.id).expect("installation persists");
    assert_eq!((p.since_run.as_str(), p.since, p.runs), (v1.run_id.as_str(), v1.started_at, 2));
    let on_disk: Verdict =
        serde_json::from_slice(&std::fs::read(run_dir(&second).join("verdict.json")).unwrap()).unwrap();
    assert_eq!(on_disk.changes.as_ref(), Some(changes));
    let summary = touchpoint::analysis::summary_lines(v2).join("\n");
    let line = format!(
        "since run {}: {} new, {} fixed, {} persisting",
        v1.run_id,
        changes.new.len(),
        changes.fixed.len(),
        changes.persisting.len()
    );
    assert!(summary.contains(&line), "{summary}");

    // The HTML report leads with what changed, linking to the new findings.
    let recorded = touchpoint::record::read_run(&run_dir(&second)).unwrap();
    let page = touchpoint::report::render_html(&touchpoint::report::build_view(v2, &recorded)).unwrap();
    let block = page.find("What changed since run").expect("a what-changed block");
    assert!(block < page.find("Overall verdict").unwrap(), "at the top of the headline");
    assert!(page.contains(&format!("<span class=\"mono\">{}</span>", v1.run_id)));
    assert!(page.contains(&format!("<a href=\"#f-{chat_price}\">")), "new findings link to their evidence");
    assert!(page.contains("Fixed (") && page.contains("Still there ("));

    // Re-deriving the second run (what `touchpoint analyze` does) is idempotent.
    let suite = common::load(&common::example_suite());
    let again = artifacts::write_all_to(&run_dir(&second), &suite, &AnalyzeOptions::default(), history).unwrap();
    assert_eq!(again.verdict.changes.as_ref(), Some(changes));
    let entries = history::list_in(history, reports.path(), None, 10).unwrap();
    assert_eq!(entries.len(), 2, "one row per run, however often it is indexed");
    assert_eq!(entries[0].run.run_id, v2.run_id, "newest first");
    assert_eq!(
        entries[0].changes.as_ref().map(|c| (c.new.len(), c.fixed.len())),
        Some((changes.new.len(), changes.fixed.len()))
    );
    assert_eq!(entries[1].changes, None);
    assert_eq!(entries[0].run.findings, v2.findings.len() as u64);

    // `touchpoint history`: an aligned table, newest first.
    let out = history_command(history).arg("--out").arg(reports.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(lines[0].starts_with("RUN"), "{table}");
    assert!(lines[1].starts_with(&v2.run_id) && lines[2].starts_with(&v1.run_id), "{table}");
    let col = |heading: &str| lines[0].find(heading).unwrap();
    assert!(lines.iter().all(|l| l.len() >= col("SINCE")), "aligned: {table}");
    assert_eq!(&lines[1][col("SINCE")..], v1.run_id, "{table}");
    let by_suite = history_command(history)
        .args(["--suite", "Acme Broadband", "--limit", "1", "--out"])
        .arg(reports.path())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&by_suite.stdout).lines().count(), 2);

    // `touchpoint diff <run-1> <run-2>`: a regression for CI.
    let (dir1, dir2) = (run_dir(&first), run_dir(&second));
    let out = bin().arg("diff").arg(&dir1).arg(&dir2).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "a new high finding is a regression: {stderr}");
    assert!(stderr.contains("£29.99 per month → £39.99 per month"), "{stderr}");
    let d: diff::Diff =
        serde_json::from_slice(&std::fs::read(dir2.join(format!("diff-{}.json", v1.run_id))).unwrap()).unwrap();
    let price =
        d.facts.iter().find(|c| c.channel == "chat" && c.fact == "monthly_price").expect("chat's price changed");
    assert_eq!(price.a.iter().map(|s| s.value.as_str()).collect::<Vec<_>>(), ["£29.99 per month"]);
    assert_eq!(price.b.iter().map(|s| s.value.as_str()).collect::<Vec<_>>(), ["£39.99 per month"]);
    assert!(d.facts.iter().any(|c| c.channel == "email" && c.fact == "refund_window"), "{:#?}", d.facts);
    assert!(
        !d.facts.iter().any(|c| c.channel == "web"),
        "web said the same in both runs, whatever the wording: {:#?}",
        d.facts
    );
    assert_eq!(ids(d.new.iter().map(|f| f.id.as_str())), ids(changes.new.iter().map(String::as_str)));
    assert_eq!(ids(d.fixed.iter().map(|f| f.id.as_str())), ids(changes.fixed.iter().map(|f| f.id.as_str())));
    assert!(d.regressions.contains(&chat_price));
    assert_eq!(d.latency.len(), 3, "{:#?}", d.latency);
    let html = std::fs::read_to_string(dir2.join(format!("diff-{}.html", v1.run_id))).unwrap();
    assert!(html.contains("£39.99 per month") && html.contains(&format!("report.html#f-{chat_price}")));
    // The other way round, email's refund mistake comes back: a regression
    // too. A run compared with itself changed nothing; and --fail-on
    // critical lets the new high finding through.
    assert_eq!(bin().arg("diff").arg(&dir2).arg(&dir1).status().unwrap().code(), Some(4));
    assert_eq!(bin().arg("diff").arg(&dir2).arg(&dir2).status().unwrap().code(), Some(0));
    let same: diff::Diff =
        serde_json::from_slice(&std::fs::read(dir2.join(format!("diff-{}.json", v2.run_id))).unwrap()).unwrap();
    assert!(same.facts.is_empty() && same.new.is_empty() && same.fixed.is_empty(), "{same:#?}");
    assert_eq!(bin().args(["diff", "--fail-on", "critical"]).arg(&dir1).arg(&dir2).status().unwrap().code(), Some(0));
    // A folder that is not a run: exit 3.
    assert_eq!(bin().arg("diff").arg(reports.path()).arg(&dir2).status().unwrap().code(), Some(3));

    // Hostile text from the target is escaped in the diff page.
    let nasty = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    let mut hostile = v2.clone();
    hostile.company = format!("Acme {nasty}");
    for f in &mut hostile.findings {
        f.summary = format!("{} {nasty}", f.summary);
    }
    for cell in hostile.matrix.iter_mut().flat_map(|r| r.cells.iter_mut()) {
        for v in &mut cell.values {
            v.value = format!("{} {nasty}", v.value);
        }
    }
    let html = diff_report::render_html(&diff::diff(v1, &hostile, Severity::High), Some("../x/report.html")).unwrap();
    assert!(!html.contains("<script") && !html.contains("<img"), "unescaped hostile text");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;"), "escaped, not dropped");

    if let Location::Postgres(_) = history {
        assert!(!reports.path().join("history.sqlite").exists(), "PostgreSQL replaces the file, not adds to it");
    }
    demo.shutdown().await;
}

/// The run folder the files were written to.
fn run_dir(w: &Written) -> std::path::PathBuf {
    w.files[0].parent().unwrap().to_path_buf()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_run_analysed_twice_gives_the_same_finding_ids_and_a_damaged_history_is_named() {
    let demo = demo::start(([127, 0, 0, 1], 0).into(), DemoConfig { seed: 1, time_scale: 1.0 }).await.unwrap();
    let reports = tempfile::tempdir().unwrap();
    let suite = common::load(&common::example_suite());
    let mut opts = common::options(reports.path(), &demo.url());
    opts.only = Some("sweep:*@email".into());
    let run = common::run(suite.clone(), opts).await;
    demo.shutdown().await;

    // Fingerprints: what is wrong, not when it showed.
    let recorded = touchpoint::record::read_run(&run.dir).unwrap();
    let a = analyze(&suite, &recorded, &AnalyzeOptions::default());
    let b = analyze(&suite, &recorded, &AnalyzeOptions::default());
    assert!(!a.findings.is_empty());
    assert_eq!(
        a.findings.iter().map(|f| &f.id).collect::<Vec<_>>(),
        b.findings.iter().map(|f| &f.id).collect::<Vec<_>>()
    );

    // A history file that is not a database: the run's files are still
    // written, with a warning naming the file; `history` exits 3 saying so.
    let db = reports.path().join("history.sqlite");
    std::fs::write(
        &db,
        b"this is not a database, it is a shopping list: milk, eggs, bread, and more text to fill a page",
    )
    .unwrap();
    let written = artifacts::write_all(&run.dir, &suite, &AnalyzeOptions::default()).unwrap();
    assert!(run.dir.join("verdict.json").is_file());
    assert_eq!(written.warnings.len(), 1);
    assert!(
        written.warnings[0].contains(&db.display().to_string()) && written.warnings[0].contains("move it aside"),
        "{:?}",
        written.warnings
    );
    assert!(matches!(history::list(reports.path(), None, 5), Err(HistoryError::Corrupt { .. })));
    let out = bin().args(["history", "--out"]).arg(reports.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("history.sqlite") && stderr.contains("damaged"), "{stderr}");

    // No history at all yet: a clear message, not an empty file created.
    let empty = tempfile::tempdir().unwrap();
    let out = bin().args(["history", "--out"]).arg(empty.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no run history"));
    assert!(!empty.path().join("history.sqlite").exists());
}

/// A verdict of a complete run with the given findings, for indexing. Read
/// from JSON, so fields other lanes add (with serde defaults) need no change here.
fn verdict(run_id: &str, minute: u32, findings: &[&str]) -> Verdict {
    use chrono::TimeZone;
    let started_at =
        chrono::Utc.with_ymd_and_hms(2026, 11, 25, 9, minute, 0).unwrap() + chrono::Duration::nanoseconds(123_456_789);
    let findings: Vec<serde_json::Value> = findings
        .iter()
        .map(|id| {
            serde_json::json!({
                "id": id, "kind": "wrong_fact", "severity": "high", "journey": null, "stage": null,
                "channel": "email", "persona": null, "segment": null, "question": "refund-policy",
                "fact": "refund_window", "expected": "30 days", "found": "14 days", "occurrences": 1,
                "evidence": [], "summary": format!("finding {id}"),
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "schema_version": touchpoint::verdict::SCHEMA_VERSION, "tool_version": "test", "run_id": run_id,
        "suite": "scenarios/acme", "company": "Acme Broadband", "suite_digest": "digest",
        "target": "https://staging.acme.example", "started_at": started_at,
        "finished_at": started_at + chrono::Duration::seconds(30), "duration_ms": 30000.0, "complete": true,
        "torn_tail": false, "fail_on": "high", "counts": touchpoint::verdict::Counts::default(), "score": 80.0,
        "feeling": null, "journeys": [], "matrix": [], "sla": [], "findings": findings, "checks": [],
    }))
    .expect("a verdict")
}

/// Two machines finishing at once: each indexes its own runs and both
/// index one run they share, at the same moment, into an empty history
/// (so they also race to create it). Nothing is lost, nothing doubled.
fn two_writers_at_once(history: &Location, reports: &Path) {
    const EACH: u32 = 12;
    let barrier = std::sync::Barrier::new(2);
    std::thread::scope(|s| {
        for writer in 0..2u32 {
            let barrier = &barrier;
            s.spawn(move || {
                barrier.wait();
                for i in 0..EACH {
                    let minute = 1 + i * 2 + writer;
                    let mut v =
                        verdict(&format!("run-{minute:02}"), minute, &["a", if i % 2 == 0 { "b" } else { "c" }]);
                    history::index_in(history, reports, &mut v).unwrap();
                    let mut shared = verdict("run-shared", 59, &["a"]);
                    history::index_in(history, reports, &mut shared).unwrap();
                }
            });
        }
    });
    let entries = history::list_in(history, reports, None, 1000).unwrap();
    let ids: Vec<&str> = entries.iter().map(|e| e.run.run_id.as_str()).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "a run listed twice: {ids:?}");
    assert_eq!(ids.len() as u32, 2 * EACH + 1, "{ids:?}");
    assert_eq!(ids[0], "run-shared", "newest first");
    assert!(entries.iter().all(|e| e.run.findings == 2 || e.run.run_id == "run-shared"));
    // Every run but the first compares with the one before it, whichever writer indexed it.
    let oldest = entries.last().unwrap();
    assert_eq!((oldest.run.run_id.as_str(), &oldest.changes), ("run-01", &None));
    for pair in entries.windows(2) {
        let changes = pair[0].changes.as_ref().expect("compared with the previous run");
        assert_eq!(changes.since.run_id, pair[1].run.run_id);
    }
    // Times come back exactly as indexed, to the nanosecond.
    assert_eq!(entries[0].run.started_at, verdict("x", 59, &[]).started_at);
}

#[test]
fn two_writers_at_once_lose_and_double_nothing() {
    let reports = tempfile::tempdir().unwrap();
    two_writers_at_once(&Location::Reports, reports.path());
}

#[test]
fn on_postgres_two_writers_at_once_lose_and_double_nothing() {
    let pg = common::postgres::TestPostgres::start();
    let reports = tempfile::tempdir().unwrap();
    two_writers_at_once(&Location::Postgres(pg.url.clone()), reports.path());
    assert!(!reports.path().join("history.sqlite").exists());
}

#[test]
fn on_postgres_a_newer_schema_is_refused_and_an_unreachable_server_is_named_without_its_password() {
    let pg = common::postgres::TestPostgres::start();
    let at = Location::Postgres(pg.url.clone());
    let reports = tempfile::tempdir().unwrap();
    assert!(history::list_in(&at, reports.path(), None, 5).unwrap().is_empty(), "a new database starts empty");
    let url = pg.url.clone();
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let versions: Vec<i64> = c
            .query("SELECT version FROM schema_migrations ORDER BY version", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(versions, vec![1], "migrations are recorded once");
        c.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (99, 'later')", &[]).unwrap();
    })
    .join()
    .unwrap();
    let err = history::index_in(&at, reports.path(), &mut verdict("r", 1, &[])).unwrap_err();
    assert!(matches!(err, HistoryError::Newer { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("upgrade touchpoint"), "{err}");

    // Nothing listens on port 1: the message names the server, not the password.
    let closed = Location::Postgres("postgres://audit:s3cret@127.0.0.1:1/history".into());
    let err = history::list_in(&closed, reports.path(), None, 5).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, HistoryError::Unreachable { .. }), "{text}");
    assert!(text.contains("postgres://audit@127.0.0.1:1/history") && !text.contains("s3cret"), "{text}");
    assert!(!format!("{closed:?}").contains("s3cret"));
    let out = bin().args(["history", "--history", "mysql://x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("postgres://"));
}
