//! `mode = "websocket"`: a chat reached over a WebSocket. For each message
//! the socket named by `send` is opened (its `url` joined to `base_url` like
//! any request, the scheme turned into ws:// or wss://, its `headers` and the
//! run's marks on the handshake), the frame rendered from `send.json` or
//! `send.body` is sent, and frames are read until one matches `reply` (a
//! JSONPath over a one-item list, as for callbacks), then the socket is
//! closed cleanly.
//!
//! *Invariants*: the socket never leaves the channel's origin (an offsite
//! URL is refused before connecting, so the handshake headers and secrets
//! go nowhere else); messages and frames are capped at `max_body`; a silent
//! socket ends at `max_wait` (a `timeout`), never hangs the walk; the stop
//! signal ends the wait; only a connection that provably failed is retried,
//! so the frame — the customer's message — is sent at most once.

use super::conversation::{fail, preview, Conversation, Message, StepOutcome};
use super::extract::{self, Source};
use super::headers::recorded;
use super::http::Outcome;
use super::prepare::{prepare, Body, Place};
use super::Shared;
use crate::record::{ErrorKind, Http, Purpose, Reply, StepError};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest, protocol::WebSocketConfig, Message as Frame};

/// How long a clean close may take before the socket is just dropped.
const CLOSE_WAIT: Duration = Duration::from_secs(1);

/// Opens the socket, sends the message's frame and reads the reply.
pub(super) async fn exchange(
    conv: &mut Conversation,
    shared: &Shared,
    msg: &Message<'_>,
    out: &mut StepOutcome,
) -> Result<Reply, StepError> {
    let channel = conv.channel.clone();
    let spec = channel
        .send
        .as_slice()
        .first()
        .ok_or_else(|| fail(ErrorKind::Suite, "websocket mode: `send` names no socket"))?;
    let sender = shared.senders.get(&conv.channel_name).ok_or_else(|| fail(ErrorKind::Request, "unknown channel"))?;
    let prepared = prepare(&shared.templates, &shared.redactor, &channel, spec, &conv.context(msg))?;
    let shown_url = ws_shown(&prepared.shown.url);
    if prepared.boundary.place(&prepared.url) != Place::Origin {
        return Err(fail(
            ErrorKind::Offsite,
            format!(
                "the socket URL `{shown_url}` is outside this channel's origin {}; not connected",
                prepared.boundary.origin()
            ),
        ));
    }
    let frame = match &prepared.body {
        Some(b @ (Body::Json(_) | Body::Raw(_))) => b.text(),
        Some(Body::Form(_)) | None => {
            return Err(fail(ErrorKind::Suite, "websocket mode: `send` needs the frame as `json` or `body`"))
        }
    };
    let mut url = prepared.url.clone();
    let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
    url.set_scheme(scheme).map_err(|_| fail(ErrorKind::Request, format!("`{shown_url}` cannot be a socket URL")))?;
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| fail(ErrorKind::Request, format!("the socket request could not be built ({e})")))?;
    for (k, v) in sender.marks.iter().chain(&prepared.headers) {
        let name = tungstenite::http::HeaderName::from_bytes(k.as_bytes());
        let value = tungstenite::http::HeaderValue::from_str(v);
        match (name, value) {
            (Ok(n), Ok(v)) => {
                request.headers_mut().insert(n, v);
            }
            _ => return Err(fail(ErrorKind::Request, format!("header `{k}` cannot be sent on the handshake"))),
        }
    }
    let max = sender.max_body.max(1);
    let config = WebSocketConfig { max_message_size: Some(max), max_frame_size: Some(max), ..Default::default() };
    let connect_timeout = channel.timeout.or(Duration::from_secs(10));
    let mut stop = shared.stop.clone();

    // Connect: retried only while the connection provably failed.
    let mut tries = 0u32;
    let (mut socket, mut record) = loop {
        if let Some(refusal) = sender.gate(&mut stop).await {
            return Err(match refusal {
                Outcome::Refused { kind, message } | Outcome::Failed { kind, message } => fail(kind, message),
                Outcome::Response(_) => fail(ErrorKind::Interrupted, "not sent"),
            });
        }
        tries += 1;
        let mut record = Http::started(
            Purpose::Send,
            tries,
            "GET".into(),
            shown_url.clone(),
            sender
                .marks
                .iter()
                .map(|(k, v)| (k.clone(), shared.redactor.redact(v)))
                .chain(prepared.shown.headers.iter().cloned())
                .collect(),
            prepared.shown.body.clone(),
            shared.clock.us(),
        );
        let connecting = tokio_tungstenite::connect_async_tls_with_config(
            request.clone(),
            Some(config),
            true,
            Some(tokio_tungstenite::Connector::Rustls(tls())),
        );
        let result = tokio::select! {
            r = tokio::time::timeout(connect_timeout, connecting) => r,
            _ = super::guard::stopped(&mut stop) => {
                record.t_end_us = shared.clock.us();
                record.error = Some("not connected: the run was stopped".into());
                out.http.push(record);
                return Err(fail(ErrorKind::Interrupted, "not sent: the run was stopped while connecting"));
            }
        };
        record.t_end_us = shared.clock.us();
        let (kind, message, reached) = match result {
            Ok(Ok((socket, resp))) => {
                record.t_first_byte_us = Some(record.t_end_us);
                record.status = Some(resp.status().as_u16());
                record.headers = recorded(resp.headers(), &shared.redactor);
                break (socket, record);
            }
            Ok(Err(e)) => {
                if let tungstenite::Error::Http(resp) = &e {
                    record.status = Some(resp.status().as_u16());
                }
                sort(&e, &shown_url)
            }
            Err(_) => (
                ErrorKind::Connect,
                format!("the socket `{shown_url}` did not open within the channel's timeout"),
                false,
            ),
        };
        let message = shared.redactor.redact(&message);
        record.error = Some(message.clone());
        out.http.push(record);
        if reached || tries >= sender.attempts.max(1) {
            return Err(fail(kind, message));
        }
        tokio::select! {
            _ = tokio::time::sleep(sender.backoff.saturating_mul(1 << (tries - 1).min(16))) => {}
            _ = super::guard::stopped(&mut stop) => {}
        }
    };

    let sent = socket.send(Frame::Text(frame)).await;
    out.t_sent_us = shared.clock.us();
    let result = match sent {
        Ok(()) => read_reply(conv, shared, msg, &mut socket, &mut record, out.t_sent_us).await,
        Err(e) => Err(fail(
            ErrorKind::Body,
            format!("the socket broke while the message was sent ({e}); not sent again: the target may have it"),
        )),
    };
    // Close cleanly, but never wait long on a peer that does not answer the close.
    let _ = tokio::time::timeout(CLOSE_WAIT, socket.close(None)).await;
    record.t_end_us = shared.clock.us();
    if let Err(e) = &result {
        record.error = Some(e.message.clone());
    }
    out.http.push(record);
    result
}

