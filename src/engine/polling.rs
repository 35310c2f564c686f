//! Receiving a reply by polling (`mode = "poll"`): the poll request is
//! sent every `every` (backing off to `max_every`) until a reply with text
//! arrives or `max_wait` passes; with `settle`, polling goes on until the
//! reply's messages stop coming. What the waiting step keeps of its polls
//! is `polls.rs`.

use super::conversation::{fail, preview, unreadable, Conversation, Message, StepOutcome};
use super::extract::{self, Source};
use super::http::Response;
use super::Shared;
use crate::record::{ErrorKind, Http, Purpose, Reply, StepError};
use serde_json::Value;

/// Polls until a reply with text arrives or `max_wait` passes. A poll
/// that fails transiently (not JSON, 5xx or 429 after retries, timeout,
/// connection refused) is recorded and polled again: only when no usable
/// poll response arrives before `max_wait` is the step an error.
pub async fn receive(
    c: &mut Conversation,
    shared: &Shared,
    msg: &Message<'_>,
    out: &mut StepOutcome,
) -> Result<Reply, StepError> {
    // Bodies of the polls in between are kept by hash, and those
    // attempts packed while the step waits (`polls.rs`).
    let mut kept = super::polls::PollBodies::default();
    let reply = poll_until(c, shared, msg, out, &mut kept).await;
    kept.restore(&mut out.http);
    reply
}

/// What one poll response said.
enum Read {
    /// A reply, and the texts it joined (each once).
    Reply(Reply, Vec<String>),
    NotYet {
        t_start_us: u64,
    },
    /// Not JSON: recorded on the attempt and polled again.
    NotJson {
        why: String,
        error: StepError,
    },
}

/// Reads one poll response: the channel's `cursor` kept for the next poll,
/// and the first reply item with text, if any.
async fn read(
    c: &mut Conversation,
    msg: &Message<'_>,
    resp: Response,
    known_absent_us: u64,
) -> Result<Read, StepError> {
    let channel = c.channel.clone();
    let rx = &channel.receive;
    let json = match serde_json::from_str::<Value>(&resp.body) {
        Ok(json) => json,
        Err(e) => {
            let why = format!("the poll response is not JSON ({e}); it starts: {}", preview(&resp.body));
            return Ok(Read::NotJson { error: unreadable(&resp, &why), why });
        }
    };
    let src = Source { body: &resp.body, json: Some(&json), headers: &resp.headers, hash: resp.body_hash };
    if let Some(cursor) = &rx.cursor {
        let ex = c.resolve(cursor, msg)?;
        if let Ok(Some(next)) = extract::extract_first(&ex, &src).await {
            c.vars.insert("cursor".into(), Value::String(next));
        }
    }
    let Some(reply_ex) = &rx.reply else { return Err(fail(ErrorKind::Suite, "poll mode without `reply`")) };
    let ex = c.resolve(reply_ex, msg)?;
    let items = extract::extract_all(&ex, &src).await.map_err(|e| unreadable(&resp, e))?;
    // A bot that answers in several messages at once is read as one reply,
    // the texts joined in order (as in `mode = "response"`); the same text
    // listed twice is read once. Captures read the first message.
    let mut texts: Vec<String> = Vec::new();
    let mut first: Option<Value> = None;
    let mut seen = std::collections::HashSet::new();
    for item in items {
        let text = c.reply_text(Some(&item), &resp, Some(&json), msg).await?;
        // An item with no text (an empty bot message) is not a reply.
        if !text.trim().is_empty() && seen.insert(text.clone()) {
            texts.push(text);
            first.get_or_insert(item);
        }
    }
    if texts.is_empty() {
        return Ok(Read::NotYet { t_start_us: resp.t_start_us });
    }
    let reply = Reply {
        text: texts.join("\n"),
        item: first,
        t_earliest_us: known_absent_us,
        t_latest_us: resp.t_first_byte_us,
        ..Reply::default()
    };
    Ok(Read::Reply(reply, texts))
}

