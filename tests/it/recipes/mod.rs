//! Reaching contact centres by configuration alone: vendor-shaped test
//! servers on 127.0.0.1:0 with real faults, each driven end to end through
//! the library with a suite written the way a user would write it.
//!
//! - `auth`: `auth = { basic | bearer }`, template helpers in requests, and
//!   errors the suite causes (an unset credential) kept out of findings.
//! - `webhook`: form-encoded callbacks (Mailgun-shaped), an auto-reply to
//!   skip, a duplicate delivery, the receiver on 127.0.0.2 with a public URL.
//! - `webhook_chat`, `inbound_parse`, `form_email`: the `webhook-chat`,
//!   `inbound-parse-email` and `form-email` recipes against Twilio-,
//!   SendGrid- and Mailgun-like providers.
//! - `vendor`: what every vendor-shaped server shares (serving, answers,
//!   signatures, the delivery log).

mod auth;
mod check;
mod form_email;
mod inbound_parse;
mod vendor;
mod webhook;
mod webhook_chat;

/// A one-fact map, one persona pair and a sweep: what every recipe test asks.
pub const MAP: &str = r#"
name = "Acme"
[facts.refund_window]
kind = "duration"
value = "30 days"
[[questions]]
id = "refund"
asks = ["How long do I have to return it?"]
expects = ["refund_window"]
"#;

pub const PERSONAS: &str = r#"
[[personas]]
id = "ann"
name = "Ann Lee"
email = "ann@example.com"
[[personas]]
id = "bo"
name = "Bo Chen"
email = "bo@example.com"
"#;

pub const SWEEPS: &str = r#"
[[sweeps]]
id = "all"
questions = ["*"]
channels = ["*"]
personas = ["*"]
"#;
