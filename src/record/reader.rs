//! Reading `run.jsonl` back. Tolerates a torn last line (a run killed while
//! writing); a bad line anywhere else is an error naming its line number.

use super::{End, Exchange, Header, Record, SCHEMA};
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
    let file_path = if path.is_dir() { path.join("run.jsonl") } else { path.to_path_buf() };
    let shown = file_path.display().to_string();
    let file = std::fs::File::open(&file_path).map_err(|source| ReadError::Io { path: shown.clone(), source })?;
    read_from(BufReader::new(file), &shown)
}

/// Only the header (the first line): which suite and target a run used,
/// without reading a possibly huge record.
pub fn read_header(path: &Path) -> Result<Header, ReadError> {
    let file_path = if path.is_dir() { path.join("run.jsonl") } else { path.to_path_buf() };
    let shown = file_path.display().to_string();
    let file = std::fs::File::open(&file_path).map_err(|source| ReadError::Io { path: shown.clone(), source })?;
    let mut first = Vec::new();
    BufReader::new(file).read_until(b'\n', &mut first).map_err(|source| ReadError::Io { path: shown.clone(), source })?;
    match serde_json::from_slice::<Record>(&first) {
        Ok(Record::Header(h)) if h.schema > SCHEMA => Err(ReadError::Schema { path: shown, found: h.schema }),
        Ok(Record::Header(h)) => Ok(h),
        _ => Err(ReadError::NoHeader { path: shown }),
    }
}

pub fn read_from(reader: impl BufRead, shown: &str) -> Result<RecordedRun, ReadError> {
    let mut header = None;
    let mut exchanges = Vec::new();
    let mut end = None;
    let mut torn_tail = false;
    let mut pending_error: Option<(usize, String)> = None;
    for (i, line) in reader.split(b'\n').enumerate() {
        let line = line.map_err(|source| ReadError::Io { path: shown.to_string(), source })?;
        if let Some((n, message)) = pending_error.take() {
            // A bad line followed by more lines is corruption, not a torn tail.
            return Err(ReadError::Bad { path: shown.to_string(), line: n, message });
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Record>(&line) {
            Ok(Record::Header(h)) => {
                if h.schema > SCHEMA {
                    return Err(ReadError::Schema { path: shown.to_string(), found: h.schema });
                }
                // A resumed run appends a second header; the first one names the run.
                if header.is_none() {
                    header = Some(h);
                }
            }
            Ok(Record::Exchange(x)) => exchanges.push(*x),
            Ok(Record::End(e)) => end = Some(e),
            Err(e) => pending_error = Some((i + 1, e.to_string())),
        }
    }
    if pending_error.is_some() {
        torn_tail = true;
    }
    let header = header.ok_or_else(|| ReadError::NoHeader { path: shown.to_string() })?;
    drop_superseded(&mut exchanges);
    Ok(RecordedRun { header, exchanges, end, torn_tail })
}

/// A resumed run re-sends steps that were interrupted; the file keeps both
/// records (it is append-only), and readers see only the later one.
fn drop_superseded(exchanges: &mut Vec<Exchange>) {
    use std::collections::HashMap;
    let interrupted = |x: &Exchange| x.error.as_ref().is_some_and(|e| e.kind == super::ErrorKind::Interrupted);
    if !exchanges.iter().any(interrupted) {
        return;
    }
    let mut last: HashMap<(String, usize), usize> = HashMap::new();
    for (i, x) in exchanges.iter().enumerate() {
        last.insert((x.task.key(), x.step), i);
    }
    let mut i = 0;
    exchanges.retain(|x| {
        let keep = !interrupted(x) || last.get(&(x.task.key(), x.step)) == Some(&i);
        i += 1;
        keep
    });
}
