//! Analysis: from a recorded run and the map to a [`Verdict`].
//!
//! Pure and deterministic: no network, no async, no clock — the same run and
//! suite give the same verdict, so a recorded run can be re-analysed after
//! the map is edited. One pass over the exchanges, in record order, does the
//! per-answer work; the consistency matrix is judged once at the end.
//!
//! - [`clean`]: an answer's text as a customer reads it (markup, quotes gone).
//! - [`answer`]: each expected fact stated correctly, wrongly, or not at all.
//! - [`handoff`]: whether an answer recognises a value given earlier.
//! - [`sla`]: reply times against service levels.
//! - [`consistency`]: channels, segments and repeats compared with each other.
//! - [`feeling`]: how the customer would feel, per touchpoint and journey.
//! - [`journey`]: touchpoints placed on the journey map (the swimlane).
//! - [`finding`]: occurrences folded into findings with stable ids.
//! - [`evidence`]: the exact words behind a finding.
//! - [`summary`]: sentences for people.
//!
//! Built to stay linear: suite lookups are hashed up front, findings and
//! matrix cells are keyed by borrowed strings, evidence is capped per
//! finding, and touchpoint views beyond a limit are counted, not kept.

pub mod answer;
pub mod clean;
pub mod consistency;
pub mod evidence;
pub mod feeling;
pub mod finding;
pub mod handoff;
pub mod journey;
pub mod sla;
pub mod summary;

pub use summary::summary_lines;

use crate::fact::Locale;
use crate::record::{Exchange, RecordedRun, Task, TaskKind};
use crate::suite::{Persona, Suite, Sweep};
use crate::verdict::{
    Check, Counts, ErrorView, Evidence, FactOutcome, Feeling, FindingKind, HandoffCheck, Interval, Severity, SlaStatus, Span,
    Touchpoint, Verdict, SCHEMA_VERSION,
};
use answer::FactInfo;
use consistency::{Matrix, Seen};
use finding::{Findings, Key};
use journey::{Journeys, Placement, SWEEP_JOURNEY};
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// How to analyse.
#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    /// Findings at or above this severity fail their checks (`--fail-on`).
    pub fail_on: Severity,
    /// Evidence items kept per finding; occurrences beyond are counted.
    pub max_evidence: usize,
    /// Touchpoint views and answer checks kept in the verdict; beyond this
    /// they are counted in every figure but not listed (large simulations).
    pub detail_limit: usize,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions { fail_on: Severity::High, max_evidence: 5, detail_limit: 100_000 }
    }
}

/// Cleaned answers longer than this are cut in touchpoint views.
const ANSWER_VIEW_MAX: usize = 64 * 1024;

/// Analyses a recorded run against the suite's map.
pub fn analyze(suite: &Suite, run: &RecordedRun, options: &AnalyzeOptions) -> Verdict {
    let ctx = Context::new(suite, run, options);
    let mut pass = Pass::new(&ctx);
    for (idx, x) in run.exchanges.iter().enumerate() {
        pass.exchange(idx, x);
    }
    pass.finish()
}

/// The suite, hashed for lookups, and the run.
pub struct Context<'a> {
    pub suite: &'a Suite,
    pub run: &'a RecordedRun,
    pub options: &'a AnalyzeOptions,
    pub locale: Locale,
    pub facts: HashMap<&'a str, FactInfo>,
    personas: HashMap<&'a str, &'a Persona>,
    critical: HashSet<(&'a str, &'a str)>,
    sla_ms: HashMap<&'a str, f64>,
    sweeps: HashMap<&'a str, &'a Sweep>,
}

impl<'a> Context<'a> {
    fn new(suite: &'a Suite, run: &'a RecordedRun, options: &'a AnalyzeOptions) -> Self {
        Context {
            suite,
            run,
            options,
            locale: suite.locale(),
            facts: answer::facts(suite),
            personas: suite.personas.iter().map(|p| (p.id.as_str(), p)).collect(),
            critical: suite
                .map
                .journeys
                .iter()
                .flat_map(|j| j.stages.iter().filter(|s| s.critical).map(move |s| (j.id.as_str(), s.id.as_str())))
                .collect(),
            sla_ms: suite
                .map
                .sla
                .iter()
                .filter_map(|(ch, d)| d.parse().ok().map(|d| (ch.as_str(), d.as_secs_f64() * 1000.0)))
                .collect(),
            sweeps: suite.sweeps.iter().map(|s| (s.id.as_str(), s)).collect(),
        }
    }

    /// The answer as the customer reads it.
    pub fn clean(&self, x: &Exchange) -> Option<String> {
        let reply = x.reply.as_ref()?;
        let (format, region) = match self.suite.channels.get(&x.channel) {
            Some(ch) => (ch.answer_format(), ch.region.as_deref()),
            None => (clean::AnswerFormat::Text, None),
        };
        Some(clean::clean(&reply.text, format, region, &x.message).text)
    }

