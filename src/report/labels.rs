//! Names for people. The verdict carries ids (`refund_window`,
//! `refund-policy`, `new-customer`); the report shows the map's labels where
//! the verdict has them and readable forms of the ids where it does not.

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
        self.facts.get(id).map_or_else(|| humanize(id), |label| capitalise(label.strip_prefix("the ").unwrap_or(label)))
    }

    /// The verdict has no question labels; the id reads well enough
    /// ("refund-policy" → "Refund policy").
    pub fn question(&self, id: &str) -> String {
        humanize(id)
    }

    /// The verdict has no persona names; "new-customer" → "New customer".
    pub fn persona(&self, id: &str) -> String {
        humanize(id)
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
