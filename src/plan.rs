//! The plan: a suite's scenarios and sweeps expanded into walks (one persona
//! through one scenario, or one sweep cell), with every seeded choice made up
//! front — which phrasing a persona uses, how long it thinks. Pure, so the
//! same seed always gives the same plan.

use crate::record::{Task, TaskKind};
use crate::suite::channel::Extract;
use crate::suite::scenario::{expand, OnError};
use crate::suite::Suite;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Walk {
    pub task: Task,
    pub segment: String,
    pub journey: Option<String>,
    pub on_error: OnError,
    pub steps: Vec<PlannedStep>,
}

#[derive(Debug, Clone)]
pub struct PlannedStep {
    pub index: usize,
    pub stage: Option<String>,
    pub channel: String,
    pub question: Option<String>,
    /// The message template (a question's chosen phrasing, or `say`).
    pub message: String,
    pub subject: Option<String>,
    pub expects: Vec<String>,
    pub capture: BTreeMap<String, Extract>,
    pub recognises: Option<String>,
    /// Pause before this step.
    pub think: Duration,
}

#[derive(Debug, Clone)]
pub struct PlanOptions {
    pub seed: u64,
    pub repeat: u32,
    /// Keep only walks whose key matches (`*` is a wildcard; otherwise a substring).
    pub only: Option<String>,
}

/// A stable 64-bit hash (FNV-1a): seeds must not depend on the std hasher.
pub fn stable_hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for p in parts {
        for b in p.bytes().chain([0xff]) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}

/// The seeded choices of one step of one walk: seeded by
/// `stable_hash(&[seed, task.key(), step])`, hashed as written (no strings built).
fn rng_for(seed: u64, task: &Task, step: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed_of(seed, task, step))
}

fn seed_of(seed: u64, task: &Task, step: usize) -> u64 {
    let mut h = Fnv(0xcbf29ce484222325);
    // Writing to the hash cannot fail; each part ends with 0xff, as in `stable_hash`.
    let _ = write!(h, "{seed}");
    h.byte(0xff);
    let _ = task.write_key(&mut h);
    h.byte(0xff);
    let _ = write!(h, "{step}");
    h.byte(0xff);
    h.0
}

/// [`stable_hash`] fed as the text is written.
struct Fnv(u64);

impl std::fmt::Write for Fnv {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        s.bytes().for_each(|b| self.byte(b));
        Ok(())
    }
}

impl Fnv {
    fn byte(&mut self, b: u8) {
        self.0 ^= b as u64;
        self.0 = self.0.wrapping_mul(0x100000001b3);
    }
}

pub fn plan(suite: &Suite, opts: &PlanOptions) -> Vec<Walk> {
    let mut walks = Vec::new();
    for repeat in 0..opts.repeat.max(1) {
        for sc in &suite.scenarios {
            for persona_id in sc.persona_ids() {
                let Some(persona) = suite.persona(persona_id) else { continue };
                let task = Task {
                    kind: TaskKind::Scenario,
                    id: sc.id.clone(),
                    persona: persona.id.clone(),
                    repeat,
                    question: None,
                    channel: None,
                };
                let steps = sc
                    .steps
                    .iter()
                    .enumerate()
                    .map(|(i, st)| {
                        let mut rng = rng_for(opts.seed, &task, i);
                        let question = st.ask.as_ref().and_then(|q| suite.map.question(q));
                        let message = match (&st.say, question) {
                            (Some(say), _) => say.clone(),
                            (None, Some(q)) => pick(&q.asks, &mut rng),
                            (None, None) => String::new(),
                        };
                        let mut expects: Vec<String> = question.map(|q| q.expects.clone()).unwrap_or_default();
                        for e in &st.expects {
                            if !expects.contains(e) {
                                expects.push(e.clone());
                            }
                        }
                        let subject = st.subject.clone().or_else(|| question.and_then(|q| q.label.clone()));
                        PlannedStep {
                            index: i,
                            stage: Some(st.stage.clone()),
                            channel: st.channel.clone(),
                            question: st.ask.clone(),
                            message,
                            subject,
                            expects,
                            capture: st.capture.clone(),
                            recognises: st.recognises.clone(),
                            think: if i == 0 { Duration::ZERO } else { think(persona, &mut rng) },
                        }
                    })
                    .collect();
                walks.push(Walk {
                    task,
                    segment: persona.segment.clone(),
                    journey: Some(sc.journey.clone()),
                    on_error: sc.on_error,
                    steps,
                });
            }
        }
        for sw in &suite.sweeps {
            let questions = expand(&sw.questions, suite.map.questions.iter().map(|q| q.id.as_str()));
            let channels = expand(&sw.channels, suite.channels.keys().map(String::as_str));
            let personas = expand(&sw.personas, suite.personas.iter().map(|p| p.id.as_str()));
            for q in &questions {
                let Some(question) = suite.map.question(q) else { continue };
                for c in &channels {
                    for p in &personas {
                        let Some(persona) = suite.persona(p) else { continue };
                        let task = Task {
                            kind: TaskKind::Sweep,
                            id: sw.id.clone(),
                            persona: persona.id.clone(),
                            repeat,
                            question: Some(q.to_string()),
                            channel: Some(c.to_string()),
                        };
                        let mut rng = rng_for(opts.seed, &task, 0);
                        let step = PlannedStep {
                            index: 0,
                            stage: sw.stage.clone(),
                            channel: c.to_string(),
                            question: Some(q.to_string()),
                            message: pick(&question.asks, &mut rng),
                            subject: question.label.clone(),
                            expects: question.expects.clone(),
                            capture: BTreeMap::new(),
                            recognises: None,
                            think: Duration::ZERO,
                        };
                        walks.push(Walk {
                            task,
                            segment: persona.segment.clone(),
                            journey: sw.journey.clone(),
                            on_error: OnError::Stop,
                            steps: vec![step],
                        });
                    }
                }
            }
        }
    }
    if let Some(pattern) = &opts.only {
        walks.retain(|w| matches(pattern, &w.task.key()));
    }
    walks
}

