//! Trends across audits: small charts of the last comparable runs — the
//! score, findings by severity, each channel's p95 reply time against its
//! service level — from the run history ([`crate::history::Trend`]).
//!
//! As in `svg.rs`, the geometry is computed here as numbers and drawn by
//! the templates, so every label goes through escaping. Shared by the
//! report and `touchpoint history --html`.

use super::chart::{round1 as r1, Frame, Rect as Plot, Tick};
use super::labels::Labels;
use super::text;
use crate::history::trend::{Point, Trend};
use crate::verdict::Severity;
use serde::Serialize;

const FRAME: Frame = Frame { width: 320.0, height: 130.0, left: 52.0, right: 10.0, top: 12.0, bottom: 24.0 };

#[derive(Debug, Clone, Serialize)]
pub struct TrendView {
    pub runs: usize,
    /// "2 Dec 2025, 09:00 UTC" of the first and the last run shown.
    pub from: String,
    pub to: String,
    pub score: Chart,
    pub findings: Chart,
    pub channels: Vec<ChannelChart>,
    /// The series it is: suite and target.
    pub caption: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChannelChart {
    pub channel: String,
    /// "p95 2.1 s, SLA 1 s (last run)".
    pub latest: String,
    /// `met` or `breach` for the last run: the card's colour key (words say it too).
    pub key: &'static str,
    pub chart: Chart,
}

/// One small chart: lines (with gaps) or stacked bars, a reference line,
/// two or three y ticks, and the first and last run on the x axis.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Chart {
    pub width: f64,
    pub height: f64,
    pub plot: Plot,
    /// SVG path data of the line, one per unbroken stretch; numbers only.
    pub lines: Vec<String>,
    pub dots: Vec<Dot>,
    pub bars: Vec<Bar>,
    pub reference: Option<Reference>,
    pub y_ticks: Vec<Tick>,
    pub x_labels: Vec<Tick>,
    /// The chart in one sentence, for screen readers.
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dot {
    pub x: f64,
    pub y: f64,
    pub title: String,
    /// Above the reference line (over the SLA).
    pub over: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// The severity key, for the colour.
    pub key: &'static str,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Reference {
    pub y: f64,
    pub label: String,
}

fn plot() -> Plot {
    FRAME.plot()
}

/// The x position of run `i` of `n`.
fn x_of(p: &Plot, i: usize, n: usize) -> f64 {
    if n <= 1 {
        return r1(p.x + p.w / 2.0);
    }
    r1(p.x + p.w * i as f64 / (n - 1) as f64)
}

fn x_labels(p: &Plot, points: &[Point]) -> Vec<Tick> {
    let short = |pt: &Point| pt.started_at.format("%-d %b %H:%M").to_string();
    match points {
        [] => Vec::new(),
        [one] => vec![Tick { at: x_of(p, 0, 1), label: short(one) }],
        [first, .., last] => vec![
            Tick { at: x_of(p, 0, points.len()), label: short(first) },
            Tick { at: x_of(p, points.len() - 1, points.len()), label: short(last) },
        ],
    }
}

/// A line over the runs; None values break it. `max` is the top of the y axis.
fn line(points: &[Point], values: &[Option<f64>], max: f64, label: impl Fn(f64) -> String) -> Chart {
    let p = plot();
    let max = if max.is_finite() && max > 0.0 { max } else { 1.0 };
    let y_of = |v: f64| r1(p.y + p.h - (v / max).clamp(0.0, 1.0) * p.h);
    let n = values.len();
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut dots = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) if v.is_finite() => {
                let (x, y) = (x_of(&p, i, n), y_of(*v));
                current.push_str(&format!("{}{x} {y}", if current.is_empty() { "M" } else { " L" }));
                let run = points.get(i).map(|pt| text::date_time(&pt.started_at)).unwrap_or_default();
                dots.push(Dot { x, y, title: format!("{run}: {}", label(*v)), over: false });
            }
            _ => {
                if !current.is_empty() {
                    lines.push(std::mem::take(&mut current));
                }
            }
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    let y_ticks = [0.0, max / 2.0, max].into_iter().map(|v| Tick { at: y_of(v), label: label(v) }).collect::<Vec<_>>();
    Chart {
        width: FRAME.width,
        height: FRAME.height,
        plot: p,
        lines,
        dots,
        bars: Vec::new(),
        reference: None,
        y_ticks,
        x_labels: x_labels(&p, points),
        description: String::new(),
    }
}

