//! The HTML audit report, as a manager receives it: built from a real run of
//! the example suite against the embedded demo (with a hostile answer
//! planted), opened in a real headless Chromium, and checked for what
//! matters — every section there, nothing loaded from anywhere, nothing
//! executed that the target wrote. Plus golden files of the view model and
//! escaping and size checks on synthetic runs (`golden.rs`, `synthetic.rs`).
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

mod golden;
mod synthetic;

use synthetic::{synthetic, NASTY};
