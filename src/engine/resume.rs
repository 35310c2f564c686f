//! `--resume`: what an earlier, interrupted run left to build on — the
//! steps not to send again (with their captures), where `seq` continues,
//! and what it already took from each channel's request budget.
//!
//! The steps to skip follow the one "superseded" rule the reader applies
//! (`ErrorKind::not_attempted`): a step recorded without an `interrupted`
//! or `budget` error is done. Budgets are rebuilt from the recorded
//! attempts: each one that fell within its budget's window before the run
//! stopped still counts, so stopping and resuming never buys a fresh budget.
//!
//! Blocking (reads the whole record, lean): call it from `spawn_blocking`.

use super::budget::Budgets;
use super::walk::DoneStep;
use super::EngineError;
use crate::record::{self, Header};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// An earlier run to continue.
pub struct Resumed {
    pub header: Header,
    pub dir: PathBuf,
    /// Per walk key, the steps that completed (or failed on the target's
    /// side) and so must not be sent again.
    pub done: BTreeMap<String, BTreeMap<usize, DoneStep>>,
    /// Sequence numbers continue after the earlier run's, so `seq` stays unique in the file.
    pub next_seq: u64,
    /// Every request the earlier sessions sent: (channel, wall-clock time it started).
    pub sent: Vec<(String, DateTime<Utc>)>,
}

impl Resumed {
    /// Charges `budgets` with the requests the earlier sessions sent.
    pub fn charge(&self, budgets: &Budgets) {
        let now = Utc::now();
        let instant = tokio::time::Instant::now();
        let mut by_channel: BTreeMap<&str, Vec<std::time::Duration>> = BTreeMap::new();
        for (channel, at) in &self.sent {
            by_channel.entry(channel).or_default().push((now - *at).to_std().unwrap_or_default());
        }
        for (channel, ages) in by_channel {
            if let Some(budget) = budgets.get(channel) {
                budget.charge_past(ages, instant);
            }
        }
    }
}

/// Reads the run at `path` (its folder or its `run.jsonl`) for `--resume`,
/// repairing a torn last line so appending after it keeps the file readable.
pub fn read(path: &Path) -> Result<Resumed, EngineError> {
    let dir = if path.is_dir() { path.to_path_buf() } else { path.parent().map(PathBuf::from).unwrap_or_default() };
    let prev = record::reader::read_lean(path).map_err(|e| EngineError::Resume(e.to_string()))?;
    let jsonl = dir.join("run.jsonl");
    let io = |source| EngineError::Io { path: jsonl.display().to_string(), source };
    record::writer::repair_tail(&jsonl).map_err(io)?;
    let sessions = sessions(&jsonl).map_err(io)?;
    let mut done: BTreeMap<String, BTreeMap<usize, DoneStep>> = BTreeMap::new();
    let mut sent = Vec::new();
    for x in &prev.exchanges {
        // The session the exchange was recorded in: its times count from that session's start.
        let start = sessions.iter().rev().find(|(first, _)| *first <= x.seq).map_or(prev.header.started_at, |s| s.1);
        sent.extend(
            x.http.iter().map(|a| (x.channel.clone(), start.checked_add_signed(micros(a.t_start_us)).unwrap_or(start))),
        );
        if x.error.as_ref().is_some_and(|e| e.kind.not_attempted()) {
            continue;
        }
        done.entry(x.task.key())
            .or_default()
            .insert(x.step, DoneStep { captures: x.captures.clone(), failed: x.error.is_some() });
    }
    let next_seq = prev.exchanges.iter().map(|x| x.seq + 1).max().unwrap_or(0);
    Ok(Resumed { header: prev.header, dir, done, next_seq, sent })
}

/// The sessions recorded in `jsonl` (the first run and each resume writes a
/// header): (first `seq` it recorded, wall-clock start), in file order.
/// Recorded times are microseconds since their own session's start.
fn sessions(jsonl: &Path) -> std::io::Result<Vec<(u64, DateTime<Utc>)>> {
    let mut reader = std::io::BufReader::new(std::fs::File::open(jsonl)?);
    let (mut out, mut next, mut line) = (Vec::new(), 0u64, Vec::new());
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(out);
        }
        if let Some(seq) = record::stream::exchange_seq(&line) {
            next = next.max(seq + 1);
        } else if line.starts_with(br#"{"type":"header""#) {
            if let Ok(record::Record::Header(h)) = serde_json::from_slice::<record::Record>(&line) {
                out.push((next, h.started_at));
            }
        }
    }
}

fn micros(us: u64) -> chrono::Duration {
    chrono::Duration::microseconds(i64::try_from(us).unwrap_or(i64::MAX))
}
