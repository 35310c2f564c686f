//! The run-history database: `<reports>/history.sqlite`, one row per run and
//! one per finding of each run, keyed by the finding's stable fingerprint.
//!
//! It is an index, not a record: every row is derived from a run folder's
//! verdict, and indexing the same run again replaces its rows (an upsert),
//! so `touchpoint analyze` of an old run is idempotent and a lost or damaged
//! database can be rebuilt from the run folders.
//!
//! Times are stored as RFC 3339 UTC text with a fixed precision, so text
//! order is time order and SQL can compare them directly.

use super::changes::{FindingRef, RunRef};
use super::identity::{suite_key, target_key};
use crate::verdict::{FindingKind, Verdict};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, ErrorCode, OpenFlags, Row, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The database's file name inside the reports folder.
pub const FILE_NAME: &str = "history.sqlite";

/// Bumped when the tables change; stored in `PRAGMA user_version`.
/// 2: `channel_times` (per-channel p95 against the SLA, for trends).
const SCHEMA: i64 = 2;

/// How long to wait for another touchpoint (a scheduled run finishing at
/// the same moment) to release its write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

const CREATE: &str = "
CREATE TABLE IF NOT EXISTS runs (
    run_id       TEXT PRIMARY KEY,
    suite        TEXT NOT NULL,
    company      TEXT NOT NULL,
    suite_digest TEXT NOT NULL,
    target       TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    complete     INTEGER NOT NULL,
    exchanges    INTEGER NOT NULL,
    errors       INTEGER NOT NULL,
    score        REAL,
    findings     INTEGER NOT NULL,
    indexed_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_suite ON runs (suite, target, started_at);
CREATE TABLE IF NOT EXISTS findings (
    run_id   TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    id       TEXT NOT NULL,
    kind     TEXT NOT NULL,
    severity TEXT NOT NULL,
    channel  TEXT,
    question TEXT,
    fact     TEXT,
    summary  TEXT NOT NULL,
    PRIMARY KEY (run_id, id)
);
CREATE INDEX IF NOT EXISTS findings_by_id ON findings (id);
CREATE TABLE IF NOT EXISTS channel_times (
    run_id  TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    sla_ms  REAL,
    p95_ms  REAL,
    replies INTEGER NOT NULL,
    PRIMARY KEY (run_id, channel)
);
";

/// Why the history could not be used. Every message names the file and
/// says what to do.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("the run history {path} is locked by another touchpoint; try again when that run has finished")]
    Locked { path: String },
    #[error(
        "the run history {path} is damaged or is not a touchpoint history ({detail}); move it aside — \
         new runs start a fresh one, and `touchpoint analyze <run-folder>` re-indexes an old run"
    )]
    Corrupt { path: String, detail: String },
    #[error("the run history {path} was written by a newer touchpoint (schema {found}, this one knows {known}); upgrade touchpoint")]
    Newer { path: String, found: i64, known: i64 },
    #[error(
        "cannot reach the run history at {url}: {detail}; check --history / TOUCHPOINT_HISTORY_URL (host, port, \
         user, password, database) and that the server accepts connections from here"
    )]
    Unreachable { url: String, detail: String },
    #[error(
        "no run history at {path}: no run has been written to this reports folder yet (pass --out to choose another)"
    )]
    Missing { path: String },
    #[error("cannot use the run history {path}: {detail}; check that the reports folder is writable")]
    Other { path: String, detail: String },
}

/// An open history database.
pub struct Db {
    conn: Connection,
    path: PathBuf,
}

/// One indexed run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub run_id: String,
    pub suite: String,
    pub company: String,
    pub suite_digest: String,
    pub target: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub complete: bool,
    pub exchanges: u64,
    pub errors: u64,
    pub score: Option<f64>,
    pub findings: u64,
}

impl RunRow {
    pub fn as_ref(&self) -> RunRef {
        RunRef { run_id: self.run_id.clone(), started_at: self.started_at }
    }
}

