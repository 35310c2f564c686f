//! Service-level statistics, fallback rates and the pass/fail checks JUnit reports.

use super::*;

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
