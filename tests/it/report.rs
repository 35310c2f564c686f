//! The HTML audit report, as a manager receives it: built from a real run of
//! the example suite against the embedded demo (with a hostile answer
//! planted), opened in a real headless Chromium, and checked for what
//! matters — every section there, nothing loaded from anywhere, nothing
//! executed that the target wrote. Plus golden files of the view model and
//! escaping and size checks on synthetic runs.
//!
//! `UPDATE_GOLDEN=1 cargo test --test report` rewrites the golden files
//! (and `docs/report.png`).

use crate::browser;
use crate::common;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use touchpoint::analysis::{analyze, AnalyzeOptions};
use touchpoint::demo::{self, DemoConfig};
use touchpoint::record::{self, RecordedRun};
use touchpoint::report::{build_view, render_html, write_report};
use touchpoint::verdict::{self, Verdict};

/// Planted in the chat's pricing answer: if any of it ran, `window.__pwned` is set,
/// and if the `<img>` were live, it would request `x` from the network.
const HOSTILE: &str = "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\"> £29.99 a month";

/// The six sections a reader navigates by.
const SECTIONS: [&str; 6] = ["summary", "journeys", "consistency", "timings", "findings", "transcripts"];

fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1")
}

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// One real run shared by the tests that need it: the demo at realistic
/// speed takes a few seconds, and the run is read-only afterwards.
struct RealRun {
    _out: tempfile::TempDir,
    dir: PathBuf,
    verdict: Verdict,
    run: RecordedRun,
}

fn real_run() -> &'static RealRun {
    static RUN: OnceLock<RealRun> = OnceLock::new();
    RUN.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
        rt.block_on(async {
            let addr = "127.0.0.1:0".parse().expect("a socket address");
            let demo = demo::start(addr, DemoConfig { seed: 7, time_scale: 1.0 }).await.expect("the demo starts");
            demo.set_answer("chat", "pricing", HOSTILE);
            let out = tempfile::tempdir().expect("a temp dir");
            let result =
                common::run(common::load(&common::example_suite()), common::options(out.path(), &demo.url())).await;
            demo.shutdown().await;
            let run = record::read_run(&result.dir).expect("the run record reads back");
            let verdict = analyze(&common::load(&common::example_suite()), &run, &AnalyzeOptions::default());
            RealRun { _out: out, dir: result.dir, verdict, run }
        })
    })
}

#[test]
fn the_report_of_a_real_run_opens_in_chromium_without_loading_or_running_anything_hostile() {
    let real = real_run();
    let path = write_report(&real.dir, &real.verdict, &real.run).expect("the report is written");
    assert_eq!(path, real.dir.join("report.html"));
    let html = std::fs::read_to_string(&path).expect("the report reads back");
    assert!(!html.contains("<script>window.__pwned"), "the planted script must be escaped");
    assert!(!html.contains("<img src=x"), "the planted image must be escaped");
    assert!(html.contains("&lt;script&gt;window.__pwned=1&lt;&#x2f;script&gt;"), "the planted text is shown, escaped");

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    let seen = rt.block_on(open_in_chromium(&path)).expect("chromium opens the report");

    let file_url = format!("file://{}", path.display());
    let requests: Vec<&str> = seen.requests.iter().map(String::as_str).collect();
    assert_eq!(requests, [file_url.as_str()], "only the file itself may be requested");
    assert!(seen.errors.is_empty(), "console errors or exceptions: {:#?}", seen.errors);
    assert_eq!(seen.pwned, "undefined", "the planted payload must not run");
    assert_eq!(seen.sections, SECTIONS, "every section is there, in order");
    assert!(seen.script_ran, "our own (hash-pinned) script runs: the filters are shown");
    assert!(seen.swimlane_cards > 0, "the journey map draws touchpoints");
    assert!(seen.transcript_link_opens, "a finding's transcript link opens the collapsed conversation");

    let artifacts = manifest().join("tests/artifacts");
    std::fs::create_dir_all(&artifacts).expect("tests/artifacts is writable");
    std::fs::write(artifacts.join("report.png"), &seen.screenshot).expect("the screenshot is written");
    std::fs::write(artifacts.join("report-dark.png"), &seen.dark).expect("the dark screenshot is written");
    std::fs::write(artifacts.join("report.html"), &html).expect("the report copy is written");
    let docs = manifest().join("docs/report.png");
    if updating() || !docs.exists() {
        std::fs::create_dir_all(manifest().join("docs")).expect("docs is writable");
        std::fs::write(&docs, &seen.top).expect("docs/report.png is written");
    }
}

