//! Semantic checks once every file has parsed: references resolve, values
//! parse for their fact kind, templates compile and read only known names,
//! extractions compile. Every problem is reported, never just the first.

use super::channel::{Channel, Extract, Extractor, RequestSpec};
use super::diagnostic::{did_you_mean, Diagnostic, Diagnostics, Place};
use super::duration::{parse_duration, parse_rate, parse_size, Dur};
use std::time::Duration;

/// The ranges `check` accepts: beyond them a value is a typo or an
/// attack, and would overflow the engine's clock arithmetic or never let a
/// run end.
pub mod limits {
    use std::time::Duration;

    const HOUR: u64 = 3600;
    const DAY: u64 = 24 * HOUR;
    pub const MAX_TIMEOUT: Duration = Duration::from_secs(HOUR);
    pub const MAX_BACKOFF: Duration = Duration::from_secs(HOUR);
    pub const MAX_POLL_EVERY: Duration = Duration::from_secs(HOUR);
    pub const MAX_WAIT: Duration = Duration::from_secs(7 * DAY);
    pub const MAX_THINK: Duration = Duration::from_secs(DAY);
    pub const MAX_SLA: Duration = Duration::from_secs(365 * DAY);
    pub const MAX_ATTEMPTS: u32 = 10;
    pub const MAX_BODY: u64 = 256 << 20;
    pub const MAX_RATE_COUNT: u32 = 1_000_000;
    pub const MAX_RATE_PERIOD: Duration = Duration::from_secs(31 * DAY);
}
use super::map::Map;
use super::persona::Persona;
use super::scenario::{Scenario, Sweep};
use super::source::{At, FileId, Seg, Sources};
use crate::fact;
use crate::path;
use crate::template;
use minijinja::Environment;
use std::collections::{BTreeMap, BTreeSet};

/// Names every template may read, whatever the channel or step: defined
/// once, by the context builder the engine renders with.
pub use crate::template::context::GLOBALS;

mod channel;
mod facts;
mod locale;
mod map;
mod personas;
mod receive;
mod requests;
mod scenario;
mod templates;
mod values;

/// The parsed files with their ids, as the loader hands them over.
pub struct Parts<'a> {
    pub map: (FileId, &'a Map),
    pub channels: (FileId, &'a BTreeMap<String, Channel>),
    pub personas: (FileId, &'a [Persona]),
    pub scenarios: Vec<(FileId, &'a Scenario)>,
    pub sweeps: Option<(FileId, &'a [Sweep])>,
}

pub struct Checker<'a> {
    pub sources: &'a Sources,
    pub diags: &'a mut Diagnostics,
    env: Environment<'static>,
    /// `env.NAME` references seen in any template.
    pub env_names: BTreeSet<String>,
    /// Unset variables already warned about (once each).
    warned_env: BTreeSet<String>,
}

impl<'a> Checker<'a> {
    pub fn new(sources: &'a Sources, diags: &'a mut Diagnostics) -> Self {
        Checker {
            sources,
            diags,
            env: template::environment(),
            env_names: BTreeSet::new(),
            warned_env: BTreeSet::new(),
        }
    }

    pub(super) fn err(&mut self, file: FileId, path: Vec<Seg>, message: String, label: &str, hint: Option<String>) {
        self.diags.push(Diagnostic::error(message, Place::Path(file, path, At::Value)).label(label).maybe_hint(hint));
    }

    pub fn check(&mut self, parts: &Parts<'_>) {
        self.map(parts.map.0, parts.map.1, parts.channels.1);
        let step_captures: BTreeSet<String> = parts
            .scenarios
            .iter()
            .flat_map(|(_, s)| s.steps.iter().flat_map(|st| st.capture.keys().cloned()))
            .collect();
        for (name, ch) in parts.channels.1 {
            self.channel(parts.channels.0, name, ch, &step_captures);
        }
        self.personas(parts.personas.0, parts.personas.1);
        let mut seen = BTreeSet::new();
        for (file, sc) in &parts.scenarios {
            if !seen.insert(sc.id.clone()) {
                self.err(
                    *file,
                    path!["id"],
                    format!("scenario `{}` is defined twice", sc.id),
                    "duplicate id",
                    Some("give each scenario file a distinct `id`".into()),
                );
            }
            self.scenario(*file, sc, parts);
        }
        if let Some((file, sweeps)) = parts.sweeps {
            for (i, sw) in sweeps.iter().enumerate() {
                self.sweep(file, i, sw, parts);
            }
        }
    }
}
