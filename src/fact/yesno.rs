//! Yes/no facts ("installation is free"), found by the sentence that talks
//! about the spec's keywords and read with its negation:
//! "Yes, installation is free" is yes; "Installation isn't free" and
//! "No, we charge for installation" are no.
//!
//! Keywords are often alternatives (`["installation", "free", "charge"]`),
//! so a sentence is *about* the fact when it mentions two of them (or the
//! only one). Such a sentence is read by its own polarity — even after a
//! leading "No", which may answer the customer's framing ("Is there a
//! charge?" "No, installation is free."). A sentence mentioning fewer is
//! read by a leading yes/no, its own or a bare "No." just before it.

use std::ops::Range;

use super::words::{self, is_negation, mentions};
use super::{FactValue, Found};

type Words = Vec<(Range<usize>, String)>;

pub(crate) fn parse(text: &str) -> Result<FactValue, String> {
    let word = text.trim().trim_end_matches(['.', '!']).to_lowercase();
    match word.as_str() {
        "yes" | "y" | "true" | "yep" | "1" => Ok(FactValue::YesNo(true)),
        "no" | "n" | "false" | "nope" | "0" => Ok(FactValue::YesNo(false)),
        _ => Err(format!("`{text}` is not yes or no")),
    }
}

/// Whether a yes/no fact is about something being free: its keywords or
/// its subject say "free" ("Leaving at the end of the contract is free"),
/// so "no exit fee" says yes rather than negating it.
pub(crate) fn about_free(keywords: &[String], subject: &[String]) -> bool {
    keywords.iter().chain(subject).any(|phrase| words::words(phrase).iter().any(|(_, w)| w == "free"))
}

/// Every yes/no statement about the fact `keywords` locate; `about_free`
/// (see [`about_free`]) reads charges and fees as "not free".
pub(crate) fn extract(text: &str, keywords: &[String], about_free: bool) -> Vec<Found> {
    let keywords: Vec<&str> = keywords.iter().map(|k| k.trim()).filter(|k| !k.is_empty()).collect();
    let needed = keywords.len().min(2);
    let mut out = Vec::new();
    // A sentence that is only "No." or "Yes!", waiting for the sentence it answers about.
    let mut bare_answer: Option<(bool, usize)> = None;
    for range in words::sentences(text) {
        let sentence = &text[range.clone()];
        let original = words::words(sentence);
        let rewritten = names(sentence, rewrite(original.clone(), about_free), &keywords);
        let (leading, used) = leading_answer(&rewritten);
        let body = &rewritten[used..];
        if keywords.is_empty() {
            if let Some(answer) = leading {
                out.extend(Found::new(text, range, FactValue::YesNo(answer)));
            }
            continue;
        }
        if body.is_empty() {
            bare_answer = leading.map(|answer| (answer, range.start));
            continue;
        }
        let hit = hits(&keywords, &original, body);
        let value = if hit >= needed {
            polarity(sentence, &original, body, &keywords, needed, about_free).or(leading)
        } else if hit > 0 {
            leading.or(bare_answer.map(|(answer, _)| answer))
        } else {
            None
        };
        if let Some(value) = value {
            let start = match (leading, bare_answer) {
                (None, Some((_, start))) if hit < needed => start,
                _ => range.start,
            };
            out.extend(Found::new(text, start..range.end, FactValue::YesNo(value)));
        }
        bare_answer = None;
    }
    out
}

/// The "no" that begins a name is not a negation: a compound joined by a
/// hyphen ("your no-claims discount", "a no-quibble guarantee") or the
/// start of one of the fact's own keywords ("no claims bonus" for the
/// keyword "no-claims"). Renamed so nothing reads it as one; keyword hits
/// are counted on the original words.
fn names(sentence: &str, mut words: Words, keywords: &[&str]) -> Words {
    let runs: Vec<Vec<String>> = keywords
        .iter()
        .map(|k| words::words(k).into_iter().map(|(_, w)| w).collect::<Vec<_>>())
        .filter(|k| k.len() > 1 && is_negation(&k[0]))
        .collect();
    for i in 0..words.len() {
        let (range, word) = &words[i];
        if word != "no" {
            continue;
        }
        let run = runs.iter().any(|k| {
            k[0] == *word
                && words.len() >= i + k.len()
                && words[i + 1..i + k.len()]
                    .iter()
                    .zip(&k[1..])
                    .all(|((_, w), want)| words::stem(w) == words::stem(want))
        });
        if hyphenated(sentence, range) || run {
            words[i].1 = "no-".to_string();
        }
    }
    words
}