impl Db {
    /// Opens (creating it if needed) the history of the reports folder `dir`.
    pub fn open(dir: &Path) -> Result<Db, HistoryError> {
        Self::open_with(dir.join(FILE_NAME), OpenFlags::default())
    }

    /// Opens an existing history; [`HistoryError::Missing`] when there is none.
    pub fn open_existing(dir: &Path) -> Result<Db, HistoryError> {
        let path = dir.join(FILE_NAME);
        if !path.is_file() {
            return Err(HistoryError::Missing { path: path.display().to_string() });
        }
        Self::open_with(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
        )
    }

    fn open_with(path: PathBuf, flags: OpenFlags) -> Result<Db, HistoryError> {
        let shown = path.display().to_string();
        let conn = Connection::open_with_flags(&path, flags).map_err(|e| classify(&shown, e))?;
        let mut db = Db { conn, path };
        db.conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| db.err(e))?;
        db.migrate()?;
        Ok(db)
    }

    /// Creates the tables on a new file; refuses a file from a newer touchpoint.
    fn migrate(&mut self) -> Result<(), HistoryError> {
        // The first read is where SQLite notices a file that is not a database.
        let version: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| self.err(e))?;
        if version > SCHEMA {
            return Err(HistoryError::Newer { path: self.shown(), found: version, known: SCHEMA });
        }
        if version < SCHEMA {
            let path = self.shown();
            let err = |e| classify(&path, e);
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
            tx.execute_batch(CREATE).map_err(err)?;
            tx.pragma_update(None, "user_version", SCHEMA).map_err(err)?;
            tx.commit().map_err(err)?;
        }
        self.conn.pragma_update(None, "foreign_keys", true).map_err(|e| self.err(e))?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Starts a write transaction at once, so reading the previous runs and
    /// writing this one is atomic even when two runs finish together.
    pub fn write(&mut self) -> Result<Writer<'_>, HistoryError> {
        let path = shown(&self.path);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| classify(&path, e))?;
        Ok(Writer { tx, path })
    }

    /// Indexed runs, newest first, optionally of one suite (its path or its
    /// company name), at most `limit`.
    pub fn runs(&self, suite: Option<&str>, limit: usize) -> Result<Vec<RunRow>, HistoryError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT run_id, suite, company, suite_digest, target, started_at, finished_at, complete, exchanges, errors, score, findings
                 FROM runs WHERE ?1 IS NULL OR suite = ?1 OR company = ?1 COLLATE NOCASE
                 ORDER BY started_at DESC, run_id DESC LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map(params![suite.map(suite_key), limit], run_row).map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Runs comparable with `run` (same suite, same target) that started
    /// after it, oldest first, complete or not: their changes and trend were
    /// worked out without `run` when it is indexed late.
    pub fn comparable_after(&self, run: &RunRow) -> Result<Vec<RunRow>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT run_id, suite, company, suite_digest, target, started_at, finished_at, complete, exchanges, errors, score, findings
                 FROM runs WHERE suite = ?1 AND target = ?2 AND run_id <> ?3
                   AND (started_at > ?4 OR (started_at = ?4 AND run_id > ?3))
                 ORDER BY started_at, run_id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![run.suite, run.target, run.run_id, time_text(run.started_at)], run_row)
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    fn shown(&self) -> String {
        shown(&self.path)
    }

    fn err(&self, e: rusqlite::Error) -> HistoryError {
        classify(&self.shown(), e)
    }
}

/// A write transaction: read what came before, then index one run.
pub struct Writer<'a> {
    tx: Transaction<'a>,
    path: String,
}

/// Reading earlier runs, inside or outside a write transaction.
pub trait Lookup {
    /// Runs comparable with `run` (same suite, same target, complete,
    /// started earlier), newest first.
    fn comparable_before(&self, run: &RunRow) -> Result<Vec<RunRef>, HistoryError>;
    /// The findings indexed for a run, most severe first.
    fn findings(&self, run_id: &str) -> Result<Vec<FindingRef>, HistoryError>;
}

