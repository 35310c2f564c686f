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
mod checks;
mod finding;
mod journey;
mod matrix;

pub use checks::*;
pub use finding::*;
pub use journey::*;
pub use matrix::*;

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
