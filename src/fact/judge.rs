//! Judging one answer against one expected fact: is the expected value
//! stated, is a different value stated instead, or is nothing stated?
//!
//! Only the company's words count (see [`super::claims`]), and only values
//! tied to the fact (see [`Anchor`]): of the values found, those with the
//! strongest tie are the answer's statement of the fact. Among values tied
//! only by being the sole value, several that disagree with each other and
//! with the map are a muddle, not a statement: "not stated", never a false
//! "wrong".

use serde::{Deserialize, Serialize};

use super::anchor::{Anchor, Terms};
use super::claims::{Reading, Standing};
use super::{extract, hours, text, yesno, DurationUnit, FactKind, FactSpec, FactValue, Found, Locale};

/// The verdict for one expected fact in one answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Judgement {
    /// A value agreeing with the expected one is stated.
    Correct {
        found: Found,
        anchor: Anchor,
    },
    /// Only other values are stated: `found` is the best candidate (the
    /// one closest in kind to the expected value), `others` the rest in
    /// text order.
    Wrong {
        found: Found,
        others: Vec<Found>,
        anchor: Anchor,
    },
    NotStated,
}

/// Judges `text` (already cleaned) for `expected`, with no question known.
pub fn judge(expected: &FactValue, spec: &FactSpec, text: &str, locale: &Locale) -> Judgement {
    judge_asked(expected, spec, text, "", locale)
}

