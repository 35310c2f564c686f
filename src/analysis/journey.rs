//! Journeys as walked: every touchpoint placed at its journey, stage and
//! channel — the swimlane the HTML report draws — with scores per walk,
//! stage and journey.
//!
//! Sweep answers belong to the sweep's journey and stage when it names them,
//! else to a pseudo-journey, "Consistency sweep", whose columns are the
//! questions asked.
//!
//! Only the first `detail_limit` touchpoints are kept as views; later ones
//! still count in every score, so a million-exchange run stays bounded.

use super::feeling::Score;
use crate::record::{Task, TaskKind};
use crate::suite::Suite;
use crate::verdict::{Feeling, JourneyView, StageView, Touchpoint, Walk};
use rustc_hash::FxHashMap;

/// The id and name of the pseudo-journey for sweep answers without a journey.
pub const SWEEP_JOURNEY: &str = "consistency-sweep";
const SWEEP_JOURNEY_NAME: &str = "Consistency sweep";

/// Where a touchpoint goes.
#[derive(Debug, Clone, Copy)]
pub struct Placement<'a> {
    pub journey: &'a str,
    /// The stage column (for the pseudo-journey: the question).
    pub stage: &'a str,
    pub critical: bool,
}

struct StageAcc<'a> {
    id: &'a str,
    name: String,
    critical: bool,
    touchpoints: u64,
    score: Score,
}

struct WalkAcc {
    walk: Walk,
    score: Score,
}

struct JourneyAcc<'a> {
    id: &'a str,
    name: String,
    sweep: bool,
    stages: Vec<StageAcc<'a>>,
    /// Each channel with the earliest step it was used at.
    channels: Vec<(&'a str, usize)>,
    score: Score,
    walks: Vec<WalkAcc>,
    walks_omitted: u64,
}

pub struct Journeys<'a> {
    list: Vec<JourneyAcc<'a>>,
    index: FxHashMap<&'a str, usize>,
    /// Stored walks: task → (journey, walk) indices.
    walks: FxHashMap<&'a Task, (usize, usize)>,
    /// Touchpoints still to be kept as views.
    room: usize,
    pub touchpoints_omitted: u64,
}

impl<'a> Journeys<'a> {
    /// Every journey of the map, in map order, even those nobody walked: the
    /// report draws the intended journey either way.
    pub fn new(suite: &'a Suite, detail_limit: usize) -> Self {
        let mut j = Journeys {
            list: Vec::new(),
            index: FxHashMap::default(),
            walks: FxHashMap::default(),
            room: detail_limit,
            touchpoints_omitted: 0,
        };
        for journey in &suite.map.journeys {
            let i = j.journey(&journey.id, journey.title().to_string(), false);
            for s in &journey.stages {
                j.list[i].stages.push(StageAcc {
                    id: &s.id,
                    name: s.name.clone().unwrap_or_else(|| s.id.clone()),
                    critical: s.critical,
                    touchpoints: 0,
                    score: Score::default(),
                });
            }
        }
        j
    }

    fn journey(&mut self, id: &'a str, name: String, sweep: bool) -> usize {
        let list = &mut self.list;
        *self.index.entry(id).or_insert_with(|| {
            list.push(JourneyAcc {
                id,
                name,
                sweep,
                stages: Vec::new(),
                channels: Vec::new(),
                score: Score::default(),
                walks: Vec::new(),
                walks_omitted: 0,
            });
            list.len() - 1
        })
    }

    /// The display name of a journey (the pseudo-journey's too).
    pub fn name(suite: &Suite, id: &str) -> String {
        match suite.map.journey(id) {
            Some(j) => j.title().to_string(),
            None if id == SWEEP_JOURNEY => SWEEP_JOURNEY_NAME.to_string(),
            None => id.to_string(),
        }
    }

