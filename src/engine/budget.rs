//! Request budgets: at most N requests per period on one channel
//! (`budget = "500/h"` in channels.toml), so an audit can never flood a
//! production contact centre, whatever the plan, the retries or the polling.
//!
//! Every HTTP request counts — opens, sends, polls and retries — because
//! they all reach the target. The window slides: a request is allowed when
//! fewer than N were sent in the last period. When the budget is used up the
//! request is refused, never queued: the step is recorded as not sent.
//!
//! Budgets are shared by `Arc`, so a scheduled audit hands the same budgets
//! to every run and "per hour" holds across runs.

use crate::suite::duration::parse_rate;
use crate::suite::Suite;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// One channel's budget.
#[derive(Debug)]
pub struct Budget {
    limit: u32,
    period: Duration,
    /// When each request of the current window was allowed, oldest first;
    /// never longer than `limit`.
    sent: Mutex<VecDeque<Instant>>,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exhausted {
    pub limit: u32,
    pub period: Duration,
    /// How long until the oldest request leaves the window.
    pub retry_in: Duration,
}

impl std::fmt::Display for Exhausted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "used up its budget of {} requests per {} (`budget` in channels.toml); the next request is allowed in {}",
            self.limit,
            humantime::format_duration(self.period),
            humantime::format_duration(Duration::from_secs(self.retry_in.as_secs().max(1)))
        )
    }
}

impl Budget {
    pub fn new(limit: u32, period: Duration) -> Self {
        Budget { limit: limit.max(1), period, sent: Mutex::new(VecDeque::new()) }
    }

    /// Takes one request from the budget at `now`, or says why not.
    pub fn take(&self, now: Instant) -> Result<(), Exhausted> {
        // A poisoned lock only means another task panicked between two
        // statements on a plain queue; the queue itself is still valid.
        let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        while sent.front().is_some_and(|t| now.saturating_duration_since(*t) >= self.period) {
            sent.pop_front();
        }
        if sent.len() >= self.limit as usize {
            let oldest = sent.front().copied().unwrap_or(now);
            let retry_in = self.period.saturating_sub(now.saturating_duration_since(oldest));
            return Err(Exhausted { limit: self.limit, period: self.period, retry_in });
        }
        sent.push_back(now);
        Ok(())
    }
}

impl Budget {
    /// Counts requests sent before `now` (`ages`: how long ago each was
    /// sent), as when a run is resumed: those still inside the window use
    /// up the budget as if this process had sent them. An age beyond what
    /// the clock can represent counts as sent now (stricter, never looser).
    pub fn charge_past(&self, ages: impl IntoIterator<Item = Duration>, now: Instant) {
        let mut past: Vec<Instant> =
            ages.into_iter().filter(|age| *age < self.period).map(|age| now.checked_sub(age).unwrap_or(now)).collect();
        past.sort();
        let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        sent.extend(past);
        sent.make_contiguous().sort();
        // Never longer than `limit`: the newest are the ones that matter.
        while sent.len() > self.limit as usize {
            sent.pop_front();
        }
    }
}

/// The budgets of a suite's channels, by channel name (channels without
/// `budget` are absent: unlimited).
#[derive(Debug, Default)]
pub struct Budgets(BTreeMap<String, Arc<Budget>>);

impl Budgets {
    /// Reads `budget` from every channel; a value validation rejected is skipped.
    pub fn from_suite(suite: &Suite) -> Self {
        Budgets(
            suite
                .channels
                .iter()
                .filter_map(|(name, ch)| {
                    let (n, period) = parse_rate(ch.budget.as_deref()?).ok()?;
                    Some((name.clone(), Arc::new(Budget::new(n, period))))
                })
                .collect(),
        )
    }

    pub fn get(&self, channel: &str) -> Option<Arc<Budget>> {
        self.0.get(channel).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_n_per_period_then_refuses_until_the_oldest_leaves() {
        let b = Budget::new(3, Duration::from_secs(3600));
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(b.take(t0 + Duration::from_secs(i * 60)).is_ok());
        }
        let refused = b.take(t0 + Duration::from_secs(600)).unwrap_err();
        assert_eq!(refused.retry_in, Duration::from_secs(3000));
        assert!(refused.to_string().contains("3 requests per 1h"), "{refused}");
        // A refused request does not count: once the first leaves, one more fits.
        assert!(b.take(t0 + Duration::from_secs(3600)).is_ok());
        assert!(b.take(t0 + Duration::from_secs(3601)).is_err());
        assert!(b.take(t0 + Duration::from_secs(3660)).is_ok());
    }

    #[test]
    fn requests_of_an_earlier_session_still_in_the_window_count() {
        let b = Budget::new(3, Duration::from_secs(3600));
        let now = Instant::now() + Duration::from_secs(7200);
        // Two inside the hour, one long gone.
        b.charge_past([Duration::from_secs(600), Duration::from_secs(5000), Duration::from_secs(60)], now);
        assert!(b.take(now).is_ok());
        let refused = b.take(now).unwrap_err();
        assert_eq!(refused.retry_in, Duration::from_secs(3000), "the oldest still counted leaves in 50 minutes");
        // More than the limit recorded: the newest count.
        let b = Budget::new(2, Duration::from_secs(3600));
        b.charge_past([1, 2, 3, 4].map(|m| Duration::from_secs(m * 60)), now);
        assert_eq!(b.take(now).unwrap_err().retry_in, Duration::from_secs(3600 - 120));
    }

    #[test]
    fn a_zero_budget_still_means_one() {
        let b = Budget::new(0, Duration::from_secs(1));
        let t0 = Instant::now();
        assert!(b.take(t0).is_ok());
        assert!(b.take(t0).is_err());
    }
}
