//! Words for people: the one-sentence summary of each finding, written for
//! a contact-centre manager, and the terminal summary of a verdict.

use super::consistency::ChannelValues;
use super::finding::Acc;
use super::sla::human_ms;
use super::Context;
use crate::verdict::{FindingKind, Verdict};

impl Context<'_> {
    /// "Email", "Chat", "Web": a channel's name as a sentence starts it.
    pub fn channel_name(&self, channel: &str) -> String {
        capitalise(channel)
    }

    /// The persona's name, or its id when unknown.
    pub fn persona_name(&self, id: &str) -> String {
        self.personas.get(id).map_or_else(|| id.to_string(), |p| p.name.clone())
    }

    /// "the refund window".
    pub fn fact_label(&self, id: &str) -> String {
        match self.facts.get(id) {
            Some(f) => format!("the {}", f.label),
            None => format!("the {}", id.replace(['_', '-'], " ")),
        }
    }

    /// The question's label, or its id.
    pub fn question_label(&self, id: &str) -> String {
        self.suite.map.question(id).and_then(|q| q.label.clone()).unwrap_or_else(|| id.to_string())
    }

    /// " The map says 30 days." (with a leading space), or nothing.
    pub fn map_says(&self, fact: &str) -> String {
        self.facts
            .get(fact)
            .and_then(|f| f.expected_display.as_deref())
            .map(|v| format!(" The map says {v}."))
            .unwrap_or_default()
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The summary of a per-answer finding, from its key and what was seen.
pub(crate) fn describe(ctx: &Context<'_>, acc: &Acc<'_>, channel_values: &ChannelValues<'_>) -> String {
    let k = &acc.key;
    let channel = ctx.channel_name(k.channel.unwrap_or("a channel"));
    let fact = k.fact.map(|f| ctx.fact_label(f)).unwrap_or_else(|| "a fact".into());
    let asked = k.question.map(|q| format!(" when asked “{}”", ctx.question_label(q))).unwrap_or_default();
    let found = acc.top_value().unwrap_or("something else");
    let expected = acc.expected.as_deref().unwrap_or("another value");
    let times = if acc.occurrences > 1 { format!(" Seen {} times.", acc.occurrences) } else { String::new() };
    let sentence = match k.kind {
        FindingKind::WrongFact => {
            let others = others_agree(channel_values, k.question, k.fact, k.channel);
            let who = if others { "the map and the other channels say" } else { "the map says" };
            format!("{channel} says {fact} is {found}{asked}; {who} {expected}.")
        }
        FindingKind::NotStated => format!("{channel} does not state {fact}{asked}; the map says {expected}."),
        FindingKind::LostContext => match acc.note.as_deref() {
            Some(note) => format!("{channel} {note}."),
            None => format!("{channel} did not recognise a value the customer was given earlier."),
        },
        FindingKind::SlaBreach | FindingKind::PossibleSlaBreach => {
            let sla = k.channel.and_then(|c| ctx.sla_ms.get(c)).map(|&ms| human_ms(ms)).unwrap_or_else(|| "?".into());
            let (lo, hi) = acc.worst_ms.unwrap_or((0.0, 0.0));
            if k.kind == FindingKind::SlaBreach {
                format!("{channel} took up to {}{asked} (at least {} even at the earliest moment the reply could have arrived), over its {sla} service level.", human_ms(hi), human_ms(lo))
            } else {
                format!(
                    "{channel} may have missed its {sla} service level{asked}: the reply came between {} and {} (polling cannot tell closer).",
                    human_ms(lo),
                    human_ms(hi)
                )
            }
        }
        FindingKind::Error => {
            let what = match k.detail.unwrap_or("") {
                "timeout" => "timed out",
                "no_reply" => "never replied",
                "connect" => "could not be reached",
                "status" => "answered with an HTTP error",
                "malformed" => "sent a reply the channel configuration cannot read",
                "too_large" => "sent a reply too large to keep whole",
                "request" => "could not be sent the message (check the channel configuration)",
                "tls" => "could not be reached over TLS",
                "body" => "broke off its reply mid-way",
                "redirects" => "redirected too many times",
                "offsite" => "pointed the request outside the channel's origin (not followed)",
                "interrupted" => "was not asked: the run stopped first",
                "stopped" => "was still answering when the run stopped",
                "budget" => "was not asked: its request budget was used up",
                _ => "failed",
            };
            let note = acc.note.as_deref().map(|n| format!(": {n}")).unwrap_or_default();
            // The note may end a sentence itself ("… is the target running?").
            let stop = if note.ends_with(['.', '?', '!']) { "" } else { "." };
            format!("{channel} {what}{asked}{note}{stop}")
        }
        FindingKind::LeakedPlaceholder
        | FindingKind::RawOutput
        | FindingKind::Mojibake
        | FindingKind::CutOff
        | FindingKind::Markup
        | FindingKind::CustomerDataLeak
        | FindingKind::Fallback
        | FindingKind::ForbiddenClaim
        | FindingKind::WrongLanguage => return super::hygiene::hook::describe(ctx, acc),
        // Consistency findings carry their own words; this is a fallback.
        FindingKind::ChannelDisagreement | FindingKind::SegmentDifference | FindingKind::Unstable => {
            format!("Answers about {fact} differ{asked}.")
        }
    };
    format!("{sentence}{times}")
}

/// Whether every other channel that answered consistently matches the map.
fn others_agree(values: &ChannelValues<'_>, question: Option<&str>, fact: Option<&str>, channel: Option<&str>) -> bool {
    let (Some(q), Some(f)) = (question, fact) else { return false };
    let Some(list) = values.get(&(q, f)) else { return false };
    let others: Vec<_> = list.iter().filter(|(c, _)| Some(*c) != channel).collect();
    !others.is_empty() && others.iter().all(|(_, m)| *m == Some(true))
}

/// The terminal summary: the headline, the counts, the worst findings and
/// the service levels.
pub fn summary_lines(v: &Verdict) -> Vec<String> {
    const SHOWN: usize = 10;
    let mut out = Vec::new();
    let score = match (v.score, v.feeling) {
        (Some(s), Some(f)) => format!("score {s:.0}/100 ({})", format!("{f:?}").to_lowercase()),
        _ => "no score".into(),
    };
    let state = if v.complete { "" } else { " (incomplete run)" };
    out.push(format!("{} — run {}{state}: {}", v.company, v.run_id, score));
    let c = &v.counts;
    out.push(format!(
        "{} exchanges, {} replies, {} errors; facts: {} correct, {} wrong, {} not stated; handoffs: {} of {} lost context",
        c.exchanges, c.replies, c.errors, c.facts_correct, c.facts_wrong, c.facts_not_stated, c.handoffs_lost, c.handoffs_checked
    ));
    let s = &c.findings;
    out.push(format!(
        "findings: {} critical, {} high, {} medium, {} low, {} info; checks: {} passed, {} failed (fail on {})",
        s.critical, s.high, s.medium, s.low, s.info, c.checks_passed, c.checks_failed, v.fail_on
    ));
    // Set by the run history when there is an earlier run to compare with.
    if let Some(changes) = &v.changes {
        out.push(changes.line());
    }
    for p in &v.run_problems {
        let all = if p.every_step { "; every step on this channel failed, nothing on it was tested" } else { "" };
        out.push(format!(
            "  RUN PROBLEM on {} ({}×, first {}{all}): {}",
            p.channel,
            p.count,
            p.first,
            one_line(&p.message)
        ));
    }
    for f in v.findings.iter().take(SHOWN) {
        out.push(format!("  {:<8} {}  [{}]", f.severity.name().to_uppercase(), one_line(&f.summary), f.id));
    }
    if v.findings.len() > SHOWN {
        out.push(format!("  … and {} more in the report", v.findings.len() - SHOWN));
    }
    for st in &v.sla {
        // Polling bounds each reply time to an interval; show both ends when they differ.
        let p = |i: Option<crate::verdict::Interval>| {
            i.map_or_else(
                || "-".into(),
                |i| {
                    if (i.latest_ms - i.earliest_ms).abs() < 1.0 {
                        human_ms(i.latest_ms)
                    } else {
                        format!("{}–{}", human_ms(i.earliest_ms), human_ms(i.latest_ms))
                    }
                },
            )
        };
        let sla = st.sla_ms.map_or_else(|| "no SLA".into(), |ms| format!("SLA {}", human_ms(ms)));
        out.push(format!(
            "  {}: p50 {} p95 {} max {} ({sla}; {} breached, {} possibly; {} without reply)",
            st.channel,
            p(st.p50),
            p(st.p95),
            p(st.max),
            st.breaches,
            st.possible_breaches,
            st.no_reply
        ));
    }
    out
}

/// Summaries quote answers: keep a terminal line one line, free of control
/// characters a hostile answer could use to move the cursor.
fn one_line(s: &str) -> String {
    let flat: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if flat.chars().count() > 160 {
        let cut: String = flat.chars().take(157).collect();
        format!("{cut}…")
    } else {
        flat
    }
}