    /// Adds one touchpoint. `view` builds it only while there is room.
    /// `kept` is the task interned for the pass, for scenario walks (a sweep
    /// cell is a walk of one step, never looked up again).
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &mut self,
        at: Placement<'a>,
        task: &Task,
        kept: Option<&'a Task>,
        step: usize,
        segment: &str,
        channel: &'a str,
        score: Option<f64>,
        view: impl FnOnce() -> Touchpoint,
    ) {
        let sweep = at.journey == SWEEP_JOURNEY;
        let name = if sweep { SWEEP_JOURNEY_NAME.to_string() } else { at.journey.to_string() };
        let ji = self.journey(at.journey, name, sweep);
        let journey = &mut self.list[ji];
        journey.score.add(score, at.critical);
        match journey.channels.iter_mut().find(|(c, _)| *c == channel) {
            Some((_, first)) => *first = (*first).min(step),
            None => journey.channels.push((channel, step)),
        }
        let first_step = step == 0;
        let stage = match journey.stages.iter().position(|s| s.id == at.stage) {
            Some(i) => i,
            None => {
                journey.stages.push(StageAcc {
                    id: at.stage,
                    name: at.stage.to_string(),
                    critical: at.critical,
                    touchpoints: 0,
                    score: Score::default(),
                });
                journey.stages.len() - 1
            }
        };
        let stage = &mut journey.stages[stage];
        stage.touchpoints += 1;
        stage.score.add(score, at.critical);

        // A sweep cell is a walk of one step: no need to hash its task.
        let known = match task.kind {
            TaskKind::Scenario => self.walks.get(task).copied(),
            TaskKind::Sweep => None,
        };
        let slot = match known {
            Some((j, w)) if j == ji => Some(w),
            _ if self.room == 0 => None,
            _ => {
                journey.walks.push(WalkAcc {
                    walk: Walk {
                        task: task.key(),
                        persona: task.persona.clone(),
                        segment: segment.to_string(),
                        repeat: task.repeat,
                        score: None,
                        feeling: None,
                        touchpoints: Vec::new(),
                    },
                    score: Score::default(),
                });
                let w = journey.walks.len() - 1;
                if let Some(kept) = kept {
                    self.walks.insert(kept, (ji, w));
                }
                Some(w)
            }
        };
        match slot {
            Some(w) if self.room > 0 => {
                self.room -= 1;
                let walk = &mut journey.walks[w];
                walk.score.add(score, at.critical);
                // Most walks of a large run are one step (sweep cells): the
                // first push reserves one, not four (~450 bytes each).
                let touchpoints = &mut walk.walk.touchpoints;
                if touchpoints.capacity() == 0 {
                    touchpoints.reserve_exact(1);
                }
                touchpoints.push(view());
            }
            Some(w) => {
                journey.walks[w].score.add(score, at.critical);
                self.touchpoints_omitted += 1;
            }
            None => {
                // Counted once per walk, at its first step, without remembering the task.
                journey.walks_omitted += u64::from(first_step);
                self.touchpoints_omitted += 1;
            }
        }
    }

    pub fn finish(self) -> Vec<JourneyView> {
        self.list
            .into_iter()
            .map(|mut j| {
                let score = j.score.percent();
                // In the order the steps use them, then by id: the order
                // exchanges arrived in (which walk finished first) must not show.
                j.channels.sort_unstable_by_key(|(c, step)| (*step, *c));
                JourneyView {
                    id: j.id.to_string(),
                    name: j.name,
                    sweep: j.sweep,
                    stages: j
                        .stages
                        .into_iter()
                        .map(|s| StageView {
                            id: s.id.to_string(),
                            name: s.name,
                            critical: s.critical,
                            touchpoints: s.touchpoints,
                            score: s.score.mean(),
                            feeling: s.score.mean().map(Feeling::from_score),
                        })
                        .collect(),
                    channels: j.channels.into_iter().map(|(c, _)| c.to_string()).collect(),
                    score,
                    feeling: score.map(Feeling::from_percent),
                    walks: j
                        .walks
                        .into_iter()
                        .map(|w| {
                            let score = w.score.percent();
                            Walk { score, feeling: score.map(Feeling::from_percent), ..w.walk }
                        })
                        .collect(),
                    walks_omitted: j.walks_omitted,
                }
            })
            .collect()
    }
}
