//! Appending records, on a thread of its own (group commit): records are
//! handed over, and the writer serialises whatever is ready, appends it in
//! one `write` straight to the file (no user-space buffer), then
//! acknowledges each record. A record is acknowledged only once the kernel
//! has it, so a crash (`kill -9`) loses at most records never acknowledged
//! and the line being written. `sync` additionally asks the OS to persist to
//! disk.
//!
//! Two ways to hand a record over:
//! - `append` (and `append_blocking`) waits for its acknowledgement: the
//!   header, the end record, late callbacks, `touchpoint merge`.
//! - `hand_over` is for the exchanges of a run's walks, tens of thousands
//!   of them: the walk goes on at once, and the acknowledgement is the
//!   commit hook the writer was opened with (`open_counted`), told after
//!   each `write` which exchanges it holds — that is where they are counted,
//!   so an exchange is still counted only once it is written. Nobody waits
//!   on each record, so the writer lingers a moment after such a commit and
//!   takes the next group whole, instead of being woken per record. At most
//!   [`IN_FLIGHT`] handed-over records wait at once: a slow disk makes the
//!   walks wait, not memory grow.
//!
//! Serialising and writing happen off the async runtime, so a slow disk
//! does not stall the threads that timestamp replies. Response bodies
//! already in the file are written as references (`body.rs`).

use super::body::Written;
use super::{Exchange, Record};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, Semaphore};

/// Records appended in one `write` at most.
const BATCH_MAX: usize = 1024;

/// Handed-over records waiting to be written, at most.
pub const IN_FLIGHT: usize = 4096;

/// How long the writer waits after committing handed-over records before
/// it looks for more: the window in which the next group gathers without
/// waking it once per record.
const LINGER: Duration = Duration::from_micros(500);

/// One exchange a commit wrote, as its hook is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Committed {
    pub seq: u64,
    /// It carries an error (the target's, or the suite's).
    pub failed: bool,
}

/// Told after each `write` which handed-over exchanges it holds, or that
/// they could not be written.
pub type OnCommit = Box<dyn FnMut(&[Committed], Result<(), &io::Error>) + Send>;

// A job lives only on its way to the writer thread.
#[allow(clippy::large_enum_variant)]
enum Job {
    Append(Record, Ack),
    /// Acknowledged once everything handed over before it is written.
    Flush(Ack),
    Sync(Ack),
}

/// Who waits for a record to be written: a walk (async), a plain thread, or
/// nobody (a handed-over exchange: the commit hook counts it).
enum Ack {
    Async(oneshot::Sender<io::Result<()>>),
    Blocking(mpsc::SyncSender<io::Result<()>>),
    Counted(Committed),
}

impl Ack {
    fn send(self, result: io::Result<()>) {
        let _ = match self {
            Ack::Async(done) => done.send(result).map_err(drop),
            Ack::Blocking(done) => done.send(result).map_err(drop),
            Ack::Counted(_) => Ok(()),
        };
    }
}

pub struct RecordWriter {
    jobs: mpsc::Sender<Job>,
    /// Room for handed-over records ([`IN_FLIGHT`]); the writer gives it back once written.
    room: Arc<Semaphore>,
}

impl RecordWriter {
    /// Creates (or appends to, for `--resume`) the file and starts its writer thread.
    pub fn open(path: &Path) -> io::Result<Self> {
        Self::open_counted(path, Box::new(|_, _| {}))
    }

