//! Reading and decoding on threads of their own. Decoding JSON is the
//! larger half of analysing a run; on a machine with spare cores it
//! overlaps with the analysis instead of adding to it. One thread reads
//! lines and hands them out in batches, in turn, to the decoders; the
//! batches are taken back in the same turn, so exchanges arrive in record
//! order and everything after decoding (superseded records, a torn last
//! line) is judged as if the record were read on one thread. Channels are
//! small and bounded, so memory stays bounded too.
//!
//! A lean stream's lines decode independently, so several decoders share
//! them. A whole one resolves bodies stored once by hash against the lines
//! before it (`body.rs`): one decoder reads every line, in order.

use super::body::Store;
use super::reader::ReadError;
use super::stream::{decode, Read, Reading, RunStream, RunTail};
use super::{Exchange, Header};
use std::io::{self, BufRead};
use std::ops::Range;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

/// Lines per batch, and batches waiting per decoder (each way).
const BATCH: usize = 256;
/// Text per batch at most (a batch holds at least one line, however long):
/// a record whose lines are a few hundred kilobytes each (a mailbox polled
/// whole) must not put hundreds of megabytes in flight.
const BATCH_BYTES: usize = 1 << 20;
/// Room past [`BATCH_BYTES`] for the line that crosses it (longer ones grow the text).
const BATCH_SLACK: usize = 64 << 10;
const IN_FLIGHT: usize = 2;
/// Decoders at most, whatever the machine.
const DECODERS_MAX: usize = 4;

/// Lines read but not decoded: one buffer, and per line its number and
/// where it is in the buffer (None: blank or not picked). A read error
/// ends the last batch.
struct Batch {
    text: Vec<u8>,
    lines: Vec<(usize, Option<Range<usize>>)>,
    error: Option<io::Error>,
}

/// The same lines, decoded.
struct Decoded {
    reads: Vec<Read>,
    error: Option<io::Error>,
}

/// A [`RunStream`] read and decoded on other threads; iterate it, then
/// [`Prefetch::finish`].
pub struct Prefetch<R> {
    stream: RunStream<R>,
}

impl<R: BufRead + Send + 'static> Prefetch<R> {
    /// As many decoders as the machine has cores (up to four).
    pub fn new(stream: RunStream<R>) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::with(stream, cores.clamp(1, DECODERS_MAX), BATCH)
    }

    /// `decoders` threads decoding, `batch` lines at a time (tests use
    /// small batches to cross many batch boundaries).
    pub fn with(mut stream: RunStream<R>, decoders: usize, batch: usize) -> Self {
        stream.decode_away(decoders, batch);
        Prefetch { stream }
    }

    pub fn header(&self) -> &Header {
        self.stream.header()
    }

    /// Drains what is left and returns what the end of the record said, or
    /// the error that stopped reading.
    pub fn finish(self) -> Result<(Header, RunTail), ReadError> {
        self.stream.finish()
    }
}

impl<R: BufRead> Iterator for Prefetch<R> {
    type Item = Exchange;

    fn next(&mut self) -> Option<Exchange> {
        self.stream.next()
    }
}

/// The decoders' output, taken in the turn the batches were handed out.
pub(super) struct Decoders {
    outputs: Vec<Receiver<Decoded>>,
    turn: usize,
    current: std::vec::IntoIter<Read>,
    error: Option<io::Error>,
    threads: Vec<JoinHandle<()>>,
}

impl Decoders {
    /// Nothing to read (a placeholder while the reading is handed over).
    pub fn none() -> Self {
        Decoders { outputs: Vec::new(), turn: 0, current: Vec::new().into_iter(), error: None, threads: Vec::new() }
    }

    /// Reads the rest of `reading` on a thread, decoded by up to `decoders` threads.
    pub fn start<R: BufRead + Send + 'static>(mut reading: Reading<R>, decoders: usize, batch: usize) -> Self {
        let lean = reading.lean;
        let n = if lean { decoders.max(1) } else { 1 };
        let mut threads = Vec::with_capacity(n + 1);
        let (mut inputs, mut outputs) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let mut store = Some(reading.store());
        for _ in 0..n {
            let (send_batch, batches) = mpsc::sync_channel::<Batch>(IN_FLIGHT);
            let (send_decoded, decoded) = mpsc::sync_channel::<Decoded>(IN_FLIGHT);
            let mut bodies = store.take().unwrap_or_default();
            threads.push(std::thread::spawn(move || decode_batches(batches, send_decoded, lean, &mut bodies)));
            inputs.push(send_batch);
            outputs.push(decoded);
        }
        let batch = batch.max(1);
        threads.push(std::thread::spawn(move || read_batches(&mut reading, &inputs, batch)));
        Decoders { outputs, turn: 0, current: Vec::new().into_iter(), error: None, threads }
    }

    /// The next line, in record order; None at the end.
    pub fn next(&mut self) -> Option<io::Result<Read>> {
        loop {
            if let Some(read) = self.current.next() {
                return Some(Ok(read));
            }
            if let Some(e) = self.error.take() {
                return Some(Err(e));
            }
            let output = self.outputs.get(self.turn % self.outputs.len().max(1))?;
            match output.recv() {
                Ok(decoded) => {
                    self.turn += 1;
                    self.current = decoded.reads.into_iter();
                    self.error = decoded.error;
                }
                Err(_) => {
                    // Every thread is done: the end of the record, or a panic to pass on.
                    self.outputs.clear();
                    for thread in self.threads.drain(..) {
                        if let Err(panic) = thread.join() {
                            std::panic::resume_unwind(panic);
                        }
                    }
                    return None;
                }
            }
        }
    }
}

