//! Chart geometry. Charts are computed here as plain numbers and labels —
//! bar rectangles, tick positions, marker lines — and drawn as inline SVG by
//! the templates, so no markup is ever assembled in Rust and every label
//! goes through the template's escaping.

use super::chart::{round1, Frame, Rect, Tick};
use super::text::duration_ms;
use serde::Serialize;

/// The drawing size in SVG user units (the SVG scales to its container);
/// the top margin holds the marker labels.
const FRAME: Frame = Frame { width: 540.0, height: 200.0, left: 44.0, right: 18.0, top: 46.0, bottom: 38.0 };
/// Bars in a histogram: fine enough to show a shape, coarse enough to read.
const BINS: usize = 24;

/// A histogram of reply times with the service level and percentiles marked.
#[derive(Debug, Clone, Serialize)]
pub struct Histogram {
    pub width: f64,
    pub height: f64,
    pub plot: Rect,
    pub bars: Vec<Bar>,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
    pub sla: Option<Marker>,
    pub markers: Vec<Marker>,
    /// The chart in one sentence, for screen readers.
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// The bin starts at or beyond the service level.
    pub over: bool,
    /// "3 replies took 1.2–1.4 s".
    pub title: String,
}

/// A vertical line across the plot with a label above it.
#[derive(Debug, Clone, Serialize)]
pub struct Marker {
    pub x: f64,
    pub label: String,
    /// Label line above the plot (0 or 1), so close markers do not overlap;
    /// the SLA's label sits on a line of its own above both.
    pub row: u8,
    /// Label anchored to the line's end rather than its start, near the right edge.
    pub anchor_end: bool,
}

/// The smallest 1, 2 or 5 × 10ⁿ at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude)
}

/// A histogram of `values_ms`; None when there are no values to draw.
/// `markers` are (name, ms) pairs such as ("p50", 812.0).
pub fn histogram(values_ms: &[f64], sla_ms: Option<f64>, markers: &[(&str, f64)]) -> Option<Histogram> {
    let values: Vec<f64> = values_ms.iter().copied().filter(|v| v.is_finite() && *v >= 0.0).collect();
    let max = values.iter().copied().fold(f64::NAN, f64::max);
    if values.is_empty() || !max.is_finite() {
        return None;
    }
    let wanted = max.max(sla_ms.map_or(0.0, |s| s * 1.15)).max(1.0);
    let step = nice_step(wanted / 5.0);
    let domain = (wanted / step).ceil() * step;
    let plot: Rect = FRAME.plot();
    let x_of = |ms: f64| round1(plot.x + (ms / domain).clamp(0.0, 1.0) * plot.w);

    let bin_ms = domain / BINS as f64;
    let mut counts = [0u64; BINS];
    for v in &values {
        let i = ((v / bin_ms) as usize).min(BINS - 1);
        counts[i] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(1).max(1);
    let y_step = nice_step(top as f64 / 4.0).max(1.0);
    let y_max = (top as f64 / y_step).ceil() * y_step;
    let y_of = |n: f64| round1(plot.y + plot.h - n / y_max * plot.h);
    let bar_w = plot.w / BINS as f64;
    let bars = counts
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(i, &n)| {
            let (lo, hi) = (i as f64 * bin_ms, (i + 1) as f64 * bin_ms);
            let y = y_of(n as f64);
            Bar {
                x: round1(plot.x + i as f64 * bar_w + 1.0),
                y,
                w: round1((bar_w - 2.0).max(1.0)),
                h: round1(plot.y + plot.h - y),
                over: sla_ms.is_some_and(|s| lo >= s),
                title: format!(
                    "{n} {} took {}–{}",
                    if n == 1 { "reply" } else { "replies" },
                    duration_ms(lo),
                    duration_ms(hi)
                ),
            }
        })
        .collect();
    let x_ticks = (0..)
        .map(|i| i as f64 * step)
        .take_while(|ms| *ms <= domain + step / 2.0)
        .map(|ms| Tick { at: x_of(ms), label: duration_ms(ms) })
        .collect();
    let y_ticks = (0..)
        .map(|i| i as f64 * y_step)
        .take_while(|n| *n <= y_max)
        .map(|n| Tick { at: y_of(n), label: format!("{n:.0}") })
        .collect();
    let near_right = |x: f64| x > plot.x + plot.w * 0.8;
    let sla = sla_ms.map(|s| {
        let x = x_of(s);
        Marker { x, label: format!("SLA {}", duration_ms(s)), row: 0, anchor_end: near_right(x) }
    });
    let mut placed: Vec<Marker> = Vec::new();
    for (name, ms) in markers.iter().filter(|(_, ms)| ms.is_finite()) {
        let x = x_of(*ms);
        // The SLA label has its own line; percentile labels alternate between
        // two lines below it when they would collide with the previous one.
        let crowded = placed.last().is_some_and(|m| (m.x - x).abs() < 70.0 && m.row == 0);
        placed.push(Marker {
            x,
            label: format!("{name} {}", duration_ms(*ms)),
            row: u8::from(crowded),
            anchor_end: near_right(x),
        });
    }
    let description = format!(
        "Histogram of {} reply times from 0 to {}{}.",
        values.len(),
        duration_ms(domain),
        sla_ms.map_or(String::new(), |s| {
            let over = values.iter().filter(|v| **v > s).count();
            format!("; service level {} marked; {over} above it", duration_ms(s))
        })
    );
    Some(Histogram {
        width: FRAME.width,
        height: FRAME.height,
        plot,
        bars,
        x_ticks,
        y_ticks,
        sla,
        markers: placed,
        description,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(0.3), 0.5);
        assert_eq!(nice_step(230.0), 500.0);
        assert_eq!(nice_step(1000.0), 1000.0);
        assert_eq!(nice_step(f64::NAN), 1.0);
    }

    #[test]
    fn bars_stay_inside_the_plot() {
        let h = histogram(&[100.0, 900.0, 2500.0, 2500.0], Some(2000.0), &[("p50", 900.0)]).unwrap();
        for b in &h.bars {
            assert!(b.x >= h.plot.x && b.x + b.w <= h.plot.x + h.plot.w + 0.5, "{b:?}");
            assert!(b.y >= h.plot.y - 0.1 && b.y + b.h <= h.plot.y + h.plot.h + 0.1, "{b:?}");
        }
        assert_eq!(h.bars.iter().filter(|b| b.over).count(), 1);
        assert!(histogram(&[], None, &[]).is_none());
        assert!(histogram(&[f64::NAN], None, &[]).is_none());
    }
}