fn pick(options: &[String], rng: &mut ChaCha8Rng) -> String {
    if options.is_empty() {
        return String::new();
    }
    options[rng.gen_range(0..options.len())].clone()
}

fn think(persona: &crate::suite::Persona, rng: &mut ChaCha8Rng) -> Duration {
    let lo = persona.think.min.or(Duration::ZERO);
    let hi = persona.think.max.or(lo).max(lo);
    if hi == lo {
        return lo;
    }
    let ms = rng.gen_range(lo.as_millis() as u64..=hi.as_millis() as u64);
    Duration::from_millis(ms)
}

/// `*` matches any run of characters; a pattern without `*` matches as a substring.
pub fn matches(pattern: &str, text: &str) -> bool {
    if !pattern.contains('*') {
        return text.contains(pattern);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        match rest.find(part) {
            Some(pos) if i == 0 && pos != 0 => return false,
            Some(pos) => rest = &rest[pos + part.len()..],
            None => return false,
        }
    }
    parts.last().is_some_and(|l| l.is_empty()) || rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_and_substring() {
        assert!(matches("refund", "scenario:refund-handoff/new#0"));
        assert!(matches("scenario:*", "scenario:refund-handoff/new#0"));
        assert!(!matches("sweep:*", "scenario:refund-handoff/new#0"));
        assert!(matches("*#0", "scenario:x/y#0"));
        assert!(!matches("*#1", "scenario:x/y#0"));
    }

    /// The seed of a step is `stable_hash` of the seed, the walk's key and
    /// the step as text, as before it was hashed without building them.
    #[test]
    fn a_step_is_seeded_by_the_hash_of_its_key() {
        let sweep = Task {
            kind: TaskKind::Sweep,
            id: "audit".into(),
            persona: "ÿvonne-ünal".into(),
            repeat: 12,
            question: Some("refund".into()),
            channel: Some("chat".into()),
        };
        let scenario = Task { kind: TaskKind::Scenario, question: None, channel: None, ..sweep.clone() };
        for task in [&sweep, &scenario] {
            for (seed, step) in [(0, 0), (42, 3), (u64::MAX, 17)] {
                let old = stable_hash(&[&seed.to_string(), &task.key(), &step.to_string()]);
                assert_eq!(seed_of(seed, task, step), old, "{}", task.key());
            }
        }
        assert_eq!(sweep.key(), "sweep:audit/ÿvonne-ünal#12/refund@chat");
    }

    #[test]
    fn stable_hash_is_stable() {
        assert_eq!(stable_hash(&["a", "b"]), stable_hash(&["a", "b"]));
        assert_ne!(stable_hash(&["ab"]), stable_hash(&["a", "b"]));
    }
}
