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
//! - `finding`: occurrences folded into findings with stable ids.
//! - `evidence`: the exact words behind a finding.
//! - [`summary`]: sentences for people.
//!
//! Built to stay linear: suite lookups are hashed up front, findings and
//! matrix cells are keyed by borrowed strings, evidence is capped per
//! finding, and touchpoint views beyond a limit are counted, not kept.

mod answer;
pub mod clean;
mod consistency;
mod evidence;
mod feeling;
mod finding;
pub mod handoff;
mod journey;
mod pass;
mod sla;
pub mod summary;

pub use journey::SWEEP_JOURNEY;
pub use sla::human_ms;
pub use summary::summary_lines;

use crate::fact::Locale;
use crate::record::{Exchange, RecordedRun, TaskKind};
use crate::suite::{Persona, Suite, Sweep};
use crate::verdict::{Evidence, Severity, Verdict};
use answer::FactInfo;
use pass::Pass;
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
        AnalyzeOptions { fail_on: Severity::High, max_evidence: 5, detail_limit: 20_000 }
    }
}

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
pub(crate) struct Context<'a> {
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
