//! The run record: `run.jsonl`, one JSON object per line, appended and
//! flushed as each exchange completes. It holds the raw facts of a run —
//! what was sent, what came back, when — and nothing derived, so analysis
//! and reports can always be rebuilt from it alone.
//!
//! Times are microseconds since the run started (`t_*_us`), taken from a
//! monotonic clock; the header holds the wall-clock start.

pub mod blocks;
pub mod body;
mod decode;
mod escape;
pub mod headers;
pub mod json;
mod lean;
mod lean_line;
pub mod prefetch;
pub mod reader;
pub mod stream;
pub mod writer;

pub use headers::Headers;

pub use prefetch::Prefetch;
pub use reader::{read_run, RecordedRun};
pub use stream::{RunStream, RunTail};
pub use writer::RecordWriter;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bumped when a field changes meaning; readers refuse newer schemas.
/// Schema 2 stores repeated response bodies once (`body.rs`); schema 1
/// records read as before.
pub const SCHEMA: u32 = 2;

/// One line of `run.jsonl`. Serialised with `"type"` first; deserialised by
/// hand (`decode.rs`) because serde's derived internally tagged enums buffer
/// every object before decoding it, which made reading 1.7× slower.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
// One header per run against one exchange per line: boxing the header
// would save nothing that is held for long.
#[allow(clippy::large_enum_variant)]
pub enum Record {
    Header(Header),
    Exchange(Box<Exchange>),
    /// A webhook callback no step was waiting for (`LateCallback`).
    LateCallback(Box<LateCallback>),
    End(End),
}

/// A webhook callback that arrived when no step of its conversation was
/// waiting: after the conversation's last reply or after it ended. Answered
/// 2xx (or 401/403 when its signature fails) so the provider stops retrying,
/// and recorded, never read as a reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LateCallback {
    pub channel: String,
    /// The callback as received (purpose `webhook`, redacted like any other).
    pub http: Http,
}

/// What the receiver or the step made of a webhook callback that was not read as a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackNote {
    /// The same event id (`receive.dedupe`) was delivered before.
    Duplicate,
    /// `receive.verify` found no signature: answered 401.
    Unsigned,
    /// `receive.verify` found a signature that does not match: answered 403.
    BadSignature,
    /// Neither JSON, a form nor multipart.
    Unreadable,
}

/// Late callbacks of one channel, as a reader counts them: each in one of
/// the three counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateTally {
    /// Neither a duplicate nor refused.
    pub late: u64,
    pub duplicates: u64,
    pub invalid_signature: u64,
}

impl LateTally {
    pub fn add(&mut self, c: &LateCallback) {
        match c.http.callback {
            Some(CallbackNote::Duplicate) => self.duplicates += 1,
            Some(n) if n.invalid_signature() => self.invalid_signature += 1,
            _ => self.late += 1,
        }
    }
}

/// Late callbacks by channel.
pub type LateTallies = BTreeMap<String, LateTally>;

impl CallbackNote {
    /// Failed signature verification: a security finding.
    pub fn invalid_signature(self) -> bool {
        matches!(self, CallbackNote::Unsigned | CallbackNote::BadSignature)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub schema: u32,
    pub run_id: String,
    /// The suite folder as given, its company name and content digest.
    pub suite: String,
    pub company: String,
    pub suite_digest: String,
    pub tool_version: String,
    pub seed: u64,
    pub started_at: DateTime<Utc>,
    /// The base URL under test (`{{ target }}`).
    pub target: String,
    pub concurrency: usize,
    pub repeat: u32,
    /// How many walks (scenario × persona × repeat, and sweep cells) were planned.
    pub planned_tasks: usize,
    /// `--only`, so `--resume` plans the same walks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only: Option<String>,
    /// Set when this run continues an interrupted one (`--resume`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed_from: Option<String>,
    /// Set on a shard of a sharded run (`--shard I/N`) and on the run
    /// `touchpoint merge` made of the shards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<RunGroup>,
}

/// The sharded run a record belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunGroup {
    /// Names the whole run: every shard of it records the same id, and the
    /// merged run takes it as its run id.
    pub id: String,
    /// A shard's place (`1/3`); None on the merged run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::shard::Shard>,
    /// The merged run: the shards' run ids, in shard order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
}

/// Which walk an exchange belongs to: one persona through one scenario (or
/// one sweep cell), one repeat.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Task {
    pub kind: TaskKind,
    /// Scenario id, or sweep id.
    pub id: String,
    pub persona: String,
    pub repeat: u32,
    /// Sweep cells: the question asked (scenarios: None).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// Sweep cells: the channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    Scenario,
    Sweep,
}

