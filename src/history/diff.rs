//! Comparing two runs: a baseline (A, e.g. staging before a release) and a
//! candidate (B, after it). Pure — two verdicts in, a [`Diff`] out — so the
//! same comparison backs `diff-<a>.json`, `diff-<a>.html` and the exit code.
//!
//! What it compares:
//! - answers whose facts changed, per question × fact × channel, from the two
//!   consistency matrices (segments merged). Values are compared by meaning
//!   as far as the verdicts allow: every value that agrees with the map is
//!   the same value ("thirty days" = "30 days"); other values compare by
//!   their words, case and spacing ignored. A cell present in only one run
//!   (a question not asked on that channel) is not a change.
//! - findings, by their stable fingerprint: new in B, fixed since A.
//! - reply times per channel: p50, p95 and max (the latest bound of each
//!   interval), A → B, with the change in percent.

use super::changes::FindingRef;
use crate::verdict::{Interval, MatrixRow, Severity, SlaStats, Verdict};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// Version of the `diff-<run>.json` layout.
pub const SCHEMA_VERSION: u32 = 1;

/// Two runs compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    pub schema_version: u32,
    /// The baseline.
    pub a: Side,
    /// The run compared with the baseline.
    pub b: Side,
    /// Answers whose facts changed, in matrix order.
    pub facts: Vec<FactChange>,
    /// Findings B has and A had not, most severe first.
    pub new: Vec<FindingRef>,
    /// Findings A had and B has not, most severe first.
    pub fixed: Vec<FindingRef>,
    /// How many findings both runs have.
    pub persisting: usize,
    pub latency: Vec<LatencyShift>,
    /// A new finding at or above this severity is a regression.
    pub fail_on: Severity,
    /// Ids of the new findings at or above `fail_on`.
    pub regressions: Vec<String>,
}

/// One run, as the diff names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Side {
    pub run_id: String,
    pub company: String,
    pub suite: String,
    pub suite_digest: String,
    pub target: String,
    pub started_at: DateTime<Utc>,
    pub complete: bool,
    pub score: Option<f64>,
    pub findings: usize,
}

/// What one channel says about one fact, asked one question, in A and in B.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactChange {
    pub question: String,
    pub fact: String,
    /// The fact's label for people.
    pub label: String,
    pub channel: String,
    /// What the map says.
    pub expected: Option<String>,
    pub a: Vec<Stated>,
    pub b: Vec<Stated>,
}

/// A value as an answer stated it; an empty list means "not stated".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stated {
    pub value: String,
    pub count: u64,
    /// Agrees with the map; None when the map value could not be read.
    pub matches_map: Option<bool>,
}

/// Reply times of one channel, A → B.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencyShift {
    pub channel: String,
    pub sla_ms: Option<f64>,
    pub p50: Shift,
    pub p95: Shift,
    pub max: Shift,
}

/// One figure in milliseconds, A → B.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Shift {
    pub a_ms: Option<f64>,
    pub b_ms: Option<f64>,
    /// (B − A) / A in percent; None when either is missing or A is zero.
    pub change_pct: Option<f64>,
}

impl Shift {
    fn new(a: Option<Interval>, b: Option<Interval>) -> Shift {
        let a_ms = a.map(|i| i.latest_ms);
        let b_ms = b.map(|i| i.latest_ms);
        let change_pct = match (a_ms, b_ms) {
            (Some(a), Some(b)) if a > 0.0 => Some((b - a) / a * 100.0),
            _ => None,
        };
        Shift { a_ms, b_ms, change_pct }
    }
}

impl Side {
    fn of(v: &Verdict) -> Side {
        Side {
            run_id: v.run_id.clone(),
            company: v.company.clone(),
            suite: v.suite.clone(),
            suite_digest: v.suite_digest.clone(),
            target: v.target.clone(),
            started_at: v.started_at,
            complete: v.complete,
            score: v.score,
            findings: v.findings.len(),
        }
    }
}

impl Diff {
    /// True when B has a new finding at or above `fail_on`: CI exits 4.
    pub fn regressed(&self) -> bool {
        !self.regressions.is_empty()
    }
}

