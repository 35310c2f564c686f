//! One conversation on one channel: the single, generic mechanism that runs
//! any channel from its configuration — open once, send each message,
//! receive the reply in the response, by polling or by webhook. There is no
//! per-vendor code: everything specific lives in `channels.toml`.

use super::extract::{self, Source};
use super::http::{Outcome, Response};
pub use super::prepare::prepare;
use super::webhook::Callback;
use super::Shared;
use crate::record::{ErrorKind, Http, Purpose, Reply, StepError};
use crate::suite::channel::{Channel, Extract, Extractor, ReceiveMode, RequestSpec};
use crate::template;
use crate::template::vars::Vars;
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::mpsc;

/// What one message produced.
#[derive(Debug, Default)]
pub struct StepOutcome {
    pub t_sent_us: u64,
    pub http: Vec<Http>,
    pub reply: Option<Reply>,
    /// The values captured, by name (a few: a `Vec`, as a B-tree leaf
    /// would reserve eleven in every waiting step).
    pub captures: Vec<(String, String)>,
    pub error: Option<StepError>,
}

/// Sets a captured value in `captures` (a name captured again keeps the last value).
pub fn set_capture(captures: &mut Vec<(String, String)>, name: &str, value: String) {
    match captures.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = value,
        None => {
            // One slot at a time: a first push would reserve four (~190 bytes) in every waiting step.
            captures.reserve_exact(1);
            captures.push((name.to_string(), value))
        }
    }
}

/// State kept across the messages of one conversation.
pub struct Conversation {
    pub channel_name: String,
    pub(super) channel: Arc<Channel>,
    /// Captured values and the poll cursor: the template context of this conversation.
    pub(super) vars: Vars,
    opened: bool,
    hook: Option<(String, mpsc::Receiver<Callback>)>,
    /// Event ids of the callbacks seen (`receive.dedupe`), so a duplicate delivery is never a second reply.
    seen_events: std::collections::HashSet<String>,
}

/// The message being sent, for templates.
pub struct Message<'a> {
    pub text: &'a str,
    pub subject: &'a str,
    /// Values the walk captured on earlier steps (any channel).
    pub walk_vars: &'a Vars,
    /// The run's common context: env, target, run.
    pub base: &'a template::context::Base,
    /// The persona speaking (`{{ persona.name }}`), converted once per walk.
    pub persona: &'a minijinja::Value,
    /// Templated JSONPath filters render here: values escaped as JSONPath strings.
    pub jsonpath_templates: &'a minijinja::Environment<'static>,
}

pub(super) fn fail(kind: ErrorKind, message: impl Into<String>) -> StepError {
    StepError { kind, message: message.into() }
}

impl Conversation {
    pub fn new(channel_name: &str, channel: Arc<Channel>, shared: &Shared) -> Self {
        let mut vars = Vars::new();
        vars.insert("cursor".into(), Value::String(channel.receive.cursor_start.clone()));
        let hook = (channel.receive.mode == ReceiveMode::Webhook)
            .then(|| {
                let guard = shared.hooks.get(channel_name).cloned().unwrap_or_default();
                shared.webhook.as_ref().map(|h| h.register(guard))
            })
            .flatten();
        Conversation {
            channel_name: channel_name.to_string(),
            channel,
            vars,
            opened: false,
            hook,
            seen_events: Default::default(),
        }
    }

    /// Releases the webhook URL; callbacks left unread are recorded as late.
    pub fn close(mut self, shared: &Shared) {
        if let (Some((url, inbox)), Some(hub)) = (self.hook.as_mut(), &shared.webhook) {
            hub.release(url);
            super::webhook::late::drain(&self.channel_name, url, inbox, shared, &self.channel, &mut self.seen_events);
        }
    }

    /// The template context of this conversation: the one builder, [`template::context::Layers`].
    pub(super) fn context<'a>(&'a self, msg: &Message<'a>) -> template::context::Context<'a> {
        template::context::Layers {
            base: msg.base,
            persona: msg.persona,
            walk_vars: msg.walk_vars,
            conversation_vars: Some(&self.vars),
            message: Some((msg.text, msg.subject)),
            webhook_url: self.hook.as_ref().map(|(url, _)| url.as_str()),
        }
        .build()
    }