impl Task {
    /// A stable key: `scenario:refund-handoff/new-customer#0`.
    pub fn key(&self) -> String {
        let mut k = String::new();
        // Writing to a `String` cannot fail.
        let _ = self.write_key(&mut k);
        k
    }

    /// [`Task::key`] written to `out` (the plan hashes it without building it).
    pub fn write_key(&self, out: &mut impl std::fmt::Write) -> std::fmt::Result {
        let kind = match self.kind {
            TaskKind::Scenario => "scenario",
            TaskKind::Sweep => "sweep",
        };
        write!(out, "{kind}:{}/{}#{}", self.id, self.persona, self.repeat)?;
        if let (Some(q), Some(c)) = (&self.question, &self.channel) {
            write!(out, "/{q}@{c}")?;
        }
        Ok(())
    }
}

/// One customer message and what came of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// Completion order within the run.
    pub seq: u64,
    pub task: Task,
    /// Index of the step within the scenario (0 for a sweep cell).
    pub step: usize,
    pub journey: Option<String>,
    pub stage: Option<String>,
    pub channel: String,
    pub persona_segment: String,
    /// The question asked, if the step asked one.
    pub question: Option<String>,
    /// Facts the answer must state.
    pub expects: Vec<String>,
    /// A captured value this answer must recognise: (name, value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recognises: Option<(String, String)>,
    /// What the customer said, rendered.
    pub message: String,
    /// When the customer's message was sent.
    pub t_sent_us: u64,
    /// Every HTTP request made for this message: open, send, polls, with retries.
    #[serde(deserialize_with = "lean::http")]
    pub http: Vec<Http>,
    pub reply: Option<Reply>,
    /// Values captured from this exchange (channel and step captures).
    pub captures: BTreeMap<String, String>,
    pub error: Option<StepError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Open,
    Send,
    Poll,
    Webhook,
    /// The request that opens a reply's event stream (`mode = "stream"` with a `request`).
    Stream,
}

/// One HTTP attempt. A retry is another `Http` with `attempt` + 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Http {
    pub purpose: Purpose,
    pub attempt: u32,
    pub method: String,
    /// Secrets replaced by `***`.
    pub url: String,
    pub request_headers: Headers,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<String>,
    pub t_start_us: u64,
    pub t_first_byte_us: Option<u64>,
    pub t_end_us: u64,
    pub status: Option<u16>,
    /// Headers that matter (content-type, retry-after, location, …).
    pub headers: Headers,
    /// Written whole, or in chunks stored once per run (`body.rs`).
    #[serde(default, serialize_with = "body::serialize", deserialize_with = "body::deserialize")]
    pub body: Option<String>,
    /// The body's content hash (`body.rs`): set on large bodies by the
    /// writer; without a body, the body is the one recorded with this hash,
    /// or was not kept (a poll between the first and the last of a step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_hash: Option<String>,
    /// Bytes received (may exceed the recorded body when truncated).
    pub body_bytes: u64,
    pub truncated: bool,
    pub error: Option<String>,
    /// Webhook callbacks not read as a reply: why (duplicate, refused signature, unreadable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback: Option<CallbackNote>,
}

impl Http {
    /// An attempt as it starts: the request as recorded (secrets already
    /// replaced) and its start time; nothing received yet.
    pub fn started(
        purpose: Purpose,
        attempt: u32,
        method: String,
        url: String,
        request_headers: Headers,
        request_body: Option<String>,
        t_start_us: u64,
    ) -> Http {
        Http {
            purpose,
            attempt,
            method,
            url,
            request_headers,
            request_body,
            t_start_us,
            t_first_byte_us: None,
            t_end_us: 0,
            status: None,
            headers: Headers::new(),
            body: None,
            body_hash: None,
            body_bytes: 0,
            truncated: false,
            error: None,
            callback: None,
        }
    }
}