    /// Evidence for exchange `idx`, cleaning its answer again (consistency
    /// findings are judged after the pass, and only a few need evidence).
    pub fn evidence_at(&self, idx: usize, span: Range<usize>) -> Option<Evidence> {
        let x = self.run.exchanges.get(idx)?;
        let answer = self.clean(x)?;
        Some(evidence::from_answer(x, &answer, Some(span)))
    }

    /// The journey and stage an exchange belongs to: its own, else its
    /// sweep's. None when it has no journey.
    fn journey_of(&self, x: &'a Exchange) -> (Option<&'a str>, Option<&'a str>) {
        let sweep = match x.task.kind {
            TaskKind::Sweep => self.sweeps.get(x.task.id.as_str()),
            TaskKind::Scenario => None,
        };
        let journey = x.journey.as_deref().or_else(|| sweep.and_then(|s| s.journey.as_deref()));
        let stage = x.stage.as_deref().or_else(|| sweep.and_then(|s| s.stage.as_deref()));
        (journey, stage)
    }

    fn is_critical(&self, journey: Option<&str>, stage: Option<&str>) -> bool {
        matches!((journey, stage), (Some(j), Some(s)) if self.critical.contains(&(j, s)))
    }
}

/// Per walk (scenario task): where the customer was last, and which channel
/// issued each captured value — to name the channel a handoff came from.
#[derive(Default)]
struct WalkState<'a> {
    last_channel: Option<&'a str>,
    issued: Vec<(&'a str, &'a str)>,
}

/// One pass over the run.
struct Pass<'c, 'a> {
    ctx: &'c Context<'a>,
    findings: Findings<'a>,
    matrix: Matrix<'a>,
    sla: sla::Book<'a>,
    journeys: Journeys<'a>,
    walks: HashMap<&'a Task, WalkState<'a>>,
    overall: feeling::Score,
    checks: Vec<Check>,
    counts: Counts,
    /// The last moment seen, for the run's duration when it has no end.
    last_us: u64,
}

impl<'c, 'a> Pass<'c, 'a> {
    fn new(ctx: &'c Context<'a>) -> Self {
        Pass {
            ctx,
            findings: Findings::new(ctx.options.max_evidence),
            matrix: Matrix::default(),
            sla: sla::Book::default(),
            journeys: Journeys::new(ctx.suite, ctx.options.detail_limit),
            walks: HashMap::new(),
            overall: feeling::Score::default(),
            checks: Vec::new(),
            counts: Counts::default(),
            last_us: 0,
        }
    }

