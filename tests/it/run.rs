//! `touchpoint run` end to end, as a user runs it: the binary, the example
//! suite, the embedded demo; and what is left after a `kill -9`.

use crate::common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use touchpoint::record::read_run;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_touchpoint"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Waits until the one run in `out` has at least `lines` lines on disk;
/// returns its run.jsonl. Fails after a minute.
fn wait_for_lines(out: &Path, lines: usize) -> std::path::PathBuf {
    let started = Instant::now();
    loop {
        let file = std::fs::read_dir(out)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("run.jsonl"))
            .find(|f| f.exists());
        if let Some(f) = file {
            if std::fs::read_to_string(&f).map(|t| t.lines().count()).unwrap_or(0) >= lines {
                return f;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the run never wrote {lines} records");
        std::thread::sleep(Duration::from_millis(20));
    }
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
    // 4 scenarios (5 persona walks, 15 steps) + the sweep (8 questions × 3 channels × 3 personas).
    assert_eq!(run.exchanges.len(), 15 + 72, "{}", run.exchanges.len());
    let errors: Vec<_> =
        run.exchanges.iter().filter_map(|x| x.error.as_ref().map(|e| (&x.channel, &x.message, e))).collect();
    assert!(errors.is_empty(), "the demo answers every channel: {errors:#?}");
    // The chat handoff captured a case reference that the email step then quotes.
    let email_follow_up = run.exchanges.iter().find(|x| x.recognises.is_some()).unwrap();
    let (name, value) = email_follow_up.recognises.as_ref().unwrap();
    assert_eq!(name, "case_ref");
    assert!(value.starts_with("CASE-"), "{value}");
    assert!(email_follow_up.message.contains(value.as_str()));

    // The analysis finds exactly what the demo plants — and nothing in its
    // correct-but-differently-worded answers ("thirty days", "29.99 GBP per
    // month", "+44 800 123 4567", "weekdays 8am to 8pm", "ten per cent").
    assert_eq!(output.status.code(), Some(4), "planted problems are at or above --fail-on high");
    let dir = only_run_dir(out.path());
    let verdict: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("verdict.json")).unwrap()).unwrap();
    let mut found: Vec<String> = verdict["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f["kind"].as_str().unwrap(),
                f["channel"].as_str().unwrap_or("-"),
                f["fact"].as_str().unwrap_or("-")
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            "customer_data_leak email -",  // email quotes Raj Patel's account to others
            "fallback chat -", // chat falls back on cancelling (so never states the notice period); email and web answer
            "forbidden_claim web -", // the help centre's "guaranteed for life"
            "leaked_placeholder email -", // email greets "Hi {{first_name}}"
            "lost_context email case_ref", // the chat case reference is unknown to email
            "markup chat -",   // chat sends <b> in a text answer
            "sla_breach email -", // email replies after 3 s; its SLA is 1 s
            "wrong_fact chat installation_time",
            "wrong_fact email refund_window",
        ],
        "{:#}",
        verdict["findings"]
    );
    // One problem is one finding: Email's 14-day refund window is the wrong
    // fact, and that finding names the channels that disagree with it — no
    // second "channels disagree" finding, and no second failing JUnit case.
    let refund: Vec<&serde_json::Value> = verdict["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["fact"] == "refund_window" && f["question"] == "refund-policy")
        .collect();
    assert_eq!(refund.len(), 1, "{refund:#?}");
    let summary = refund[0]["summary"].as_str().unwrap();
    assert_eq!(refund[0]["kind"], "wrong_fact");
    assert!(
        summary.starts_with("Email says the refund window is 14 days")
            && summary.contains("the map, Live chat and Help centre say 30 days"),
        "{summary}"
    );
    let row = verdict["matrix"].as_array().unwrap().iter().find(|r| r["fact"] == "refund_window").unwrap();
    assert_eq!(row["consistent"], false, "the matrix still shows the disagreement");
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    let case = junit
        .split("<testcase ")
        .find(|c| c.contains("refund-policy · refund_window: every channel gives the same answer"))
        .expect("the consistency case");
    assert!(!case.contains("<failure"), "{case}");
    assert!(case.contains(&format!("counted once, as finding {}", refund[0]["id"].as_str().unwrap())), "{case}");
    assert!(dir.join("junit.xml").exists() && dir.join("report.html").exists());
}