/// Judges `text` (already cleaned) for `expected`, as the answer to
/// `question`. The expected value's kind wins over `spec.kind` if they
/// differ, so a mis-built spec cannot make a money fact be searched for as
/// a phone number.
pub fn judge_asked(expected: &FactValue, spec: &FactSpec, text: &str, question: &str, locale: &Locale) -> Judgement {
    let reading = Reading::new(text);
    let spec = FactSpec { kind: expected.kind(), ..spec.clone() };
    let subject = Terms::subject(&subject_phrases(&spec));
    let asked = Terms::question(question);
    if let FactValue::Text(wanted) = expected {
        return text::judge(wanted, &spec, text, &reading, &subject, &asked);
    }
    let found = match expected {
        FactValue::YesNo(_) => {
            yesno::extract(text, &yes_no_keywords(&spec), yesno::about_free(&spec.keywords, &spec.subject))
        }
        _ => extract(&spec, text, locale),
    };
    let placed: Vec<(Found, Anchor)> = found
        .into_iter()
        .filter_map(|f| {
            // The words of an address are not the answer naming its subject
            // ("dpd.co.uk/tracking" does not name "tracking").
            let masked;
            let words_of = if matches!(f.value, FactValue::Url(_) | FactValue::Email(_)) {
                masked = mask(text, &f.span);
                masked.as_str()
            } else {
                text
            };
            if tax_rate(text, &f) && !names_tax(&spec) {
                return None;
            }
            let anchor = anchor(&reading, words_of, &f, &subject, &asked, &spec)?;
            Some((f, anchor))
        })
        .collect();
    let Some(strongest) = placed.iter().map(|(_, a)| *a).max() else {
        return Judgement::NotStated;
    };
    // Named in the sentence: every value the sentence ties to the subject may
    // be the right one ("€12 if you're under 25; otherwise it's €14.50").
    if strongest >= Anchor::Sentence {
        if let Some((hit, anchor)) = placed.iter().find(|(f, a)| *a >= Anchor::Sentence && expected.agrees(&f.value)) {
            return Judgement::Correct { found: hit.clone(), anchor: *anchor };
        }
    }
    // Values the sentence ties to the subject less strongly are still listed
    // beside a wrong one ("£39.99 a month, or £399 a year").
    let also: Vec<Found> = placed
        .iter()
        .filter(|(_, a)| strongest >= Anchor::Sentence && *a >= Anchor::Sentence && *a < strongest)
        .map(|(f, _)| f.clone())
        .collect();
    // A two-part question ("spread the cost … and how quickly will I get a
    // decision?") ties the other part's values too ("over 12 months"): when
    // the map's value is stated untied beside them ("approved within 2
    // hours"), that is the answer to this part, not a wrong one.
    let untied_agreeing = if strongest == Anchor::Question {
        placed.iter().find(|(f, a)| *a == Anchor::Sole && expected.agrees(&f.value)).map(|(f, _)| f.clone())
    } else {
        None
    };
    // The same, for a wrong answer: when every value the question ties is
    // on another scale of time than the map's ("over 12 months" beside a
    // decision time in hours), those answer the other part, and this part's
    // answer is the one untied value on the map's scale, if there is one.
    if strongest == Anchor::Question
        && placed.iter().filter(|(_, a)| *a == strongest).all(|(f, _)| other_scale(expected, &f.value))
    {
        let mut same_scale = placed.iter().filter(|(f, a)| *a == Anchor::Sole && !other_scale(expected, &f.value));
        return match (same_scale.next(), same_scale.next()) {
            (Some((f, _)), None) if expected.agrees(&f.value) => {
                Judgement::Correct { found: f.clone(), anchor: Anchor::Sole }
            }
            (Some((f, _)), None) => Judgement::Wrong { found: f.clone(), others: Vec::new(), anchor: Anchor::Sole },
            _ => Judgement::NotStated,
        };
    }
    let mut candidates: Vec<Found> = placed.into_iter().filter(|(_, a)| *a == strongest).map(|(f, _)| f).collect();
    if strongest < Anchor::Nearby {
        // Not tied by name: an amount charged per another unit ("9p per
        // minute" beside a monthly price) is another thing, not a wrong value.
        // Nor is a discount ("20% off your first year") a wrong rate.
        candidates.retain(|f| {
            expected.agrees(&f.value) || !(other_unit(expected, &f.value) || discount_for_rate(expected, text, f))
        });
        if candidates.is_empty() {
            return Judgement::NotStated;
        }
    }
    if let Some(hit) = candidates.iter().find(|f| expected.agrees(&f.value)) {
        return Judgement::Correct { found: hit.clone(), anchor: strongest };
    }
    if let FactValue::Hours { .. } = expected {
        if let Some(whole_week) = union_of(expected, text, &candidates) {
            return Judgement::Correct { found: whole_week, anchor: strongest };
        }
    }
    if let Some(hit) = untied_agreeing {
        return Judgement::Correct { found: hit, anchor: Anchor::Sole };
    }
    // An untied value that disagrees is probably another thing: no finding,
    // when the fact has a subject or a question that could have tied it.
    if strongest == Anchor::Sole && !(subject.is_empty() && asked.is_empty()) {
        return Judgement::NotStated;
    }
    // Several untied values that disagree with each other are a muddle,
    // unless exactly one is like-for-like with the map (same currency and period).
    if strongest == Anchor::Sole && !all_agree(&candidates) {
        let top = candidates.iter().map(|f| likeness(expected, &f.value)).max().unwrap_or(0);
        let alike: Vec<Found> = candidates.iter().filter(|f| likeness(expected, &f.value) == top).cloned().collect();
        if top < 3 || !all_agree(&alike) {
            return Judgement::NotStated;
        }
        let chosen = alike[0].clone();
        let others = candidates.into_iter().filter(|f| f.span != chosen.span).collect();
        return Judgement::Wrong { found: chosen, others, anchor: strongest };
    }
    let Some(best) = best_candidate(expected, &candidates, text, &spec.subject) else {
        return Judgement::NotStated;
    };
    let mut others = candidates;
    let chosen = others.remove(best);
    others.extend(also);
    others.sort_by_key(|f| f.span.start);
    Judgement::Wrong { found: chosen, others, anchor: strongest }
}

/// The phrases naming the fact: its subject, else its keywords.
fn subject_phrases(spec: &FactSpec) -> Vec<String> {
    let mut phrases = spec.subject.clone();
    phrases.extend(spec.keywords.iter().cloned());
    phrases
}

/// Keywords locating a yes/no fact: its own, else its subject's words.
fn yes_no_keywords(spec: &FactSpec) -> Vec<String> {
    if !spec.keywords.is_empty() {
        return spec.keywords.clone();
    }
    spec.subject
        .iter()
        .flat_map(|p| super::words::words(p).into_iter().map(|(_, w)| w))
        .filter(|w| !super::words::is_stopword(w))
        .collect()
}