    fn exchange(&mut self, idx: usize, x: &'a Exchange) {
        let ctx = self.ctx;
        let channel = x.channel.as_str();
        let segment = x.persona_segment.as_str();
        let (journey, stage) = ctx.journey_of(x);
        let critical = ctx.is_critical(journey, stage);
        let answer = ctx.clean(x);
        let sla_ms = ctx.sla_ms.get(channel).copied();
        let latency = x.latency_ms();
        let latency_us = x.reply.as_ref().map(|r| {
            (r.t_earliest_us.saturating_sub(x.t_sent_us), r.t_latest_us.saturating_sub(x.t_sent_us))
        });
        let sla_status = sla::status(latency, sla_ms);
        self.sla.record(channel, sla_ms, latency_us, sla_status);
        self.count(x);

        let base = Key {
            journey,
            stage,
            channel: Some(channel),
            segment: Some(segment),
            question: x.question.as_deref(),
            ..Key::new(FindingKind::Error)
        };
        let persona = Some(x.task.persona.as_str());
        let mut linked: Vec<usize> = Vec::new();

        // The facts the answer must state.
        let mut facts = Vec::new();
        let (mut wrong, mut not_stated) = (0, 0);
        if let Some(answer) = answer.as_deref() {
            for fact_id in &x.expects {
                let Some(info) = ctx.facts.get(fact_id.as_str()) else { continue };
                let (check, stated) = answer::check(fact_id, info, answer, &ctx.locale);
                self.counts.facts_checked += 1;
                let kind = match check.outcome {
                    FactOutcome::Correct => {
                        self.counts.facts_correct += 1;
                        None
                    }
                    FactOutcome::Wrong => {
                        wrong += 1;
                        self.counts.facts_wrong += 1;
                        Some(FindingKind::WrongFact)
                    }
                    FactOutcome::NotStated => {
                        not_stated += 1;
                        self.counts.facts_not_stated += 1;
                        Some(FindingKind::NotStated)
                    }
                    FactOutcome::Unchecked => None,
                };
                if let Some(kind) = kind {
                    let key = Key { kind, fact: Some(fact_id.as_str()), ..base };
                    let span = stated.as_ref().map(|s| s.span.clone());
                    let i = self.findings.record(key, finding::severity(kind, critical), persona, || {
                        Some(evidence::from_answer(x, answer, span))
                    });
                    let acc = self.findings.get_mut(i);
                    if acc.expected.is_none() {
                        acc.expected = info.expected_display.clone();
                    }
                    if let Some(found) = &check.found {
                        acc.saw_value(found);
                    }
                    linked.push(i);
                }
                if let Some(question) = x.question.as_deref() {
                    let seen = Seen { question, channel, segment, persona: x.task.persona.as_str(), idx };
                    self.matrix.observe(&seen, fact_id, stated.as_ref());
                }
                facts.push(check);
            }
        }

        // Where the customer came from, and whether this answer kept the context.
        let walk = (x.task.kind == TaskKind::Scenario).then(|| self.walks.entry(&x.task).or_default());
        let handoff_from = walk.as_ref().and_then(|w| w.last_channel).filter(|&c| c != channel).map(str::to_string);
        let issued_by = |name: &str| -> Option<String> {
            let w = walk.as_ref()?;
            w.issued.iter().rev().find(|(n, _)| *n == name).map(|(_, c)| c.to_string())
        };
        let mut lost_context = false;
        let handoff = match (&x.recognises, answer.as_deref()) {
            (Some((name, value)), Some(answer)) => {
                self.counts.handoffs_checked += 1;
                let outcome = handoff::check(answer, value);
                let from_channel = issued_by(name);
                if !outcome.recognised {
                    lost_context = true;
                    self.counts.handoffs_lost += 1;
                    let key = Key { kind: FindingKind::LostContext, fact: Some(name.as_str()), ..base };
                    let span = outcome.span.clone();
                    let i = self.findings.record(key, finding::severity(FindingKind::LostContext, critical), persona, || {
                        Some(evidence::from_answer(x, answer, span))
                    });
                    let acc = self.findings.get_mut(i);
                    acc.saw_value(value);
                    if acc.note.is_none() {
                        let from = from_channel.as_deref().map(|c| format!(" issued on {}", ctx.channel_name(c).to_lowercase()));
                        acc.note = Some(format!("{}{}: it {}", value, from.unwrap_or_default(), outcome.reason.unwrap_or("")));
                    }
                    linked.push(i);
                }
                Some(HandoffCheck {
                    name: name.clone(),
                    value: value.clone(),
                    from_channel,
                    recognised: outcome.recognised,
                    reason: outcome.reason.map(str::to_string),
                    span: outcome.span.map(|s| Span { start: s.start, end: s.end }),
                })
            }
            _ => None,
        };
        if let Some(w) = walk {
            w.last_channel = Some(channel);
            w.issued.extend(x.captures.keys().map(|name| (name.as_str(), channel)));
        }

        // Service level.
        let sla_kind = match sla_status {
            SlaStatus::Breach => Some(FindingKind::SlaBreach),
            SlaStatus::PossibleBreach => Some(FindingKind::PossibleSlaBreach),
            _ => None,
        };
        if let (Some(kind), Some((lo, hi))) = (sla_kind, latency) {
            let key = Key { kind, ..base };
            let i = self.findings.record(key, finding::severity(kind, critical), persona, || {
                Some(evidence::from_answer(x, answer.as_deref().unwrap_or(""), None))
            });
            let acc = self.findings.get_mut(i);
            acc.worst_ms = Some(acc.worst_ms.map_or((lo, hi), |(a, b)| (a.max(lo), b.max(hi))));
            linked.push(i);
        }

        // Errors.
        if let Some(err) = &x.error {
            let key = Key { kind: FindingKind::Error, detail: Some(error_name(err.kind)), ..base };
            let i = self.findings.record(key, finding::error_severity(err.kind, critical), persona, || {
                Some(evidence::from_error(x, answer.as_deref()))
            });
            let acc = self.findings.get_mut(i);
            if acc.note.is_none() {
                acc.note = Some(evidence::cut(&err.message, 0, 300).to_string());
            }
            linked.push(i);
        }

        let score = feeling::touchpoint(&feeling::Inputs {
            wrong,
            not_stated,
            lost_context,
            error: x.error.as_ref().map(|e| e.kind),
            has_reply: answer.is_some(),
            latency_ms: latency,
            sla_ms,
            patience: ctx.personas.get(x.task.persona.as_str()).map_or(1.0, |p| p.patience.factor()),
        });
        self.overall.add(score, critical);

        let place = Placement {
            journey: journey.unwrap_or(SWEEP_JOURNEY),
            stage: stage.or(if journey.is_none() { x.question.as_deref() } else { None }).unwrap_or("message"),
            critical,
        };
        linked.sort_unstable();
        linked.dedup();
        let ids: Vec<String> = linked.iter().map(|&i| self.findings.list[i].id.clone()).collect();
        let passed = linked.iter().all(|&i| self.findings.list[i].severity < ctx.options.fail_on);
        self.tally(passed);
        if self.checks.len() < ctx.options.detail_limit {
            self.checks.push(Check {
                group: Journeys::name(ctx.suite, place.journey),
                class: format!("{}.{}.{}", place.journey, place.stage, channel),
                name: format!("{} step {}: {} on {}", x.task.key(), x.step, x.question.as_deref().unwrap_or("message"), channel),
                passed,
                findings: ids.clone(),
                time_ms: latency.map(|(_, hi)| hi),
            });
        } else {
            self.counts.checks_omitted += 1;
        }

        self.journeys.add(place, &x.task, x.step == 0, segment, channel, score, move || {
            let mut answer = answer;
            if let Some(a) = answer.as_mut().filter(|a| a.len() > ANSWER_VIEW_MAX) {
                a.truncate(evidence::floor(a, ANSWER_VIEW_MAX));
                let len = a.len();
                for f in &mut facts {
                    f.span = f.span.filter(|s| s.end <= len);
                }
            }
            Touchpoint {
                seq: x.seq,
                step: x.step,
                stage: Some(place.stage.to_string()),
                channel: channel.to_string(),
                question: x.question.clone(),
                message: x.message.clone(),
                t_sent_us: x.t_sent_us,
                answer,
                facts,
                handoff,
                handoff_from,
                latency: latency.map(|(lo, hi)| Interval { earliest_ms: lo, latest_ms: hi }),
                sla_ms,
                sla: sla_status,
                error: x.error.as_ref().map(|e| ErrorView { kind: error_name(e.kind).to_string(), message: e.message.clone() }),
                score,
                feeling: score.map(Feeling::from_score),
                critical,
                findings: ids,
            }
        });
    }

