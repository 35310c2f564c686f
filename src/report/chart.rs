//! What every chart shares: its frame (the drawing size and the margins
//! around the plot), the plot rectangle, axis ticks and rounding. Charts are
//! numbers and labels drawn by the templates (see `svg.rs`, `trend.rs`).

use serde::Serialize;

/// A chart's size in SVG user units and the margins around its plot.
pub struct Frame {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

impl Frame {
    /// The rectangle inside the margins, where the data is drawn.
    pub const fn plot(&self) -> Rect {
        Rect {
            x: self.left,
            y: self.top,
            w: self.width - self.left - self.right,
            h: self.height - self.top - self.bottom,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// A labelled tick: x on a horizontal axis, y on a vertical one.
#[derive(Debug, Clone, Serialize)]
pub struct Tick {
    pub at: f64,
    pub label: String,
}

/// Rounded to a tenth of a unit: short SVG, no visible difference.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
