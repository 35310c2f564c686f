//! Words for people: the one-sentence summary of each finding, written for
//! a contact-centre manager, and the terminal summary of a verdict.

use super::consistency::ChannelValues;
use super::finding::{Acc, Key};
use super::sla::human_ms;
use super::Context;
use crate::fact::FactKind;
use crate::verdict::{FindingKind, Names, Verdict};

impl Context<'_> {
    /// "Email", "Chat", "FAQ bot": a channel's name as a sentence starts
    /// it — its `label`, else its key capitalised.
    pub fn channel_name(&self, channel: &str) -> String {
        match self.suite.channels.get(channel).and_then(|c| c.label.as_deref()) {
            Some(label) => capitalise(label),
            None => capitalise(channel),
        }
    }

    /// A channel's name in the middle of a sentence. Channel names are
    /// names, so they read the same anywhere ("Live chat and Email say").
    pub fn channel_mid(&self, channel: &str) -> String {
        self.channel_name(channel)
    }

    /// The persona's name, or its id when unknown.
    pub fn persona_name(&self, id: &str) -> String {
        self.personas.get(id).map_or_else(|| id.to_string(), |p| p.name.clone())
    }

    /// "the refund window".
    pub fn fact_label(&self, id: &str) -> String {
        match self.facts.get(id) {
            Some(f) if f.spec.kind == FactKind::YesNo => format!("whether {}", statement(&f.label)),
            Some(f) => format!("the {}", f.label),
            None => format!("the {}", id.replace(['_', '-'], " ")),
        }
    }

    /// What an answer claims about a fact, as a clause: "the refund window
    /// is 14 days"; for a yes/no fact the statement itself or its negation
    /// ("installation is free", "installation is not free").
    pub fn fact_claim(&self, id: &str, value: &str) -> String {
        match self.facts.get(id) {
            Some(f) if f.spec.kind == FactKind::YesNo => yes_no_claim(&f.label, value),
            _ => format!("{} is {value}", self.fact_label(id)),
        }
    }

    /// A value as said about a fact: "14 days"; for a yes/no fact the
    /// claim it makes ("installation is not free"), never a bare "no".
    pub fn value_phrase(&self, id: &str, value: &str) -> String {
        match self.facts.get(id) {
            Some(f) if f.spec.kind == FactKind::YesNo => yes_no_claim(&f.label, value),
            _ => value.to_string(),
        }
    }

    /// The question's label, or its id.
    pub fn question_label(&self, id: &str) -> String {
        self.suite.map.question(id).and_then(|q| q.label.clone()).unwrap_or_else(|| id.to_string())
    }

    /// " The map says 30 days." (with a leading space), or nothing. For a
    /// yes/no fact the map's claim: " The map says installation is free."
    pub fn map_says(&self, fact: &str) -> String {
        self.map_value(fact).map(|v| format!(" The map says {v}.")).unwrap_or_default()
    }

    /// What the map says about a fact, worded to follow "the map says".
    pub fn map_value(&self, fact: &str) -> Option<String> {
        let f = self.facts.get(fact)?;
        let v = f.expected_display.as_deref()?;
        Some(if f.spec.kind == FactKind::YesNo { yes_no_claim(&f.label, v) } else { v.to_string() })
    }
}

/// Display names from the suite, for the verdict: only ids that have one.
pub(crate) fn names(suite: &crate::suite::Suite) -> Names {
    Names {
        channels: suite.channels.iter().filter_map(|(id, c)| Some((id.clone(), c.label.clone()?))).collect(),
        personas: suite.personas.iter().map(|p| (p.id.clone(), p.name.clone())).collect(),
        questions: suite.map.questions.iter().filter_map(|q| Some((q.id.clone(), q.label.clone()?))).collect(),
    }
}

pub(crate) fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A yes/no fact's label as a clause: "The setup is free (no setup fee)"
/// → "the setup is free". Asides in brackets restate the claim and would
/// contradict its negation, so they go.
fn statement(label: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in label.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = out.split_whitespace().collect();
    let clause = words.join(" ");
    let clause = clause.trim_end_matches(['.', '!', '?']).to_string();
    super::answer::lower_first(&clause)
}

/// "installation is free" for yes, "installation is not free" for no; a
/// statement with no verb to negate reads "not the case: …".
pub(crate) fn yes_no_claim(label: &str, value: &str) -> String {
    let clause = statement(label);
    let yes = matches!(value.trim().to_ascii_lowercase().as_str(), "yes" | "y" | "true");
    if yes {
        return clause;
    }
    negate(&clause).unwrap_or_else(|| format!("it is not the case that {clause}"))
}

