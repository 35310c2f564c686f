//! Scheduled audits: `touchpoint audit` runs a suite on a schedule as a
//! long-lived process (systemd, a container), writes every run into the out
//! folder exactly as `touchpoint run` does, keeps the newest N run folders,
//! and alerts a webhook only when findings are new or fixed since the
//! previous run.
//!
//! - [`schedule`]: when the next run is due (cron or interval); pure.
//! - [`alert`]: the Slack-compatible payload (pure) and its delivery.
//!
//! The loop logs one line per event to stdout (see [`EventLog`]), so a
//! service manager's journal tells the story. A stop (Ctrl-C, SIGTERM) ends
//! the wait at once; during a run it goes to the engine, which records the
//! steps in flight as interrupted and finishes the file, and the audit then
//! exits. Quiet hours and the stop file skip runs that fall due while they
//! hold, and stop a run that reaches them (the engine's guards).
//!
//! Invariants: never deletes a folder that is not a run of this suite (it
//! must hold a `run.jsonl` whose header names the suite), never the run just
//! made; an interrupted run is never compared (half a run would look like
//! fixed findings) and never the baseline for the next comparison.

pub mod alert;
pub mod schedule;

use crate::analysis::AnalyzeOptions;
use crate::engine::budget::Budgets;
use crate::engine::guard::{self, Halt};
use crate::engine::{self, RunOptions, RunResult};
use crate::history::identity;
use crate::record::{Header, Record};
use crate::suite::Suite;
use crate::verdict::{Finding, Severity, Verdict};
use chrono::{DateTime, Local};
use schedule::Schedule;
use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// How an audit runs; built by the CLI from flags.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// Options of every run (`out_dir`, `target`, headers, guards…); `resume` is ignored.
    pub run: RunOptions,
    pub schedule: Schedule,
    /// Keep the newest N run folders of this suite in `out_dir`; None keeps all.
    pub keep: Option<usize>,
    /// Where alerts are POSTed; None: changes are only logged.
    pub alert_webhook: Option<String>,
    /// Base URL under which `out_dir` is served, for links in alerts
    /// (`{base}/{run-id}/report.html`); None: the report's path on this machine.
    pub report_url: Option<String>,
    /// Stop after this many runs (skipped runs do not count).
    pub max_runs: Option<u64>,
    /// `--fail-on` for the analysis (which checks fail in junit.xml).
    pub fail_on: Severity,
    /// Where runs are indexed (`--history`): the reports folder's SQLite file, or PostgreSQL.
    pub history: crate::history::Location,
}

/// One finding that appeared or went away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub id: String,
    pub severity: Severity,
    pub summary: String,
}

/// What changed between two runs, most severe first in each list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub new: Vec<Change>,
    pub fixed: Vec<Change>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.new.is_empty() && self.fixed.is_empty()
    }
}

/// New and fixed findings as run history worked them out when the run was
/// indexed ([`Verdict::changes`]: same suite, same target, interrupted runs
/// never the baseline). None when there was nothing to compare with.
pub fn changes(current: &Verdict) -> Option<Changes> {
    let c = current.changes.as_ref()?;
    let by_id: HashMap<&str, &Finding> = current.findings.iter().map(|f| (f.id.as_str(), f)).collect();
    let new = c.new.iter().filter_map(|id| by_id.get(id.as_str())).map(|f| Change {
        id: f.id.clone(),
        severity: f.severity,
        summary: f.summary.clone(),
    });
    let fixed = c.fixed.iter().map(|f| Change { id: f.id.clone(), severity: f.severity, summary: f.summary.clone() });
    Some(Changes { new: ordered(new), fixed: ordered(fixed) })
}

/// New and fixed findings by comparing two verdicts' fingerprint ids: the
/// fallback when the history database could not be updated.
pub fn compare(previous: &Verdict, current: &Verdict) -> Changes {
    let ids = |v: &Verdict| v.findings.iter().map(|f| f.id.clone()).collect::<BTreeSet<_>>();
    let (before, now) = (ids(previous), ids(current));
    let pick = |v: &Verdict, other: &BTreeSet<String>| {
        ordered(v.findings.iter().filter(|f| !other.contains(&f.id)).map(|f| Change {
            id: f.id.clone(),
            severity: f.severity,
            summary: f.summary.clone(),
        }))
    };
    Changes { new: pick(current, &before), fixed: pick(previous, &now) }
}

