//! The consistency matrix: for every question and fact, the values each
//! channel gave, per customer segment — and the findings it shows:
//! - **unstable**: one customer, one channel, one question, different values on repeats;
//! - **segment difference**: one channel tells segments different things;
//! - **channel disagreement**: channels tell the same question different things.
//!
//! Each disagreement is reported at the finest level that explains it: a
//! channel whose answers already vary by repeat or segment is left out of
//! the channel comparison, so one flaky channel is one finding, not three.
//! Values are compared by meaning (`FactValue::agrees`), never as strings,
//! so a disagreement shows even when each answer alone could not be judged
//! against the map.

use super::answer::Stated;
use super::evidence;
use super::finding::{self, Findings, Key};
use super::Context;
use crate::fact::FactValue;
use crate::verdict::{Check, EmptyCell, Evidence, FindingKind, MatrixCell, MatrixRow, ValueCount};
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::rc::Rc;

/// Distinct values kept per cell; hostile answers could produce many more.
const MAX_CLASSES: usize = 16;

/// Answers that agree with each other.
#[derive(Debug)]
struct Class {
    value: FactValue,
    display: String,
    count: u64,
    matches_map: Option<bool>,
    /// Where the value was seen: the lowest-ranked occurrence (see
    /// [`evidence::rank`]), so the example does not depend on the order walks
    /// finished in. Taken as the occurrence arrives (at most [`MAX_CLASSES`]
    /// per cell): a streamed exchange is gone by the time the matrix is
    /// judged. Shared by the cell and the repeat that saw it.
    example: Rc<Evidence>,
    rank: u64,
}

fn agree(a: &FactValue, b: &FactValue) -> bool {
    // `agrees` may be one-sided (free text); either direction means no disagreement.
    a.agrees(b) || b.agrees(a)
}

#[derive(Debug, Default)]
struct Classes {
    list: Vec<Class>,
    not_stated: u64,
    /// Asked without a usable reply (failed or empty).
    no_reply: u64,
    /// Asked, but not sent or made to fail by the suite: nothing learned.
    not_checked: u64,
    /// Values beyond `MAX_CLASSES`.
    overflow: u64,
}

impl Classes {
    fn add(&mut self, stated: &Stated, rank: u64, example: &mut impl FnMut() -> Rc<Evidence>) {
        if let Some(c) = self.list.iter_mut().find(|c| agree(&c.value, &stated.value)) {
            c.count += 1;
            if rank < c.rank {
                c.example = example();
                c.rank = rank;
            }
            // Agreeing values written differently ("£29.99 a month", "29.99
            // GBP/month"): the first by text is shown, whatever came first.
            if c.value != stated.value {
                let display = stated.value.display();
                if display < c.display {
                    c.display = display;
                }
            }
        } else if self.list.len() < MAX_CLASSES {
            self.list.push(Class {
                value: stated.value.clone(),
                display: stated.value.display(),
                count: 1,
                matches_map: stated.matches_map,
                example: example(),
                rank,
            });
        } else {
            self.overflow += 1;
        }
    }

    /// Most frequent first, then by text: the order answers arrived in
    /// (walk timing, shards) must not show in the verdict.
    fn settle(&mut self) {
        self.list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.display.cmp(&b.display)));
    }

    /// The one value every answer gave, if they all agree.
    fn single(&self) -> Option<&Class> {
        match (self.list.as_slice(), self.overflow) {
            ([one], 0) => Some(one),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct CellKey<'a> {
    question: &'a str,
    fact: &'a str,
    channel: &'a str,
    segment: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct RepeatKey<'a> {
    question: &'a str,
    fact: &'a str,
    channel: &'a str,
    persona: &'a str,
}

/// What the channels said, while the run is being read.
#[derive(Debug, Default)]
pub struct Matrix<'a> {
    cells: FxHashMap<CellKey<'a>, Classes>,
    /// Per persona, to see whether one customer gets the same answer twice.
    repeats: FxHashMap<RepeatKey<'a>, (&'a str, Classes)>,
}

/// Per question and fact: each channel that consistently gave one value,
/// whether that value matches the map, and the value as shown. Lets a
/// wrong-fact summary say "the map, Live chat and Help centre say 30 days".
pub type ChannelValues<'a> = HashMap<(&'a str, &'a str), Vec<(&'a str, Option<bool>, String)>>;

