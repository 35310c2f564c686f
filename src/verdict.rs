//! The verdict: everything analysis concluded about one run, as written to
//! `verdict.json`. It is a view model for the HTML report, the JUnit writer
//! and the terminal summary, and a stable interface for other tools, so it is
//! versioned: bump [`SCHEMA_VERSION`] when a field changes meaning.
//!
//! Nothing here is computed; [`crate::analysis::analyze`] fills it in. Every
//! string that came from the target (answers, excerpts, error text) is
//! untrusted and must be escaped by whoever renders it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Version of the `verdict.json` layout.
///
/// 2: fact checks carry `anchor` (what tied the value to the fact); money
/// values keep sub-minor precision ("53.35p per day", no longer "£0.53");
/// durations are shown in the unit written ("12 months"); percentages show
/// their qualifier ("39.9% EAR"); error findings are one per channel and
/// cause (no `question`). Readers of schema 1 need no change: every new
/// field is optional. Re-analyse a recorded run (`touchpoint analyze`) to
/// get a schema-2 verdict; the run record itself is unchanged.
///
/// 3: one finding per root cause — a channel disagreement that wrong facts
/// explain is no longer a finding of its own (the wrong-fact summary names
/// the channels that disagree; the consistency check carries `folded_into`
/// and JUnit marks it skipped); a check's `passed` follows the final
/// severity of the findings it links. Matrix rows have a cell for every
/// channel × segment column, each empty cell saying why (`empty`:
/// `not_asked`, `no_usable_reply`, `not_stated`, `not_checked`) and
/// counting replies that were missing or empty (`no_reply`; an empty reply
/// is no longer counted in `not_stated`). Readers of schema 2: a cell with
/// no values is not an answer; every new field is optional. Re-analyse a
/// recorded run (`touchpoint analyze`) to get a schema-3 verdict.
pub const SCHEMA_VERSION: u32 = 3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub schema_version: u32,
    /// The touchpoint that analysed the run (may differ from the one that recorded it).
    pub tool_version: String,
    pub run_id: String,
    /// The suite folder as given to `run`, its company and content digest.
    pub suite: String,
    pub company: String,
    pub suite_digest: String,
    pub target: String,
    pub started_at: DateTime<Utc>,
    /// From the run's end record; None when the run did not finish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    /// Run duration: the end record's time, else the last recorded moment.
    pub duration_ms: f64,
    /// False when the run was interrupted or crashed before its end record.
    pub complete: bool,
    /// The record's last line was torn (the run was killed mid-write).
    pub torn_tail: bool,
    /// The threshold the checks were judged at (`--fail-on`).
    pub fail_on: Severity,
    pub counts: Counts,
    /// How the customers would feel overall, 0–100; None when nothing was scored.
    pub score: Option<f64>,
    pub feeling: Option<Feeling>,
    pub journeys: Vec<JourneyView>,
    /// The consistency matrix: question × fact, one cell per channel and segment.
    pub matrix: Vec<MatrixRow>,
    /// Reply times per channel against its service level.
    pub sla: Vec<SlaStats>,
    /// Most severe first.
    pub findings: Vec<Finding>,
    /// One per answer and one per consistency check, for JUnit.
    pub checks: Vec<Check>,
    /// How often each channel fell back ("Sorry, I didn't understand") or
    /// gave no answer, per question; only pairs that fell back at least once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fallbacks: Vec<FallbackRate>,
    /// What changed since the previous comparable run; set by
    /// [`crate::history::index`], never by analysis. None on a first run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<crate::history::Changes>,
    /// Steps that failed because of the suite, not the company (never findings).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub run_problems: Vec<RunProblem>,
    /// The last comparable runs, oldest first, this one last; set by
    /// [`crate::history::index`] when there are at least two. None otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trend: Option<crate::history::Trend>,
    /// Names for people, from the suite: channel labels, persona names,
    /// question and fact labels, by id. Empty in verdicts written before
    /// it existed; readers fall back to the ids.
    #[serde(default)]
    pub names: Names,
    /// The few problems to fix first, most customer impact first: each
    /// problem once, however many findings show it.
    #[serde(default)]
    pub fix_first: Vec<Priority>,
    /// Per webhook channel: duplicate, late and refused callbacks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub callbacks: Vec<CallbackStats>,
}

