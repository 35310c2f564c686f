//! The report's view model: everything the templates show, already worded
//! and cut to size, so the templates only lay it out.
//!
//! Built from the verdict (what analysis concluded) and the recorded run
//! (the raw exchanges, for transcripts and latency charts). Building is pure:
//! no I/O, no clock, no randomness — the same inputs give the same view,
//! which is what the golden tests pin down.
//!
//! Strings from the target stay plain strings here; the templates escape
//! them. Nothing in this module produces markup.

use super::finding::{self, FindingList};
use super::journey::{self, JourneyMap};
use super::labels::Labels;
use super::matrix::{self, Matrix};
use super::text;
use super::timing::{self, ChannelTiming};
use super::transcript::{self, Transcripts};
use crate::record::RecordedRun;
use crate::verdict::{Feeling, Severity, Verdict};
use serde::Serialize;

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    /// The document title.
    pub title: String,
    pub meta: Meta,
    pub headline: Headline,
    /// The last comparable runs as small charts; None without history.
    pub trends: Option<super::trend::TrendView>,
    pub journeys: Vec<JourneyMap>,
    pub matrix: Matrix,
    pub timings: Vec<ChannelTiming>,
    pub findings: FindingList,
    pub transcripts: Transcripts,
}

/// Where and when the run happened.
#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    pub company: String,
    pub suite: String,
    /// The first 12 hex digits: enough to tell two suite versions apart.
    pub suite_digest: String,
    pub target: String,
    pub run_id: String,
    pub tool_version: String,
    pub started: String,
    pub finished: Option<String>,
    pub duration: String,
    pub complete: bool,
    /// Caveats the reader must know before trusting the figures.
    pub notes: Vec<String>,
}

/// The top of the report: what a manager reads if they read nothing else.
#[derive(Debug, Clone, Serialize)]
pub struct Headline {
    pub outcome: Outcome,
    /// How the score and the verdict relate, when they seem to disagree
    /// (a satisfied score beside "action needed"); None when they agree.
    pub relation: Option<String>,
    /// What to fix first: problems ranked by customer impact.
    pub fix_first: Vec<FixItem>,
    /// "72" (out of 100).
    pub score: Option<String>,
    pub feeling: Option<FeelingView>,
    pub severities: Vec<SeverityCount>,
    pub findings_total: u64,
    /// One sentence on the most important problem.
    pub top_problem: String,
    /// Anchor of that problem's finding.
    pub top_anchor: Option<String>,
    pub figures: Vec<Figure>,
    /// What changed since the previous comparable run; shown first. None
    /// on a first run (serialised as null: the templates are strict).
    pub changes: Option<super::changes::ChangesView>,
}

/// One problem of "what to fix first".
#[derive(Debug, Clone, Serialize)]
pub struct FixItem {
    pub rank: u32,
    pub severity: &'static str,
    pub severity_label: String,
    pub action: String,
    /// "3 customers (new and loyal segments), at a moment of truth".
    pub reach: String,
    /// The evidence: its most severe finding in this report.
    pub anchor: Option<String>,
    /// How many findings show this problem, when more than one.
    pub findings: usize,
    /// "open since 24 Nov 2025 (4 runs)" from the run history.
    pub since: Option<String>,
}

/// Pass or fail, in words and as a styling key.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// `fail`, `notes` or `pass`: a CSS class, never shown alone.
    pub key: &'static str,
    pub label: String,
    pub explanation: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeverityCount {
    pub key: &'static str,
    pub label: String,
    pub count: u64,
}

/// A headline figure: "Facts checked — 120", "110 correct, 6 wrong".
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub label: String,
    pub value: String,
    pub note: Option<String>,
}

/// How a customer would feel: the key picks the face icon, the label is
/// the text beside it (never colour or icon alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FeelingView {
    pub key: &'static str,
    pub label: &'static str,
}

impl From<Feeling> for FeelingView {
    fn from(f: Feeling) -> Self {
        match f {
            Feeling::Satisfied => FeelingView { key: "satisfied", label: "Satisfied" },
            Feeling::Neutral => FeelingView { key: "neutral", label: "Neutral" },
            Feeling::Frustrated => FeelingView { key: "frustrated", label: "Frustrated" },
        }
    }
}

/// "Critical", "High", …: severity names for headings.
pub fn severity_label(s: Severity) -> String {
    text::humanize(s.name())
}

/// Builds the view. Pure: the same verdict and run always give the same view.
pub fn build_view(verdict: &Verdict, run: &RecordedRun) -> ReportView {
    let labels = Labels::from_verdict(verdict);
    let findings = finding::build(verdict, run, &labels);
    let transcripts = transcript::build(verdict, run, &labels, &findings.pinned_seqs());
    let findings = findings.link_transcripts(&transcripts);
    let recorded = journey::Recorded::new(run).with_hygiene(verdict);
    ReportView {
        title: format!("{} — customer journey audit", verdict.company),
        meta: meta(verdict, run),
        headline: headline(verdict, &findings),
        trends: verdict.trend.as_ref().and_then(|t| {
            super::trend::build(t, &labels, format!("Suite {} against {}", verdict.suite, verdict.target))
        }),
        // Journeys of the map this run never walked (a sweep-only run) would be empty boxes.
        journeys: verdict
            .journeys
            .iter()
            .filter(|j| !j.walks.is_empty() || j.walks_omitted > 0)
            .enumerate()
            .map(|(i, j)| journey::build(i, j, &recorded, &labels))
            .collect(),
        matrix: matrix::build(verdict, run, &labels),
        timings: timing::build(verdict, run, &labels),
        findings,
        transcripts,
    }
}

