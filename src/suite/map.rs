//! The map: the journey the business intends. Facts, questions, journeys and
//! service levels. The map is the truth; channels are the thing under test.

use super::duration::Dur;
use super::hygiene::{Forbidden, HygieneSettings};
use crate::fact::{FactKind, FactSpec};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `map.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Map {
    /// The company, as the report names it.
    pub name: String,
    #[serde(default)]
    pub locale: LocaleSpec,
    #[serde(default)]
    pub facts: BTreeMap<String, Fact>,
    #[serde(default)]
    pub questions: Vec<Question>,
    #[serde(default)]
    pub journeys: Vec<Journey>,
    /// Service level per channel: the longest acceptable wait for a reply.
    #[serde(default)]
    pub sla: BTreeMap<String, Dur>,
    /// `"X-Touchpoint: audit"`: a header sent on every request of every
    /// channel, so the company can tell touchpoint's traffic from customers'
    /// (agreed with the company, like its name). `--header` adds to it.
    #[serde(default)]
    pub test_header: Option<String>,
    /// Answer hygiene: every check on unless turned off; per-channel overrides.
    #[serde(default)]
    pub hygiene: HygieneSettings,
    /// Claims no channel may ever make.
    #[serde(default)]
    pub forbidden: Vec<Forbidden>,
}

/// Defaults for values that answers leave implicit ("29.99" means pounds here).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LocaleSpec {
    #[serde(default = "default_currency")]
    pub currency: String,
    /// Country calling code without `+`, so `0800 123 4567` can equal `+44 800 123 4567`.
    #[serde(default = "default_country_code")]
    pub country_code: String,
}

fn default_currency() -> String {
    "GBP".into()
}
fn default_country_code() -> String {
    "44".into()
}

impl Default for LocaleSpec {
    fn default() -> Self {
        LocaleSpec { currency: default_currency(), country_code: default_country_code() }
    }
}

/// One true thing the business holds, with a kind that says how to compare it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fact {
    pub kind: FactKind,
    pub value: String,
    /// Words that locate the fact in an answer (needed for yes/no and free text).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// What the fact is, in the report's words ("Refund window"); also its
    /// subject: a value counts for the fact when the answer names it.
    #[serde(default)]
    pub label: Option<String>,
    /// Other names of the subject ("daily charge" for "standing charge").
    #[serde(default)]
    pub aliases: Vec<String>,
    /// A qualifier that changes meaning, when the value omits it: "EAR"
    /// (not APR), "working days", "per day".
    #[serde(default)]
    pub qualifier: Option<String>,
    /// What a text fact must not be confused with: naming one is wrong.
    #[serde(default)]
    pub not: Vec<String>,
}

impl Fact {
    /// How the fact is found and compared; with no label, its subject is
    /// the words of its id.
    pub fn spec(&self, id: &str) -> FactSpec {
        let mut subject: Vec<String> = match &self.label {
            Some(label) => vec![label.clone()],
            None => FactSpec::default_subject(id),
        };
        subject.extend(self.aliases.iter().cloned());
        FactSpec {
            kind: self.kind,
            keywords: self.keywords.clone(),
            subject,
            not: self.not.clone(),
            qualifier: self.qualifier.clone(),
        }
    }
}

/// An intent: several phrasings, and the facts a good answer states.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Question {
    pub id: String,
    /// Phrasings (minijinja templates); a persona picks one, seeded.
    pub asks: Vec<String>,
    #[serde(default)]
    pub expects: Vec<String>,
    /// Short label for the report ("Refund policy").
    #[serde(default)]
    pub label: Option<String>,
    /// Service level per channel for this question, over the map's `[sla]`
    /// (`sla = { chat = "5s" }`: a question that needs a lookup may be slower).
    #[serde(default)]
    pub sla: BTreeMap<String, Dur>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Journey {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    pub stages: Vec<Stage>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stage {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// A moment of truth: weighs more in the customer's feeling.
    #[serde(default)]
    pub critical: bool,
    /// Service level per channel at this stage, over the map's `[sla]`; a
    /// question's own `sla` wins over its stage's.
    #[serde(default)]
    pub sla: BTreeMap<String, Dur>,
}

impl Map {
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }
    pub fn journey(&self, id: &str) -> Option<&Journey> {
        self.journeys.iter().find(|j| j.id == id)
    }
}

impl Journey {
    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }
    pub fn title(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}
