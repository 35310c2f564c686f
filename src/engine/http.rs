//! One HTTP request with retries, a body-size cap and raw timings. Every
//! attempt becomes an [`Http`] record; faults are returned, never raised.

use super::budget::Budget;
use super::clock::Clock;
use super::ratelimit::RateLimit;
use crate::record::{ErrorKind, Headers, Http, Purpose};
use crate::redact::Redactor;
use futures_util::StreamExt;
use reqwest::header::HeaderMap;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// A request ready to send (templates already rendered).
#[derive(Debug, Clone)]
pub struct Prepared {
    pub method: reqwest::Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
}

#[derive(Debug, Clone)]
pub enum Body {
    Json(serde_json::Value),
    Form(Vec<(String, String)>),
    Raw(String),
}

/// What came back from the last attempt.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: String,
    pub truncated: bool,
    pub t_first_byte_us: u64,
    pub t_end_us: u64,
    pub t_start_us: u64,
}

/// How a channel sends: its client, limits and retry policy.
pub struct Sender {
    pub client: reqwest::Client,
    pub max_body: usize,
    pub attempts: u32,
    pub retry_on: Vec<u16>,
    pub backoff: Duration,
    pub rate: Option<RateLimit>,
    /// The channel's request budget (`budget = "500/h"`), shared across runs of an audit.
    pub budget: Option<Arc<Budget>>,
    /// The run's stop signal: no attempt starts once it is true.
    pub stop: watch::Receiver<bool>,
    /// Requests in flight on this channel. Personas waiting between polls
    /// hold no permit, so 10,000 waiting personas share a few hundred
    /// connections instead of opening one each (each costs ~40 KB).
    pub in_flight: tokio::sync::Semaphore,
    /// Headers on every request (the test-traffic mark, `--header`): sent as
    /// the client's defaults, recorded with each request like any other.
    pub marks: Vec<(String, String)>,
}

/// Default cap on a channel's requests in flight.
pub const MAX_IN_FLIGHT: usize = 256;

/// Response headers whose values are credentials: recorded as `***`
/// (any header is still capturable: captures read the live response).
const SECRET_HEADERS: &[&str] = &["set-cookie", "cookie", "authorization", "proxy-authorization"];

/// The longest `Retry-After` honoured; longer ones are capped (the run must end).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

pub enum Outcome {
    /// A response arrived (any status; the caller decides what is acceptable).
    Response(Response),
    /// Every attempt failed without a response; the message says why.
    Failed { message: String, timeout: bool },
    /// Not sent: the run was stopped (`Interrupted`) or the channel's budget
    /// is used up (`Budget`).
    Refused { kind: ErrorKind, message: String },
}

impl Sender {
    /// Sends with retries on connection errors, timeouts and the configured
    /// statuses, honouring `Retry-After`. Appends one `Http` per attempt.
    pub async fn send(
        &self,
        req: &Prepared,
        purpose: Purpose,
        clock: &Clock,
        redactor: &Redactor,
        log: &mut Vec<Http>,
    ) -> Outcome {
        let mut last = Outcome::Failed { message: "not sent".into(), timeout: false };
        let mut stop = self.stop.clone();
        for attempt in 1..=self.attempts.max(1) {
            if let Some(rate) = &self.rate {
                tokio::select! {
                    _ = rate.acquire() => {}
                    _ = super::guard::stopped(&mut stop) => {}
                }
            }
            // Checked after the rate limit's wait, right before sending: a stop
            // (signal, stop file, quiet hours) halts even a retry in progress.
            if *stop.borrow() {
                return Outcome::Refused {
                    kind: ErrorKind::Interrupted,
                    message: "not sent: the run was stopped".into(),
                };
            }
            if let Some(budget) = &self.budget {
                if let Err(why) = budget.take(tokio::time::Instant::now()) {
                    return Outcome::Refused { kind: ErrorKind::Budget, message: why.to_string() };
                }
            }
            let permit = self.in_flight.acquire().await;
            // Boxed: reqwest's future is large, and inlined it would be
            // reserved in every waiting persona's task, sending or not.
            let (record, outcome) = Box::pin(self.attempt(req, purpose, attempt, clock, redactor)).await;
            drop(permit);
            tracing::debug!(
                method = %record.method, url = %record.url, attempt, status = ?record.status,
                ms = (record.t_end_us.saturating_sub(record.t_start_us)) / 1000, error = ?record.error,
                "{purpose:?} request"
            );
            log.push(record);
            let pause = match &outcome {
                Outcome::Response(r) if self.retry_on.contains(&r.status) => {
                    retry_after(&r.headers).unwrap_or(self.backoff * 2u32.pow(attempt - 1))
                }
                Outcome::Response(_) => return outcome,
                Outcome::Failed { .. } => self.backoff * 2u32.pow(attempt - 1),
                Outcome::Refused { .. } => return outcome,
            };
            last = outcome;
            if attempt < self.attempts {
                tokio::select! {
                    _ = tokio::time::sleep(pause.min(MAX_RETRY_AFTER)) => {}
                    _ = super::guard::stopped(&mut stop) => {}
                }
            }
        }
        last
    }

