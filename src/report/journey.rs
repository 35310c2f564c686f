//! The journey map: for each journey, a swimlane per scripted walk — stages
//! as columns, channels as rows, one card per touchpoint — and a summary
//! grid for the many one-question walks of a sweep.
//!
//! Cards are placed on the grid here, and the connectors between consecutive
//! touchpoints are computed as percentages of the lane's stage area, so the
//! template can draw them as an SVG overlay without knowing any geometry.

use super::labels::Labels;
use super::summary::{self, Summary};
use super::text;
use super::view::FeelingView;
use crate::record::{RecordedRun, TaskKind};
use crate::verdict::{FactOutcome, JourneyView, SlaStatus, Touchpoint, Walk};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Walks drawn as full swimlanes per journey; the rest join the summary grid.
const MAX_LANES: usize = 8;
/// Touchpoints drawn per lane: a scenario is a handful of steps, a runaway one is not.
const MAX_CARDS: usize = 24;
/// What the customer said, as shown on a card.
const MESSAGE_MAX: usize = 160;

#[derive(Debug, Clone, Serialize)]
pub struct JourneyMap {
    pub anchor: String,
    pub id: String,
    pub name: String,
    pub score: Option<String>,
    pub feeling: Option<FeelingView>,
    pub stages: Vec<StageHead>,
    pub channels: Vec<String>,
    pub lanes: Vec<Lane>,
    /// Walks in the summary grid rather than drawn as lanes.
    pub summarised: u64,
    pub summary: Option<Summary>,
    /// Walks the verdict counted but did not list (its detail limit).
    pub walks_omitted: u64,
    pub walks_total: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct StageHead {
    pub name: String,
    /// A moment of truth.
    pub critical: bool,
    pub feeling: Option<FeelingView>,
    /// "3.8 / 5".
    pub score: Option<String>,
    pub touchpoints: u64,
}

/// One persona's walk through the journey.
#[derive(Debug, Clone, Serialize)]
pub struct Lane {
    pub persona: String,
    pub segment: String,
    pub task: String,
    pub score: Option<String>,
    pub feeling: Option<FeelingView>,
    /// One per channel, in the journey's channel order.
    pub rows: Vec<LaneRow>,
    pub connectors: Vec<Connector>,
    pub cards_omitted: usize,
    pub handoffs_lost: usize,
    /// A short sentence for screen readers and the lane caption.
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LaneRow {
    pub channel: String,
    /// One per stage column; most hold zero or one card.
    pub cells: Vec<Vec<Card>>,
}

/// A line from one touchpoint to the next, in percent of the stage area.
#[derive(Debug, Clone, Serialize)]
pub struct Connector {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
    /// `next` (same channel), `handoff` (channel changed) or `lost` (the
    /// next channel did not recognise what the customer was given).
    pub kind: &'static str,
}

/// One touchpoint as a card on the swimlane.
#[derive(Debug, Clone, Serialize)]
pub struct Card {
    pub step: usize,
    pub transcript: String,
    pub question: Option<String>,
    pub message: String,
    pub feeling: Option<FeelingView>,
    pub critical: bool,
    pub handoff: Option<HandoffMark>,
    /// "Gave the customer a case ref: CASE-83265" — what a later step relies on.
    pub issued: Vec<String>,
    pub facts: Vec<FactChip>,
    pub latency: Option<String>,
    pub sla: Mark,
    pub error: Option<String>,
    pub findings: usize,
    /// Answer-hygiene findings this touchpoint showed.
    pub hygiene: Vec<Badge>,
}

/// "Handoff from chat", and whether the context survived it.
#[derive(Debug, Clone, Serialize)]
pub struct HandoffMark {
    pub from: Option<String>,
    /// The customer quoted something the new channel did not recognise.
    pub lost: bool,
    pub text: String,
}

/// A fact as the card shows it: icon key, and words.
#[derive(Debug, Clone, Serialize)]
pub struct FactChip {
    /// `correct`, `wrong`, `missing`, `unchecked`.
    pub key: &'static str,
    /// The outcome in a word, for the icon's label.
    pub label: &'static str,
    pub text: String,
}

/// A status with a styling key and the words that carry its meaning.
#[derive(Debug, Clone, Serialize)]
pub struct Mark {
    pub key: &'static str,
    pub label: String,
}

/// Whether each walk (by task key) was scripted or a sweep cell: scripted
/// walks are drawn as lanes, sweep cells summarised.
fn task_kinds(run: &RecordedRun) -> HashMap<String, TaskKind> {
    run.exchanges.iter().map(|x| (x.task.key(), x.task.kind)).collect()
}

/// What the journey map needs from the run record besides the verdict.
pub struct Recorded<'a> {
    pub kinds: HashMap<String, TaskKind>,
    /// Values captured per exchange (`seq`): a case reference issued on chat.
    pub captures: HashMap<u64, &'a BTreeMap<String, String>>,
    /// Hygiene findings by id, as the badges on the cards they came from.
    pub hygiene: HashMap<String, Badge>,
}

impl<'a> Recorded<'a> {
    pub fn new(run: &'a RecordedRun) -> Self {
        Recorded {
            kinds: task_kinds(run),
            captures: run.exchanges.iter().map(|x| (x.seq, &x.captures)).collect(),
            hygiene: HashMap::new(),
        }
    }

