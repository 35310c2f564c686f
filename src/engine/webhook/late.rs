//! Callbacks no step was waiting for — arriving after their conversation
//! ended, or left unread in its inbox when it ended — are recorded as
//! `late_callback` lines of the run that registered the conversation. The
//! receiver hands them over through a bounded [`Sink`] (never blocking the
//! listener: when the run is gone or behind, they are only counted); the
//! run's [`Recorder`] appends them until the run ends.

use super::Callback;
use crate::engine::Shared;
use crate::record::{LateCallback, Record};
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

/// Late callbacks waiting to be written, per run.
const PENDING: usize = 1024;

type Item = (String, String, Callback);

/// Where a run's late callbacks go.
#[derive(Debug, Clone)]
pub struct Sink {
    tx: mpsc::Sender<Item>,
}

/// The receiving end, until the run's [`Recorder`] takes it.
pub struct Inbox(mpsc::Receiver<Item>);

pub fn channel() -> (Sink, Inbox) {
    let (tx, rx) = mpsc::channel(PENDING);
    (Sink { tx }, Inbox(rx))
}

impl Sink {
    /// Hands over a callback that came to `url` of `channel`; false when
    /// the run is gone or too far behind (it is then only counted).
    pub fn send(&self, channel: &str, url: &str, cb: Callback) -> bool {
        self.tx.try_send((channel.to_string(), url.to_string(), cb)).is_ok()
    }
}

/// The run's side: appends each late callback to `run.jsonl`.
pub struct Recorder {
    done: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

async fn write(shared: &Shared, (channel, url, cb): Item) {
    let http = super::record::http(&cb, &url, &shared.redactor, &shared.clock);
    shared.record(Record::LateCallback(Box::new(LateCallback { channel, http }))).await;
}

impl Recorder {
    pub fn start(shared: Arc<Shared>, inbox: Inbox) -> Recorder {
        let Inbox(mut rx) = inbox;
        let (done, mut finished) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    next = rx.recv() => match next {
                        Some(item) => write(&shared, item).await,
                        None => break,
                    },
                    _ = finished.changed() => {
                        rx.close();
                        while let Ok(item) = rx.try_recv() {
                            write(&shared, item).await;
                        }
                        break;
                    }
                }
            }
        });
        Recorder { done, task }
    }

    /// Writes what is queued and stops; called before the end record.
    pub async fn finish(self) {
        let _ = self.done.send(true);
        let _ = self.task.await;
    }
}

/// At the end of a conversation: the callbacks still in its inbox (a
/// duplicate of the last reply, a reply nobody waited for) go to the run's
/// recorder, duplicates marked as such (`receive.dedupe`).
pub fn drain(
    channel_name: &str,
    url: &str,
    inbox: &mut mpsc::Receiver<Callback>,
    shared: &Shared,
    channel: &crate::suite::Channel,
    seen: &mut std::collections::HashSet<String>,
) {
    inbox.close();
    let dedupe = channel.receive.dedupe.as_ref().and_then(|d| d.resolve().ok());
    let Some(sink) = shared.hooks.get(channel_name).and_then(|g| g.late.clone()) else { return };
    while let Ok(mut cb) = inbox.try_recv() {
        if let (Some(dedupe), Ok(value), None) = (&dedupe, &cb.value, &cb.note) {
            let headers = crate::extract::Received::List(cb.headers.iter().cloned().collect());
            let src = crate::extract::Source { body: &cb.body, json: Some(value), headers: &headers, hash: None };
            if let Ok(Some(id)) = crate::extract::extract_first(dedupe, &src) {
                if !seen.insert(id.clone()) {
                    let reason =
                        format!("duplicate delivery of event `{}`: not read again", shared.redactor.redact(&id));
                    cb.note = Some((crate::record::CallbackNote::Duplicate, reason));
                }
            }
        }
        sink.send(channel_name, url, cb);
    }
}
