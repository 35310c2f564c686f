//! Free-text facts, checked by keywords rather than read: an answer states
//! the fact when every significant word of the expected text (or, when it
//! has none, every spec keyword) appears in it, in any case and with any
//! punctuation. A text fact is wrong only when the answer names one of the
//! alternatives the map lists in `not` ("Financial Ombudsman" when the fact
//! is "Energy Ombudsman") and not the fact itself.

use std::ops::Range;

use super::anchor::Anchor;
use super::claims::Reading;
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

/// Correct with the shortest run of claim sentences holding every wanted
/// word; wrong when a claim sentence names a `not` alternative instead.
pub(crate) fn judge(expected: &str, spec: &FactSpec, text: &str, reading: &Reading) -> Judgement {
    let mut wanted = significant(expected);
    if wanted.is_empty() {
        wanted = spec.keywords.to_vec();
    }
    if wanted.is_empty() {
        return Judgement::NotStated;
    }
    // Only the company's own sentences; the customer's words name anything.
    let sentences: Vec<Range<usize>> = reading
        .sentences
        .iter()
        .filter(|s| !s.is_customer(&s.range) && !s.is_boilerplate(&s.range))
        .map(|s| s.range.clone())
        .collect();
    if let Some(found) = shortest_run(text, &sentences, &wanted) {
        return Judgement::Correct { found, anchor: Anchor::Clause };
    }
    for alternative in &spec.not {
        let other = significant(alternative);
        if other.is_empty() {
            continue;
        }
        if let Some(found) = shortest_run(text, &sentences, &other) {
            let found = Found { value: FactValue::Text(normalise(alternative)), ..found };
            return Judgement::Wrong { found, others: Vec::new(), anchor: Anchor::Clause };
        }
    }
    Judgement::NotStated
}

fn shortest_run(text: &str, sentences: &[Range<usize>], wanted: &[String]) -> Option<Found> {
    // Which wanted words each sentence mentions, computed once.
    let mentioned: Vec<Vec<bool>> = sentences
        .iter()
        .map(|range| {
            let hay = words::words(&text[range.clone()]);
            wanted.iter().map(|w| mentions(&hay, w)).collect()
        })
        .collect();
    let mut best: Option<Range<usize>> = None;
    for first in 0..sentences.len() {
        let mut seen = vec![false; wanted.len()];
        for last in first..sentences.len() {
            for (seen, now) in seen.iter_mut().zip(&mentioned[last]) {
                *seen |= *now;
            }
            if seen.iter().all(|s| *s) {
                let span = sentences[first].start..sentences[last].end;
                if best.as_ref().map_or(true, |b| span.len() < b.len()) {
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
