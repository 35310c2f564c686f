//! Sharding a run: `--shard I/N` keeps the walks of shard `I` out of `N`,
//! so N machines (a Kubernetes Indexed Job) each walk a part of one plan and
//! `touchpoint merge` puts the parts back together.
//!
//! The partition is pure and deterministic: the same suite, seed, repeat
//! and `--only` give the same plan (`plan.rs`), and the same plan is always
//! cut the same way — no coordination between shards, no shared state.
//! It is balanced by expected cost: each walk costs its number of steps
//! (each step is one conversation turn with the target: requests, a reply
//! to wait for), and walks are dealt greedily, most expensive first, to the
//! shard with the least cost so far (ties: the plan's order, the lowest
//! shard). Every step of a walk stays on one shard, because a later step
//! uses what an earlier one captured.

use crate::plan::{stable_hash, PlanOptions, Walk};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The most shards one run can be cut into.
pub const MAX_SHARDS: u32 = 10_000;

/// Shard `index` (0-based, as Kubernetes' `JOB_COMPLETION_INDEX`) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Parses `--shard I/N`: `0/3`, `1/3`, `2/3`.
impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let usage = || format!("`{s}` is not a shard; write I/N with 0 ≤ I < N ≤ {MAX_SHARDS}, e.g. `0/3`");
        let (i, n) = s.trim().split_once('/').ok_or_else(usage)?;
        let index: u32 = i.trim().parse().map_err(|_| usage())?;
        let count: u32 = n.trim().parse().map_err(|_| usage())?;
        if count == 0 || count > MAX_SHARDS || index >= count {
            return Err(usage());
        }
        Ok(Shard { index, count })
    }
}

/// The expected cost of a walk: its steps.
pub fn cost(walk: &Walk) -> u64 {
    walk.steps.len().max(1) as u64
}

/// Which shard each walk goes to (by position in `walks`), for `count` shards.
pub fn assign(walks: &[Walk], count: u32) -> Vec<u32> {
    let count = count.max(1) as usize;
    let mut order: Vec<usize> = (0..walks.len()).collect();
    // Most expensive first; the plan's order breaks ties, so it is stable.
    order.sort_by(|&a, &b| cost(&walks[b]).cmp(&cost(&walks[a])).then(a.cmp(&b)));
    let mut load = vec![0u64; count];
    let mut out = vec![0u32; walks.len()];
    for i in order {
        let (least, _) = load.iter().enumerate().min_by_key(|&(s, l)| (*l, s)).unwrap_or((0, &0));
        load[least] += cost(&walks[i]);
        out[i] = least as u32;
    }
    out
}

/// The group id shards agree on without talking to each other when none is
/// given (`--group`): it names the plan, so the shards of one plan share it.
/// Two sharded runs of the same plan share it too; give `--group` (in
/// Kubernetes: the Job's name) to tell them apart.
pub fn default_group(suite_digest: &str, plan: &PlanOptions, count: u32) -> String {
    let hash = stable_hash(&[
        suite_digest,
        &plan.seed.to_string(),
        &plan.repeat.to_string(),
        plan.only.as_deref().unwrap_or(""),
        &count.to_string(),
    ]);
    format!("shards-{:08x}", hash as u32)
}

/// Checks a `--group` id: it names the merged run's folder, so it must be a
/// plain file name.
pub fn parse_group(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 100
        && !s.starts_with('.')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!(
            "`{s}` is not a group id; use 1–100 letters, digits, `-`, `_` or `.` (it names the merged run's folder)"
        ))
    }
}

/// The walks of `shard`, in plan order.
pub fn select(walks: Vec<Walk>, shard: Shard) -> Vec<Walk> {
    let owner = assign(&walks, shard.count);
    walks.into_iter().zip(owner).filter(|(_, s)| *s == shard.index).map(|(w, _)| w).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlannedStep;
    use crate::record::{Task, TaskKind};
    use crate::suite::scenario::OnError;
    use std::collections::BTreeMap;
    use std::time::Duration;

    fn walk(id: &str, steps: usize) -> Walk {
        let step = |index| PlannedStep {
            index,
            stage: None,
            channel: "chat".into(),
            question: None,
            message: String::new(),
            subject: None,
            expects: vec![],
            capture: BTreeMap::new(),
            recognises: None,
            think: Duration::ZERO,
        };
        Walk {
            task: Task {
                kind: TaskKind::Scenario,
                id: id.into(),
                persona: "p".into(),
                repeat: 0,
                question: None,
                channel: None,
            },
            segment: "s".into(),
            journey: None,
            on_error: OnError::Stop,
            steps: (0..steps).map(step).collect(),
        }
    }

    #[test]
    fn parses_index_of_count() {
        assert_eq!("1/3".parse::<Shard>(), Ok(Shard { index: 1, count: 3 }));
        assert_eq!(" 0 / 1 ".parse::<Shard>(), Ok(Shard { index: 0, count: 1 }));
        for bad in ["3/3", "1/0", "1", "a/b", "-1/3", "1/3/4", "0/10001"] {
            let err = bad.parse::<Shard>().unwrap_err();
            assert!(err.contains("I/N"), "{bad}: {err}");
        }
    }

    #[test]
    fn every_walk_is_on_exactly_one_shard_and_costs_are_balanced() {
        let walks: Vec<Walk> = (0..40).map(|i| walk(&format!("w{i}"), 1 + (i * 7) % 5)).collect();
        let total: u64 = walks.iter().map(cost).sum();
        let mut seen = Vec::new();
        let mut loads = Vec::new();
        for index in 0..3 {
            let part = select(walks.clone(), Shard { index, count: 3 });
            loads.push(part.iter().map(cost).sum::<u64>());
            seen.extend(part.into_iter().map(|w| w.task.id));
        }
        seen.sort();
        let mut all: Vec<String> = walks.iter().map(|w| w.task.id.clone()).collect();
        all.sort();
        assert_eq!(seen, all);
        assert_eq!(loads.iter().sum::<u64>(), total);
        let (lo, hi) = (loads.iter().min().unwrap(), loads.iter().max().unwrap());
        // Greedy by cost is within the largest walk (5 steps) of even.
        assert!(hi - lo <= 5, "{loads:?}");
    }

    #[test]
    fn the_same_plan_is_always_cut_the_same_way() {
        let walks: Vec<Walk> = (0..25).map(|i| walk(&format!("w{i}"), 1 + i % 3)).collect();
        assert_eq!(assign(&walks, 4), assign(&walks.clone(), 4));
        // Within a shard, walks keep the plan's order.
        let part = select(walks, Shard { index: 1, count: 4 });
        let ids: Vec<usize> = part.iter().map(|w| w.task.id[1..].parse().unwrap()).collect();
        assert!(ids.windows(2).all(|p| p[0] < p[1]), "{ids:?}");
    }

    #[test]
    fn more_shards_than_walks_leaves_some_empty() {
        let walks = vec![walk("a", 2), walk("b", 1)];
        let sizes: Vec<usize> = (0..4).map(|index| select(walks.clone(), Shard { index, count: 4 }).len()).collect();
        assert_eq!(sizes, vec![1, 1, 0, 0]);
    }
}