/// The matrix's share of the verdict.
pub struct Outcome<'a> {
    pub rows: Vec<MatrixRow>,
    pub checks: Vec<Check>,
    pub channel_values: ChannelValues<'a>,
}

/// An exchange seen by the matrix.
pub struct Seen<'a> {
    pub question: &'a str,
    pub channel: &'a str,
    pub segment: &'a str,
    pub persona: &'a str,
}

impl<'a> Matrix<'a> {
    /// Records what an answer said about `fact` (None: not stated); `rank`
    /// orders the occurrence among the others ([`evidence::rank`]).
    /// `evidence` makes the evidence for a span of the answer, if a new value needs it.
    pub fn observe(
        &mut self,
        at: &Seen<'a>,
        fact: &'a str,
        stated: Option<&Stated>,
        rank: u64,
        evidence: impl Fn(Range<usize>) -> Evidence,
    ) {
        let cell = CellKey { question: at.question, fact, channel: at.channel, segment: at.segment };
        let classes = self.cells.entry(cell).or_default();
        let Some(stated) = stated else {
            classes.not_stated += 1;
            return;
        };
        let mut made: Option<Rc<Evidence>> = None;
        let mut example = || made.get_or_insert_with(|| Rc::new(evidence(stated.span.clone()))).clone();
        classes.add(stated, rank, &mut example);
        let key = RepeatKey { question: at.question, fact, channel: at.channel, persona: at.persona };
        self.repeats.entry(key).or_insert_with(|| (at.segment, Classes::default())).1.add(stated, rank, &mut example);
    }

    /// Records that `fact` was asked for here and nothing could be read:
    /// no usable reply, or (`checked` false) nothing learned about the
    /// company at all. The cell then says why it is empty.
    pub fn unanswered(&mut self, at: &Seen<'a>, fact: &'a str, checked: bool) {
        let cell = CellKey { question: at.question, fact, channel: at.channel, segment: at.segment };
        let classes = self.cells.entry(cell).or_default();
        if checked {
            classes.no_reply += 1;
        } else {
            classes.not_checked += 1;
        }
    }

    /// Turns what was seen into matrix rows, consistency findings and checks.
    pub fn finish(self, ctx: &Context<'a>, findings: &mut Findings<'a>) -> Outcome<'a> {
        let fail_on = ctx.options.fail_on;
        // Unstable customers first: they explain any variation above them.
        let mut unstable_at: HashSet<(&str, &str, &str, &str)> = HashSet::new();
        let mut unstable_ids: HashMap<(&str, &str, &str), Vec<usize>> = HashMap::new();
        let (mut cells, mut repeats) = (self.cells, self.repeats);
        cells.values_mut().for_each(Classes::settle);
        repeats.values_mut().for_each(|(_, c)| c.settle());
        let mut repeats: Vec<_> = repeats.into_iter().filter(|(_, (_, c))| c.single().is_none()).collect();
        repeats.sort_by(|a, b| a.0.cmp(&b.0));
        for &(k, (segment, ref classes)) in &repeats {
            unstable_at.insert((k.question, k.fact, k.channel, segment));
            let mut key = Key::new(FindingKind::Unstable);
            (key.question, key.fact, key.channel, key.segment) =
                (Some(k.question), Some(k.fact), Some(k.channel), Some(segment));
            let groups: Vec<(Vec<&str>, &Class)> = classes.list.iter().map(|c| (vec![k.persona], c)).collect();
            let i = record(ctx, findings, key, Some(k.persona), &groups);
            let acc = findings.get_mut(i);
            if acc.summary.is_none() {
                let values: Vec<String> = classes
                    .list
                    .iter()
                    .map(|c| format!("{} ({}×)", ctx.value_phrase(k.fact, &c.display), c.count))
                    .collect();
                acc.summary = Some(format!(
                    "{} gave {} ({} customer) different answers about {} to the same question “{}”: {}.{}",
                    ctx.channel_name(k.channel),
                    ctx.persona_name(k.persona),
                    segment,
                    ctx.fact_label(k.fact),
                    ctx.question_label(k.question),
                    values.join(", "),
                    ctx.map_says(k.fact),
                ));
            }
            unstable_ids.entry((k.question, k.fact, k.channel)).or_default().push(i);
        }