/// The reading thread: batches handed to the decoders in turn, until the
/// end, a read error, or the decoders are gone (the stream was dropped). A
/// batch ends at `size` lines or [`BATCH_BYTES`] of text, whichever comes
/// first, so the lines in flight are bounded by bytes whatever their length.
fn read_batches<R: BufRead>(reading: &mut Reading<R>, decoders: &[SyncSender<Batch>], size: usize) {
    for turn in 0.. {
        // Sized for a whole batch up front: grown by doubling, each batch's
        // text was copied again on every step to its megabyte (a twentieth of
        // the instructions of reading and decoding a large run).
        let text = Vec::with_capacity(BATCH_BYTES + BATCH_SLACK);
        let mut batch = Batch { text, lines: Vec::with_capacity(size), error: None };
        let mut ended = false;
        while batch.lines.len() < size && batch.text.len() < BATCH_BYTES {
            let at = batch.text.len();
            match reading.next_raw_into(&mut batch.text) {
                None => {
                    ended = true;
                    break;
                }
                Some(Err(e)) => {
                    batch.error = Some(e);
                    break;
                }
                Some(Ok((line, wanted))) => batch.lines.push((line, wanted.then_some(at..batch.text.len()))),
            }
        }
        let last = ended || batch.error.is_some();
        if batch.lines.is_empty() && batch.error.is_none() {
            return;
        }
        if decoders[turn % decoders.len()].send(batch).is_err() || last {
            return;
        }
    }
}

