//! The hygiene checks in the analysis pass: each reply scanned (memoised,
//! answers repeat), another customer's data looked up in what the run has
//! seen so far, fallbacks tallied per channel × question and judged across
//! channels once the pass is over. One finding per channel × kind ×
//! question (and forbidden rule), like every other finding.

use super::fallback::Phrases;
use super::forbidden::{self, Rule};
use super::leak::{Candidates, Owners};
use super::{language, scan, Found, Reply, Scan, Settings, Source};
use crate::analysis::evidence;
use crate::analysis::finding::{Acc, Findings, Key};
use crate::analysis::intern::Interner;
use crate::analysis::memo::Memo;
use crate::analysis::Context;
use crate::record::Exchange;
use crate::verdict::{Check, Evidence, FallbackRate, FindingKind, Severity};
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use whatlang::Lang;

/// One reply being checked, with what the pass knows about it.
pub(in crate::analysis) struct Turn<'x, 'a> {
    pub x: &'x Exchange,
    /// The cleaned answer.
    pub answer: &'x str,
    pub base: Key<'a>,
    pub persona: &'a str,
    /// Some expected fact was stated (rightly or wrongly): not a fallback.
    pub answered_fact: bool,
}

/// What a reply's text alone tells, worked out once per distinct reply.
struct Scanned {
    scan: Scan,
    /// Where another customer's data could be; None when the channel does not look.
    leaks: Option<Candidates>,
    /// The reply is HTML: leaks are read in the cleaned answer, else in the raw reply.
    html: bool,
}

/// Fallbacks of one channel to one question.
#[derive(Default)]
struct Tally<'a> {
    replies: u64,
    fallbacks: u64,
    persona: Option<&'a str>,
    evidence: Vec<Evidence>,
    /// The first fallback phrase seen.
    phrase: Option<String>,
}

pub(in crate::analysis) struct Hygiene<'a> {
    settings: FxHashMap<String, Settings>,
    default: Settings,
    rules: Vec<Rule>,
    owners: Owners,
    /// Persona id → the language their locale names.
    languages: FxHashMap<&'a str, Lang>,
    /// (channel, question) → fallbacks, in first-seen order for stable output.
    tallies: BTreeMap<(&'a str, &'a str), Tally<'a>>,
    /// (question, channel) pairs where some reply answered.
    answered: BTreeSet<(&'a str, &'a str)>,
    scans: Memo<Rc<Scanned>>,
    max_evidence: usize,
    /// Finding index → the words of its note: the most severe hit's, the
    /// first by text among equals, so the note never depends on which walk
    /// finished first.
    notes: FxHashMap<usize, (std::cmp::Reverse<Severity>, String)>,
}

impl<'a> Hygiene<'a> {
    pub fn new(ctx: &Context<'a>) -> Self {
        let suite = ctx.suite;
        let spec = &suite.map.hygiene;
        Hygiene {
            settings: suite.channels.keys().map(|c| (c.clone(), Settings::resolve(spec, c))).collect(),
            default: Settings::resolve(spec, ""),
            rules: forbidden::rules(&suite.map, &ctx.locale),
            owners: Owners::from_personas(&suite.personas),
            languages: suite
                .personas
                .iter()
                .filter_map(|p| Some((p.id.as_str(), language::lang_of(p.locale.as_deref()?)?)))
                .collect(),
            tallies: BTreeMap::new(),
            answered: BTreeSet::new(),
            scans: Memo::new(),
            max_evidence: ctx.options.max_evidence,
            notes: FxHashMap::default(),
        }
    }

