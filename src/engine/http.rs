//! Sending one prepared request: the trust boundary, redirects followed by
//! hand, retries, a body-size cap, the stop signal and raw timings. Every
//! request that goes out becomes an [`Http`] record; faults are returned,
//! never raised.
//!
//! - **Redirects** are followed here, not by the HTTP client: each hop is
//!   its own recorded attempt, passes the same stop, rate and budget gates,
//!   and must stay inside the channel's boundary (`prepare.rs`); a hop
//!   outside it is refused as the target's fault.
//! - **Re-sending** happens only when the message provably did not reach the
//!   target: no connection, or a status the channel lists as retryable.
//!   A safe method (GET, HEAD) changes nothing on the target and is retried
//!   on any transport fault. Any other request whose body breaks after the
//!   status arrived is never sent again: the target may have acted on it.
//! - **Stop** cancels a request in flight at once; the attempt is recorded
//!   with what was known (answered or not) and the caller decides whether
//!   the message reached the target.

use super::budget::Budget;
use super::clock::Clock;
use super::guard;
use super::headers::{received, Received};
use super::prepare::{Place, Prepared};
use super::ratelimit::RateLimit;
use crate::record::{body, ErrorKind, Headers, Http, Purpose};
use crate::redact::Redactor;
use futures_util::StreamExt;
use reqwest::{Method, Url};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// What came back from the last attempt.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Every header, redacted of secrets but not masked (a header may be
    /// captured); sorted by name, repeated ones joined by ", ".
    pub headers: Received,
    pub body: String,
    /// The body's content hash ([`crate::record::body::key`]), computed once.
    pub body_hash: Option<u128>,
    pub truncated: bool,
    pub t_first_byte_us: u64,
    pub t_end_us: u64,
    pub t_start_us: u64,
}

/// How a channel sends: its client, limits and retry policy.
pub struct Sender {
    /// Built with redirects off: they are followed here, within the boundary.
    /// One per lane (`lanes.rs`); it dereferences to the calling thread's.
    pub client: super::lanes::PerLane<reqwest::Client>,
    pub max_body: usize,
    pub attempts: u32,
    pub retry_on: Vec<u16>,
    pub backoff: Duration,
    pub rate: Option<RateLimit>,
    /// The channel's request budget (`budget = "500/h"`), shared across runs of an audit.
    pub budget: Option<Arc<Budget>>,
    /// The run's stop signal: no attempt starts once it is true, and one in flight is cancelled.
    pub stop: watch::Receiver<bool>,
    /// Requests in flight on this channel. Personas waiting between polls
    /// hold no permit, so 10,000 waiting personas share a few hundred
    /// connections instead of opening one each (each costs ~40 KB). Split
    /// between the lanes (`lanes.rs`), each lane's connections its own.
    pub in_flight: super::lanes::PerLane<tokio::sync::Semaphore>,
    /// Headers on every request inside the channel's origin (the
    /// test-traffic mark, `--header`), recorded with each request.
    pub marks: Vec<(String, String)>,
    /// [`Sender::marks`] parsed once (`request::header_map`).
    pub mark_headers: Option<reqwest::header::HeaderMap>,
}

/// Reads a body as it arrives (an event stream) and says when it is
/// complete, so a stream the server keeps open is read only up to its end
/// event, and one that closes early is a fault (`ErrorKind::Cut`) retried
/// like any broken body. `stream.rs` implements it.
pub trait Watch: Send {
    /// An attempt starts: forget what an earlier one saw.
    fn reset(&mut self);
    /// A chunk arrived at `t_us`; true once the body is complete (reading stops).
    fn chunk(&mut self, t_us: u64, bytes: &[u8]) -> bool;
    /// The server ended the body before [`Watch::chunk`] said complete: why that is a cut, if it is one.
    fn ended(&mut self) -> Result<(), String>;
}

/// Default cap on a channel's requests in flight.
pub const MAX_IN_FLIGHT: usize = 256;

/// The most a body's buffer reserves up front from its `Content-Length`.
const BODY_HINT: usize = 64 << 10;

/// Redirects followed for one request before giving up (a loop).
pub const MAX_REDIRECTS: u32 = 10;

/// The longest `Retry-After` honoured; longer ones are capped (the run must end).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

pub enum Outcome {
    /// A response arrived (any status; the caller decides what is acceptable).
    Response(Response),
    /// No usable response; `kind` says what happened and whose fault it is
    /// (`Stopped`: the run stopped with the request in flight).
    Failed { kind: ErrorKind, message: String },
    /// Not sent: the run was stopped (`Interrupted`) or the channel's budget
    /// is used up (`Budget`).
    Refused { kind: ErrorKind, message: String },
}