/// What Chromium saw while opening the report.
struct Seen {
    requests: Vec<String>,
    errors: Vec<String>,
    pwned: String,
    sections: Vec<String>,
    script_ran: bool,
    swimlane_cards: u64,
    transcript_link_opens: bool,
    screenshot: Vec<u8>,
    top: Vec<u8>,
    /// The top of the page in dark mode.
    dark: Vec<u8>,
}

async fn open_in_chromium(path: &Path) -> browser::Result<Seen> {
    let mut b = browser::Browser::launch().await?;
    b.open_page().await?;
    b.navigate(&format!("file://{}", path.display())).await?;
    b.settle(Duration::from_millis(500)).await?;
    let pwned = b.eval("typeof window.__pwned").await?;
    let sections = b.eval("Array.from(document.querySelectorAll('main > section')).map(s => s.id)").await?;
    let script_ran =
        b.eval("!document.querySelector('[data-filters]') || !document.querySelector('[data-filters]').hidden").await?;
    let cards = b.eval("document.querySelectorAll('.lane .card').length").await?;
    let screenshot = b.screenshot(1280, None).await?;
    // For the README: the summary and the start of the journey map.
    let top = b.screenshot(1280, Some(2000.0)).await?;
    b.prefer_dark().await?;
    let dark = b.screenshot(1280, Some(1600.0)).await?;
    // Following evidence to its transcript opens the collapsed conversation.
    let link_opens = b
        .eval(
            "new Promise(done => {
               const a = document.querySelector('.evidence a[href^=\"#x-\"]');
               if (!a) { done(false); return; }
               a.click();
               const target = document.getElementById(a.getAttribute('href').slice(1));
               setTimeout(() => done(!!target && target.closest('details').open), 150);
             })",
        )
        .await?;
    b.settle(Duration::from_millis(200)).await?;

    let requests = b
        .events("Network.requestWillBeSent")
        .iter()
        .filter_map(|e| e["params"]["request"]["url"].as_str())
        .map(String::from)
        .collect();
    let mut errors: Vec<String> = Vec::new();
    for e in b.events("Runtime.consoleAPICalled") {
        if e["params"]["type"] == "error" {
            errors.push(format!("console.error: {}", e["params"]["args"]));
        }
    }
    for e in b.events("Runtime.exceptionThrown") {
        errors.push(format!("exception: {}", e["params"]["exceptionDetails"]));
    }
    for e in b.events("Log.entryAdded") {
        if e["params"]["entry"]["level"] == "error" {
            errors.push(format!("log: {}", e["params"]["entry"]["text"]));
        }
    }
    b.close().await;
    Ok(Seen {
        requests,
        errors,
        pwned: pwned.as_str().unwrap_or_default().to_string(),
        sections: sections.as_array().into_iter().flatten().filter_map(Value::as_str).map(String::from).collect(),
        script_ran: script_ran.as_bool().unwrap_or(false),
        swimlane_cards: cards.as_u64().unwrap_or(0),
        transcript_link_opens: link_opens.as_bool().unwrap_or(false),
        screenshot,
        top,
        dark,
    })
}

// ── Golden files ─────────────────────────────────────────────────────────

