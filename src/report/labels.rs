//! Names for people. The verdict carries ids (`refund_window`,
//! `refund-policy`, `new-customer`, `faq`) and, in `names`, the suite's
//! own names for them (a channel's `label`, a persona's `name`); the report
//! shows those, and readable forms of the ids only where there are none
//! (verdicts written before names were kept).

use super::text::{capitalise, humanize};
use crate::verdict::Verdict;
use std::collections::HashMap;

/// Display names gathered from the verdict.
#[derive(Debug, Default)]
pub struct Labels {
    facts: HashMap<String, String>,
    /// (journey id, stage id) → stage name.
    stages: HashMap<(String, String), String>,
    journeys: HashMap<String, String>,
    channels: HashMap<String, String>,
    personas: HashMap<String, String>,
    questions: HashMap<String, String>,
}

impl Labels {
    pub fn from_verdict(v: &Verdict) -> Labels {
        let mut l = Labels::default();
        // The matrix is the only place the verdict names facts.
        for row in &v.matrix {
            if !row.label.is_empty() {
                l.facts.entry(row.fact.clone()).or_insert_with(|| row.label.clone());
            }
        }
        let n = &v.names;
        l.channels = n.channels.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        l.personas = n.personas.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        l.questions = n.questions.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        for j in &v.journeys {
            l.journeys.insert(j.id.clone(), j.name.clone());
            for s in &j.stages {
                l.stages.insert((j.id.clone(), s.id.clone()), s.name.clone());
            }
        }
        l
    }

    /// "Refund window" for `refund_window`. The verdict's labels are worded
    /// for sentences ("the refund window"); headings and chips want them
    /// capitalised.
    pub fn fact(&self, id: &str) -> String {
        self.facts.get(id).map_or_else(
            || humanize(id),
            |label| capitalise(label.strip_prefix("the ").or_else(|| label.strip_prefix("whether ")).unwrap_or(label)),
        )
    }

    /// The question's label, else its id read as words ("refund-policy" → "Refund policy").
    pub fn question(&self, id: &str) -> String {
        self.questions.get(id).cloned().unwrap_or_else(|| humanize(id))
    }

    /// The persona's name ("Prepay Pat"), else its id read as words.
    pub fn persona(&self, id: &str) -> String {
        self.personas.get(id).cloned().unwrap_or_else(|| humanize(id))
    }

    /// The channel's label ("FAQ bot"), else its key capitalised ("Chat").
    pub fn channel(&self, id: &str) -> String {
        self.channels.get(id).cloned().unwrap_or_else(|| capitalise(id))
    }

    pub fn journey(&self, id: &str) -> String {
        self.journeys.get(id).cloned().unwrap_or_else(|| humanize(id))
    }

    pub fn stage(&self, journey: Option<&str>, stage: &str) -> String {
        journey
            .and_then(|j| self.stages.get(&(j.to_string(), stage.to_string())))
            .cloned()
            .unwrap_or_else(|| humanize(stage))
    }
}
