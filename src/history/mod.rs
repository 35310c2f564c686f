//! Run history: every run written to a reports folder is indexed in
//! `<reports>/history.sqlite`, and each verdict says what changed since the
//! previous comparable run — new findings, fixed ones, and those that
//! persist (since when).
//!
//! - [`db`]: the SQLite index (runs and their findings by fingerprint), the default.
//! - [`postgres`]: the same index in a PostgreSQL database many machines
//!   share (`--history postgres://…`); [`Location`] says which one.
//! - [`changes`]: pure set arithmetic on finding fingerprints.
//! - [`diff`]: comparing two runs' verdicts (a baseline and a candidate), pure.
//! - [`diff_report`]: reading the two runs and writing `diff-<run>.json`/`.html`.
//! - [`identity`]: which runs are of the same suite against the same target
//!   (suite and target keys), for history and the audit alike.
//! - [`trend`]: the last N comparable runs (score, findings by severity,
//!   per-channel p95 against the SLA) for the report's trend charts.
//!
//! Analysis never sees history: [`index`] runs after [`crate::analysis::analyze`]
//! and only fills in [`Verdict::changes`]. Two runs are *comparable* when
//! they ran the same suite against the same target ([`identity`]); interrupted runs are indexed and listed but never serve as the
//! baseline, because a question they never asked is not a fixed problem.

pub mod changes;
pub mod db;
pub mod diff;
pub mod diff_report;
pub mod identity;
pub mod postgres;
pub mod trend;

pub use changes::{Changes, FindingRef, Persisting, RunRef};
pub use db::{Db, HistoryError, Lookup, RunRow};
pub use trend::Trend;

use crate::verdict::Verdict;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Where the run history is kept: the same runs and findings, the same
/// questions asked of them, in either back-end.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Location {
    /// `history.sqlite` in the reports folder (the default).
    #[default]
    Reports,
    /// A PostgreSQL database shared by many machines: `postgres://…`.
    Postgres(String),
}

/// Parses `--history` / `TOUCHPOINT_HISTORY_URL`.
impl FromStr for Location {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(Location::Postgres(s.to_string()))
        } else {
            Err("the history is a PostgreSQL URL, postgres://user:password@host:5432/database; \
                 without --history it is history.sqlite in the reports folder"
                .into())
        }
    }
}

/// Never prints the password.
impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Reports => f.write_str("Reports"),
            Location::Postgres(url) => write!(f, "Postgres({})", postgres::shown(url)),
        }
    }
}

/// [`index`] into the history at `location` (`reports` is the run's reports folder).
pub fn index_in(location: &Location, reports: &Path, verdict: &mut Verdict) -> Result<(), HistoryError> {
    match location {
        Location::Reports => index(reports, verdict),
        Location::Postgres(url) => postgres::index(url, verdict),
    }
}

/// [`list`] from the history at `location` (`reports`: the reports folder).
pub fn list_in(
    location: &Location,
    reports: &Path,
    suite: Option<&str>,
    limit: usize,
) -> Result<Vec<Entry>, HistoryError> {
    match location {
        Location::Reports => list(reports, suite, limit),
        Location::Postgres(url) => postgres::list(url, suite, limit),
    }
}

