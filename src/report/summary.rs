//! The journey map's summary grid: for walks not drawn as swimlanes — the
//! many one-question walks of a sweep, and scripted walks beyond the lane
//! limit — how customers would feel, tallied per stage and channel.

use super::journey::Grid;
use super::labels::Labels;
use super::view::FeelingView;
use crate::verdict::{Feeling, Walk};
use serde::Serialize;

/// Feelings tallied per stage and channel, for walks not drawn as lanes.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub walks: u64,
    pub rows: Vec<SummaryRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SummaryRow {
    pub channel: String,
    pub cells: Vec<Tally>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    pub touchpoints: u64,
    pub satisfied: u64,
    pub neutral: u64,
    pub frustrated: u64,
    /// The most common feeling, for the cell's icon.
    pub typical: Option<FeelingView>,
}

impl Tally {
    fn add(&mut self, f: Option<Feeling>) {
        self.touchpoints += 1;
        match f {
            Some(Feeling::Satisfied) => self.satisfied += 1,
            Some(Feeling::Neutral) => self.neutral += 1,
            Some(Feeling::Frustrated) => self.frustrated += 1,
            None => {}
        }
    }

    fn finish(&mut self) {
        let all = [
            (Feeling::Frustrated, self.frustrated),
            (Feeling::Neutral, self.neutral),
            (Feeling::Satisfied, self.satisfied),
        ];
        // Ties go to the worse feeling: the report should not flatter.
        self.typical = all.into_iter().filter(|&(_, n)| n > 0).max_by_key(|&(_, n)| n).map(|(f, _)| f.into());
    }
}

/// Tallies the touchpoints of `walks` on the journey's grid.
pub fn build(walks: &[&Walk], grid: &Grid, labels: &Labels) -> Summary {
    let mut rows: Vec<SummaryRow> = grid
        .channels
        .iter()
        .map(|c| SummaryRow { channel: labels.channel(c), cells: vec![Tally::default(); grid.stages.len()] })
        .collect();
    for t in walks.iter().flat_map(|w| &w.touchpoints) {
        let (col, row) = grid.place(t);
        if let Some(cell) = rows.get_mut(row).and_then(|r| r.cells.get_mut(col)) {
            cell.add(t.feeling);
        }
    }
    rows.iter_mut().flat_map(|r| r.cells.iter_mut()).for_each(Tally::finish);
    Summary { walks: walks.len() as u64, rows }
}
