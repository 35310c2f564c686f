//! Trends over audits: the last N comparable runs of a suite against a
//! target — score, findings by severity, each channel's p95 against its
//! service level — read from the history database, oldest first, for the
//! report's small charts and `touchpoint history --html`.
//!
//! Read only; the rows were written by [`super::index`]. Runs indexed
//! before the database kept reply times (schema 1) have no channel times:
//! their charts show a gap, never a made-up value.

use super::db::{classify, time_column, Db, Lookup, RunRow, Writer};
use super::HistoryError;
use crate::verdict::{Severity, SeverityCounts};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

/// Runs shown in a trend by default.
pub const DEFAULT_RUNS: usize = 12;

/// The last runs of one series, oldest first; the newest is the run the
/// trend was read for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    pub points: Vec<Point>,
}

/// One run in a trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub run_id: String,
    pub started_at: DateTime<Utc>,
    pub complete: bool,
    pub score: Option<f64>,
    pub findings: SeverityCounts,
    /// Per channel, by name; empty for runs indexed before reply times were kept.
    pub channels: Vec<ChannelTime>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelTime {
    pub channel: String,
    pub sla_ms: Option<f64>,
    /// The 95th percentile reply time, as the customer saw it.
    pub p95_ms: Option<f64>,
    pub replies: u64,
}

impl Db {
    /// The trend ending at `run` (indexed already): it and the comparable
    /// runs before it, at most `limit`, oldest first.
    pub fn trend(&self, run: &RunRow, limit: usize) -> Result<Trend, HistoryError> {
        read(self, self.conn(), &self.path().display().to_string(), run, limit)
    }
}

impl Writer<'_> {
    /// As [`Db::trend`], inside the transaction that indexed `run`.
    pub fn trend(&self, run: &RunRow, limit: usize) -> Result<Trend, HistoryError> {
        read(self, self.conn(), self.shown_path(), run, limit)
    }
}

fn read(db: &impl Lookup, conn: &Connection, path: &str, run: &RunRow, limit: usize) -> Result<Trend, HistoryError> {
    let err = |e| classify(path, e);
    let mut ids: Vec<String> = vec![run.run_id.clone()];
    ids.extend(db.comparable_before(run)?.into_iter().map(|r| r.run_id).take(limit.saturating_sub(1)));
    ids.reverse();
    let mut points = Vec::with_capacity(ids.len());
    for id in ids {
        let found = conn
            .query_row("SELECT started_at, complete, score FROM runs WHERE run_id = ?1", [&id], |r| {
                Ok((time_column(r, 0)?, r.get::<_, bool>(1)?, r.get::<_, Option<f64>>(2)?))
            })
            .map_err(err);
        let (started_at, complete, score) = match found {
            Ok(row) => row,
            // Not indexed yet (a caller passed a run it had not indexed): skip it.
            Err(HistoryError::Other { .. }) => continue,
            Err(e) => return Err(e),
        };
        let mut findings = SeverityCounts::default();
        for f in db.findings(&id)? {
            findings.add(f.severity);
        }
        let mut stmt = conn
            .prepare_cached(
                "SELECT channel, sla_ms, p95_ms, replies FROM channel_times WHERE run_id = ?1 ORDER BY channel",
            )
            .map_err(err)?;
        let channels = stmt
            .query_map(params![id], |r| {
                Ok(ChannelTime {
                    channel: r.get(0)?,
                    sla_ms: r.get(1)?,
                    p95_ms: r.get(2)?,
                    replies: r.get::<_, i64>(3)?.max(0) as u64,
                })
            })
            .map_err(err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        points.push(Point { run_id: id, started_at, complete, score, findings, channels });
    }
    Ok(Trend { points })
}

impl Point {
    /// Findings of one severity.
    pub fn count(&self, s: Severity) -> u64 {
        let f = &self.findings;
        match s {
            Severity::Critical => f.critical,
            Severity::High => f.high,
            Severity::Medium => f.medium,
            Severity::Low => f.low,
            Severity::Info => f.info,
        }
    }
}
