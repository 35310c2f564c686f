//! Personas: the scripted customers.

use super::duration::Dur;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `personas.toml` holds `[[personas]]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PersonasFile {
    #[serde(default)]
    pub personas: Vec<Persona>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Persona {
    pub id: String,
    pub name: String,
    pub email: String,
    /// Customer segment ("new", "loyal"): answers must not differ by segment.
    #[serde(default = "default_segment")]
    pub segment: String,
    /// How long this customer will wait compared with the service level.
    #[serde(default)]
    pub patience: Patience,
    /// Pause between steps, picked uniformly in this range (seeded).
    #[serde(default)]
    pub think: Think,
    /// Free variables for templates: `{{ persona.vars.account }}`.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// The customer's language and region (BCP 47, "en-GB"): answers in
    /// another language are reported, and currency, calling code and date
    /// order of the answers they get follow it unless the channel names its own.
    #[serde(default)]
    pub locale: Option<String>,
}

fn default_segment() -> String {
    "default".into()
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Patience {
    Low,
    #[default]
    Normal,
    High,
}

impl Patience {
    /// The share of the service level this customer tolerates before frustration.
    pub fn factor(self) -> f64 {
        match self {
            Patience::Low => 0.5,
            Patience::Normal => 1.0,
            Patience::High => 2.0,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Think {
    pub min: Dur,
    pub max: Dur,
}

impl Default for Think {
    fn default() -> Self {
        Think { min: Dur::new("0ms"), max: Dur::new("0ms") }
    }
}

impl Persona {
    pub fn first_name(&self) -> &str {
        self.name.split_whitespace().next().unwrap_or(&self.name)
    }
}
