//! Reading `run.jsonl` as it goes: the header first, then one exchange at a
//! time, so a run of millions of exchanges is analysed in bounded memory.
//! The end record and whether the last line was torn are known once the
//! exchanges are drained ([`RunStream::finish`]).
//!
//! A resumed run re-sends the steps whose message never reached the target
//! (`ErrorKind::not_attempted`: interrupted before sending, refused by the
//! budget) and the file keeps both records (it is append-only); readers see
//! only the later one. Such records are rare (only where a run stopped), so they are held back and emitted
//! after all others, and only when no later record for the same task and
//! step came.

use super::blocks::{Blocks, Indexing};
use super::body::Store;
use super::reader::ReadError;
use super::{End, Exchange, Header, Record, SCHEMA};
use std::collections::{HashMap, VecDeque};
use std::io::BufRead;
use std::sync::{Arc, Mutex};

/// What only the end of the record tells.
#[derive(Debug, Clone, PartialEq)]
pub struct RunTail {
    /// None when the run did not finish (killed, crashed).
    pub end: Option<End>,
    /// True when the last line was incomplete and skipped.
    pub torn_tail: bool,
    /// Callbacks recorded after their step (`LateCallback`), by channel.
    pub late: super::LateTallies,
    /// Where the exchanges are in the file (`blocks.rs`), for reading a few
    /// of them again without scanning it.
    pub blocks: Blocks,
}

/// The record's lines, decoded; knows nothing of superseded records.
struct Lines<R> {
    shown: String,
    feed: Feed<R>,
    /// The first header seen (a resumed run appends more; the first names the run).
    header: Option<Header>,
    end: Option<End>,
    late: super::LateTallies,
    /// A line that did not decode: an error if any line follows, else a torn tail.
    pending: Option<(usize, String)>,
    torn_tail: bool,
    error: Option<ReadError>,
    done: bool,
}

/// Where decoded lines come from: read and decoded here, or on threads of
/// their own ([`super::prefetch`]).
enum Feed<R> {
    Here(Reading<R>),
    Away(super::prefetch::Decoders),
}

/// One line of the record as read: its number and, unless it was blank or
/// picked out unread, what it decoded to.
pub(super) struct Read {
    pub line: usize,
    pub decoded: Option<Result<Record, String>>,
}

/// Reading the record line by line.
pub(super) struct Reading<R> {
    reader: R,
    buf: Vec<u8>,
    line: usize,
    /// Skip HTTP headers and bodies (`lean.rs`).
    pub lean: bool,
    /// Which exchanges (by `seq`) to decode at all; see [`RunStream::only`].
    keep: Option<Keep>,
    /// Bodies and chunks read so far, which later lines may repeat by hash.
    bodies: Store,
    /// Where the exchanges are, noted as lines go by (`blocks.rs`).
    indexing: Indexing,
}

/// Picks exchanges by `seq` and line length (bytes) before they are decoded.
type Keep = Box<dyn FnMut(u64, usize) -> bool + Send>;