/// How `found` is tied to the fact, or `None` when it is not the company's claim.
fn anchor(
    reading: &Reading,
    text: &str,
    found: &Found,
    subject: &Terms,
    asked: &Terms,
    spec: &FactSpec,
) -> Option<Anchor> {
    let index = reading.sentence_at(found.span.start)?;
    let sentence = &reading.sentences[index];
    if sentence.is_customer(&found.span) {
        return None;
    }
    let clauses = sentence.clauses_of(&found.span);
    let in_clause = clauses.iter().any(|c| subject.mentioned_in(text, c));
    if sentence.is_boilerplate(&found.span) {
        // Footer and legal text counts only when it names the subject outright.
        let strong = clauses.iter().any(|c| subject.strongly_mentioned_in(text, c));
        return strong.then_some(Anchor::Clause);
    }
    if spec.kind == FactKind::YesNo {
        // Yes/no values are found by the sentence naming the fact already.
        return Some(Anchor::Clause);
    }
    if in_clause {
        return Some(Anchor::Clause);
    }
    let sibling = clauses.iter().any(|c| subject.sibling_in(text, c));
    if subject.mentioned_in(text, &sentence.range) && !sibling {
        return Some(Anchor::Sentence);
    }
    let previous = index.checked_sub(1).map(|i| &reading.sentences[i]);
    // The section's heading ("Returns and refunds" above "Returns are
    // accepted within 30 days") ties what is under it as it would tie its
    // own sentence: by the whole subject, or by its key words.
    let heading = reading.sentences[..index].iter().rev().take(6).find(|s| s.heading);
    let headed = heading.is_some_and(|s| subject.mentioned_in(text, &s.range));
    // The sentence before ties a value only in a sentence that goes on
    // about it ("…an exit fee if you leave early. It's £75 per fuel."), not
    // in one about something else ("…an exit fee. Our standing charge is
    // 53.35p a day.").
    let goes_on = || continues(text, &sentence.range, found);
    if headed
        || previous.is_some_and(|p| p.standing == Standing::Claim && subject.mentioned_in(text, &p.range) && goes_on())
    {
        return Some(Anchor::Nearby);
    }
    let keyed_heading = heading.is_some_and(|s| subject.keywords_in(text, &s.range));
    if (subject.keywords_in(text, &sentence.range) || keyed_heading) && !sibling {
        return Some(Anchor::Keyword);
    }
    // A sentence about another thing of the subject's sort ("your current
    // card" for "new card") shares the question's words but answers
    // something else.
    if !asked.is_empty()
        && !subject.other_in(text, &sentence.range)
        && !clauses.iter().any(|c| subject.another_charge_in(text, c))
        && (asked.mentioned_in(text, &sentence.range) || replies(text, sentence, found))
    {
        return Some(Anchor::Question);
    }
    if spec.kind == FactKind::Hours && !hours::names_schedule(&text[sentence.range.clone()]) {
        // "An engineer visits 8am–1pm" is a slot, not opening hours.
        return None;
    }
    Some(Anchor::Sole)
}

/// Whether a sentence carries on from the one before: it opens with a word
/// that points back or adds to it ("It's", "That", "You'll", "Plus",
/// "Usually"), or with the value itself.
fn continues(text: &str, range: &std::ops::Range<usize>, found: &Found) -> bool {
    let slice = &text[range.clone()];
    let before_value = text.get(range.start..found.span.start.max(range.start)).unwrap_or("");
    if !before_value.contains(char::is_alphanumeric) {
        return true;
    }
    let first = super::words::words(slice).into_iter().next().map(|(_, w)| w).unwrap_or_default();
    matches!(
        first.as_str(),
        "it" | "it's"
            | "its"
            | "it'll"
            | "that"
            | "that's"
            | "that'll"
            | "this"
            | "these"
            | "those"
            | "they"
            | "they're"
            | "they'll"
            | "which"
            | "so"
            | "and"
            | "plus"
            | "also"
            | "then"
            | "there"
            | "there's"
            | "you'll"
            | "you'd"
            | "you're"
            | "you"
            | "only"
            | "just"
            | "currently"
            | "right"
            | "now"
            | "usually"
            | "normally"
            | "typically"
            | "generally"
            | "roughly"
            | "around"
            | "about"
            | "approximately"
            | "up"
            | "from"
            | "at"
            | "in"
            | "within"
            | "for"
            | "yes"
            | "no"
            | "both"
            | "each"
            | "either"
            | "otherwise"
            | "however"
            | "but"
            | "unfortunately"
            | "sadly"
            | "the"
    )
}

