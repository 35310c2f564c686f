//! The HTTP requests behind one customer message, told as a story: a few
//! lines a manager can read (the send that got a 503, was retried and was
//! accepted; 37 polls from the first to the last, 2 of them failed) and
//! every request, numbered, for the collapsible detail.
//!
//! Built from the run record when the exchange is in it, else from the
//! attempts the verdict kept for the finding.

use super::text;
use crate::record::{Http, Purpose};
use crate::verdict::Attempt;
use serde::Serialize;

/// Requests listed one by one; a mailbox polled for an hour can make
/// thousands, and the rest are in run.jsonl.
const MAX_LISTED: usize = 200;
/// Characters of a URL or an error shown.
const URL_MAX: usize = 120;
const ERROR_MAX: usize = 160;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Attempts {
    /// What happened, in a few lines: per request kind, first and last,
    /// retries and failures with counts.
    pub summary: Vec<String>,
    /// Every request, numbered within its kind ("poll 3 of 37").
    pub all: Vec<String>,
    pub total: usize,
    /// Requests not listed in `all`.
    pub more: usize,
}

/// One request attempt, from either source.
struct One<'a> {
    purpose: &'a str,
    attempt: u32,
    method: &'a str,
    url: &'a str,
    status: Option<u16>,
    error: Option<&'a str>,
    /// Microseconds since the run started, when known.
    at_us: Option<u64>,
    ms: f64,
}

impl One<'_> {
    fn outcome(&self) -> String {
        match (self.status, self.error) {
            (_, Some(e)) => format!("failed: {}", text::clip(e, ERROR_MAX)),
            (Some(s), None) => format!("HTTP {s}"),
            (None, None) => "no response".into(),
        }
    }

    fn failed(&self) -> bool {
        self.error.is_some() || self.status.is_none_or(|s| s >= 400)
    }
}

fn purpose_name(p: Purpose) -> &'static str {
    match p {
        Purpose::Open => "open",
        Purpose::Send => "send",
        Purpose::Poll => "poll",
        Purpose::Webhook => "webhook",
        Purpose::Stream => "stream",
    }
}

/// From the run record: every attempt, with its time.
pub fn from_http(http: &[Http]) -> Attempts {
    let ones: Vec<One> = http
        .iter()
        .map(|h| One {
            purpose: purpose_name(h.purpose),
            attempt: h.attempt,
            method: &h.method,
            url: &h.url,
            status: h.status,
            error: h.error.as_deref(),
            at_us: Some(h.t_start_us),
            ms: h.t_end_us.saturating_sub(h.t_start_us) as f64 / 1000.0,
        })
        .collect();
    tell(&ones)
}

/// From the verdict's evidence: the attempts analysis kept (a selection).
pub fn from_verdict(attempts: &[Attempt]) -> Attempts {
    let ones: Vec<One> = attempts
        .iter()
        .map(|a| One {
            purpose: &a.purpose,
            attempt: a.attempt,
            method: &a.method,
            url: &a.url,
            status: a.status,
            error: a.error.as_deref(),
            at_us: None,
            ms: a.ms,
        })
        .collect();
    tell(&ones)
}

fn tell(ones: &[One]) -> Attempts {
    // Kinds in the order they first happened: open, send, then polls.
    let mut kinds: Vec<&str> = Vec::new();
    for o in ones {
        if !kinds.contains(&o.purpose) {
            kinds.push(o.purpose);
        }
    }
    let mut summary = Vec::new();
    let mut all = Vec::new();
    for kind in kinds {
        let of: Vec<&One> = ones.iter().filter(|o| o.purpose == kind).collect();
        // A request is its first attempt and the retries that follow it.
        let mut requests: Vec<Vec<&One>> = Vec::new();
        for o in &of {
            match requests.last_mut() {
                Some(r) if o.attempt > 1 => r.push(o),
                _ => requests.push(vec![o]),
            }
        }
        let n = requests.len();
        for (i, r) in requests.iter().enumerate() {
            for o in r {
                if all.len() < MAX_LISTED {
                    let retry = if o.attempt > 1 { format!(", retry {}", o.attempt - 1) } else { String::new() };
                    let at = o.at_us.map(|us| format!(" at {}", text::offset_us(us))).unwrap_or_default();
                    all.push(format!(
                        "{kind} {} of {n}{retry}: {} {} → {} ({}){at}",
                        i + 1,
                        o.method,
                        text::clip(o.url, URL_MAX),
                        o.outcome(),
                        text::duration_ms(o.ms)
                    ));
                }
            }
        }
        summary.extend(summarise(kind, &requests));
    }
    let total = ones.len();
    Attempts { summary, more: total - all.len(), all, total }
}

