//! Collecting findings. Every occurrence of a problem is recorded under a
//! [`Key`] — what the problem is, never when or how it showed — so repeats
//! of one problem become one finding with a few evidence items and a count,
//! and the finding's id (a hash of the key) is the same in every run.
//!
//! Keys borrow their strings from the suite and the run, so recording an
//! occurrence allocates nothing unless it keeps evidence.

use crate::verdict::{Evidence, Finding, FindingKind, Severity};
use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// What a problem is. Two occurrences with equal keys are the same problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key<'a> {
    pub kind: FindingKind,
    pub journey: Option<&'a str>,
    pub stage: Option<&'a str>,
    pub channel: Option<&'a str>,
    pub segment: Option<&'a str>,
    pub question: Option<&'a str>,
    /// The fact, or for lost context the captured value's name.
    pub fact: Option<&'a str>,
    /// What else tells problems apart: the error kind for errors.
    pub detail: Option<&'a str>,
}

impl<'a> Key<'a> {
    /// A key about nothing in particular yet; set the fields that apply.
    pub fn new(kind: FindingKind) -> Self {
        Key { kind, journey: None, stage: None, channel: None, segment: None, question: None, fact: None, detail: None }
    }

    /// The stable id: 16 hex digits of a SHA-256 over the key's fields.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        let kind = format!("{:?}", self.kind);
        h.update(b"touchpoint-finding-v1\0");
        h.update(kind.as_bytes());
        for part in [self.journey, self.stage, self.channel, self.segment, self.question, self.fact, self.detail] {
            h.update([0]);
            // Distinguish None from Some(""): they are different problems.
            match part {
                Some(s) => {
                    h.update([1]);
                    h.update(s.as_bytes());
                }
                None => h.update([2]),
            }
        }
        hex::encode(h.finalize())[..16].to_string()
    }
}

/// Most distinct found values remembered per finding (hostile answers could
/// produce unboundedly many).
const MAX_VALUES: usize = 8;

/// One problem while the run is being read.
#[derive(Debug)]
pub struct Acc<'a> {
    pub key: Key<'a>,
    pub id: String,
    pub severity: Severity,
    pub persona: Option<&'a str>,
    pub expected: Option<String>,
    /// Distinct found values with how often each was seen.
    pub found: Vec<(String, u64)>,
    pub occurrences: u64,
    pub evidence: Vec<Evidence>,
    /// The rank of each item of `evidence` recorded through [`Findings::record`]
    /// (see [`crate::analysis::evidence::rank`]): the items kept are the
    /// lowest-ranked, so they do not depend on the order walks finished in.
    ranks: Vec<u64>,
    /// Set by whoever knows the words best; else written from the key.
    pub summary: Option<String>,
    /// A detail for the summary: a lost-context reason or error message
    /// (the first by text when several, see [`Acc::note`]).
    pub note: Option<String>,
    /// The worst latency seen (ms), for service-level summaries: (earliest, latest).
    pub worst_ms: Option<(f64, f64)>,
    /// The service level breached (ms): the channel's, a question's or a stage's.
    pub sla_ms: Option<f64>,
    /// Service levels: the questions that were slow, with the worst latest
    /// time of each (ms), so the summary can name them.
    pub slow: BTreeMap<&'a str, f64>,
}

impl<'a> Acc<'a> {
    /// Keeps `evidence` if its rank is among the `max` lowest seen (one item
    /// per rank: several problems in one reply show its first).
    fn keep_evidence(&mut self, rank: u64, max: usize, evidence: impl FnOnce() -> Option<Evidence>) {
        if max == 0 || self.ranks.len() != self.evidence.len() || self.ranks.contains(&rank) {
            return;
        }
        if self.evidence.len() < max {
            if let Some(e) = evidence() {
                self.evidence.push(e);
                self.ranks.push(rank);
            }
            return;
        }
        let Some((worst, &worst_rank)) = self.ranks.iter().enumerate().max_by_key(|(_, r)| **r) else { return };
        if rank < worst_rank {
            if let Some(e) = evidence() {
                self.evidence[worst] = e;
                self.ranks[worst] = rank;
            }
        }
    }

    /// The evidence in rank order (items added directly, after
    /// [`Findings::record`], keep their place).
    fn take_evidence(&mut self) -> Vec<Evidence> {
        let evidence = std::mem::take(&mut self.evidence);
        if self.ranks.len() != evidence.len() {
            return evidence;
        }
        let mut pairs: Vec<(u64, Evidence)> = std::mem::take(&mut self.ranks).into_iter().zip(evidence).collect();
        pairs.sort_by_key(|(r, _)| *r);
        pairs.into_iter().map(|(_, e)| e).collect()
    }

    /// Offers a detail for the summary; the first by text is kept, so the
    /// order occurrences arrived in does not change the words.
    pub fn note(&mut self, note: impl FnOnce() -> String) {
        let note = note();
        if self.note.as_ref().is_none_or(|n| note < *n) {
            self.note = Some(note);
        }
    }