/// Most severe first, then by id, so alerts are stable.
fn ordered(changes: impl Iterator<Item = Change>) -> Vec<Change> {
    let mut list: Vec<Change> = changes.collect();
    list.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    list
}

/// The audit's log: one line per event on stdout, `<UTC time> <event>: key=value …`.
pub struct EventLog {
    out: Mutex<Box<dyn Write + Send>>,
}

impl EventLog {
    pub fn stdout() -> Self {
        Self::to(Box::new(std::io::stdout()))
    }

    pub fn to(out: Box<dyn Write + Send>) -> Self {
        EventLog { out: Mutex::new(out) }
    }

    /// Writes one line; values with spaces or quotes are quoted. A log that
    /// cannot be written must not stop the audit, so errors are ignored.
    pub fn event(&self, what: &str, fields: &[(&str, String)]) {
        let mut line = format!("{} {what}", chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        for (i, (k, v)) in fields.iter().enumerate() {
            line.push_str(if i == 0 { ": " } else { " " });
            if v.is_empty() || v.contains(|c: char| c.is_whitespace() || c == '"' || c == '=') {
                line.push_str(&format!("{k}={v:?}"));
            } else {
                line.push_str(&format!("{k}={v}"));
            }
        }
        line.push('\n');
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = out.write_all(line.as_bytes());
        let _ = out.flush();
    }
}

/// How an audit ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditSummary {
    pub runs: u64,
    pub alerts_sent: u64,
    pub alerts_failed: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot create the out folder {path}: {source}; check it is writable or pass --out")]
    Out { path: String, source: std::io::Error },
}

/// Runs `suite` on `opts.schedule` until `stop` turns true or `max_runs` is
/// reached.
pub async fn run(
    suite: Arc<Suite>,
    mut opts: AuditOptions,
    mut stop: watch::Receiver<bool>,
    log: &EventLog,
) -> Result<AuditSummary, AuditError> {
    let out = opts.run.out_dir.clone();
    std::fs::create_dir_all(&out).map_err(|source| AuditError::Out { path: out.display().to_string(), source })?;
    opts.run.resume = None;
    // One set of budgets for the whole audit, so "per hour" spans runs.
    if opts.run.guards.budgets.is_none() {
        opts.run.guards.budgets = Some(Arc::new(Budgets::from_suite(&suite)));
    }
    let guards = opts.run.guards.clone();
    // One webhook receiver for the whole audit: the same port for every run,
    // shut down when the audit ends (not one listener left per run).
    let needs_hook = suite.channels.values().any(|c| c.receive.mode == crate::suite::channel::ReceiveMode::Webhook);
    let own_hook = needs_hook && opts.run.webhook.is_none();
    if own_hook {
        match engine::webhook::Hub::start(&opts.run.webhook_listen).await {
            Ok(hub) => opts.run.webhook = Some(hub),
            Err(e) => log.event("webhook receiver failed", &[("error", e.to_string())]),
        }
    }
    log.event(
        "audit started",
        &[
            ("suite", suite.root.display().to_string()),
            ("schedule", opts.schedule.to_string()),
            ("out", out.display().to_string()),
            ("target", opts.run.target.clone()),
        ],
    );
    let client = reqwest::Client::new();
    let mut summary = AuditSummary::default();
    let mut previous_due: Option<DateTime<Local>> = None;
    let mut last_skip: Option<Halt> = None;
    loop {
        if opts.max_runs.is_some_and(|m| summary.runs >= m) {
            log.event("audit finished", &[("reason", format!("--max-runs {} reached", summary.runs))]);
            break;
        }
        let now = Local::now();
        let Some(due) = opts.schedule.next(previous_due.as_ref(), &now) else {
            log.event("audit finished", &[("reason", "the cron expression names no future time".into())]);
            break;
        };
        if due > now {
            // While runs are being skipped, the skip line said it all.
            if last_skip.is_none() {
                log.event("next run", &[("at", due.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))]);
            }
            let wait = (due - now).to_std().unwrap_or_default();
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = guard::stopped(&mut stop) => break,
            }
        }
        previous_due = Some(due);
        if *stop.borrow() {
            break;
        }
        if let Some(halt) = guards.halt_now() {
            // Logged once per reason, not every second of a night of quiet hours.
            if last_skip.as_ref() != Some(&halt) {
                log.event("run skipped", &[("reason", halt.to_string())]);
                last_skip = Some(halt);
            }
            continue;
        }
        last_skip = None;
        summary.runs += 1;
        one_run(&suite, &opts, &stop, log, &client, &mut summary).await;
        if *stop.borrow() {
            break;
        }
    }
    if *stop.borrow() {
        log.event("audit stopped", &[("reason", "stop requested".into()), ("runs", summary.runs.to_string())]);
    }
    if let (true, Some(hub)) = (own_hook, &opts.run.webhook) {
        hub.shutdown().await;
    }
    Ok(summary)
}

