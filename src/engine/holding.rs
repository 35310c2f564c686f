//! A bot's holding message — "Let me check that for you…", "One moment
//! please", "Bear with me while I look that up" — says an answer is coming,
//! and is not it. Polling (`polling.rs`) keeps waiting for what follows
//! one, so a bot that answers a poll later is read whole even without
//! `receive.settle`.
//!
//! Precision first: only a short message made of such a phrase (and a
//! thanks or the customer's name) is one; an answer that begins "Let me
//! check… it's £29.99 a month" is an answer.

use once_cell::sync::Lazy;
use regex::Regex;

static HOLDING: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"(?ix)^
        (?:(?:thanks|thank\s+you|great|sure|ok(?:ay)?|no\s+problem|of\s+course|hi|hello)[^.!?…]{0,30}[.!,]\s*)?
        (?:
            let\s+me\s+(?:check|look|find|see|have\s+a\s+look|take\s+a\s+look|get|pull|look\s+that\s+up)
          | (?:i'?ll|i\s+will|i'?m\s+going\s+to)\s+(?:check|look|find|have\s+a\s+look|get\s+that|pull)
          | (?:i'?m|i\s+am)\s+(?:checking|looking|finding|getting|pulling)
          | (?:just\s+)?(?:one|a)\s+(?:moment|sec(?:ond)?|minute)
          | please\s+(?:wait|hold|bear\s+with)
          | bear\s+with\s+me
          | hold\s+on
          | give\s+me\s+a\s+(?:moment|sec(?:ond)?|minute)
          | checking\s+(?:that|this|now)
          | looking\s+(?:that|this|into\s+(?:that|this|it))
        )
        [^.!?]{0,60}(?:\.\.\.|…|[.!])?\s*$",
    )
    .expect("valid regex")
});

/// Whether `text` is only a holding message.
pub fn is_holding(text: &str) -> bool {
    let text = text.trim();
    text.split_whitespace().count() <= 16 && !text.contains(|c: char| c.is_ascii_digit()) && HOLDING.is_match(text)
}

#[cfg(test)]
mod tests {
    use super::is_holding;

    #[test]
    fn holding_messages_are_recognised() {
        for text in [
            "Let me check that for you…",
            "Thanks Alice! Let me check that for you…",
            "One moment please.",
            "Just a moment while I look that up...",
            "Please wait while I check your account.",
            "Bear with me!",
            "Sure, I'm checking that now.",
            "Give me a second to pull up your details",
        ] {
            assert!(is_holding(text), "{text}");
        }
    }

    #[test]
    fn answers_are_not_holding_messages() {
        for text in [
            "Let me check… it's £29.99 a month.",
            "The standing charge is 53.35p a day.",
            "Let me explain: switching takes three weeks, and you can cancel within 14 days.",
            "Thanks for waiting. Our lines are open Monday to Friday.",
            "Please wait 5 working days for your refund.",
            "One moment of your time: our prices are changing on 1 January.",
            "Sorry, I didn't catch that.",
        ] {
            assert!(!is_holding(text), "{text}");
        }
    }
}