        // Every column of the matrix, so a cell never asked says so.
        let columns: std::collections::BTreeSet<(&str, &str)> = cells.keys().map(|k| (k.channel, k.segment)).collect();
        let mut rows: BTreeMap<(&str, &str), Vec<(CellKey<'a>, Classes)>> = BTreeMap::new();
        for (k, c) in cells {
            rows.entry((k.question, k.fact)).or_default().push((k, c));
        }
        let mut out = Outcome { rows: Vec::new(), checks: Vec::new(), channel_values: HashMap::new() };
        for ((question, fact), mut cells) in rows {
            cells.sort_by(|a, b| a.0.cmp(&b.0));
            let mut by_channel: BTreeMap<&str, Vec<&(CellKey<'a>, Classes)>> = BTreeMap::new();
            // Cells where nothing was read have nothing to compare.
            for cell in cells.iter().filter(|(_, c)| !c.list.is_empty() || c.not_stated > 0 || c.overflow > 0) {
                by_channel.entry(cell.0.channel).or_default().push(cell);
            }
            let mut stable: Vec<(Vec<&str>, &Class)> = Vec::new();
            for (&channel, cells) in &by_channel {
                // Segments that each gave one value, consistently.
                let per_segment: Vec<(Vec<&str>, &Class)> = cells
                    .iter()
                    .filter(|(k, _)| !unstable_at.contains(&(question, fact, channel, k.segment)))
                    .filter_map(|(k, c)| c.single().map(|one| (vec![k.segment], one)))
                    .collect();
                let segments = group(per_segment);
                let mut ids = unstable_ids.remove(&(question, fact, channel)).unwrap_or_default();
                if segments.len() > 1 {
                    let mut key = Key::new(FindingKind::SegmentDifference);
                    (key.question, key.fact, key.channel) = (Some(question), Some(fact), Some(channel));
                    let i = record(ctx, findings, key, None, &segments);
                    let hear: Vec<String> = segments
                        .iter()
                        .map(|(segs, c)| {
                            let names: Vec<String> = segs.iter().map(|s| s.to_string()).collect();
                            format!("{} customers hear {}", join_and(&names), ctx.value_phrase(fact, &c.display))
                        })
                        .collect();
                    findings.get_mut(i).summary = Some(format!(
                        "{} tells customers in different segments different things about {} (“{}”): {}.{}",
                        ctx.channel_name(channel),
                        ctx.fact_label(fact),
                        ctx.question_label(question),
                        hear.join("; "),
                        ctx.map_says(fact),
                    ));
                    ids.push(i);
                }
                // A channel whose answers already vary (by repeat or segment) is
                // reported for that; only consistent channels are compared.
                let explained = !ids.is_empty();
                let overflowed = cells.iter().any(|(_, c)| c.overflow > 0);
                let merged =
                    group(cells.iter().flat_map(|(_, c)| c.list.iter().map(|one| (vec![channel], one))).collect());
                if !explained && !overflowed && merged.len() == 1 {
                    stable.push((vec![channel], merged[0].1));
                }
                out.checks.push(check(
                    format!("{question} · {fact} on {channel}: the same for every segment and repeat"),
                    question,
                    fact,
                    ids.iter().map(|&i| &findings.list[i]),
                    fail_on,
                ));
            }
            out.channel_values.insert(
                (question, fact),
                stable.iter().map(|(chs, c)| (chs[0], c.matches_map, c.display.clone())).collect(),
            );
            let channels = group(stable);
            let mut ids = Vec::new();
            // One finding per root cause: channels that disagree only because
            // some of them state a wrong fact are those wrong-fact findings
            // (their summaries name the channels that disagree).
            let folded_into = if channels.len() > 1 {
                explained_by_wrong_facts(
                    findings,
                    question,
                    fact,
                    channels.iter().map(|(chs, c)| (chs.as_slice(), c.matches_map)),
                )
            } else {
                None
            };
            if channels.len() > 1 && folded_into.is_none() {
                let mut key = Key::new(FindingKind::ChannelDisagreement);
                (key.question, key.fact) = (Some(question), Some(fact));
                let i = record(ctx, findings, key, None, &channels);
                let says: Vec<String> = channels
                    .iter()
                    .map(|(chs, c)| {
                        let names: Vec<String> = chs.iter().map(|ch| ctx.channel_mid(ch)).collect();
                        let verb = if names.len() == 1 { "says" } else { "say" };
                        format!("{} {verb} {}", join_and(&names), ctx.value_phrase(fact, &c.display))
                    })
                    .collect();
                findings.get_mut(i).summary = Some(format!(
                    "Channels disagree on {} when asked “{}”: {}.{}",
                    ctx.fact_label(fact),
                    ctx.question_label(question),
                    says.join("; "),
                    ctx.map_says(fact),
                ));
                ids.push(i);
            }
            let mut same = check(
                format!("{question} · {fact}: every channel gives the same answer"),
                question,
                fact,
                ids.iter().map(|&i| &findings.list[i]),
                fail_on,
            );
            same.folded_into = folded_into.map(|i| findings.list[i].id.clone());
            out.checks.push(same);
            out.rows.push(row(ctx, question, fact, &cells, &columns));
        }
        out
    }
}

/// The wrong-fact finding a channel disagreement is part of, when wrong
/// facts explain it whole: the map has a value, every channel that differs
/// from it has a wrong-fact finding for this question and fact, and every
/// other channel matches the map. Several wrong channels: the most severe
/// finding, then the first channel by key. None when the disagreement is a
/// problem of its own (the map's value unreadable, values the map accepts
/// that still differ, a value too weakly tied to the fact to be called wrong).
fn explained_by_wrong_facts<'a: 'c, 'c>(
    findings: &Findings<'a>,
    question: &'a str,
    fact: &'a str,
    channels: impl Iterator<Item = (&'c [&'a str], Option<bool>)>,
) -> Option<usize> {
    let mut wrong: Vec<usize> = Vec::new();
    for (chs, matches_map) in channels {
        match matches_map {
            Some(true) => {}
            Some(false) => {
                for &ch in chs {
                    let key = Key {
                        channel: Some(ch),
                        question: Some(question),
                        fact: Some(fact),
                        ..Key::new(FindingKind::WrongFact)
                    };
                    wrong.push(findings.find(&key)?);
                }
            }
            None => return None,
        }
    }
    wrong.into_iter().min_by(|&a, &b| {
        let (a, b) = (&findings.list[a], &findings.list[b]);
        b.severity.cmp(&a.severity).then_with(|| a.key.channel.cmp(&b.key.channel))
    })
}

