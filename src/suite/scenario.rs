//! Scenarios (a persona walking a journey step by step) and sweeps (every
//! question on every channel as every persona: the consistency audit).

use super::channel::Extract;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One file in `scenarios/`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scenario {
    /// Defaults to the file name without `.toml`.
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Who walks the journey; `personas` runs it once per listed persona.
    #[serde(default)]
    pub persona: Option<String>,
    #[serde(default)]
    pub personas: Vec<String>,
    pub journey: String,
    /// What to do when a step fails (no reply, an HTTP error).
    #[serde(default)]
    pub on_error: OnError,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnError {
    /// Stop this persona's scenario; other personas go on.
    #[default]
    Stop,
    /// Go on with the next step.
    Continue,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Step {
    pub stage: String,
    pub channel: String,
    /// A question id: the persona picks one of its phrasings (seeded).
    #[serde(default)]
    pub ask: Option<String>,
    /// Free words instead of a question (a template: `{{ case_ref }}`).
    #[serde(default)]
    pub say: Option<String>,
    /// Facts this answer must state (added to the question's).
    #[serde(default)]
    pub expects: Vec<String>,
    /// Values to capture from the reply text: name → extraction (`"CASE-\\d+"`).
    #[serde(default)]
    pub capture: BTreeMap<String, Extract>,
    /// A value captured earlier (on another channel) that this reply must recognise.
    #[serde(default)]
    pub recognises: Option<String>,
    /// Email subject line (template); defaults to the question's label.
    #[serde(default)]
    pub subject: Option<String>,
}

/// `sweeps.toml` holds `[[sweeps]]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepsFile {
    #[serde(default)]
    pub sweeps: Vec<Sweep>,
}

/// Every listed question × channel × persona, each in a fresh conversation.
/// `["*"]` (the default) means all.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sweep {
    pub id: String,
    #[serde(default = "all")]
    pub questions: Vec<String>,
    #[serde(default = "all")]
    pub channels: Vec<String>,
    #[serde(default = "all")]
    pub personas: Vec<String>,
    /// The journey and stage the sweep's answers are drawn under in the report.
    #[serde(default)]
    pub journey: Option<String>,
    #[serde(default)]
    pub stage: Option<String>,
}

fn all() -> Vec<String> {
    vec!["*".into()]
}

/// Expands `["*"]` to every known id; otherwise the list as written.
pub fn expand<'a>(selection: &'a [String], known: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    if selection.iter().any(|s| s == "*") {
        known.collect()
    } else {
        selection.iter().map(String::as_str).collect()
    }
}

impl Scenario {
    /// The personas this scenario runs as.
    pub fn persona_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.personas.iter().map(String::as_str).collect();
        if let Some(p) = &self.persona {
            ids.insert(0, p);
        }
        ids
    }
}