    async fn attempt(
        &self,
        req: &Prepared,
        purpose: Purpose,
        attempt: u32,
        clock: &Clock,
        redactor: &Redactor,
    ) -> (Http, Outcome) {
        let mut builder = self.client.request(req.method.clone(), &req.url);
        for (k, v) in &req.headers {
            builder = builder.header(k, v);
        }
        let request_body = match &req.body {
            Some(Body::Json(v)) => {
                builder = builder.json(v);
                Some(v.to_string())
            }
            Some(Body::Form(f)) => {
                builder = builder.form(f);
                Some(f.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&"))
            }
            Some(Body::Raw(s)) => {
                builder = builder.body(s.clone());
                Some(s.clone())
            }
            None => None,
        };
        let mut record = Http {
            purpose,
            attempt,
            method: req.method.to_string(),
            url: redactor.redact(&req.url),
            request_headers: self
                .marks
                .iter()
                .chain(&req.headers)
                .map(|(k, v)| (k.clone(), redact_header(redactor, k, v)))
                .collect(),
            request_body: request_body.map(|b| redactor.redact(&b)),
            t_start_us: clock.us(),
            t_first_byte_us: None,
            t_end_us: 0,
            status: None,
            headers: Headers::new(),
            body: None,
            body_bytes: 0,
            truncated: false,
            error: None,
        };
        let result = builder.send().await;
        let resp = match result {
            Ok(r) => r,
            Err(e) => {
                record.t_end_us = clock.us();
                let timeout = e.is_timeout();
                let message = describe(&e);
                record.error = Some(message.clone());
                return (record, Outcome::Failed { message, timeout });
            }
        };
        record.t_first_byte_us = Some(clock.us());
        record.status = Some(resp.status().as_u16());
        let headers = response_headers(resp.headers());
        record.headers = headers.iter().map(|(k, v)| (k.clone(), recorded_header(redactor, k, v))).collect();
        let status = resp.status().as_u16();
        // Read the body in chunks so a huge body stops at the cap.
        let mut buf: Vec<u8> = Vec::new();
        let mut total: u64 = 0;
        let mut truncated = false;
        let mut stream = resp.bytes_stream();
        let mut read_error = None;
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(bytes) => {
                    total += bytes.len() as u64;
                    let room = self.max_body.saturating_sub(buf.len());
                    buf.extend_from_slice(&bytes[..bytes.len().min(room)]);
                    if bytes.len() > room {
                        truncated = true;
                        break;
                    }
                }
                Err(e) => {
                    read_error = Some(describe(&e));
                    break;
                }
            }
        }
        record.t_end_us = clock.us();
        let body = redactor.redact(&String::from_utf8_lossy(&buf));
        record.body = Some(body.clone());
        record.body_bytes = total;
        record.truncated = truncated;
        if let Some(message) = read_error {
            let timeout = message.contains("timed out");
            record.error = Some(message.clone());
            return (record, Outcome::Failed { message, timeout });
        }
        let response = Response {
            status,
            headers,
            body,
            truncated,
            t_first_byte_us: record.t_first_byte_us.unwrap_or(record.t_end_us),
            t_end_us: record.t_end_us,
            t_start_us: record.t_start_us,
        };
        (record, Outcome::Response(response))
    }
}

/// A request header as recorded: secrets replaced, including a secret
/// inside HTTP Basic credentials (base64 of `user:password`).
fn redact_header(redactor: &Redactor, name: &str, value: &str) -> String {
    use base64::Engine as _;
    if name.eq_ignore_ascii_case("authorization") {
        if let Some(creds) = value.strip_prefix("Basic ") {
            let decoded = base64::engine::general_purpose::STANDARD.decode(creds.trim()).ok();
            if let Some(pair) = decoded.and_then(|d| String::from_utf8(d).ok()) {
                if redactor.redact(&pair) != pair {
                    return "Basic ***".into();
                }
            }
        }
    }
    redactor.redact(value)
}

/// Every response header, lower-case names; repeated ones joined by ", ".
fn response_headers(h: &HeaderMap) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in h {
        let v = String::from_utf8_lossy(v.as_bytes());
        out.entry(k.as_str().to_string())
            .and_modify(|e| {
                e.push_str(", ");
                e.push_str(&v);
            })
            .or_insert_with(|| v.into_owned());
    }
    out
}

/// A response header as recorded: credentials masked, secrets redacted.
fn recorded_header(redactor: &Redactor, name: &str, value: &str) -> String {
    let secretish = ["token", "secret", "api-key", "apikey", "password"];
    if SECRET_HEADERS.contains(&name) || secretish.iter().any(|s| name.contains(s)) {
        "***".into()
    } else {
        redactor.redact(value)
    }
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &BTreeMap<String, String>) -> Option<Duration> {
    let v = headers.get("retry-after")?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    delta.to_std().ok()
}

/// A transport error in words a user can act on.
fn describe(e: &reqwest::Error) -> String {
    use std::error::Error;
    let mut root = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        root = s.to_string();
        source = s.source();
    }
    if e.is_timeout() {
        format!("timed out ({root}); raise the channel's `timeout` if the target is just slow")
    } else if e.is_connect() {
        format!("could not connect ({root}); is the target running and `base_url` right?")
    } else if e.is_body() || e.is_decode() {
        format!("the connection broke while reading the body ({root})")
    } else {
        format!("request failed ({root})")
    }
}
