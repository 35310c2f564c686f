//! `touchpoint merge`: the shards of a sharded run (`run --shard I/N`, each
//! in its own run folder) joined into one run folder, as if one machine had
//! walked the whole plan. Analysis, the report, JUnit and history then treat
//! it like any run.
//!
//! The merged `run.jsonl` is derived from the shards' records, never instead
//! of them: the shard folders are left as they are, and merging again gives
//! the same file. Its exchanges come in the plan's order (walk by walk, step
//! by step), not in the order they happened to finish, and are numbered
//! again from 0; each shard's times (microseconds since *its* start) are
//! moved onto one timeline starting at the earliest shard's start.
//!
//! Invariants: every shard of the group is present exactly once, and they
//! ran the same plan (suite digest, seed, repeat, `--only`, shard count);
//! otherwise nothing is written. The merged file is written aside and
//! renamed into place, so a reader never sees half of it.

use crate::plan::{self, PlanOptions};
use crate::record::reader::{self, ReadError};
use crate::record::{End, EndStatus, Exchange, Header, LateCallback, Record, RecordWriter, RunGroup};
use crate::shard::Shard;
use crate::suite::Suite;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("{path} is not a shard of a sharded run (it was not recorded with `run --shard I/N`)")]
    NotShard { path: String },
    #[error("no shard runs found in {searched}{group}; pass the shard run folders, or the reports folder the shards wrote to")]
    NoShards { searched: String, group: String },
    #[error("{searched} holds shards of several run groups ({groups}); choose one with --group")]
    SeveralGroups { searched: String, groups: String },
    #[error("the shards do not belong together: {0}")]
    Mismatch(String),
    #[error("shard {shard} of run group {group} is missing; run it (touchpoint run --shard {shard} --group {group}) or pass its folder")]
    Missing { shard: Shard, group: String },
    #[error("shard {shard} of run group {group} was given twice ({a} and {b}); pass only one of them")]
    Twice { shard: Shard, group: String, a: String, b: String },
    #[error("{path} already holds another run ({run_id}); choose another --out")]
    Occupied { path: String, run_id: String },
    #[error("cannot write {path}: {source}; check the folder is writable or pass --out")]
    Write { path: String, source: std::io::Error },
}

/// What `merge` wrote.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The merged run folder: `<out>/<group id>/`.
    pub dir: PathBuf,
    pub group: String,
    /// The shard run folders, in shard order.
    pub shards: Vec<PathBuf>,
    pub exchanges: u64,
    /// False when a shard did not finish (it has no end record, or an interrupted one).
    pub complete: bool,
}

/// The shard run folders named by `paths`, in shard order: each path is a
/// shard's run folder, or a reports folder whose shard runs of `group` are
/// taken (when `group` is None, the folder must hold shards of one group).
pub fn find_shards(paths: &[PathBuf], group: Option<&str>) -> Result<Vec<(PathBuf, Header)>, MergeError> {
    let mut found: Vec<(PathBuf, Header)> = Vec::new();
    for path in paths {
        if path.join("run.jsonl").is_file() || path.is_file() {
            let header = reader::read_header(path)?;
            if shard_of(&header).is_none() {
                return Err(MergeError::NotShard { path: path.display().to_string() });
            }
            found.push((path.clone(), header));
            continue;
        }
        let entries = std::fs::read_dir(path)
            .map_err(|source| MergeError::Read(ReadError::Io { path: path.display().to_string(), source }))?;
        let mut dirs: Vec<PathBuf> =
            entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.join("run.jsonl").is_file()).collect();
        dirs.sort();
        for dir in dirs {
            // Folders that are not readable runs are not ours to judge here.
            let Ok(header) = reader::read_header(&dir) else { continue };
            if shard_of(&header).is_some() {
                found.push((dir, header));
            }
        }
    }
    let searched = paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
    if let Some(g) = group {
        found.retain(|(_, h)| h.group.as_ref().is_some_and(|x| x.id == g));
    }
    let mut groups: Vec<&str> = found.iter().filter_map(|(_, h)| h.group.as_ref().map(|g| g.id.as_str())).collect();
    groups.sort();
    groups.dedup();
    match groups.len() {
        0 => Err(MergeError::NoShards {
            searched,
            group: group.map(|g| format!(" for run group {g}")).unwrap_or_default(),
        }),
        1 => {
            found.sort_by_key(|(p, h)| (shard_of(h), p.clone()));
            Ok(found)
        }
        _ => Err(MergeError::SeveralGroups { searched, groups: groups.join(", ") }),
    }
}

fn shard_of(h: &Header) -> Option<Shard> {
    h.group.as_ref().and_then(|g| g.shard)
}