/// One scheduled run: record, analyse, compare, alert, prune.
async fn one_run(
    suite: &Arc<Suite>,
    opts: &AuditOptions,
    stop: &watch::Receiver<bool>,
    log: &EventLog,
    client: &reqwest::Client,
    summary: &mut AuditSummary,
) {
    log.event("run started", &[("suite", suite.root.display().to_string()), ("n", summary.runs.to_string())]);
    let result = match engine::run(suite.clone(), opts.run.clone(), stop.clone()).await {
        Ok(r) => r,
        Err(e) => return log.event("run failed", &[("error", e.to_string())]),
    };
    let derived = match derive(suite, opts, &result).await {
        Ok(d) => d,
        Err(e) => return log.event("run failed", &[("run", result.run_id.clone()), ("error", e)]),
    };
    for warning in &derived.warnings {
        log.event("history warning", &[("run", result.run_id.clone()), ("warning", warning.clone())]);
    }
    let verdict = derived.verdict;
    let report = report_location(&result, opts.report_url.as_deref());
    let mut fields = vec![
        ("run", result.run_id.clone()),
        ("score", verdict.score.map(|s| format!("{s:.0}")).unwrap_or_else(|| "-".into())),
        ("findings", verdict.findings.len().to_string()),
        ("exchanges", result.exchanges.to_string()),
        ("errors", result.errors.to_string()),
    ];
    if !result.internal.is_empty() {
        fields.push(("internal_errors", result.internal.len().to_string()));
    }
    let changes = if result.interrupted || !result.internal.is_empty() {
        fields.push(("interrupted", result.halt.as_ref().map(Halt::to_string).unwrap_or_else(|| "yes".into())));
        None
    } else {
        let found = if derived.warnings.is_empty() { changes(&verdict) } else { derived.fallback };
        if found.is_none() {
            fields.push(("baseline", "no earlier complete run of this suite and target to compare with".into()));
        }
        found
    };
    if let Some(c) = &changes {
        fields.push(("new", c.new.len().to_string()));
        fields.push(("fixed", c.fixed.len().to_string()));
    }
    fields.push(("report", report.clone()));
    log.event("run finished", &fields);

    if let (Some(c), Some(url)) = (changes.filter(|c| !c.is_empty()), &opts.alert_webhook) {
        let about =
            alert::About { company: &verdict.company, run_id: &result.run_id, score: verdict.score, report: &report };
        let payload = alert::payload(&about, &c);
        match alert::send(client, url, &payload).await {
            Ok(()) => {
                summary.alerts_sent += 1;
                log.event(
                    "alert sent",
                    &[
                        ("run", result.run_id.clone()),
                        ("new", c.new.len().to_string()),
                        ("fixed", c.fixed.len().to_string()),
                    ],
                );
            }
            Err(e) => {
                summary.alerts_failed += 1;
                log.event(
                    "alert failed",
                    &[("run", result.run_id.clone()), ("webhook", alert::shown(url)), ("error", e)],
                );
            }
        }
    }
    if let Some(keep) = opts.keep {
        let (out, suite, current) = (opts.run.out_dir.clone(), suite.clone(), result.run_id.clone());
        // Deleting folders is blocking work: off the runtime's workers.
        let pruned = tokio::task::spawn_blocking(move || prune(&out, &suite, keep, &current)).await.unwrap_or_default();
        for (dir, e) in pruned {
            match e {
                None => log
                    .event("run deleted", &[("dir", dir.display().to_string()), ("reason", format!("--keep {keep}"))]),
                Some(e) => {
                    log.event("run not deleted", &[("dir", dir.display().to_string()), ("error", e.to_string())])
                }
            }
        }
    }
}