/// A mistake in the suite that cost steps their test: what to fix, where,
/// how often it struck.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunProblem {
    pub channel: String,
    /// What went wrong, naming the file and key to fix.
    pub message: String,
    pub count: u64,
    /// The first step it struck (`scenario:x/persona#0 step 2`).
    pub first: String,
    /// Every step on this channel failed this way: nothing on it was tested.
    pub every_step: bool,
}

impl Verdict {
    /// Whether a channel went wholly untested because of the suite (exit 3).
    pub fn suite_failed(&self) -> bool {
        self.run_problems.iter().any(|p| p.every_step)
    }
}

/// Webhook callbacks of one channel that were not read as replies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackStats {
    pub channel: String,
    /// Every callback recorded (read as a reply or not).
    pub received: u64,
    /// Deliveries of an event already delivered (`receive.dedupe`).
    pub duplicates: u64,
    /// Recorded after their step, when no step was waiting.
    pub late: u64,
    /// Refused by `receive.verify` (401 unsigned, 403 bad signature).
    pub invalid_signature: u64,
}

impl CallbackStats {
    /// "the chat platform delivered 8 replies twice, 2 after the conversation" or None.
    pub fn line(&self, name: &str) -> Option<String> {
        let mut parts = Vec::new();
        if self.duplicates > 0 {
            let s = if self.duplicates == 1 { "" } else { "s" };
            parts.push(format!("delivered {} callback{s} twice", self.duplicates));
        }
        if self.late > 0 {
            let s = if self.late == 1 { "" } else { "s" };
            parts.push(format!("{} callback{s} after the step had its reply or the conversation ended", self.late));
        }
        if self.invalid_signature > 0 {
            let s = if self.invalid_signature == 1 { "" } else { "s" };
            parts.push(format!("{} callback{s} refused for an invalid signature", self.invalid_signature));
        }
        (!parts.is_empty()).then(|| format!("{name}: {}", parts.join("; ")))
    }
}

/// Display names by id. Only ids with a name of their own are listed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Names {
    #[serde(default)]
    pub channels: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub personas: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub questions: std::collections::BTreeMap<String, String>,
}

/// One problem to fix, ranked by how much it hurts customers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Priority {
    /// 1 for the first to fix.
    pub rank: u32,
    /// What to do, in one line: "Correct the refund window on email: …".
    pub action: String,
    /// The most severe of its findings.
    pub severity: Severity,
    /// The findings this problem shows as, most severe first; the first
    /// is the evidence to open.
    pub findings: Vec<String>,
    /// Distinct customers (personas) who met it.
    pub personas: u64,
    /// Their segments.
    pub segments: Vec<String>,
    pub channels: Vec<String>,
    /// It sits on a critical stage (a moment of truth).
    pub critical_stage: bool,
    /// severity weight × customers × 2 on a critical stage: the sort key.
    pub impact: f64,
    /// Why it ranks where it does, in words.
    pub reach: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub exchanges: u64,
    pub replies: u64,
    pub errors: u64,
    pub facts_checked: u64,
    pub facts_correct: u64,
    pub facts_wrong: u64,
    pub facts_not_stated: u64,
    pub handoffs_checked: u64,
    pub handoffs_lost: u64,
    pub findings: SeverityCounts,
    pub checks_passed: u64,
    pub checks_failed: u64,
    /// Touchpoints and answer checks beyond `AnalyzeOptions::detail_limit`,
    /// counted in every figure but not listed individually.
    pub touchpoints_omitted: u64,
    pub checks_omitted: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityCounts {
    pub critical: u64,
    pub high: u64,
    pub medium: u64,
    pub low: u64,
    pub info: u64,
}

impl SeverityCounts {
    pub fn add(&mut self, s: Severity) {
        *match s {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        } += 1;
    }
}

/// How serious a finding is. Ordered: `Info < Low < … < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];

    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses `--fail-on` values: `critical`, `high`, `medium`, `low`, `info` (any case).
impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let wanted = s.trim();
        Severity::ALL
            .into_iter()
            .find(|sev| sev.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| format!("`{s}` is not a severity; use one of: critical, high, medium, low, info"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// An answer states a fact differently from the map.
    WrongFact,
    /// Channels give different values for the same fact to the same question.
    ChannelDisagreement,
    /// One channel answers differently depending on the customer's segment.
    SegmentDifference,
    /// The same customer asking the same channel the same question got different values.
    Unstable,
    /// The reply certainly came later than the service level.
    SlaBreach,
    /// The reply may have come later than the service level (polling bounds the time).
    PossibleSlaBreach,
    /// The answer did not recognise a value the customer was given earlier.
    LostContext,
    /// The answer does not state a fact it should.
    NotStated,
    /// No usable reply: a timeout, an HTTP error, an unreadable body.
    Error,
    // ── Hygiene: what no fact check catches (src/analysis/hygiene/) ──
    /// An unrendered placeholder (`{{first_name}}`, `%s`, `[CUSTOMER_NAME]`)
    /// or an empty value (`undefined`, `null`, `NaN`) where a value belongs.
    LeakedPlaceholder,
    /// Raw JSON, a stack trace or an HTTP error page where an answer belongs.
    RawOutput,
    /// Text decoded with the wrong character set (`Ã©`, `â€™`).
    Mojibake,
    /// The answer stops mid-sentence or mid-number.
    CutOff,
    /// HTML markup or script in a text answer (script or event handlers in an HTML one).
    Markup,
    /// Another customer's personal data in a reply (the cross-customer leak).
    CustomerDataLeak,
    /// A question one channel falls back on ("Sorry, I didn't understand")
    /// that another channel answers.
    Fallback,
    /// A claim the map's `[[forbidden]]` says must never be made.
    ForbiddenClaim,
    /// The answer is in another language than the customer's.
    WrongLanguage,
    /// Webhook callbacks whose signature failed `receive.verify` (security;
    /// one finding per channel, never about an answer).
    InvalidSignature,
}

impl FindingKind {
    /// Words for people, not code: "wrong fact".
    pub fn title(self) -> &'static str {
        match self {
            FindingKind::WrongFact => "wrong fact",
            FindingKind::ChannelDisagreement => "channels disagree",
            FindingKind::SegmentDifference => "differs by segment",
            FindingKind::Unstable => "unstable answer",
            FindingKind::SlaBreach => "slower than SLA",
            FindingKind::PossibleSlaBreach => "possibly slower than SLA",
            FindingKind::LostContext => "lost context",
            FindingKind::NotStated => "fact not stated",
            FindingKind::Error => "no usable reply",
            FindingKind::LeakedPlaceholder => "leaked placeholder",
            FindingKind::RawOutput => "raw output instead of an answer",
            FindingKind::Mojibake => "garbled characters",
            FindingKind::CutOff => "answer cut off",
            FindingKind::Markup => "markup or script in the answer",
            FindingKind::CustomerDataLeak => "another customer's data",
            FindingKind::Fallback => "falls back where others answer",
            FindingKind::ForbiddenClaim => "forbidden claim",
            FindingKind::WrongLanguage => "wrong language",
            FindingKind::InvalidSignature => "callbacks with an invalid signature",
        }
    }

    /// The answer-hygiene kinds: problems with how an answer is written or
    /// who it is about, rather than with a fact in the map.
    pub fn is_hygiene(self) -> bool {
        matches!(
            self,
            FindingKind::LeakedPlaceholder
                | FindingKind::RawOutput
                | FindingKind::Mojibake
                | FindingKind::CutOff
                | FindingKind::Markup
                | FindingKind::CustomerDataLeak
                | FindingKind::Fallback
                | FindingKind::ForbiddenClaim
                | FindingKind::WrongLanguage
        )
    }
}

/// One thing that differs from the map, with the evidence to check it.
/// Occurrences of the same problem (the same kind, question, fact, channel,
/// segment, journey and stage) are one finding with several evidence items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// A fingerprint of what the problem is, never of when or how it showed:
    /// the same problem has the same id in every run.
    pub id: String,
    pub kind: FindingKind,
    pub severity: Severity,
    pub journey: Option<String>,
    pub stage: Option<String>,
    pub channel: Option<String>,
    /// The first persona it was seen with.
    pub persona: Option<String>,
    pub segment: Option<String>,
    pub question: Option<String>,
    /// The fact (for lost context: the captured value's name).
    pub fact: Option<String>,
    /// What the map says, displayed.
    pub expected: Option<String>,
    /// What the channel said (the most frequent value when several).
    pub found: Option<String>,
    /// How many exchanges (or, for consistency findings, values) showed it.
    pub occurrences: u64,
    /// At most `AnalyzeOptions::max_evidence` items; `occurrences` counts all.
    pub evidence: Vec<Evidence>,
    /// One plain-language sentence or two for a contact-centre manager.
    pub summary: String,
}