/// Merges the shards (from [`find_shards`]) into `<out>/<group id>/run.jsonl`.
/// `suite` gives the plan whose order the exchanges take.
pub fn merge(shards: &[(PathBuf, Header)], suite: &Suite, out: &Path) -> Result<Merged, MergeError> {
    let first = &shards
        .first()
        .ok_or_else(|| MergeError::NoShards { searched: out.display().to_string(), group: String::new() })?
        .1;
    let group = first.group.clone().map(|g| g.id).unwrap_or_default();
    let count = shard_of(first).map_or(1, |s| s.count);
    check_together(shards, &group, count)?;

    // One timeline: each shard's clock started at its own header time.
    let start = shards.iter().map(|(_, h)| h.started_at).min().unwrap_or(first.started_at);
    let offset_us = |h: &Header| (h.started_at - start).num_microseconds().unwrap_or(0).max(0) as u64;
    let plan = plan::plan(suite, &PlanOptions { seed: first.seed, repeat: first.repeat, only: first.only.clone() });
    let position: HashMap<String, usize> = plan.iter().enumerate().map(|(i, w)| (w.task.key(), i)).collect();

    let mut exchanges: Vec<(Order, Exchange)> = Vec::new();
    let mut late: Vec<LateCallback> = Vec::new();
    let mut ends: Vec<Option<End>> = Vec::new();
    for (index, (dir, _)) in shards.iter().enumerate() {
        let run = reader::read_run(dir)?;
        let shift = offset_us(&run.header);
        late.extend(late_callbacks(dir, shift)?);
        for mut x in run.exchanges {
            shift_times(&mut x, shift);
            let key = x.task.key();
            let order = Order {
                walk: position.get(&key).copied().unwrap_or(usize::MAX),
                key,
                step: x.step,
                shard: index,
                seq: x.seq,
            };
            exchanges.push((order, x));
        }
        ends.push(run.end.map(|e| End { t_end_us: e.t_end_us + shift, ..e }));
    }
    exchanges.sort_by(|a, b| a.0.cmp(&b.0));

    let header = Header {
        run_id: group.clone(),
        started_at: start,
        concurrency: shards.iter().map(|(_, h)| h.concurrency).sum(),
        planned_tasks: shards.iter().map(|(_, h)| h.planned_tasks).sum(),
        resumed_from: None,
        group: Some(RunGroup {
            id: group.clone(),
            shard: None,
            merged_from: shards.iter().map(|(_, h)| h.run_id.clone()).collect(),
        }),
        ..first.clone()
    };
    let all_ended: Option<Vec<End>> = ends.into_iter().collect();
    let complete = all_ended.as_ref().is_some_and(|e| e.iter().all(|e| e.status == EndStatus::Complete));
    let failed = all_ended.as_ref().is_some_and(|e| e.iter().any(|e| e.status == EndStatus::Failed));
    let end = all_ended.map(|e| End {
        finished_at: e.iter().map(|e| e.finished_at).max().unwrap_or(start),
        status: if complete {
            EndStatus::Complete
        } else if failed {
            EndStatus::Failed
        } else {
            EndStatus::Interrupted
        },
        internal: e.iter().flat_map(|e| e.internal.iter().cloned()).collect(),
        exchanges: exchanges.len() as u64,
        errors: exchanges.iter().filter(|(_, x)| x.error.is_some()).count() as u64,
        t_end_us: e.iter().map(|e| e.t_end_us).max().unwrap_or(0),
    });

    let dir = out.join(&group);
    let total = exchanges.len() as u64;
    write(&dir, header, exchanges.into_iter().map(|(_, x)| x), late, end)?;
    Ok(Merged { dir, group, shards: shards.iter().map(|(p, _)| p.clone()).collect(), exchanges: total, complete })
}

/// Where an exchange goes in the merged record: the plan's order.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Order {
    walk: usize,
    key: String,
    step: usize,
    shard: usize,
    seq: u64,
}

