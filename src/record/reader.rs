//! Reading `run.jsonl` back. Tolerates a torn last line (a run killed while
//! writing); a bad line anywhere else is an error naming its line number.

use super::blocks::{Block, Blocks, Skipping};
use super::stream::RunStream;
use super::{End, Exchange, Header, SCHEMA};
use std::io::{self, BufRead, BufReader};
use std::path::Path;

#[derive(Debug, Clone)]
pub struct RecordedRun {
    pub header: Header,
    pub exchanges: Vec<Exchange>,
    /// None when the run did not finish (killed, crashed).
    pub end: Option<End>,
    /// True when the last line was incomplete and skipped.
    pub torn_tail: bool,
    /// Callbacks recorded after their step, by channel.
    pub late: super::LateTallies,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path}:{line}: not a run record: {message}")]
    Bad { path: String, line: usize, message: String },
    #[error("{path} has no header line; is it a touchpoint run.jsonl?")]
    NoHeader { path: String },
    #[error("{path} was written by a newer touchpoint (schema {found}, this one reads {SCHEMA}); upgrade touchpoint")]
    Schema { path: String, found: u32 },
}

/// Reads a whole run. `path` may be the run folder or the jsonl file.
pub fn read_run(path: &Path) -> Result<RecordedRun, ReadError> {
    let (file, shown) = open_file(path)?;
    read_from(file, &shown)
}

/// Only the header (the first line): which suite and target a run used,
/// without reading a possibly huge record.
pub fn read_header(path: &Path) -> Result<Header, ReadError> {
    Ok(open(path)?.header().clone())
}

/// Reads a whole run from `reader`; `shown` names it in errors.
pub fn read_from(reader: impl BufRead, shown: &str) -> Result<RecordedRun, ReadError> {
    let mut stream = RunStream::new(reader, shown)?;
    let exchanges = stream.by_ref().collect();
    let (header, tail) = stream.finish()?;
    Ok(RecordedRun { header, exchanges, end: tail.end, torn_tail: tail.torn_tail, late: tail.late })
}

/// Opens a run for streaming. `path` may be the run folder or the jsonl file.
pub fn open(path: &Path) -> Result<RunStream<BufReader<std::fs::File>>, ReadError> {
    let (file, shown) = open_file(path)?;
    RunStream::new(file, &shown)
}

/// Opens a run for streaming into analysis: HTTP attempts come without
/// headers and bodies, which analysis never reads (`record/lean.rs`).
pub fn open_lean(path: &Path) -> Result<RunStream<BufReader<std::fs::File>>, ReadError> {
    let (file, shown) = open_file(path)?;
    RunStream::lean(file, &shown)
}

/// Reads a whole run for what analysis, reports and `--resume` need: HTTP
/// attempts without headers and bodies (`lean.rs`).
pub fn read_lean(path: &Path) -> Result<RecordedRun, ReadError> {
    let mut stream = open_lean(path)?;
    let exchanges = stream.by_ref().collect();
    let (header, tail) = stream.finish()?;
    Ok(RecordedRun { header, exchanges, end: tail.end, torn_tail: tail.torn_tail, late: tail.late })
}

/// Opens a run for streaming (lean) only the exchanges that `keep` picks by
/// `seq` and line length (see [`RunStream::only`]).
pub fn open_only(
    path: &Path,
    keep: impl FnMut(u64, usize) -> bool + Send + 'static,
) -> Result<RunStream<BufReader<std::fs::File>>, ReadError> {
    let (file, shown) = open_file(path)?;
    RunStream::only(file, &shown, keep)
}

/// [`open_only`] on a run whose [`Blocks`] were noted when it was read
/// before: blocks that `wanted` turns down (asked at each block's start,
/// once `keep` has seen every line before it) are skipped unread.
pub fn open_only_in<W: FnMut(&Block) -> bool + Send + 'static>(
    path: &Path,
    blocks: &Blocks,
    wanted: W,
    keep: impl FnMut(u64, usize) -> bool + Send + 'static,
) -> Result<RunStream<BufReader<Skipping<W>>>, ReadError> {
    let file_path = if path.is_dir() { path.join("run.jsonl") } else { path.to_path_buf() };
    let shown = file_path.display().to_string();
    let file = std::fs::File::open(&file_path).map_err(|source| ReadError::Io { path: shown.clone(), source })?;
    RunStream::only(BufReader::with_capacity(1 << 20, Skipping::new(file, blocks, wanted)), &shown, keep)
}

fn open_file(path: &Path) -> Result<(BufReader<std::fs::File>, String), ReadError> {
    let file_path = if path.is_dir() { path.join("run.jsonl") } else { path.to_path_buf() };
    let shown = file_path.display().to_string();
    let file = std::fs::File::open(&file_path).map_err(|source| ReadError::Io { path: shown.clone(), source })?;
    Ok((BufReader::with_capacity(1 << 20, file), shown))
}