/// Compares `actual` with `tests/golden/<name>`, or rewrites it under UPDATE_GOLDEN=1.
fn golden(name: &str, actual: &Value) {
    let path = manifest().join("tests/golden").join(name);
    let text = serde_json::to_string_pretty(actual).expect("the view serialises") + "\n";
    if updating() || !path.exists() {
        std::fs::create_dir_all(path.parent().expect("a golden folder")).expect("tests/golden is writable");
        std::fs::write(&path, &text).expect("the golden file is written");
        return;
    }
    let expected = std::fs::read_to_string(&path).expect("the golden file reads");
    if expected != text {
        let diff: Vec<String> = expected
            .lines()
            .zip(text.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(12)
            .map(|(i, (a, b))| format!("line {}:\n  golden: {a}\n  actual: {b}", i + 1))
            .collect();
        panic!(
            "{name} differs from the golden file ({} vs {} lines); rerun with UPDATE_GOLDEN=1 if the change is intended.\n{}",
            expected.lines().count(),
            text.lines().count(),
            diff.join("\n")
        );
    }
}

/// Fields that change from run to run by nature: times, durations, the
/// folder, the version, and anything derived from a measured latency
/// (scores lose a point when a reply is slow for an impatient customer, and
/// a loaded CI machine can turn a feeling from neutral to frustrated).
const VOLATILE: [&str; 19] = [
    "run_id",
    "started",
    "finished",
    "duration",
    "target",
    "tool_version",
    "suite",
    "suite_digest",
    "at",
    "clock",
    "latency",
    "p50",
    "p95",
    "max",
    "http",
    "attempts",
    "slowest",
    "score",
    "feeling",
];

/// Masks volatile values: named fields, and inside every string the demo's
/// port, case references, exchange numbers and measured durations.
fn mask(v: &mut Value, key: Option<&str>) {
    if let Some(k) = key {
        if VOLATILE.contains(&k) && !v.is_null() {
            *v = Value::String("<masked>".into());
            return;
        }
        if k == "seq" {
            *v = Value::from(0);
            return;
        }
        if k == "chart" && !v.is_null() {
            *v = Value::String("<chart>".into());
            return;
        }
    }
    match v {
        Value::String(s) => *s = mask_text(s),
        Value::Array(items) => items.iter_mut().for_each(|x| mask(x, None)),
        Value::Object(map) => map.iter_mut().for_each(|(k, x)| mask(x, Some(k))),
        _ => {}
    }
}

fn mask_text(s: &str) -> String {
    static PATTERNS: OnceLock<Vec<(regex::Regex, &'static str)>> = OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        [
            (r"127\.0\.0\.1:\d+", "127.0.0.1:PORT"),
            (r"CASE-\d+", "CASE-#####"),
            (r"\bx-\d+\b", "x-#"),
            // Conversation and message ids minted by the demo per run.
            (r"\b[a-z]?_?[0-9a-f]{12,}\b", "<id>"),
            // Dates quoted in email replies ("On Wed, 25 Nov 2026 at 17:25").
            (r"\b\w{3}, \d{1,2} \w{3} \d{4} at \d{2}:\d{2}\b", "<date>"),
            (r"\d+(\.\d+)?(–\d+(\.\d+)?)? ?(ms|s|min|h)\b", "<duration>"),
        ]
        .into_iter()
        .map(|(p, r)| (regex::Regex::new(p).expect("a valid pattern"), r))
        .collect()
    });
    patterns.iter().fold(s.to_string(), |acc, (re, with)| re.replace_all(&acc, *with).into_owned())
}

#[test]
fn the_view_of_a_real_run_matches_the_golden_file() {
    let real = real_run();
    let mut view = serde_json::to_value(build_view(&real.verdict, &real.run)).expect("the view serialises");
    mask(&mut view, None);
    golden("report_view.json", &view);
}

/// The files a run folder gets are written as streams; they must be the
/// bytes the whole-string writers gave (golden files and CI parsers rely on them).
#[test]
fn streamed_outputs_are_byte_for_byte_the_whole_string_ones() {
    let real = real_run();
    // A folder of its own: other tests write the real run's report concurrently.
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = write_report(dir.path(), &real.verdict, &real.run).expect("the report is written");
    let streamed = std::fs::read_to_string(&path).expect("the report reads back");
    assert_eq!(streamed, render_html(&build_view(&real.verdict, &real.run)).expect("the report renders"));
    let (verdict, run) = synthetic(3, NASTY);
    let mut page = Vec::new();
    touchpoint::report::render_html_to(&build_view(&verdict, &run), &mut page).expect("the report renders");
    assert_eq!(String::from_utf8(page).expect("UTF-8"), render_html(&build_view(&verdict, &run)).unwrap());

    for v in [&real.verdict, &verdict] {
        let mut json = Vec::new();
        touchpoint::artifacts::write_verdict(v, &mut json).expect("the verdict serialises");
        assert_eq!(json, serde_json::to_vec_pretty(v).expect("the verdict serialises"));
    }
}