/// Groups labelled values by meaning: `[(["new"], 14 days), (["loyal", "vip"], 30 days)]`.
fn group<'c>(items: Vec<(Vec<&'c str>, &'c Class)>) -> Vec<(Vec<&'c str>, &'c Class)> {
    let mut groups: Vec<(Vec<&str>, &Class)> = Vec::new();
    for (labels, class) in items {
        match groups.iter_mut().find(|(_, rep)| agree(&rep.value, &class.value)) {
            Some(g) => g.0.extend(labels),
            None => groups.push((labels, class)),
        }
    }
    groups
}

/// Records a consistency finding with one evidence item per group of values.
fn record<'a>(
    ctx: &Context<'a>,
    findings: &mut Findings<'a>,
    key: Key<'a>,
    persona: Option<&'a str>,
    groups: &[(Vec<&str>, &Class)],
) -> usize {
    let severity = finding::severity(key.kind, false);
    let first = groups.first().map(|(_, c)| Evidence::clone(&c.example));
    let rank = first.as_ref().map_or(0, evidence::rank_of);
    let i = findings.record(key, severity, persona, rank, || first);
    let room = findings.max_evidence();
    let acc = findings.get_mut(i);
    acc.expected = ctx.facts.get(key.fact.unwrap_or_default()).and_then(|f| f.expected_display.clone());
    for (_, class) in groups {
        acc.found.push((class.display.clone(), class.count));
    }
    acc.occurrences = groups.iter().map(|(_, c)| c.count).sum();
    for (_, class) in groups.iter().skip(1) {
        if acc.evidence.len() >= room {
            break;
        }
        acc.evidence.push(Evidence::clone(&class.example));
    }
    i
}

fn check<'f>(
    name: String,
    question: &str,
    fact: &str,
    related: impl Iterator<Item = &'f finding::Acc<'f>>,
    fail_on: crate::verdict::Severity,
) -> Check {
    let mut passed = true;
    let mut ids: Vec<String> = Vec::new();
    for acc in related {
        passed &= acc.severity < fail_on;
        if !ids.contains(&acc.id) {
            ids.push(acc.id.clone());
        }
    }
    Check {
        group: "consistency".into(),
        class: format!("consistency.{question}.{fact}"),
        name,
        passed,
        findings: ids,
        time_ms: None,
        folded_into: None,
    }
}