/// The reply the customer got. Polling only bounds when it arrived, so the
/// latency is an interval `[t_earliest_us, t_latest_us]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// The reply text as extracted by the channel configuration (raw, uncleaned).
    pub text: String,
    /// The reply item (poll/webhook JSON) as received. Read lean, it is
    /// skipped (analysis and the report read `text`): a JSON tree per reply.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lean::item")]
    pub item: Option<serde_json::Value>,
    /// The last moment the reply was known not to be there yet.
    pub t_earliest_us: u64,
    /// The moment the reply was seen.
    pub t_latest_us: u64,
    /// A streamed reply (`mode = "stream"`): when its first text arrived
    /// (time to first token); None for replies that arrive whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t_first_byte_us: Option<u64>,
    /// A streamed reply: when its last text arrived (the full answer; the
    /// end event may come later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t_last_byte_us: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The request could not be built (template, URL).
    Request,
    /// No connection: the message provably did not reach the target.
    Connect,
    /// The TLS handshake failed (a plain-HTTP port, a bad certificate).
    Tls,
    Timeout,
    /// An HTTP status the channel does not accept.
    Status,
    /// The connection broke while the response body was arriving.
    Body,
    /// The body was not what the channel expects (not JSON, nothing at the
    /// path, not valid HTTP), with the parse reason.
    Malformed,
    /// The body was over the channel's `max_body` and could not be read whole.
    TooLarge,
    /// More redirects than are followed (a loop).
    Redirects,
    /// The request would have left the channel's origin (a captured absolute
    /// URL, a redirect to another host) and the host is not in `allowed_hosts`.
    Offsite,
    /// No reply within `max_wait`.
    NoReply,
    /// A streamed reply ended (the connection closed) before its end event:
    /// the answer is incomplete.
    Cut,
    /// The run was stopped (Ctrl-C, SIGTERM, stop file, quiet hours) before
    /// the message was sent.
    Interrupted,
    /// The run was stopped after the message reached the target (or while
    /// it was in flight and may have): not sent again by `--resume`.
    Stopped,
    /// Not sent: the channel's request budget (`budget = "500/h"`) was used up.
    Budget,
    /// A mistake in the suite, not the target: a template failed or rendered
    /// empty, an environment variable it reads is unset, a capture found
    /// nothing, a 401 while a credential variable is unset. A run problem
    /// naming the file to fix, never a finding about the company.
    Suite,
}

impl ErrorKind {
    /// Whether the message provably never reached the target through no
    /// fault of the target (the run stopped first, the budget ran out):
    /// `--resume` sends such steps again, and a resumed run's later record of
    /// the same step supersedes it (`record::stream`).
    pub fn not_attempted(self) -> bool {
        matches!(self, ErrorKind::Interrupted | ErrorKind::Budget)
    }

    /// Whether the step ended for a reason of our own, not the target's
    /// (nothing to judge the target by).
    pub fn ours(self) -> bool {
        matches!(self, ErrorKind::Interrupted | ErrorKind::Budget | ErrorKind::Stopped)
    }

    /// Whether the suite caused it (a run problem, not a finding).
    pub fn is_suite(self) -> bool {
        self == ErrorKind::Suite
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepError {
    pub kind: ErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct End {
    pub finished_at: DateTime<Utc>,
    pub status: EndStatus,
    /// Internal errors (a walk that panicked: which walk, what it said).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub internal: Vec<String>,
    pub exchanges: u64,
    pub errors: u64,
    pub t_end_us: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndStatus {
    Complete,
    Interrupted,
    /// touchpoint itself failed (a walk panicked): not every planned step
    /// was attempted, and the run must not pass as checked.
    Failed,
}

/// The deepest JSON nesting a recorded value may have. Readers parse a
/// line with serde_json's limit of 128 levels, and a reply item sits three
/// levels into its line: anything deeper is recorded as its JSON text, so
/// what the writer writes always reads back.
pub const MAX_ITEM_DEPTH: usize = 100;

impl Reply {
    /// The reply as it may be recorded: an item nested deeper than
    /// [`MAX_ITEM_DEPTH`] is kept as its JSON text.
    pub fn bounded(mut self) -> Self {
        if let Some(item) = &self.item {
            if json_depth(item) > MAX_ITEM_DEPTH {
                self.item = Some(serde_json::Value::String(item.to_string()));
            }
        }
        self
    }
}

/// How deeply a JSON value nests (a scalar is 0), without recursion.
pub fn json_depth(v: &serde_json::Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(v, 0usize)];
    while let Some((v, d)) = stack.pop() {
        deepest = deepest.max(d);
        match v {
            serde_json::Value::Array(a) => stack.extend(a.iter().map(|x| (x, d + 1))),
            serde_json::Value::Object(o) => stack.extend(o.values().map(|x| (x, d + 1))),
            _ => {}
        }
    }
    deepest
}

impl Exchange {
    /// Reply latency bounds in milliseconds, from sending to the reply.
    pub fn latency_ms(&self) -> Option<(f64, f64)> {
        let r = self.reply.as_ref()?;
        let lo = r.t_earliest_us.saturating_sub(self.t_sent_us) as f64 / 1000.0;
        let hi = r.t_latest_us.saturating_sub(self.t_sent_us) as f64 / 1000.0;
        Some((lo, hi))
    }
}
