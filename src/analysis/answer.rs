//! Checking one answer's facts against the map: stated correctly, stated
//! wrongly, or not stated. Comparison is by meaning (see [`crate::fact`]).

use crate::fact::{self, FactSpec, FactValue, Found, Judgement, Locale};
use crate::suite::Suite;
use crate::verdict::{FactCheck, FactOutcome, Span};
use rustc_hash::FxHashMap;
use std::ops::Range;

/// Most "other values" listed per fact check.
const MAX_OTHERS: usize = 5;

/// What the map says about one fact, parsed once per analysis rather than
/// once per answer.
#[derive(Debug)]
pub struct FactInfo {
    pub spec: FactSpec,
    /// None when the map's value does not parse (validation reports that);
    /// answers can then still be compared with each other.
    pub expected: Option<FactValue>,
    pub expected_display: Option<String>,
    /// "refund window": the map's label or the id, for sentences.
    pub label: String,
}

/// Every fact of the map, by id.
pub fn facts(suite: &Suite) -> FxHashMap<&str, FactInfo> {
    let locale = suite.locale();
    suite
        .map
        .facts
        .iter()
        .map(|(id, f)| {
            let spec = f.spec(id);
            let expected = fact::parse_expected(&spec, &f.value, &locale).ok();
            let expected_display = expected.as_ref().map(FactValue::display).or_else(|| Some(f.value.clone()));
            let label = f.label.clone().unwrap_or_else(|| id.replace(['_', '-'], " "));
            let label = lower_first_except(&label, &suite.map.name);
            (id.as_str(), FactInfo { spec, expected, expected_display, label })
        })
        .collect()
}

/// "Refund window" → "refund window", for the middle of a sentence; the
/// rest is left alone ("Care plan price" → "care plan price"). A first word
/// that is a name stays as written: an acronym ("APR on router finance") or
/// a word of one of `names` (the company's: "Acme Talk price").
pub(crate) fn lower_first_except(label: &str, names: &str) -> String {
    let first_word = label.split_whitespace().next().unwrap_or_default();
    let word = first_word.trim_matches(|c: char| !c.is_alphanumeric());
    let acronym = word.chars().nth(1).is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
    let named =
        !word.is_empty() && names.split_whitespace().any(|n| n.trim_matches(|c: char| !c.is_alphanumeric()) == word);
    if acronym || named {
        return label.to_string();
    }
    let mut chars = label.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub(crate) fn lower_first(label: &str) -> String {
    lower_first_except(label, "")
}

/// The value an answer stated for a fact, for the consistency matrix.
#[derive(Debug, Clone)]
pub struct Stated {
    pub value: FactValue,
    pub span: Range<usize>,
    /// Agrees with the map; None when the map's value is unreadable.
    pub matches_map: Option<bool>,
}

/// Checks one fact in one cleaned answer to the customer's `message`.
pub fn check(
    fact_id: &str,
    info: &FactInfo,
    answer: &str,
    message: &str,
    locale: &Locale,
) -> (FactCheck, Option<Stated>) {
    let mut check = FactCheck {
        fact: fact_id.to_string(),
        outcome: FactOutcome::NotStated,
        expected: info.expected_display.clone(),
        found: None,
        others: Vec::new(),
        span: None,
        excerpt: None,
        anchor: None,
    };
    let (found, matches_map, others): (Option<Found>, Option<bool>, Vec<Found>) = match &info.expected {
        Some(expected) => match fact::judge_asked(expected, &info.spec, answer, message, locale) {
            Judgement::Correct { found, anchor } => {
                check.anchor = Some(anchor);
                (Some(found), Some(true), Vec::new())
            }
            Judgement::Wrong { found, others, anchor } => {
                check.anchor = Some(anchor);
                (Some(found), Some(false), others)
            }
            Judgement::NotStated => (None, None, Vec::new()),
        },
        // Without the map's value only channels can be compared: take what the answer states.
        None => {
            let mut all = fact::extract(&info.spec, answer, locale).into_iter();
            (all.next(), None, all.collect())
        }
    };
    let Some(found) = found else {
        return (check, None);
    };
    check.outcome = match matches_map {
        Some(true) => FactOutcome::Correct,
        Some(false) => FactOutcome::Wrong,
        None => FactOutcome::Unchecked,
    };
    check.found = Some(found.value.display());
    check.others = others.iter().take(MAX_OTHERS).map(|o| o.value.display()).collect();
    check.span = Some(Span { start: found.span.start, end: found.span.end });
    check.excerpt = Some(super::evidence::sentence(answer, found.span.clone()).to_string());
    let stated = Stated { value: found.value, span: found.span, matches_map };
    (check, Some(stated))
}

#[cfg(test)]
mod label_tests {
    use super::lower_first_except;

    #[test]
    fn a_label_starting_with_a_name_keeps_its_capital() {
        // Regression: "the acme Talk add-on price" in finding summaries.
        assert_eq!(lower_first_except("Acme Talk add-on price", "Acme Broadband"), "Acme Talk add-on price");
        assert_eq!(lower_first_except("APR on router finance", "Acme Broadband"), "APR on router finance");
        assert_eq!(lower_first_except("Refund window", "Acme Broadband"), "refund window");
        assert_eq!(lower_first_except("Opening hours", ""), "opening hours");
        assert_eq!(lower_first_except("", "Acme"), "");
    }
}
