//! The consistency matrix: one row per question and fact, one cell per channel × segment.

use super::*;

/// One row of the consistency matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatrixRow {
    pub question: String,
    pub fact: String,
    pub label: String,
    pub expected: Option<String>,
    /// One per channel and segment, sorted.
    pub cells: Vec<MatrixCell>,
    /// Every stated value agrees with every other.
    pub consistent: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatrixCell {
    pub channel: String,
    pub segment: String,
    /// Distinct values by meaning, most frequent first.
    pub values: Vec<ValueCount>,
    pub not_stated: u64,
    /// Times the question was asked here without a usable reply (every
    /// attempt failed, or the reply was empty).
    #[serde(default)]
    pub no_reply: u64,
    /// Why the cell shows no value; None when it has values (or in a
    /// verdict written before the reason was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty: Option<EmptyCell>,
}

/// Why a matrix cell has no value, never left for the reader to guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmptyCell {
    /// The question was never asked on this channel to this segment.
    NotAsked,
    /// Asked, but every exchange failed or came back empty.
    NoUsableReply,
    /// Asked and answered; no answer stated the fact.
    NotStated,
    /// Asked, but nothing about the company was learned: the step was not
    /// sent (the run stopped, its budget ran out) or the suite made it fail.
    NotChecked,
}

impl EmptyCell {
    /// The words a report shows in the cell.
    pub fn label(self) -> &'static str {
        match self {
            EmptyCell::NotAsked => "not asked",
            EmptyCell::NoUsableReply => "no usable reply",
            EmptyCell::NotStated => "not stated",
            EmptyCell::NotChecked => "not checked",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueCount {
    /// The value as first displayed.
    pub value: String,
    pub count: u64,
    /// Agrees with the map; None when the map value could not be read.
    pub matches_map: Option<bool>,
}
