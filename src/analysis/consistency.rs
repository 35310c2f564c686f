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
use crate::verdict::{Check, Evidence, FindingKind, MatrixCell, MatrixRow, ValueCount};
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
    cells: HashMap<CellKey<'a>, Classes>,
    /// Per persona, to see whether one customer gets the same answer twice.
    repeats: HashMap<RepeatKey<'a>, (&'a str, Classes)>,
}

/// Per question and fact: each channel that consistently gave one value,
/// and whether that value matches the map. Lets a wrong-fact summary say
/// "the map and the other channels say 30 days".
pub type ChannelValues<'a> = HashMap<(&'a str, &'a str), Vec<(&'a str, Option<bool>)>>;

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

        let mut rows: BTreeMap<(&str, &str), Vec<(CellKey<'a>, Classes)>> = BTreeMap::new();
        for (k, c) in cells {
            rows.entry((k.question, k.fact)).or_default().push((k, c));
        }
        let mut out = Outcome { rows: Vec::new(), checks: Vec::new(), channel_values: HashMap::new() };
        for ((question, fact), mut cells) in rows {
            cells.sort_by(|a, b| a.0.cmp(&b.0));
            let mut by_channel: BTreeMap<&str, Vec<&(CellKey<'a>, Classes)>> = BTreeMap::new();
            for cell in &cells {
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
            out.channel_values
                .insert((question, fact), stable.iter().map(|(chs, c)| (chs[0], c.matches_map)).collect());
            let channels = group(stable);
            let mut ids = Vec::new();
            if channels.len() > 1 {
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
            out.checks.push(check(
                format!("{question} · {fact}: every channel gives the same answer"),
                question,
                fact,
                ids.iter().map(|&i| &findings.list[i]),
                fail_on,
            ));
            out.rows.push(row(ctx, question, fact, &cells));
        }
        out
    }
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
    }
}

fn row(ctx: &Context<'_>, question: &str, fact: &str, cells: &[(CellKey<'_>, Classes)]) -> MatrixRow {
    let overflow = cells.iter().any(|(_, c)| c.overflow > 0);
    let mut all: Vec<&Class> = Vec::new();
    let cells: Vec<MatrixCell> = cells
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
            MatrixCell {
                channel: k.channel.to_string(),
                segment: k.segment.to_string(),
                values,
                not_stated: c.not_stated,
            }
        })
        .collect();
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
