//! How the customer would feel: a 1–5 score per touchpoint, and 0–100 per
//! walk, stage, journey and overall.
//!
//! The touchpoint score starts at 5 and loses points for what a customer
//! notices or later suffers from:
//! - a wrong fact: −3 for the first, −1 for each further (wrong information
//!   is the worst experience: it costs a second contact or a complaint);
//! - a fact not stated: −1 each, at most −2 (the question was not answered);
//! - lost context: −2 (having to repeat yourself is the classic frustration);
//! - waiting: the midpoint of the reply interval against the channel's SLA
//!   stretched by the persona's patience — within it 0, up to twice −1, up to
//!   four times −2, beyond −3;
//! - no usable reply at all: the score is 1.
//!
//! Critical stages (moments of truth) weigh double in every aggregate.

use crate::record::ErrorKind;

/// What the score of one touchpoint depends on.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs {
    pub wrong: usize,
    pub not_stated: usize,
    pub lost_context: bool,
    pub error: Option<ErrorKind>,
    pub has_reply: bool,
    pub latency_ms: Option<(f64, f64)>,
    pub sla_ms: Option<f64>,
    /// `Patience::factor()`: the share of the SLA this customer tolerates.
    pub patience: f64,
}

/// The 1–5 score, rounded to a tenth; None when the step was cut short by
/// the run stopping or was never sent (budget): not the target's doing.
pub fn touchpoint(i: &Inputs) -> Option<f64> {
    if i.error.is_some_and(|k| k.ours() || k.is_suite()) {
        return None;
    }
    if !i.has_reply {
        return Some(1.0);
    }
    let mut score = 5.0;
    if i.wrong > 0 {
        score -= 3.0 + (i.wrong - 1) as f64;
    }
    score -= (i.not_stated as f64).min(2.0);
    if i.lost_context {
        score -= 2.0;
    }
    if let (Some((lo, hi)), Some(sla)) = (i.latency_ms, i.sla_ms) {
        let tolerance = sla * i.patience;
        if tolerance > 0.0 {
            let ratio = (lo + hi) / 2.0 / tolerance;
            score -= match ratio {
                r if r <= 1.0 => 0.0,
                r if r <= 2.0 => 1.0,
                r if r <= 4.0 => 2.0,
                _ => 3.0,
            };
        }
    }
    // A reply with an error (a truncated or malformed body) still disappoints.
    if i.error.is_some() {
        score -= 1.0;
    }
    Some((score.clamp(1.0, 5.0) * 10.0).round() / 10.0)
}

/// A weighted mean of touchpoint scores.
#[derive(Debug, Clone, Copy, Default)]
pub struct Score {
    sum: f64,
    weight: f64,
    pub count: u64,
}

impl Score {
    pub fn add(&mut self, score: Option<f64>, critical: bool) {
        let Some(s) = score else { return };
        let w = if critical { 2.0 } else { 1.0 };
        self.sum += s * w;
        self.weight += w;
        self.count += 1;
    }

    /// Mean on the 1–5 scale.
    pub fn mean(&self) -> Option<f64> {
        (self.weight > 0.0).then(|| round1(self.sum / self.weight))
    }

    /// Mean mapped to 0–100 (1 → 0, 5 → 100).
    pub fn percent(&self) -> Option<f64> {
        (self.weight > 0.0).then(|| round1((self.sum / self.weight - 1.0) * 25.0))
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok() -> Inputs {
        Inputs { has_reply: true, patience: 1.0, ..Inputs::default() }
    }

    #[test]
    fn a_good_answer_scores_five() {
        assert_eq!(touchpoint(&ok()), Some(5.0));
    }

    #[test]
    fn wrong_facts_frustrate() {
        let s = touchpoint(&Inputs { wrong: 1, ..ok() }).unwrap();
        assert!(s < 2.5, "{s}");
    }

    #[test]
    fn impatient_customers_mind_waiting_more() {
        let slow = Inputs { latency_ms: Some((1500.0, 1500.0)), sla_ms: Some(2000.0), ..ok() };
        assert_eq!(touchpoint(&slow), Some(5.0));
        assert_eq!(touchpoint(&Inputs { patience: 0.5, ..slow }), Some(4.0));
    }

    #[test]
    fn critical_stages_weigh_double() {
        let mut s = Score::default();
        s.add(Some(5.0), false);
        s.add(Some(2.0), true);
        assert_eq!(s.mean(), Some(3.0));
        assert_eq!(s.percent(), Some(50.0));
    }
}