/// "send: POST /messages → HTTP 503, retried → HTTP 202" for a few
/// requests; first, last and counts for many (polls).
fn summarise(kind: &str, requests: &[Vec<&One>]) -> Vec<String> {
    let chain = |r: &[&One]| {
        let outcomes: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, o)| if i == 0 { o.outcome() } else { format!("retried → {}", o.outcome()) })
            .collect();
        outcomes.join(", ")
    };
    if requests.len() <= 2 {
        return requests
            .iter()
            .map(|r| format!("{kind}: {} {} → {}", r[0].method, text::clip(r[0].url, URL_MAX), chain(r)))
            .collect();
    }
    let first = &requests[0];
    let last = &requests[requests.len() - 1];
    let span = match (first[0].at_us, last[last.len() - 1].at_us) {
        (Some(a), Some(b)) => format!(" from {} to {}", text::offset_us(a), text::offset_us(b)),
        _ => String::new(),
    };
    let attempts: Vec<&One> = requests.iter().flatten().copied().collect();
    let retries = attempts.iter().filter(|o| o.attempt > 1).count();
    let mut failures: Vec<(String, usize)> = Vec::new();
    for o in attempts.iter().filter(|o| o.failed()) {
        let what = match (o.status, o.error) {
            (_, Some(_)) => "connection or timeout error".to_string(),
            (Some(s), None) => format!("HTTP {s}"),
            (None, None) => "no response".into(),
        };
        match failures.iter_mut().find(|(w, _)| *w == what) {
            Some((_, n)) => *n += 1,
            None => failures.push((what, 1)),
        }
    }
    let failed: usize = failures.iter().map(|(_, n)| n).sum();
    let mut lines = vec![format!(
        "{kind}: {} requests{span}; first {} → {}; last → {}",
        requests.len(),
        first[0].method,
        chain(first),
        chain(last)
    )];
    let mut counts = Vec::new();
    if retries > 0 {
        counts.push(format!("{retries} {}", if retries == 1 { "retry" } else { "retries" }));
    }
    if failed > 0 {
        let list: Vec<String> =
            failures.iter().map(|(w, n)| if *n > 1 { format!("{w} ×{n}") } else { w.clone() }).collect();
        counts.push(format!("{failed} failed ({})", list.join(", ")));
    }
    if !counts.is_empty() {
        lines.push(format!("{kind}: {}", counts.join("; ")));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(purpose: &str, attempt: u32, status: Option<u16>) -> Attempt {
        Attempt {
            purpose: purpose.into(),
            attempt,
            method: if purpose == "poll" { "GET" } else { "POST" }.into(),
            url: "/c/1".into(),
            status,
            error: None,
            ms: 10.0,
        }
    }

    #[test]
    fn a_send_retried_after_a_503_tells_the_whole_story() {
        let t = from_verdict(&[a("send", 1, Some(503)), a("send", 2, Some(202))]);
        assert_eq!(t.summary, ["send: POST /c/1 → HTTP 503, retried → HTTP 202"]);
        assert_eq!(t.all.len(), 2);
        assert!(t.all[1].starts_with("send 1 of 1, retry 1:"), "{:?}", t.all);
    }

    #[test]
    fn polls_are_numbered_and_summarised_with_counts() {
        let mut polls: Vec<Attempt> = (0..6).map(|_| a("poll", 1, Some(200))).collect();
        polls[2].status = Some(502);
        polls.insert(3, a("poll", 2, Some(200)));
        let t = from_verdict(&polls);
        assert_eq!(t.total, 7);
        assert!(t.all[0].starts_with("poll 1 of 6:"), "{:?}", t.all);
        assert!(t.all[5].starts_with("poll 5 of 6:"), "{:?}", t.all);
        assert_eq!(t.summary[0], "poll: 6 requests; first GET → HTTP 200; last → HTTP 200");
        assert_eq!(t.summary[1], "poll: 1 retry; 1 failed (HTTP 502)");
    }
}