    /// Checks one reply; returns the findings it contributed to.
    pub fn reply(
        &mut self,
        ctx: &Context<'a>,
        strings: &mut Interner<'a>,
        findings: &mut Findings<'a>,
        t: &Turn<'_, 'a>,
    ) -> Vec<usize> {
        let x = t.x;
        let Some(reply) = &x.reply else { return Vec::new() };
        let settings = self.settings.get(&x.channel).unwrap_or(&self.default);
        let (format, region) = match ctx.suite.channels.get(&x.channel) {
            Some(ch) => (ch.answer_format(), ch.region.as_deref()),
            None => (crate::analysis::clean::AnswerFormat::Text, None),
        };
        let r = Reply { raw: &reply.text, cleaned: t.answer, format, region, message: &x.message };
        let lang = self.languages.get(t.persona).copied();
        let lang_key = lang.map_or("", |l| l.code());
        let owners = &self.owners;
        let scanned = self.scans.get_or(&[&x.channel, &x.message, &reply.text, lang_key], || {
            let scan = scan(&r, settings, &self.rules, &ctx.locale, lang);
            let html = r.is_html();
            let leaks = settings.customer_data.then(|| {
                if html {
                    owners.candidates(r.cleaned, &[])
                } else {
                    owners.candidates(r.raw, &super::region::customer_words(r.raw, r.message))
                }
            });
            Rc::new(Scanned { scan, leaks, html })
        });
        let scan = &scanned.scan;
        let mut linked = Vec::new();
        for found in one_per_kind(&scan.found) {
            let text = match found.source {
                Source::Raw => r.raw,
                Source::Cleaned => r.cleaned,
                Source::Region => scan.region.as_deref().unwrap_or(""),
            };
            let detail = found.detail.as_deref().map(|d| strings.str(d));
            let key = Key { kind: found.kind, detail, ..t.base };
            linked.push(record(findings, &mut self.notes, key, &found, text, x, t.persona));
        }
        if let Some(candidates) = &scanned.leaks {
            let text = if scanned.html { r.cleaned } else { r.raw };
            for leak in self.owners.lookup(candidates, t.persona) {
                let key = Key { kind: FindingKind::CustomerDataLeak, ..t.base };
                let owner = ctx.persona_name(&leak.owner);
                let what = format!("{owner}'s {}", leak.what);
                let found = Found {
                    kind: FindingKind::CustomerDataLeak,
                    source: Source::Raw,
                    hit: super::Hit::new(leak.span, what, Severity::Critical),
                    detail: None,
                };
                linked.push(record(findings, &mut self.notes, key, &found, text, x, t.persona));
            }
        }
        // What this reply gave the customer is theirs from now on.
        for (name, value) in &x.captures {
            self.owners.captured(&x.task.persona, name, value);
        }
        if settings.fallback {
            let settings = self.settings.get(&x.channel).unwrap_or(&self.default);
            tally(&mut self.tallies, &mut self.answered, self.max_evidence, t, &settings.phrases);
        }
        linked
    }

    /// Fallback findings (a question one channel falls back on and another
    /// answers), their CI checks, and the fallback rates.
    pub fn finish(&mut self, ctx: &Context<'a>, findings: &mut Findings<'a>) -> (Vec<FallbackRate>, Vec<Check>) {
        let (mut rates, mut checks) = (Vec::new(), Vec::new());
        for ((channel, question), tally) in std::mem::take(&mut self.tallies) {
            if tally.fallbacks == 0 {
                continue;
            }
            rates.push(FallbackRate {
                channel: channel.to_string(),
                question: question.to_string(),
                replies: tally.replies,
                fallbacks: tally.fallbacks,
            });
            let others: Vec<&str> =
                self.answered.iter().filter(|(q, c)| *q == question && *c != channel).map(|(_, c)| *c).collect();
            if others.is_empty() {
                continue;
            }
            let key = Key { channel: Some(channel), question: Some(question), ..Key::new(FindingKind::Fallback) };
            let severity = base_severity(FindingKind::Fallback);
            let mut i = None;
            for e in tally.evidence {
                let rank = evidence::rank_of(&e);
                let mut e = Some(e);
                i = Some(findings.record(key, severity, tally.persona, rank, || e.take()));
            }
            let Some(i) = i else { continue };
            let acc = findings.get_mut(i);
            acc.occurrences = tally.fallbacks;
            let names: Vec<String> = others.iter().map(|c| ctx.channel_mid(c)).collect();
            let phrase = tally.phrase.map(|p| format!(", e.g. “{p}”")).unwrap_or_default();
            acc.summary = Some(format!(
                "{} falls back on the “{}” question in {} of {} replies{phrase}, while {} {} it.",
                ctx.channel_name(channel),
                ctx.question_label(question),
                tally.fallbacks,
                tally.replies,
                join_and(&names),
                if names.len() == 1 { "answers" } else { "answer" },
            ));
            let id = acc.id.clone();
            let passed = severity < ctx.options.fail_on;
            checks.push(Check {
                group: "hygiene".into(),
                class: format!("hygiene.fallback.{channel}"),
                name: format!("{question} is answered on {channel}"),
                passed,
                findings: vec![id],
                time_ms: None,
                folded_into: None,
            });
        }
        (rates, checks)
    }
}

