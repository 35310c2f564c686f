//! Email, the way real providers expose it: the customer's message arrives by
//! an inbound POST, and replies land in the customer's mailbox, read by
//! polling `after=<seq>` or delivered to a loopback webhook.
//!
//! Every inbound email gets an automatic acknowledgement at once and the real
//! reply after 3 s (× time_scale): deliberately slower than the example
//! map's 1 s email service level, so touchpoint reports a breach. Mailbox
//! polls are at most 1 s apart, so the reply's arrival interval lies within
//! 2–4 s: past the level even at its earliest (a certain breach, never a
//! "possible" one, on a loaded machine too) and clear of the 2 s and 4 s
//! steps where a customer's waiting feeling changes.

use std::net::IpAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::api::{parse_json, ApiError};
use super::knowledge::Channel;
use super::letter::{question, reply_body, reply_subject, Sender};
use super::store::{BoundedMap, Feed};
use super::{lock, seed, Shared};

/// The address customers write to and replies come from.
pub(crate) const SUPPORT_ADDRESS: &str = "support@acme-broadband.example";
/// Mailboxes (one per customer address) kept before the oldest is forgotten.
const MAX_MAILBOXES: usize = 10_000;
/// Messages kept per mailbox.
const MAX_MESSAGES: usize = 1_000;
/// Message ids remembered for threading `in_reply_to`.
const MAX_THREADED_IDS: usize = 100_000;
/// Longest email body accepted, in characters.
const MAX_TEXT_CHARS: usize = 20_000;
/// When the real reply arrives (before time_scale).
const REPLY_AFTER_MS: u64 = 3_000;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/email/inbound", post(inbound)).route("/email/mailbox/:address", get(mailbox))
}

/// Every customer's mailbox and the threads their messages belong to.
pub(crate) struct PostOffice {
    /// Keyed by the customer's lowercased address.
    mailboxes: BoundedMap<String, Feed<Message>>,
    /// Message id (the customer's or ours) → thread id.
    threads: BoundedMap<String, String>,
    /// Emails received per sender, so message ids derive from (sender, n)
    /// rather than from global arrival order.
    received_from: BoundedMap<String, u64>,
}

impl Default for PostOffice {
    fn default() -> Self {
        Self {
            mailboxes: BoundedMap::new(MAX_MAILBOXES),
            threads: BoundedMap::new(MAX_THREADED_IDS),
            received_from: BoundedMap::new(MAX_MAILBOXES),
        }
    }
}

impl PostOffice {
    /// Files `message` in its recipient's mailbox, numbering it.
    fn deliver(&mut self, message: Message) -> Message {
        self.threads.insert(message.id.clone(), message.thread_id.clone());
        let mailbox = self.mailboxes.get_or_insert_with(message.to.clone(), || Feed::new(MAX_MESSAGES));
        let mut delivered = message;
        mailbox.push(|seq| {
            delivered.seq = seq;
            delivered.clone()
        });
        delivered
    }
}

/// One email sent by support, as shown in a mailbox and posted to webhooks.
#[derive(Debug, Clone, Serialize)]
struct Message {
    seq: u64,
    id: String,
    thread_id: String,
    in_reply_to: String,
    from: String,
    to: String,
    subject: String,
    text: String,
    auto_reply: bool,
    received_at: String,
}

#[derive(Deserialize)]
struct Inbound {
    /// `sam@example.com` or `Sam Jones <sam@example.com>`. (`to` is accepted
    /// and ignored: the demo has a single support inbox.)
    from: String,
    #[serde(default)]
    subject: String,
    text: String,
    in_reply_to: Option<String>,
    callback_url: Option<String>,
}

#[derive(Serialize)]
struct Accepted {
    message_id: String,
    thread_id: String,
}