    /// Notes that `question` was slow (`ms` its latest possible reply time).
    pub fn slow_question(&mut self, question: &'a str, ms: f64) {
        let worst = self.slow.entry(question).or_insert(ms);
        *worst = worst.max(ms);
    }

    /// Counts a found value, keeping at most [`MAX_VALUES`] distinct ones.
    /// Kept in text order, so which value a tie shows does not depend on
    /// the order answers arrived in.
    pub fn saw_value(&mut self, display: &str) {
        match self.found.binary_search_by(|(v, _)| v.as_str().cmp(display)) {
            Ok(i) => self.found[i].1 += 1,
            Err(i) if self.found.len() < MAX_VALUES => self.found.insert(i, (display.to_string(), 1)),
            Err(_) => {}
        }
    }

    /// The most frequent found value (ties: the first in the list).
    pub fn top_value(&self) -> Option<&str> {
        let mut best: Option<&(String, u64)> = None;
        for v in &self.found {
            if best.is_none_or(|b| v.1 > b.1) {
                best = Some(v);
            }
        }
        best.map(|(v, _)| v.as_str())
    }
}

/// Every problem seen so far, in first-seen order.
#[derive(Debug)]
pub struct Findings<'a> {
    index: FxHashMap<Key<'a>, usize>,
    pub list: Vec<Acc<'a>>,
    max_evidence: usize,
}

impl<'a> Findings<'a> {
    pub fn new(max_evidence: usize) -> Self {
        Findings { index: FxHashMap::default(), list: Vec::new(), max_evidence }
    }

    /// Records one occurrence of the problem `key`. `rank` orders the
    /// occurrence among the others (a stable hash of which walk and step it
    /// came from): the finding keeps the evidence of the lowest-ranked
    /// occurrences, so a run whose walks finish in another order keeps the
    /// same evidence. `evidence` is only called when the occurrence is kept.
    /// Returns the finding's index.
    pub fn record(
        &mut self,
        key: Key<'a>,
        severity: Severity,
        persona: Option<&'a str>,
        rank: u64,
        evidence: impl FnOnce() -> Option<Evidence>,
    ) -> usize {
        let i = *self.index.entry(key).or_insert_with(|| {
            self.list.push(Acc {
                key,
                id: key.fingerprint(),
                severity,
                persona,
                expected: None,
                found: Vec::new(),
                occurrences: 0,
                evidence: Vec::new(),
                ranks: Vec::new(),
                summary: None,
                note: None,
                worst_ms: None,
                sla_ms: None,
                slow: BTreeMap::new(),
            });
            self.list.len() - 1
        });
        let acc = &mut self.list[i];
        // The persona named is the first by name, not by arrival: the
        // verdict must not depend on which walk finished first.
        if let (Some(p), Some(named)) = (persona, acc.persona) {
            if p < named {
                acc.persona = Some(p);
            }
        }
        acc.occurrences += 1;
        acc.severity = acc.severity.max(severity);
        acc.keep_evidence(rank, self.max_evidence, evidence);
        i
    }

    /// One finding per root cause: "not stated" on a channel × question
    /// that a fallback finding already explains (the channel did not answer
    /// at all) becomes part of that finding — its worst severity and a
    /// sentence naming the facts — instead of a finding of its own.
    /// `fact_label` names a fact for people. Returns each folded id with the
    /// id of the finding it now belongs to.
    pub fn fold_into_fallbacks(&mut self, fact_label: impl Fn(&str) -> String) -> HashMap<String, String> {
        let targets: HashMap<(&str, &str), String> = self
            .list
            .iter()
            .filter(|a| a.key.kind == FindingKind::Fallback)
            .filter_map(|a| Some(((a.key.channel?, a.key.question?), a.id.clone())))
            .collect();
        let mut folded: HashMap<String, String> = HashMap::new();
        if targets.is_empty() {
            return folded;
        }
        let mut extra: HashMap<String, (Vec<String>, Severity)> = HashMap::new();
        for acc in std::mem::take(&mut self.list) {
            let into = match (acc.key.kind, acc.key.channel, acc.key.question) {
                (FindingKind::NotStated, Some(c), Some(q)) => targets.get(&(c, q)),
                _ => None,
            };
            let Some(into) = into else {
                self.list.push(acc);
                continue;
            };
            let (facts, worst) = extra.entry(into.clone()).or_insert((Vec::new(), acc.severity));
            facts.extend(acc.key.fact.map(&fact_label));
            *worst = (*worst).max(acc.severity);
            folded.insert(acc.id, into.clone());
        }
        for acc in &mut self.list {
            let Some((facts, worst)) = extra.get_mut(&acc.id) else { continue };
            acc.severity = acc.severity.max(*worst);
            facts.sort();
            facts.dedup();
            if let Some(summary) = acc.summary.as_mut() {
                summary.push_str(&format!(" So it does not state {} there.", super::consistency::join_and(facts)));
            }
        }
        self.index = self.list.iter().enumerate().map(|(i, a)| (a.key, i)).collect();
        folded
    }