/// Counts a reply towards its channel × question: a fallback, an answer, or neither.
fn tally<'a>(
    tallies: &mut BTreeMap<(&'a str, &'a str), Tally<'a>>,
    answered: &mut BTreeSet<(&'a str, &'a str)>,
    max_evidence: usize,
    t: &Turn<'_, 'a>,
    phrases: &Phrases,
) {
    let (Some(question), Some(channel)) = (t.base.question, t.base.channel) else { return };
    let answered_fact = t.answered_fact;
    let hit = if answered_fact { None } else { phrases.find(t.answer) };
    let tally = tallies.entry((channel, question)).or_default();
    tally.replies += 1;
    match hit {
        Some(hit) => {
            tally.fallbacks += 1;
            // The first by name, not by arrival (like every finding).
            tally.persona = Some(tally.persona.map_or(t.persona, |p| p.min(t.persona)));
            let phrase = t.answer.get(hit.span.clone()).filter(|p| !p.is_empty());
            if let Some(p) = phrase.filter(|p| tally.phrase.as_deref().is_none_or(|q| *p < q)) {
                tally.phrase = Some(p.to_string());
            }
            if tally.evidence.len() < max_evidence {
                tally.evidence.push(evidence::from_answer(t.x, t.answer, Some(hit.span)));
            }
        }
        // An answer: it stated a fact, or (no facts expected) did not fall back.
        None if answered_fact || t.x.expects.is_empty() => {
            answered.insert((question, channel));
        }
        None => {}
    }
}

/// Hits closer than this (bytes) are one piece of evidence: `<script>…</script><img onerror=…>`.
const MERGE_GAP: usize = 80;

/// One occurrence per kind (and forbidden rule) per reply: a reply with a
/// script element and a handler is one reply carrying script. Nearby hits
/// are merged into one highlighted span; the most severe hit names it.
fn one_per_kind(found: &[Found]) -> Vec<Found> {
    let mut out: Vec<Found> = Vec::new();
    for f in found {
        let same = |o: &&mut Found| {
            o.kind == f.kind
                && o.source == f.source
                && (f.kind != FindingKind::ForbiddenClaim || o.hit.what == f.hit.what)
        };
        match out.iter_mut().find(same) {
            Some(o) => {
                let near =
                    f.hit.span.start <= o.hit.span.end + MERGE_GAP && o.hit.span.start <= f.hit.span.end + MERGE_GAP;
                if near {
                    o.hit.span = o.hit.span.start.min(f.hit.span.start)..o.hit.span.end.max(f.hit.span.end);
                }
                if f.hit.severity > o.hit.severity {
                    o.hit.severity = f.hit.severity;
                    o.hit.what = f.hit.what.clone();
                }
            }
            None => out.push(f.clone()),
        }
    }
    out
}

