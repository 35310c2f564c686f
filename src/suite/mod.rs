//! The suite: one company's map, channels, personas, scenarios and sweeps,
//! loaded from a folder and validated. Pure: reads files, never the network.
//!
//! ```text
//! scenarios/acme/
//!   map.toml        facts, questions, journeys, service levels
//!   channels.toml   how to reach each channel over HTTP
//!   personas.toml   the scripted customers
//!   sweeps.toml     (optional) every question × channel × persona
//!   scenarios/*.toml one journey walk per file
//! ```

pub mod callback;
pub mod channel;
pub mod diagnostic;
pub mod duration;
pub mod excerpt;
pub mod hygiene;
pub mod load;
pub mod map;
pub mod persona;
pub mod scenario;
pub mod source;
pub mod validate;

pub use channel::Channel;
pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use map::Map;
pub use persona::Persona;
pub use scenario::{Scenario, Step, Sweep};
pub use source::Sources;

use crate::fact::{self, FactSpec, FactValue, Locale};
use load::{parse_file, FileKind};
use persona::PersonasFile;
use scenario::SweepsFile;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// A loaded, valid suite.
#[derive(Debug, Clone)]
pub struct Suite {
    pub root: PathBuf,
    /// sha256 over every file's name and text: which suite a run used.
    pub digest: String,
    pub map: Map,
    pub channels: BTreeMap<String, Channel>,
    pub personas: Vec<Persona>,
    pub scenarios: Vec<Scenario>,
    pub sweeps: Vec<Sweep>,
    /// Environment variables the templates read; their values are secrets.
    pub env_names: BTreeSet<String>,
    /// Persona id → index in `personas`: large simulations look personas up
    /// once per walk, so this must not be a scan.
    persona_index: HashMap<String, usize>,
}

/// The outcome of loading: the sources (for rendering diagnostics), every
/// diagnostic, and the suite when there were no errors.
pub struct Loaded {
    pub sources: Sources,
    pub diagnostics: Diagnostics,
    pub suite: Option<Suite>,
}

impl Suite {
    pub fn locale(&self) -> Locale {
        Locale { currency: self.map.locale.currency.clone(), country_code: self.map.locale.country_code.clone() }
    }

    /// The locale a channel and persona name for themselves (channel first);
    /// `None` when neither does, or the tag has no known defaults.
    pub fn locale_of(&self, channel: &str, persona: &str) -> Option<Locale> {
        let tag = self
            .channels
            .get(channel)
            .and_then(|c| c.locale.as_deref())
            .or_else(|| self.persona(persona).and_then(|p| p.locale.as_deref()))?;
        Locale::from_tag(tag)
    }

    pub fn fact_spec(&self, id: &str) -> Option<FactSpec> {
        self.map.facts.get(id).map(|f| f.spec(id))
    }

    /// The map's value of a fact, parsed for its kind.
    pub fn expected(&self, id: &str) -> Option<(FactSpec, FactValue)> {
        let spec = self.fact_spec(id)?;
        let value = fact::parse_expected(&spec, &self.map.facts.get(id)?.value, &self.locale()).ok()?;
        Some((spec, value))
    }

    pub fn persona(&self, id: &str) -> Option<&Persona> {
        self.persona_index.get(id).and_then(|&i| self.personas.get(i))
    }

    /// The name shown for a suite: the folder name.
    pub fn name(&self) -> String {
        self.root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| self.map.name.clone())
    }
}

/// Loads and validates the suite in `dir`.
pub fn load(dir: &Path) -> Loaded {
    let mut sources = Sources::default();
    let mut diags = Diagnostics::default();
    let show = |name: &str| dir.join(name).display().to_string();

    if !dir.is_dir() {
        diags.push(
            Diagnostic::error(format!("`{}` is not a suite folder", dir.display()), diagnostic::Place::File(dir.display().to_string()))
                .hint("pass a folder holding map.toml, channels.toml and personas.toml, e.g. `touchpoint check scenarios/acme`"),
        );
        return Loaded { sources, diagnostics: diags, suite: None };
    }

    let map: Option<(usize, Map)> =
        parse_file(&mut sources, &mut diags, &dir.join("map.toml"), show("map.toml"), FileKind::Map);
    let channels: Option<(usize, BTreeMap<String, Channel>)> =
        parse_file(&mut sources, &mut diags, &dir.join("channels.toml"), show("channels.toml"), FileKind::Channels);
    let personas: Option<(usize, PersonasFile)> =
        parse_file(&mut sources, &mut diags, &dir.join("personas.toml"), show("personas.toml"), FileKind::Personas);
    let sweeps: Option<(usize, SweepsFile)> = if dir.join("sweeps.toml").exists() {
        parse_file(&mut sources, &mut diags, &dir.join("sweeps.toml"), show("sweeps.toml"), FileKind::Sweeps)
    } else {
        None
    };
    let mut scenarios = Vec::new();
    for path in scenario_files(&dir.join("scenarios")) {
        let display = path.display().to_string();
        if let Some((id, mut sc)) = parse_file::<Scenario>(&mut sources, &mut diags, &path, display, FileKind::Scenario)
        {
            if sc.id.is_empty() {
                sc.id = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            }
            scenarios.push((id, sc));
        }
    }

    let digest = digest(&sources);
    let (Some(map), Some(channels), Some(personas)) = (map, channels, personas) else {
        return Loaded { sources, diagnostics: diags, suite: None };
    };
    let sweeps_list = sweeps.as_ref().map(|(_, s)| s.sweeps.clone()).unwrap_or_default();
    let mut checker = validate::Checker::new(&sources, &mut diags);
    let parts = validate::Parts {
        map: (map.0, &map.1),
        channels: (channels.0, &channels.1),
        personas: (personas.0, &personas.1.personas),
        scenarios: scenarios.iter().map(|(id, s)| (*id, s)).collect(),
        sweeps: sweeps.as_ref().map(|(id, s)| (*id, s.sweeps.as_slice())),
    };
    checker.check(&parts);
    let env_names = std::mem::take(&mut checker.env_names);
    if scenarios.is_empty() && sweeps_list.is_empty() {
        diags.push(
            Diagnostic::warning(
                "the suite has no scenarios and no sweeps: `run` would send nothing",
                diagnostic::Place::File(dir.display().to_string()),
            )
            .hint("add scenarios/<name>.toml or a sweeps.toml"),
        );
    }
    let suite = (!diags.has_errors()).then(|| Suite {
        root: dir.to_path_buf(),
        digest,
        map: map.1,
        channels: channels.1,
        persona_index: personas.1.personas.iter().enumerate().map(|(i, p)| (p.id.clone(), i)).collect(),
        personas: personas.1.personas,
        scenarios: scenarios.into_iter().map(|(_, s)| s).collect(),
        sweeps: sweeps_list,
        env_names,
    });
    Loaded { sources, diagnostics: diags, suite }
}

fn scenario_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn digest(sources: &Sources) -> String {
    let mut h = Sha256::new();
    for id in sources.ids() {
        h.update(sources.name(id).as_bytes());
        h.update([0]);
        h.update(sources.text(id).as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())[..16].to_string()
}
