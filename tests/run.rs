//! `touchpoint run` end to end, as a user runs it: the binary, the example
//! suite, the embedded demo; and what is left after a `kill -9`.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use touchpoint::record::read_run;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_touchpoint"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn only_run_dir(out: &Path) -> std::path::PathBuf {
    let dirs: Vec<_> = std::fs::read_dir(out).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs[0].clone()
}

#[test]
fn run_with_no_arguments_walks_the_example_suite_against_the_embedded_demo() {
    let out = tempfile::tempdir().unwrap();
    let output = bin().args(["run", "--quiet", "--out"]).arg(out.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(matches!(output.status.code(), Some(0) | Some(4)), "exit {:?}: {stderr}", output.status.code());
    assert!(stderr.contains("started the embedded demo"), "{stderr}");
    assert!(stderr.contains("exchanges"), "{stderr}");
    let run = read_run(&only_run_dir(out.path())).unwrap();
    assert!(run.end.is_some());
    assert!(!run.torn_tail);
    // 4 scenarios (5 persona walks, 15 steps) + the sweep (7 questions × 3 channels × 3 personas).
    assert_eq!(run.exchanges.len(), 15 + 63, "{}", run.exchanges.len());
    let errors: Vec<_> = run.exchanges.iter().filter_map(|x| x.error.as_ref().map(|e| (&x.channel, &x.message, e))).collect();
    assert!(errors.is_empty(), "the demo answers every channel: {errors:#?}");
    // The chat handoff captured a case reference that the email step then quotes.
    let email_follow_up = run.exchanges.iter().find(|x| x.recognises.is_some()).unwrap();
    let (name, value) = email_follow_up.recognises.as_ref().unwrap();
    assert_eq!(name, "case_ref");
    assert!(value.starts_with("CASE-"), "{value}");
    assert!(email_follow_up.message.contains(value.as_str()));
}

#[test]
fn dry_run_sends_nothing_and_prints_requests() {
    let output = bin().args(["run", "--dry-run", "--target", "http://127.0.0.1:9", "--only", "scenario:*"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("POST http://127.0.0.1:9/chat/conversations"), "{stdout}");
    assert!(stdout.contains("nothing is sent"), "{stdout}");
}

#[test]
fn after_kill_9_every_complete_record_is_readable() {
    let out = tempfile::tempdir().unwrap();
    let mut child = bin()
        .args(["run", "--quiet", "--concurrency", "2", "--out"])
        .arg(out.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until a few exchanges are on disk, then SIGKILL mid-run.
    let started = Instant::now();
    let file = loop {
        if let Some(dir) = std::fs::read_dir(out.path()).unwrap().filter_map(|e| e.ok()).map(|e| e.path()).find(|p| p.is_dir()) {
            let f = dir.join("run.jsonl");
            let lines = std::fs::read_to_string(&f).map(|t| t.lines().count()).unwrap_or(0);
            if lines >= 6 {
                break f;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the run never wrote records");
        std::thread::sleep(Duration::from_millis(20));
    };
    child.kill().unwrap(); // SIGKILL on unix
    child.wait().unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let run = read_run(&file).unwrap();
    assert!(run.end.is_none(), "killed runs have no end record");
    assert!(run.exchanges.len() >= 5);
    // Every line but possibly a torn last one is complete JSON.
    let lines: Vec<&str> = text.lines().collect();
    for line in &lines[..lines.len() - 1] {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
}