/// Compares the candidate `b` with the baseline `a`.
pub fn diff(a: &Verdict, b: &Verdict, fail_on: Severity) -> Diff {
    let a_ids: HashSet<&str> = a.findings.iter().map(|f| f.id.as_str()).collect();
    let b_ids: HashSet<&str> = b.findings.iter().map(|f| f.id.as_str()).collect();
    // Verdicts list findings most severe first, so the order carries over.
    let new: Vec<FindingRef> =
        b.findings.iter().filter(|f| !a_ids.contains(f.id.as_str())).map(FindingRef::from).collect();
    let fixed: Vec<FindingRef> =
        a.findings.iter().filter(|f| !b_ids.contains(f.id.as_str())).map(FindingRef::from).collect();
    let persisting = b.findings.iter().filter(|f| a_ids.contains(f.id.as_str())).count();
    let regressions = new.iter().filter(|f| f.severity >= fail_on).map(|f| f.id.clone()).collect();
    Diff {
        schema_version: SCHEMA_VERSION,
        a: Side::of(a),
        b: Side::of(b),
        facts: fact_changes(&a.matrix, &b.matrix),
        new,
        fixed,
        persisting,
        latency: latency(&a.sla, &b.sla),
        fail_on,
        regressions,
    }
}

/// (question, fact, channel) → the row's label and expectation, and the values.
type Cells<'a> = BTreeMap<(&'a str, &'a str, &'a str), (&'a MatrixRow, Vec<Stated>)>;

/// Merges each row's cells over segments, per channel.
fn cells(matrix: &[MatrixRow]) -> Cells<'_> {
    let mut out: Cells<'_> = BTreeMap::new();
    for row in matrix {
        // Cells where nothing was read (not asked, no usable reply) are
        // not answers: a failed channel is a finding, not a changed answer.
        for cell in row.cells.iter().filter(|c| !c.values.is_empty() || c.not_stated > 0) {
            let (_, values) = out.entry((&row.question, &row.fact, &cell.channel)).or_insert_with(|| (row, Vec::new()));
            for v in &cell.values {
                match values.iter_mut().find(|s| same_meaning(s, v.matches_map, &v.value)) {
                    Some(s) => s.count += v.count,
                    None => values.push(Stated { value: v.value.clone(), count: v.count, matches_map: v.matches_map }),
                }
            }
        }
    }
    for (_, values) in out.values_mut() {
        values.sort_by_key(|v| std::cmp::Reverse(v.count));
    }
    out
}

fn fact_changes(a: &[MatrixRow], b: &[MatrixRow]) -> Vec<FactChange> {
    let a_cells = cells(a);
    let b_cells = cells(b);
    // B's order: the matrix as the candidate run shows it.
    let mut out = Vec::new();
    for row in b {
        let mut channels: Vec<&str> = row.cells.iter().map(|c| c.channel.as_str()).collect();
        channels.dedup();
        for channel in channels {
            let key = (row.question.as_str(), row.fact.as_str(), channel);
            let (Some((a_row, a_values)), Some((b_row, b_values))) = (a_cells.get(&key), b_cells.get(&key)) else {
                continue;
            };
            // Agreeing with the map says nothing when the map itself changed.
            let same_map = a_row.expected == b_row.expected;
            if !same_values(a_values, b_values, same_map) {
                out.push(FactChange {
                    question: row.question.clone(),
                    fact: row.fact.clone(),
                    label: b_row.label.clone(),
                    channel: channel.to_string(),
                    expected: b_row.expected.clone(),
                    a: a_values.clone(),
                    b: b_values.clone(),
                });
            }
        }
    }
    out
}

/// Two values (judged against one map) mean the same when both agree with
/// it, or when their words are the same.
fn same_meaning(s: &Stated, matches_map: Option<bool>, value: &str) -> bool {
    (s.matches_map == Some(true) && matches_map == Some(true)) || words(&s.value) == words(value)
}

