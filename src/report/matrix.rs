//! The consistency matrix: one row per question and fact, one column per
//! channel and customer segment, each cell the values that channel gave,
//! marked as agreeing with the map or not, with the map's value beside them.

use super::labels::Labels;
use super::text;
use crate::record::RecordedRun;
use crate::verdict::{EmptyCell, Verdict};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// Distinct values shown per cell; hostile answers could state dozens.
const MAX_VALUES: usize = 4;
/// A value as shown in a cell.
const VALUE_MAX: usize = 80;

#[derive(Debug, Clone, Serialize)]
pub struct Matrix {
    /// Channels across the top, each spanning its segments.
    pub groups: Vec<ColumnGroup>,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    pub rows_consistent: usize,
    /// Segments differ between columns: worth the second header row.
    pub by_segment: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ColumnGroup {
    /// The channel's key, and its name for people.
    pub id: String,
    pub channel: String,
    pub span: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Column {
    pub channel: String,
    pub segment: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub question: String,
    /// Rows of one question share its header cell: the span on the first,
    /// 0 on the others.
    pub question_span: usize,
    pub fact: String,
    pub expected: Option<String>,
    pub status: Status,
    /// One per column, in column order.
    pub cells: Vec<Cell>,
}

/// The row's agreement at a glance: a key for the icon, words for the meaning.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// `agree`, `wrong` (channels agree with each other, not the map),
    /// `disagree`, `missing` (nobody stated it), `noreply` (nobody answered).
    pub key: &'static str,
    pub label: &'static str,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Cell {
    pub values: Vec<CellValue>,
    pub values_omitted: usize,
    pub not_stated: u64,
    /// Times this question got no usable reply here (errors, timeouts).
    pub no_reply: u64,
    /// Why the cell has nothing to show; None when it has values.
    pub empty: Option<Empty>,
}

/// Why a matrix cell is empty, never left for the reader to guess.
#[derive(Debug, Clone, Serialize)]
pub struct Empty {
    /// `noreply`, `notasked`, `notstated`, `notchecked` or `unknown`: a styling key.
    pub key: &'static str,
    pub label: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct CellValue {
    pub value: String,
    pub count: u64,
    /// `agrees`, `differs` or `unchecked`.
    pub key: &'static str,
    pub label: &'static str,
}

/// What the run record says about one column of one question: how often
/// it was asked there and how often no usable reply came.
#[derive(Debug, Default, Clone, Copy)]
struct Asked {
    times: u64,
    no_reply: u64,
}

pub fn build(v: &Verdict, run: &RecordedRun, labels: &Labels) -> Matrix {
    // Every channel and segment that answered, and those asked that never
    // did (an unreachable channel is a column of "no usable reply").
    let questions: BTreeSet<&str> = v.matrix.iter().map(|r| r.question.as_str()).collect();
    let columns: Vec<Column> = v
        .matrix
        .iter()
        .flat_map(|r| &r.cells)
        .map(|c| Column { channel: c.channel.clone(), segment: c.segment.clone() })
        .chain(
            run.exchanges
                .iter()
                .filter(|x| x.question.as_deref().is_some_and(|q| questions.contains(q)))
                .map(|x| Column { channel: x.channel.clone(), segment: x.persona_segment.clone() }),
        )
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut groups: Vec<ColumnGroup> = Vec::new();
    for c in &columns {
        match groups.last_mut() {
            Some(g) if g.id == c.channel => g.span += 1,
            _ => groups.push(ColumnGroup { id: c.channel.clone(), channel: labels.channel(&c.channel), span: 1 }),
        }
    }
    // Why a cell is empty is in the record: asked and failed, or never asked.
    let mut asked: HashMap<(&str, &str, &str), Asked> = HashMap::new();
    for x in &run.exchanges {
        let Some(q) = x.question.as_deref() else { continue };
        let a = asked.entry((q, x.channel.as_str(), x.persona_segment.as_str())).or_default();
        a.times += 1;
        if x.reply.is_none() || x.error.is_some() {
            a.no_reply += 1;
        }
    }
    let sampled = (run.exchanges.len() as u64) < v.counts.exchanges;
    let segments: BTreeSet<&str> = columns.iter().map(|c| c.segment.as_str()).collect();
    let mut rows: Vec<Row> = v
        .matrix
        .iter()
        .map(|r| {
            let cells = columns
                .iter()
                .map(|col| {
                    let found = r.cells.iter().find(|c| c.channel == col.channel && c.segment == col.segment);
                    let a = asked
                        .get(&(r.question.as_str(), col.channel.as_str(), col.segment.as_str()))
                        .copied()
                        .unwrap_or_default();
                    let mut cell = match found {
                        None => Cell::default(),
                        Some(c) => Cell {
                            values: c.values.iter().take(MAX_VALUES).map(cell_value).collect(),
                            values_omitted: c.values.len().saturating_sub(MAX_VALUES),
                            not_stated: c.not_stated,
                            ..Cell::default()
                        },
                    };
                    // The verdict says why a cell is empty (schema 3); a
                    // verdict written before is read from the run record.
                    if let Some(c) = found.filter(|c| c.empty.is_some() || c.no_reply > 0) {
                        cell.no_reply = c.no_reply;
                        if cell.values.is_empty() && cell.not_stated == 0 {
                            cell.empty = c.empty.map(empty);
                            cell.no_reply = 0;
                        }
                        return cell;
                    }
                    cell.no_reply = a.no_reply;
                    if cell.values.is_empty() && cell.not_stated == 0 {
                        cell.empty = Some(if a.times > 0 {
                            Empty { key: "noreply", label: "no usable reply" }
                        } else if sampled {
                            Empty { key: "unknown", label: "no answer in the exchanges kept for this report" }
                        } else {
                            Empty { key: "notasked", label: "not asked" }
                        });
                        // The reason says it already.
                        cell.no_reply = 0;
                    }
                    cell
                })
                .collect();
            let values = || r.cells.iter().flat_map(|c| &c.values);
            let stated = r.cells.iter().any(|c| c.not_stated > 0);
            let no_reply = r.cells.iter().any(|c| c.no_reply > 0 || c.empty == Some(EmptyCell::NoUsableReply));
            let status = if values().next().is_none() && !stated && no_reply {
                // Nobody answered at all: not a fact nobody states.
                Status { key: "noreply", label: "No usable reply anywhere" }
            } else if values().next().is_none() {
                Status { key: "missing", label: "Not stated anywhere" }
            } else if !r.consistent {
                Status { key: "disagree", label: "Channels disagree" }
            } else if values().any(|x| x.matches_map == Some(false)) {
                Status { key: "wrong", label: "Consistent, but not the map's value" }
            } else {
                Status { key: "agree", label: "All agree" }
            };
            Row {
                question: labels.question(&r.question),
                question_span: 1,
                fact: labels.fact(&r.fact),
                expected: r.expected.clone(),
                status,
                cells,
            }
        })
        .collect();
    // Merge the question header over consecutive rows of one question.
    let mut i = 0;
    while i < rows.len() {
        let n = rows[i..].iter().take_while(|r| r.question == rows[i].question).count();
        rows[i].question_span = n;
        for r in &mut rows[i + 1..i + n] {
            r.question_span = 0;
        }
        i += n;
    }
    Matrix {
        rows_consistent: rows.iter().filter(|r| r.status.key == "agree").count(),
        by_segment: segments.len() > 1,
        groups,
        columns,
        rows,
    }
}

fn empty(reason: EmptyCell) -> Empty {
    let key = match reason {
        EmptyCell::NotAsked => "notasked",
        EmptyCell::NoUsableReply => "noreply",
        EmptyCell::NotStated => "notstated",
        EmptyCell::NotChecked => "notchecked",
    };
    Empty { key, label: reason.label() }
}

fn cell_value(x: &crate::verdict::ValueCount) -> CellValue {
    let (key, label) = match x.matches_map {
        Some(true) => ("agrees", "matches the map"),
        Some(false) => ("differs", "differs from the map"),
        None => ("unchecked", "not checked"),
    };
    CellValue { value: text::clip(&x.value, VALUE_MAX), count: x.count, key, label }
}