/// `text` with the characters of `span` blanked, byte for byte, so every
/// range of `text` is a range of the copy.
fn mask(text: &str, span: &std::ops::Range<usize>) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if span.contains(&i) {
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

/// Both sides state what is charged for and one is usage (per minute, per
/// kWh) where the other is not, or another usage: a different charge, not
/// a wrong price. (A yearly figure for a monthly price is still wrong.)
fn other_unit(expected: &FactValue, found: &FactValue) -> bool {
    match (expected, found) {
        (FactValue::Money { per: Some(a), .. }, FactValue::Money { per: Some(b), .. }) => {
            a != b && (a.is_usage() || b.is_usage())
        }
        // "2p" beside a per-minute rate: not said to be per minute.
        (FactValue::Money { per: Some(a), .. }, FactValue::Money { per: None, .. }) => a.is_usage(),
        _ => false,
    }
}

/// A percentage taken off a price ("20% off", "a 20% discount") where the
/// map's value is a rate with a qualifier (APR, EAR, AER): another thing.
fn discount_for_rate(expected: &FactValue, text: &str, found: &Found) -> bool {
    if !matches!(expected, FactValue::Percent { qualifier: Some(_), .. }) {
        return false;
    }
    // The words right after the value: a prefix, not the rest of the answer.
    let after: String = text[found.span.end..].trim_start().chars().take(12).flat_map(char::to_lowercase).collect();
    ["off", "discount", "reduction", "cashback", "cash back"]
        .iter()
        .any(|w| after.strip_prefix(w).is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric())))
}

/// Tax words a rate is stated with: "VAT at 5%", "5% VAT", "inkl. 19 % MwSt.".
const TAXES: [&str; 8] = ["vat", "mwst", "ust", "gst", "iva", "tva", "btw", "ipt"];

/// A percentage that is a tax rate ("Prices include VAT at 5%", "plus 20%
/// VAT"): the tax, not the fact — unless the fact is about the tax.
fn tax_rate(text: &str, found: &Found) -> bool {
    if !matches!(found.value, FactValue::Percent { .. }) {
        return false;
    }
    let is_tax = |w: &(std::ops::Range<usize>, String)| TAXES.contains(&w.1.as_str());
    let before = super::words::words(&text[..found.span.start]);
    let after = super::words::words(&text[found.span.end..]);
    // "VAT at 5%", "VAT of 5%", "VAT @ 5%", "VAT: 5%"; "5% VAT", "5 % MwSt".
    before.iter().rev().take(2).any(is_tax) || after.first().is_some_and(is_tax)
}

fn names_tax(spec: &FactSpec) -> bool {
    spec.subject
        .iter()
        .chain(&spec.keywords)
        .any(|p| super::words::words(p).iter().any(|w| TAXES.contains(&w.1.as_str())))
}

/// Durations on scales too far apart to be the same thing misstated: hours
/// (or minutes) against months (or years). Days and weeks sit between and
/// are never "another scale" of either, so "within a working day" for a
/// two-hour decision is still a wrong answer.
fn other_scale(expected: &FactValue, found: &FactValue) -> bool {
    fn scale(v: &FactValue) -> Option<i8> {
        match v {
            FactValue::Duration { amount, unit: DurationUnit::Seconds, .. } if *amount < 86_400 => Some(0),
            FactValue::Duration { unit: DurationUnit::Months, .. } => Some(2),
            FactValue::Duration { .. } => Some(1),
            _ => None,
        }
    }
    matches!((scale(expected), scale(found)), (Some(a), Some(b)) if (a - b).abs() >= 2)
}