async fn poll_until(
    c: &mut Conversation,
    shared: &Shared,
    msg: &Message<'_>,
    out: &mut StepOutcome,
    kept: &mut super::polls::PollBodies,
) -> Result<Reply, StepError> {
    let channel = c.channel.clone();
    let rx = &channel.receive;
    let spec = rx.request.as_ref().ok_or_else(|| fail(ErrorKind::Suite, "poll mode without a request"))?;
    if rx.reply.is_none() {
        return Err(fail(ErrorKind::Suite, "poll mode without `reply`"));
    }
    let max_wait = rx.max_wait.or(std::time::Duration::from_secs(30));
    let deadline = tokio::time::Instant::now()
        .checked_add(max_wait)
        .ok_or_else(|| fail(ErrorKind::Request, "`max_wait` is too large for the clock; `check` limits it"))?;
    let mut every = rx.every.or(std::time::Duration::from_millis(250));
    let max_every = rx.max_every.or(std::time::Duration::from_secs(2));
    // Before the first poll, the reply can at the earliest come right after sending.
    let mut known_absent_us = out.t_sent_us;
    let mut stop = shared.stop.clone();
    let (mut polls, mut faults) = (0u32, 0u32);
    let mut last_fault: Option<StepError> = None;
    // "Let me check that for you…" alone: held while the answer is awaited.
    let mut held: Option<Answer> = None;
    loop {
        if *stop.borrow() {
            if let Some(held) = held {
                return Ok(held.reply);
            }
            return Err(fail(ErrorKind::Interrupted, "the run was stopped while waiting for this reply"));
        }
        polls += 1;
        let sent = c.request(shared, spec, Purpose::Poll, msg, &mut out.http).await;
        kept.settle(&mut out.http);
        match sent {
            // Boxed, the response moved in: a step waiting between polls
            // reserves no room for reading one.
            Ok(resp) => match Box::pin(read(c, msg, resp, known_absent_us)).await? {
                Read::Reply(reply, texts) => {
                    let Answer { reply, texts } = match held.take() {
                        Some(mut before) => {
                            if !before.join(&reply, &texts) {
                                // Only what is already held: nothing new yet.
                                known_absent_us = out.http.last().map_or(known_absent_us, |h| h.t_start_us);
                                if tokio::time::Instant::now() >= deadline {
                                    return Ok(before.reply);
                                }
                                held = Some(before);
                                pause(&mut stop, every, deadline).await;
                                every = every.mul_f64(rx.backoff.max(1.0)).min(max_every);
                                continue;
                            }
                            before
                        }
                        None => Answer { reply, texts },
                    };
                    if rx.settle.is_none() && texts.iter().all(|t| super::holding::is_holding(t)) {
                        // A bot's "Let me check that for you…" is not its
                        // answer: keep polling for what follows (the
                        // holding message is the reply if nothing does).
                        known_absent_us = out.http.last().map_or(known_absent_us, |h| h.t_start_us);
                        if tokio::time::Instant::now() >= deadline {
                            return Ok(reply);
                        }
                        held = Some(Answer { reply, texts });
                        pause(&mut stop, every, deadline).await;
                        continue;
                    }
                    return Ok(match rx.settle.as_ref().and_then(|d| d.parse().ok()).filter(|q| !q.is_zero()) {
                        Some(quiet) => {
                            let answer = Answer { reply, texts };
                            Box::pin(settle(c, shared, msg, out, kept, answer, quiet, deadline)).await
                        }
                        None => reply,
                    });
                }
                // The server answered "not yet" somewhere between sending the poll and its first byte.
                Read::NotYet { t_start_us } => known_absent_us = t_start_us,
                Read::NotJson { why, error } => {
                    if let Some(h) = out.http.last_mut() {
                        h.error = Some(why);
                    }
                    faults += 1;
                    last_fault = Some(error);
                }
            },
            Err(e) if is_transient(&e, out.http.last()) => {
                faults += 1;
                last_fault = Some(e);
            }
            Err(e) => return Err(e),
        }
        tracing::trace!(channel = %c.channel_name, every_ms = every.as_millis() as u64, "no reply yet; polling again");
        let now = tokio::time::Instant::now();
        if now >= deadline {
            if let Some(held) = held {
                return Ok(held.reply);
            }
            let waited = humantime::format_duration(max_wait);
            return Err(match last_fault {
                // Every poll failed: the fault itself is the outcome.
                Some(f) if faults == polls => StepError {
                    kind: f.kind,
                    message: format!(
                        "no usable poll response within {waited} (max_wait): all {polls} polls failed; the last: {}",
                        f.message
                    ),
                },
                _ => fail(
                    ErrorKind::NoReply,
                    format!(
                        "no reply within {waited} (max_wait); polled {polls} times{}",
                        if faults > 0 {
                            format!(", {faults} of them failed and were polled again")
                        } else {
                            String::new()
                        }
                    ),
                ),
            });
        }
        let pause = every.min(deadline - now);
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.changed() => {}
        }
        every = every.mul_f64(rx.backoff.max(1.0)).min(max_every);
    }
}

