//! Analysis: from a recorded run and the map to a [`Verdict`].
//!
//! Pure and deterministic: no network, no async, no clock — the same run and
//! suite give the same verdict, so a recorded run can be re-analysed after
//! the map is edited. One pass over the exchanges, in record order, does the
//! per-answer work; the consistency matrix is judged once at the end.
//!
//! - [`clean`]: an answer's text as a customer reads it (markup, quotes gone).
//! - `answer`: each expected fact stated correctly, wrongly, or not at all.
//! - [`handoff`]: whether an answer recognises a value given earlier.
//! - `sla`: reply times against service levels.
//! - `consistency`: channels, segments and repeats compared with each other.
//! - `feeling`: how the customer would feel, per touchpoint and journey.
//! - `journey`: touchpoints placed on the journey map (the swimlane).
//! - `pass`: the one pass over the exchanges that drives all of the above.
//! - `problems`: steps the suite made fail (run problems, never findings).
//! - `finding`: occurrences folded into findings with stable ids.
//! - `evidence`: the exact words behind a finding.
//! - `priority`: "what to fix first", findings folded into ranked problems.
//! - [`hygiene`]: what no fact check catches — leaked placeholders, script,
//!   another customer's data, fallbacks, forbidden claims, language.
//! - [`summary`]: sentences for people.
//!
//! Built to stay linear: suite lookups are hashed up front, findings and
//! matrix cells are keyed by borrowed strings, evidence is capped per
//! finding, and touchpoint views beyond a limit are counted, not kept.

mod answer;
mod callbacks;
pub mod clean;
mod consistency;
mod evidence;
mod feeling;
mod finding;
pub mod handoff;
pub mod html_depth;
pub mod hygiene;
mod intern;
mod journey;
mod memo;
mod pass;
mod priority;
mod problems;
mod sla;
pub mod summary;

pub use journey::SWEEP_JOURNEY;
pub use sla::human_ms;
pub use summary::summary_lines;

use crate::fact::Locale;
use crate::record::{EndStatus, Exchange, Header, RecordedRun, RunTail, TaskKind};
use crate::suite::{Persona, Suite, Sweep};
use crate::verdict::{Severity, Verdict};
use answer::FactInfo;
use pass::Pass;
use rustc_hash::{FxHashMap, FxHashSet};
use std::borrow::Borrow;

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
        AnalyzeOptions { fail_on: Severity::High, max_evidence: 5, detail_limit: 20_000 }
    }
}

/// Analyses a recorded run against the suite's map.
pub fn analyze(suite: &Suite, run: &RecordedRun, options: &AnalyzeOptions) -> Verdict {
    let tail =
        RunTail { end: run.end.clone(), torn_tail: run.torn_tail, late: run.late.clone(), blocks: Default::default() };
    analyze_stream(suite, &run.header, run.exchanges.iter(), options).finish(&tail)
}

/// Analyses exchanges as they come (from [`crate::record::RunStream`], say),
/// holding only the accumulators, never the run: memory is bounded by the
/// details kept, not by the size of the run. Feed them in record order.
pub fn analyze_stream<X: Borrow<Exchange>>(
    suite: &Suite,
    header: &Header,
    exchanges: impl Iterator<Item = X>,
    options: &AnalyzeOptions,
) -> Analysed {
    let arenas = intern::Arenas::default();
    let ctx = Context::new(suite, header, options);
    let mut pass = Pass::new(&ctx, intern::Interner::new(&arenas));
    for x in exchanges {
        pass.exchange(x.borrow());
    }
    pass.finish()
}

/// A verdict waiting for the end of its record, which a streamed run only
/// reaches after its last exchange.
#[derive(Debug)]
pub struct Analysed {
    verdict: Verdict,
    /// The last moment seen in any exchange.
    last_us: u64,
    /// Callbacks so far; the record's late ones are added at the end.
    callbacks: callbacks::Book,
}

impl Analysed {
    /// The verdict, with whether and when the run ended.
    pub fn finish(self, tail: &RunTail) -> Verdict {
        let end = tail.end.as_ref();
        let end_us = end.map_or(self.last_us, |e| e.t_end_us.max(self.last_us));
        let mut verdict = self.verdict;
        self.callbacks.finish(&mut verdict, &tail.late);
        Verdict {
            finished_at: end.map(|e| e.finished_at),
            duration_ms: end_us as f64 / 1000.0,
            complete: end.is_some_and(|e| e.status == EndStatus::Complete) && !tail.torn_tail,
            torn_tail: tail.torn_tail,
            ..verdict
        }
    }
}

/// The suite, hashed for lookups, and the run's header.
pub(crate) struct Context<'a> {
    pub suite: &'a Suite,
    pub header: &'a Header,
    pub options: &'a AnalyzeOptions,
    pub locale: Locale,
    /// Locales of channels and personas that name their own (`locale = "en-IE"`).
    /// Few (most suites name none), so a list.
    locales: Vec<(&'a str, &'a str, Locale)>,
    pub facts: FxHashMap<&'a str, FactInfo>,
    personas: FxHashMap<&'a str, &'a Persona>,
    critical: FxHashSet<(&'a str, &'a str)>,
    sla: sla::Levels<'a>,
    sweeps: FxHashMap<&'a str, &'a Sweep>,
}

impl<'a> Context<'a> {
    fn new(suite: &'a Suite, header: &'a Header, options: &'a AnalyzeOptions) -> Self {
        Context {
            suite,
            header,
            options,
            locale: suite.locale(),
            locales: suite
                .channels
                .keys()
                .flat_map(|ch| suite.personas.iter().map(move |p| (ch.as_str(), p.id.as_str())))
                .filter_map(|(ch, p)| suite.locale_of(ch, p).map(|l| (ch, p, l)))
                .collect(),
            facts: answer::facts(suite),
            personas: suite.personas.iter().map(|p| (p.id.as_str(), p)).collect(),
            critical: suite
                .map
                .journeys
                .iter()
                .flat_map(|j| j.stages.iter().filter(|s| s.critical).map(move |s| (j.id.as_str(), s.id.as_str())))
                .collect(),
            sla: sla::Levels::new(&suite.map),
            sweeps: suite.sweeps.iter().map(|s| (s.id.as_str(), s)).collect(),
        }
    }

    /// The locale an exchange's values are read in: its channel's, else its
    /// persona's, else the map's.
    pub fn locale_for<'s>(&'s self, x: &Exchange) -> &'s Locale {
        self.locales
            .iter()
            .find(|(ch, p, _)| *ch == x.channel && *p == x.task.persona)
            .map_or(&self.locale, |(_, _, l)| l)
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

    /// The journey and stage an exchange belongs to: its own, else its
    /// sweep's. None when it has no journey.
    fn journey_of<'s>(&'s self, x: &'s Exchange) -> (Option<&'s str>, Option<&'s str>) {
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