/// A writer that refuses everything after its first `room` bytes, as a full disk does.
struct Full {
    room: usize,
}

impl std::io::Write for Full {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.room == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::StorageFull, "no space left"));
        }
        let n = buf.len().min(self.room);
        self.room -= n;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_report_that_cannot_be_written_says_so_rather_than_blaming_the_template() {
    let (verdict, run) = synthetic(3, NASTY);
    let err = touchpoint::report::render_html_to(&build_view(&verdict, &run), &mut Full { room: 10_000 })
        .expect_err("the disk is full");
    let message = err.to_string();
    assert!(message.contains("no space left") && message.contains("cannot write"), "{message}");
    let err = touchpoint::artifacts::write_verdict(&verdict, &mut Full { room: 100 }).expect_err("the disk is full");
    assert_eq!(err.kind(), std::io::ErrorKind::StorageFull);
}

#[test]
fn masking_hides_what_changes_between_runs() {
    assert_eq!(mask_text("http://127.0.0.1:41234/chat"), "http://127.0.0.1:PORT/chat");
    assert_eq!(mask_text("About CASE-48213: still down"), "About CASE-#####: still down");
    assert_eq!(
        mask_text("email replied in 1.6 s at worst, over its 1.0 s"),
        "email replied in <duration> at worst, over its <duration>"
    );
    assert_eq!(mask_text("#x-12"), "#x-#");
    assert_eq!(mask_text("30 days"), "30 days");
    assert_eq!(mask_text("conversation c_de464d06279c"), "conversation <id>");
    assert_eq!(mask_text("On Wed, 25 Nov 2026 at 17:25, Sam wrote"), "On <date>, Sam wrote");
}

// ── Synthetic runs: escaping and size ────────────────────────────────────

/// Text a hostile target could send, in every shape that breaks naive output.
const NASTY: &str =
    "<script>alert(1)</script><img src=x onerror=alert(2)> ]]> {{ 7*7 }} {% raw %} \"' &amp; </textarea>";