/// The exact words behind a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub seq: u64,
    pub channel: String,
    pub persona: String,
    pub t_sent_us: u64,
    /// What the customer said.
    pub message: String,
    /// The words that matter (a sentence around the value), or the error.
    pub excerpt: String,
    /// The cleaned answer, or a window of it around the highlight.
    pub answer: String,
    /// Byte offset of `answer` within the whole cleaned answer.
    pub answer_offset: usize,
    /// What to highlight, as a byte range into `answer`.
    pub highlight: Option<Span>,
    /// The HTTP attempts behind an error (statuses, error text).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<Attempt>,
}

/// A byte range, `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub purpose: String,
    pub attempt: u32,
    pub method: String,
    pub url: String,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub ms: f64,
}

/// A latency interval in milliseconds: the reply arrived between the two.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub earliest_ms: f64,
    pub latest_ms: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feeling {
    Frustrated,
    Neutral,
    Satisfied,
}

impl Feeling {
    /// From a 1–5 touchpoint score.
    pub fn from_score(score: f64) -> Feeling {
        if score >= 4.0 {
            Feeling::Satisfied
        } else if score >= 2.5 {
            Feeling::Neutral
        } else {
            Feeling::Frustrated
        }
    }

    /// From a 0–100 journey or overall score (the same thresholds).
    pub fn from_percent(score: f64) -> Feeling {
        Feeling::from_score(1.0 + score / 25.0)
    }
}

/// One journey as walked: its stages in map order and every walk through it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JourneyView {
    pub id: String,
    pub name: String,
    /// True for the pseudo-journey holding sweep answers without a journey.
    pub sweep: bool,
    pub stages: Vec<StageView>,
    pub channels: Vec<String>,
    /// 0–100, critical stages weighing double.
    pub score: Option<f64>,
    pub feeling: Option<Feeling>,
    pub walks: Vec<Walk>,
    /// Walks beyond the detail limit, counted in the scores but not listed.
    pub walks_omitted: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageView {
    pub id: String,
    pub name: String,
    /// A moment of truth.
    pub critical: bool,
    pub touchpoints: u64,
    /// Mean touchpoint score at this stage, 1–5.
    pub score: Option<f64>,
    pub feeling: Option<Feeling>,
}

/// One persona's walk through a journey (one scenario run, or one sweep cell).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Walk {
    /// The task key: `scenario:refund-handoff/new-customer#0`.
    pub task: String,
    pub persona: String,
    pub segment: String,
    pub repeat: u32,
    pub score: Option<f64>,
    pub feeling: Option<Feeling>,
    pub touchpoints: Vec<Touchpoint>,
}

