//! Judging one answer against one expected fact: is the expected value
//! stated, is a different value stated instead, or is nothing stated?

use serde::{Deserialize, Serialize};

use super::{extract, hours, text, FactSpec, FactValue, Found, Locale};

/// The verdict for one expected fact in one answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Judgement {
    /// A value agreeing with the expected one is stated.
    Correct {
        found: Found,
    },
    /// Only other values are stated: `found` is the best candidate (the
    /// one closest in kind to the expected value), `others` the rest in
    /// text order.
    Wrong {
        found: Found,
        others: Vec<Found>,
    },
    NotStated,
}

/// Judges `text` (already cleaned) for `expected`. The expected value's kind
/// wins over `spec.kind` if they differ, so a mis-built spec cannot make a
/// money fact be searched for as a phone number.
pub fn judge(expected: &FactValue, spec: &FactSpec, text: &str, locale: &Locale) -> Judgement {
    if let FactValue::Text(wanted) = expected {
        return text::judge(wanted, &spec.keywords, text);
    }
    let spec = FactSpec { kind: expected.kind(), keywords: spec.keywords.clone() };
    let found = extract(&spec, text, locale);
    if let Some(hit) = found.iter().find(|f| expected.agrees(&f.value)) {
        return Judgement::Correct { found: hit.clone() };
    }
    if let Some(whole_week) = hours_spread_over_sentences(expected, text, &found) {
        return Judgement::Correct { found: whole_week };
    }
    let Some(best) = best_candidate(expected, &found) else {
        return Judgement::NotStated;
    };
    let mut others = found;
    let chosen = others.remove(best);
    Judgement::Wrong { found: chosen, others }
}

/// "We're open 8am–8pm on weekdays. On Saturdays it's 9am–5pm." states one
/// schedule in two places; try them together before calling it wrong.
fn hours_spread_over_sentences(expected: &FactValue, text: &str, found: &[Found]) -> Option<Found> {
    if !matches!(expected, FactValue::Hours { .. }) || found.len() < 2 {
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
fn best_candidate(expected: &FactValue, found: &[Found]) -> Option<usize> {
    let mut best: Option<(usize, u8)> = None;
    for (i, f) in found.iter().enumerate() {
        let score = likeness(expected, &f.value);
        if best.map_or(true, |(_, s)| score > s) {
            best = Some((i, score));
        }
    }
    best.map(|(i, _)| i)
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