#[test]
fn hostile_text_is_escaped_everywhere_it_is_rendered() {
    let (verdict, run) = synthetic(3, NASTY);
    let html = render_html(&build_view(&verdict, &run)).expect("the report renders");
    for raw in ["<script>alert", "<img src=x", "]]>", "</textarea>", "onerror=alert(2)>"] {
        assert!(!html.contains(raw), "`{raw}` must not appear unescaped");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"), "the text is shown, escaped");
    assert!(html.contains("onerror=alert(2)&gt;"), "attributes stay inert text");
    assert!(html.contains("]]&gt;"));
    assert!(html.contains("{{ 7*7 }}") && !html.contains(" 49 "), "template syntax in data is not evaluated");
    assert!(html.contains("<mark>"), "the highlighted value is marked");
    // Our own script is the only one, and the policy pins it.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("script-src 'sha256-") || html.contains("script-src &#x27;sha256-"));
}

#[test]
fn a_run_of_ten_thousand_exchanges_gives_a_bounded_report_that_opens_quickly() {
    let (verdict, run) = synthetic(10_000, &"All good. ".repeat(2_000));
    let started = Instant::now();
    let html = render_html(&build_view(&verdict, &run)).expect("the report renders");
    let took = started.elapsed();
    assert!(html.len() < 8 << 20, "the report is {} MB", html.len() >> 20);
    assert!(took < Duration::from_secs(20), "building and rendering took {took:?}");
    assert!(html.contains("exchanges are shown"), "the cap is stated");

    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("report.html");
    std::fs::write(&path, &html).expect("the report is written");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    let load = rt
        .block_on(async {
            let mut b = browser::Browser::launch().await?;
            b.open_page().await?;
            let started = Instant::now();
            b.navigate(&format!("file://{}", path.display())).await?;
            let load = started.elapsed();
            b.close().await;
            Ok::<_, browser::Error>(load)
        })
        .expect("chromium opens the report");
    assert!(load < Duration::from_secs(10), "chromium took {load:?} to load it");
}

#[test]
fn a_scheduled_audit_shows_what_changed_since_the_previous_run() {
    use touchpoint::history::{Changes, FindingRef, Persisting, RunRef};
    let (mut verdict, run) = synthetic(4, "Refunds are accepted within 14 days of delivery.");
    let since =
        RunRef { run_id: "20250105-090000-prev".into(), started_at: verdict.started_at - chrono::Duration::days(1) };
    let gone = FindingRef {
        id: "0badc0de0badc0de".into(),
        kind: verdict::FindingKind::SlaBreach,
        severity: verdict::Severity::Medium,
        channel: Some("email".into()),
        question: None,
        fact: None,
        summary: format!("Email was slow. {NASTY}"),
    };
    verdict.changes = Some(Changes {
        since,
        new: vec![verdict.findings[0].id.clone()],
        persisting: Vec::<Persisting>::new(),
        fixed: vec![gone],
    });
    let html = render_html(&build_view(&verdict, &run)).expect("the report renders");
    assert!(html.contains("New since the last run"), "the finding is tagged new");
    assert!(html.contains("20250105-090000-prev"), "the run compared with is named");
    assert!(html.contains("Email was slow. &lt;script&gt;"), "fixed findings are listed, escaped");
    assert!(html.contains("href=\"#f-00c0ffee00c0ffee\""), "new findings link to their evidence");
}

#[test]
fn the_view_of_a_synthetic_run_matches_the_golden_file() {
    let (verdict, run) = synthetic(4, "Refunds are accepted within 14 days of delivery.");
    let view = serde_json::to_value(build_view(&verdict, &run)).expect("the view serialises");
    golden("report_view_synthetic.json", &view);
}

/// A run of `n` chat and email exchanges answering `answer`, with a
/// verdict that finds the refund window wrong on email.
fn synthetic(n: usize, answer: &str) -> (Verdict, RecordedRun) {
    let started =
        chrono::DateTime::parse_from_rfc3339("2025-01-06T09:00:00Z").expect("a date").with_timezone(&chrono::Utc);
    // Two steps per walk (chat, then email), walks spread over three personas.
    let task = |i: usize| record::Task {
        kind: record::TaskKind::Scenario,
        id: "refund".into(),
        persona: format!("persona-{}", (i / 2) % 3),
        repeat: (i / 6) as u32,
        question: None,
        channel: None,
    };
    let channel = |i: usize| if i % 2 == 0 { "chat" } else { "email" };
    let exchanges: Vec<record::Exchange> = (0..n)
        .map(|i| record::Exchange {
            seq: i as u64,
            task: task(i),
            step: i % 2,
            journey: Some("support".into()),
            stage: Some(if i % 2 == 0 { "first-contact" } else { "resolution" }.into()),
            channel: channel(i).into(),
            persona_segment: "prospect".into(),
            question: Some("refund-policy".into()),
            expects: vec!["refund_window".into()],
            recognises: None,
            message: format!("How long do I have to return it? {NASTY}"),
            t_sent_us: i as u64 * 1_000_000,
            http: vec![],
            reply: Some(record::Reply {
                text: answer.to_string(),
                item: None,
                t_earliest_us: i as u64 * 1_000_000 + 300_000 + (i as u64 % 7) * 100_000,
                t_latest_us: i as u64 * 1_000_000 + 450_000 + (i as u64 % 7) * 100_000,
                ..Default::default()
            }),
            captures: BTreeMap::new(),
            error: None,
        })
        .collect();
    let at = answer.find("14 days");
    let span = at.map(|s| verdict::Span { start: s, end: s + "14 days".len() });
    let evidence = exchanges
        .iter()
        .filter(|x| x.channel == "email")
        .take(2)
        .map(|x| verdict::Evidence {
            seq: x.seq,
            channel: x.channel.clone(),
            persona: x.task.persona.clone(),
            t_sent_us: x.t_sent_us,
            message: x.message.clone(),
            excerpt: NASTY.into(),
            answer: answer.chars().take(2000).collect(),
            answer_offset: 0,
            highlight: span.or(Some(verdict::Span { start: 0, end: answer.len().min(10) })),
            http: vec![],
        })
        .collect();
    let touchpoint = |x: &record::Exchange| verdict::Touchpoint {
        seq: x.seq,
        step: x.step,
        stage: x.stage.clone(),
        channel: x.channel.clone(),
        question: x.question.clone(),
        message: x.message.clone(),
        t_sent_us: x.t_sent_us,
        answer: Some(answer.chars().take(500).collect()),
        facts: vec![verdict::FactCheck {
            fact: "refund_window".into(),
            outcome: if x.channel == "email" { verdict::FactOutcome::Wrong } else { verdict::FactOutcome::Correct },
            expected: Some("30 days".into()),
            found: Some(if x.channel == "email" { format!("14 days {NASTY}") } else { "30 days".into() }),
            others: vec![],
            span: None,
            excerpt: None,
            anchor: None,
        }],
        handoff: (x.channel == "email").then(|| verdict::HandoffCheck {
            name: "case_ref".into(),
            value: format!("CASE-1{NASTY}"),
            from_channel: Some("chat".into()),
            recognised: false,
            reason: Some(NASTY.into()),
            span: None,
        }),
        handoff_from: (x.channel == "email").then(|| "chat".to_string()),
        latency: x.latency_ms().map(|(a, b)| verdict::Interval { earliest_ms: a, latest_ms: b }),
        sla_ms: Some(1000.0),
        sla: verdict::SlaStatus::Met,
        error: None,
        score: Some(if x.channel == "email" { 2.0 } else { 5.0 }),
        feeling: Some(if x.channel == "email" { verdict::Feeling::Frustrated } else { verdict::Feeling::Satisfied }),
        critical: x.channel == "email",
        findings: vec![],
    };
    let mut walks: BTreeMap<String, verdict::Walk> = BTreeMap::new();
    for x in &exchanges {
        let w = walks.entry(x.task.key()).or_insert_with(|| verdict::Walk {
            task: x.task.key(),
            persona: x.task.persona.clone(),
            segment: x.persona_segment.clone(),
            repeat: x.task.repeat,
            score: Some(60.0),
            feeling: Some(verdict::Feeling::Neutral),
            touchpoints: vec![],
        });
        w.touchpoints.push(touchpoint(x));
    }
    let stage = |id: &str, name: &str, critical: bool| verdict::StageView {
        id: id.into(),
        name: name.into(),
        critical,
        touchpoints: 1,
        score: Some(3.5),
        feeling: Some(verdict::Feeling::Neutral),
    };
    let values = |v: &str, ok: bool| verdict::ValueCount { value: v.into(), count: 2, matches_map: Some(ok) };
    let v = Verdict {
        schema_version: verdict::SCHEMA_VERSION,
        tool_version: "0.0.0-test".into(),
        run_id: "20250106-090000-test".into(),
        suite: "scenarios/synthetic".into(),
        company: format!("Acme {NASTY}"),
        suite_digest: "0123456789abcdef0123".into(),
        target: "http://127.0.0.1:9".into(),
        started_at: started,
        finished_at: Some(started + chrono::Duration::seconds(n as i64)),
        duration_ms: n as f64 * 1000.0,
        complete: true,
        torn_tail: false,
        fail_on: verdict::Severity::High,
        counts: verdict::Counts {
            exchanges: n as u64,
            replies: n as u64,
            findings: verdict::SeverityCounts { high: 1, ..Default::default() },
            ..Default::default()
        },
        score: Some(62.0),
        feeling: Some(verdict::Feeling::Neutral),
        journeys: vec![verdict::JourneyView {
            id: "support".into(),
            name: format!("Support {NASTY}"),
            sweep: false,
            stages: vec![stage("first-contact", "First contact", false), stage("resolution", "Resolution", true)],
            channels: vec!["chat".into(), "email".into()],
            score: Some(62.0),
            feeling: Some(verdict::Feeling::Neutral),
            walks: walks.into_values().collect(),
            walks_omitted: 0,
        }],
        matrix: vec![verdict::MatrixRow {
            question: "refund-policy".into(),
            fact: "refund_window".into(),
            label: "Refund window".into(),
            expected: Some("30 days".into()),
            cells: vec![
                verdict::MatrixCell {
                    channel: "chat".into(),
                    segment: "prospect".into(),
                    values: vec![values("30 days", true)],
                    not_stated: 0,
                    no_reply: 0,
                    empty: None,
                },
                verdict::MatrixCell {
                    channel: "email".into(),
                    segment: "prospect".into(),
                    values: vec![values(&format!("14 days {NASTY}"), false)],
                    not_stated: 1,
                    no_reply: 0,
                    empty: None,
                },
            ],
            consistent: false,
        }],
        sla: ["chat", "email"]
            .into_iter()
            .map(|c| verdict::SlaStats {
                channel: c.into(),
                sla_ms: Some(1000.0),
                replies: n as u64 / 2,
                no_reply: 0,
                p50: Some(verdict::Interval { earliest_ms: 500.0, latest_ms: 650.0 }),
                p95: Some(verdict::Interval { earliest_ms: 850.0, latest_ms: 1000.0 }),
                max: Some(verdict::Interval { earliest_ms: 900.0, latest_ms: 1050.0 }),
                breaches: 0,
                possible_breaches: 1,
                first_text_p50_ms: None,
                first_text_p95_ms: None,
            })
            .collect(),
        findings: vec![verdict::Finding {
            id: "00c0ffee00c0ffee".into(),
            kind: verdict::FindingKind::WrongFact,
            severity: verdict::Severity::High,
            journey: Some("support".into()),
            stage: Some("resolution".into()),
            channel: Some("email".into()),
            persona: Some("persona-1".into()),
            segment: Some("prospect".into()),
            question: Some("refund-policy".into()),
            fact: Some("refund_window".into()),
            expected: Some("30 days".into()),
            found: Some(format!("14 days {NASTY}")),
            occurrences: n as u64 / 2,
            evidence,
            summary: format!("Email says the refund window is 14 days; the map says 30 days. {NASTY}"),
        }],
        checks: vec![],
        fallbacks: Vec::new(),
        changes: None,
        run_problems: vec![],
        trend: None,
        names: verdict::Names {
            channels: [("email".to_string(), "Email (help desk)".to_string())].into(),
            personas: [("persona-1".to_string(), "Prepay Pat".to_string())].into(),
            questions: [("refund-policy".to_string(), format!("Refunds {NASTY}"))].into(),
        },
        fix_first: vec![verdict::Priority {
            rank: 1,
            action: format!("Correct the refund window on email: it says 14 days; the map says 30 days. {NASTY}"),
            severity: verdict::Severity::High,
            findings: vec!["00c0ffee00c0ffee".into()],
            personas: 3,
            segments: vec!["prospect".into()],
            channels: vec!["email".into()],
            critical_stage: true,
            impact: 48.0,
            reach: "3 customers (prospect segment), at a moment of truth".into(),
        }],
        callbacks: Vec::new(),
    };
    let run = RecordedRun {
        header: record::Header {
            schema: record::SCHEMA,
            run_id: v.run_id.clone(),
            suite: v.suite.clone(),
            company: v.company.clone(),
            suite_digest: v.suite_digest.clone(),
            tool_version: v.tool_version.clone(),
            seed: 7,
            started_at: started,
            target: v.target.clone(),
            concurrency: 1,
            repeat: 1,
            planned_tasks: n,
            only: None,
            resumed_from: None,
            group: None,
        },
        exchanges,
        end: None,
        torn_tail: false,
        late: Default::default(),
    };
    (v, run)
}