fn row(
    ctx: &Context<'_>,
    question: &str,
    fact: &str,
    cells: &[(CellKey<'_>, Classes)],
    columns: &std::collections::BTreeSet<(&str, &str)>,
) -> MatrixRow {
    let overflow = cells.iter().any(|(_, c)| c.overflow > 0);
    let mut all: Vec<&Class> = Vec::new();
    let mut cells: Vec<MatrixCell> = cells
        .iter()
        .map(|(k, c)| {
            let mut values: Vec<ValueCount> = c
                .list
                .iter()
                .map(|v| ValueCount { value: v.display.clone(), count: v.count, matches_map: v.matches_map })
                .collect();
            values.sort_by_key(|v| std::cmp::Reverse(v.count));
            if c.overflow > 0 {
                values.push(ValueCount { value: "(other values)".into(), count: c.overflow, matches_map: None });
            }
            for v in &c.list {
                if !all.iter().any(|seen| agree(&seen.value, &v.value)) {
                    all.push(v);
                }
            }
            let reason = if c.not_stated > 0 {
                EmptyCell::NotStated
            } else if c.no_reply > 0 {
                EmptyCell::NoUsableReply
            } else {
                EmptyCell::NotChecked
            };
            let empty = values.is_empty().then_some(reason);
            MatrixCell {
                channel: k.channel.to_string(),
                segment: k.segment.to_string(),
                values,
                not_stated: c.not_stated,
                no_reply: c.no_reply,
                empty,
            }
        })
        .collect();
    for &(channel, segment) in columns {
        if !cells.iter().any(|c| c.channel == channel && c.segment == segment) {
            cells.push(MatrixCell {
                channel: channel.to_string(),
                segment: segment.to_string(),
                values: Vec::new(),
                not_stated: 0,
                no_reply: 0,
                empty: Some(EmptyCell::NotAsked),
            });
        }
    }
    cells.sort_by(|a, b| (&a.channel, &a.segment).cmp(&(&b.channel, &b.segment)));
    MatrixRow {
        question: question.to_string(),
        fact: fact.to_string(),
        label: ctx.fact_label(fact),
        expected: ctx.facts.get(fact).and_then(|f| f.expected_display.clone()),
        cells,
        consistent: all.len() <= 1 && !overflow,
    }
}

/// "a", "a and b", "a, b and c".
pub fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::Severity;

    fn wrong<'a>(findings: &mut Findings<'a>, channel: &'a str, severity: Severity) -> usize {
        let key = Key {
            channel: Some(channel),
            question: Some("refund-policy"),
            fact: Some("refund_window"),
            ..Key::new(FindingKind::WrongFact)
        };
        findings.record(key, severity, None, 0, || None)
    }

    #[test]
    fn a_disagreement_that_wrong_facts_explain_is_folded_into_the_worst() {
        let mut findings = Findings::new(3);
        let chat = wrong(&mut findings, "chat", Severity::High);
        let email = wrong(&mut findings, "email", Severity::Critical);
        let groups: [(&[&str], Option<bool>); 3] =
            [(&["web"], Some(true)), (&["chat"], Some(false)), (&["email"], Some(false))];
        let into = explained_by_wrong_facts(&findings, "refund-policy", "refund_window", groups.into_iter());
        assert_eq!(into, Some(email), "the most severe wrong fact, not {chat}");
    }

    #[test]
    fn a_disagreement_wrong_facts_do_not_explain_stays_its_own_finding() {
        let mut findings = Findings::new(3);
        wrong(&mut findings, "email", Severity::High);
        // The map's value could not be read: nothing was judged wrong.
        let unjudged: [(&[&str], Option<bool>); 2] = [(&["web"], None), (&["email"], Some(false))];
        assert_eq!(explained_by_wrong_facts(&findings, "refund-policy", "refund_window", unjudged.into_iter()), None);
        // A channel differs from the map without a wrong-fact finding of its own.
        let unfound: [(&[&str], Option<bool>); 2] = [(&["web"], Some(false)), (&["email"], Some(false))];
        assert_eq!(explained_by_wrong_facts(&findings, "refund-policy", "refund_window", unfound.into_iter()), None);
        // Values the map accepts that still differ between channels.
        let accepted: [(&[&str], Option<bool>); 2] = [(&["web"], Some(true)), (&["chat"], Some(true))];
        assert_eq!(explained_by_wrong_facts(&findings, "refund-policy", "refund_window", accepted.into_iter()), None);
    }
}
