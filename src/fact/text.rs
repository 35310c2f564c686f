//! Free-text facts, checked by keywords rather than read: an answer states
//! the fact when every significant word of the expected text (or, when it
//! has none, every spec keyword) appears in it, in any case and with any
//! punctuation. There is no "wrong" free text — only stated or not.

use std::ops::Range;

use super::words::{self, is_stopword, mentions};
use super::{FactValue, Found, Judgement};

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

/// Correct with the shortest run of sentences holding every wanted word.
pub(crate) fn judge(expected: &str, keywords: &[String], text: &str) -> Judgement {
    let mut wanted = significant(expected);
    if wanted.is_empty() {
        wanted = keywords.to_vec();
    }
    if wanted.is_empty() {
        return Judgement::NotStated;
    }
    let sentences = words::sentences(text);
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
    .map_or(Judgement::NotStated, |found| Judgement::Correct { found })
}
