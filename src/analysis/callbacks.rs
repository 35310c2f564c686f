//! Webhook callbacks that were not read as replies, per channel: duplicate
//! deliveries, late ones (recorded after their step, `LateCallback`), and
//! ones whose signature failed `receive.verify`. Duplicates and late
//! callbacks are counted for the report ("the chat platform delivered 8
//! replies twice"), never findings; refused signatures are one security
//! finding per channel ("3 callbacks with an invalid signature").
//!
//! Precision: when *no* callback of a channel passed verification, the
//! likelier cause is the suite's secret or header, not an attacker: that is
//! a run problem naming `receive.verify`, not a finding.

use super::evidence;
use super::finding::{self, Key};
use crate::record::{CallbackNote, Exchange, LateTallies, Purpose};
use crate::verdict::{CallbackStats, Check, Evidence, Finding, FindingKind, RunProblem, Verdict};
use std::collections::BTreeMap;

#[derive(Debug, Default)]
struct Channel {
    stats: CallbackStats,
    /// Callbacks that passed verification (or needed none).
    verified: u64,
    /// Exchanges that received a refused callback, lowest rank first.
    evidence: Vec<(u64, Evidence)>,
    first: Option<String>,
}

/// What the pass keeps of callbacks, per channel.
#[derive(Debug, Default)]
pub(super) struct Book {
    channels: BTreeMap<String, Channel>,
    /// Channels with `receive.verify`: each gets a CI check of its signatures.
    signed: Vec<String>,
}

impl Book {
    pub(super) fn signed(&mut self, suite: &crate::suite::Suite) {
        self.signed =
            suite.channels.iter().filter(|(_, c)| c.receive.verify.is_some()).map(|(n, _)| n.clone()).collect();
    }

    pub(super) fn exchange(&mut self, x: &Exchange, max_evidence: usize) {
        let mut hooks = x.http.iter().filter(|h| h.purpose == Purpose::Webhook).peekable();
        if hooks.peek().is_none() {
            return;
        }
        let c = self.channels.entry(x.channel.clone()).or_default();
        let mut refused = false;
        for h in hooks {
            c.stats.received += 1;
            match h.callback {
                Some(CallbackNote::Duplicate) => {
                    c.stats.duplicates += 1;
                    c.verified += 1;
                }
                Some(n) if n.invalid_signature() => {
                    c.stats.invalid_signature += 1;
                    refused = true;
                }
                _ => c.verified += 1,
            }
        }
        if refused {
            c.first.get_or_insert_with(|| format!("{} step {}", x.task.key(), x.step + 1));
            let mut e = evidence::from_error(x, None);
            if let Some(h) = x.http.iter().find(|h| h.callback.is_some_and(CallbackNote::invalid_signature)) {
                e.excerpt = evidence::cut(h.error.as_deref().unwrap_or("signature refused"), 0, 300).to_string();
            }
            c.evidence.push((evidence::rank(x), e));
            c.evidence.sort_by_key(|(r, _)| *r);
            c.evidence.truncate(max_evidence);
        }
    }

    /// Adds the late callbacks, the counts, and one finding (or run problem) per channel.
    pub(super) fn finish(mut self, v: &mut Verdict, late: &LateTallies) {
        for (channel, t) in late {
            let c = self.channels.entry(channel.clone()).or_default();
            c.stats.received += t.late + t.duplicates + t.invalid_signature;
            c.stats.late += t.late;
            c.stats.duplicates += t.duplicates;
            c.stats.invalid_signature += t.invalid_signature;
            c.verified += t.late + t.duplicates;
        }
        for channel in &self.signed {
            self.channels.entry(channel.clone()).or_default();
        }
        let mut refused_ids = Vec::new();
        for (channel, mut c) in self.channels {
            c.stats.channel = channel.clone();
            let mut check = self.signed.contains(&channel).then(|| Check {
                group: "Callbacks".into(),
                class: format!("callbacks.{channel}"),
                name: format!("{channel}: every callback correctly signed"),
                passed: true,
                findings: Vec::new(),
                time_ms: None,
                folded_into: None,
            });
            let refused = c.stats.invalid_signature;
            if refused > 0 && c.verified == 0 {
                // Not tested, so neither passed nor failed.
                check = None;
                v.run_problems.push(RunProblem {
                    channel: channel.clone(),
                    message: format!(
                        "all {refused} callbacks failed signature verification: check `receive.verify` of channel `{channel}` in channels.toml (its `secret`, `header`, `prefix` and `over`)"
                    ),
                    count: refused,
                    first: c.first.clone().unwrap_or_else(|| "a late callback".into()),
                    every_step: false,
                });
            } else if refused > 0 {
                let name = v.names.channels.get(&channel).cloned().unwrap_or_else(|| channel.clone());
                let key = Key { channel: Some(&channel), ..Key::new(FindingKind::InvalidSignature) };
                let severity = finding::severity(FindingKind::InvalidSignature, false);
                let plural = if refused == 1 { "callback" } else { "callbacks" };
                v.counts.findings.add(severity);
                if let Some(check) = check.as_mut() {
                    check.passed = severity < v.fail_on;
                    check.findings.push(key.fingerprint());
                }
                refused_ids.push(key.fingerprint());
                v.findings.push(Finding {
                    id: key.fingerprint(),
                    kind: FindingKind::InvalidSignature,
                    severity,
                    journey: None,
                    stage: None,
                    channel: Some(channel.clone()),
                    persona: c.evidence.first().map(|(_, e)| e.persona.clone()),
                    segment: None,
                    question: None,
                    fact: None,
                    expected: Some("every callback signed with the channel's secret".into()),
                    found: Some(format!("{refused} {plural} with an invalid signature")),
                    occurrences: refused,
                    evidence: c.evidence.into_iter().map(|(_, e)| e).collect(),
                    summary: format!(
                        "{name}: {refused} {plural} with an invalid signature were refused (401/403) and not read as replies; someone other than the platform may be calling the webhook, or the platform signs with another secret."
                    ),
                });
            }
            if let Some(check) = check {
                if check.passed {
                    v.counts.checks_passed += 1;
                } else {
                    v.counts.checks_failed += 1;
                }
                v.checks.push(check);
            }
            if c.stats.received > 0 {
                v.callbacks.push(c.stats);
            }
        }
        if !refused_ids.is_empty() {
            super::priority::add_late(v, &refused_ids);
        }
    }
}
