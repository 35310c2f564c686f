//! Appending records, on a thread of its own (group commit): walks hand
//! their records over and wait; the writer serialises whatever is ready,
//! appends it in one `write` straight to the file (no user-space buffer),
//! then acknowledges each record. A record is acknowledged only once the
//! kernel has it, so a walk counts an exchange only after it is on disk as
//! far as a `kill -9` is concerned; a crash loses at most records never
//! acknowledged and the line being written. `sync` additionally asks the OS
//! to persist to disk.
//!
//! Serialising and writing happen off the async runtime, so a slow disk
//! does not stall the threads that timestamp replies. Response bodies
//! already in the file are written as references (`body.rs`).

use super::body::Written;
use super::Record;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::mpsc;
use tokio::sync::oneshot;

/// Records appended in one `write` at most.
const BATCH_MAX: usize = 1024;

enum Job {
    Append(Record, Ack),
    Sync(Ack),
}

/// Who waits for a record to be written: a walk (async) or a plain thread.
enum Ack {
    Async(oneshot::Sender<io::Result<()>>),
    Blocking(mpsc::SyncSender<io::Result<()>>),
}

impl Ack {
    fn send(self, result: io::Result<()>) {
        let _ = match self {
            Ack::Async(done) => done.send(result).map_err(drop),
            Ack::Blocking(done) => done.send(result).map_err(drop),
        };
    }
}

pub struct RecordWriter {
    jobs: mpsc::Sender<Job>,
}

impl RecordWriter {
    /// Creates (or appends to, for `--resume`) the file and starts its writer thread.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new().name("touchpoint-record".into()).spawn(move || write_loop(file, queue))?;
        Ok(RecordWriter { jobs })
    }

    /// Appends one record as a single line; returns once it is written.
    pub async fn append(&self, record: Record) -> io::Result<()> {
        let (done, written) = oneshot::channel();
        self.jobs.send(Job::Append(record, Ack::Async(done))).map_err(|_| stopped())?;
        written.await.map_err(|_| stopped())?
    }

    /// Persists to disk: at the end of a run and on shutdown.
    pub async fn sync(&self) -> io::Result<()> {
        let (done, synced) = oneshot::channel();
        self.jobs.send(Job::Sync(Ack::Async(done))).map_err(|_| stopped())?;
        synced.await.map_err(|_| stopped())?
    }

    /// [`RecordWriter::append`] for code that is not async (`touchpoint merge`): blocks until written.
    pub fn append_blocking(&self, record: Record) -> io::Result<()> {
        let (done, written) = mpsc::sync_channel(1);
        self.jobs.send(Job::Append(record, Ack::Blocking(done))).map_err(|_| stopped())?;
        written.recv().map_err(|_| stopped())?
    }

    /// [`RecordWriter::sync`] for code that is not async.
    pub fn sync_blocking(&self) -> io::Result<()> {
        let (done, synced) = mpsc::sync_channel(1);
        self.jobs.send(Job::Sync(Ack::Blocking(done))).map_err(|_| stopped())?;
        synced.recv().map_err(|_| stopped())?
    }
}

fn stopped() -> io::Error {
    io::Error::other("the record writer stopped")
}

/// The writer thread: until every `RecordWriter` handle is dropped, takes
/// whatever records are waiting, writes them in one go and acknowledges them.
fn write_loop(mut file: File, queue: mpsc::Receiver<Job>) {
    let mut written = Written::default();
    let mut line = Vec::with_capacity(64 * 1024);
    let mut waiting: Vec<Ack> = Vec::new();
    while let Ok(first) = queue.recv() {
        let mut next = Some(first);
        let mut taken = 0;
        while let Some(job) = next.take() {
            taken += 1;
            match job {
                Job::Append(mut record, done) => {
                    let start = line.len();
                    if let Record::Exchange(x) = &mut record {
                        written.dedupe(&mut x.http);
                    }
                    let encoded = written.encoding(|| serde_json::to_writer(&mut line, &record));
                    match encoded {
                        Ok(()) => {
                            line.push(b'\n');
                            waiting.push(done);
                        }
                        Err(e) => {
                            line.truncate(start);
                            written.forget();
                            done.send(Err(io::Error::other(e)));
                        }
                    }
                }
                Job::Sync(done) => {
                    flush(&mut file, &mut line, &mut waiting, &mut written);
                    done.send(file.sync_data());
                }
            }
            if taken < BATCH_MAX {
                next = queue.try_recv().ok();
            }
        }
        flush(&mut file, &mut line, &mut waiting, &mut written);
    }
}