fn check_together(shards: &[(PathBuf, Header)], group: &str, count: u32) -> Result<(), MergeError> {
    let first = &shards[0].1;
    let mut by_index: BTreeMap<u32, &Path> = BTreeMap::new();
    for (dir, h) in shards {
        let shown = dir.display();
        let Some(shard) = shard_of(h) else { return Err(MergeError::NotShard { path: shown.to_string() }) };
        let differs = |what: &str, a: String, b: String| {
            MergeError::Mismatch(format!("{shown} has {what} {b}, {} has {a}", shards[0].0.display()))
        };
        if h.group.as_ref().map(|g| g.id.as_str()) != Some(group) {
            return Err(differs(
                "run group",
                group.to_string(),
                h.group.as_ref().map(|g| g.id.clone()).unwrap_or_default(),
            ));
        }
        if shard.count != count {
            return Err(differs("shard count", count.to_string(), shard.count.to_string()));
        }
        if h.suite_digest != first.suite_digest {
            return Err(differs("suite digest", first.suite_digest.clone(), h.suite_digest.clone()));
        }
        if h.seed != first.seed {
            return Err(differs("seed", first.seed.to_string(), h.seed.to_string()));
        }
        if h.repeat != first.repeat {
            return Err(differs("--repeat", first.repeat.to_string(), h.repeat.to_string()));
        }
        if h.only != first.only {
            return Err(differs("--only", format!("{:?}", first.only), format!("{:?}", h.only)));
        }
        if h.target != first.target {
            return Err(differs("target", first.target.clone(), h.target.clone()));
        }
        if let Some(other) = by_index.insert(shard.index, dir) {
            return Err(MergeError::Twice {
                shard,
                group: group.to_string(),
                a: other.display().to_string(),
                b: shown.to_string(),
            });
        }
    }
    if let Some(index) = (0..count).find(|i| !by_index.contains_key(i)) {
        return Err(MergeError::Missing { shard: Shard { index, count }, group: group.to_string() });
    }
    Ok(())
}

/// A shard's `late_callback` lines (callbacks no step waited for), on the
/// merged clock. A body the shard stored by chunk reference comes back
/// without its text (the rest of the record is kept).
fn late_callbacks(dir: &Path, shift: u64) -> Result<Vec<LateCallback>, MergeError> {
    use std::io::BufRead;
    let path = dir.join("run.jsonl");
    let io = |source| MergeError::Read(ReadError::Io { path: path.display().to_string(), source });
    let file = std::fs::File::open(&path).map_err(io)?;
    let mut out = Vec::new();
    for line in std::io::BufReader::new(file).split(b'\n') {
        let line = line.map_err(io)?;
        if !line.starts_with(br#"{"type":"late_callback""#) {
            continue;
        }
        if let Ok(Record::LateCallback(mut c)) = serde_json::from_slice::<Record>(&line) {
            let h = &mut c.http;
            h.t_start_us += shift;
            h.t_end_us += shift;
            if let Some(t) = &mut h.t_first_byte_us {
                *t += shift;
            }
            out.push(*c);
        }
    }
    Ok(out)
}

fn shift_times(x: &mut Exchange, by: u64) {
    if by == 0 {
        return;
    }
    x.t_sent_us += by;
    for h in &mut x.http {
        h.t_start_us += by;
        h.t_end_us += by;
        if let Some(t) = &mut h.t_first_byte_us {
            *t += by;
        }
    }
    if let Some(r) = &mut x.reply {
        r.t_earliest_us += by;
        r.t_latest_us += by;
        for t in [&mut r.t_first_byte_us, &mut r.t_last_byte_us].into_iter().flatten() {
            *t += by;
        }
    }
}

/// Writes the merged record aside, then renames it over `run.jsonl`.
fn write(
    dir: &Path,
    header: Header,
    exchanges: impl Iterator<Item = Exchange>,
    late: Vec<LateCallback>,
    end: Option<End>,
) -> Result<(), MergeError> {
    let jsonl = dir.join("run.jsonl");
    let err = |source| MergeError::Write { path: jsonl.display().to_string(), source };
    if jsonl.is_file() {
        // Merging again replaces an earlier merge of the same group, nothing else.
        let existing = reader::read_header(dir)?;
        let same = existing.group.as_ref().is_some_and(|g| g.id == header.run_id && g.shard.is_none());
        if !same {
            return Err(MergeError::Occupied { path: dir.display().to_string(), run_id: existing.run_id });
        }
    }
    std::fs::create_dir_all(dir).map_err(err)?;
    let partial = dir.join("run.jsonl.partial");
    let _ = std::fs::remove_file(&partial);
    let writer = RecordWriter::open(&partial).map_err(err)?;
    writer.append_blocking(Record::Header(header)).map_err(err)?;
    for (seq, mut x) in exchanges.enumerate() {
        x.seq = seq as u64;
        writer.append_blocking(Record::Exchange(Box::new(x))).map_err(err)?;
    }
    for c in late {
        writer.append_blocking(Record::LateCallback(Box::new(c))).map_err(err)?;
    }
    if let Some(end) = end {
        writer.append_blocking(Record::End(end)).map_err(err)?;
    }
    writer.sync_blocking().map_err(err)?;
    drop(writer);
    std::fs::rename(&partial, &jsonl).map_err(err)
}
