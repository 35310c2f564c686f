//! `--resume` and run identity (issue 13 item 13): budgets rebuilt from the
//! record, a resumed step judged once, one notion of "the same suite".

use crate::common;
use axum::Router;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use touchpoint::record::{read_run, ErrorKind};

/// One persona asking three times on a channel with `budget`.
fn suite(budget: &str) -> tempfile::TempDir {
    let step = "{ stage = \"ask\", channel = \"api\", ask = \"refund\" }";
    common::write_suite(&[
        ("map.toml", common::REFUND_MAP),
        (
            "channels.toml",
            &format!(
                "[api]\nbudget = \"{budget}\"\n[[api.send]]\nmethod = \"POST\"\nurl = \"/ask\"\n\
                 json = {{ text = \"{{{{ message }}}}\" }}\n[api.receive]\nreply = \"$.answer\"\n"
            ),
        ),
        ("personas.toml", "[[personas]]\nid = \"p\"\nname = \"Pat Doe\"\nemail = \"pat@example.com\"\n"),
        ("scenarios/ask.toml", &format!("persona = \"p\"\njourney = \"support\"\nsteps = [{step}, {step}, {step}]\n")),
    ])
}

/// A target that answers correctly and counts what reaches it.
async fn target() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let app = Router::new().fallback(move || {
        let h = h.clone();
        async move {
            h.fetch_add(1, Ordering::SeqCst);
            ([("content-type", "application/json")], r#"{"answer":"Refunds within 30 days."}"#)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, hits)
}

async fn resume(suite_dir: &Path, out: &Path, target: &str, run_dir: &Path) {
    let mut opts = common::options(out, target);
    opts.resume = Some(run_dir.to_path_buf());
    common::run(common::load(suite_dir), opts).await;
}

/// Issue 13 item 13: budgets restarted empty on resume, so stopping and
/// resuming bought a fresh budget; and a budget-refused step resumed
/// appeared twice in the verdict and JUnit.
#[tokio::test]
async fn resume_and_identity_budgets_are_rebuilt_and_a_refused_step_is_judged_once() {
    let (url, hits) = target().await;
    let out = tempfile::tempdir().unwrap();
    let tight = suite("2/h");
    let first = common::run(common::load(tight.path()), common::options(out.path(), &url)).await;
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    let kinds = |dir: &Path| -> Vec<Option<ErrorKind>> {
        read_run(dir).unwrap().exchanges.iter().map(|x| x.error.as_ref().map(|e| e.kind)).collect()
    };
    assert_eq!(kinds(&first.dir), [None, None, Some(ErrorKind::Budget)]);

    // Resumed within the hour: the two requests already sent still count.
    resume(tight.path(), out.path(), &url, &first.dir).await;
    assert_eq!(hits.load(Ordering::SeqCst), 2, "the resumed run got a fresh budget");
    assert_eq!(kinds(&first.dir), [None, None, Some(ErrorKind::Budget)], "the refused step once, not twice");

    // With room for one more, the refused step is sent, once, and judged once.
    let roomier = suite("3/h");
    resume(roomier.path(), out.path(), &url, &first.dir).await;
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    let lines = std::fs::read_to_string(first.dir.join("run.jsonl")).unwrap();
    assert_eq!(lines.matches(r#""type":"exchange""#).count(), 5, "the record keeps every attempt");
    assert_eq!(kinds(&first.dir), [None, None, None]);
    let roomier_suite = common::load(roomier.path());
    let w = touchpoint::artifacts::write_all(&first.dir, &roomier_suite, &Default::default()).unwrap();
    assert_eq!(w.verdict.counts.exchanges, 3, "{:?}", w.verdict.counts);
    assert_eq!(w.verdict.counts.errors, 0);
    assert_eq!(w.verdict.counts.facts_checked, 3);
    let junit = std::fs::read_to_string(first.dir.join("junit.xml")).unwrap();
    let answers = w.verdict.checks.iter().filter(|c| c.group != "consistency").count();
    assert_eq!(answers, 3, "{:#?}", w.verdict.checks);
    assert_eq!(junit.matches("<testcase").count(), w.verdict.checks.len());
}

/// A target whose answer the test changes between runs.
async fn changing_target() -> (String, Arc<std::sync::Mutex<&'static str>>) {
    let answer = Arc::new(std::sync::Mutex::new("Refunds within 30 days."));
    let a = answer.clone();
    let app = Router::new().fallback(move || {
        let a = a.clone();
        async move {
            let body = serde_json::json!({ "answer": *a.lock().unwrap() }).to_string();
            ([("content-type", "application/json")], body)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, answer)
}

/// Copies a run folder into `reports`, spelling the suite's path in its
/// header as `suite` (another spelling of the same folder).
fn copy_run(run: &Path, reports: &Path, from: &str, suite: &str) -> std::path::PathBuf {
    let dest = reports.join(run.file_name().unwrap());
    std::fs::create_dir_all(&dest).unwrap();
    for entry in std::fs::read_dir(run).unwrap() {
        let path = entry.unwrap().path();
        let mut bytes = std::fs::read(&path).unwrap();
        if path.file_name().unwrap() == "run.jsonl" {
            let text = String::from_utf8(bytes).unwrap();
            let (was, now) =
                (format!(r#""suite":{}"#, serde_json::json!(from)), format!(r#""suite":{}"#, serde_json::json!(suite)));
            assert!(text.contains(&was));
            bytes = text.replacen(&was, &now, 1).into_bytes();
        }
        std::fs::write(dest.join(path.file_name().unwrap()), bytes).unwrap();
    }
    dest
}

/// Issue 13 item 13: "same suite" differed between history and the audit
/// (`bud`, `./bud`, `bud/` were different suites), and indexing runs in
/// another order changed `changes` in verdict.json.
#[tokio::test]
async fn resume_and_identity_changes_do_not_depend_on_indexing_order_or_suite_spelling() {
    let (url, answer) = changing_target().await;
    let dir = suite("100/h");
    let suite = common::load(dir.path());
    let recorded = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    // Wrong, right, wrong: a finding that is fixed, then new again.
    for said in ["Refunds within 14 days.", "Refunds within 30 days.", "Refunds within 14 days."] {
        *answer.lock().unwrap() = said;
        runs.push(common::run(suite.clone(), common::options(recorded.path(), &url)).await.dir);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let root = suite.root.display().to_string();
    let spellings = [root.clone(), format!("{root}/"), format!("{root}/./")];
    let derive_in = |order: &[usize]| {
        let reports = tempfile::tempdir().unwrap();
        let dirs: Vec<_> = runs.iter().zip(&spellings).map(|(r, s)| copy_run(r, reports.path(), &root, s)).collect();
        for &i in order {
            touchpoint::artifacts::write_all(&dirs[i], &suite, &Default::default()).unwrap();
        }
        let verdicts: Vec<touchpoint::verdict::Verdict> = dirs
            .iter()
            .map(|d| serde_json::from_slice(&std::fs::read(d.join("verdict.json")).unwrap()).unwrap())
            .collect();
        (reports, verdicts)
    };
    let (_a, in_order) = derive_in(&[0, 1, 2]);
    let (_b, reversed) = derive_in(&[2, 1, 0]);
    let (_c, shuffled) = derive_in(&[1, 2, 0]);
    assert!(in_order[0].changes.is_none(), "the first run has no baseline");
    let second = in_order[1].changes.as_ref().expect("the second run compares with the first");
    assert_eq!((second.new.len(), second.fixed.len()), (0, 1), "{second:?}");
    let third = in_order[2].changes.as_ref().expect("the third run compares with the second");
    assert_eq!((third.new.len(), third.fixed.len()), (1, 0), "{third:?}");
    for (i, v) in in_order.iter().enumerate() {
        for other in [&reversed[i], &shuffled[i]] {
            assert_eq!(v.changes, other.changes, "run {i}'s changes depend on the indexing order");
            assert_eq!(v.trend, other.trend, "run {i}'s trend depends on the indexing order");
        }
    }
    let report = std::fs::read_to_string(_b.path().join(runs[2].file_name().unwrap()).join("report.html")).unwrap();
    let first_report =
        std::fs::read_to_string(_a.path().join(runs[2].file_name().unwrap()).join("report.html")).unwrap();
    let new = first_report.matches("New since the last run").count();
    assert!(new > 0 && report.matches("New since the last run").count() == new, "report.html is refreshed too");
}