/// Reads frames until one matches `reply` with text, `max_wait` passes, the
/// socket closes, or the run stops. Every frame received is recorded in the
/// attempt's body (one per line, within `max_body`).
async fn read_reply(
    conv: &Conversation,
    shared: &Shared,
    msg: &Message<'_>,
    socket: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    record: &mut Http,
    t_sent_us: u64,
) -> Result<Reply, StepError> {
    let rx = &conv.channel.receive;
    let max_wait = rx.max_wait.or(Duration::from_secs(30));
    let deadline = tokio::time::Instant::now()
        .checked_add(max_wait)
        .ok_or_else(|| fail(ErrorKind::Request, "`max_wait` is too large for the clock; `check` limits it"))?;
    let reply_ex = rx.reply.as_ref().ok_or_else(|| fail(ErrorKind::Suite, "websocket mode without `reply`"))?;
    let reply_ex = conv.resolve(reply_ex, msg)?;
    let text_ex = rx.text.as_ref().map(|t| conv.resolve(t, msg)).transpose()?;
    let max = shared.senders.get(&conv.channel_name).map_or(1 << 20, |s| s.max_body);
    let mut stop = shared.stop.clone();
    let mut body = String::new();
    let (mut frames, mut first) = (0usize, None);
    let empty = crate::extract::Received::default();
    let waited = humantime::format_duration(max_wait);
    loop {
        let next = tokio::select! {
            f = socket.next() => f,
            _ = tokio::time::sleep_until(deadline) => {
                keep(record, &shared.redactor.redact(&body));
                return Err(if frames == 0 {
                    fail(ErrorKind::Timeout, format!("the socket stayed silent for {waited} (max_wait) after the message"))
                } else {
                    fail(ErrorKind::NoReply, format!("no frame matched `reply` within {waited} (max_wait); {frames} frames received"))
                });
            }
            _ = super::guard::stopped(&mut stop) => {
                keep(record, &shared.redactor.redact(&body));
                return Err(fail(ErrorKind::Stopped, "the run was stopped while waiting for this reply; the target has the message"));
            }
        };
        let t_us = shared.clock.us();
        let text = match next {
            Some(Ok(Frame::Text(t))) => t,
            Some(Ok(Frame::Binary(b))) => String::from_utf8_lossy(&b).into_owned(),
            Some(Ok(Frame::Close(_))) | None => {
                keep(record, &shared.redactor.redact(&body));
                return Err(fail(
                    ErrorKind::NoReply,
                    format!("the target closed the socket before a frame matched `reply` ({frames} frames received)"),
                ));
            }
            Some(Ok(_)) => continue, // ping, pong: answered by the library
            Some(Err(e)) => {
                keep(record, &shared.redactor.redact(&body));
                let (kind, why) = match &e {
                    tungstenite::Error::Capacity(_) => (
                        ErrorKind::TooLarge,
                        format!("a frame is larger than the channel's `max_body` ({e}); raise `max_body` if this size is expected"),
                    ),
                    _ => (ErrorKind::Body, format!("the socket broke while waiting for the reply ({e})")),
                };
                return Err(fail(kind, shared.redactor.redact(&why)));
            }
        };
        frames += 1;
        first.get_or_insert(t_us);
        record.body_bytes += text.len() as u64;
        if body.len() + text.len() < max {
            body.push_str(&text);
            body.push('\n');
        } else {
            record.truncated = true;
        }
        // A frame that is not JSON (a greeting, a heartbeat) is no reply.
        let Ok(value) = serde_json::from_str::<Value>(&text) else { continue };
        let one = Value::Array(vec![value]);
        let src = Source { body: &text, json: Some(&one), headers: &empty, hash: None };
        let items =
            extract::extract_all(&reply_ex, &src).await.map_err(|e| fail(ErrorKind::Malformed, e.to_string()))?;
        for item in items {
            let said = match &text_ex {
                Some(ex) => {
                    let item_body = extract::value_text(&item);
                    let src = Source { body: &item_body, json: Some(&item), headers: &empty, hash: None };
                    extract::extract_all(ex, &src)
                        .await
                        .map_err(|e| fail(ErrorKind::Malformed, e.to_string()))?
                        .iter()
                        .map(extract::value_text)
                        .collect::<Vec<_>>()
                        .join("\n")
                }
                None => extract::value_text(&item),
            };
            // A frame with no text (an empty message, a receipt) is not a reply.
            if said.trim().is_empty() {
                continue;
            }
            keep(record, &shared.redactor.redact(&body));
            tracing::debug!(channel = %conv.channel_name, frames, "websocket reply: {}", preview(&said));
            return Ok(Reply {
                text: said,
                item: Some(item),
                t_earliest_us: t_us,
                t_latest_us: t_us,
                t_first_byte_us: Some(first.unwrap_or(t_us).max(t_sent_us)),
                t_last_byte_us: Some(t_us),
            });
        }
    }
}

