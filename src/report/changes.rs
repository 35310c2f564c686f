//! "What changed since the previous run", for the top of the headline: the
//! scheduled audit's reader wants to hear first what is new and what was
//! fixed. Built from [`Verdict::changes`], which the run history sets.

use super::finding::FindingList;
use super::text;
use super::view::severity_label;
use crate::verdict::{Severity, Verdict};
use serde::Serialize;

/// Items listed per group; the rest are counted.
const MAX_LISTED: usize = 10;

#[derive(Debug, Clone, Serialize)]
pub struct ChangesView {
    pub since_run: String,
    /// When that run started, for people.
    pub since: String,
    pub new: Group,
    pub fixed: Group,
    pub persisting: Group,
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub count: usize,
    pub items: Vec<ChangeItem>,
    /// Counted but not listed.
    pub more: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeItem {
    pub severity: &'static str,
    pub severity_label: String,
    pub summary: String,
    /// The finding in this report, when it is listed here (fixed ones are not).
    pub anchor: Option<String>,
    /// Persisting findings: "since run X, 12 Jan 09:00 (3 runs)".
    pub since: Option<String>,
}

/// None on a first run, or when the history could not be read.
pub fn build(v: &Verdict, findings: &FindingList) -> Option<ChangesView> {
    let c = v.changes.as_ref()?;
    let shown = |id: &str| findings.items.iter().find(|f| f.id == id).map(|f| f.anchor.clone());
    let current = |id: &str| v.finding(id);
    let item = |severity: Severity, summary: &str, id: &str, since: Option<String>| ChangeItem {
        severity: severity.name(),
        severity_label: severity_label(severity),
        summary: text::clip(summary, 300),
        anchor: shown(id),
        since,
    };
    let new = c.new.iter().filter_map(|id| current(id).map(|f| item(f.severity, &f.summary, id, None)));
    let fixed = c.fixed.iter().map(|f| ChangeItem { anchor: None, ..item(f.severity, &f.summary, &f.id, None) });
    let persisting = c.persisting.iter().filter_map(|p| {
        let since = format!("since run {}, {} ({} runs in a row)", p.since_run, text::date_time(&p.since), p.runs);
        current(&p.id).map(|f| item(f.severity, &f.summary, &p.id, Some(since)))
    });
    Some(ChangesView {
        since_run: c.since.run_id.clone(),
        since: text::date_time(&c.since.started_at),
        new: group(c.new.len(), new),
        fixed: group(c.fixed.len(), fixed),
        persisting: group(c.persisting.len(), persisting),
    })
}

fn group(count: usize, items: impl Iterator<Item = ChangeItem>) -> Group {
    let items: Vec<ChangeItem> = items.take(MAX_LISTED).collect();
    Group { count, more: count.saturating_sub(items.len()), items }
}