    /// The finding recorded under `key`, if any.
    pub fn find(&self, key: &Key<'a>) -> Option<usize> {
        self.index.get(key).copied()
    }

    pub fn get_mut(&mut self, i: usize) -> &mut Acc<'a> {
        &mut self.list[i]
    }

    pub fn max_evidence(&self) -> usize {
        self.max_evidence
    }

    /// The findings, most severe first, then by what they are about, so the
    /// order is the same in every run. `summary` writes the words for
    /// findings that have none yet.
    pub fn finish(self, mut summary: impl FnMut(&Acc<'a>) -> String) -> Vec<Finding> {
        let mut out: Vec<Finding> = self
            .list
            .into_iter()
            .map(|mut acc| {
                let text = acc.summary.clone().unwrap_or_else(|| summary(&acc));
                let evidence = acc.take_evidence();
                let found = acc.top_value().map(str::to_string);
                Finding {
                    id: acc.id,
                    kind: acc.key.kind,
                    severity: acc.severity,
                    journey: acc.key.journey.map(str::to_string),
                    stage: acc.key.stage.map(str::to_string),
                    channel: acc.key.channel.map(str::to_string),
                    persona: acc.persona.map(str::to_string),
                    segment: acc.key.segment.map(str::to_string),
                    question: acc.key.question.map(str::to_string),
                    fact: acc.key.fact.map(str::to_string),
                    expected: acc.expected,
                    found,
                    occurrences: acc.occurrences,
                    evidence,
                    summary: text,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.kind.cmp(&b.kind))
                .then_with(|| a.journey.cmp(&b.journey))
                .then_with(|| a.stage.cmp(&b.stage))
                .then_with(|| a.question.cmp(&b.question))
                .then_with(|| a.fact.cmp(&b.fact))
                .then_with(|| a.channel.cmp(&b.channel))
                .then_with(|| a.segment.cmp(&b.segment))
                .then_with(|| a.id.cmp(&b.id))
        });
        out
    }
}

/// How serious each kind of problem is; a moment of truth (critical stage)
/// raises answer problems one level.
pub fn severity(kind: FindingKind, critical: bool) -> Severity {
    let base = match kind {
        FindingKind::WrongFact | FindingKind::LostContext => Severity::High,
        FindingKind::ChannelDisagreement | FindingKind::SegmentDifference => Severity::High,
        FindingKind::Unstable | FindingKind::SlaBreach => Severity::Medium,
        FindingKind::NotStated | FindingKind::PossibleSlaBreach => Severity::Low,
        FindingKind::Error => Severity::High,
        // Someone else calls the webhook, or the platform signs with another secret.
        FindingKind::InvalidSignature => Severity::High,
        // Hygiene findings are as serious as what they show, wherever it is.
        k if k.is_hygiene() => return super::hygiene::hook::base_severity(k),
        _ => Severity::Low,
    };
    if critical && kind != FindingKind::PossibleSlaBreach {
        raise(base)
    } else {
        base
    }
}

/// Errors by what the customer got: nothing at all is high; a problem that
/// is probably the suite's own (a request that could not be built, a body
/// the channel configuration cannot read) is medium; a stopped run or a
/// step not sent because the budget ran out is info.
pub fn error_severity(kind: crate::record::ErrorKind, critical: bool) -> Severity {
    use crate::record::ErrorKind as E;
    let base = match kind {
        E::Connect | E::Timeout | E::Status | E::NoReply | E::Body | E::Cut | E::Redirects => Severity::High,
        // A TLS mismatch is usually the suite's `http`/`https`; leaving the
        // origin is refused before anything is sent.
        E::Request | E::Malformed | E::Tls | E::Offsite => Severity::Medium,
        E::TooLarge => Severity::Low,
        E::Interrupted | E::Budget | E::Stopped | E::Suite => return Severity::Info,
    };
    if critical {
        raise(base)
    } else {
        base
    }
}

fn raise(s: Severity) -> Severity {
    match s {
        Severity::Info => Severity::Low,
        Severity::Low => Severity::Medium,
        Severity::Medium => Severity::High,
        Severity::High | Severity::Critical => Severity::Critical,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids are compared across runs and releases: changing how they are
    /// computed makes every known problem look new. Change this on purpose only.
    #[test]
    fn fingerprints_are_fixed() {
        let key = Key {
            channel: Some("email"),
            question: Some("refund-policy"),
            fact: Some("refund_window"),
            ..Key::new(FindingKind::WrongFact)
        };
        assert_eq!(key.fingerprint(), key.fingerprint());
        assert_eq!(key.fingerprint().len(), 16);
        let moved = Key { channel: Some("chat"), ..key };
        assert_ne!(key.fingerprint(), moved.fingerprint());
        let empty = Key { segment: Some(""), ..key };
        assert_ne!(key.fingerprint(), empty.fingerprint(), "None and \"\" differ");
        assert_eq!(key.fingerprint(), FIXED);
    }

    const FIXED: &str = "ee78b2e06fb3f64c";
}
