//! Answers cut off: a length limit or a dropped stream ended the reply in
//! the middle of a sentence or a number ("Our price is £29.", "You can
//! return it within 30 days of the").
//!
//! Chat answers often end without a full stop and emails with a name, so a
//! missing full stop alone never fires. The end must be something no
//! finished sentence ends on: a comma or colon, a currency sign, an
//! article, preposition or conjunction, a decimal point with one digit
//! ("£29.9"), or an opened bracket that never closes.

use super::Hit;
use crate::verdict::Severity;
use once_cell::sync::Lazy;
use regex::Regex;

/// Words no finished sentence ends on.
const DANGLING: &[&str] = &[
    "the", "a", "an", "and", "or", "but", "of", "to", "for", "with", "your", "our", "their", "is", "are", "be",
    "within", "at", "by", "from", "in", "on", "into", "than", "that", "which", "because", "if", "per", "about",
];

/// Only answers of some length are judged: "OK" and "Thanks" are complete.
const MIN_WORDS: usize = 4;

/// Where the answer stops mid-sentence or mid-number, as the span of its
/// last few characters; None when it ends as a finished answer may.
pub fn find(text: &str) -> Option<Hit> {
    let trimmed = text.trim_end();
    if trimmed.split_whitespace().count() < MIN_WORDS {
        return None;
    }
    let end = trimmed.len();
    let last = trimmed.chars().next_back()?;
    let last_word_start = after_last_space(trimmed);
    let last_word = &trimmed[last_word_start..];
    let why = if matches!(last, ',' | ':' | '(' | '[' | '£' | '$' | '€' | '-' | '–' | '/') {
        Some("it stops on a sign that leads to more")
    } else if ends_mid_number(trimmed) {
        Some("it stops in the middle of a number")
    } else if DANGLING.contains(&last_word.to_lowercase().as_str()) {
        Some("it stops in the middle of a sentence")
    } else if unbalanced(trimmed) {
        Some("a bracket opens and never closes")
    } else {
        None
    }?;
    // The last few words, so the reader sees where it stops.
    let mut start = last_word_start.min(end);
    for _ in 0..3 {
        let head = trimmed[..start].trim_end();
        match after_last_space(head) {
            0 => break,
            i if end - i <= 40 => start = i,
            _ => break,
        }
    }
    Some(Hit::new(start..end, format!("the answer ends “…{}”: {why}", &trimmed[start..end]), Severity::Medium))
}

/// "£29.9" at the very end: money with half its pence.
fn ends_mid_number(text: &str) -> bool {
    static MID: Lazy<Regex> = Lazy::new(|| Regex::new(r"[£$€]\d+[.,]\d$").expect("valid regex"));
    MID.is_match(text)
}

/// Where the last word of `text` starts: after its last whitespace
/// character (of any width), or 0.
fn after_last_space(text: &str) -> usize {
    text.char_indices().rev().find(|(_, c)| c.is_whitespace()).map_or(0, |(i, c)| i + c.len_utf8())
}

fn unbalanced(text: &str) -> bool {
    let tail: String = text.chars().rev().take(200).collect();
    let opens = tail.matches('(').count();
    let closes = tail.matches(')').count();
    opens > closes && text.rfind('(') > text.rfind(')')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Option<&str> {
        find(text).map(|h| &text[h.span])
    }

    #[test]
    fn answers_that_stop_short() {
        assert!(found("You can return it within 30 days of the").is_some());
        assert!(found("Our broadband costs £29.9").is_some());
        assert!(found("Our broadband costs £").is_some());
        assert!(found("You can call us on the number below,").is_some());
        assert!(found("Installation is free (within five working").is_some());
    }

    /// Regression (found by the property test): a multi-byte space before
    /// the last word put the span inside a character.
    #[test]
    fn a_wide_space_before_the_last_word_is_a_boundary() {
        let text = "You can return it\u{3000}within\u{2028}thirty days of\u{3000}the";
        let hit = find(text).expect("cut off");
        assert!(text.get(hit.span.clone()).is_some_and(|s| s.ends_with("the")), "{:?}", hit.span);
    }

    #[test]
    fn finished_answers_are_fine() {
        for text in [
            "Our broadband costs £29.99 a month",
            "Thanks for getting in touch",
            "OK, the",
            "Kind regards,\nAcme Support",
            "Our price is £29.",
            "We open at 8.",
            "Call us on 0800 123 4567",
            "Refunds are paid within 30 days (to your card).",
            "Sure: we're open Mon–Fri 8am–8pm!",
        ] {
            assert!(found(text).is_none(), "{text}: {:?}", found(text));
        }
    }
}