/// The view of a trend, or None when it has fewer than two runs.
pub fn build(trend: &Trend, labels: &Labels, caption: String) -> Option<TrendView> {
    let points = &trend.points;
    if points.len() < 2 {
        return None;
    }
    let (first, last) = (points.first()?, points.last()?);

    let scores: Vec<Option<f64>> = points.iter().map(|p| p.score).collect();
    let mut score = line(points, &scores, 100.0, |v| format!("{v:.0}"));
    let known: Vec<f64> = scores.iter().flatten().copied().collect();
    score.description = match (known.first(), known.last()) {
        (Some(a), Some(b)) => format!("Score over {} runs, from {a:.0} to {b:.0} out of 100.", points.len()),
        _ => format!("No score in the last {} runs.", points.len()),
    };

    // Findings by severity: one stacked bar per run, most severe at the bottom.
    let p = plot();
    let totals: Vec<u64> = points.iter().map(|pt| Severity::ALL.iter().map(|s| pt.count(*s)).sum()).collect();
    let top = totals.iter().copied().max().unwrap_or(0).max(1) as f64;
    let slot = p.w / points.len() as f64;
    let mut bars = Vec::new();
    for (i, pt) in points.iter().enumerate() {
        let mut base = p.y + p.h;
        for s in Severity::ALL {
            let n = pt.count(s);
            if n == 0 {
                continue;
            }
            let h = n as f64 / top * p.h;
            base -= h;
            bars.push(Bar {
                x: r1(p.x + slot * i as f64 + slot * 0.15),
                y: r1(base),
                w: r1(slot * 0.7),
                h: r1(h),
                key: s.name(),
                title: format!("{}: {n} {}", text::date_time(&pt.started_at), s.name()),
            });
        }
    }
    let y_of = |v: f64| r1(p.y + p.h - v / top * p.h);
    let bar_x = |i: usize| r1(p.x + slot * i as f64 + slot / 2.0);
    let findings = Chart {
        width: FRAME.width,
        height: FRAME.height,
        plot: p,
        bars,
        y_ticks: [0.0, top].into_iter().map(|v| Tick { at: y_of(v), label: format!("{v:.0}") }).collect(),
        x_labels: vec![
            Tick { at: bar_x(0), label: first.started_at.format("%-d %b %H:%M").to_string() },
            Tick { at: bar_x(points.len() - 1), label: last.started_at.format("%-d %b %H:%M").to_string() },
        ],
        description: format!(
            "Findings per run over {} runs, from {} to {}.",
            points.len(),
            totals.first().copied().unwrap_or(0),
            totals.last().copied().unwrap_or(0)
        ),
        ..Chart::default()
    };

    // Per channel: p95 against the SLA, for every channel the last run had.
    let channels = last
        .channels
        .iter()
        .map(|c| {
            let values: Vec<Option<f64>> = points
                .iter()
                .map(|pt| pt.channels.iter().find(|x| x.channel == c.channel).and_then(|x| x.p95_ms))
                .collect();
            let sla = c.sla_ms;
            let max = values.iter().flatten().copied().fold(sla.unwrap_or(0.0) * 1.2, f64::max) * 1.1;
            let mut chart = line(points, &values, max, text::duration_ms);
            if let Some(s) = sla {
                let y = r1(chart.plot.y + chart.plot.h - (s / max).clamp(0.0, 1.0) * chart.plot.h);
                chart.reference = Some(Reference { y, label: format!("SLA {}", text::duration_ms(s)) });
                for d in &mut chart.dots {
                    d.over = d.y < y;
                }
            }
            let name = labels.channel(&c.channel);
            let over = matches!((c.p95_ms, sla), (Some(p), Some(s)) if p > s);
            chart.description = format!(
                "{name}: 95th percentile reply time over {} runs{}.",
                points.len(),
                sla.map_or(String::new(), |s| format!(" against its {} service level", text::duration_ms(s)))
            );
            ChannelChart {
                latest: format!(
                    "p95 {}, SLA {} (last run)",
                    c.p95_ms.map_or_else(|| "–".into(), text::duration_ms),
                    sla.map_or_else(|| "not set".into(), text::duration_ms)
                ),
                key: if over { "breach" } else { "met" },
                channel: name,
                chart,
            }
        })
        .collect();
    Some(TrendView {
        runs: points.len(),
        from: text::date_time(&first.started_at),
        to: text::date_time(&last.started_at),
        score,
        findings,
        channels,
        caption,
    })
}
