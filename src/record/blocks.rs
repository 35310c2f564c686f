//! Where a record's exchanges are: the file cut into blocks of about
//! [`BLOCK_BYTES`] at line starts, each with the range of exchange `seq`s in
//! it. Noted while a run is read once (the analysis), so a second reading
//! that wants a few exchanges (the report's evidence, spread over a file of
//! gigabytes) seeks to the blocks that can hold them instead of scanning the
//! whole file. Tens of bytes per megabyte of record.

use super::stream::exchange_seq;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};

/// Bytes of record lines per block (a block ends at the first line end past it).
const BLOCK_BYTES: u64 = 1 << 20;

/// One block of the record: a byte range starting and ending at line starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    pub start: u64,
    pub end: u64,
    /// The lowest and highest `seq` of its exchange lines; None when it has none.
    pub seqs: Option<(u64, u64)>,
    /// It holds a line other than blank ones and exchanges whose `seq` the
    /// writer's line prefix tells (the header, late callbacks, the end, a line
    /// written by hand or torn): such a block is always read.
    pub other: bool,
}

/// The blocks of a record, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Blocks {
    pub list: Vec<Block>,
}

/// Builds the blocks as lines are read; shared with whoever reads the
/// stream (the lines may be read on a thread of their own).
#[derive(Debug, Default)]
pub(super) struct Indexing {
    done: Arc<Mutex<Blocks>>,
    current: Option<Block>,
    offset: u64,
}

impl Indexing {
    /// The blocks closed so far (all of them once the record is read).
    pub fn shared(&self) -> Arc<Mutex<Blocks>> {
        Arc::clone(&self.done)
    }

    /// One line was read; returns its exchange `seq` when the prefix tells it.
    pub fn line(&mut self, line: &[u8]) -> Option<u64> {
        let start = self.offset;
        self.offset += line.len() as u64;
        let block = self.current.get_or_insert(Block { start, end: start, seqs: None, other: false });
        block.end = self.offset;
        let seq = exchange_seq(line);
        if let Some(seq) = seq {
            block.seqs = Some(block.seqs.map_or((seq, seq), |(lo, hi)| (lo.min(seq), hi.max(seq))));
        } else if !line.iter().all(u8::is_ascii_whitespace) {
            block.other = true;
        }
        if block.end - block.start >= BLOCK_BYTES {
            self.close();
        }
        seq
    }

    /// The end of the record: the last block is closed.
    pub fn close(&mut self) {
        if let Some(block) = self.current.take() {
            if let Ok(mut done) = self.done.lock() {
                done.list.push(block);
            }
        }
    }
}

/// Reads a record file, skipping whole blocks that `wanted` turns down.
/// Asked at each block's start, once every line before it has been handed
/// on (read it through a `BufReader`: each read ends at a block's end), so
/// `wanted` may depend on what those lines were. Blocks that hold anything
/// but blank lines and exchanges are always read, and so is whatever the
/// blocks do not cover (lines appended since they were noted).
pub struct Skipping<F> {
    file: File,
    pos: u64,
    blocks: Vec<Block>,
    at: usize,
    seek: bool,
    wanted: F,
}

impl<F: FnMut(&Block) -> bool> Skipping<F> {
    pub fn new(file: File, blocks: &Blocks, wanted: F) -> Self {
        Skipping { file, pos: 0, blocks: blocks.list.clone(), at: 0, seek: false, wanted }
    }
}

impl<F: FnMut(&Block) -> bool> Read for Skipping<F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut room = u64::MAX;
        while let Some(b) = self.blocks.get(self.at) {
            if self.pos >= b.end {
                self.at += 1;
                continue;
            }
            if self.pos < b.start {
                // Not in a block: read up to the next one.
                room = b.start - self.pos;
                break;
            }
            if self.pos == b.start && !b.other && !(self.wanted)(b) {
                (self.pos, self.seek) = (b.end, true);
                self.at += 1;
                continue;
            }
            room = b.end - self.pos;
            break;
        }
        if self.seek {
            self.file.seek(SeekFrom::Start(self.pos))?;
            self.seek = false;
        }
        let n = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.file.read(&mut buf[..n])?;
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};

    fn line(seq: u64) -> String {
        format!("{{\"type\":\"exchange\",\"seq\":{seq},\"pad\":\"{}\"}}\n", "x".repeat(100_000))
    }

    #[test]
    fn blocks_cover_the_file_and_skipped_ones_are_never_read() {
        let mut text = String::from("{\"type\":\"header\"}\n");
        for seq in 0..60 {
            text.push_str(&line(seq));
            if seq == 33 {
                text.push('\n');
                text.push_str("{\"type\":\"late_callback\"}\n");
            }
        }
        text.push_str("{\"type\":\"end\"}\n");
        let mut indexing = Indexing::default();
        for l in text.split_inclusive('\n') {
            indexing.line(l.as_bytes());
        }
        indexing.close();
        let blocks = indexing.shared().lock().unwrap().clone();
        assert!(blocks.list.len() > 4, "{blocks:?}");
        assert_eq!(blocks.list.first().map(|b| b.start), Some(0));
        assert_eq!(blocks.list.last().map(|b| b.end), Some(text.len() as u64));
        assert!(blocks.list.windows(2).all(|w| w[0].end == w[1].start));
        assert!(blocks.list[0].other && blocks.list.last().is_some_and(|b| b.other));

        let mut file = tempfile::tempfile().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        // Appended after the blocks were noted: read whatever they say.
        file.write_all(line(60).as_bytes()).unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        let want = [5u64, 41];
        let wanted = |b: &Block| b.seqs.is_some_and(|(lo, hi)| want.iter().any(|s| (lo..=hi).contains(s)));
        let mut read = BufReader::with_capacity(1 << 16, Skipping::new(file, &blocks, wanted));
        let mut seen = Vec::new();
        let mut buf = Vec::new();
        while read.read_until(b'\n', &mut buf).unwrap() > 0 {
            seen.push(
                exchange_seq(&buf).map_or_else(|| String::from_utf8_lossy(&buf).trim().to_string(), |s| s.to_string()),
            );
            buf.clear();
        }
        for must in ["5", "41", "60", "{\"type\":\"header\"}", "{\"type\":\"late_callback\"}", "{\"type\":\"end\"}"] {
            assert!(seen.iter().any(|s| s == must), "{must} in {seen:?}");
        }
        for skipped in ["15", "20", "25", "50"] {
            assert!(!seen.iter().any(|s| s == skipped), "{skipped} is in a block nobody wants: {seen:?}");
        }
        // Whole lines only: every exchange read is one the blocks named, or the appended one.
        assert!(seen.iter().all(|s| s.is_empty() || s.starts_with('{') || s.parse::<u64>().is_ok()));
    }
}
