//! The pass over a run: each exchange, in record order, is cleaned, its
//! facts judged, its handoff, service level and error checked, scored, and
//! placed on its journey; findings, matrix and timings accumulate. Nothing
//! here looks at another exchange except through those accumulators, so the
//! pass is linear in the size of the run.

use super::consistency::{Matrix, Seen};
use super::finding::{self, Findings, Key};
use super::hygiene::hook::{Hygiene, Turn};
use super::intern::Interner;
use super::journey::{Journeys, Placement, SWEEP_JOURNEY};
use super::memo::Memo;
use super::{answer, evidence, feeling, handoff, sla, summary, Context};
use crate::record::{ErrorKind, Exchange, Task, TaskKind};
use crate::verdict::{
    Check, Counts, ErrorView, FactCheck, FactOutcome, Feeling, FindingKind, HandoffCheck, Interval, SlaStatus, Span,
    Touchpoint, Verdict, SCHEMA_VERSION,
};
use rustc_hash::FxHashMap;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// One fact judged in one answer, shared with the memo that remembers it.
type Checked = Rc<(FactCheck, Option<answer::Stated>)>;

/// Cleaned answers longer than this are cut in touchpoint views.
const ANSWER_VIEW_MAX: usize = 64 * 1024;

/// Per walk (scenario task): where the customer was last, and which channel
/// issued each captured value — to name the channel a handoff came from.
#[derive(Default)]
struct WalkState<'a> {
    last_channel: Option<&'a str>,
    issued: Vec<(&'a str, &'a str)>,
}

/// One exchange being analysed, with what every check needs to know. The
/// exchange itself is gone after its turn; what outlives it is interned.
struct At<'x, 'a> {
    x: &'x Exchange,
    /// The cleaned answer (shared with the memo); None when no reply came.
    answer: Option<Rc<str>>,
    critical: bool,
    /// The finding key's fields common to every finding from this exchange.
    base: Key<'a>,
    persona: &'a str,
    segment: &'a str,
    journey: Option<&'a str>,
    stage: Option<&'a str>,
}

impl<'a> At<'_, 'a> {
    fn persona(&self) -> Option<&'a str> {
        Some(self.persona)
    }
}

pub(super) struct Pass<'c, 'a> {
    ctx: &'c Context<'a>,
    strings: Interner<'a>,
    findings: Findings<'a>,
    matrix: Matrix<'a>,
    sla: sla::Book<'a>,
    journeys: Journeys<'a>,
    walks: FxHashMap<&'a Task, WalkState<'a>>,
    overall: feeling::Score,
    checks: Vec<Check>,
    counts: Counts,
    /// The last moment seen, for the run's duration when it has no end.
    last_us: u64,
    /// Cleaned answers by (channel, customer message, reply text).
    cleaned: Memo<Rc<str>>,
    /// Fact checks by (fact, cleaned answer, customer message).
    checked: Memo<Checked>,
    /// Steps the suite made fail: run problems, not findings.
    problems: super::problems::Problems,
    hygiene: Hygiene<'a>,
    /// Duplicate, late and refused webhook callbacks (`callbacks.rs`).
    callbacks: super::callbacks::Book,
}

impl<'c, 'a> Pass<'c, 'a> {
    pub(super) fn new(ctx: &'c Context<'a>, strings: Interner<'a>) -> Self {
        Pass {
            ctx,
            strings,
            findings: Findings::new(ctx.options.max_evidence),
            matrix: Matrix::default(),
            sla: sla::Book::default(),
            journeys: Journeys::new(ctx.suite, ctx.options.detail_limit),
            walks: FxHashMap::default(),
            overall: feeling::Score::default(),
            checks: Vec::new(),
            counts: Counts::default(),
            last_us: 0,
            cleaned: Memo::new(),
            checked: Memo::new(),
            problems: Default::default(),
            hygiene: Hygiene::new(ctx),
            callbacks: Default::default(),
        }
    }