/// A decoding thread: its batches decoded, in the order they came.
fn decode_batches(batches: Receiver<Batch>, decoded: SyncSender<Decoded>, lean: bool, bodies: &mut Store) {
    for batch in batches {
        let reads = batch
            .lines
            .into_iter()
            .map(|(line, at)| Read { line, decoded: at.map(|at| decode(&batch.text[at], lean, bodies)) })
            .collect();
        if decoded.send(Decoded { reads, error: batch.error }).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::reader::ReadError;
    use std::io::Cursor;

    fn exchange(seq: u64, repeat: u32, error: &str) -> String {
        format!(
            r#"{{"type":"exchange","seq":{seq},"task":{{"kind":"scenario","id":"s","persona":"p","repeat":{repeat}}},"step":0,"journey":null,"stage":null,"channel":"chat","persona_segment":"new","question":null,"expects":[],"message":"hi {seq}","t_sent_us":{seq},"http":[{{"purpose":"send","attempt":1,"method":"POST","url":"http://127.0.0.1:1/chat","request_headers":{{"x":"y"}},"t_start_us":1,"t_first_byte_us":2,"t_end_us":3,"status":200,"headers":{{}},"body":"{{\"answer\":\"ok {seq}\"}}","body_bytes":15,"truncated":false,"error":null}}],"reply":{{"text":"ok {seq}","t_earliest_us":3,"t_latest_us":3}},"captures":{{}},"error":{error}}}"#
        )
    }

    /// A record of `n` exchanges with blank lines, interrupted steps (one
    /// sent again later, one never), a late callback and `tail` at the end.
    fn record(n: u64, tail: &str) -> String {
        let interrupted = r#"{"kind":"interrupted","message":"stopped"}"#;
        let mut lines = vec![
            r#"{"type":"header","schema":2,"run_id":"r","suite":"s","company":"c","suite_digest":"d","tool_version":"0","seed":1,"started_at":"2026-01-01T00:00:00Z","target":"t","concurrency":1,"repeat":1,"planned_tasks":3}"#.to_string(),
        ];
        for seq in 0..n {
            match seq % 97 {
                5 => lines.push(String::new()),
                7 => lines.push(exchange(seq, 7_000_000 + seq as u32, interrupted)),
                _ => {}
            }
            // Sent again (superseding seq 7) much later.
            let repeat = if seq == n - 3 { 7_000_007 } else { seq as u32 };
            lines.push(exchange(seq, repeat, "null"));
        }
        lines.push(r#"{"type":"late_callback","channel":"chat","http":{"purpose":"webhook","attempt":1,"method":"POST","url":"http://h/hook/t","request_headers":{},"t_start_us":5,"t_first_byte_us":5,"t_end_us":5,"status":200,"headers":{},"body":"x","body_bytes":1,"truncated":false,"error":null}}"#.into());
        lines.push(tail.to_string());
        lines.join("\n")
    }

    type Outcome = (Vec<Exchange>, Result<(Header, RunTail), String>);

    fn here(text: &str, lean: bool) -> Outcome {
        let cursor = Cursor::new(text.as_bytes().to_vec());
        let mut stream = if lean { RunStream::lean(cursor, "run") } else { RunStream::new(cursor, "run") }.unwrap();
        let xs: Vec<Exchange> = stream.by_ref().collect();
        (xs, stream.finish().map_err(|e: ReadError| e.to_string()))
    }

    fn away(text: &str, lean: bool, decoders: usize, batch: usize) -> Outcome {
        let cursor = Cursor::new(text.as_bytes().to_vec());
        let stream = if lean { RunStream::lean(cursor, "run") } else { RunStream::new(cursor, "run") }.unwrap();
        let mut stream = Prefetch::with(stream, decoders, batch);
        let xs: Vec<Exchange> = stream.by_ref().collect();
        (xs, stream.finish().map_err(|e: ReadError| e.to_string()))
    }

    #[test]
    fn decoding_on_threads_reads_what_one_thread_reads() {
        let end = r#"{"type":"end","finished_at":"2026-01-01T00:00:00Z","status":"complete","exchanges":1,"errors":0,"t_end_us":5}"#;
        for tail in [end, r#"{"type":"exch"#] {
            let text = record(700, tail);
            for lean in [true, false] {
                let (xs, result) = here(&text, lean);
                // Seven interrupted steps never sent again come last.
                assert_eq!(xs.len(), 707);
                assert!(xs[700..].iter().all(|x| x.error.is_some()));
                assert!(result.is_ok());
                for (decoders, batch) in [(1, 1), (2, 3), (3, 64), (4, 256)] {
                    let (ys, other) = away(&text, lean, decoders, batch);
                    assert!(xs == ys, "{decoders} decoders, batches of {batch}, lean {lean}");
                    assert_eq!(result, other);
                }
            }
        }
    }

    #[test]
    fn batches_of_long_lines_end_by_bytes_and_read_the_same() {
        // Replies of ~300 KB: a batch of 256 such lines would be 75 MB.
        let big = "m".repeat(300 << 10);
        let mut text = record(40, "");
        text = text.replace(r#""text":"ok "#, &format!(r#""text":"{big} "#));
        let (xs, result) = here(&text, true);
        assert_eq!(xs.len(), 40);
        assert!(xs[0].reply.as_ref().is_some_and(|r| r.text.len() > 300 << 10));
        let cursor = Cursor::new(text.as_bytes().to_vec());
        let mut reading = Reading::for_test(cursor);
        let (send, batches) = mpsc::sync_channel::<Batch>(64);
        read_batches(&mut reading, &[send], 256);
        let sizes: Vec<usize> = batches.iter().map(|b| b.text.len()).collect();
        assert!(sizes.len() > 5, "{sizes:?}");
        assert!(sizes.iter().all(|&n| n <= BATCH_BYTES + (310 << 10)), "{sizes:?}");
        let (ys, other) = away(&text, true, 2, 256);
        assert!(xs == ys);
        assert_eq!(result, other);
    }

    #[test]
    fn a_bad_line_before_the_end_is_the_same_error_on_threads() {
        let mut text = record(300, "");
        text = text.replacen(r#""seq":150,"#, r#""seq":"#, 1);
        let (xs, result) = here(&text, true);
        let (ys, other) = away(&text, true, 2, 7);
        assert!(xs == ys);
        assert!(result.as_ref().is_err_and(|e| e.contains("run:156: not a run record")), "{result:?}");
        assert_eq!(result, other);
    }

    #[test]
    fn dropping_a_stream_half_read_stops_its_threads() {
        let text = record(2_000, "");
        let cursor = Cursor::new(text.into_bytes());
        let mut stream = Prefetch::with(RunStream::lean(cursor, "run").unwrap(), 2, 16);
        assert!(stream.next().is_some());
        drop(stream);
    }
}
