//! Findings as the reader sees them: a plain-language summary, where it
//! happened, and the evidence from each channel side by side with the
//! value highlighted and a link to the full transcript.

use super::attempts::{self, Attempts};
use super::changes::{self, Status};
use super::labels::Labels;
use super::text::{self, Marked};
use super::transcript::Transcripts;
use super::view::severity_label;
use crate::record::{Exchange, RecordedRun};
use crate::verdict::{Evidence, Finding, FindingKind, Verdict};
use serde::Serialize;
use std::collections::BTreeSet;

/// Findings listed in full; a hostile target can produce many, and the
/// report must still open quickly. All are counted in the headline.
const MAX_FINDINGS: usize = 200;
/// Evidence items per finding.
const MAX_EVIDENCE: usize = 6;
/// Bytes of answer shown either side of the highlighted value.
const CONTEXT: usize = 240;

#[derive(Debug, Clone, Serialize)]
pub struct FindingList {
    pub items: Vec<FindingView>,
    pub total: usize,
    pub omitted: usize,
    /// Severities present, most severe first, for the filter buttons.
    pub severities: Vec<Facet>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Facet {
    pub key: &'static str,
    pub label: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingView {
    /// Set on the first finding of a group ("Hygiene"): a heading goes before it.
    pub group: Option<&'static str>,
    pub id: String,
    pub anchor: String,
    pub severity: &'static str,
    pub severity_label: String,
    pub kind: String,
    pub summary: String,
    /// Journey, stage, channel, persona, …: only those that apply.
    pub context: Vec<Field>,
    pub expected: Option<String>,
    pub found: Option<String>,
    /// What `expected` and `found` are, in this kind of finding's words.
    pub expected_label: &'static str,
    pub found_label: &'static str,
    /// Where channels (or segments, or repeats) disagree: what each said,
    /// each marked against the map — never one "found" value that may be
    /// the right one.
    pub said: Vec<Said>,
    pub occurrences: u64,
    /// New since the last run, or how long it has persisted (scheduled audits).
    pub history: Option<Status>,
    pub evidence: Vec<EvidenceView>,
    /// Occurrences without an evidence item here.
    pub more: u64,
}

/// What one channel (or segment) said, against the map.
#[derive(Debug, Clone, Serialize)]
pub struct Said {
    /// "Chat", "Chat, loyal customers".
    pub who: String,
    pub value: String,
    /// `agrees`, `differs` or `unchecked`, as in the matrix.
    pub key: &'static str,
    pub label: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub label: &'static str,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvidenceView {
    pub seq: u64,
    pub channel: String,
    pub persona: String,
    pub step: Option<usize>,
    pub at: String,
    pub clock: String,
    pub message: String,
    /// The answer around the value, split for `<mark>`.
    pub answer: Marked,
    /// Shown when there is nothing to highlight (errors, missing facts).
    pub excerpt: Option<String>,
    /// The HTTP requests behind an error, told in a few lines (all of them behind a disclosure).
    pub attempts: Option<Attempts>,
    pub transcript: String,
    /// False when the exchange is not in the transcripts (not in this run record).
    pub linked: bool,
}

impl FindingList {
    /// Exchanges the findings point at: the transcripts always include them.
    pub fn pinned_seqs(&self) -> BTreeSet<u64> {
        self.items.iter().flat_map(|f| &f.evidence).map(|e| e.seq).collect()
    }

    /// Disables links to exchanges the transcripts do not show.
    pub fn link_transcripts(mut self, t: &Transcripts) -> FindingList {
        let shown = t.shown_seqs();
        for e in self.items.iter_mut().flat_map(|f| &mut f.evidence) {
            e.linked = shown.contains(&e.seq);
        }
        self
    }
}

pub fn build(v: &Verdict, run: &RecordedRun, labels: &Labels) -> FindingList {
    let mut sorted: Vec<&Finding> = v.findings.iter().collect();
    // Stable: within a severity, the analysis's order stands. Hygiene
    // findings (how answers are written, whose data they hold) are their
    // own group, after the findings about the map.
    sorted.sort_by_key(|f| (f.kind.is_hygiene(), std::cmp::Reverse(f.severity)));
    let first_hygiene = sorted.iter().position(|f| f.kind.is_hygiene());
    let recorded: std::collections::HashMap<u64, &Exchange> = run.exchanges.iter().map(|x| (x.seq, x)).collect();
    let history = v.changes.as_ref().map(changes::statuses).unwrap_or_default();
    let items: Vec<FindingView> = sorted
        .iter()
        .take(MAX_FINDINGS)
        .enumerate()
        .map(|(i, f)| {
            // Side by side in a fixed order (channel, then persona), not in
            // the order the concurrent walks happened to finish.
            let mut evidence: Vec<EvidenceView> = f
                .evidence
                .iter()
                .take(MAX_EVIDENCE)
                .map(|e| evidence(e, run, labels, recorded.get(&e.seq).copied()))
                .collect();
            evidence
                .sort_by(|a, b| (&a.channel, &a.persona, a.step, a.seq).cmp(&(&b.channel, &b.persona, b.step, b.seq)));
            let (expected_label, found_label) = compare_labels(f.kind);
            let said = said(f, v, labels);
            FindingView {
                group: (Some(i) == first_hygiene).then_some("Hygiene"),
                id: f.id.clone(),
                anchor: format!("f-{}", f.id),
                severity: f.severity.name(),
                severity_label: severity_label(f.severity),
                kind: text::humanize(f.kind.title()),
                summary: f.summary.clone(),
                context: context(f, &evidence, labels),
                expected: f.expected.clone(),
                // With several values side by side, a single "found" would mislead.
                found: if said.is_empty() { f.found.as_deref().map(|s| text::clip(s, 200)) } else { None },
                said,
                expected_label,
                found_label,
                occurrences: f.occurrences,
                history: history.get(f.id.as_str()).cloned(),
                more: f.occurrences.saturating_sub(evidence.len() as u64),
                evidence,
            }
        })
        .collect();
    let mut severities: Vec<Facet> = Vec::new();
    for f in &sorted {
        match severities.last_mut() {
            Some(s) if s.key == f.severity.name() => s.count += 1,
            _ => severities.push(Facet { key: f.severity.name(), label: severity_label(f.severity), count: 1 }),
        }
    }
    FindingList { total: sorted.len(), omitted: sorted.len().saturating_sub(items.len()), items, severities }
}

/// "The map says … / The channel said …", except where the expected value
/// is not the map's: a reference the customer quoted, a service level.
fn compare_labels(kind: FindingKind) -> (&'static str, &'static str) {
    match kind {
        FindingKind::LostContext => ("The customer quoted", "The channel answered"),
        FindingKind::SlaBreach | FindingKind::PossibleSlaBreach => ("Service level", "Replied in"),
        k if k.is_hygiene() => ("The map says", "The channel sent"),
        _ => ("The map says", "The channel said"),
    }
}

/// Each channel's (or segment's) values for a consistency finding, from
/// the matrix — and for a wrong fact that a channel disagreement was
/// folded into (one finding per root cause); empty for other kinds.
fn said(f: &Finding, v: &Verdict, labels: &Labels) -> Vec<Said> {
    let folded_here = || v.checks.iter().any(|c| c.folded_into.as_deref() == Some(f.id.as_str()));
    let by_segment = match f.kind {
        FindingKind::ChannelDisagreement => false,
        FindingKind::WrongFact if folded_here() => false,
        FindingKind::SegmentDifference | FindingKind::Unstable => true,
        _ => return Vec::new(),
    };
    let Some(row) = v
        .matrix
        .iter()
        .find(|r| Some(r.question.as_str()) == f.question.as_deref() && Some(r.fact.as_str()) == f.fact.as_deref())
    else {
        return Vec::new();
    };
    let mut out: Vec<Said> = Vec::new();
    for cell in &row.cells {
        if by_segment && Some(cell.channel.as_str()) != f.channel.as_deref() {
            continue;
        }
        if f.kind == FindingKind::Unstable && f.segment.is_some() && Some(cell.segment.as_str()) != f.segment.as_deref()
        {
            continue;
        }
        let who = if by_segment {
            format!("{}, {} customers", labels.channel(&cell.channel), cell.segment)
        } else {
            labels.channel(&cell.channel)
        };
        for x in &cell.values {
            let (key, label) = match x.matches_map {
                Some(true) => ("agrees", "matches the map"),
                Some(false) => ("differs", "differs from the map"),
                None => ("unchecked", "not checked against the map"),
            };
            // One line per channel and value, however many segments said it.
            if out.iter().any(|s| s.who == who && s.value == x.value) {
                continue;
            }
            out.push(Said { who: who.clone(), value: text::clip(&x.value, 200), key, label });
        }
    }
    out
}

fn context(f: &Finding, evidence: &[EvidenceView], labels: &Labels) -> Vec<Field> {
    let journey = f.journey.as_deref();
    // Every persona the evidence shows, rather than whichever was seen first.
    let mut personas: Vec<String> = evidence.iter().map(|e| e.persona.clone()).collect();
    personas.extend(f.persona.as_deref().map(|p| labels.persona(p)));
    personas.sort();
    personas.dedup();
    let persona_label = if personas.len() > 1 { "Personas" } else { "Persona" };
    [
        ("Journey", journey.map(|j| labels.journey(j))),
        ("Stage", f.stage.as_deref().map(|s| labels.stage(journey, s))),
        ("Channel", f.channel.as_deref().map(|c| labels.channel(c))),
        (persona_label, (!personas.is_empty()).then(|| personas.join(", "))),
        ("Segment", f.segment.clone()),
        ("Question", f.question.as_deref().map(|q| labels.question(q))),
        (
            if f.kind == FindingKind::LostContext { "Reference" } else { "Fact" },
            f.fact.as_deref().map(|x| labels.fact(x)),
        ),
    ]
    .into_iter()
    .filter_map(|(label, value)| value.map(|value| Field { label, value }))
    .collect()
}

fn evidence(e: &Evidence, run: &RecordedRun, labels: &Labels, recorded: Option<&Exchange>) -> EvidenceView {
    let span = e.highlight.map(|s| (s.start, s.end));
    let answer = Marked::new(&e.answer, span, CONTEXT);
    let step = recorded.map(|x| x.step);
    // The whole story from the record when it is there: analysis kept only a selection.
    let failed = !e.http.is_empty() || recorded.is_some_and(|x| x.error.is_some());
    let attempts = match recorded {
        Some(x) if failed && !x.http.is_empty() => Some(attempts::from_http(&x.http)),
        _ if !e.http.is_empty() => Some(attempts::from_verdict(&e.http)),
        _ => None,
    };
    EvidenceView {
        seq: e.seq,
        channel: labels.channel(&e.channel),
        persona: labels.persona(&e.persona),
        step: step.map(|s| s + 1),
        at: text::offset_us(e.t_sent_us),
        clock: text::clock(&run.header.started_at, e.t_sent_us),
        message: text::clip(&e.message, 300),
        // Errors and missing facts have nothing to highlight: their excerpt says why.
        excerpt: (!e.excerpt.is_empty() && !e.answer.contains(e.excerpt.as_str())).then(|| text::clip(&e.excerpt, 500)),
        answer,
        attempts,
        transcript: format!("x-{}", e.seq),
        linked: true,
    }
}