    fn count(&mut self, x: &Exchange) {
        self.counts.exchanges += 1;
        self.counts.replies += u64::from(x.reply.is_some());
        self.counts.errors += u64::from(x.error.is_some());
        let reply_end = x.reply.as_ref().map_or(0, |r| r.t_latest_us);
        let http_end = x.http.iter().map(|h| h.t_end_us).max().unwrap_or(0);
        self.last_us = self.last_us.max(x.t_sent_us).max(reply_end).max(http_end);
    }

    fn tally(&mut self, passed: bool) {
        if passed {
            self.counts.checks_passed += 1;
        } else {
            self.counts.checks_failed += 1;
        }
    }

    fn finish(mut self) -> Verdict {
        let ctx = self.ctx;
        let run = ctx.run;
        let matrix = std::mem::take(&mut self.matrix);
        let consistency = matrix.finish(ctx, &mut self.findings);
        for c in &consistency.checks {
            self.tally(c.passed);
        }
        self.checks.extend(consistency.checks);
        let findings = std::mem::replace(&mut self.findings, Findings::new(0));
        let findings = findings.finish(|acc| summary::describe(ctx, acc, &consistency.channel_values));
        for f in &findings {
            self.counts.findings.add(f.severity);
        }
        self.counts.touchpoints_omitted = self.journeys.touchpoints_omitted;
        let end_us = run.end.as_ref().map_or(self.last_us, |e| e.t_end_us.max(self.last_us));
        let score = self.overall.percent();
        Verdict {
            schema_version: SCHEMA_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            run_id: run.header.run_id.clone(),
            suite: run.header.suite.clone(),
            company: run.header.company.clone(),
            suite_digest: run.header.suite_digest.clone(),
            target: run.header.target.clone(),
            started_at: run.header.started_at,
            finished_at: run.end.as_ref().map(|e| e.finished_at),
            duration_ms: end_us as f64 / 1000.0,
            complete: run.end.as_ref().is_some_and(|e| e.status == crate::record::EndStatus::Complete) && !run.torn_tail,
            torn_tail: run.torn_tail,
            fail_on: ctx.options.fail_on,
            counts: self.counts,
            score,
            feeling: score.map(Feeling::from_percent),
            journeys: self.journeys.finish(),
            matrix: consistency.rows,
            sla: self.sla.finish(),
            findings,
            checks: self.checks,
        }
    }
}

/// The error kind as written in `run.jsonl` (`no_reply`).
fn error_name(kind: crate::record::ErrorKind) -> &'static str {
    use crate::record::ErrorKind as E;
    match kind {
        E::Request => "request",
        E::Connect => "connect",
        E::Timeout => "timeout",
        E::Status => "status",
        E::Malformed => "malformed",
        E::TooLarge => "too_large",
        E::NoReply => "no_reply",
        E::Interrupted => "interrupted",
    }
}