/// One request of a chain of redirects.
struct Hop {
    method: Method,
    url: Url,
    /// Whether the prepared body goes with this hop (dropped after a 303).
    with_body: bool,
    /// The first hop: the record shows the prepared, masked rendering.
    first: bool,
}

/// One attempt's result, with whether the request may have reached the target.
struct Tried {
    outcome: Outcome,
    /// False only when it provably did not (no connection).
    reached: bool,
}

impl Sender {
    /// Sends `req`, following redirects within its boundary and retrying as
    /// the channel allows. Appends one `Http` per request that went out.
    /// The body is read through `events` when given (an event stream); the
    /// first attempt goes out on `held`, an in-flight slot the caller took
    /// before preparing the request, when given.
    #[allow(clippy::too_many_arguments)]
    pub async fn send_held(
        &self,
        req: &Prepared,
        purpose: Purpose,
        clock: &Clock,
        redactor: &Redactor,
        log: &mut Vec<Http>,
        mut events: Option<&mut dyn Watch>,
        mut held: Option<tokio::sync::SemaphorePermit<'_>>,
    ) -> Outcome {
        let mut stop = self.stop.clone();
        let mut hop =
            Hop { method: req.method.clone(), url: req.url.clone(), with_body: req.body.is_some(), first: true };
        let safe = matches!(req.method, Method::GET | Method::HEAD | Method::OPTIONS);
        let (mut sent, mut tries, mut redirects) = (0u32, 0u32, 0u32);
        loop {
            let place = req.boundary.place(&hop.url);
            if let Some(refusal) = self.beyond(req, &hop, place, redactor) {
                return refusal;
            }
            if let Some(refusal) = self.gate(&mut stop).await {
                return refusal;
            }
            sent += 1;
            tries += 1;
            let permit = match held.take() {
                Some(slot) => Ok(slot),
                None => self.in_flight.acquire().await,
            };
            // Boxed: reqwest's future is large, and inlined it would be
            // reserved in every waiting persona's task, sending or not.
            let events = events.as_mut().map(|w| {
                w.reset();
                &mut **w
            });
            let (record, tried) =
                Box::pin(self.attempt(req, &hop, place, purpose, sent, clock, redactor, &mut stop, events)).await;
            drop(permit);
            tracing::debug!(
                method = %record.method, url = %record.url, attempt = sent, status = ?record.status,
                ms = (record.t_end_us.saturating_sub(record.t_start_us)) / 1000, error = ?record.error,
                "{purpose:?} request"
            );
            log.push(record);
            let pause = match &tried.outcome {
                Outcome::Response(r) if is_redirect(r.status) && r.headers.get("location").is_some() => {
                    redirects += 1;
                    if redirects > MAX_REDIRECTS {
                        return Outcome::Failed {
                            kind: ErrorKind::Redirects,
                            message: format!(
                                "more than {MAX_REDIRECTS} redirects (the last to {}); the target is probably in a redirect loop",
                                redactor.redact(&r.headers.get("location").unwrap_or_default())
                            ),
                        };
                    }
                    match follow(&hop, r.status, &r.headers.get("location").unwrap_or_default()) {
                        Ok(next) => hop = next,
                        Err(e) => return Outcome::Failed { kind: ErrorKind::Malformed, message: redactor.redact(&e) },
                    }
                    // A redirect is a new request, not a retry.
                    tries = 0;
                    continue;
                }
                Outcome::Response(r) if self.retry_on.contains(&r.status) => {
                    retry_after(&r.headers).unwrap_or(self.backoff_for(tries))
                }
                Outcome::Failed { kind, .. } if *kind != ErrorKind::Stopped && (!tried.reached || safe) => {
                    self.backoff_for(tries)
                }
                _ => return tried.outcome,
            };
            if tries >= self.attempts.max(1) {
                return tried.outcome;
            }
            tokio::select! {
                _ = tokio::time::sleep(pause.min(MAX_RETRY_AFTER)) => {}
                _ = guard::stopped(&mut stop) => {}
            }
        }
    }

    fn backoff_for(&self, tries: u32) -> Duration {
        // Attempts are capped at `check`; the shift is bounded regardless.
        self.backoff.saturating_mul(1u32 << tries.saturating_sub(1).min(16))
    }

