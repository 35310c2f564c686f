//! Empty values where a value belongs: code printed a variable that was
//! not set (`Your balance is undefined`, `Hi null,`, `£NaN`,
//! `[object Object]`, `Case: None`).
//!
//! These are ordinary English words too ("null and void", "None of our
//! plans has a setup fee", "the clause is undefined in law"), so a word
//! fires only in a value's place: straight after a currency sign, `:`,
//! `=` or `#`; after a greeting ("Hi null,"); or after "is", "of", "at" …
//! when the sentence ends right after it ("Your balance is undefined.").
//! `[object Object]` always fires.

use super::text::{inside, next_visible, prev_visible, stands_alone, word_before};
use super::Hit;
use crate::verdict::Severity;
use once_cell::sync::Lazy;
use regex::Regex;
use std::ops::Range;

static EMPTY: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"\[object Object\]|\bundefined\b|\bnull\b|\bNULL\b|\bNaN\b|\bNone\b|\bnil\b").expect("valid regex")
});

/// Words after which a value is expected when the sentence stops right there.
const BEFORE_VALUE: &[&str] = &[
    "is",
    "was",
    "are",
    "be",
    "of",
    "at",
    "to",
    "on",
    "costs",
    "cost",
    "by",
    "until",
    "from",
    "within",
    "reference",
    "ref",
    "number",
    "balance",
    "total",
    "price",
    "amount",
    "date",
    "code",
];
/// Words a greeting is made of: "Hi null," is a name that was not filled in.
const GREETINGS: &[&str] = &["hi", "hello", "dear", "hey", "thanks", "welcome"];

/// Every empty value in `text` outside `skip`.
pub fn find(text: &str, skip: &[Range<usize>]) -> Vec<Hit> {
    EMPTY
        .find_iter(text)
        .filter(|m| !inside(&m.range(), skip))
        .filter(|m| m.as_str() == "[object Object]" || in_value_place(text, m.range()))
        .map(|m| Hit::new(m.range(), format!("the empty value “{}”", m.as_str()), Severity::High))
        .collect()
}

fn in_value_place(text: &str, span: Range<usize>) -> bool {
    if !stands_alone(text, &span) {
        return false;
    }
    let prev = prev_visible(text, span.start);
    let glued_prev = super::text::before(text, span.start);
    // £undefined, $NaN, #null, :None, =null
    if glued_prev.is_some_and(|c| "£$€¥#".contains(c)) {
        return true;
    }
    if prev.is_some_and(|c| ":=".contains(c)) {
        return !none_as_english(text, span);
    }
    let next = next_visible(text, span.end);
    let ends = next.is_none_or(|c| ".,;!?)\n\r\"'”’%".contains(c));
    match word_before(text, span.start) {
        Some(w) if GREETINGS.contains(&w.as_str()) => next.is_none_or(|c| ",!.\n".contains(c)),
        Some(w) if BEFORE_VALUE.contains(&w.as_str()) => ends && !followed_by_more_words(text, span.end),
        _ => false,
    }
}

/// Things there can be none of: "Baggage allowance: None", "Cancellation
/// fee: None (Flex fare)". After such a label, or with its reason in
/// brackets, "None" is the English answer, not an unset value.
const CAN_BE_NONE: &[&str] = &[
    "allowance",
    "allowances",
    "included",
    "includes",
    "fee",
    "fees",
    "charge",
    "charges",
    "cost",
    "costs",
    "penalty",
    "penalties",
    "excess",
    "deposit",
    "restrictions",
    "exclusions",
    "extras",
    "discount",
    "surcharge",
    "limit",
    "limits",
    "requirements",
    "exceptions",
];

fn none_as_english(text: &str, span: Range<usize>) -> bool {
    if &text[span.clone()] != "None" {
        return false;
    }
    let colon = text[..span.start].trim_end_matches([' ', '\t']);
    let label = colon.strip_suffix([':', '=']).and_then(|head| word_before(head, head.len()));
    let explained = next_visible(text, span.end) == Some('(');
    explained || label.is_some_and(|w| CAN_BE_NONE.contains(&w.as_str()))
}

/// "is null, and void" style continuations: after a comma, more words of
/// the same clause follow ("null, void and …"). A full stop, a newline or
/// the end of text closes the value's place.
fn followed_by_more_words(text: &str, end: usize) -> bool {
    let rest = text.get(end..).unwrap_or("");
    let rest = rest.trim_start_matches([' ', '\t']);
    let Some(after_comma) = rest.strip_prefix(',') else { return false };
    let next_word: String = after_comma.trim_start().chars().take_while(|c| c.is_alphabetic()).collect();
    matches!(next_word.to_lowercase().as_str(), "and" | "or" | "void" | "but")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        find(text, &[]).into_iter().map(|h| &text[h.span]).collect()
    }

    #[test]
    fn values_that_were_never_filled_in() {
        assert_eq!(found("Your balance is undefined."), ["undefined"]);
        assert_eq!(found("Hi null, thanks for getting in touch."), ["null"]);
        assert_eq!(found("It costs £NaN a month."), ["NaN"]);
        assert_eq!(found("Your plan: [object Object]"), ["[object Object]"]);
        assert_eq!(found("Case reference: None"), ["None"]);
        assert_eq!(found("Your order number is null"), ["null"]);
        assert_eq!(found("Discount: NaN%"), ["NaN"]);
    }

    #[test]
    fn english_words_are_not_empty_values() {
        for text in [
            "None of our plans has a setup fee.",
            "The contract is null and void if you move abroad.",
            "The old agreement is null, and void.",
            "There is no nullable field here.",
            "None at all, I'm afraid: installation is free.",
            "Undefined terms in the contract have their usual meaning.",
            "An undefined period of time is not allowed.",
            "The result was null and the test passed",
            "Annulled contracts are refunded.",
            // unseen_airline: a fare table's "None" is the answer.
            "Baggage allowance: None",
            "Checked baggage included: None (Basic fare). Cabin bag: 1 x 10kg.",
            "Cancellation fee: None",
        ] {
            assert!(found(text).is_empty(), "{text}: {:?}", found(text));
        }
    }
}