/// The same set of values by meaning; `same_map` says whether both runs
/// were judged against the same map value.
fn same_values(a: &[Stated], b: &[Stated], same_map: bool) -> bool {
    let same = |x: &Stated, y: &Stated| {
        if same_map {
            same_meaning(x, y.matches_map, &y.value)
        } else {
            words(&x.value) == words(&y.value)
        }
    };
    a.iter().all(|x| b.iter().any(|y| same(x, y))) && b.iter().all(|y| a.iter().any(|x| same(x, y)))
}

fn words(s: &str) -> String {
    s.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" ")
}

fn latency(a: &[SlaStats], b: &[SlaStats]) -> Vec<LatencyShift> {
    b.iter()
        .filter_map(|sb| {
            let sa = a.iter().find(|s| s.channel == sb.channel)?;
            Some(LatencyShift {
                channel: sb.channel.clone(),
                sla_ms: sb.sla_ms,
                p50: Shift::new(sa.p50, sb.p50),
                p95: Shift::new(sa.p95, sb.p95),
                max: Shift::new(sa.max, sb.max),
            })
        })
        .collect()
}

/// The terminal summary of a diff.
pub fn summary_lines(d: &Diff) -> Vec<String> {
    let mut out = Vec::new();
    let score = |s: Option<f64>| s.map_or_else(|| "-".to_string(), |s| format!("{s:.0}"));
    out.push(format!(
        "{} — run {} → run {}: score {} → {}",
        one_line(&d.b.company),
        d.a.run_id,
        d.b.run_id,
        score(d.a.score),
        score(d.b.score)
    ));
    out.push(format!(
        "{} answers changed; findings: {} new ({} at or above {}), {} fixed, {} persisting",
        d.facts.len(),
        d.new.len(),
        d.regressions.len(),
        d.fail_on,
        d.fixed.len(),
        d.persisting
    ));
    for c in &d.facts {
        out.push(format!(
            "  changed  {} on {} ({}): {} → {}",
            one_line(&c.label),
            c.channel,
            c.question,
            values_text(&c.a),
            values_text(&c.b)
        ));
    }
    for f in &d.new {
        out.push(format!("  new      {:<8} {}  [{}]", f.severity.name().to_uppercase(), one_line(&f.summary), f.id));
    }
    for f in &d.fixed {
        out.push(format!("  fixed    {:<8} {}  [{}]", f.severity.name().to_uppercase(), one_line(&f.summary), f.id));
    }
    for l in &d.latency {
        let fig = |name: &str, s: &Shift| {
            format!("{name} {} → {}{}", ms_text(s.a_ms), ms_text(s.b_ms), pct_text(s.change_pct))
        };
        out.push(format!("  {}: {}, {}, {}", l.channel, fig("p50", &l.p50), fig("p95", &l.p95), fig("max", &l.max)));
    }
    out
}

/// `£29.99 a month, £39.99 a month`, or `not stated`.
pub fn values_text(values: &[Stated]) -> String {
    if values.is_empty() {
        return "not stated".into();
    }
    values.iter().map(|v| one_line(&v.value)).collect::<Vec<_>>().join(", ")
}

/// `850ms`, `1.2s`, `-`.
pub fn ms_text(ms: Option<f64>) -> String {
    match ms {
        None => "-".into(),
        Some(ms) if ms < 1000.0 => format!("{ms:.0}ms"),
        Some(ms) => format!("{:.1}s", ms / 1000.0),
    }
}

/// ` (+12%)`, ` (±0%)`, or nothing when unknown.
pub fn pct_text(pct: Option<f64>) -> String {
    match pct {
        None => String::new(),
        // Whatever rounds to zero, so -0.3 does not print as "-0%".
        Some(p) if p.abs() < 0.5 => " (±0%)".into(),
        Some(p) => format!(" ({p:+.0}%)"),
    }
}

/// Values are answers from the target: keep a terminal line one line and
/// free of control characters.
fn one_line(s: &str) -> String {
    let flat: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if flat.chars().count() > 120 {
        format!("{}…", flat.chars().take(119).collect::<String>())
    } else {
        flat
    }
}
