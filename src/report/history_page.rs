//! `touchpoint history --html`: a standalone trend page for a reports
//! folder, `<reports>/history.html` — for each suite and target audited
//! there, the last runs as the report's small charts (score, findings by
//! severity, each channel's p95 against its SLA), and the runs listed.
//!
//! Read from the history database through [`crate::history`]; rendered by
//! `templates/history.html.j2` with autoescape on and the report's
//! stylesheet. No script; its Content-Security-Policy forbids loading
//! anything.

use super::labels::Labels;
use super::text;
use super::trend::{self, TrendView};
use crate::history::{Db, HistoryError};
use minijinja::{context, AutoEscape, Environment, Value};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "history.html";
const TEMPLATE: &str = include_str!("../../templates/history.html.j2");
const TRENDS: &str = include_str!("../../templates/report/trends.html.j2");
const STYLE: &str = include_str!("../../templates/report/style.css");
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";
/// Runs read to find the series; each series then shows its last runs.
const SCAN: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error("cannot render the trend page: {0:#}")]
    Render(#[from] minijinja::Error),
    #[error("cannot write {path}: {source}; check the reports folder is writable")]
    Write { path: String, source: std::io::Error },
}

/// One suite against one target.
#[derive(Debug, Serialize)]
struct Series {
    company: String,
    /// None when it has a single run so far.
    trend: Option<TrendView>,
    runs: Vec<RunLine>,
}

#[derive(Debug, Serialize)]
struct RunLine {
    run_id: String,
    started: String,
    score: String,
    findings: u64,
    complete: bool,
    /// `<run-id>/report.html` when the run folder is beside the history.
    report: Option<String>,
}

/// Writes `<reports>/history.html` and returns its path.
pub fn write(reports: &Path, suite: Option<&str>, limit: usize) -> Result<PathBuf, PageError> {
    let db = Db::open_existing(reports)?;
    let runs = db.runs(suite, SCAN)?;
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut series = Vec::new();
    // Newest first: the first run of each suite and target ends its series.
    for run in &runs {
        if !seen.insert((run.suite.clone(), run.target.clone())) {
            continue;
        }
        let t = db.trend(run, limit.max(2))?;
        let labels = names(reports, &run.run_id);
        let caption = format!("Suite {} against {}", run.suite, run.target);
        let lines = t
            .points
            .iter()
            .rev()
            .map(|p| RunLine {
                run_id: p.run_id.clone(),
                started: text::date_time(&p.started_at),
                score: p.score.map_or_else(|| "–".into(), |s| format!("{s:.0}")),
                findings: crate::verdict::Severity::ALL.iter().map(|s| p.count(*s)).sum(),
                complete: p.complete,
                report: reports
                    .join(&p.run_id)
                    .join(super::FILE_NAME)
                    .is_file()
                    .then(|| format!("{}/{}", p.run_id, super::FILE_NAME)),
            })
            .collect();
        series.push(Series { company: run.company.clone(), trend: trend::build(&t, &labels, caption), runs: lines });
    }
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.add_template("trends.html.j2", TRENDS)?;
    env.add_template("history.html.j2", TEMPLATE)?;
    let html = env.get_template("history.html.j2")?.render(context! {
        series => series,
        folder => reports.display().to_string(),
        style => Value::from_safe_string(STYLE.to_string()),
        csp => CSP,
        tool_version => env!("CARGO_PKG_VERSION"),
    })?;
    let path = reports.join(FILE_NAME);
    let partial = reports.join(format!("{FILE_NAME}.partial"));
    let err = |source| PageError::Write { path: path.display().to_string(), source };
    std::fs::write(&partial, html).map_err(err)?;
    std::fs::rename(&partial, &path).map_err(err)?;
    Ok(path)
}

/// Channel labels and persona names from the newest run's verdict, when
/// its folder is there; ids read as words otherwise.
fn names(reports: &Path, run_id: &str) -> Labels {
    let read = std::fs::read(reports.join(run_id).join("verdict.json")).ok();
    match read.and_then(|b| serde_json::from_slice::<crate::verdict::Verdict>(&b).ok()) {
        Some(v) => Labels::from_verdict(&v),
        None => Labels::default(),
    }
}
