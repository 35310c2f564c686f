//! `touchpoint audit` as an operator runs it: the binary on a short schedule
//! against the demo (started here, in-process, so the test can change an
//! answer between runs), a webhook receiver on 127.0.0.1:0, SIGTERM mid-run;
//! and the production guards (budgets, quiet hours, stop file).

use crate::common;

use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use touchpoint::demo::{self, DemoConfig, DemoHandle};
use touchpoint::record::{read_run, EndStatus, ErrorKind};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_touchpoint"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// A runtime of its own, so the demo and the webhook keep serving while the
/// test blocks on the child process.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

fn start_demo(rt: &tokio::runtime::Runtime, time_scale: f64) -> DemoHandle {
    rt.block_on(demo::start(([127, 0, 0, 1], 0).into(), DemoConfig { seed: 42, time_scale })).expect("demo starts")
}

/// A webhook receiver that keeps every JSON body it is sent.
fn start_webhook(rt: &tokio::runtime::Runtime) -> (String, Arc<Mutex<Vec<Value>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    let app = Router::new().route(
        "/hook",
        post(move |Json(body): Json<Value>| {
            let store = store.clone();
            async move {
                store.lock().unwrap().push(body);
                "ok"
            }
        }),
    );
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    rt.spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

/// The child's stdout, line by line, readable with a timeout.
struct Lines {
    rx: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Lines {
    fn of(child: &mut Child) -> Lines {
        let out = child.stdout.take().expect("stdout piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines { rx, seen: Vec::new() }
    }

    /// Waits for a line containing `needle`; panics with everything seen after `within`.
    fn wait_for(&mut self, needle: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!("no line with {needle:?} within {within:?}; seen:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// Everything the child printed until it closed stdout.
    fn rest(&mut self) -> Vec<String> {
        while let Ok(line) = self.rx.recv_timeout(Duration::from_secs(30)) {
            self.seen.push(line);
        }
        self.seen.clone()
    }
}

fn run_dirs(out: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(out).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    dirs
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the audit did not exit within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split(' ').find_map(|kv| kv.strip_prefix(&format!("{key}=")))
}

#[test]
fn audit_alerts_only_on_new_or_fixed_findings_and_keeps_the_newest_runs() {
    let rt = runtime();
    let demo = start_demo(&rt, 0.02);
    let (hook, received) = start_webhook(&rt);
    let out = tempfile::tempdir().unwrap();
    let mut child = bin()
        .args([
            "audit",
            "--interval",
            "3s",
            "--max-runs",
            "3",
            "--keep",
            "2",
            "--only",
            "sweep:*",
            "--concurrency",
            "8",
        ])
        .args([
            "--target",
            &demo.url(),
            "--alert-webhook",
            &hook,
            "--report-url",
            "https://audits.example/acme",
            "--out",
        ])
        .arg(out.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = Lines::of(&mut child);

    let first = lines.wait_for("run finished", Duration::from_secs(60));
    assert!(first.contains("baseline="), "nothing to compare the first run with: {first}");
    // Between runs: email now states the right refund window (fixed), chat a wrong price (new).
    demo.set_answer("email", "refunds", "You can return your equipment within 30 days of delivery for a full refund.");
    demo.set_answer("chat", "pricing", "Our broadband costs £19.99 a month, and there's no setup fee.");

    let second = lines.wait_for("run finished", Duration::from_secs(60));
    let (new, fixed) = (field(&second, "new").unwrap(), field(&second, "fixed").unwrap());
    assert!(new != "0" && fixed != "0", "{second}");
    lines.wait_for("alert sent", Duration::from_secs(30));

    let third = lines.wait_for("run finished", Duration::from_secs(60));
    assert!(third.contains(" new=0 fixed=0 "), "nothing changed in the third run: {third}");
    let all = lines.rest();
    let status = wait_exit(&mut child, Duration::from_secs(30));
    assert!(status.success(), "{status:?}\n{}", all.join("\n"));
    assert!(all.iter().any(|l| l.contains("audit finished") && l.contains("--max-runs 3")), "{}", all.join("\n"));

    // Exactly one alert: the second run's.
    let alerts = received.lock().unwrap().clone();
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let alert = &alerts[0];
    let text = alert["text"].as_str().unwrap();
    assert!(text.starts_with(&format!("Acme Broadband: {new} new finding")), "{text}");
    let blocks = alert["blocks"].to_string();
    assert!(blocks.contains("New since the last run") && blocks.contains("£19.99"), "{blocks}");
    assert!(blocks.contains("Fixed since the last run") && blocks.contains("14 days"), "{blocks}");
    assert!(blocks.contains("*CRITICAL*") || blocks.contains("*HIGH*"), "severity is shown: {blocks}");
    let second_run = field(&second, "run").unwrap();
    assert!(blocks.contains(&format!("https://audits.example/acme/{second_run}/report.html")), "{blocks}");

    // Retention: three runs, the newest two kept.
    let dirs = run_dirs(out.path());
    let names: Vec<String> = dirs.iter().map(|d| d.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(!names.contains(&field(&first, "run").unwrap().to_string()), "the oldest run is deleted: {names:?}");
    assert!(names.contains(&second_run.to_string()) && names.contains(&field(&third, "run").unwrap().to_string()));
    for d in &dirs {
        assert!(d.join("verdict.json").is_file(), "every kept run is complete: {}", d.display());
    }
    assert!(all.iter().any(|l| l.contains("run deleted") && l.contains("--keep 2")));
    rt.block_on(demo.shutdown());
}

#[cfg(unix)]
#[test]
fn sigterm_during_a_run_leaves_a_finished_record_and_exits_cleanly() {
    let rt = runtime();
    // Realistic (slow) replies so the run is still going when the signal comes.
    let demo = start_demo(&rt, 1.0);
    let out = tempfile::tempdir().unwrap();
    let mut child = bin()
        .args(["audit", "--interval", "1h", "--concurrency", "2", "--target", &demo.url(), "--out"])
        .arg(out.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = Lines::of(&mut child);
    lines.wait_for("run started", Duration::from_secs(60));
    // A few exchanges on disk, then SIGTERM mid-run.
    let started = Instant::now();
    let record = loop {
        if let Some(dir) = run_dirs(out.path()).first() {
            let f = dir.join("run.jsonl");
            if std::fs::read_to_string(&f).map(|t| t.lines().count()).unwrap_or(0) >= 4 {
                break f;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the run never wrote records");
        std::thread::sleep(Duration::from_millis(20));
    };
    let term = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(term.success());
    let status = wait_exit(&mut child, Duration::from_secs(30));
    let all = lines.rest();
    assert_eq!(status.code(), Some(0), "{}", all.join("\n"));
    let run = read_run(&record).unwrap();
    assert!(!run.torn_tail);
    let end = run.end.expect("an end record");
    assert_eq!(end.status, EndStatus::Interrupted);
    assert!(run.exchanges.len() >= 3);
    assert!(all.iter().any(|l| l.contains("run finished") && l.contains("interrupted=")), "{}", all.join("\n"));
    assert!(all.iter().any(|l| l.contains("audit stopped")), "{}", all.join("\n"));
    assert!(!all.iter().any(|l| l.contains("next run")), "no run after the stop: {}", all.join("\n"));
    rt.block_on(demo.shutdown());
}

#[test]
fn audit_skips_runs_while_the_stop_file_exists() {
    let rt = runtime();
    let demo = start_demo(&rt, 0.02);
    let out = tempfile::tempdir().unwrap();
    let stop_file = out.path().join("STOP");
    std::fs::write(&stop_file, "").unwrap();
    let mut child = bin()
        .args([
            "audit",
            "--interval",
            "1s",
            "--max-runs",
            "1",
            "--only",
            "scenario:*",
            "--target",
            &demo.url(),
            "--stop-file",
        ])
        .arg(&stop_file)
        .arg("--out")
        .arg(out.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = Lines::of(&mut child);
    let skipped = lines.wait_for("run skipped", Duration::from_secs(30));
    assert!(skipped.contains("stop file"), "{skipped}");
    // Several due times pass; the skip is logged once, and nothing is sent.
    std::thread::sleep(Duration::from_millis(2500));
    assert!(run_dirs(out.path()).is_empty());
    std::fs::remove_file(&stop_file).unwrap();
    lines.wait_for("run finished", Duration::from_secs(60));
    let all = lines.rest();
    assert!(wait_exit(&mut child, Duration::from_secs(30)).success());
    assert_eq!(all.iter().filter(|l| l.contains("run skipped")).count(), 1, "{}", all.join("\n"));
    assert_eq!(run_dirs(out.path()).len(), 1);
    rt.block_on(demo.shutdown());
}

#[test]
fn run_refuses_to_start_inside_quiet_hours() {
    // A window around the current local time, whatever the time zone.
    let now = chrono::Local::now();
    let window = format!(
        "{}-{}",
        (now - chrono::Duration::hours(1)).format("%H:%M"),
        (now + chrono::Duration::hours(1)).format("%H:%M")
    );
    let out = tempfile::tempdir().unwrap();
    let output = bin()
        .args(["run", "--quiet", "--target", "http://127.0.0.1:9", "--quiet-hours", &window, "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("not starting") && stderr.contains("quiet hours") && stderr.contains("nothing was sent"),
        "{stderr}"
    );
    assert!(run_dirs(out.path()).is_empty(), "no run folder either");
}

/// The example suite with `budget` on the web channel.
fn suite_with_web_budget(budget: &str) -> tempfile::TempDir {
    edited_suite("channels.toml", "[web]\n", &format!("[web]\nbudget = \"{budget}\"\n"))
}

/// A copy of the example suite with one edit in one file.
fn edited_suite(file: &str, from: &str, to: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = common::example_suite();
    for entry in walk(&src) {
        let rel = entry.strip_prefix(&src).unwrap();
        let dest = dir.path().join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        let mut text = std::fs::read_to_string(&entry).unwrap();
        if rel == Path::new(file) {
            assert!(text.contains(from), "{file} has no {from:?}");
            text = text.replacen(from, to, 1);
        }
        std::fs::write(&dest, text).unwrap();
    }
    dir
}

#[tokio::test]
async fn every_request_carries_the_suites_test_header_and_extra_headers() {
    let suite_dir = edited_suite("map.toml", "name = ", "test_header = \"X-Touchpoint: audit\"\nname = ");
    let suite = common::load(suite_dir.path());
    // A target that only notes the headers it is sent.
    let seen: Arc<Mutex<Vec<axum::http::HeaderMap>>> = Arc::default();
    let store = seen.clone();
    let app = Router::new().fallback(move |headers: axum::http::HeaderMap| {
        let store = store.clone();
        async move {
            store.lock().unwrap().push(headers);
            axum::http::StatusCode::NOT_FOUND
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let out = tempfile::tempdir().unwrap();
    let mut opts = common::options(out.path(), &target);
    opts.only = Some("sweep:*@web".into());
    opts.extra_headers = vec![("X-Audit-Run".into(), "nightly".into())];
    common::run(suite, opts).await;
    let seen = seen.lock().unwrap();
    assert!(!seen.is_empty());
    for h in seen.iter() {
        assert_eq!(h.get("x-touchpoint").map(|v| v.to_str().unwrap()), Some("audit"));
        assert_eq!(h.get("x-audit-run").map(|v| v.to_str().unwrap()), Some("nightly"));
    }
}

#[test]
fn a_bad_test_header_is_a_located_error() {
    let suite_dir = edited_suite("map.toml", "name = ", "test_header = \"touchpoint audit\"\nname = ");
    let loaded = touchpoint::suite::load(suite_dir.path());
    let text = loaded.diagnostics.render_plain(&loaded.sources);
    assert!(loaded.suite.is_none());
    assert!(
        text.contains("`test_header` is not a header") && text.contains("map.toml") && text.contains("Name: value"),
        "{text}"
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn an_exhausted_budget_fails_steps_as_not_sent() {
    let suite_dir = suite_with_web_budget("5/h");
    let suite = common::load(suite_dir.path());
    let demo = demo::start(([127, 0, 0, 1], 0).into(), DemoConfig { seed: 42, time_scale: 0.02 }).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut opts = common::options(out.path(), &demo.url());
    opts.only = Some("sweep:*@web".into());
    opts.concurrency = 1;
    let result = common::run(suite, opts).await;
    let run = read_run(&result.dir).unwrap();
    // Each web step sends 2 requests (search, article): 5 requests answer 2 steps,
    // the third step's article request is refused, and so is everything after.
    let answered = run.exchanges.iter().filter(|x| x.error.is_none()).count();
    assert_eq!(answered, 2);
    let refused: Vec<_> = run.exchanges.iter().filter_map(|x| x.error.as_ref()).collect();
    assert_eq!(refused.len(), run.exchanges.len() - 2);
    assert!(refused.iter().all(|e| e.kind == ErrorKind::Budget), "{refused:#?}");
    assert!(
        refused[0].message.contains("channel `web` has used up its budget of 5 requests per 1h"),
        "{}",
        refused[0].message
    );
    let http: usize = run.exchanges.iter().map(|x| x.http.len()).sum();
    assert_eq!(http, 5, "nothing beyond the budget reached the target");
    assert_eq!(run.end.unwrap().status, EndStatus::Complete);
    demo.shutdown().await;
}

#[test]
fn a_bad_budget_is_a_located_error() {
    let suite_dir = suite_with_web_budget("lots");
    let loaded = touchpoint::suite::load(suite_dir.path());
    let text = loaded.diagnostics.render_plain(&loaded.sources);
    assert!(loaded.suite.is_none());
    assert!(
        text.contains("`lots` is not a budget") && text.contains("channels.toml") && text.contains("500/h"),
        "{text}"
    );
}
