//! What each persona lived through: walks, touchpoints, fact and hand-off checks.

use super::*;

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