/// A reply being read over several polls, and the texts it has so far.
struct Answer {
    reply: Reply,
    texts: Vec<String>,
}

impl Answer {
    /// This answer followed by a later poll's reply: its new texts joined
    /// after, the time that of the later one. False (and unchanged) when
    /// nothing is new.
    fn join(&mut self, later: &Reply, texts: &[String]) -> bool {
        let before = self.texts.len();
        for text in texts {
            if !self.texts.contains(text) {
                self.texts.push(text.clone());
            }
        }
        if self.texts.len() == before {
            return false;
        }
        self.reply.text = self.texts.join("\n");
        self.reply.t_earliest_us = later.t_earliest_us;
        self.reply.t_latest_us = later.t_latest_us;
        true
    }
}

/// Waits `every` (bounded by the deadline) or until the run stops.
async fn pause(
    stop: &mut tokio::sync::watch::Receiver<bool>,
    every: std::time::Duration,
    deadline: tokio::time::Instant,
) {
    let now = tokio::time::Instant::now();
    tokio::select! {
        _ = tokio::time::sleep(every.min(deadline.saturating_duration_since(now))) => {}
        _ = stop.changed() => {}
    }
}

/// `receive.settle`: a bot that answers in several messages over several
/// polls ("Let me check that for you…", then the answer a moment later)
/// is read whole. Polling goes on every `every` until no new message has
/// come for `quiet` (or `max_wait` passes, or the run stops); new texts
/// are joined in order, each once, and the reply's time is when its last
/// message arrived — the answer is complete only then. A poll that fails
/// here costs nothing: the reply is what arrived.
#[allow(clippy::too_many_arguments)]
async fn settle(
    c: &mut Conversation,
    shared: &Shared,
    msg: &Message<'_>,
    out: &mut StepOutcome,
    kept: &mut super::polls::PollBodies,
    mut answer: Answer,
    quiet: std::time::Duration,
    deadline: tokio::time::Instant,
) -> Reply {
    let channel = c.channel.clone();
    let rx = &channel.receive;
    let Some(spec) = rx.request.as_ref() else { return answer.reply };
    let every = rx.every.or(std::time::Duration::from_millis(250));
    let mut stop = shared.stop.clone();
    let mut last_new = tokio::time::Instant::now();
    // Polled with nothing new: the next message came after this poll started.
    let mut known_absent_us = answer.reply.t_latest_us;
    loop {
        let until = (last_new + quiet).min(deadline);
        let now = tokio::time::Instant::now();
        if now >= until || *stop.borrow() {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(every.min(until - now)) => {}
            _ = stop.changed() => break,
        }
        let sent = c.request(shared, spec, Purpose::Poll, msg, &mut out.http).await;
        kept.settle(&mut out.http);
        let Ok(resp) = sent else { continue };
        let started_us = resp.t_start_us;
        let more = match Box::pin(read(c, msg, resp, known_absent_us)).await {
            Ok(Read::Reply(more, texts)) => Some((more, texts)),
            _ => None,
        };
        let mut new = false;
        if let Some((more, texts)) = more {
            for text in texts {
                if !answer.texts.contains(&text) {
                    answer.texts.push(text);
                    new = true;
                }
            }
            if new {
                answer.reply.t_earliest_us = more.t_earliest_us;
                answer.reply.t_latest_us = more.t_latest_us;
                last_new = tokio::time::Instant::now();
            }
        }
        if !new {
            known_absent_us = started_us;
        }
    }
    answer.reply.text = answer.texts.join("\n");
    answer.reply
}

/// Whether a failed poll is worth polling again: the target stumbled
/// (timeout, refused connection, 5xx or 429 after retries, a body that is
/// not what it should be) rather than refused us for good (4xx) or the
/// suite being wrong.
fn is_transient(e: &StepError, last: Option<&Http>) -> bool {
    match e.kind {
        ErrorKind::Timeout | ErrorKind::Connect | ErrorKind::Body | ErrorKind::Malformed | ErrorKind::TooLarge => true,
        ErrorKind::Status => last.and_then(|h| h.status).is_some_and(|s| s >= 500 || s == 429),
        _ => false,
    }
}