impl Lookup for Db {
    fn comparable_before(&self, run: &RunRow) -> Result<Vec<RunRef>, HistoryError> {
        comparable_before(&self.conn, run).map_err(|e| self.err(e))
    }

    fn findings(&self, run_id: &str) -> Result<Vec<FindingRef>, HistoryError> {
        findings(&self.conn, run_id, &self.path)
    }
}

impl Lookup for Writer<'_> {
    fn comparable_before(&self, run: &RunRow) -> Result<Vec<RunRef>, HistoryError> {
        comparable_before(&self.tx, run).map_err(|e| classify(&self.path, e))
    }

    fn findings(&self, run_id: &str) -> Result<Vec<FindingRef>, HistoryError> {
        findings(&self.tx, run_id, Path::new(&self.path))
    }
}

impl Writer<'_> {
    /// Replaces everything indexed for the verdict's run.
    pub fn upsert(&self, v: &Verdict) -> Result<(), HistoryError> {
        let err = |e| classify(&self.path, e);
        let row = RunRow::from(v);
        self.tx
            .execute(
                "INSERT INTO runs (run_id, suite, company, suite_digest, target, started_at, finished_at, complete, exchanges, errors, score, findings, indexed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (run_id) DO UPDATE SET
                   suite = excluded.suite, company = excluded.company, suite_digest = excluded.suite_digest,
                   target = excluded.target, started_at = excluded.started_at, finished_at = excluded.finished_at,
                   complete = excluded.complete, exchanges = excluded.exchanges, errors = excluded.errors,
                   score = excluded.score, findings = excluded.findings, indexed_at = excluded.indexed_at",
                params![
                    row.run_id,
                    row.suite,
                    row.company,
                    row.suite_digest,
                    row.target,
                    time_text(row.started_at),
                    row.finished_at.map(time_text),
                    row.complete,
                    saturating_i64(row.exchanges),
                    saturating_i64(row.errors),
                    row.score,
                    saturating_i64(row.findings),
                    time_text(Utc::now()),
                ],
            )
            .map_err(err)?;
        self.tx.execute("DELETE FROM findings WHERE run_id = ?1", [&row.run_id]).map_err(err)?;
        let mut insert = self
            .tx
            .prepare("INSERT INTO findings (run_id, id, kind, severity, channel, question, fact, summary) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
            .map_err(err)?;
        self.tx.execute("DELETE FROM channel_times WHERE run_id = ?1", [&row.run_id]).map_err(err)?;
        let mut times = self
            .tx
            .prepare("INSERT INTO channel_times (run_id, channel, sla_ms, p95_ms, replies) VALUES (?1, ?2, ?3, ?4, ?5)")
            .map_err(err)?;
        for s in &v.sla {
            // The conservative end: the moment the customer had the reply.
            let p95 = s.p95.map(|p| p.latest_ms);
            times.execute(params![row.run_id, s.channel, s.sla_ms, p95, saturating_i64(s.replies)]).map_err(err)?;
        }
        for f in &v.findings {
            insert
                .execute(params![
                    row.run_id,
                    f.id,
                    kind_name(f.kind),
                    f.severity.name(),
                    f.channel,
                    f.question,
                    f.fact,
                    f.summary
                ])
                .map_err(err)?;
        }
        Ok(())
    }

    pub(super) fn conn(&self) -> &Connection {
        &self.tx
    }

    pub(super) fn shown_path(&self) -> &str {
        &self.path
    }

    pub fn commit(self) -> Result<(), HistoryError> {
        let path = self.path;
        self.tx.commit().map_err(|e| classify(&path, e))
    }
}

impl From<&Verdict> for RunRow {
    fn from(v: &Verdict) -> Self {
        RunRow {
            run_id: v.run_id.clone(),
            suite: suite_key(&v.suite),
            company: v.company.clone(),
            suite_digest: v.suite_digest.clone(),
            target: target_key(&v.target),
            started_at: v.started_at,
            finished_at: v.finished_at,
            complete: v.complete,
            exchanges: v.counts.exchanges,
            errors: v.counts.errors,
            score: v.score,
            findings: v.findings.len() as u64,
        }
    }
}

