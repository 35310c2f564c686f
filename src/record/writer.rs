//! Appending records: one `write` per line, straight to the file (no
//! user-space buffer), so a crash or `kill -9` loses at most the line being
//! written. `sync` additionally asks the OS to persist to disk.

use super::Record;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
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
        let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
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