async fn inbound(State(shared): State<Arc<Shared>>, body: Bytes) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let email: Inbound = parse_json(&body)?;
    let sender = Sender::parse(&email.from).ok_or_else(|| ApiError::bad_request("`from` is not an email address"))?;
    if email.text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::bad_request(format!("`text` is longer than {MAX_TEXT_CHARS} characters")));
    }
    let callback = match email.callback_url.as_deref().map(str::trim).filter(|url| !url.is_empty()) {
        Some(url) => Some(loopback_url(url)?),
        None => None,
    };

    let seed = shared.config.seed;
    let received = Utc::now();
    let subject = reply_subject(&email.subject);
    let (message_id, thread_id) = {
        let mut office = lock(&shared.email);
        let count = office.received_from.get_or_insert_with(sender.address.clone(), || 0);
        *count += 1;
        let n = count.to_string();
        let message_id = format!("<{}@customer.acme>", seed::hex_id(seed, &["email-in", &sender.address, &n]));
        let thread_id = email
            .in_reply_to
            .as_deref()
            .and_then(|earlier| office.threads.get(earlier.trim()).cloned())
            .unwrap_or_else(|| format!("t_{}", seed::hex_id(seed, &["thread", &message_id])));
        office.threads.insert(message_id.clone(), thread_id.clone());

        let ack = seed::between(seed, &["ack", &message_id], 1_000, 9_999);
        office.deliver(Message {
            seq: 0,
            id: format!("<{}@acme-broadband.example>", seed::hex_id(seed, &["email-ack", &message_id])),
            thread_id: thread_id.clone(),
            in_reply_to: message_id.clone(),
            from: SUPPORT_ADDRESS.to_owned(),
            to: sender.address.clone(),
            subject: subject.clone(),
            text: format!(
                "Thanks for your email. This is an automatic acknowledgement; we aim to reply within 4 hours. Your reference is ACK-{ack}."
            ),
            auto_reply: true,
            received_at: received.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        });
        (message_id, thread_id)
    };

    // Worded now, from the answers in force when the customer wrote.
    let answer = shared.answers.reply(Channel::Email, &question(&email.subject, &email.text), None);
    let reply = Message {
        seq: 0,
        id: format!("<{}@acme-broadband.example>", seed::hex_id(seed, &["email-reply", &message_id])),
        thread_id: thread_id.clone(),
        in_reply_to: message_id.clone(),
        from: SUPPORT_ADDRESS.to_owned(),
        to: sender.address.clone(),
        subject,
        text: reply_body(&sender.first_name, &answer, &email.from, &sender.address, &email.text, received),
        auto_reply: false,
        received_at: String::new(), // stamped on delivery
    };
    tokio::spawn(send_reply(shared, reply, callback));
    Ok((StatusCode::ACCEPTED, Json(Accepted { message_id, thread_id })))
}

/// Delivers the real reply after the service delay, then to the webhook if any.
async fn send_reply(shared: Arc<Shared>, mut reply: Message, callback: Option<reqwest::Url>) {
    if !shared.pause(shared.delay(REPLY_AFTER_MS)).await {
        return;
    }
    reply.received_at = super::now_rfc3339();
    let delivered = lock(&shared.email).deliver(reply);
    let Some(url) = callback else { return };
    let posted = shared.http.post(url.clone()).json(&delivered).send().await;
    match posted.and_then(reqwest::Response::error_for_status) {
        Ok(_) => tracing::debug!(%url, id = %delivered.id, "delivered email reply to webhook"),
        Err(err) => tracing::warn!(%url, %err, "email webhook delivery failed"),
    }
}

#[derive(Deserialize)]
struct After {
    #[serde(default)]
    after: u64,
}

#[derive(Serialize)]
struct Mailbox {
    messages: Vec<Message>,
    next: u64,
}

/// A mailbox nobody has written to yet is empty, not missing: pollers may
/// start before their first email is accepted.
async fn mailbox(
    State(shared): State<Arc<Shared>>,
    Path(address): Path<String>,
    query: Result<Query<After>, QueryRejection>,
) -> Result<Json<Mailbox>, ApiError> {
    let Query(After { after }) = query.map_err(|err| ApiError::bad_request(err.body_text()))?;
    let address = address.trim().to_lowercase();
    let office = lock(&shared.email);
    let (messages, next) = office.mailboxes.get(&address).map_or((Vec::new(), after), |feed| feed.since(after));
    Ok(Json(Mailbox { messages, next }))
}

/// Accepts a webhook URL only when it points at this machine: the demo must
/// never be turned into a way to send requests elsewhere.
fn loopback_url(raw: &str) -> Result<reqwest::Url, ApiError> {
    let refuse = |why: &str| ApiError::bad_request(format!("callback_url {why}"));
    let url = reqwest::Url::parse(raw).map_err(|err| refuse(&format!("is not a URL: {err}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse("must use http or https"));
    }
    let host = url.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        return Err(refuse("must point at a loopback address (127.0.0.0/8, ::1 or localhost)"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_callbacks() {
        assert!(loopback_url("http://127.0.0.1:9/hook").is_ok());
        assert!(loopback_url("http://[::1]:9/hook").is_ok());
        assert!(loopback_url("http://localhost/hook").is_ok());
        assert!(loopback_url("http://example.com/hook").is_err());
        assert!(loopback_url("http://10.0.0.1/hook").is_err());
        assert!(loopback_url("file:///etc/passwd").is_err());
    }
}