/// A sentence that replies to the question without naming it: "It's
/// £29.99 a month", "You'll pay…", "Yes, …", or one that opens with the value.
fn replies(text: &str, sentence: &super::claims::Sentence, found: &Found) -> bool {
    let slice = &text[sentence.range.clone()];
    if found.span.start == sentence.range.start || slice[..found.span.start - sentence.range.start].trim().is_empty() {
        return true;
    }
    let words: Vec<String> = super::words::words(slice).into_iter().take(3).map(|(_, w)| w).collect();
    let first = words.first().map(String::as_str).unwrap_or("");
    let second = words.get(1).map(String::as_str).unwrap_or("");
    let third = words.get(2).map(String::as_str).unwrap_or("");
    // "You have 30 days", "New customers get 14 days": what the customer is
    // given is the first value; in "New customers get 15% off their first 3
    // months" the months are the offer's, not the answer.
    let given = matches!(second, "have" | "get" | "receive") && matches!(first, "you" | "customers")
        || matches!(first, "you've" | "you're") && matches!(second, "got" | "given" | "allowed" | "entitled")
        || second == "customers" && matches!(third, "have" | "get" | "receive");
    let first_value = !slice[..found.span.start - sentence.range.start].contains(|c: char| c.is_ascii_digit());
    if given && first_value {
        return true;
    }
    matches!(
        first,
        "it's"
            | "that's"
            | "they're"
            | "yes"
            | "no"
            | "yep"
            | "sure"
            | "certainly"
            | "absolutely"
            | "just"
            | "only"
            | "currently"
            | "you'll"
            | "you'd"
            | "that'd"
            | "it'll"
    ) || matches!(
        (first, second),
        ("it", "is" | "costs" | "will" | "takes")
            | ("that", "is" | "would" | "will")
            | ("this", "is")
            | ("they", "are" | "cost")
            | ("you", "will" | "would" | "pay")
            | ("right", "now")
    )
}

fn all_agree(found: &[Found]) -> bool {
    found.windows(2).all(|w| w[0].value.agrees(&w[1].value) || w[1].value.agrees(&w[0].value))
}

/// "We're open 8am–8pm on weekdays. On Saturdays it's 9am–5pm." states one
/// schedule in two places; try the candidates together before calling it wrong.
fn union_of(expected: &FactValue, text: &str, found: &[Found]) -> Option<Found> {
    if found.len() < 2 {
        return None;
    }
    let values: Vec<&FactValue> = found.iter().map(|f| &f.value).collect();
    let together = hours::union(&values)?;
    if !expected.agrees(&together) {
        return None;
    }
    let span = found.first()?.span.start..found.last()?.span.end;
    Found::new(text, span, together)
}

/// Index of the candidate most like the expected value (same currency and
/// period, same unit); the first in the text on a tie.
/// The wrong value to show: the one whose words before it name the fact
/// most fully ("the compulsory excess is £350", not "the windscreen excess
/// is £95" beside it, for "Compulsory excess" with the alias "excess"),
/// then the one closest in kind to the expected value; the first on a tie.
fn best_candidate(expected: &FactValue, found: &[Found], text: &str, subject: &[String]) -> Option<usize> {
    let mut best: Option<(usize, (usize, u8))> = None;
    for (i, f) in found.iter().enumerate() {
        let score = (naming(text, found, f, subject), likeness(expected, &f.value));
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((i, score));
        }
    }
    best.map(|(i, _)| i)
}

/// How many words of the fullest subject phrase the text just before `f`
/// names (back to the previous value, at most 80 bytes).
fn naming(text: &str, found: &[Found], f: &Found, subject: &[String]) -> usize {
    let previous = found.iter().map(|o| o.span.end).filter(|&end| end <= f.span.start).max().unwrap_or(0);
    let mut start = previous.max(f.span.start.saturating_sub(80));
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let before = super::words::words(text.get(start..f.span.start).unwrap_or(""));
    subject
        .iter()
        .filter(|phrase| super::words::mentions(&before, phrase))
        .map(|phrase| super::words::words(phrase).len())
        .max()
        .unwrap_or(0)
}

fn likeness(expected: &FactValue, found: &FactValue) -> u8 {
    match (expected, found) {
        (FactValue::Money { currency: ca, per: pa, .. }, FactValue::Money { currency: cb, per: pb, .. }) => {
            u8::from(ca == cb) * 2 + u8::from(pa.is_some() && pa == pb)
        }
        (FactValue::Duration { unit: a, .. }, FactValue::Duration { unit: b, .. }) => u8::from(a == b),
        _ => 0,
    }
}