    /// Sends one customer message and waits for the reply.
    pub async fn exchange(&mut self, shared: &Shared, msg: &Message<'_>) -> StepOutcome {
        let mut out = StepOutcome { t_sent_us: shared.clock.us(), ..Default::default() };
        if let Err(e) = self.exchange_inner(shared, msg, &mut out).await {
            out.error = Some(stopped_after_delivery(e, &out.http));
        }
        out
    }

    async fn exchange_inner(
        &mut self,
        shared: &Shared,
        msg: &Message<'_>,
        out: &mut StepOutcome,
    ) -> Result<(), StepError> {
        let channel = self.channel.clone();
        // `mode = "stream"` without a `request`: the last send's response is the event stream.
        let mut events = super::stream::Events::on_send(&channel);
        let mut last = self.send_all(shared, msg, out, events.as_mut()).await?;
        // Only these modes read the last response: the others wait without
        // holding it (its headers and body, ~700 bytes per waiting step).
        if !matches!(channel.receive.mode, ReceiveMode::Response | ReceiveMode::Stream) {
            last = None;
        }
        let reply = match channel.receive.mode {
            ReceiveMode::Response => {
                let resp = last.ok_or_else(|| fail(ErrorKind::Suite, "the channel sends nothing"))?;
                Box::pin(self.reply_from_response(&resp, msg)).await?
            }
            ReceiveMode::Stream => Box::pin(super::stream::receive(self, shared, msg, out, events, last)).await?,
            ReceiveMode::Poll | ReceiveMode::Webhook | ReceiveMode::Websocket => {
                self.wait_reply(shared, msg, out).await?
            }
        };
        out.reply = Some(reply);
        Ok(())
    }