/// The `seq` of an exchange line as the writer writes it
/// (`{"type":"exchange","seq":42,…`), read without decoding the line.
pub(crate) fn exchange_seq(line: &[u8]) -> Option<u64> {
    let rest = line.strip_prefix(br#"{"type":"exchange","seq":"#.as_slice())?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if rest.get(digits) != Some(&b',') {
        return None;
    }
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

/// `BufRead::read_until(b'\n', out)`, finding the end of the line with the
/// `memchr` crate's vectorised search instead of `core`'s word-at-a-time one:
/// a record line is kilobytes long, and looking for its end was a tenth of the
/// reading thread's instructions.
fn read_line(reader: &mut impl BufRead, out: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut read = 0;
    loop {
        let (done, used) = {
            let available = match reader.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            match memchr::memchr(b'\n', available) {
                Some(i) => {
                    out.extend_from_slice(&available[..=i]);
                    (true, i + 1)
                }
                None => {
                    out.extend_from_slice(available);
                    (available.is_empty(), available.len())
                }
            }
        };
        reader.consume(used);
        read += used;
        if done {
            return Ok(read);
        }
    }
}

/// Decodes one line: lean, or with bodies resolved against `bodies`.
pub(super) fn decode(bytes: &[u8], lean: bool, bodies: &mut Store) -> Result<Record, String> {
    let decoded = if lean {
        // Exchange lines as the writer writes them, by hand (`lean_line.rs`);
        // anything else, and any line it is not sure of, by serde_json.
        if let Some(record) = super::lean_line::exchange(bytes) {
            return Ok(record);
        }
        super::lean::decoding(|| super::decode::line(bytes))
    } else {
        bodies.decoding(|| super::decode::line(bytes))
    };
    decoded.map_err(|e| e.to_string())
}

impl<R: BufRead> Reading<R> {
    /// Appends the next line to `out`: its number, and whether to decode
    /// it (not when blank or not picked: then nothing is left appended).
    /// None at the end. The reading thread appends straight to its batch's
    /// text (`prefetch.rs`), so a line is copied once, out of the file's buffer.
    pub fn next_raw_into(&mut self, out: &mut Vec<u8>) -> Option<std::io::Result<(usize, bool)>> {
        let at = out.len();
        match read_line(&mut self.reader, out) {
            Ok(0) => {
                self.indexing.close();
                return None;
            }
            Ok(_) => {}
            Err(e) => {
                out.truncate(at);
                return Some(Err(e));
            }
        }
        self.line += 1;
        let line = &out[at..];
        let seq = self.indexing.line(line);
        let wanted = !line.iter().all(u8::is_ascii_whitespace)
            && match (self.keep.as_mut(), seq) {
                (Some(keep), Some(seq)) => keep(seq, line.len()),
                _ => true,
            };
        if !wanted {
            out.truncate(at);
        }
        Some(Ok((self.line, wanted)))
    }

    /// The next line, decoded here.
    fn next(&mut self) -> Option<std::io::Result<Read>> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let read = self.next_raw_into(&mut buf).map(|read| {
            read.map(|(line, wanted)| Read { line, decoded: wanted.then(|| decode(&buf, self.lean, &mut self.bodies)) })
        });
        self.buf = buf;
        read
    }

    /// Decoding bodies by hash needs every line in order: such a reading
    /// can be decoded on one thread only.
    pub fn store(&mut self) -> Store {
        std::mem::take(&mut self.bodies)
    }
}

#[cfg(test)]
impl<R> Reading<R> {
    /// A lean reading of every line from the start (tests of `prefetch.rs`).
    pub(super) fn for_test(reader: R) -> Self {
        Reading {
            reader,
            buf: Vec::new(),
            line: 0,
            lean: true,
            keep: None,
            bodies: Store::default(),
            indexing: Indexing::default(),
        }
    }
}

impl<R: BufRead> Lines<R> {
    /// The next exchange record in the file, or None at its end or on an error.
    fn next_exchange(&mut self) -> Option<Exchange> {
        while !self.done {
            let read = match &mut self.feed {
                Feed::Here(reading) => reading.next(),
                Feed::Away(decoders) => decoders.next(),
            };
            let read = match read {
                None => {
                    self.done = true;
                    self.torn_tail = self.pending.take().is_some();
                    break;
                }
                Some(Ok(read)) => read,
                Some(Err(source)) => return self.fail(ReadError::Io { path: self.shown.clone(), source }),
            };
            if let Some((line, message)) = self.pending.take() {
                // A bad line followed by more lines is corruption, not a torn tail.
                return self.fail(ReadError::Bad { path: self.shown.clone(), line, message });
            }
            let Some(decoded) = read.decoded else { continue };
            match decoded {
                Ok(Record::Header(h)) if h.schema > SCHEMA => {
                    return self.fail(ReadError::Schema { path: self.shown.clone(), found: h.schema })
                }
                Ok(Record::Header(h)) => {
                    self.header.get_or_insert(h);
                }
                Ok(Record::Exchange(x)) => return Some(*x),
                Ok(Record::LateCallback(c)) => self.late.entry(c.channel.clone()).or_default().add(&c),
                Ok(Record::End(e)) => self.end = Some(e),
                Err(message) => self.pending = Some((read.line, message)),
            }
        }
        None
    }

    fn fail(&mut self, error: ReadError) -> Option<Exchange> {
        self.error = Some(error);
        self.done = true;
        None
    }
}

/// The exchanges of a run, in record order, without superseded ones.
pub struct RunStream<R> {
    lines: Lines<R>,
    header: Header,
    /// Exchanges read before the header while looking for it.
    early: VecDeque<Exchange>,
    /// Interrupted records not (yet) superseded, by (task key, step), with their order.
    held: HashMap<(String, usize), (usize, Exchange)>,
    read: usize,
    /// The held records still standing at the end, in record order.
    last: VecDeque<Exchange>,
    /// Where the exchanges are in the file, complete once it is read.
    blocks: Arc<Mutex<Blocks>>,
}

impl<R: BufRead> RunStream<R> {
    /// Reads up to the header; `shown` names the file in errors.
    pub fn new(reader: R, shown: &str) -> Result<Self, ReadError> {
        Self::with(reader, shown, false, None)
    }