/// Writes the pending lines in one `write` and acknowledges their records.
fn flush(file: &mut File, line: &mut Vec<u8>, waiting: &mut Vec<Ack>, written: &mut Written) {
    if line.is_empty() && waiting.is_empty() {
        return;
    }
    let result = file.write_all(line);
    line.clear();
    if line.capacity() > 4 << 20 {
        line.shrink_to(64 * 1024);
    }
    if result.is_err() {
        written.forget();
    }
    for done in waiting.drain(..) {
        done.send(match &result {
            Ok(()) => Ok(()),
            Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
        });
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
    use crate::record::{read_run, End, EndStatus, Exchange, Header, Headers, Http, Purpose, Task, TaskKind};

    fn attempt(body: Option<String>) -> Http {
        Http {
            purpose: Purpose::Poll,
            attempt: 1,
            method: "GET".into(),
            url: "http://127.0.0.1:1/mailbox".into(),
            request_headers: Headers::new(),
            request_body: None,
            t_start_us: 1,
            t_first_byte_us: Some(2),
            t_end_us: 3,
            status: Some(200),
            headers: Headers::new(),
            body_bytes: body.as_ref().map_or(0, |b| b.len() as u64),
            body,
            body_hash: None,
            truncated: false,
            error: None,
            callback: None,
        }
    }

    fn exchange(seq: u64, http: Vec<Http>) -> Record {
        Record::Exchange(Box::new(Exchange {
            seq,
            task: Task {
                kind: TaskKind::Scenario,
                id: "s".into(),
                persona: "p".into(),
                repeat: seq as u32,
                question: None,
                channel: None,
            },
            step: 0,
            journey: None,
            stage: None,
            channel: "email".into(),
            persona_segment: "new".into(),
            question: None,
            expects: vec![],
            recognises: None,
            message: "hello".into(),
            t_sent_us: 0,
            http,
            reply: None,
            captures: Default::default(),
            error: None,
        }))
    }

    /// A mailbox of `n` messages, as a poll of it returns it.
    fn mailbox(n: usize) -> String {
        let messages: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"id":"m{i}","text":"Thanks for your message number {i}, we will reply soon."}}"#))
            .collect();
        format!(r#"{{"messages":[{}],"next":{n}}}"#, messages.join(","))
    }

    #[tokio::test]
    async fn deduplicated_bodies_read_back_byte_identical() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.jsonl");
        let header: Header = serde_json::from_str(r#"{"schema":2,"run_id":"r","suite":"s","company":"c","suite_digest":"d","tool_version":"0","seed":1,"started_at":"2026-01-01T00:00:00Z","target":"t","concurrency":1,"repeat":1,"planned_tasks":3}"#).unwrap();
        let empty = format!(r#"{{"messages":[],"pad":"{}"}}"#, "ü".repeat(3000));
        let records = vec![
            Record::Header(header),
            exchange(0, vec![attempt(Some(mailbox(400))), attempt(Some(mailbox(400))), attempt(Some(empty.clone()))]),
            exchange(
                1,
                vec![
                    attempt(Some(mailbox(401))),
                    attempt(Some(empty.clone())),
                    attempt(Some("{}".into())),
                    attempt(None),
                ],
            ),
            exchange(2, vec![attempt(Some(mailbox(402))), attempt(Some(mailbox(400)))]),
            Record::End(End {
                finished_at: chrono::Utc::now(),
                status: EndStatus::Complete,
                internal: vec![],
                exchanges: 3,
                errors: 0,
                t_end_us: 9,
            }),
        ];
        let writer = RecordWriter::open(&path).unwrap();
        for r in &records {
            writer.append(r.clone()).await.unwrap();
        }
        writer.sync().await.unwrap();
        let size = std::fs::metadata(&path).unwrap().len() as usize;
        let raw: usize = [400, 400, 401, 402, 400].iter().map(|n| mailbox(*n).len()).sum::<usize>() + 2 * empty.len();
        assert!(size * 3 < raw, "{size} bytes on disk for {raw} bytes of bodies");
        let run = read_run(&path).unwrap();
        let bodies = |r: &Record| match r {
            Record::Exchange(x) => x.http.iter().map(|h| h.body.clone()).collect::<Vec<_>>(),
            _ => vec![],
        };
        for (i, x) in run.exchanges.iter().enumerate() {
            let read: Vec<Option<String>> = x.http.iter().map(|h| h.body.clone()).collect();
            assert_eq!(read, bodies(&records[i + 1]), "exchange {i}");
        }
        // Lean readers skip the bodies, whatever their form.
        let lean: Vec<_> = crate::record::reader::open_lean(&path).unwrap().collect();
        assert!(lean.iter().flat_map(|x| &x.http).all(|h| h.body.is_none()));
    }

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