fn comparable_before(conn: &Connection, run: &RunRow) -> rusqlite::Result<Vec<RunRef>> {
    let mut stmt = conn.prepare_cached(
        "SELECT run_id, started_at FROM runs
         WHERE suite = ?1 AND target = ?2 AND complete = 1 AND run_id <> ?3
           AND (started_at < ?4 OR (started_at = ?4 AND run_id < ?3))
         ORDER BY started_at DESC, run_id DESC",
    )?;
    let rows = stmt.query_map(params![run.suite, run.target, run.run_id, time_text(run.started_at)], |r| {
        Ok(RunRef { run_id: r.get(0)?, started_at: time_column(r, 1)? })
    })?;
    rows.collect()
}

fn findings(conn: &Connection, run_id: &str, path: &Path) -> Result<Vec<FindingRef>, HistoryError> {
    let err = |e| classify(&shown(path), e);
    let mut stmt = conn
        .prepare_cached("SELECT id, kind, severity, channel, question, fact, summary FROM findings WHERE run_id = ?1")
        .map_err(err)?;
    let rows = stmt
        .query_map([run_id], |r| {
            Ok(FindingRef {
                id: r.get(0)?,
                kind: parse_column(r, 1)?,
                severity: parse_column(r, 2)?,
                channel: r.get(3)?,
                question: r.get(4)?,
                fact: r.get(5)?,
                summary: r.get(6)?,
            })
        })
        .map_err(err)?;
    let mut out = rows.collect::<Result<Vec<_>, _>>().map_err(err)?;
    out.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    Ok(out)
}

fn run_row(r: &Row<'_>) -> rusqlite::Result<RunRow> {
    Ok(RunRow {
        run_id: r.get(0)?,
        suite: r.get(1)?,
        company: r.get(2)?,
        suite_digest: r.get(3)?,
        target: r.get(4)?,
        started_at: time_column(r, 5)?,
        finished_at: match r.get::<_, Option<String>>(6)? {
            Some(t) => Some(parse_time(&t).map_err(|e| conversion(6, e))?),
            None => None,
        },
        complete: r.get(7)?,
        exchanges: r.get::<_, i64>(8)?.max(0) as u64,
        errors: r.get::<_, i64>(9)?.max(0) as u64,
        score: r.get(10)?,
        findings: r.get::<_, i64>(11)?.max(0) as u64,
    })
}

/// The serde name of a kind (`wrong_fact`), as `verdict.json` spells it.
pub(super) fn kind_name(kind: FindingKind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_else(|| format!("{kind:?}"))
}

/// Reads a kind or severity stored by its serde name.
fn parse_column<T: serde::de::DeserializeOwned>(r: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let text: String = r.get(idx)?;
    serde_json::from_value(serde_json::Value::String(text)).map_err(|e| conversion(idx, e))
}

pub(super) fn time_column(r: &Row<'_>, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    let text: String = r.get(idx)?;
    parse_time(&text).map_err(|e| conversion(idx, e))
}

pub(super) fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

pub(super) fn parse_time(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc))
}

fn conversion(idx: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
}

pub(super) fn saturating_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// Turns SQLite's error into one that says what to do.
pub(super) fn classify(path: &str, e: rusqlite::Error) -> HistoryError {
    let path = path.to_string();
    match &e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => HistoryError::Locked { path },
            ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => {
                HistoryError::Corrupt { path, detail: e.to_string() }
            }
            _ => HistoryError::Other { path, detail: e.to_string() },
        },
        // A row the schema allows but touchpoint cannot read: damage, not a bug to panic on.
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::IntegralValueOutOfRange(..) => HistoryError::Corrupt { path, detail: e.to_string() },
        _ => HistoryError::Other { path, detail: e.to_string() },
    }
}