fn meta(v: &Verdict, run: &RecordedRun) -> Meta {
    let mut notes = Vec::new();
    if !v.complete {
        notes.push(
            "The run did not finish (it was interrupted or crashed): the figures cover only what was recorded.".into(),
        );
    }
    if v.torn_tail || run.torn_tail {
        notes.push("The last line of the run record was cut off mid-write and was skipped.".into());
    }
    if v.counts.touchpoints_omitted > 0 {
        notes.push(format!(
            "{} touchpoints are counted in every figure but not drawn individually, to keep the report quick to open.",
            v.counts.touchpoints_omitted
        ));
    }
    if let Some(from) = &run.header.resumed_from {
        notes.push(format!("This run continues the interrupted run {from}."));
    }
    // Duplicate, late and refused webhook callbacks: never findings about answers, but worth knowing.
    for c in &v.callbacks {
        let name = v.names.channels.get(&c.channel).unwrap_or(&c.channel);
        if let Some(line) = c.line(name) {
            notes.push(format!("Callbacks — {line}."));
        }
    }
    Meta {
        company: v.company.clone(),
        suite: v.suite.clone(),
        suite_digest: v.suite_digest.chars().take(12).collect(),
        target: v.target.clone(),
        run_id: v.run_id.clone(),
        tool_version: v.tool_version.clone(),
        started: text::date_time(&v.started_at),
        finished: v.finished_at.as_ref().map(text::date_time),
        duration: text::duration_ms(v.duration_ms),
        complete: v.complete,
        notes,
    }
}

fn headline(v: &Verdict, findings: &FindingList) -> Headline {
    let c = &v.counts;
    let sev = c.findings;
    let severities = Severity::ALL
        .into_iter()
        .map(|s| {
            let count = match s {
                Severity::Critical => sev.critical,
                Severity::High => sev.high,
                Severity::Medium => sev.medium,
                Severity::Low => sev.low,
                Severity::Info => sev.info,
            };
            SeverityCount { key: s.name(), label: severity_label(s), count }
        })
        .collect::<Vec<_>>();
    let findings_total = severities.iter().map(|s| s.count).sum();
    let outcome = outcome(v, findings_total);
    let top = findings.items.first();
    let top_problem = match top {
        Some(f) => f.summary.clone(),
        None if c.exchanges == 0 => "Nothing was recorded: no customer message was sent.".into(),
        None => "No problems found: every answer matched the map, channels agreed, and replies came within their service levels."
            .into(),
    };
    let percent =
        |n: u64, of: u64| if of == 0 { String::new() } else { format!(" ({:.0}%)", n as f64 * 100.0 / of as f64) };
    let figures = vec![
        Figure {
            label: "Customer messages".into(),
            value: c.exchanges.to_string(),
            note: Some(format!("{} answered, {} without a usable reply", c.replies, c.errors)),
        },
        Figure {
            label: "Facts checked".into(),
            value: c.facts_checked.to_string(),
            note: Some(format!(
                "{} correct{}, {} wrong, {} not stated",
                c.facts_correct,
                percent(c.facts_correct, c.facts_checked),
                c.facts_wrong,
                c.facts_not_stated
            )),
        },
        Figure {
            label: "Handoffs between channels".into(),
            value: c.handoffs_checked.to_string(),
            note: Some(format!("{} lost the customer's context", c.handoffs_lost)),
        },
        Figure {
            label: "Checks".into(),
            value: format!("{} passed", c.checks_passed),
            note: Some(format!("{} failed", c.checks_failed)),
        },
    ];
    let history = v.changes.as_ref();
    let fix_first = v
        .fix_first
        .iter()
        .map(|p| {
            let shown = p.findings.iter().find_map(|id| findings.items.iter().find(|f| &f.id == id));
            let since = history.and_then(|c| {
                let streak = c.persisting.iter().filter(|s| p.findings.contains(&s.id)).min_by_key(|s| s.since)?;
                Some(format!("open since {} ({} runs)", text::date_time(&streak.since), streak.runs))
            });
            let new = history.is_some_and(|c| p.findings.iter().any(|id| c.new.contains(id)));
            FixItem {
                rank: p.rank,
                severity: p.severity.name(),
                severity_label: severity_label(p.severity),
                action: p.action.clone(),
                reach: p.reach.clone(),
                anchor: shown.map(|f| f.anchor.clone()),
                findings: p.findings.len(),
                since: since.or_else(|| new.then(|| "new since the last run".to_string())),
            }
        })
        .collect();
    Headline {
        relation: crate::analysis::summary::score_and_verdict(v),
        fix_first,
        outcome,
        score: v.score.map(|s| format!("{s:.0}")),
        feeling: v.feeling.map(FeelingView::from),
        severities,
        findings_total,
        top_problem,
        top_anchor: top.map(|f| f.anchor.clone()),
        figures,
        changes: super::changes::build(v, findings),
    }
}

fn outcome(v: &Verdict, findings: u64) -> Outcome {
    let threshold = v.fail_on.name();
    let mut o = if v.worst_at_or_above(v.fail_on) {
        Outcome {
            key: "fail",
            label: "Action needed".into(),
            explanation: format!("At least one finding is {threshold} or worse, the level this audit fails at."),
        }
    } else if findings > 0 {
        Outcome {
            key: "notes",
            label: "Passed, with notes".into(),
            explanation: format!("Nothing reached the failing level ({threshold}), but some answers need a look."),
        }
    } else {
        Outcome {
            key: "pass",
            label: "Passed".into(),
            explanation: "Every channel told the customers what the map says.".into(),
        }
    };
    if !v.complete {
        o.label.push_str(" (incomplete run)");
    }
    o
}
