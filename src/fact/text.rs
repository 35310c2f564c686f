//! Free-text facts, checked by keywords rather than read: an answer states
//! the fact when every significant word of the expected text (or, when it
//! has none, every spec keyword) appears in it, in any case and with any
//! punctuation. A text fact is wrong only when the answer names one of the
//! alternatives the map lists in `not` ("Financial Ombudsman" when the fact
//! is "Energy Ombudsman") and not the fact itself.

use std::ops::Range;

use super::anchor::{Anchor, Terms};
use super::claims::{Reading, Standing};
use super::words::{self, is_stopword, mentions};
use super::{FactSpec, FactValue, Found, Judgement};

pub(crate) fn parse(text: &str) -> Result<FactValue, String> {
    let normalised = normalise(text);
    if normalised.is_empty() {
        return Err(format!("`{text}` has no words"));
    }
    Ok(FactValue::Text(normalised))
}

/// Lowercase words separated by single spaces.
pub(crate) fn normalise(text: &str) -> String {
    words::words(text).into_iter().map(|(_, w)| w).collect::<Vec<_>>().join(" ")
}

fn significant(text: &str) -> Vec<String> {
    words::words(text).into_iter().map(|(_, w)| w).filter(|w| !is_stopword(w)).collect()
}

/// Every significant word of `expected` is in `other`.
pub(crate) fn agrees(expected: &str, other: &str) -> bool {
    let haystack = words::words(other);
    let wanted = significant(expected);
    !wanted.is_empty() && wanted.iter().all(|w| mentions(&haystack, w))
}

/// Sentences mentioning every spec keyword (every sentence when there are none).
pub(crate) fn extract(text: &str, keywords: &[String]) -> Vec<Found> {
    words::sentences(text)
        .into_iter()
        .filter(|range| {
            let hay = words::words(&text[range.clone()]);
            keywords.iter().all(|k| mentions(&hay, k))
        })
        .filter_map(|range| {
            let value = FactValue::Text(normalise(&text[range.clone()]));
            Found::new(text, range, value)
        })
        .collect()
}

/// One sentence's words that are the company's claim: the customer's words
/// ("you mentioned Ofcom") and, after the first paragraph, footer text left out.
struct Part {
    range: Range<usize>,
    words: Vec<(Range<usize>, String)>,
}

/// Correct with the shortest run of claim sentences holding every wanted
/// word (its value the expected text, so channels compare by the name
/// stated, not by the sentences around it); wrong when a claim sentence names a `not` alternative instead,
/// unless it opens on another topic ("If you have a complaint, …") that
/// neither the fact's subject nor the question shares.
pub(crate) fn judge(
    expected: &str,
    spec: &FactSpec,
    text: &str,
    reading: &Reading,
    subject: &Terms,
    asked: &Terms,
) -> Judgement {
    let mut wanted = significant(expected);
    if wanted.is_empty() {
        wanted = spec.keywords.to_vec();
    }
    if wanted.is_empty() {
        return Judgement::NotStated;
    }
    // Legal wording in the reply itself ("We are regulated by …") answers
    // a question about it; the same wording in a footer does not.
    let body_end = text.trim_start().find("\n\n").map_or(text.len(), |i| i + (text.len() - text.trim_start().len()));
    let parts: Vec<Part> = reading
        .sentences
        .iter()
        .filter(|s| s.standing != Standing::Customer)
        .filter(|s| !s.footer && (s.range.start < body_end || !s.is_boilerplate(&s.range)))
        .map(|s| {
            let words = words::words(&text[s.range.clone()])
                .into_iter()
                .map(|(r, w)| (s.range.start + r.start..s.range.start + r.end, w))
                .filter(|(r, _)| !s.customer.iter().any(|c| c.start <= r.start && r.start < c.end))
                .collect();
            Part { range: s.range.clone(), words }
        })
        .collect();
    if let Some(found) = shortest_run(text, &parts, &wanted) {
        // The value stated is the fact, whatever the sentence around it:
        // two channels naming Openreach in different sentences agree.
        let found = Found { value: FactValue::Text(normalise(expected)), ..found };
        return Judgement::Correct { found, anchor: Anchor::Clause };
    }
    for alternative in &spec.not {
        let other = significant(alternative);
        if other.is_empty() {
            continue;
        }
        if let Some(found) = shortest_run(text, &parts, &other) {
            if another_topic(text, &found.span, subject, asked) {
                continue;
            }
            let found = Found { value: FactValue::Text(normalise(alternative)), ..found };
            return Judgement::Wrong { found, others: Vec::new(), anchor: Anchor::Clause };
        }
    }
    Judgement::NotStated
}

/// "If you have a complaint, …", "For general information, …": the
/// sentence opens on a condition or purpose and names neither the fact's
/// subject nor the question's topic.
fn another_topic(text: &str, span: &Range<usize>, subject: &Terms, asked: &Terms) -> bool {
    let Some(slice) = text.get(span.clone()) else { return false };
    let first = words::words(slice).into_iter().next().map(|(_, w)| w).unwrap_or_default();
    matches!(first.as_str(), "if" | "for" | "when" | "should" | "once")
        && !subject.mentioned_in(text, span)
        && !asked.mentioned_in(text, span)
}

/// Which `wanted` words `words` mention, a name written with or without
/// its space counting either way: "Aviation ADR" states "AviationADR", and
/// "AviationADR" states "Aviation ADR".
fn mentioned_in(words: &[(Range<usize>, String)], wanted: &[String]) -> Vec<bool> {
    let mut seen: Vec<bool> = wanted.iter().map(|w| mentions(words, w)).collect();
    for (i, w) in wanted.iter().enumerate() {
        if !seen[i] && w.chars().count() >= 6 {
            seen[i] = words.windows(2).any(|pair| {
                pair[0].1.len() + pair[1].1.len() == w.len() && w.starts_with(&pair[0].1) && w.ends_with(&pair[1].1)
            });
        }
    }
    for start in 0..wanted.len() {
        for end in start + 2..=wanted.len() {
            let joined: String = wanted[start..end].concat();
            if joined.chars().count() >= 6 && words.iter().any(|(_, w)| *w == joined) {
                seen[start..end].iter_mut().for_each(|s| *s = true);
            }
        }
    }
    seen
}

fn shortest_run(text: &str, parts: &[Part], wanted: &[String]) -> Option<Found> {
    // Which wanted words each sentence mentions, computed once.
    let mentioned: Vec<Vec<bool>> = parts.iter().map(|part| mentioned_in(&part.words, wanted)).collect();
    let mut best: Option<Range<usize>> = None;
    for first in 0..parts.len() {
        let mut seen = vec![false; wanted.len()];
        for last in first..parts.len() {
            for (seen, now) in seen.iter_mut().zip(&mentioned[last]) {
                *seen |= *now;
            }
            if seen.iter().all(|s| *s) {
                let span = parts[first].range.start..parts[last].range.end;
                if best.as_ref().is_none_or(|b| span.len() < b.len()) {
                    best = Some(span);
                }
                break;
            }
        }
    }
    best.and_then(|span| {
        let value = FactValue::Text(normalise(&text[span.clone()]));
        Found::new(text, span, value)
    })
}