fn keep(record: &mut Http, body: &str) {
    record.body = Some(body.to_string());
}

/// The recorded URL with the socket's scheme.
fn ws_shown(url: &str) -> String {
    if let Some(rest) = url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        url.to_string()
    }
}

/// The rustls configuration for wss://: the Mozilla roots, as for every TLS
/// connection touchpoint makes.
fn tls() -> Arc<rustls::ClientConfig> {
    static CONFIG: once_cell::sync::Lazy<Arc<rustls::ClientConfig>> = once_cell::sync::Lazy::new(|| {
        let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        Arc::new(
            rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .expect("ring supports the default protocol versions")
                .with_root_certificates(roots)
                .with_no_client_auth(),
        )
    });
    CONFIG.clone()
}

/// A failed handshake sorted by cause, and whether the target may have seen
/// the request (anything past the TCP connection).
fn sort(e: &tungstenite::Error, url: &str) -> (ErrorKind, String, bool) {
    use tungstenite::Error as E;
    match e {
        E::Io(io) if matches!(io.kind(), std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::NotFound) => (
            ErrorKind::Connect,
            format!("could not connect to the socket `{url}` ({io}); is the target running and `base_url` right?"),
            false,
        ),
        E::Http(resp) => (
            ErrorKind::Status,
            format!(
                "the socket `{url}` was refused: HTTP {} instead of 101; check the `send` URL and the channel's credentials",
                resp.status().as_u16()
            ),
            true,
        ),
        E::Tls(t) => (ErrorKind::Tls, format!("TLS handshake with `{url}` failed ({t})"), false),
        E::Url(u) => (ErrorKind::Request, format!("`{url}` is not a socket URL ({u})"), false),
        other => (ErrorKind::Connect, format!("the socket `{url}` failed to open ({other})"), true),
    }
}