    /// [`Conversation::exchange`], boxed: a step that waits for its reply
    /// (polls, a webhook, a WebSocket) as [`Conversation::exchange_waiting`],
    /// whose future is a third of the size.
    pub fn exchange_boxed<'a>(
        &'a mut self,
        shared: &'a Shared,
        msg: &'a Message<'_>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = StepOutcome> + Send + 'a>> {
        if matches!(self.channel.receive.mode, ReceiveMode::Poll | ReceiveMode::Webhook | ReceiveMode::Websocket) {
            Box::pin(self.exchange_waiting(shared, msg))
        } else {
            Box::pin(self.exchange(shared, msg))
        }
    }

    /// [`Conversation::exchange`] for a channel that waits for its reply.
    /// Its sends are boxed apart: inlined, the space their requests and
    /// responses need (~650 bytes) would stay reserved in the future of every
    /// step waiting for its reply (10,000 waiting personas: ~6 MB).
    pub async fn exchange_waiting(&mut self, shared: &Shared, msg: &Message<'_>) -> StepOutcome {
        let mut out = StepOutcome { t_sent_us: shared.clock.us(), ..Default::default() };
        let outcome = async {
            // The last response is dropped at once: a waiting mode does not read it.
            Box::pin(self.send_all(shared, msg, &mut out, None)).await?;
            out.reply = Some(self.wait_reply(shared, msg, &mut out).await?);
            Ok::<_, StepError>(())
        }
        .await;
        if let Err(e) = outcome {
            out.error = Some(stopped_after_delivery(e, &out.http));
        }
        out
    }

    /// Opens the conversation if it is not yet, and sends the message
    /// (`events`: the last send's body read as an event stream). Returns
    /// the last send's response.
    async fn send_all(
        &mut self,
        shared: &Shared,
        msg: &Message<'_>,
        out: &mut StepOutcome,
        mut events: Option<&mut super::stream::Events>,
    ) -> Result<Option<Response>, StepError> {
        let channel = self.channel.clone();
        if let Some(problem) = shared.hooks.get(&self.channel_name).and_then(|g| g.problem.clone()) {
            return Err(fail(ErrorKind::Suite, problem));
        }
        if !self.opened {
            if let Some(open) = &channel.open {
                let resp = self.request(shared, open, Purpose::Open, msg, &mut out.http).await?;
                Box::pin(self.capture(&open.capture, &resp, msg, &mut out.captures)).await?;
            }
            self.opened = true;
        }
        let mut last = None;
        // `mode = "websocket"`: `send` is the socket and its frame, sent when receiving.
        let sends = if channel.receive.mode == ReceiveMode::Websocket { &[] } else { channel.send.as_slice() };
        for (i, spec) in sends.iter().enumerate() {
            let watch =
                events.as_deref_mut().filter(|_| i + 1 == sends.len()).map(|e| e as &mut dyn super::http::Watch);
            let resp = self.request_watched(shared, spec, Purpose::Send, msg, &mut out.http, watch).await?;
            if i == 0 {
                out.t_sent_us = resp.t_start_us;
            }
            if !spec.capture.is_empty() {
                // Boxed: a step whose request captures nothing reserves no room for it.
                Box::pin(self.capture(&spec.capture, &resp, msg, &mut out.captures)).await?;
            }
            last = Some(resp);
        }
        Ok(last)
    }

    /// The reply of a step that waits for it. Each way of receiving is
    /// boxed: inlined, every waiting step would reserve the largest of them
    /// (a WebSocket's, ~15 KB) whatever its mode.
    async fn wait_reply(
        &mut self,
        shared: &Shared,
        msg: &Message<'_>,
        out: &mut StepOutcome,
    ) -> Result<Reply, StepError> {
        match self.channel.receive.mode {
            ReceiveMode::Poll => Box::pin(super::polling::receive(self, shared, msg, out)).await,
            ReceiveMode::Webhook => Box::pin(self.await_callback(shared, msg, out)).await,
            ReceiveMode::Websocket => Box::pin(super::websocket::exchange(self, shared, msg, out)).await,
            ReceiveMode::Response | ReceiveMode::Stream => {
                Err(fail(ErrorKind::Suite, "this channel reads its reply in the response; it does not wait"))
            }
        }
    }

    /// Renders and sends one request; a non-2xx final status is an error.
    pub(super) async fn request(
        &self,
        shared: &Shared,
        spec: &RequestSpec,
        purpose: Purpose,
        msg: &Message<'_>,
        log: &mut Vec<Http>,
    ) -> Result<Response, StepError> {
        self.request_watched(shared, spec, purpose, msg, log, None).await
    }

    /// [`Conversation::request`], its body read through `events` (an event stream).
    pub(super) async fn request_watched(
        &self,
        shared: &Shared,
        spec: &RequestSpec,
        purpose: Purpose,
        msg: &Message<'_>,
        log: &mut Vec<Http>,
        events: Option<&mut dyn super::http::Watch>,
    ) -> Result<Response, StepError> {
        let sender =
            shared.senders.get(&self.channel_name).ok_or_else(|| fail(ErrorKind::Request, "unknown channel"))?;
        // The in-flight slot is taken before the request is prepared and
        // boxed: a persona queued for one of the channel's slots (10,000 of
        // them at the start of a large run) holds a semaphore waiter, not a
        // prepared request in a boxed future (~1.2 KB each).
        let slot = sender.in_flight.acquire().await.ok();
        // Boxed: only a request in flight holds the request and its sender's
        // state, not every step waiting between polls (`polls.rs`).
        Box::pin(self.send(shared, sender, spec, purpose, msg, log, events, slot)).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn send(
        &self,
        shared: &Shared,
        sender: &super::http::Sender,
        spec: &RequestSpec,
        purpose: Purpose,
        msg: &Message<'_>,
        log: &mut Vec<Http>,
        events: Option<&mut dyn super::http::Watch>,
        slot: Option<tokio::sync::SemaphorePermit<'_>>,
    ) -> Result<Response, StepError> {
        // The context is dropped once rendered: a request waiting for its turn holds only what it sends.
        let prepared = prepare(&shared.templates, &shared.redactor, &self.channel, spec, &self.context(msg))?;
        match sender.send_held(&prepared, purpose, &shared.clock, &shared.redactor, log, events, slot).await {
            Outcome::Response(r) if (200..300).contains(&r.status) => Ok(r),
            Outcome::Response(r) if matches!(r.status, 401 | 403) && shared.unset_env(&self.channel_name).is_some() => {
                Err(fail(
                    ErrorKind::Suite,
                    format!(
                        "{} {} answered HTTP {} while {}: the credential was never sent; export it and run again",
                        prepared.method,
                        prepared.shown.url,
                        r.status,
                        shared.unset_env(&self.channel_name).unwrap_or_default()
                    ),
                ))
            }
            Outcome::Response(r) => Err(fail(
                ErrorKind::Status,
                format!(
                    "{} {} answered HTTP {}{}",
                    prepared.method,
                    prepared.shown.url,
                    r.status,
                    status_hint(r.status)
                ),
            )),
            Outcome::Failed { kind, message } => Err(fail(kind, message)),
            Outcome::Refused { kind: ErrorKind::Budget, message } => {
                Err(fail(ErrorKind::Budget, format!("not sent: channel `{}` has {message}", self.channel_name)))
            }
            Outcome::Refused { kind, message } => Err(fail(kind, message)),
        }
    }

    /// Resolves an extraction, rendering a templated JSONPath (`{{ message_id }}` in a filter).
    pub(super) fn resolve(&self, ex: &Extract, msg: &Message<'_>) -> Result<Extractor, StepError> {
        let ex = ex.resolve().map_err(|e| fail(ErrorKind::Request, e))?;
        Ok(match ex {
            Extractor::JsonPath(p) if template::is_template(&p) => {
                let ctx = self.context(msg);
                Extractor::JsonPath(
                    template::render(msg.jsonpath_templates, &p, ctx.value()).map_err(|e| fail(ErrorKind::Suite, e))?,
                )
            }
            other => other,
        })
    }

    async fn await_callback(
        &mut self,
        shared: &Shared,
        msg: &Message<'_>,
        out: &mut StepOutcome,
    ) -> Result<Reply, StepError> {
        let channel = self.channel.clone();
        let rx = &channel.receive;
        let max_wait = rx.max_wait.or(std::time::Duration::from_secs(30));
        let deadline = tokio::time::Instant::now()
            .checked_add(max_wait)
            .ok_or_else(|| fail(ErrorKind::Suite, "`max_wait` is too large for the clock; `check` limits it"))?;
        let reply_ex = rx.reply.as_ref().ok_or_else(|| fail(ErrorKind::Suite, "webhook mode without `reply`"))?;
        let ex = self.resolve(reply_ex, msg)?;
        let mut stop = shared.stop.clone();
        let mut received = 0usize;
        let dedupe = rx.dedupe.as_ref().map(|d| self.resolve(d, msg)).transpose()?;
        loop {
            let next = {
                let Some((_, inbox)) = self.hook.as_mut() else {
                    return Err(fail(ErrorKind::Request, "webhook mode but the webhook receiver is not running"));
                };
                tokio::select! {
                    cb = inbox.recv() => cb,
                    _ = tokio::time::sleep_until(deadline) => {
                        return Err(super::webhook::verify::no_reply(&out.http, received, max_wait));
                    }
                    _ = stop.changed() => return Err(fail(ErrorKind::Interrupted, "the run was stopped while waiting for this reply")),
                }
            };
            let Some(cb) = next else { return Err(fail(ErrorKind::NoReply, "the webhook receiver closed")) };
            let url = self.hook.as_ref().map(|(u, _)| u.as_str()).unwrap_or_default();
            out.http.push(super::webhook::record::http(&cb, url, &shared.redactor, &shared.clock));
            // A refused signature or an unreadable body is recorded, never read.
            let (Ok(value), None) = (cb.value.clone(), &cb.note) else { continue };
            let t_us = shared.clock.us_at(cb.at);
            let headers = crate::extract::Received::List(cb.headers.iter().cloned().collect());
            if let Some(dedupe) = &dedupe {
                let src = Source { body: &cb.body, json: Some(&value), headers: &headers, hash: None };
                if let Ok(Some(id)) = extract::extract_first(dedupe, &src).await {
                    if !self.seen_events.insert(id.clone()) {
                        if let Some(h) = out.http.last_mut() {
                            super::webhook::record::duplicate(h, &id, &shared.redactor);
                        }
                        continue;
                    }
                }
            }
            received += 1;
            // `reply` selects from each callback as it arrives (a one-item
            // list, so `$[?@.thread == '…']` works): never the whole history again.
            let one = Value::Array(vec![value]);
            let src = Source { body: &cb.body, json: Some(&one), headers: &headers, hash: None };
            let items = extract::extract_all(&ex, &src).await.map_err(|e| fail(ErrorKind::Malformed, e.to_string()))?;
            let resp = Response {
                status: 200,
                headers,
                body: cb.body.clone(),
                body_hash: None,
                truncated: false,
                t_first_byte_us: t_us,
                t_end_us: t_us,
                t_start_us: t_us,
            };
            for mut item in items {
                let text = self.reply_text(Some(&item), &resp, Some(&one), msg).await?;
                // A callback with no text (a delivery receipt, an empty message) is not a reply.
                if text.trim().is_empty() {
                    continue;
                }
                // The callback's headers are in its HTTP record, redacted; not again in the reply.
                if let Some(o) = item.as_object_mut() {
                    o.remove("_headers");
                }
                return Ok(Reply {
                    text,
                    item: Some(item),
                    t_earliest_us: t_us,
                    t_latest_us: t_us,
                    ..Reply::default()
                });
            }
        }
    }
}

