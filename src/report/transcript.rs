//! Transcripts: every conversation, email thread and page fetch, per
//! persona, straight from the run record.
//!
//! A run can hold 10,000 exchanges and answers of any size, so the view is
//! bounded: a budget of exchanges shown (those a finding points at are
//! always shown), a cap per conversation, and bodies cut to a preview plus
//! a capped remainder behind a disclosure. Whatever is left out is counted,
//! and stays in `run.jsonl`.

use super::attempts::{self, Attempts};
use super::journey::{sla_mark, Mark};
use super::labels::Labels;
use super::text::{self, Body};
use crate::record::{Exchange, Purpose, RecordedRun, TaskKind};
use crate::verdict::{SlaStatus, Verdict};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Exchanges shown in the whole report, beyond those findings point at.
const BUDGET: usize = 600;
/// Exchanges shown per conversation, beyond those findings point at.
const PER_CONVERSATION: usize = 40;
/// Bytes of a body always visible, and behind the disclosure.
const PREVIEW: usize = 480;
const REST: usize = 4 * 1024;

#[derive(Debug, Clone, Serialize)]
pub struct Transcripts {
    pub personas: Vec<PersonaTranscripts>,
    pub total: usize,
    pub shown: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonaTranscripts {
    pub id: String,
    pub persona: String,
    pub segment: String,
    pub conversations: Vec<Conversation>,
}

/// One scenario walk, or one persona's answers in a sweep.
#[derive(Debug, Clone, Serialize)]
pub struct Conversation {
    pub anchor: String,
    pub title: String,
    pub journey: Option<String>,
    pub channels: Vec<String>,
    pub exchanges: Vec<ExchangeView>,
    pub total: usize,
    pub omitted: usize,
    pub errors: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExchangeView {
    pub anchor: String,
    pub seq: u64,
    pub step: usize,
    pub stage: Option<String>,
    pub channel: String,
    pub question: Option<String>,
    pub at: String,
    pub clock: String,
    pub message: Body,
    /// The answer as the customer reads it (the cleaned answer region).
    pub reply: Option<Body>,
    /// The reply as received (HTML source, a quoted email), when it
    /// differs from what is shown: behind its own disclosure.
    pub source: Option<Source>,
    pub latency: Option<String>,
    pub sla: Mark,
    pub error: Option<String>,
    pub http: String,
    /// Every HTTP request, behind a disclosure.
    pub attempts: Attempts,
    pub captures: Vec<(String, String)>,
}

/// A reply's raw text, cut to size.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub text: String,
    pub hidden_bytes: usize,
}

impl Transcripts {
    pub fn shown_seqs(&self) -> BTreeSet<u64> {
        self.personas.iter().flat_map(|p| &p.conversations).flat_map(|c| &c.exchanges).map(|x| x.seq).collect()
    }
}

/// What groups exchanges into one conversation.
type Key = (String, TaskKind, String, u32);

pub fn build(v: &Verdict, run: &RecordedRun, labels: &Labels, pinned: &BTreeSet<u64>) -> Transcripts {
    let sla: HashMap<&str, Option<f64>> = v.sla.iter().map(|s| (s.channel.as_str(), s.sla_ms)).collect();
    // The cleaned answers analysis kept, by exchange.
    let cleaned: HashMap<u64, &str> = v
        .journeys
        .iter()
        .flat_map(|j| &j.walks)
        .flat_map(|w| &w.touchpoints)
        .filter_map(|t| Some((t.seq, t.answer.as_deref()?)))
        .collect();
    let segments: HashMap<&str, &str> =
        run.exchanges.iter().map(|x| (x.task.persona.as_str(), x.persona_segment.as_str())).collect();
    let mut groups: BTreeMap<Key, Vec<&Exchange>> = BTreeMap::new();
    for x in &run.exchanges {
        let t = &x.task;
        groups.entry((t.persona.clone(), t.kind, t.id.clone(), t.repeat)).or_default().push(x);
    }
    let mut budget = BUDGET;
    let mut personas: Vec<PersonaTranscripts> = Vec::new();
    for (n, ((persona, kind, id, repeat), mut xs)) in groups.into_iter().enumerate() {
        xs.sort_by(|a, b| {
            (a.step, &a.task.question, &a.task.channel, a.seq).cmp(&(b.step, &b.task.question, &b.task.channel, b.seq))
        });
        let mut shown = Vec::new();
        for (i, x) in xs.iter().enumerate() {
            let keep = pinned.contains(&x.seq) || (i < PER_CONVERSATION && budget > 0);
            if keep {
                budget = budget.saturating_sub(1);
                let sla_ms = sla.get(x.channel.as_str()).copied().flatten();
                shown.push(exchange(x, &run.header.started_at, sla_ms, labels, cleaned.get(&x.seq).copied()));
            }
        }
        let channels: BTreeSet<&str> = xs.iter().map(|x| x.channel.as_str()).collect();
        let title = match kind {
            TaskKind::Scenario => format!("Scenario “{}”", text::humanize(&id)),
            TaskKind::Sweep => {
                let questions: BTreeSet<Option<&str>> = xs.iter().map(|x| x.question.as_deref()).collect();
                format!(
                    "Sweep “{}”: {} questions × {} channels",
                    text::humanize(&id),
                    questions.len(),
                    xs.iter().map(|x| x.channel.as_str()).collect::<BTreeSet<_>>().len()
                )
            }
        };
        let conversation = Conversation {
            anchor: format!("t-{}", n + 1),
            title: if repeat > 0 { format!("{title}, repeat {}", repeat + 1) } else { title },
            journey: xs.first().and_then(|x| x.journey.as_deref()).map(|j| labels.journey(j)),
            channels: channels.into_iter().map(|c| labels.channel(c)).collect(),
            total: xs.len(),
            omitted: xs.len() - shown.len(),
            errors: xs.iter().filter(|x| x.error.is_some()).count(),
            exchanges: shown,
        };
        match personas.last_mut() {
            Some(p) if p.id == persona => p.conversations.push(conversation),
            _ => personas.push(PersonaTranscripts {
                persona: labels.persona(&persona),
                id: persona.clone(),
                segment: segments.get(persona.as_str()).copied().unwrap_or_default().to_string(),
                conversations: vec![conversation],
            }),
        }
    }
    let shown = personas.iter().flat_map(|p| &p.conversations).map(|c| c.exchanges.len()).sum();
    Transcripts { personas, total: run.exchanges.len(), shown }
}

fn exchange(
    x: &Exchange,
    started: &chrono::DateTime<chrono::Utc>,
    sla_ms: Option<f64>,
    labels: &Labels,
    cleaned: Option<&str>,
) -> ExchangeView {
    let latency = x.latency_ms();
    let status = match (latency, sla_ms) {
        (None, _) => SlaStatus::NoReply,
        (Some(_), None) => SlaStatus::NoSla,
        (Some((lo, _)), Some(s)) if lo > s => SlaStatus::Breach,
        (Some((_, hi)), Some(s)) if hi > s => SlaStatus::PossibleBreach,
        (Some(_), Some(_)) => SlaStatus::Met,
    };
    ExchangeView {
        anchor: format!("x-{}", x.seq),
        seq: x.seq,
        step: x.step + 1,
        stage: x.stage.as_deref().map(|s| labels.stage(x.journey.as_deref(), s)),
        channel: labels.channel(&x.channel),
        question: x.question.as_deref().map(|q| labels.question(q)),
        at: text::offset_us(x.t_sent_us),
        clock: text::clock(started, x.t_sent_us),
        message: Body::new(&x.message, PREVIEW, REST),
        reply: x.reply.as_ref().map(|r| Body::new(cleaned.unwrap_or(&r.text), PREVIEW, REST)),
        source: x.reply.as_ref().filter(|r| cleaned.is_some_and(|c| c.trim() != r.text.trim())).map(|r| {
            let text = text::clip(&r.text, REST);
            Source { hidden_bytes: r.text.len().saturating_sub(REST), text }
        }),
        latency: latency.map(|(lo, hi)| text::interval_ms(lo, hi)),
        sla: sla_mark(status, sla_ms),
        error: x.error.as_ref().map(|e| text::clip(&format!("{:?}: {}", e.kind, e.message), 500)),
        http: http_summary(x),
        attempts: attempts::from_http(&x.http),
        captures: x.captures.iter().map(|(k, v)| (k.clone(), shown_capture(k, v))).collect(),
    }
}

/// Names of captured values that are credentials, not content: a session
/// token in a report forwarded to managers is a leak, even to a test system.
const SECRET_NAMES: [&str; 7] = ["token", "secret", "password", "passwd", "key", "auth", "cookie"];

/// A captured value as shown: cut to size, and hidden when its name says it is a credential.
fn shown_capture(name: &str, value: &str) -> String {
    let name = name.to_ascii_lowercase();
    if SECRET_NAMES.iter().any(|s| name.contains(s)) {
        return "*** (hidden)".into();
    }
    text::clip(value, 120)
}

/// "4 HTTP requests: open 201, send 202, poll 200 ×2", "… 1 retry".
fn http_summary(x: &Exchange) -> String {
    let mut parts: Vec<(String, usize)> = Vec::new();
    for h in &x.http {
        let purpose = match h.purpose {
            Purpose::Open => "open",
            Purpose::Send => "send",
            Purpose::Poll => "poll",
            Purpose::Webhook => "webhook",
            Purpose::Stream => "stream",
        };
        let outcome = match (h.status, &h.error) {
            (_, Some(_)) => "failed".to_string(),
            (Some(s), None) => s.to_string(),
            (None, None) => "no response".into(),
        };
        let label = format!("{purpose} {outcome}");
        match parts.last_mut() {
            Some((l, n)) if *l == label => *n += 1,
            _ => parts.push((label, 1)),
        }
    }
    let retries = x.http.iter().filter(|h| h.attempt > 1).count();
    let list: Vec<String> = parts.into_iter().map(|(l, n)| if n > 1 { format!("{l} ×{n}") } else { l }).collect();
    let mut s = format!("{} HTTP {}", x.http.len(), if x.http.len() == 1 { "request" } else { "requests" });
    if !list.is_empty() {
        s.push_str(": ");
        s.push_str(&list.join(", "));
    }
    if retries > 0 {
        s.push_str(&format!("; {retries} {}", if retries == 1 { "retry" } else { "retries" }));
    }
    s
}
