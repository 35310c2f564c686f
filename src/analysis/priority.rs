//! "What to fix first": the verdict's findings folded into problems — each
//! problem once, however many findings show it — and ranked by how much
//! they hurt customers: severity × how many customers met it × double on a
//! critical stage (a moment of truth).
//!
//! A wrong refund window on email is one wrong-fact finding, one channel
//! disagreement and perhaps a segment difference; a manager fixes it once,
//! so it is listed once, with the most severe finding as its evidence.
//! Pure: the verdict in, the ranked list out.

use super::consistency::join_and;
use super::Context;
use crate::verdict::{FactOutcome, Finding, FindingKind, Priority, Severity, Verdict};
use std::collections::{BTreeMap, BTreeSet};

/// Problems listed: the point is a short list.
const SHOWN: usize = 5;

/// What makes findings one problem.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Problem<'v> {
    /// A fact told wrongly, or differently by channels, segments or repeats.
    Fact(&'v str),
    /// A fact left out of answers.
    Missing(&'v str),
    /// Replies slower than the channel's service level.
    Slow(&'v str),
    /// A channel that does not recognise what customers were given elsewhere.
    Context(&'v str),
    /// A channel that gave no usable reply.
    NoReply(&'v str),
    /// Anything else: a problem of its own.
    Other(&'v str),
}

fn problem(f: &Finding) -> Problem<'_> {
    let channel = f.channel.as_deref().unwrap_or("");
    match (f.kind, f.fact.as_deref()) {
        (
            FindingKind::WrongFact
            | FindingKind::ChannelDisagreement
            | FindingKind::SegmentDifference
            | FindingKind::Unstable,
            Some(fact),
        ) => Problem::Fact(fact),
        (FindingKind::NotStated, Some(fact)) => Problem::Missing(fact),
        (FindingKind::SlaBreach | FindingKind::PossibleSlaBreach, _) => Problem::Slow(channel),
        (FindingKind::LostContext, _) => Problem::Context(channel),
        (FindingKind::Error, _) if f.severity > Severity::Info => Problem::NoReply(channel),
        // Kinds added later (hygiene, …) stand alone until they say otherwise.
        #[allow(unreachable_patterns)]
        _ => Problem::Other(&f.id),
    }
}

/// How much one finding of a severity weighs: each level counts double.
fn weight(s: Severity) -> f64 {
    match s {
        Severity::Critical => 16.0,
        Severity::High => 8.0,
        Severity::Medium => 4.0,
        Severity::Low => 2.0,
        Severity::Info => 0.0,
    }
}

/// Who met the findings of one problem, and where.
#[derive(Default)]
struct Reach<'v> {
    findings: Vec<&'v Finding>,
    personas: BTreeSet<&'v str>,
    segments: BTreeSet<&'v str>,
    channels: BTreeSet<&'v str>,
    critical: bool,
}

/// A customer told a wrong value: persona, segment, on a critical stage, channel.
type Told<'v> = (&'v str, &'v str, bool, &'v str);

/// The ranked list for the verdict, at most [`SHOWN`] long.
pub(crate) fn rank(ctx: &Context<'_>, v: &Verdict) -> Vec<Priority> {
    // Where each finding was met: the touchpoints that name it, and for
    // consistency findings every touchpoint told a wrong value of the fact.
    let mut met: BTreeMap<&str, Vec<(&str, &str, bool)>> = BTreeMap::new();
    let mut told_wrong: BTreeMap<(&str, &str), Vec<Told>> = BTreeMap::new();
    for w in v.journeys.iter().flat_map(|j| &j.walks) {
        for t in &w.touchpoints {
            for id in &t.findings {
                met.entry(id.as_str()).or_default().push((w.persona.as_str(), w.segment.as_str(), t.critical));
            }
            for fc in t.facts.iter().filter(|fc| fc.outcome == FactOutcome::Wrong) {
                let q = t.question.as_deref().unwrap_or("");
                told_wrong.entry((q, fc.fact.as_str())).or_default().push((
                    w.persona.as_str(),
                    w.segment.as_str(),
                    t.critical,
                    t.channel.as_str(),
                ));
            }
        }
    }
    let critical_stages: BTreeSet<(&str, &str)> = v
        .journeys
        .iter()
        .flat_map(|j| j.stages.iter().filter(|s| s.critical).map(move |s| (j.id.as_str(), s.id.as_str())))
        .collect();

    let mut problems: BTreeMap<Problem, Reach> = BTreeMap::new();
    for f in v.findings.iter().filter(|f| f.severity > Severity::Info) {
        let r = problems.entry(problem(f)).or_default();
        r.findings.push(f);
        r.personas.extend(f.persona.as_deref());
        r.personas.extend(f.evidence.iter().map(|e| e.persona.as_str()));
        r.segments.extend(f.segment.as_deref());
        r.channels.extend(f.channel.as_deref());
        r.channels.extend(f.evidence.iter().map(|e| e.channel.as_str()));
        r.critical |= matches!((f.journey.as_deref(), f.stage.as_deref()), (Some(j), Some(s)) if critical_stages.contains(&(j, s)));
        for &(persona, segment, critical) in met.get(f.id.as_str()).into_iter().flatten() {
            r.personas.insert(persona);
            r.segments.insert(segment);
            r.critical |= critical;
        }
        let consistency =
            matches!(f.kind, FindingKind::ChannelDisagreement | FindingKind::SegmentDifference | FindingKind::Unstable);
        if let (true, Some(q), Some(fact)) = (consistency, f.question.as_deref(), f.fact.as_deref()) {
            for &(persona, segment, critical, channel) in told_wrong.get(&(q, fact)).into_iter().flatten() {
                r.personas.insert(persona);
                r.segments.insert(segment);
                r.channels.insert(channel);
                r.critical |= critical;
            }
        }
    }

    let mut ranked: Vec<Priority> = problems
        .into_iter()
        .map(|(p, mut r)| {
            r.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
            let severity = r.findings.first().map_or(Severity::Info, |f| f.severity);
            let customers = r.personas.len().max(1);
            let impact = weight(severity) * customers as f64 * if r.critical { 2.0 } else { 1.0 };
            let reach = reach_words(customers, &r.segments, r.critical);
            Priority {
                rank: 0,
                action: action(ctx, v, &p, &r),
                severity,
                findings: r.findings.iter().map(|f| f.id.clone()).collect(),
                personas: r.personas.len() as u64,
                segments: r.segments.iter().map(|s| s.to_string()).collect(),
                channels: r.channels.iter().map(|s| s.to_string()).collect(),
                critical_stage: r.critical,
                impact,
                reach,
            }
        })
        .collect();
    order(&mut ranked);
    ranked
}

/// Highest impact first; ties by severity, then by the action's words, so the
/// order is stable. Keeps the first [`SHOWN`] and numbers them.
fn order(ranked: &mut Vec<Priority>) {
    ranked.sort_by(|a, b| {
        b.impact.total_cmp(&a.impact).then(b.severity.cmp(&a.severity)).then_with(|| a.action.cmp(&b.action))
    });
    ranked.truncate(SHOWN);
    for (i, p) in ranked.iter_mut().enumerate() {
        p.rank = i as u32 + 1;
    }
}

/// Findings known only at the record's end (refused callbacks: late ones are
/// in the record's tail) join the ranked list as problems of their own, by
/// the same rule. They concern a channel, not a customer: their reach says so.
pub(crate) fn add_late(v: &mut Verdict, ids: &[String]) {
    let late = v.findings.iter().filter(|f| f.severity > Severity::Info && ids.contains(&f.id)).map(|f| Priority {
        rank: 0,
        action: f.summary.clone(),
        severity: f.severity,
        findings: vec![f.id.clone()],
        personas: 0,
        segments: Vec::new(),
        channels: f.channel.iter().cloned().collect(),
        critical_stage: false,
        impact: weight(f.severity),
        reach: "the channel's callbacks".into(),
    });
    let mut ranked: Vec<Priority> = v.fix_first.drain(..).chain(late).collect();
    order(&mut ranked);
    v.fix_first = ranked;
}

/// "3 customers (new, loyal), at a moment of truth".
fn reach_words(customers: usize, segments: &BTreeSet<&str>, critical: bool) -> String {
    let who = if customers == 1 { "1 customer".to_string() } else { format!("{customers} customers") };
    let segs: Vec<String> = segments.iter().map(|s| s.to_string()).collect();
    let segs = match segs.len() {
        0 => String::new(),
        1 => format!(" ({} segment)", segs[0]),
        _ => format!(" ({} segments)", join_and(&segs)),
    };
    let moment = if critical { ", at a moment of truth" } else { "" };
    format!("{who}{segs}{moment}")
}

/// The one fix-oriented line.
fn action(ctx: &Context<'_>, v: &Verdict, p: &Problem, r: &Reach) -> String {
    let channels = |set: &BTreeSet<&str>| join_and(&set.iter().map(|c| ctx.channel_mid(c)).collect::<Vec<_>>());
    let first = r.findings.first();
    match *p {
        Problem::Fact(fact) => {
            // Each channel's wrong values, from the consistency matrix.
            let mut wrong: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            for row in v.matrix.iter().filter(|row| row.fact == fact) {
                for cell in &row.cells {
                    for val in cell.values.iter().filter(|x| x.matches_map == Some(false)) {
                        wrong.entry(cell.channel.as_str()).or_default().insert(val.value.as_str());
                    }
                }
            }
            for f in &r.findings {
                if let (FindingKind::WrongFact, Some(c), Some(found)) =
                    (f.kind, f.channel.as_deref(), f.found.as_deref())
                {
                    wrong.entry(c).or_default().insert(found);
                }
            }
            match ctx.map_value(fact) {
                Some(map) if !wrong.is_empty() => {
                    let where_: BTreeSet<&str> = wrong.keys().copied().collect();
                    let one = wrong.len() == 1;
                    let told: Vec<String> = wrong
                        .iter()
                        .map(|(c, vals)| {
                            let vals: Vec<String> = vals.iter().map(|x| ctx.value_phrase(fact, x)).collect();
                            let who = if one { "it".to_string() } else { ctx.channel_mid(c) };
                            format!("{who} says {}", join_or(&vals))
                        })
                        .collect();
                    format!(
                        "Correct {} on {}: {}; the map says {map}.",
                        ctx.fact_label(fact),
                        channels(&where_),
                        told.join("; ")
                    )
                }
                _ => format!(
                    "Make {} give one answer on {}: {}",
                    channels(&r.channels),
                    ctx.fact_label(fact),
                    first.map_or(String::new(), |f| f.summary.clone())
                ),
            }
        }
        Problem::Missing(fact) => {
            let map = ctx.map_value(fact).map(|m| format!(" (the map says {m})")).unwrap_or_default();
            format!("Add {} to the answers on {}{map}.", ctx.fact_label(fact), channels(&r.channels))
        }
        Problem::Slow(channel) => {
            let stats = v.sla.iter().find(|s| s.channel == channel);
            let name = ctx.channel_name(channel);
            match stats.and_then(|s| Some((s, s.sla_ms?))) {
                Some((s, sla)) => {
                    let slowest = s.max.map(|m| format!(", the slowest after {}", super::human_ms(m.latest_ms)));
                    let (n, verb) = if s.breaches > 0 {
                        (s.breaches, "came after")
                    } else {
                        (s.possible_breaches, "may have come after")
                    };
                    let over = match (n, s.replies) {
                        (1, 1) => format!("the one reply {verb}"),
                        (n, all) if n == all => format!("all {n} replies {verb}"),
                        (n, all) => format!("{n} of {all} replies {verb}"),
                    };
                    format!(
                        "Speed up {name} replies: {over} its {} service level{}.",
                        super::human_ms(sla),
                        slowest.unwrap_or_default()
                    )
                }
                None => format!("Speed up {name} replies: {}", first.map_or(String::new(), |f| f.summary.clone())),
            }
        }
        Problem::Context(channel) => {
            let names: BTreeSet<String> =
                r.findings.iter().filter_map(|f| f.fact.as_deref()).map(|n| n.replace(['_', '-'], " ")).collect();
            let what = if names.is_empty() {
                "what customers were given".to_string()
            } else {
                format!("the {} customers were given", join_and(&names.into_iter().collect::<Vec<_>>()))
            };
            let n: u64 = r.findings.iter().map(|f| f.occurrences).sum();
            let times = if n == 1 { "once".to_string() } else { format!("{n} times") };
            format!("Make {} recognise {what} on another channel: it did not, {times}.", ctx.channel_mid(channel))
        }
        Problem::NoReply(channel) => {
            let n: u64 = r.findings.iter().map(|f| f.occurrences).sum();
            let messages = if n == 1 { "1 message".to_string() } else { format!("{n} messages") };
            format!(
                "Get {} answering again: {messages} got no usable reply. {}",
                ctx.channel_mid(channel),
                first.map_or(String::new(), |f| f.summary.clone())
            )
        }
        Problem::Other(_) => first.map_or(String::new(), |f| f.summary.clone()),
    }
}

/// "14 days", "14 days or 21 days".
fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
