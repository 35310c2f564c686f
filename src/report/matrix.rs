//! The consistency matrix: one row per question and fact, one column per
//! channel and customer segment, each cell the values that channel gave,
//! marked as agreeing with the map or not, with the map's value beside them.

use super::labels::Labels;
use super::text;
use crate::verdict::Verdict;
use serde::Serialize;
use std::collections::BTreeSet;

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
    /// `disagree`, `missing` (nobody stated it).
    pub key: &'static str,
    pub label: &'static str,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Cell {
    pub values: Vec<CellValue>,
    pub values_omitted: usize,
    pub not_stated: u64,
    /// The channel was not asked this question for this segment.
    pub empty: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CellValue {
    pub value: String,
    pub count: u64,
    /// `agrees`, `differs` or `unchecked`.
    pub key: &'static str,
    pub label: &'static str,
}

pub fn build(v: &Verdict, labels: &Labels) -> Matrix {
    let columns: Vec<Column> = v
        .matrix
        .iter()
        .flat_map(|r| &r.cells)
        .map(|c| Column { channel: c.channel.clone(), segment: c.segment.clone() })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut groups: Vec<ColumnGroup> = Vec::new();
    for c in &columns {
        match groups.last_mut() {
            Some(g) if g.channel == c.channel => g.span += 1,
            _ => groups.push(ColumnGroup { channel: c.channel.clone(), span: 1 }),
        }
    }
    let segments: BTreeSet<&str> = columns.iter().map(|c| c.segment.as_str()).collect();
    let mut rows: Vec<Row> = v
        .matrix
        .iter()
        .map(|r| {
            let cells = columns
                .iter()
                .map(|col| {
                    let found = r.cells.iter().find(|c| c.channel == col.channel && c.segment == col.segment);
                    match found {
                        None => Cell { empty: true, ..Cell::default() },
                        Some(c) => Cell {
                            values: c.values.iter().take(MAX_VALUES).map(cell_value).collect(),
                            values_omitted: c.values.len().saturating_sub(MAX_VALUES),
                            not_stated: c.not_stated,
                            empty: false,
                        },
                    }
                })
                .collect();
            let values = || r.cells.iter().flat_map(|c| &c.values);
            let status = if values().next().is_none() {
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

fn cell_value(x: &crate::verdict::ValueCount) -> CellValue {
    let (key, label) = match x.matches_map {
        Some(true) => ("agrees", "matches the map"),
        Some(false) => ("differs", "differs from the map"),
        None => ("unchecked", "not checked"),
    };
    CellValue { value: text::clip(&x.value, VALUE_MAX), count: x.count, key, label }
}