/// What the blocking half of a run's aftermath produced.
struct Derived {
    verdict: Verdict,
    /// The run history could not be updated (then `fallback` holds the changes).
    warnings: Vec<String>,
    /// Changes against the previous run's `verdict.json`, worked out only
    /// when the history failed.
    fallback: Option<Changes>,
}

/// Analysis, the history, the derived files and (when the history failed)
/// the fallback comparison: all blocking work (a busy SQLite file waits up
/// to 10 s), so it runs on tokio's blocking pool, never on the workers that
/// timestamp replies — an audit sharing its process with other runs (or its
/// own webhook receiver) must not make a slow disk look like the target's
/// latency.
async fn derive(suite: &Arc<Suite>, opts: &AuditOptions, result: &RunResult) -> Result<Derived, String> {
    let (suite, dir, out, history) =
        (suite.clone(), result.dir.clone(), opts.run.out_dir.clone(), opts.history.clone());
    let analysis = AnalyzeOptions { fail_on: opts.fail_on, ..Default::default() };
    let interrupted = result.interrupted || !result.internal.is_empty();
    tokio::task::spawn_blocking(move || {
        let w = crate::artifacts::write_all_to(&dir, &suite, &analysis, &history).map_err(|e| e.to_string())?;
        let fallback = if w.warnings.is_empty() || interrupted {
            None
        } else {
            previous_verdict(&out, &suite, &w.verdict).map(|prev| compare(&prev, &w.verdict))
        };
        Ok(Derived { verdict: w.verdict, warnings: w.warnings, fallback })
    })
    .await
    .map_err(|e| format!("analysing the run failed: {e}"))?
}

/// Where the alert points: `{base}/{run-id}/report.html`, or the file's absolute path.
fn report_location(result: &RunResult, base: Option<&str>) -> String {
    match base {
        Some(base) => format!("{}/{}/report.html", base.trim_end_matches('/'), result.run_id),
        None => {
            let dir = std::fs::canonicalize(&result.dir).unwrap_or_else(|_| result.dir.clone());
            dir.join("report.html").display().to_string()
        }
    }
}

/// A run folder of this suite in the out folder.
struct RunDir {
    dir: PathBuf,
    header: Header,
}

/// The run folders in `out` whose record names `suite`, oldest first.
fn runs_of(out: &Path, suite: &Suite) -> Vec<RunDir> {
    let Ok(entries) = std::fs::read_dir(out) else { return Vec::new() };
    let key = identity::suite_key(&suite.root.display().to_string());
    let mut runs: Vec<RunDir> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .filter_map(|dir| {
            let header = read_header(&dir.join("run.jsonl"))?;
            (identity::suite_key(&header.suite) == key).then_some(RunDir { dir, header })
        })
        .collect();
    runs.sort_by(|a, b| {
        a.header.started_at.cmp(&b.header.started_at).then_with(|| a.header.run_id.cmp(&b.header.run_id))
    });
    runs
}

/// The first line of a run record, without reading the rest (records can be large).
fn read_header(path: &Path) -> Option<Header> {
    let mut line = String::new();
    std::io::BufReader::new(std::fs::File::open(path).ok()?).read_line(&mut line).ok()?;
    match serde_json::from_str::<Record>(&line).ok()? {
        Record::Header(h) => Some(h),
        _ => None,
    }
}

/// The verdict of the newest complete run of `suite` against the same target
/// other than `current`, read from the run folders (history's run identity,
/// without its database).
fn previous_verdict(out: &Path, suite: &Suite, current: &Verdict) -> Option<Verdict> {
    runs_of(out, suite)
        .iter()
        .rev()
        .filter(|r| {
            r.header.run_id != current.run_id
                && identity::same_run_identity((&r.header.suite, &r.header.target), (&current.suite, &current.target))
        })
        .find_map(|r| {
            let text = std::fs::read(r.dir.join("verdict.json")).ok()?;
            serde_json::from_slice::<Verdict>(&text).ok().filter(|v| v.complete)
        })
}

