//! A hygiene finding in the HTML report, opened in headless Chromium: an
//! answer carrying `<script>` and an `onerror=` handler is a finding whose
//! evidence shows the payload as text — and nothing of it runs. The
//! finding sits in the "Hygiene" group, and its card on the journey map
//! carries a badge linking to it.

use crate::browser;
use crate::common;
use std::time::Duration;
use touchpoint::analysis::AnalyzeOptions;
use touchpoint::artifacts;
use touchpoint::demo::{self, DemoConfig};
use touchpoint::verdict::FindingKind;

const PAYLOAD: &str =
    "Call us on 0800 123 4567. <script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">";

#[test]
fn script_in_an_answer_is_a_hygiene_finding_shown_as_text_and_never_run() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    let reports = tempfile::tempdir().unwrap();
    let (dir, verdict) = rt.block_on(async {
        let demo = demo::start(([127, 0, 0, 1], 0).into(), DemoConfig { seed: 9, time_scale: 0.05 }).await.unwrap();
        demo.set_answer("chat", "contact", PAYLOAD);
        let suite = common::load(&common::example_suite());
        let run = common::run(suite.clone(), common::options(reports.path(), &demo.url())).await;
        demo.shutdown().await;
        let written = artifacts::write_all(&run.dir, &suite, &AnalyzeOptions::default()).expect("the run's files");
        (run.dir, written.verdict)
    });
    let script = verdict
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::Markup && f.channel.as_deref() == Some("chat"))
        .expect("script in chat's answer is a finding");
    assert_eq!(script.severity, touchpoint::verdict::Severity::High, "script is high, not medium");
    let e = &script.evidence[0];
    let h = e.highlight.expect("the payload is highlighted");
    let marked = &e.answer[h.start..h.end];
    assert!(marked.contains("<script>") && marked.contains("onerror="), "{marked}");

    let path = dir.join("report.html");
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(!html.contains("<img src=x") && !html.contains("<script>window.__pwned"), "escaped in the file");

    let seen = rt.block_on(async {
        let mut b = browser::Browser::launch().await?;
        b.open_page().await?;
        b.navigate(&format!("file://{}", path.display())).await?;
        b.settle(Duration::from_millis(300)).await?;
        let pwned = b.eval("typeof window.__pwned").await?;
        let injected = b.eval("document.querySelectorAll('img[src=\"x\"], script:not([src])').length").await?;
        let marks = b
            .eval(&format!("Array.from(document.querySelectorAll('#f-{} mark')).map(m => m.textContent)", script.id))
            .await?;
        let group = b.eval("(document.getElementById('hygiene') || {}).textContent || ''").await?;
        let group_before = b
            .eval(&format!(
                "!!(document.getElementById('hygiene').compareDocumentPosition(document.getElementById('f-{}')) & 4)",
                script.id
            ))
            .await?;
        let badges = b
            .eval(&format!("document.querySelectorAll('.hygiene-badges a[href=\"#f-{}\"]').length", script.id))
            .await?;
        b.close().await;
        Ok::<_, browser::Error>((pwned, injected, marks, group, group_before, badges))
    });
    let (pwned, injected, marks, group, group_before, badges) = seen.expect("chromium opens the report");
    assert_eq!(pwned, "undefined", "neither the script nor the handler ran");
    assert_eq!(injected, 1, "the only inline script is the report's own (hash-pinned)");
    let marks: Vec<String> = serde_json::from_value(marks).unwrap();
    assert!(
        marks.iter().any(|m| m.contains("<script>window.__pwned=1</script>") && m.contains("onerror=")),
        "the payload shows as text: {marks:?}"
    );
    assert_eq!(group, "Hygiene");
    assert_eq!(group_before, true, "the finding sits under the Hygiene heading");
    assert!(badges.as_u64().unwrap_or(0) > 0, "a journey card carries the finding's badge");
}
