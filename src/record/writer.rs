//! Appending records: one `write` per line, straight to the file (no
//! user-space buffer), so a crash or `kill -9` loses at most the line being
//! written. `sync` additionally asks the OS to persist to disk.

use super::Record;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Mutex;

pub struct RecordWriter {
    file: Mutex<File>,
}

impl RecordWriter {
    /// Creates (or appends to, for `--resume`) the file.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(RecordWriter { file: Mutex::new(file) })
    }

    /// Serialises and appends one record as a single line.
    pub fn append(&self, record: &Record) -> io::Result<()> {
        // A typical exchange is a few KB: start there rather than grow from 128 bytes.
        let mut line = Vec::with_capacity(4096);
        serde_json::to_writer(&mut line, record).map_err(io::Error::other)?;
        line.push(b'\n');
        let mut f = self.file.lock().map_err(|_| io::Error::other("record writer poisoned"))?;
        f.write_all(&line)
    }

    /// Persists to disk: at the end of a run and on shutdown.
    pub fn sync(&self) -> io::Result<()> {
        let f = self.file.lock().map_err(|_| io::Error::other("record writer poisoned"))?;
        f.sync_data()
    }
}

/// Makes the file end with a complete line before `--resume` appends to it.
/// A last line without its newline is either a whole record (the newline is
/// added) or a torn one from a run killed mid-write (it is cut off: it was
/// never a record, and appending after it would make the file unreadable).
/// Every complete line stays exactly as written.
pub fn repair_tail(path: &Path) -> io::Result<()> {
    let mut f = OpenOptions::new().read(true).write(true).open(path)?;
    let len = f.metadata()?.len();
    // Read backwards in chunks until a newline (or the start) is found.
    let mut tail: Vec<u8> = Vec::new();
    let mut end = len;
    let keep = loop {
        if end == 0 {
            break 0;
        }
        let start = end.saturating_sub(64 * 1024);
        let mut chunk = vec![0u8; (end - start) as usize];
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut chunk)?;
        if let Some(i) = chunk.iter().rposition(|b| *b == b'\n') {
            tail.splice(0..0, chunk[i + 1..].iter().copied());
            break start + i as u64 + 1;
        }
        tail.splice(0..0, chunk);
        end = start;
    };
    if keep == len {
        return Ok(());
    }
    if serde_json::from_slice::<Record>(&tail).is_ok() {
        f.seek(SeekFrom::End(0))?;
        f.write_all(b"\n")?;
    } else {
        f.set_len(keep)?;
    }
    f.sync_data()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_a_torn_last_line_and_ends_a_whole_one() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("run.jsonl");
        let end = r#"{"type":"end","finished_at":"2026-01-01T00:00:00Z","status":"complete","exchanges":0,"errors":0,"t_end_us":1}"#;
        std::fs::write(&p, format!("{end}\n{{\"type\":\"exch")).unwrap();
        repair_tail(&p).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), format!("{end}\n"));
        repair_tail(&p).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), format!("{end}\n"), "a whole file is left alone");
        std::fs::write(&p, end).unwrap();
        repair_tail(&p).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), format!("{end}\n"), "a whole record only lacked its newline");
    }
}
