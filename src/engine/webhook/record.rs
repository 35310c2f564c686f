//! A callback as it is recorded: one `Http` attempt of purpose `webhook`,
//! headers and body redacted, the status it was answered with, and why it
//! was not read as a reply when it was not.

use super::Callback;
use crate::engine::clock::Clock;
use crate::record::{CallbackNote, Headers, Http, Purpose};
use crate::redact::Redactor;

/// `url` is the conversation's callback URL; `clock` the run's, so one
/// receiver serving the runs of an audit records each on its own clock.
pub fn http(cb: &Callback, url: &str, redactor: &Redactor, clock: &Clock) -> Http {
    let t_us = clock.us_at(cb.at);
    let (callback, error) = match &cb.note {
        Some((note, reason)) => (Some(*note), Some(redactor.redact(reason))),
        None => (None, None),
    };
    Http {
        purpose: Purpose::Webhook,
        attempt: 1,
        method: "POST".into(),
        url: redactor.redact(url),
        request_headers: cb.headers.iter().map(|(k, v)| (k.clone(), redactor.redact(v))).collect(),
        request_body: None,
        t_start_us: t_us,
        t_first_byte_us: Some(t_us),
        t_end_us: t_us,
        status: Some(cb.status),
        headers: Headers::new(),
        body: Some(redactor.redact(&cb.body)),
        body_hash: None,
        body_bytes: cb.body.len() as u64,
        truncated: false,
        error,
        callback,
    }
}

/// Marks a recorded callback a duplicate delivery of `event`.
pub fn duplicate(h: &mut Http, event: &str, redactor: &Redactor) {
    h.callback = Some(CallbackNote::Duplicate);
    h.error = Some(format!("duplicate delivery of event `{}`: not read again", redactor.redact(event)));
}