/// The reports folder a run folder belongs to: the history lives next to
/// the run folders it indexes.
pub fn reports_dir(run_dir: &Path) -> PathBuf {
    let full = run_dir.canonicalize().unwrap_or_else(|_| run_dir.to_path_buf());
    match full.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Indexes the verdict's run in the history of `reports` (replacing what an
/// earlier indexing of the same run left) and sets `verdict.changes`.
/// Reading the earlier runs and writing this one is one transaction.
pub fn index(reports: &Path, verdict: &mut Verdict) -> Result<(), HistoryError> {
    let mut db = Db::open(reports)?;
    let writer = db.write()?;
    let run = RunRow::from(&*verdict);
    let changes = changes(&writer, &run, verdict.findings.iter().map(|f| f.id.as_str()), true)?;
    verdict.changes = changes;
    writer.upsert(verdict)?;
    let trend = writer.trend(&run, trend::DEFAULT_RUNS)?;
    // One run is not a trend.
    verdict.trend = (trend.points.len() > 1).then_some(trend);
    writer.commit()
}

/// A run indexed before an earlier run was: what its `changes` and
/// `trend` are now that the earlier run is in the history.
#[derive(Debug, Clone, PartialEq)]
pub struct Later {
    pub run_id: String,
    pub changes: Option<Changes>,
    pub trend: Option<Trend>,
}

/// The comparable runs of `reports`' history that started after the
/// verdict's run, with their changes and trend worked out again. Runs are
/// usually indexed in the order they started, and this is empty; when one
/// is indexed late (a history rebuilt from run folders in any order, a long
/// run finishing after a short one), the later runs' `changes` would
/// otherwise depend on the order runs were indexed in.
pub fn later_runs(reports: &Path, verdict: &Verdict) -> Result<Vec<Later>, HistoryError> {
    let db = Db::open_existing(reports)?;
    let mut out = Vec::new();
    for run in db.comparable_after(&RunRow::from(verdict))? {
        let ids: Vec<String> = db.findings(&run.run_id)?.into_iter().map(|f| f.id).collect();
        let changes = changes(&db, &run, ids.iter().map(String::as_str), true)?;
        let trend = db.trend(&run, trend::DEFAULT_RUNS)?;
        out.push(Later { run_id: run.run_id, changes, trend: (trend.points.len() > 1).then_some(trend) });
    }
    Ok(out)
}

/// What changed in `run` (whose finding ids are `current`) since the
/// previous comparable run; None when there is none. With `streaks`, walks
/// further back to date each persisting finding's first appearance.
pub fn changes<'a>(
    db: &impl Lookup,
    run: &RunRow,
    current: impl IntoIterator<Item = &'a str>,
    streaks: bool,
) -> Result<Option<Changes>, HistoryError> {
    let past = db.comparable_before(run)?;
    let Some((previous, older)) = past.split_first() else { return Ok(None) };
    let mut changes = Changes::between(current, previous, &db.findings(&previous.run_id)?);
    if streaks {
        let mut open = changes.open_streaks();
        for earlier in older {
            if open.is_empty() {
                break;
            }
            let ids = db.findings(&earlier.run_id)?.into_iter().map(|f| f.id).collect();
            if !changes.extend_streaks(&mut open, earlier, &ids) {
                break;
            }
        }
    }
    Ok(Some(changes))
}

/// One line of `touchpoint history`.
#[derive(Debug, Clone)]
pub struct Entry {
    pub run: RunRow,
    /// Against the previous comparable run; None for the first one.
    pub changes: Option<Changes>,
}

/// The runs indexed in `reports`, newest first, with what changed in each.
/// `suite` matches a suite path or a company name.
pub fn list(reports: &Path, suite: Option<&str>, limit: usize) -> Result<Vec<Entry>, HistoryError> {
    let db = Db::open_existing(reports)?;
    let runs = db.runs(suite, limit)?;
    entries(&db, runs)
}

/// Each run with what changed in it, read from either back-end.
pub(crate) fn entries(db: &impl Lookup, runs: Vec<RunRow>) -> Result<Vec<Entry>, HistoryError> {
    runs.into_iter()
        .map(|run| {
            let current = db.findings(&run.run_id)?;
            let changes = changes(db, &run, current.iter().map(|f| f.id.as_str()), false)?;
            Ok(Entry { run, changes })
        })
        .collect()
}

/// Writes the entries as an aligned table for a terminal.
pub fn write_table(entries: &[Entry], out: &mut impl Write) -> io::Result<()> {
    const HEADINGS: [&str; 9] =
        ["RUN", "STARTED (UTC)", "SUITE", "TARGET", "SCORE", "FINDINGS", "NEW", "FIXED", "SINCE"];
    /// Numbers read best right-aligned.
    const RIGHT: [bool; 9] = [false, false, false, false, true, true, true, true, false];
    if entries.is_empty() {
        return writeln!(out, "no runs indexed yet");
    }
    let rows: Vec<[String; 9]> = entries
        .iter()
        .map(|e| {
            let r = &e.run;
            let score = r.score.map_or_else(|| "-".to_string(), |s| format!("{s:.0}"));
            let (new, fixed, since) = match &e.changes {
                Some(c) => (c.new.len().to_string(), c.fixed.len().to_string(), c.since.run_id.clone()),
                None => ("-".into(), "-".into(), "-".into()),
            };
            [
                printable(&r.run_id),
                r.started_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                printable(&r.suite),
                printable(&r.target),
                if r.complete { score } else { format!("{score}*") },
                r.findings.to_string(),
                new,
                fixed,
                printable(&since),
            ]
        })
        .collect();
    let mut widths = HEADINGS.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 9]| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            if i > 0 {
                s.push_str("  ");
            }
            if RIGHT[i] {
                s.push_str(&" ".repeat(pad));
                s.push_str(cell);
            } else {
                s.push_str(cell);
                if i + 1 < cells.len() {
                    s.push_str(&" ".repeat(pad));
                }
            }
        }
        s
    };
    writeln!(out, "{}", line(HEADINGS))?;
    for row in &rows {
        writeln!(out, "{}", line(row.each_ref().map(String::as_str)))?;
    }
    if entries.iter().any(|e| !e.run.complete) {
        writeln!(out, "* the run did not finish; it is never used as the baseline for \"new\" and \"fixed\"")?;
    }
    Ok(())
}

/// One terminal line: control characters (from a hand-edited database or
/// an odd suite path) could move the cursor.
fn printable(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}
