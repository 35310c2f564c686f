//! Run problems: steps that failed because of the suite (a template that
//! failed or rendered empty, an unset environment variable, a capture that
//! found nothing), not because of the company. They are never findings;
//! they are listed once per channel and message with how often they
//! happened, and a channel whose every step failed this way makes the run
//! itself a failure (exit 3): nothing about that channel was tested.

use crate::record::Exchange;
use crate::verdict::RunProblem;
use std::collections::BTreeMap;

#[derive(Default)]
pub(super) struct Problems {
    /// Per channel: (steps, steps failed by the suite).
    steps: BTreeMap<String, (u64, u64)>,
    /// Per (channel, message): occurrences and the first step's key.
    seen: BTreeMap<(String, String), (u64, String)>,
}

impl Problems {
    pub(super) fn exchange(&mut self, x: &Exchange) {
        let steps = self.steps.entry(x.channel.clone()).or_default();
        steps.0 += 1;
        let Some(err) = x.error.as_ref().filter(|e| e.kind.is_suite()) else { return };
        steps.1 += 1;
        let entry = self
            .seen
            .entry((x.channel.clone(), err.message.clone()))
            .or_insert_with(|| (0, format!("{} step {}", x.task.key(), x.step + 1)));
        entry.0 += 1;
    }

    /// A handoff not checked: the value `recognises` names was never
    /// captured on an earlier step. A warning naming the step, not a
    /// failed step (the answer was still judged for its facts).
    pub(super) fn not_checked(&mut self, x: &Exchange, name: &str) {
        let message = format!(
            "`{name}` was never captured before this step, so whether the answer recognises it was not checked; \
             check the `capture` of the step that should issue it (scenarios/{}.toml)",
            x.task.id
        );
        let entry = self
            .seen
            .entry((x.channel.clone(), message))
            .or_insert_with(|| (0, format!("{} step {}", x.task.key(), x.step + 1)));
        entry.0 += 1;
    }

    pub(super) fn finish(self) -> Vec<RunProblem> {
        let steps = self.steps;
        self.seen
            .into_iter()
            .map(|((channel, message), (count, first))| {
                let (total, failed) = steps.get(&channel).copied().unwrap_or_default();
                RunProblem { every_step: total > 0 && failed == total, channel, message, count, first }
            })
            .collect()
    }
}