/// Deletes all but the newest `keep` runs of `suite` (never `current`);
/// returns each folder it tried, with the error if deleting failed.
fn prune(out: &Path, suite: &Suite, keep: usize, current: &str) -> Vec<(PathBuf, Option<std::io::Error>)> {
    let runs = runs_of(out, suite);
    let excess = runs.len().saturating_sub(keep.max(1));
    runs.into_iter()
        .take(excess)
        .filter(|r| r.header.run_id != current)
        .map(|r| {
            let e = std::fs::remove_dir_all(&r.dir).err();
            (r.dir, e)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::Finding;

    fn verdict(findings: &[(&str, Severity)]) -> Verdict {
        let mut v: Verdict = serde_json::from_value(serde_json::json!({
            "schema_version": 1, "tool_version": "0", "run_id": "r", "suite": "s", "company": "c", "suite_digest": "d",
            "target": "t", "started_at": "2026-01-01T00:00:00Z", "duration_ms": 0.0, "complete": true, "torn_tail": false,
            "fail_on": "high", "counts": {"exchanges": 0, "replies": 0, "errors": 0, "facts_checked": 0, "facts_correct": 0,
            "facts_wrong": 0, "facts_not_stated": 0, "handoffs_checked": 0, "handoffs_lost": 0,
            "findings": {"critical": 0, "high": 0, "medium": 0, "low": 0, "info": 0}, "checks_passed": 0, "checks_failed": 0,
            "touchpoints_omitted": 0, "checks_omitted": 0},
            "score": null, "feeling": null, "journeys": [], "matrix": [], "sla": [], "findings": [], "checks": []
        }))
        .expect("a minimal verdict");
        v.findings = findings
            .iter()
            .map(|(id, severity)| {
                serde_json::from_value::<Finding>(serde_json::json!({
                    "id": id, "kind": "wrong_fact", "severity": severity, "journey": null, "stage": null, "channel": null,
                    "persona": null, "segment": null, "question": null, "fact": null, "expected": null, "found": null,
                    "occurrences": 1, "evidence": [], "summary": format!("finding {id}")
                }))
                .expect("a minimal finding")
            })
            .collect();
        v
    }

    #[test]
    fn compared_verdicts_give_new_and_fixed_ids_most_severe_first() {
        let before = verdict(&[("a", Severity::High), ("b", Severity::Low)]);
        let after = verdict(&[("b", Severity::Low), ("c", Severity::Medium), ("d", Severity::Critical)]);
        let c = compare(&before, &after);
        assert_eq!(c.new.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(), ["d", "c"]);
        assert_eq!(c.fixed.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(), ["a"]);
        assert_eq!(c.fixed[0].summary, "finding a");
        assert!(compare(&after, &after).is_empty());
    }

    #[test]
    fn history_changes_are_read_with_severity_and_summary() {
        let before = verdict(&[("a", Severity::High), ("b", Severity::Low)]);
        let mut after = verdict(&[("b", Severity::Low), ("c", Severity::Medium), ("d", Severity::Critical)]);
        assert_eq!(changes(&after), None, "a first run has nothing to compare with");
        let previous = crate::history::RunRef { run_id: "r0".into(), started_at: before.started_at };
        let refs: Vec<crate::history::FindingRef> = before.findings.iter().map(Into::into).collect();
        after.changes =
            Some(crate::history::Changes::between(after.findings.iter().map(|f| f.id.as_str()), &previous, &refs));
        let c = changes(&after).expect("changes");
        assert_eq!(c, compare(&before, &after));
    }

    #[test]
    fn event_lines_quote_values_with_spaces() {
        #[derive(Clone, Default)]
        struct Buf(Arc<Mutex<Vec<u8>>>);
        impl Write for Buf {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buf = Buf::default();
        let log = EventLog::to(Box::new(buf.clone()));
        log.event("run finished", &[("run", "r1".into()), ("interrupted", "the stop file x exists".into())]);
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(text.ends_with(" run finished: run=r1 interrupted=\"the stop file x exists\"\n"), "{text}");
    }
}