/// One customer message and its answer, as the swimlane draws it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Touchpoint {
    pub seq: u64,
    pub step: usize,
    pub stage: Option<String>,
    pub channel: String,
    pub question: Option<String>,
    pub message: String,
    pub t_sent_us: u64,
    /// The cleaned answer; None when no reply came.
    pub answer: Option<String>,
    pub facts: Vec<FactCheck>,
    pub handoff: Option<HandoffCheck>,
    /// The channel the customer came from, when it changed at this step.
    pub handoff_from: Option<String>,
    pub latency: Option<Interval>,
    pub sla_ms: Option<f64>,
    pub sla: SlaStatus,
    pub error: Option<ErrorView>,
    /// 1–5; None when the step was interrupted by the run stopping.
    pub score: Option<f64>,
    pub feeling: Option<Feeling>,
    pub critical: bool,
    /// Ids of the findings this touchpoint contributed to.
    pub findings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactCheck {
    pub fact: String,
    pub outcome: FactOutcome,
    pub expected: Option<String>,
    pub found: Option<String>,
    /// Other values of the fact's kind in the answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<String>,
    /// Where the found value is in the cleaned answer.
    pub span: Option<Span>,
    pub excerpt: Option<String>,
    /// What tied the found value to the fact (the clause names its subject,
    /// the sentence answers the question, …). Absent in verdicts before schema 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<crate::fact::Anchor>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactOutcome {
    Correct,
    Wrong,
    NotStated,
    /// The map's value could not be read, so only channels can be compared.
    Unchecked,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandoffCheck {
    /// The captured value's name and value (`case_ref`, `CASE-1042`).
    pub name: String,
    pub value: String,
    /// The channel that issued it.
    pub from_channel: Option<String>,
    pub recognised: bool,
    /// Why not, in words ("asks for the reference again").
    pub reason: Option<String>,
    pub span: Option<Span>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaStatus {
    Met,
    PossibleBreach,
    Breach,
    /// The channel has no service level.
    NoSla,
    NoReply,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorView {
    pub kind: String,
    pub message: String,
}

/// One row of the consistency matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatrixRow {
    pub question: String,
    pub fact: String,
    pub label: String,
    pub expected: Option<String>,
    /// One per channel and segment, sorted.
    pub cells: Vec<MatrixCell>,
    /// Every stated value agrees with every other.
    pub consistent: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatrixCell {
    pub channel: String,
    pub segment: String,
    /// Distinct values by meaning, most frequent first.
    pub values: Vec<ValueCount>,
    pub not_stated: u64,
    /// Times the question was asked here without a usable reply (every
    /// attempt failed, or the reply was empty).
    #[serde(default)]
    pub no_reply: u64,
    /// Why the cell shows no value; None when it has values (or in a
    /// verdict written before the reason was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty: Option<EmptyCell>,
}

/// Why a matrix cell has no value, never left for the reader to guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmptyCell {
    /// The question was never asked on this channel to this segment.
    NotAsked,
    /// Asked, but every exchange failed or came back empty.
    NoUsableReply,
    /// Asked and answered; no answer stated the fact.
    NotStated,
    /// Asked, but nothing about the company was learned: the step was not
    /// sent (the run stopped, its budget ran out) or the suite made it fail.
    NotChecked,
}

impl EmptyCell {
    /// The words a report shows in the cell.
    pub fn label(self) -> &'static str {
        match self {
            EmptyCell::NotAsked => "not asked",
            EmptyCell::NoUsableReply => "no usable reply",
            EmptyCell::NotStated => "not stated",
            EmptyCell::NotChecked => "not checked",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueCount {
    /// The value as first displayed.
    pub value: String,
    pub count: u64,
    /// Agrees with the map; None when the map value could not be read.
    pub matches_map: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaStats {
    pub channel: String,
    pub sla_ms: Option<f64>,
    pub replies: u64,
    pub no_reply: u64,
    pub p50: Option<Interval>,
    pub p95: Option<Interval>,
    pub max: Option<Interval>,
    pub breaches: u64,
    pub possible_breaches: u64,
    /// Time to the first text of streamed replies (the customer sees the
    /// answer begin), when the channel streams; `p50`/`p95` are the full answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_text_p50_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_text_p95_ms: Option<f64>,
}

/// Fallbacks and non-answers of one channel to one question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FallbackRate {
    pub channel: String,
    pub question: String,
    /// Replies to this question on this channel.
    pub replies: u64,
    /// Of those, fallbacks ("could you rephrase?") and empty answers.
    pub fallbacks: u64,
}

impl FallbackRate {
    /// 0–100.
    pub fn percent(&self) -> f64 {
        if self.replies == 0 {
            0.0
        } else {
            self.fallbacks as f64 * 100.0 / self.replies as f64
        }
    }
}

/// A pass/fail line for CI: one per answer, one per consistency check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// The JUnit testsuite: the journey's name, or "consistency".
    pub group: String,
    /// The JUnit classname: `journey.stage.channel`.
    pub class: String,
    /// Stable across runs (task key and step, not sequence numbers).
    pub name: String,
    pub passed: bool,
    /// Findings at or above `fail_on` make it fail; lower ones are notes.
    pub findings: Vec<String>,
    pub time_ms: Option<f64>,
    /// What this check saw is counted by another finding (one finding per
    /// root cause): channels that disagree because one of them states a
    /// wrong fact are that wrong-fact finding. The check then neither fails
    /// nor passes on its own: JUnit marks it skipped, naming the finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folded_into: Option<String>,
}

impl Verdict {
    /// The most severe finding's severity.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// True when some finding is at `threshold` or worse: `--fail-on` exits non-zero.
    pub fn worst_at_or_above(&self, threshold: Severity) -> bool {
        self.worst().is_some_and(|w| w >= threshold)
    }

    pub fn finding(&self, id: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.id == id)
    }
}