/// The clause with its first auxiliary verb negated: "is" → "is not",
/// "there is a fee" → "there is no fee", "X can Y" → "X cannot Y".
fn negate(clause: &str) -> Option<String> {
    const AUX: [&str; 8] = ["is", "are", "was", "were", "will", "can", "does", "do"];
    let words: Vec<&str> = clause.split(' ').collect();
    let i = words.iter().position(|w| AUX.contains(&w.to_ascii_lowercase().as_str()))?;
    let mut out: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    let next = words.get(i + 1).map(|w| w.to_ascii_lowercase());
    match next.as_deref() {
        // "there is a fee" → "there is no fee"
        Some("a" | "an" | "any") if i > 0 && words[i - 1].eq_ignore_ascii_case("there") => out[i + 1] = "no".into(),
        Some("no") => out[i + 1] = "a".into(),
        Some("not") => {
            out.remove(i + 1);
        }
        _ if out[i].eq_ignore_ascii_case("can") => out[i] = "cannot".into(),
        _ => out.insert(i + 1, "not".into()),
    }
    Some(out.join(" "))
}

/// The slow questions: one is named in the sentence (" to answer “Refund
/// window”"); several are listed after it (" Slow on 3 questions: “Refund
/// window” (2.7 s), “Prices” (2.2 s) and “Hours” (2.1 s)."), in map order
/// (so the words do not move with the timings from run to run), at most
/// three named.
fn slow_questions(ctx: &Context<'_>, acc: &Acc<'_>) -> (String, String) {
    let mut slow: Vec<(&str, f64)> = acc.slow.iter().map(|(q, ms)| (*q, *ms)).collect();
    let position = |q: &str| ctx.suite.map.questions.iter().position(|x| x.id == q).unwrap_or(usize::MAX);
    slow.sort_by_key(|(q, _)| (position(q), *q));
    if let [(q, _)] = slow.as_slice() {
        return (format!(" to answer “{}”", ctx.question_label(q)), String::new());
    }
    let mut named: Vec<String> =
        slow.iter().take(3).map(|(q, ms)| format!("“{}” ({})", ctx.question_label(q), human_ms(*ms))).collect();
    let more = slow.len() - named.len();
    if more > 0 {
        named.push(format!("{more} more"));
    }
    let which = match named.len() {
        0 => String::new(),
        _ => format!(" Slow on {} questions: {}.", slow.len(), super::consistency::join_and(&named)),
    };
    (String::new(), which)
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
            let claim = k.fact.map_or_else(|| format!("{fact} is {found}"), |f| ctx.fact_claim(f, found));
            let expected = k.fact.and_then(|f| ctx.map_value(f)).unwrap_or_else(|| expected.to_string());
            let (agree, differ) = others(ctx, channel_values, k);
            let who = if agree.is_empty() {
                "the map says".to_string()
            } else {
                let mut names = vec!["the map".to_string()];
                names.extend(agree);
                format!("{} say", super::consistency::join_and(&names))
            };
            format!("{channel} says {claim}{asked}; {who} {expected}{differ}.")
        }
        FindingKind::NotStated => {
            let expected = k.fact.and_then(|f| ctx.map_value(f)).unwrap_or_else(|| expected.to_string());
            format!("{channel} does not state {fact}{asked}; the map says {expected}.")
        }
        FindingKind::LostContext => match acc.note.as_deref() {
            Some(note) => format!("{channel} {note}."),
            None => format!("{channel} did not recognise a value the customer was given earlier."),
        },
        FindingKind::SlaBreach | FindingKind::PossibleSlaBreach => {
            let sla = acc
                .sla_ms
                .or_else(|| k.channel.and_then(|c| ctx.sla.channel(c)))
                .map(human_ms)
                .unwrap_or_else(|| "?".into());
            let (lo, hi) = acc.worst_ms.unwrap_or((0.0, 0.0));
            let (asked, which) = slow_questions(ctx, acc);
            if k.kind == FindingKind::SlaBreach {
                format!("{channel} took up to {}{asked} (at least {} even at the earliest moment the reply could have arrived), over its {sla} service level.{which}", human_ms(hi), human_ms(lo))
            } else {
                format!(
                    "{channel} may have missed its {sla} service level{asked}: the reply came between {} and {} (polling cannot tell closer).{which}",
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
        // Built whole by `callbacks.rs`, never through the accumulator.
        FindingKind::InvalidSignature => format!("{channel}: callbacks with an invalid signature."),
        // Consistency findings carry their own words; this is a fallback.
        FindingKind::ChannelDisagreement | FindingKind::SegmentDifference | FindingKind::Unstable => {
            format!("Answers about {fact} differ{asked}.")
        }
    };
    format!("{sentence}{times}")
}

/// The other channels of a wrong fact's question, by what they consistently
/// said: those that match the map (named beside it), and the rest as a
/// clause ("; Live chat says 10 days"), so the wrong-fact finding names
/// every channel that disagrees — the disagreement is this finding, not
/// another one (see `consistency.rs`).
fn others(ctx: &Context<'_>, values: &ChannelValues<'_>, k: &Key<'_>) -> (Vec<String>, String) {
    let (Some(q), Some(f)) = (k.question, k.fact) else { return (Vec::new(), String::new()) };
    let Some(list) = values.get(&(q, f)) else { return (Vec::new(), String::new()) };
    let mut agree = Vec::new();
    let mut differ: Vec<(&str, Vec<String>)> = Vec::new();
    for (c, matches, shown) in list.iter().filter(|(c, _, _)| Some(*c) != k.channel) {
        if *matches == Some(true) {
            agree.push(ctx.channel_mid(c));
        } else {
            match differ.iter_mut().find(|(v, _)| v == shown) {
                Some((_, names)) => names.push(ctx.channel_mid(c)),
                None => differ.push((shown, vec![ctx.channel_mid(c)])),
            }
        }
    }
    let differ: String = differ
        .into_iter()
        .map(|(shown, names)| {
            let verb = if names.len() == 1 { "says" } else { "say" };
            format!("; {} {verb} {}", super::consistency::join_and(&names), ctx.value_phrase(f, shown))
        })
        .collect();
    (agree, differ)
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
    if let Some(relation) = score_and_verdict(v) {
        out.push(relation);
    }
    if let Some(line) = hygiene_line(v) {
        out.push(line);
    }
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
    for c in &v.callbacks {
        let name = v.names.channels.get(&c.channel).unwrap_or(&c.channel);
        if let Some(line) = c.line(name) {
            out.push(format!("  callbacks: {}", one_line(&line)));
        }
    }
    if !v.fix_first.is_empty() {
        out.push("fix first:".into());
        for p in &v.fix_first {
            out.push(format!("  {}. {}  ({}; {})", p.rank, one_line(&p.action), p.reach, p.severity));
        }
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

/// One sentence saying how the score and the verdict relate, when they
/// seem to disagree: a satisfied score beside a failing verdict, or a
/// frustrated one beside a pass. None when they tell the same story.
pub fn score_and_verdict(v: &Verdict) -> Option<String> {
    let score = v.score?;
    let failing = v.findings.iter().filter(|f| f.severity >= v.fail_on).count();
    let feeling = crate::verdict::Feeling::from_percent(score);
    match (failing, feeling) {
        (0, crate::verdict::Feeling::Frustrated) => Some(format!(
            "No single finding reaches the failing level ({}), but the score of {score:.0} says customers would leave \
             frustrated: many smaller problems add up.",
            v.fail_on
        )),
        (n, crate::verdict::Feeling::Satisfied) if n > 0 => Some(format!(
            "The score of {score:.0} averages every answer, and most were fine; the verdict follows the worst \
             problems: {n} {} {} or worse, the level this audit fails at.",
            if n == 1 { "finding is" } else { "findings are" },
            v.fail_on,
        )),
        _ => None,
    }
}

/// "hygiene: 1 another customer's data, 1 leaked placeholder; fallbacks:
/// chat on cancellation 4 of 4" — or nothing when answers were clean.
fn hygiene_line(v: &Verdict) -> Option<String> {
    let mut kinds: Vec<(FindingKind, usize)> = Vec::new();
    for f in v.findings.iter().filter(|f| f.kind.is_hygiene()) {
        match kinds.iter_mut().find(|(k, _)| *k == f.kind) {
            Some((_, n)) => *n += 1,
            None => kinds.push((f.kind, 1)),
        }
    }
    if kinds.is_empty() && v.fallbacks.is_empty() {
        return None;
    }
    let found: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {}", k.title())).collect();
    let mut line = format!("hygiene: {}", if found.is_empty() { "clean".into() } else { found.join(", ") });
    if !v.fallbacks.is_empty() {
        let rates: Vec<String> = v
            .fallbacks
            .iter()
            .map(|r| format!("{} on {} {} of {}", r.channel, r.question, r.fallbacks, r.replies))
            .collect();
        line.push_str(&format!("; fallbacks: {}", rates.join(", ")));
    }
    Some(line)
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

#[cfg(test)]
mod tests {
    use super::yes_no_claim;

    #[test]
    fn yes_no_facts_read_as_claims_not_as_yes_or_no() {
        assert_eq!(yes_no_claim("Installation is free", "yes"), "installation is free");
        assert_eq!(yes_no_claim("Installation is free", "no"), "installation is not free");
        assert_eq!(yes_no_claim("The setup is free (no setup fee)", "no"), "the setup is not free");
        assert_eq!(yes_no_claim("There is a setup fee", "yes"), "there is a setup fee");
        assert_eq!(yes_no_claim("There is a setup fee", "no"), "there is no setup fee");
        assert_eq!(yes_no_claim("There is no setup fee", "no"), "there is a setup fee");
        assert_eq!(yes_no_claim("You can cancel online", "no"), "you cannot cancel online");
        assert_eq!(yes_no_claim("Free returns", "no"), "it is not the case that free returns");
    }
}