    /// Like [`RunStream::new`], decoding exchanges for analysis only: HTTP
    /// attempts without headers and bodies (`lean.rs`).
    pub fn lean(reader: R, shown: &str) -> Result<Self, ReadError> {
        Self::with(reader, shown, true, None)
    }

    /// Like [`RunStream::lean`], decoding only the exchanges that `keep`
    /// picks by `seq` and line length; the others are skipped unread, so
    /// they are neither checked nor seen superseding an interrupted record.
    /// For re-reading a run already read whole (the report).
    pub fn only(
        reader: R,
        shown: &str,
        keep: impl FnMut(u64, usize) -> bool + Send + 'static,
    ) -> Result<Self, ReadError> {
        Self::with(reader, shown, true, Some(Box::new(keep)))
    }

    fn with(reader: R, shown: &str, lean: bool, keep: Option<Keep>) -> Result<Self, ReadError> {
        let indexing = Indexing::default();
        let blocks = indexing.shared();
        let reading =
            Reading { reader, buf: Vec::with_capacity(8192), line: 0, lean, keep, bodies: Store::default(), indexing };
        let mut lines = Lines {
            shown: shown.to_string(),
            feed: Feed::Here(reading),
            header: None,
            end: None,
            late: Default::default(),
            pending: None,
            torn_tail: false,
            error: None,
            done: false,
        };
        let mut early = VecDeque::new();
        while lines.header.is_none() {
            match lines.next_exchange() {
                Some(x) => early.push_back(x),
                None => break,
            }
        }
        if let Some(e) = lines.error.take() {
            return Err(e);
        }
        let header = lines.header.take().ok_or_else(|| ReadError::NoHeader { path: shown.to_string() })?;
        Ok(RunStream { lines, header, early, held: HashMap::new(), read: 0, last: VecDeque::new(), blocks })
    }

    /// Reads and decodes the rest of the record on threads of their own
    /// (`prefetch.rs`), at most `decoders` decoding at once; the
    /// exchanges still come in record order, `batch` lines at a time.
    pub(super) fn decode_away(&mut self, decoders: usize, batch: usize)
    where
        R: Send + 'static,
    {
        if matches!(self.lines.feed, Feed::Here(_)) {
            let placeholder = Feed::Away(super::prefetch::Decoders::none());
            let Feed::Here(reading) = std::mem::replace(&mut self.lines.feed, placeholder) else { return };
            self.lines.feed = Feed::Away(super::prefetch::Decoders::start(reading, decoders, batch));
        }
    }

    /// The run's (first) header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Drains what is left and returns what the end of the record said, or
    /// the error that stopped reading.
    pub fn finish(mut self) -> Result<(Header, RunTail), ReadError> {
        for _ in self.by_ref() {}
        if let Some(e) = self.lines.error.take() {
            return Err(e);
        }
        let blocks = self.blocks.lock().map(|mut b| std::mem::take(&mut *b)).unwrap_or_default();
        Ok((
            self.header,
            RunTail { end: self.lines.end, torn_tail: self.lines.torn_tail, late: self.lines.late, blocks },
        ))
    }
}

impl<R: BufRead> Iterator for RunStream<R> {
    type Item = Exchange;

    fn next(&mut self) -> Option<Exchange> {
        loop {
            let Some(x) = self.early.pop_front().or_else(|| self.lines.next_exchange()) else {
                if !self.held.is_empty() {
                    let mut held: Vec<(usize, Exchange)> = self.held.drain().map(|(_, v)| v).collect();
                    held.sort_by_key(|(order, _)| *order);
                    self.last.extend(held.into_iter().map(|(_, x)| x));
                }
                return self.last.pop_front();
            };
            self.read += 1;
            // The one "superseded" rule, shared with `--resume`: a step whose
            // message never reached the target is sent again, and its later
            // record replaces this one.
            let not_attempted = x.error.as_ref().is_some_and(|e| e.kind.not_attempted());
            if not_attempted {
                self.held.insert((x.task.key(), x.step), (self.read, x));
                continue;
            }
            if !self.held.is_empty() {
                self.held.remove(&(x.task.key(), x.step));
            }
            return Some(x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::exchange_seq;

    #[test]
    fn seq_from_the_line_prefix() {
        assert_eq!(exchange_seq(br#"{"type":"exchange","seq":42,"task":{}}"#), Some(42));
        assert_eq!(exchange_seq(br#"{"type":"exchange","seq":42}"#), None);
        assert_eq!(exchange_seq(br#"{"seq":42,"type":"exchange",}"#), None);
        assert_eq!(exchange_seq(br#"{"type":"header","schema":1}"#), None);
    }
}