    /// Refuses a hop outside the boundary, or one to an allowed host that
    /// would carry a secret.
    fn beyond(&self, req: &Prepared, hop: &Hop, place: Place, redactor: &Redactor) -> Option<Outcome> {
        if place == Place::Origin {
            return None;
        }
        let shown = redactor.redact(hop.url.as_str());
        match place {
            Place::Origin => None,
            Place::Outside => Some(Outcome::Failed {
                kind: ErrorKind::Offsite,
                message: format!(
                    "{}`{shown}` is outside this channel's origin {}; not sent (list the host in the channel's `allowed_hosts` if it is trusted)",
                    if hop.first { "the request URL " } else { "the target redirected to " },
                    req.boundary.origin()
                ),
            }),
            Place::Allowed => {
                let body_secret = hop.with_body && req.body.as_ref().is_some_and(|b| redactor.contains_secret(&b.text()));
                (redactor.contains_secret(hop.url.as_str()) || body_secret).then(|| Outcome::Failed {
                    kind: ErrorKind::Offsite,
                    message: format!(
                        "`{shown}` is on an allowed host outside this channel's origin {}, and the request would carry a secret; not sent",
                        req.boundary.origin()
                    ),
                })
            }
        }
    }

    /// The checks before any request goes out: the rate limit's wait, then
    /// the stop signal, then the budget (which the request then uses).
    pub(super) async fn gate(&self, stop: &mut watch::Receiver<bool>) -> Option<Outcome> {
        if let Some(rate) = &self.rate {
            tokio::select! {
                _ = rate.acquire() => {}
                _ = guard::stopped(stop) => {}
            }
        }
        if *stop.borrow() {
            return Some(Outcome::Refused {
                kind: ErrorKind::Interrupted,
                message: "not sent: the run was stopped".into(),
            });
        }
        if let Some(budget) = &self.budget {
            if let Err(why) = budget.take(tokio::time::Instant::now()) {
                return Some(Outcome::Refused { kind: ErrorKind::Budget, message: why.to_string() });
            }
        }
        None
    }