    /// Badges for the verdict's hygiene findings (a leaked placeholder,
    /// script, another customer's data …) on the cards that showed them.
    pub fn with_hygiene(mut self, v: &crate::verdict::Verdict) -> Self {
        self.hygiene = v
            .findings
            .iter()
            .filter(|f| f.kind.is_hygiene())
            .map(|f| {
                let badge = Badge {
                    label: text::humanize(f.kind.title()),
                    severity: f.severity.name(),
                    anchor: format!("f-{}", f.id),
                };
                (f.id.clone(), badge)
            })
            .collect();
        self
    }
}

/// A hygiene finding on a card: what, how serious, and a link to it.
#[derive(Debug, Clone, Serialize)]
pub struct Badge {
    pub label: String,
    pub severity: &'static str,
    pub anchor: String,
}

/// Builds the map of the `index`-th journey.
pub fn build(index: usize, j: &JourneyView, recorded: &Recorded, labels: &Labels) -> JourneyMap {
    let is_sweep = |w: &Walk| {
        j.sweep || recorded.kinds.get(&w.task).map_or(w.task.starts_with("sweep:"), |k| *k == TaskKind::Sweep)
    };
    let grid = Grid::new(j);
    let (scripted, swept): (Vec<&Walk>, Vec<&Walk>) = j.walks.iter().partition(|w| !is_sweep(w));
    // In the order of the people, not of which walk happened to finish first.
    let mut scripted = scripted;
    scripted.sort_by(|a, b| (labels.persona(&a.persona), &a.task).cmp(&(labels.persona(&b.persona), &b.task)));
    let lanes: Vec<Lane> = scripted.iter().take(MAX_LANES).map(|w| lane(w, &grid, recorded, labels, j)).collect();
    let summarised: Vec<&Walk> = scripted.iter().skip(MAX_LANES).chain(swept.iter()).copied().collect();
    let summary = (!summarised.is_empty()).then(|| summary::build(&summarised, &grid, labels));
    JourneyMap {
        anchor: format!("journey-{}", index + 1),
        id: j.id.clone(),
        name: j.name.clone(),
        score: j.score.map(|s| format!("{s:.0}")),
        feeling: j.feeling.map(FeelingView::from),
        stages: grid
            .stages
            .iter()
            .map(|id| {
                let s = j.stages.iter().find(|s| &s.id == id);
                StageHead {
                    name: s.map_or_else(|| text::humanize(id), |s| s.name.clone()),
                    critical: s.is_some_and(|s| s.critical),
                    feeling: s.and_then(|s| s.feeling).map(FeelingView::from),
                    score: s.and_then(|s| s.score).map(|x| format!("{x:.1} / 5")),
                    touchpoints: s.map_or(0, |s| s.touchpoints),
                }
            })
            .collect(),
        channels: grid.channels.iter().map(|c| labels.channel(c)).collect(),
        lanes,
        summarised: summarised.len() as u64,
        summary,
        walks_omitted: j.walks_omitted,
        walks_total: j.walks.len() as u64 + j.walks_omitted,
    }
}

/// The columns (stages) and rows (channels) of a journey's swimlanes.
pub(super) struct Grid {
    pub(super) stages: Vec<String>,
    pub(super) channels: Vec<String>,
}

/// The column for touchpoints whose stage is not one of the journey's.
const OTHER_STAGE: &str = "other";

impl Grid {
    fn new(j: &JourneyView) -> Grid {
        let mut stages: Vec<String> = j.stages.iter().map(|s| s.id.clone()).collect();
        let mut channels = j.channels.clone();
        for t in j.walks.iter().flat_map(|w| &w.touchpoints) {
            let known = t.stage.as_ref().is_some_and(|s| stages.contains(s));
            if !known && !stages.iter().any(|s| s == OTHER_STAGE) {
                stages.push(OTHER_STAGE.into());
            }
            if !channels.contains(&t.channel) {
                channels.push(t.channel.clone());
            }
        }
        Grid { stages, channels }
    }

