//! A bot's holding message — "Let me check that for you…", "One moment
//! please", "Bear with me while I look that up" — says an answer is coming,
//! and is not it. Polling (`polling.rs`) keeps waiting for what follows
//! one, so a bot that answers a poll later is read whole even without
//! `receive.settle`.
//!
//! The phrases are data (`holding.txt`). Precision first: only a short
//! message made of such a phrase (after a thanks or the customer's name)
//! is one; "Let me check… it's £29.99 a month" or "One moment please, our
//! lines are open Monday to Friday" is an answer.

use once_cell::sync::Lazy;

const PHRASES: &str = include_str!("holding.txt");
/// A holding message is never longer than this.
const MAX_WORDS: usize = 16;
/// Nor says more than this after its phrase.
const MAX_TAIL_WORDS: usize = 8;
/// A courtesy lead ends within this many words ("Thanks Alice Morgan!").
const MAX_LEAD_WORDS: usize = 4;

struct Lists {
    leads: Vec<String>,
    holding: Vec<String>,
}

static LISTS: Lazy<Lists> = Lazy::new(|| {
    let (mut leads, mut holding, mut section) = (Vec::new(), Vec::new(), "");
    for line in PHRASES.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        match line {
            "[lead]" | "[holding]" => section = line,
            phrase if section == "[lead]" => leads.push(normalise(phrase)),
            phrase => holding.push(normalise(phrase)),
        }
    }
    Lists { leads, holding }
});

/// Lower case, one apostrophe, single spaces.
fn normalise(text: &str) -> String {
    let lower = text.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'");
    lower.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` after `phrase` when it starts with it on a word boundary.
fn after<'a>(text: &'a str, phrase: &str) -> Option<&'a str> {
    let rest = text.strip_prefix(phrase)?;
    (!rest.starts_with(|c: char| c.is_alphanumeric() || c == '\'')).then_some(rest)
}

/// Whether `text` is only a holding message.
pub fn is_holding(text: &str) -> bool {
    let text = normalise(text);
    if text.split(' ').count() > MAX_WORDS || text.contains(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let text = text.trim_end_matches(['.', '!', '…', ' ']);
    // An optional courtesy: "Thanks Alice! ", "Sure, ", "Thank you, Alice Morgan. ".
    let mut bodies = vec![text];
    for rest in LISTS.leads.iter().filter_map(|lead| after(text, lead)) {
        for (end, _) in rest.match_indices(['.', '!', ',']) {
            if rest[..end].split_whitespace().count() >= MAX_LEAD_WORDS {
                break;
            }
            bodies.push(rest[end + 1..].trim_start());
        }
    }
    bodies.into_iter().any(holds)
}

/// Whether `body` is a holding phrase and at most a short clause after it.
fn holds(body: &str) -> bool {
    LISTS.holding.iter().filter_map(|phrase| after(body, phrase)).any(|tail| {
        !tail.contains(['.', '!', '?', ':', ';', '—', '–', '…'])
            && !tail.contains(" - ")
            && tail.split_whitespace().count() <= MAX_TAIL_WORDS
    })
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
            "Sure, I’m checking that now.",
            "Give me a second to pull up your details",
            "Thank you, Alice Morgan. One moment please…",
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
            "One moment please, our lines are open Monday to Friday nine till five",
            "Let me look at EV Night — it's half price overnight.",
            "Let me check. Yes, cancelling in the cooling-off period is free.",
            "Let me checkout your basket",
            "Hold on to your receipt: you'll need it for a refund.",
            "",
        ] {
            assert!(!is_holding(text), "{text}");
        }
    }
}