/// Whether the word at `range` is joined to the next by a hyphen ("no-claims").
fn hyphenated(sentence: &str, range: &Range<usize>) -> bool {
    let after = sentence.get(range.end..).unwrap_or("");
    after.strip_prefix(['-', '\u{2011}']).is_some_and(|rest| rest.starts_with(char::is_alphabetic))
}

/// How many keywords `part` mentions, in its rewritten words or in the
/// original words it covers ("no charge" mentions both "free" and "charge").
fn hits(keywords: &[&str], original: &[(Range<usize>, String)], part: &[(Range<usize>, String)]) -> usize {
    let (Some(first), Some(last)) = (part.first(), part.last()) else {
        return 0;
    };
    let covered: Words =
        original.iter().filter(|(r, _)| r.start >= first.0.start && r.end <= last.0.end).cloned().collect();
    keywords.iter().filter(|k| mentions(part, k) || mentions(&covered, k)).count()
}

/// A leading "Yes", "No", "Of course", "Unfortunately not": the answer and
/// how many words it took.
fn leading_answer(words: &[(Range<usize>, String)]) -> (Option<bool>, usize) {
    let first = words.first().map(|(_, w)| w.as_str()).unwrap_or("");
    let second = words.get(1).map(|(_, w)| w.as_str()).unwrap_or("");
    match (first, second) {
        ("of", "course") | ("that's", "right") => (Some(true), 2),
        ("unfortunately" | "sadly" | "afraid" | "i'm", "not") => (Some(false), 2),
        (
            "yes" | "yeah" | "yep" | "yup" | "absolutely" | "certainly" | "definitely" | "correct" | "indeed" | "sure",
            _,
        ) => (Some(true), 1),
        ("no" | "nope", _) => (Some(false), 1),
        _ => (None, 0),
    }
}

/// The clause about the fact, read for its polarity: for a fact about
/// being free, by what the negation applies to (see [`free_polarity`]),
/// and `None` when the sentence says nothing of a price ("An engineer can
/// install a smart meter on weekdays"); otherwise true unless the clause is
/// negated an odd number of times, a price said to be nothing ("at no
/// extra charge") not counting as a negation.
fn polarity(
    sentence: &str,
    original: &[(Range<usize>, String)],
    body: &[(Range<usize>, String)],
    keywords: &[&str],
    needed: usize,
    about_free: bool,
) -> Option<bool> {
    let clauses = clauses(sentence, body);
    let best = clauses.iter().map(|clause| (hits(keywords, original, clause), clause)).fold(
        None,
        |best: Option<(usize, &Words)>, (n, clause)| match best {
            Some((m, _)) if m >= n => best,
            _ => Some((n, clause)),
        },
    );
    // Keywords spread over clauses ("Installation, I'm afraid, isn't free"): read it all.
    let scope = match best {
        Some((n, clause)) if n >= needed => clause.as_slice(),
        _ => body,
    };
    if about_free {
        // The body is rewritten ("no charge" → "free"); read the original words it covers.
        let covered: Words = match (scope.first(), scope.last()) {
            (Some(first), Some(last)) => {
                original.iter().filter(|(r, _)| r.start >= first.0.start && r.end <= last.0.end).cloned().collect()
            }
            _ => Vec::new(),
        };
        if let Some(free) = free_polarity(sentence, &covered) {
            return Some(free);
        }
        let whole = covering(original, body);
        free_polarity(sentence, &whole)?;
        return Some(scope.iter().filter(|(_, w)| is_negation(w)).count() % 2 == 0);
    }
    Some(negations(scope).is_multiple_of(2))
}

/// The original words `part` (rewritten) covers.
fn covering(original: &[(Range<usize>, String)], part: &[(Range<usize>, String)]) -> Words {
    match (part.first(), part.last()) {
        (Some(first), Some(last)) => {
            original.iter().filter(|(r, _)| r.start >= first.0.start && r.end <= last.0.end).cloned().collect()
        }
        _ => Vec::new(),
    }
}

/// Negations, leaving out the "no" of a price said to be nothing ("at no
/// extra charge", "no fee"): that negates the price, not the fact.
fn negations(words: &[(Range<usize>, String)]) -> usize {
    let mut count = 0;
    let mut i = 0;
    while i < words.len() {
        let phrase = FREE_PHRASES.iter().find(|p| {
            p.len() > 1
                && words.len() >= i + p.len()
                && words[i..i + p.len()].iter().zip(p.iter()).all(|((_, w), want)| w == want)
        });
        if let Some(p) = phrase {
            i += p.len();
            continue;
        }
        count += usize::from(is_negation(&words[i].1));
        i += 1;
    }
    count
}