#[test]
fn dry_run_sends_nothing_and_prints_requests() {
    let output =
        bin().args(["run", "--dry-run", "--target", "http://127.0.0.1:9", "--only", "scenario:*"]).output().unwrap();
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
    let file = wait_for_lines(out.path(), 6);
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

#[test]
fn resume_after_kill_9_sends_every_planned_step_exactly_once() {
    use std::collections::BTreeMap;
    use std::io::Write;
    use touchpoint::record::{EndStatus, ErrorKind};
    // The demo runs here, so the killed run and its resumption talk to the same company.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let demo = rt
        .block_on(touchpoint::demo::start(
            ([127, 0, 0, 1], 0).into(),
            touchpoint::demo::DemoConfig { seed: 42, time_scale: 0.2 },
        ))
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut child = bin()
        .args(["run", "--quiet", "--concurrency", "2", "--target", &demo.url(), "--out"])
        .arg(out.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_lines(out.path(), 8);
    child.kill().unwrap();
    child.wait().unwrap();
    let dir = only_run_dir(out.path());
    let killed = read_run(&dir).unwrap();
    assert!(killed.end.is_none());
    // As if killed in the middle of writing a line: resuming must not append after it.
    std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("run.jsonl"))
        .unwrap()
        .write_all(br#"{"type":"exchange","seq":99"#)
        .unwrap();
    assert!(read_run(&dir).unwrap().torn_tail);

    let output = bin()
        .args(["run", "--quiet", "--concurrency", "2", "--target", &demo.url(), "--resume"])
        .arg(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(matches!(output.status.code(), Some(0) | Some(4)), "exit {:?}: {stderr}", output.status.code());
    assert_eq!(only_run_dir(out.path()), dir, "resuming writes into the same folder");

    let run = read_run(&dir).unwrap();
    assert!(!run.torn_tail);
    assert_eq!(run.end.as_ref().map(|e| e.status), Some(EndStatus::Complete), "the resumed run has an end record");
    let text = std::fs::read_to_string(dir.join("run.jsonl")).unwrap();
    assert_eq!(text.lines().filter(|l| l.contains(r#""type":"header""#)).count(), 2, "one header per session");
    let mut sent: BTreeMap<(String, usize), usize> = BTreeMap::new();
    for x in run.exchanges.iter().filter(|x| x.error.as_ref().is_none_or(|e| e.kind != ErrorKind::Interrupted)) {
        *sent.entry((x.task.key(), x.step)).or_default() += 1;
    }
    let twice: Vec<_> = sent.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "steps sent twice: {twice:?}");
    let suite = common::load(&common::example_suite());
    let plan = touchpoint::plan::plan(&suite, &touchpoint::plan::PlanOptions { seed: 42, repeat: 1, only: None });
    let lost: Vec<_> = plan
        .iter()
        .flat_map(|w| w.steps.iter().map(move |s| (w.task.key(), s.index)))
        .filter(|k| !sent.contains_key(k))
        .collect();
    assert!(lost.is_empty(), "planned steps never recorded: {lost:?}");
    assert_eq!(sent.len(), plan.iter().map(|w| w.steps.len()).sum::<usize>());
    let seqs: std::collections::BTreeSet<u64> = run.exchanges.iter().map(|x| x.seq).collect();
    assert_eq!(seqs.len(), run.exchanges.len(), "seq stays unique across the two sessions");
    rt.block_on(demo.shutdown());
}

#[test]
fn sigterm_stops_a_run_cleanly_and_finishes_the_record() {
    let out = tempfile::tempdir().unwrap();
    let child = bin()
        .args(["run", "--quiet", "--concurrency", "2", "--out"])
        .arg(out.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_lines(out.path(), 4);
    let term = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(term.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("stopping"), "{stderr}");
    let run = read_run(&only_run_dir(out.path())).unwrap();
    let end = run.end.expect("a stopped run still finishes its file");
    assert_eq!(end.status, touchpoint::record::EndStatus::Interrupted);
    assert!(!run.torn_tail);
    // The derived files are still written for what was recorded.
    assert!(only_run_dir(out.path()).join("report.html").exists(), "{stderr}");
}

#[test]
fn kill_9_during_group_commit_loses_no_acknowledged_record() {
    use std::io::{BufRead, BufReader};
    // Many walks at once, so the writer commits records in groups. An
    // exchange is logged as recorded (and counted) only by the writer's
    // commit hook, once its group is written.
    let out = tempfile::tempdir().unwrap();
    let mut child = bin()
        .args(["run", "--quiet", "--concurrency", "64", "--repeat", "20", "--out"])
        .arg(out.path())
        .env("RUST_LOG", "touchpoint::engine::progress=debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut acknowledged = Vec::new();
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        let Some(at) = line.find("exchange recorded").and(line.find(" seq=")) else { continue };
        let digits: String = line[at + 5..].chars().take_while(char::is_ascii_digit).collect();
        acknowledged.push(digits.parse::<u64>().unwrap());
        if acknowledged.len() >= 60 {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL on unix, while walks are still recording
    child.wait().unwrap();
    assert_eq!(acknowledged.len(), 60, "the run logged its recorded exchanges");
    let run = read_run(&only_run_dir(out.path())).unwrap();
    assert!(run.end.is_none(), "killed mid-run");
    let on_disk: std::collections::HashSet<u64> = run.exchanges.iter().map(|x| x.seq).collect();
    let lost: Vec<&u64> = acknowledged.iter().filter(|s| !on_disk.contains(s)).collect();
    assert!(lost.is_empty(), "acknowledged but not on disk: {lost:?}");
}

/// Schema 3 (one finding per root cause, reasons for empty cells): a run
/// recorded before it, by the first record format, still analyses with
/// `touchpoint analyze` into a schema-3 verdict, and the verdict of an
/// earlier schema still reads (every new field is optional).
#[test]
fn analyze_turns_a_run_recorded_before_schema_3_into_a_schema_3_verdict() {
    let reports = tempfile::tempdir().unwrap();
    let dir = reports.path().join("20261201-121943-940d");
    std::fs::create_dir_all(&dir).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema1/run.jsonl");
    std::fs::copy(fixture, dir.join("run.jsonl")).unwrap();
    let output = bin().args(["analyze", "--suite", "scenarios/acme"]).arg(&dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(matches!(output.status.code(), Some(0) | Some(4)), "exit {:?}: {stderr}", output.status.code());
    let text = std::fs::read_to_string(dir.join("verdict.json")).unwrap();
    let verdict: touchpoint::verdict::Verdict = serde_json::from_str(&text).unwrap();
    assert_eq!(verdict.schema_version, touchpoint::verdict::SCHEMA_VERSION);
    assert_eq!(verdict.schema_version, 3);
    // Every cell without a value says why.
    for row in &verdict.matrix {
        for cell in row.cells.iter().filter(|c| c.values.is_empty()) {
            assert!(cell.empty.is_some(), "{row:#?}");
        }
    }
    // A schema-2 verdict (no `empty`, `no_reply` or `folded_into`) reads as it is.
    let mut old: serde_json::Value = serde_json::from_str(&text).unwrap();
    old["schema_version"] = 2.into();
    for row in old["matrix"].as_array_mut().unwrap() {
        for cell in row["cells"].as_array_mut().unwrap() {
            let cell = cell.as_object_mut().unwrap();
            cell.remove("empty");
            cell.remove("no_reply");
        }
    }
    for check in old["checks"].as_array_mut().unwrap() {
        check.as_object_mut().unwrap().remove("folded_into");
    }
    let old: touchpoint::verdict::Verdict = serde_json::from_value(old).unwrap();
    assert_eq!(old.matrix.len(), verdict.matrix.len());
}