/// Records one occurrence with its evidence; returns the finding's index.
fn record<'a>(
    findings: &mut Findings<'a>,
    notes: &mut FxHashMap<usize, (std::cmp::Reverse<Severity>, String)>,
    key: Key<'a>,
    found: &Found,
    text: &str,
    x: &Exchange,
    persona: &'a str,
) -> usize {
    let severity = found.hit.severity.max(base_severity(found.kind));
    let i = findings.record(key, severity, Some(persona), evidence::rank(x), || {
        Some(evidence::from_answer(x, text, Some(found.hit.span.clone())))
    });
    let acc = findings.get_mut(i);
    let candidate = (std::cmp::Reverse(found.hit.severity), found.hit.what.clone());
    if notes.get(&i).is_none_or(|best| candidate < *best) {
        acc.note = Some(candidate.1.clone());
        notes.insert(i, candidate);
    }
    if let Some(value) = text.get(found.hit.span.clone()) {
        acc.saw_value(evidence::cut(value, 0, 200));
    }
    i
}

/// The least severity of each hygiene kind (a hit may be more severe:
/// script is high where plain markup is medium).
pub(in crate::analysis) fn base_severity(kind: FindingKind) -> Severity {
    match kind {
        FindingKind::CustomerDataLeak => Severity::Critical,
        FindingKind::LeakedPlaceholder | FindingKind::RawOutput | FindingKind::ForbiddenClaim => Severity::High,
        FindingKind::Mojibake | FindingKind::CutOff | FindingKind::Markup | FindingKind::Fallback => Severity::Medium,
        _ => Severity::Low,
    }
}

/// The summary of a per-reply hygiene finding, for a contact-centre manager.
pub(in crate::analysis) fn describe(ctx: &Context<'_>, acc: &Acc<'_>) -> String {
    let k = &acc.key;
    let channel = ctx.channel_name(k.channel.unwrap_or("a channel"));
    let asked = k.question.map(|q| format!(" when asked “{}”", ctx.question_label(q))).unwrap_or_default();
    let what = acc.note.as_deref().unwrap_or("something");
    let times = if acc.occurrences > 1 { format!(" Seen {} times.", acc.occurrences) } else { String::new() };
    let sentence = match k.kind {
        FindingKind::LeakedPlaceholder => {
            format!(
                "{channel} showed the customer {what}{asked}: the reply was sent before its template was filled in."
            )
        }
        FindingKind::RawOutput => format!("{channel} sent {what} instead of an answer{asked}."),
        FindingKind::Mojibake => {
            format!("{channel}'s answer{asked} shows {what}: the text was decoded with the wrong character set.")
        }
        FindingKind::CutOff => format!("{channel}'s answer{asked} is cut off: {what}."),
        FindingKind::Markup if acc.severity >= Severity::High => format!(
            "{channel} sent {what}{asked}: script in an answer can run wherever the text is shown as a web page."
        ),
        FindingKind::Markup => format!("{channel} sent {what}{asked}: the customer sees code instead of formatting."),
        FindingKind::CustomerDataLeak => {
            let to = match (acc.occurrences, acc.persona) {
                (1, Some(p)) => ctx.persona_name(p),
                _ => "customers".into(),
            };
            format!("{channel} showed {to} another customer's data, {what}{asked}. This is a privacy breach.")
        }
        FindingKind::ForbiddenClaim => {
            let reason = k
                .detail
                .and_then(|id| ctx.suite.map.forbidden.iter().enumerate().find(|(i, f)| f.name(*i) == id))
                .and_then(|(_, f)| f.reason.clone())
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            format!("{channel} made {what}{asked}, which the map forbids on every channel{reason}.")
        }
        FindingKind::WrongLanguage => format!("{channel} sent {what}{asked}."),
        FindingKind::Fallback => format!("{channel} fell back instead of answering{asked}."),
        _ => format!("{channel}: {what}{asked}."),
    };
    format!("{sentence}{times}")
}

/// "chat", "chat and email", "chat, email and web".
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