/// Phrases that say "free" outright, negation and all.
const FREE_PHRASES: [&[&str]; 12] = [
    &["free", "of", "charge"],
    &["no", "extra", "cost"],
    &["no", "additional", "cost"],
    &["no", "extra", "charge"],
    &["no", "additional", "charge"],
    &["at", "no", "cost"],
    &["at", "no", "charge"],
    &["no", "charge"],
    &["no", "cost"],
    &["no", "fee"],
    &["complimentary"],
    &["free"],
];

/// Words that say something is charged for.
const CHARGE_WORDS: [&str; 15] = [
    "paying",
    "charge",
    "charges",
    "charged",
    "chargeable",
    "fee",
    "fees",
    "cost",
    "costs",
    "pay",
    "paid",
    "payable",
    "price",
    "priced",
    "charging",
];

/// Whether a clause says the thing is free, reading what its negation
/// applies to: the first statement of "free" or "charged" decides, negated
/// by the negations before it. "We don't charge an exit fee (£0)" is free
/// (the negation applies to "charge"; "fee" names what is not charged);
/// "isn't free" is not; "costs nothing", "the fee is £0" are free.
fn free_polarity(sentence: &str, words: &[(Range<usize>, String)]) -> Option<bool> {
    let mut negated = false;
    let mut i = 0;
    while i < words.len() {
        let phrase = FREE_PHRASES.iter().find(|p| {
            words.len() >= i + p.len() && words[i..i + p.len()].iter().zip(p.iter()).all(|((_, w), want)| w == want)
        });
        if phrase.is_some() {
            return Some(!negated);
        }
        let word = words[i].1.as_str();
        if (is_negation(word) && !(word == "no" && hyphenated(sentence, &words[i].0))) || word == "without" {
            negated = !negated;
        } else if CHARGE_WORDS.contains(&word) {
            // "costs nothing", "charge no fee", "the fee is £0".
            let zero = words[i + 1..].iter().take(4).any(|(r, w)| {
                let after = &sentence[r.end..];
                let decimal = (after.starts_with('.') || after.starts_with(','))
                    && after[1..].starts_with(|c: char| c.is_ascii_digit());
                matches!(w.as_str(), "nothing" | "zero" | "nil" | "no" | "none") || (w == "0" && !decimal)
            });
            // "We don't charge an exit fee (£0)": both say free.
            return Some(zero || negated);
        }
        i += 1;
    }
    None
}

/// Splits words into clauses at commas, semicolons and "but"/"however",
/// so "there's no charge, and installation is free" negates nothing.
fn clauses(sentence: &str, words: &[(Range<usize>, String)]) -> Vec<Words> {
    let mut out: Vec<Words> = vec![Vec::new()];
    let mut previous_end = words.first().map(|(r, _)| r.start).unwrap_or(0);
    for (range, word) in words {
        let gap = sentence.get(previous_end..range.start).unwrap_or("");
        let breaks = gap.contains([',', ';', ':', '—', '–']) || matches!(word.as_str(), "but" | "however" | "although");
        if breaks && out.last().is_some_and(|c| !c.is_empty()) {
            out.push(Vec::new());
        }
        if let Some(clause) = out.last_mut() {
            clause.push((range.clone(), word.clone()));
        }
        previous_end = range.end;
    }
    out
}

/// Rewrites phrases meaning "free" / "not free" when the fact is about
/// being free, so "no charge" is not read as a negation and "we charge for
/// it" is read as one.
fn rewrite(words: Words, about_free: bool) -> Words {
    if !about_free {
        return words;
    }
    const FREE: [&[&str]; 9] = [
        &["free", "of", "charge"],
        &["no", "extra", "cost"],
        &["no", "additional", "cost"],
        &["no", "extra", "charge"],
        &["at", "no", "cost"],
        &["no", "charge"],
        &["no", "cost"],
        &["no", "fee"],
        &["complimentary"],
    ];
    const NOT_FREE: [&str; 13] = [
        "paying",
        "charge",
        "charges",
        "charged",
        "chargeable",
        "fee",
        "fees",
        "cost",
        "costs",
        "paid",
        "pay",
        "payable",
        "charging",
    ];
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let phrase = FREE.iter().find(|p| {
            words.len() >= i + p.len() && words[i..i + p.len()].iter().zip(p.iter()).all(|((_, w), want)| w == want)
        });
        if let Some(p) = phrase {
            let range = words[i].0.start..words[i + p.len() - 1].0.end;
            out.push((range, "free".to_string()));
            i += p.len();
            continue;
        }
        let (range, word) = &words[i];
        if NOT_FREE.contains(&word.as_str()) {
            out.push((range.clone(), "not".to_string()));
            out.push((range.clone(), "free".to_string()));
        } else {
            out.push((range.clone(), word.clone()));
        }
        i += 1;
    }
    out
}
