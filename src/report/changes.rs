//! What changed since the previous comparable run, for scheduled audits:
//! a block at the top of the summary (new, fixed, still there) and a tag on
//! each finding. Absent on a first run.

use super::finding::FindingList;
use super::text;
use super::view::severity_label;
use crate::history::Changes;
use crate::verdict::Verdict;
use serde::Serialize;
use std::collections::HashMap;

/// Findings listed per group; the rest are counted.
const MAX_ITEMS: usize = 20;

#[derive(Debug, Clone, Serialize)]
pub struct ChangesView {
    pub since_run: String,
    pub since: String,
    pub new: Group,
    pub fixed: Group,
    pub persisting: Group,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Group {
    pub count: usize,
    pub items: Vec<Item>,
    pub more: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub severity: &'static str,
    pub severity_label: String,
    pub summary: String,
    /// The finding in this report; None for fixed ones (they are not in it).
    pub anchor: Option<String>,
    /// "since 24 Nov 2025, 09:00 UTC (4 runs)" for persisting ones.
    pub since: Option<String>,
}

/// A finding's place in the history: new, or how long it has been there.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// `new` or `persisting`.
    pub key: &'static str,
    pub label: String,
}

fn group(items: impl ExactSizeIterator<Item = Item>) -> Group {
    let count = items.len();
    let items: Vec<Item> = items.take(MAX_ITEMS).collect();
    Group { count, more: count - items.len(), items }
}

/// The block for the summary; None on a first run.
pub fn build(v: &Verdict, findings: &FindingList) -> Option<ChangesView> {
    let c = v.changes.as_ref()?;
    let shown: HashMap<&str, &super::finding::FindingView> =
        findings.items.iter().map(|f| (f.id.as_str(), f)).collect();
    let current: HashMap<&str, &crate::verdict::Finding> = v.findings.iter().map(|f| (f.id.as_str(), f)).collect();
    // A finding of this run, by id: its anchor when the report lists it.
    let item = |id: &str, since: Option<String>| {
        let f = current.get(id);
        Item {
            severity: f.map_or("info", |f| f.severity.name()),
            severity_label: f.map_or_else(|| "Info".into(), |f| severity_label(f.severity)),
            summary: f.map_or_else(|| id.to_string(), |f| f.summary.clone()),
            anchor: shown.get(id).map(|f| f.anchor.clone()),
            since,
        }
    };
    Some(ChangesView {
        since_run: c.since.run_id.clone(),
        since: text::date_time(&c.since.started_at),
        new: group(c.new.iter().map(|id| item(id, None))),
        fixed: group(c.fixed.iter().map(|f| Item {
            severity: f.severity.name(),
            severity_label: severity_label(f.severity),
            summary: f.summary.clone(),
            anchor: None,
            since: None,
        })),
        persisting: group(
            c.persisting
                .iter()
                .map(|p| item(&p.id, Some(format!("since {} ({} runs)", text::date_time(&p.since), p.runs)))),
        ),
    })
}

/// Each finding's status by id, for the tag beside it.
pub fn statuses(c: &Changes) -> HashMap<&str, Status> {
    let new = c.new.iter().map(|id| (id.as_str(), Status { key: "new", label: "New since the last run".into() }));
    let persisting = c.persisting.iter().map(|p| {
        let label = format!("Still there: {} runs in a row, since {}", p.runs, text::date_time(&p.since));
        (p.id.as_str(), Status { key: "persisting", label })
    });
    new.chain(persisting).collect()
}