    /// (column, row) of a touchpoint.
    pub(super) fn place(&self, t: &Touchpoint) -> (usize, usize) {
        let col = t
            .stage
            .as_ref()
            .and_then(|s| self.stages.iter().position(|x| x == s))
            .or_else(|| self.stages.iter().position(|x| x == OTHER_STAGE))
            .unwrap_or(0);
        let row = self.channels.iter().position(|c| c == &t.channel).unwrap_or(0);
        (col, row)
    }

    /// The centre of a cell, in percent of the stage area.
    fn centre(&self, (col, row): (usize, usize)) -> (f64, f64) {
        let pct = |i: usize, n: usize| ((i as f64 + 0.5) * 1000.0 / n.max(1) as f64).round() / 10.0;
        (pct(col, self.stages.len()), pct(row, self.channels.len()))
    }
}

fn lane(w: &Walk, grid: &Grid, recorded: &Recorded, labels: &Labels, j: &JourneyView) -> Lane {
    // Values a later step must recognise: the cards that issued them say so.
    let handed_on: BTreeSet<&str> =
        w.touchpoints.iter().filter_map(|t| t.handoff.as_ref()).map(|h| h.name.as_str()).collect();
    let mut rows: Vec<LaneRow> = grid
        .channels
        .iter()
        .map(|c| LaneRow { channel: labels.channel(c), cells: vec![Vec::new(); grid.stages.len()] })
        .collect();
    let mut steps: Vec<&Touchpoint> = w.touchpoints.iter().collect();
    steps.sort_by_key(|t| (t.step, t.seq));
    let shown = &steps[..steps.len().min(MAX_CARDS)];
    let mut connectors = Vec::new();
    let mut previous: Option<((usize, usize), &Touchpoint)> = None;
    for t in shown {
        let at = grid.place(t);
        if let Some((from, prev)) = previous {
            if from != at {
                let ((x1, y1), (x2, y2)) = (grid.centre(from), grid.centre(at));
                let kind = if lost(t) {
                    "lost"
                } else if prev.channel != t.channel {
                    "handoff"
                } else {
                    "next"
                };
                connectors.push(Connector { x1, y1, x2, y2, kind });
            }
        }
        previous = Some((at, t));
        if let Some(row) = rows.get_mut(at.1) {
            if let Some(cell) = row.cells.get_mut(at.0) {
                let mut c = card(t, labels);
                c.hygiene = t.findings.iter().filter_map(|id| recorded.hygiene.get(id).cloned()).collect();
                if let Some(captured) = recorded.captures.get(&t.seq) {
                    c.issued = captured
                        .iter()
                        .filter(|(name, _)| handed_on.contains(name.as_str()))
                        .map(|(name, value)| {
                            format!(
                                "Gave the customer a {}: {}",
                                text::humanize(name).to_lowercase(),
                                text::clip(value, 60)
                            )
                        })
                        .collect();
                }
                cell.push(c);
            }
        }
    }
    let handoffs_lost = shown.iter().filter(|t| lost(t)).count();
    let persona = labels.persona(&w.persona);
    let feeling = w.feeling.map(FeelingView::from);
    let description = format!(
        "{persona} ({}) through {}: {} touchpoints{}{}.",
        w.segment,
        j.name,
        w.touchpoints.len(),
        feeling.map_or(String::new(), |f| format!(", overall {}", f.label.to_lowercase())),
        if handoffs_lost > 0 { format!(", {handoffs_lost} handoff lost context") } else { String::new() },
    );
    Lane {
        persona,
        segment: w.segment.clone(),
        task: w.task.clone(),
        score: w.score.map(|s| format!("{s:.0}")),
        feeling,
        rows,
        connectors,
        cards_omitted: steps.len() - shown.len(),
        handoffs_lost,
        description,
    }
}

fn lost(t: &Touchpoint) -> bool {
    t.handoff.as_ref().is_some_and(|h| !h.recognised)
}

fn card(t: &Touchpoint, labels: &Labels) -> Card {
    let handoff = match (&t.handoff, &t.handoff_from) {
        (Some(h), from) => {
            let from = h.from_channel.clone().or_else(|| from.clone()).map(|c| labels.channel(&c));
            let origin = from.as_ref().map_or(String::new(), |c| format!(" from {c}"));
            let text = if h.recognised {
                format!("Handoff{origin}: recognised {}", h.value)
            } else {
                let why = h.reason.as_ref().map_or(String::new(), |r| format!(" — {r}"));
                format!("Lost context{origin}: did not recognise {}{why}", h.value)
            };
            Some(HandoffMark { from, lost: !h.recognised, text })
        }
        (None, Some(from)) => {
            let from = labels.channel(from);
            Some(HandoffMark { text: format!("Handoff from {from}"), from: Some(from), lost: false })
        }
        (None, None) => None,
    };
    Card {
        step: t.step + 1,
        transcript: format!("x-{}", t.seq),
        question: t.question.as_deref().map(|q| labels.question(q)),
        message: text::clip(&t.message, MESSAGE_MAX),
        feeling: t.feeling.map(FeelingView::from),
        critical: t.critical,
        handoff,
        issued: Vec::new(),
        facts: t.facts.iter().map(|f| fact_chip(f, labels)).collect(),
        latency: t.latency.map(|l| text::interval_ms(l.earliest_ms, l.latest_ms)),
        sla: sla_mark(t.sla, t.sla_ms),
        error: t.error.as_ref().map(|e| text::clip(&format!("{}: {}", e.kind, e.message), 200)),
        findings: t.findings.len(),
        hygiene: Vec::new(),
    }
}

fn fact_chip(f: &crate::verdict::FactCheck, labels: &Labels) -> FactChip {
    let label = labels.fact(&f.fact);
    let found = f.found.as_deref().map(|v| text::clip(v, 60));
    match f.outcome {
        FactOutcome::Correct => {
            FactChip { key: "correct", label: "correct", text: format!("{label}: {}", found.unwrap_or_default()) }
        }
        FactOutcome::Wrong => FactChip {
            key: "wrong",
            label: "wrong",
            text: format!(
                "{label}: said {} (map: {})",
                found.unwrap_or_else(|| "?".into()),
                f.expected.as_deref().unwrap_or("?")
            ),
        },
        FactOutcome::NotStated => {
            FactChip { key: "missing", label: "not stated", text: format!("{label}: not stated") }
        }
        FactOutcome::Unchecked => FactChip {
            key: "unchecked",
            label: "not checked",
            text: format!("{label}: {} (not checked)", found.unwrap_or_default()),
        },
    }
}

/// The reply time against the channel's service level, in words.
pub fn sla_mark(status: SlaStatus, sla_ms: Option<f64>) -> Mark {
    let sla = sla_ms.map(text::duration_ms).unwrap_or_default();
    match status {
        SlaStatus::Met => Mark { key: "met", label: format!("within SLA ({sla})") },
        SlaStatus::PossibleBreach => Mark { key: "possible", label: format!("possibly over SLA ({sla})") },
        SlaStatus::Breach => Mark { key: "breach", label: format!("over SLA ({sla})") },
        SlaStatus::NoSla => Mark { key: "none", label: "no SLA set".into() },
        SlaStatus::NoReply => Mark { key: "noreply", label: "no reply".into() },
    }
}
