//! `--resume` and run identity (issue 13 item 13): budgets rebuilt from the
//! record, a resumed step judged once, one notion of "the same suite".

use crate::common;
use axum::Router;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use touchpoint::record::{read_run, ErrorKind};

const MAP: &str = r#"
name = "Budget Inc"
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

/// One persona asking three times on a channel with `budget`.
fn suite(budget: &str) -> tempfile::TempDir {
    let step = "{ stage = \"ask\", channel = \"api\", ask = \"refund\" }";
    common::write_suite(&[
        ("map.toml", MAP),
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