    #[allow(clippy::too_many_arguments)]
    async fn attempt(
        &self,
        req: &Prepared,
        hop: &Hop,
        place: Place,
        purpose: Purpose,
        attempt: u32,
        clock: &Clock,
        redactor: &Redactor,
        stop: &mut watch::Receiver<bool>,
        mut events: Option<&mut dyn Watch>,
    ) -> (Http, Tried) {
        // The channel's headers and marks only inside its origin.
        let inside = place == Place::Origin;
        let request = super::request::build(
            &self.client,
            self.mark_headers.as_ref(),
            &self.marks,
            req,
            super::request::Hop { method: &hop.method, url: &hop.url, with_body: hop.with_body, inside },
        );
        let url = if hop.first { req.shown.url.clone() } else { redactor.redact(hop.url.as_str()) };
        let request_headers = if inside {
            self.marks
                .iter()
                .map(|(k, v)| (k.clone(), redactor.redact(v)))
                .chain(req.shown.headers.iter().cloned())
                .collect()
        } else {
            Headers::new()
        };
        let mut record = Http::started(
            purpose,
            attempt,
            hop.method.to_string(),
            url,
            request_headers,
            if hop.with_body { req.shown.body.clone() } else { None },
            clock.us(),
        );
        let result = tokio::select! {
            r = async {
                match request {
                    Ok(request) => self.client.execute(request).await,
                    Err(e) => Err(e),
                }
            } => r,
            _ = guard::stopped(stop) => {
                record.t_end_us = clock.us();
                let message = "interrupted in flight: the run stopped before the target answered; it may have received the request".to_string();
                record.error = Some(message.clone());
                return (record, Tried { outcome: Outcome::Failed { kind: ErrorKind::Stopped, message }, reached: true });
            }
        };
        let mut resp = match result {
            Ok(r) => r,
            Err(e) => {
                record.t_end_us = clock.us();
                let sort = super::fault::classify(&e);
                let message = redactor.redact(&sort.message);
                record.error = Some(message.clone());
                return (
                    record,
                    Tried { outcome: Outcome::Failed { kind: sort.kind, message }, reached: sort.reached },
                );
            }
        };
        record.t_first_byte_us = Some(clock.us());
        let status = resp.status().as_u16();
        record.status = Some(status);
        let (headers, recorded) = received(std::mem::take(resp.headers_mut()), redactor);
        record.headers = recorded;
        // Read the body in chunks so a huge body stops at the cap. Sized
        // from Content-Length up to 64 KB (a target may claim any length).
        let mut buf: Vec<u8> =
            Vec::with_capacity(resp.content_length().unwrap_or(0).min(self.max_body.min(BODY_HINT) as u64) as usize);
        let mut total: u64 = 0;
        let mut truncated = false;
        let mut stream = resp.bytes_stream();
        let mut failure: Option<(ErrorKind, String)> = None;
        loop {
            let chunk = tokio::select! {
                c = stream.next() => c,
                _ = guard::stopped(stop) => {
                    failure = Some((ErrorKind::Stopped, format!(
                        "interrupted in flight: the target answered HTTP {status} but the run stopped while its body was arriving ({total} bytes so far)"
                    )));
                    break;
                }
            };
            match chunk {
                None => {
                    if let Some(Err(why)) = events.as_mut().map(|w| w.ended()) {
                        failure = Some((ErrorKind::Cut, format!("the target answered HTTP {status}, then {why}")));
                    }
                    break;
                }
                Some(Ok(bytes)) => {
                    total += bytes.len() as u64;
                    let room = self.max_body.saturating_sub(buf.len());
                    let kept = &bytes[..bytes.len().min(room)];
                    buf.extend_from_slice(kept);
                    if events.as_mut().is_some_and(|w| w.chunk(clock.us(), kept)) {
                        break;
                    }
                    if bytes.len() > room {
                        truncated = true;
                        break;
                    }
                }
                Some(Err(e)) => {
                    let sort = super::fault::classify(&e);
                    let kind = if sort.kind == ErrorKind::Timeout { ErrorKind::Timeout } else { ErrorKind::Body };
                    // A GET changes nothing and may be asked again (`retry`);
                    // anything else may have been acted on.
                    let then = if matches!(hop.method, Method::GET | Method::HEAD) {
                        "a GET changes nothing, so it may be read again"
                    } else {
                        "not sent again: the target may have acted on it"
                    };
                    failure = Some((
                        kind,
                        format!(
                            "the target answered HTTP {status}, then the body broke off after {total} bytes ({}); {then}",
                            sort.root
                        ),
                    ));
                    break;
                }
            }
        }
        record.t_end_us = clock.us();
        let body = match String::from_utf8(buf) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        let body = redactor.redact_owned(body);
        let body_hash = body::key(&body);
        record.body_hash = body_hash.map(body::hex);
        record.body = Some(body.clone());
        record.body_bytes = total;
        record.truncated = truncated;
        if let Some((kind, message)) = failure {
            let message = redactor.redact(&message);
            record.error = Some(message.clone());
            return (record, Tried { outcome: Outcome::Failed { kind, message }, reached: true });
        }
        let response = Response {
            status,
            headers,
            body,
            body_hash,
            truncated,
            t_first_byte_us: record.t_first_byte_us.unwrap_or(record.t_end_us),
            t_end_us: record.t_end_us,
            t_start_us: record.t_start_us,
        };
        (record, Tried { outcome: Outcome::Response(response), reached: true })
    }
}

fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The next hop of a redirect: 307/308 keep the method and body; 303, and
/// 301/302 after anything but GET/HEAD, continue as a GET without body (as
/// browsers do).
fn follow(hop: &Hop, status: u16, location: &str) -> Result<Hop, String> {
    let url = hop
        .url
        .join(location.trim())
        .map_err(|e| format!("the target redirected to `{location}`, which is not a URL ({e})"))?;
    let keep = matches!(status, 307 | 308) || matches!(hop.method, Method::GET | Method::HEAD);
    Ok(Hop {
        method: if keep { hop.method.clone() } else { Method::GET },
        url,
        with_body: keep && hop.with_body,
        first: false,
    })
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &Received) -> Option<Duration> {
    let v = headers.get("retry-after")?;
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    delta.to_std().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_change_method_like_browsers() {
        let hop = Hop { method: Method::POST, url: Url::parse("http://a/x").unwrap(), with_body: true, first: true };
        let h = follow(&hop, 307, "/y").unwrap();
        assert_eq!((h.method, h.url.as_str(), h.with_body), (Method::POST, "http://a/y", true));
        let h = follow(&hop, 302, "http://b/z").unwrap();
        assert_eq!((h.method, h.url.as_str(), h.with_body), (Method::GET, "http://b/z", false));
        let h = follow(&hop, 303, "z").unwrap();
        assert_eq!((h.method, h.with_body), (Method::GET, false));
    }
}
