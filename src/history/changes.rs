//! What changed since the previous comparable run: which findings are new,
//! which persist (and since when), which were fixed.
//!
//! Pure: the database hands in the earlier runs' findings, this module only
//! compares sets of fingerprints. Because a finding's id is a fingerprint of
//! *what* is wrong (see [`crate::analysis::finding::Key`]), "the same id in
//! both runs" means "the same problem is still there".

use crate::verdict::{Finding, FindingKind, Severity};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// A run, as history refers to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRef {
    pub run_id: String,
    pub started_at: DateTime<Utc>,
}

/// A finding as the history database keeps it: enough to name it in a
/// report after it is gone, without its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingRef {
    /// The stable fingerprint ([`Finding::id`]).
    pub id: String,
    pub kind: FindingKind,
    pub severity: Severity,
    pub channel: Option<String>,
    pub question: Option<String>,
    pub fact: Option<String>,
    pub summary: String,
}

impl From<&Finding> for FindingRef {
    fn from(f: &Finding) -> Self {
        FindingRef {
            id: f.id.clone(),
            kind: f.kind,
            severity: f.severity,
            channel: f.channel.clone(),
            question: f.question.clone(),
            fact: f.fact.clone(),
            summary: f.summary.clone(),
        }
    }
}

/// A finding seen in this run and in the previous one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Persisting {
    pub id: String,
    /// The first run of the unbroken streak of comparable runs that had it.
    pub since_run: String,
    pub since: DateTime<Utc>,
    /// How many comparable runs in a row, this one included, had it.
    pub runs: u64,
}

/// The findings of a run compared with the previous comparable run (same
/// suite, same target, started earlier). Stored in `verdict.json` as
/// [`crate::verdict::Verdict::changes`]; absent on the first run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    /// The run compared with.
    pub since: RunRef,
    /// Ids of this run's findings that the previous run did not have.
    pub new: Vec<String>,
    /// This run's findings that the previous run had too, in verdict order.
    pub persisting: Vec<Persisting>,
    /// The previous run's findings that this run no longer has. They are
    /// not in this verdict, so they carry their own description.
    pub fixed: Vec<FindingRef>,
}

impl Changes {
    /// Compares `current` with the previous comparable run's findings.
    /// Persisting findings start their streak at the previous run; extend
    /// it further back with [`Changes::extend_streaks`].
    /// `current` is the run's finding ids in verdict order.
    pub fn between<'a>(
        current: impl IntoIterator<Item = &'a str>,
        previous: &RunRef,
        previous_findings: &[FindingRef],
    ) -> Changes {
        let before: HashSet<&str> = previous_findings.iter().map(|f| f.id.as_str()).collect();
        let mut now = HashSet::new();
        let mut new = Vec::new();
        let mut persisting = Vec::new();
        for id in current {
            if !now.insert(id) {
                continue;
            }
            if before.contains(id) {
                persisting.push(Persisting {
                    id: id.to_string(),
                    since_run: previous.run_id.clone(),
                    since: previous.started_at,
                    runs: 2,
                });
            } else {
                new.push(id.to_string());
            }
        }
        let fixed = previous_findings.iter().filter(|f| !now.contains(f.id.as_str())).cloned().collect();
        Changes { since: previous.clone(), new, persisting, fixed }
    }

    /// Walks one run further back (runs must come newest first, starting
    /// with the one before [`Changes::since`]): every persisting finding whose
    /// streak is still unbroken and that `run` also had now persists since
    /// `run`. Returns false once every streak is broken, so the caller can
    /// stop reading history.
    pub fn extend_streaks(&mut self, open: &mut HashSet<String>, run: &RunRef, ids: &HashSet<String>) -> bool {
        for p in &mut self.persisting {
            if !open.contains(&p.id) {
                continue;
            }
            if ids.contains(&p.id) {
                p.since_run = run.run_id.clone();
                p.since = run.started_at;
                p.runs += 1;
            } else {
                open.remove(&p.id);
            }
        }
        !open.is_empty()
    }

    /// The ids whose streak may go further back than [`Changes::since`].
    pub fn open_streaks(&self) -> HashSet<String> {
        self.persisting.iter().map(|p| p.id.clone()).collect()
    }

    /// The terminal line: `since run X: N new, M fixed, K persisting`.
    pub fn line(&self) -> String {
        format!(
            "since run {}: {} new, {} fixed, {} persisting",
            self.since.run_id,
            self.new.len(),
            self.fixed.len(),
            self.persisting.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(id: &str) -> FindingRef {
        FindingRef {
            id: id.into(),
            kind: FindingKind::WrongFact,
            severity: Severity::High,
            channel: Some("email".into()),
            question: Some("refund-policy".into()),
            fact: Some("refund_window".into()),
            summary: format!("problem {id}"),
        }
    }

    fn run(id: &str, hour: u32) -> RunRef {
        use chrono::TimeZone;
        RunRef {
            run_id: id.into(),
            started_at: Utc.with_ymd_and_hms(2025, 1, 1, hour, 0, 0).single().unwrap_or_default(),
        }
    }

    #[test]
    fn new_fixed_and_persisting_are_set_differences() {
        let c = Changes::between(["a", "b"], &run("r2", 2), &[finding("b"), finding("c")]);
        assert_eq!(c.new, vec!["a".to_string()]);
        assert_eq!(c.persisting.len(), 1);
        assert_eq!(c.persisting[0].id, "b");
        assert_eq!(c.persisting[0].since_run, "r2");
        assert_eq!(c.fixed.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(), vec!["c"]);
        assert_eq!(c.line(), "since run r2: 1 new, 1 fixed, 1 persisting");
    }

    #[test]
    fn a_streak_ends_at_the_first_run_without_the_finding() {
        let mut c = Changes::between(["a", "b"], &run("r3", 3), &[finding("a"), finding("b")]);
        let mut open = c.open_streaks();
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<HashSet<_>>();
        assert!(c.extend_streaks(&mut open, &run("r2", 2), &ids(&["a"])));
        // "a" vanished in r1, then came back in r2: its streak starts at r2.
        assert!(!c.extend_streaks(&mut open, &run("r1", 1), &ids(&["b"])));
        let since = |id: &str| c.persisting.iter().find(|p| p.id == id).map(|p| (p.since_run.clone(), p.runs));
        assert_eq!(since("a"), Some(("r2".into(), 3)));
        assert_eq!(since("b"), Some(("r3".into(), 2)));
    }
}