    /// [`RecordWriter::open`], telling `on_commit` which handed-over
    /// exchanges each `write` made durable.
    pub fn open_counted(path: &Path, on_commit: OnCommit) -> io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let (jobs, queue) = mpsc::channel();
        let room = Arc::new(Semaphore::new(IN_FLIGHT));
        let writer_room = room.clone();
        std::thread::Builder::new()
            .name("touchpoint-record".into())
            .spawn(move || write_loop(file, queue, writer_room, on_commit))?;
        Ok(RecordWriter { jobs, room })
    }

    /// Appends one record as a single line; returns once it is written.
    pub async fn append(&self, record: Record) -> io::Result<()> {
        let (done, written) = oneshot::channel();
        self.jobs.send(Job::Append(record, Ack::Async(done))).map_err(|_| stopped())?;
        written.await.map_err(|_| stopped())?
    }

    /// Hands an exchange over to be written and returns without waiting for
    /// it (only for room, when [`IN_FLIGHT`] records already wait); the
    /// commit hook is told once it is written.
    pub async fn hand_over(&self, exchange: Box<Exchange>) -> io::Result<()> {
        let permit = self.room.acquire().await.map_err(|_| stopped())?;
        let note = Committed { seq: exchange.seq, failed: exchange.error.is_some() };
        self.jobs.send(Job::Append(Record::Exchange(exchange), Ack::Counted(note))).map_err(|_| stopped())?;
        // Given back by the writer once the record is written.
        permit.forget();
        Ok(())
    }

    /// Returns once every record handed over before it is written (and its
    /// commit hook has run).
    pub async fn flush(&self) -> io::Result<()> {
        let (done, flushed) = oneshot::channel();
        self.jobs.send(Job::Flush(Ack::Async(done))).map_err(|_| stopped())?;
        flushed.await.map_err(|_| stopped())?
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

/// The records of one `write`, and who is told when it is done.
struct Pending {
    line: Vec<u8>,
    waiting: Vec<Ack>,
    /// The handed-over exchanges among them.
    counted: Vec<Committed>,
    room: Arc<Semaphore>,
    on_commit: OnCommit,
}

/// The writer thread: until every `RecordWriter` handle is dropped, takes
/// whatever records are waiting, writes them in one go and acknowledges them.
fn write_loop(mut file: File, queue: mpsc::Receiver<Job>, room: Arc<Semaphore>, on_commit: OnCommit) {
    let mut written = Written::default();
    let mut p =
        Pending { line: Vec::with_capacity(64 * 1024), waiting: Vec::new(), counted: Vec::new(), room, on_commit };
    while let Ok(first) = queue.recv() {
        let mut next = Some(first);
        let mut taken = 0;
        // Lingering only helps when nobody waits on this group.
        let mut linger = true;
        while let Some(job) = next.take() {
            taken += 1;
            match job {
                Job::Append(mut record, done) => {
                    linger &= matches!(done, Ack::Counted(_));
                    let start = p.line.len();
                    if let Record::Exchange(x) = &mut record {
                        written.dedupe(&mut x.http);
                    }
                    let encoded = written.encoding(|| super::json::write(&mut p.line, &record));
                    match encoded {
                        Ok(()) => {
                            p.line.push(b'\n');
                            match done {
                                Ack::Counted(note) => p.counted.push(note),
                                done => p.waiting.push(done),
                            }
                        }
                        Err(e) => {
                            p.line.truncate(start);
                            written.forget();
                            let e = io::Error::other(e);
                            if let Ack::Counted(note) = done {
                                (p.on_commit)(&[note], Err(&e));
                                p.room.add_permits(1);
                            }
                            done.send(Err(e));
                        }
                    }
                }
                Job::Flush(done) => {
                    linger = false;
                    flush(&mut file, &mut p, &mut written);
                    done.send(Ok(()));
                }
                Job::Sync(done) => {
                    linger = false;
                    flush(&mut file, &mut p, &mut written);
                    done.send(file.sync_data());
                }
            }
            if taken < BATCH_MAX {
                next = queue.try_recv().ok();
            }
        }
        flush(&mut file, &mut p, &mut written);
        if linger && taken < BATCH_MAX {
            std::thread::sleep(LINGER);
        }
    }
}

/// Writes the pending lines in one `write` and acknowledges their records.
fn flush(file: &mut File, p: &mut Pending, written: &mut Written) {
    if p.line.is_empty() && p.waiting.is_empty() && p.counted.is_empty() {
        return;
    }
    let result = file.write_all(&p.line);
    p.line.clear();
    if p.line.capacity() > 4 << 20 {
        p.line.shrink_to(64 * 1024);
    }
    if result.is_err() {
        written.forget();
    }
    if !p.counted.is_empty() {
        (p.on_commit)(&p.counted, result.as_ref().map(|_| ()));
        p.room.add_permits(p.counted.len());
        p.counted.clear();
    }
    for done in p.waiting.drain(..) {
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

    /// The engine's hash of a body (`body::key`, as the response arrived)
    /// is recorded as it is; one written differently, or none, is the
    /// body's own hash in lower-case hex.
    #[test]
    fn a_body_is_recorded_under_its_own_hash_written_once() {
        use crate::record::body::{hash, hex, Written};
        let page = "<p>refunds within 30 days</p>".repeat(40);
        let own = hex(hash(&page));
        let mut http = vec![attempt(Some(page.clone())), attempt(Some(page.clone())), attempt(Some(page.clone()))];
        http[0].body_hash = Some(own.clone());
        http[1].body_hash = Some(own.to_uppercase());
        let mut written = Written::default();
        written.dedupe(&mut http);
        assert!(http.iter().all(|h| h.body_hash.as_deref() == Some(own.as_str())), "{http:?}");
        assert_eq!(http[0].body.as_deref(), Some(page.as_str()), "the first is written whole");
        assert!(http[1].body.is_none() && http[2].body.is_none(), "the repeats are references");
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

    /// Handed-over exchanges are counted by the commit hook, in order, only
    /// once written: after `flush` every one is in the file and was told.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn handed_over_exchanges_are_told_to_the_hook_once_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.jsonl");
        let told = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (hook_told, hook_path) = (told.clone(), path.clone());
        let writer = RecordWriter::open_counted(
            &path,
            Box::new(move |written, result| {
                assert!(result.is_ok());
                // What is told is already in the file: a group is one
                // `write`, so its last exchange ends the file.
                let mut f = File::open(&hook_path).unwrap();
                let len = f.metadata().unwrap().len();
                f.seek(SeekFrom::Start(len.saturating_sub(4096))).unwrap();
                let mut tail = String::new();
                f.read_to_string(&mut tail).unwrap();
                let last = written.last().unwrap().seq;
                let line = tail.trim_end().rsplit('\n').next().unwrap();
                assert!(line.contains(&format!("\"seq\":{last},")), "seq {last} told before written");
                hook_told.lock().unwrap().extend_from_slice(written);
            }),
        )
        .unwrap();
        let header: Header = serde_json::from_str(r#"{"schema":2,"run_id":"r","suite":"s","company":"c","suite_digest":"d","tool_version":"0","seed":1,"started_at":"2026-01-01T00:00:00Z","target":"t","concurrency":4,"repeat":1,"planned_tasks":1}"#).unwrap();
        writer.append(Record::Header(header)).await.unwrap();
        let writer = std::sync::Arc::new(writer);
        let n = 3 * IN_FLIGHT as u64 / 2;
        let mut walks = Vec::new();
        for w in 0..4u64 {
            let writer = writer.clone();
            walks.push(tokio::spawn(async move {
                for i in (w..n).step_by(4) {
                    let Record::Exchange(mut x) = exchange(i, vec![attempt(Some(format!("reply {i}")))]) else {
                        unreachable!()
                    };
                    if i % 7 == 0 {
                        x.error = Some(crate::record::StepError {
                            kind: crate::record::ErrorKind::Status,
                            message: "503".into(),
                        });
                    }
                    writer.hand_over(x).await.unwrap();
                }
            }));
        }
        for w in walks {
            w.await.unwrap();
        }
        writer.flush().await.unwrap();
        let mut told = told.lock().unwrap().clone();
        assert_eq!(told.len() as u64, n);
        told.sort_by_key(|x| x.seq);
        for (i, x) in told.iter().enumerate() {
            assert_eq!(*x, Committed { seq: i as u64, failed: i % 7 == 0 });
        }
        assert_eq!(read_run(&path).unwrap().exchanges.len() as u64, n);
    }

    /// A record is written exactly as `serde_json` writes it (`json.rs`
    /// escapes strings faster, with the same bytes): hostile text in the
    /// message, headers, the body and the error.
    #[test]
    fn records_are_written_byte_for_byte_as_serde_json_writes_them() {
        let hostile = "quote \" back \\ nul \u{0} bell \u{7} tab \t cr \r nl \n del \u{7f} ls \u{2028} é 😀 </script>";
        let mut http = attempt(Some(format!("{hostile} {}", "x".repeat(300))));
        http.headers = [("x-evil\"", hostile)].into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        http.error = Some(hostile.into());
        let mut record = exchange(3, vec![http]);
        if let Record::Exchange(x) = &mut record {
            x.message = hostile.into();
        }
        let mut ours = Vec::new();
        crate::record::json::write(&mut ours, &record).unwrap();
        assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(&record).unwrap());
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
