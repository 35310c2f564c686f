//! Decoding ahead on a thread of its own. Decoding JSON is about a third of
//! analysing a run; on a machine with a spare core it overlaps with the
//! analysis instead of adding to it. Exchanges are handed over in batches
//! through a small bounded channel, so memory stays bounded too.

use super::reader::ReadError;
use super::stream::{RunStream, RunTail};
use super::{Exchange, Header};
use std::io::BufRead;
use std::sync::mpsc::{self, Receiver};
use std::thread::JoinHandle;

/// Exchanges per hand-over, and hand-overs in flight.
const BATCH: usize = 256;
const IN_FLIGHT: usize = 4;

/// A [`RunStream`] read on another thread; iterate it, then [`Prefetch::finish`].
pub struct Prefetch {
    header: Header,
    batches: Receiver<Vec<Exchange>>,
    current: std::vec::IntoIter<Exchange>,
    reader: JoinHandle<Result<(Header, RunTail), ReadError>>,
}

impl Prefetch {
    pub fn new<R: BufRead + Send + 'static>(mut stream: RunStream<R>) -> Self {
        let header = stream.header().clone();
        let (send, batches) = mpsc::sync_channel(IN_FLIGHT);
        let reader = std::thread::spawn(move || {
            loop {
                let batch: Vec<Exchange> = stream.by_ref().take(BATCH).collect();
                // An empty batch is the end; a closed channel means the reader was dropped.
                if batch.is_empty() || send.send(batch).is_err() {
                    break;
                }
            }
            stream.finish()
        });
        Prefetch { header, batches, current: Vec::new().into_iter(), reader }
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Drains what is left and returns what the end of the record said, or
    /// the error that stopped reading.
    pub fn finish(mut self) -> Result<(Header, RunTail), ReadError> {
        for _ in self.by_ref() {}
        drop(self.batches);
        match self.reader.join() {
            Ok(result) => result,
            // The decoding thread panicked: pass the panic on, as if it had happened here.
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

impl Iterator for Prefetch {
    type Item = Exchange;

    fn next(&mut self) -> Option<Exchange> {
        loop {
            if let Some(x) = self.current.next() {
                return Some(x);
            }
            self.current = self.batches.recv().ok()?.into_iter();
        }
    }
}