/// One rule for what a stopped step means: a step the run stopped (or the
/// budget refused) *after* a message request (POST, PUT, …) was answered
/// reached the target, so it is `Stopped` — recorded as what happened and never sent
/// again by `--resume` (a duplicate message or ticket in production).
/// Before that, it is still `Interrupted`/`Budget`: provably not sent.
fn stopped_after_delivery(e: StepError, http: &[Http]) -> StepError {
    if e.kind == ErrorKind::Stopped && !http.iter().any(|h| h.purpose == Purpose::Send) {
        // Stopped while opening the conversation: the message itself was never sent.
        return fail(ErrorKind::Interrupted, format!("not sent: {}", e.message));
    }
    if !e.kind.not_attempted() {
        return e;
    }
    // A GET or HEAD changes nothing on the target: sending it again is harmless.
    let answered = http
        .iter()
        .filter(|h| h.purpose == Purpose::Send && !matches!(h.method.as_str(), "GET" | "HEAD" | "OPTIONS"))
        .find_map(|h| h.status.filter(|s| *s < 300));
    match answered {
        Some(status) => fail(
            ErrorKind::Stopped,
            format!(
                "the target accepted the message (HTTP {status}), then {}; it is not sent again on --resume",
                e.message.trim_start_matches("not sent: ")
            ),
        ),
        None => e,
    }
}

/// A body that could not be read as the channel expects: too large when
/// it was cut at `max_body`, else malformed with the reason.
pub(super) fn unreadable(resp: &Response, reason: impl std::fmt::Display) -> StepError {
    if resp.truncated {
        fail(
            ErrorKind::TooLarge,
            format!("the response is larger than the channel's `max_body` and was cut, so it cannot be read ({reason}); raise `max_body` if this size is expected"),
        )
    } else {
        fail(ErrorKind::Malformed, reason.to_string())
    }
}

fn status_hint(status: u16) -> &'static str {
    match status {
        401 | 403 => "; check the channel's credentials (environment variables in `headers`)",
        404 => "; check the channel's `url` templates and the captured ids",
        429 => "; the target is rate limiting: lower `rate_limit` or `--concurrency`",
        500..=599 => "; the target failed (retried as configured)",
        _ => "",
    }
}

/// The start of a body, for error messages (never the whole of a hostile 5 MB body).
pub fn preview(body: &str) -> String {
    let p: String = body.chars().take(120).collect();
    if body.len() > p.len() {
        format!("{p:?}…")
    } else {
        format!("{p:?}")
    }
}