    pub(super) fn exchange(&mut self, x: &Exchange) {
        let ctx = self.ctx;
        let channel = self.strings.str(&x.channel);
        let question = self.strings.opt(x.question.as_deref());
        let (journey, stage) = ctx.journey_of(x);
        let (journey, stage) = (self.strings.opt(journey), self.strings.opt(stage));
        let critical = ctx.is_critical(journey, stage);
        // One problem is one finding wherever it shows: "email says 14 days"
        // is the same finding in the purchase journey, in the sweep and for
        // every segment; each occurrence is evidence. (Differences *between*
        // segments are their own kind, keyed in consistency.rs.)
        let base = Key { channel: Some(channel), question, ..Key::new(FindingKind::Error) };
        let (persona, segment) = (self.strings.str(&x.task.persona), self.strings.str(&x.persona_segment));
        let answer = x.reply.as_ref().map(|r| {
            self.cleaned.get_or(&[&x.channel, &x.message, &r.text], || ctx.clean(x).unwrap_or_default().into())
        });
        let at = At { x, answer, critical, base, persona, segment, journey, stage };
        self.count(x);

        let mut linked: Vec<usize> = Vec::new();
        let (facts, wrong, not_stated) = self.facts(&at, &mut linked);
        if let Some(answer) = at.answer.as_deref() {
            let answered_fact = facts.iter().any(|c| matches!(c.0.outcome, FactOutcome::Correct | FactOutcome::Wrong));
            let turn = Turn { x, answer, base: at.base, persona: at.persona, answered_fact };
            linked.extend(self.hygiene.reply(ctx, &mut self.strings, &mut self.findings, &turn));
        }
        let (handoff, handoff_from) = self.handoff(&at, &mut linked);
        let level = ctx.sla.of(channel, question, journey, stage);
        let sla_ms = level.map(|l| l.ms);
        let sla_status = self.service_level(&at, level, &mut linked);
        self.error(&at, &mut linked);

        let latency = x.latency_ms();
        let score = feeling::touchpoint(&feeling::Inputs {
            wrong,
            not_stated,
            lost_context: handoff.as_ref().is_some_and(|h| !h.recognised),
            error: x.error.as_ref().map(|e| e.kind),
            has_reply: at.answer.is_some(),
            latency_ms: latency,
            sla_ms,
            patience: ctx.personas.get(x.task.persona.as_str()).map_or(1.0, |p| p.patience.factor()),
        });
        self.overall.add(score, critical);

        let place = Placement {
            journey: journey.unwrap_or(SWEEP_JOURNEY),
            // The pseudo-journey's columns are the questions asked.
            stage: stage.or(if journey.is_none() { question } else { None }).unwrap_or("message"),
            critical,
        };
        let ids = self.check(&at, &place, linked);

        let answer = at.answer;
        let task = (x.task.kind == TaskKind::Scenario).then(|| self.strings.task(&x.task));
        self.journeys.add(place, &x.task, task, x.step, segment, channel, score, move || {
            let facts = facts.iter().map(|c| c.0.clone()).collect();
            let (answer, facts) = cut_for_view(answer, facts);
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
                error: x
                    .error
                    .as_ref()
                    .map(|e| ErrorView { kind: error_name(e.kind).to_string(), message: e.message.clone() }),
                score,
                feeling: score.map(Feeling::from_score),
                critical,
                findings: ids,
            }
        });
    }

    /// Judges each expected fact; returns the checks and the wrong and
    /// not-stated counts.
    fn facts(&mut self, at: &At<'_, 'a>, linked: &mut Vec<usize>) -> (Vec<Checked>, usize, usize) {
        let (ctx, x) = (self.ctx, at.x);
        let seen = at.base.question.map(|question| Seen {
            question,
            channel: at.base.channel.unwrap_or_default(),
            segment: at.segment,
            persona: at.persona,
        });
        let usable = at.answer.as_deref().filter(|a| !a.trim().is_empty());
        if let (Some(seen), None) = (&seen, usable) {
            // The matrix cell says why it has no value: nothing usable came,
            // or nothing about the company was learned (not sent, the suite's fault).
            let checked = !x.error.as_ref().is_some_and(|e| {
                matches!(e.kind, ErrorKind::Suite | ErrorKind::Interrupted | ErrorKind::Budget | ErrorKind::Stopped)
            });
            for fact_id in &x.expects {
                if let Some((&fact_id, _)) = ctx.facts.get_key_value(fact_id.as_str()) {
                    self.matrix.unanswered(seen, fact_id, checked);
                }
            }
        }
        let Some(answer) = at.answer.as_deref() else {
            // No reply: the error finding says so; no fact noise on top.
            return (Vec::new(), 0, 0);
        };
        let mut checks = Vec::with_capacity(x.expects.len());
        let (mut wrong, mut not_stated) = (0, 0);
        for fact_id in &x.expects {
            let Some((&fact_id, info)) = ctx.facts.get_key_value(fact_id.as_str()) else { continue };
            let locale = ctx.locale_for(x);
            let checked = self.checked.get_or(&[fact_id, answer, &x.message], || {
                Rc::new(answer::check(fact_id, info, answer, &x.message, locale))
            });
            let (check, stated) = (&checked.0, &checked.1);
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
                let key = Key { kind, fact: Some(fact_id), ..at.base };
                let span = stated.as_ref().map(|s| s.span.clone());
                let rank = evidence::rank(x);
                let i = self.findings.record(key, finding::severity(kind, at.critical), at.persona(), rank, || {
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
            if let (Some(seen), Some(_)) = (&seen, usable) {
                self.matrix.observe(seen, fact_id, stated.as_ref(), evidence::rank(x), |span| {
                    evidence::from_answer(x, answer, Some(span))
                });
            }
            checks.push(Rc::clone(&checked));
        }
        (checks, wrong, not_stated)
    }

    /// Whether the answer kept the customer's context, and the channel the
    /// customer came from when it changed at this step.
    fn handoff(&mut self, at: &At<'_, 'a>, linked: &mut Vec<usize>) -> (Option<HandoffCheck>, Option<String>) {
        let (ctx, x) = (self.ctx, at.x);
        let channel = at.base.channel.unwrap_or_default();
        if x.task.kind == TaskKind::Scenario && !self.walks.contains_key(&x.task) {
            self.walks.insert(self.strings.task(&x.task), WalkState::default());
        }
        let walk = match x.task.kind {
            TaskKind::Scenario => self.walks.get_mut(&x.task),
            TaskKind::Sweep => None,
        };
        let handoff_from = walk.as_ref().and_then(|w| w.last_channel).filter(|&c| c != channel).map(str::to_string);
        let issued_by = walk
            .as_ref()
            .zip(x.recognises.as_ref())
            .and_then(|(w, (name, _))| w.issued.iter().rev().find(|(n, _)| n == name).map(|(_, c)| c.to_string()));
        if let Some(w) = walk {
            w.last_channel = Some(channel);
            w.issued.extend(x.captures.keys().map(|name| (self.strings.str(name), channel)));
        }
        let (Some((name, value)), Some(answer)) = (&x.recognises, at.answer.as_deref()) else {
            return (None, handoff_from);
        };
        if value.trim().is_empty() {
            // The reference was never captured: nothing was checked, and it is never counted as recognised.
            self.problems.not_checked(x, name);
            return (None, handoff_from);
        }
        self.counts.handoffs_checked += 1;
        let outcome = handoff::check(answer, value);
        if !outcome.recognised {
            self.counts.handoffs_lost += 1;
            // A lost handoff belongs to its place in the journey.
            let (journey, stage, fact) = (at.journey, at.stage, Some(self.strings.str(name)));
            let key = Key { kind: FindingKind::LostContext, fact, journey, stage, ..at.base };
            let span = outcome.span.clone();
            let severity = finding::severity(FindingKind::LostContext, at.critical);
            let i = self.findings.record(key, severity, at.persona(), evidence::rank(x), || {
                Some(evidence::from_answer(x, answer, span))
            });
            let acc = self.findings.get_mut(i);
            // Several walks may lose several values: the first by text is
            // named, whichever walk finished first.
            if acc.expected.as_ref().is_none_or(|e| value < e) {
                acc.expected = Some(value.clone());
            }
            acc.note(|| {
                let from = issued_by.as_deref().map(|c| format!(" issued on {}", ctx.channel_mid(c)));
                format!(
                    "did not recognise the {} {value}{}: it {}",
                    name.replace(['_', '-'], " "),
                    from.unwrap_or_default(),
                    outcome.reason.unwrap_or("does not mention it"),
                )
            });
            linked.push(i);
        }
        let check = HandoffCheck {
            name: name.clone(),
            value: value.clone(),
            from_channel: issued_by,
            recognised: outcome.recognised,
            reason: outcome.reason.map(str::to_string),
            span: outcome.span.map(|s| Span { start: s.start, end: s.end }),
        };
        (Some(check), handoff_from)
    }

    /// Reply time against the exchange's service level (its question's, its
    /// stage's or its channel's). One finding per channel and level: the
    /// channel's own level names the questions that breached it; a question
    /// or stage with its own level has its own finding.
    fn service_level(&mut self, at: &At<'_, 'a>, level: Option<sla::Level<'a>>, linked: &mut Vec<usize>) -> SlaStatus {
        let x = at.x;
        let channel = at.base.channel.unwrap_or_default();
        let latency = x.latency_ms();
        let status = sla::status(latency, level.map(|l| l.ms));
        let latency_us = x
            .reply
            .as_ref()
            .map(|r| (r.t_earliest_us.saturating_sub(x.t_sent_us), r.t_latest_us.saturating_sub(x.t_sent_us)));
        let channel_level = self.ctx.sla.channel(channel);
        self.sla.record(channel, channel_level, latency_us, status);
        let first_text = x.reply.as_ref().and_then(|r| r.t_first_byte_us).map(|t| t.saturating_sub(x.t_sent_us));
        if let Some(first) = first_text {
            self.sla.first_text(channel, channel_level, first);
        }
        let kind = match status {
            SlaStatus::Breach => FindingKind::SlaBreach,
            SlaStatus::PossibleBreach => FindingKind::PossibleSlaBreach,
            _ => return status,
        };
        let (Some((lo, hi)), Some(level)) = (latency, level) else { return status };
        // A service level belongs to whoever set it: the channel (keyed as
        // before, so its id is stable), a question, or a journey stage.
        let key = match level.source {
            sla::Source::Channel => Key { kind, question: None, ..at.base },
            sla::Source::Question(q) => Key { kind, question: Some(q), ..at.base },
            sla::Source::Stage(j, s) => Key { kind, question: None, journey: Some(j), stage: Some(s), ..at.base },
        };
        let i =
            self.findings.record(key, finding::severity(kind, at.critical), at.persona(), evidence::rank(x), || {
                let mut e = evidence::from_answer(x, at.answer.as_deref().unwrap_or(""), None);
                let began = first_text
                    .map(|us| format!("; its first text came after {}", sla::human_ms(us as f64 / 1000.0)))
                    .unwrap_or_default();
                e.excerpt = format!(
                    "replied between {} and {} after sending (SLA {}){began}",
                    sla::human_ms(lo),
                    sla::human_ms(hi),
                    sla::human_ms(level.ms),
                );
                Some(e)
            });
        let acc = self.findings.get_mut(i);
        acc.worst_ms = Some(acc.worst_ms.map_or((lo, hi), |(a, b)| (a.max(lo), b.max(hi))));
        acc.sla_ms = Some(level.ms);
        if let Some(q) = at.base.question {
            acc.slow_question(q, hi);
        }
        linked.push(i);
        status
    }

    /// No usable reply: a finding with the HTTP attempts as evidence.
    fn error(&mut self, at: &At<'_, 'a>, linked: &mut Vec<usize>) {
        let Some(err) = &at.x.error else { return };
        if err.kind.is_suite() {
            // The suite's mistake, not the company's: a run problem (`problems.rs`).
            return;
        }
        // One fault is one finding per channel and cause, whichever questions
        // it cut off: every occurrence is evidence.
        let key = Key { kind: FindingKind::Error, detail: Some(error_name(err.kind)), question: None, ..at.base };
        let severity = finding::error_severity(err.kind, at.critical);
        let i = self.findings.record(key, severity, at.persona(), evidence::rank(at.x), || {
            Some(evidence::from_error(at.x, at.answer.as_deref()))
        });
        let acc = self.findings.get_mut(i);
        acc.note(|| evidence::cut(&err.message, 0, 300).to_string());
        linked.push(i);
    }

    /// The answer's pass/fail line for CI; returns the linked finding ids.
    fn check(&mut self, at: &At<'_, 'a>, place: &Placement<'a>, mut linked: Vec<usize>) -> Vec<String> {
        let (ctx, x) = (self.ctx, at.x);
        linked.sort_unstable();
        linked.dedup();
        let ids: Vec<String> = linked.iter().map(|&i| self.findings.list[i].id.clone()).collect();
        let passed = linked.iter().all(|&i| self.findings.list[i].severity < ctx.options.fail_on);
        self.tally(passed);
        if self.checks.len() >= ctx.options.detail_limit {
            self.counts.checks_omitted += 1;
            return ids;
        }
        let question = x.question.as_deref().unwrap_or("message");
        self.checks.push(Check {
            group: Journeys::name(ctx.suite, place.journey),
            class: format!("{}.{}.{}", place.journey, place.stage, x.channel),
            // Task key and step, not the sequence number: stable across runs for CI history.
            name: format!("{} step {}: {question} on {}", x.task.key(), x.step, x.channel),
            passed,
            findings: ids.clone(),
            time_ms: x.latency_ms().map(|(_, hi)| hi),
            folded_into: None,
        });
        ids
    }

    fn count(&mut self, x: &Exchange) {
        self.problems.exchange(x);
        self.callbacks.exchange(x, self.ctx.options.max_evidence);
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

    /// The verdict as far as the exchanges tell; [`super::Analysed::finish`]
    /// adds what the end of the record says.
    pub(super) fn finish(mut self) -> super::Analysed {
        let ctx = self.ctx;
        let header = ctx.header;
        let consistency = std::mem::take(&mut self.matrix).finish(ctx, &mut self.findings);
        let (fallbacks, hygiene_checks) = self.hygiene.finish(ctx, &mut self.findings);
        let folded = self.findings.fold_into_fallbacks(|f| ctx.fact_label(f));
        for c in consistency.checks.iter().chain(&hygiene_checks) {
            self.tally(c.passed);
        }
        self.checks.extend(consistency.checks);
        self.checks.extend(hygiene_checks);
        let findings = std::mem::replace(&mut self.findings, Findings::new(0))
            .finish(|acc| summary::describe(ctx, acc, &consistency.channel_values));
        for f in &findings {
            self.counts.findings.add(f.severity);
        }
        self.counts.touchpoints_omitted = self.journeys.touchpoints_omitted;
        self.callbacks.signed(ctx.suite);
        let score = self.overall.percent();
        let mut journeys = self.journeys.finish();
        if !folded.is_empty() {
            let touchpoints = journeys.iter_mut().flat_map(|j| &mut j.walks).flat_map(|w| &mut w.touchpoints);
            for ids in touchpoints.map(|t| &mut t.findings).chain(self.checks.iter_mut().map(|c| &mut c.findings)) {
                refold(ids, &folded);
            }
        }
        settle_checks(&mut self.checks, &mut self.counts, ctx.options.fail_on, &findings);
        let verdict = Verdict {
            schema_version: SCHEMA_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            run_id: header.run_id.clone(),
            suite: header.suite.clone(),
            company: header.company.clone(),
            suite_digest: header.suite_digest.clone(),
            target: header.target.clone(),
            started_at: header.started_at,
            finished_at: None,
            duration_ms: self.last_us as f64 / 1000.0,
            complete: false,
            torn_tail: false,
            fail_on: ctx.options.fail_on,
            counts: self.counts,
            score,
            feeling: score.map(Feeling::from_percent),
            journeys,
            matrix: consistency.rows,
            sla: self.sla.finish(),
            findings,
            checks: self.checks,
            fallbacks,
            changes: None,
            run_problems: std::mem::take(&mut self.problems).finish(),
            trend: None,
            names: super::summary::names(ctx.suite),
            fix_first: Vec::new(),
            callbacks: Vec::new(),
        };
        let verdict = Verdict { fix_first: super::priority::rank(ctx, &verdict), ..verdict };
        super::Analysed { verdict, last_us: self.last_us, callbacks: self.callbacks }
    }
}

/// A check fails exactly when it links a finding at or above `fail_on`,
/// judged on the findings as they end: a finding's severity can rise
/// after a check linked it (a later occurrence at a moment of truth, a
/// "not stated" folded into a fallback), and a check must never pass
/// while JUnit shows its finding as a failure, or fail on a finding
/// that is no longer there. A check folded into another finding neither
/// passes nor fails on its own account (it counts as passed).
fn settle_checks(
    checks: &mut [Check],
    counts: &mut Counts,
    fail_on: crate::verdict::Severity,
    findings: &[crate::verdict::Finding],
) {
    let severity: HashMap<&str, crate::verdict::Severity> =
        findings.iter().map(|f| (f.id.as_str(), f.severity)).collect();
    for c in checks {
        let passed = c.folded_into.is_some()
            || c.findings.iter().all(|id| severity.get(id.as_str()).is_none_or(|&s| s < fail_on));
        if passed != c.passed {
            c.passed = passed;
            if passed {
                counts.checks_passed += 1;
                counts.checks_failed = counts.checks_failed.saturating_sub(1);
            } else {
                counts.checks_failed += 1;
                counts.checks_passed = counts.checks_passed.saturating_sub(1);
            }
        }
    }
}

/// A finding folded into another is referred to by the other's id (once).
fn refold(ids: &mut Vec<String>, folded: &HashMap<String, String>) {
    let mut seen = HashSet::new();
    for id in ids.iter_mut() {
        if let Some(into) = folded.get(id.as_str()) {
            id.clone_from(into);
        }
    }
    ids.retain(|id| seen.insert(id.clone()));
}

/// Cuts a huge answer for its view, dropping spans that no longer fit.
fn cut_for_view(answer: Option<Rc<str>>, mut facts: Vec<FactCheck>) -> (Option<String>, Vec<FactCheck>) {
    let Some(a) = answer else { return (None, facts) };
    let mut a = a.to_string();
    if a.len() > ANSWER_VIEW_MAX {
        a.truncate(evidence::floor(&a, ANSWER_VIEW_MAX));
        let len = a.len();
        for f in &mut facts {
            f.span = f.span.filter(|s| s.end <= len);
        }
    }
    (Some(a), facts)
}

/// The error kind as written in `run.jsonl` (`no_reply`).
pub(super) fn error_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Request => "request",
        ErrorKind::Connect => "connect",
        ErrorKind::Tls => "tls",
        ErrorKind::Body => "body",
        ErrorKind::Redirects => "redirects",
        ErrorKind::Offsite => "offsite",
        ErrorKind::Stopped => "stopped",
        ErrorKind::Timeout => "timeout",
        ErrorKind::Status => "status",
        ErrorKind::Malformed => "malformed",
        ErrorKind::TooLarge => "too_large",
        ErrorKind::NoReply => "no_reply",
        ErrorKind::Cut => "cut",
        ErrorKind::Interrupted => "interrupted",
        ErrorKind::Budget => "budget",
        ErrorKind::Suite => "suite",
    }
}
