//! Handoffs: does an answer recognise a value the customer was given
//! earlier, usually on another channel (a case reference issued on chat and
//! quoted on email)? Context is lost when the answer
//! - does not mention the value at all,
//! - mentions it next to a not-found phrase ("we couldn't find CASE-1042"), or
//! - asks the customer for a reference or account number again.
//!
//! Values are matched ignoring case and punctuation, so "CASE-1042",
//! "case 1042" and "Case1042" are the same reference.

use once_cell::sync::Lazy;
use regex::Regex;
use std::ops::Range;

/// Bytes either side of the value searched for a not-found phrase.
const NEAR: usize = 120;

static NOT_FOUND: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"(?i)\b(?:(?:couldn'?t|could\s+not|can'?t|cannot|can\s+not|unable\s+to|were\s+unable\s+to|did\s+not|didn'?t)\s+(?:find|locate|see|identify|match|trace)|no\s+(?:record|trace|match|case|ticket)s?\b|not\s+(?:recogni[sz]e|found|valid|on\s+(?:our|the)\s+system)|(?:don'?t|do\s+not|doesn'?t|does\s+not)\s+(?:recogni[sz]e|match|exist|appear)|unable\s+to\s+locate|(?:is|isn'?t)\s+(?:not\s+)?(?:invalid|unknown)|unknown\s+(?:reference|case|ticket))",
    )
    .expect("the not-found pattern is valid")
});

static ASKS_AGAIN: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"(?i)\b(?:(?:could|can|would|will)\s+you\s+(?:please\s+)?|please\s+)?(?:send|give|provide|share|tell|confirm|quote|reply\s+with)\s+(?:me|us)?\s*(?:with\s+)?(?:your|the)\b[^.?!\n]{0,40}?\b(?:reference|ref|case|ticket|account)(?:\s+(?:number|no\.?|id|reference))?\b|\bwhat(?:'s|\s+is)\s+your\s+(?:case|ticket|reference|ref|account)\b",
    )
    .expect("the asks-again pattern is valid")
});

/// The verdict on one handoff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub recognised: bool,
    /// Why context was lost, in words for the report.
    pub reason: Option<&'static str>,
    /// Where the value, or the request for it, is in the answer.
    pub span: Option<Range<usize>>,
}

/// Checks whether `answer` recognises `value`.
pub fn check(answer: &str, value: &str) -> Outcome {
    let wanted = normalise(value).0;
    let asks = ASKS_AGAIN.find(answer).map(|m| m.range());
    if wanted.is_empty() {
        // Nothing to look for (an empty capture): only a request for it again counts.
        return match asks {
            Some(span) => lost("asks for the reference again", Some(span)),
            None => Outcome { recognised: true, reason: None, span: None },
        };
    }
    let (text, offsets) = normalise(answer);
    let mut first = None;
    let mut from = 0;
    while let Some(at) = text.get(from..).and_then(|t| t.find(&wanted)) {
        let start = from + at;
        let end = start + wanted.len();
        // `offsets[i]` is where normalised byte i came from; the value is ASCII-safe
        // to map back because normalisation keeps whole characters.
        let span = offsets[start]..offsets[end - 1] + char_len(answer, offsets[end - 1]);
        if near_not_found(answer, &span) {
            return lost("says it cannot find the reference", Some(span));
        }
        first.get_or_insert(span);
        from = start + 1;
        while !text.is_char_boundary(from) {
            from += 1;
        }
    }
    match (first, asks) {
        (None, Some(span)) => lost("asks for the reference again", Some(span)),
        (None, None) => lost("does not mention the reference", None),
        // Quoting the reference and then asking for an account number (to
        // verify the customer) is not losing context; asking for the reference is.
        (Some(span), Some(ask)) if answer[ask.clone()].to_lowercase().contains("account") => {
            Outcome { recognised: true, reason: None, span: Some(span) }
        }
        (Some(_), Some(ask)) => lost("mentions the reference but asks for it again", Some(ask)),
        (Some(span), None) => Outcome { recognised: true, reason: None, span: Some(span) },
    }
}

fn lost(reason: &'static str, span: Option<Range<usize>>) -> Outcome {
    Outcome { recognised: false, reason: Some(reason), span }
}

fn near_not_found(answer: &str, span: &Range<usize>) -> bool {
    let (window, _) = super::evidence::window(answer, span.clone(), NEAR);
    NOT_FOUND.is_match(window)
}

fn char_len(text: &str, at: usize) -> usize {
    text[at..].chars().next().map_or(0, char::len_utf8)
}

/// Lowercased letters and digits only, with the byte offset in the original
/// text of every byte kept.
fn normalise(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut offsets = Vec::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            for lc in c.to_lowercase() {
                let before = out.len();
                out.push(lc);
                offsets.extend(std::iter::repeat_n(i, out.len() - before));
            }
        }
    }
    (out, offsets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognised_despite_punctuation() {
        let o = check("Thanks — I can see case case 1042 is open.", "CASE-1042");
        assert!(o.recognised, "{o:?}");
    }

    #[test]
    fn lost_when_absent_or_not_found_or_asked_again() {
        assert!(!check("Thanks for your email.", "CASE-1042").recognised);
        assert!(!check("Sorry, we couldn't find CASE-1042 on our system.", "CASE-1042").recognised);
        assert!(!check("Could you send me your case reference number?", "CASE-1042").recognised);
        assert!(!check("What's your account number?", "CASE-1042").recognised);
    }

    #[test]
    fn spans_map_back_to_the_original() {
        let a = "Réf: Case-1042 ok";
        let o = check(a, "case 1042");
        let span = o.span.unwrap();
        assert_eq!(&a[span], "Case-1042");
    }
}
