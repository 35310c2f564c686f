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
//!   signatures, multipart bodies, the delivery log); [`serve`] starts any of them.
//! - `sse`: the `scenarios/recipes/sse-assistant` suite against an
//!   assistant that streams its answers, one stream cut mid-answer.
//! - `websocket`: the `scenarios/recipes/websocket-chat` suite over a chat
//!   socket among greetings, typing and heartbeats; a silent socket; an
//!   offsite socket URL.
//! - `sync_bot`, `polled_chat`: the `sync-bot` (Rasa-like: split answers,
//!   one `[]`) and `polled-chat` (Amazon-Connect-like: one truncated poll,
//!   one 429 with `Retry-After`) recipes.
//! - `help_api`: the `help-api` recipe (Zendesk-like search, HTML inside
//!   JSON read through its answer region; one 503 retried).
//! - `check`: every recipe passes `touchpoint check`; callback mistakes are located errors.
//!
//! Recipe suites in `scenarios/recipes/` run as shipped through [`run_recipe`].

mod auth;
mod check;
mod form_email;
mod help_api;
mod inbound_parse;
mod polled_chat;
mod sse;
mod sync_bot;
pub mod vendor;
mod webhook;
mod webhook_chat;
mod websocket;

use crate::common;
use std::path::PathBuf;
use touchpoint::analysis::{analyze, AnalyzeOptions};
use touchpoint::record::{read_run, RecordedRun};
use touchpoint::verdict::Verdict;

/// Serves a vendor-shaped test server on 127.0.0.1:0; its base URL.
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// A recipe run: what was recorded and the verdict on it.
pub struct Ran {
    pub run: RecordedRun,
    pub verdict: Verdict,
    pub run_dir: PathBuf,
    _out: tempfile::TempDir,
}

/// Runs `scenarios/recipes/<name>` as shipped against `target`, then analyses it.
pub async fn run_recipe(name: &str, target: &str) -> Ran {
    run_suite(&vendor::recipe(name), target).await
}

/// Runs the suite in `dir` against `target`, then analyses it.
pub async fn run_suite(dir: &std::path::Path, target: &str) -> Ran {
    let suite = common::load(dir);
    let out = tempfile::tempdir().unwrap();
    let result = common::run(suite.clone(), common::options(out.path(), target)).await;
    let run = read_run(&result.dir).unwrap();
    let verdict = analyze(&suite, &run, &AnalyzeOptions::default());
    Ran { run, verdict, run_dir: result.dir, _out: out }
}

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
