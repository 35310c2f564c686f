//! Findings: what is wrong, how serious, and the evidence for it.

use super::*;

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
