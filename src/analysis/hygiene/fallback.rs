//! Fallbacks and non-answers: "Sorry, I didn't understand", "Let me
//! transfer you", an empty reply. A channel that falls back on a question
//! that another channel answers is the finding ("chat cannot answer the
//! cancellation question that email and the help centre answer"); the
//! rate per channel × question goes into the verdict.
//!
//! The phrase list is data (`fallbacks.txt`, English defaults), extended
//! or replaced per channel in map.toml. A reply that states one of the
//! question's expected facts is an answer whatever phrase it also holds.

use super::Hit;
use crate::verdict::Severity;
use std::ops::Range;

/// The English defaults, one phrase a line, `#` comments.
pub const DEFAULTS: &str = include_str!("fallbacks.txt");

/// A channel's fallback phrases, normalised for matching.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Phrases {
    /// Each phrase as lowercase words.
    list: Vec<Vec<String>>,
}

impl Phrases {
    /// The defaults (when `defaults`), plus `extra`.
    pub fn new(defaults: bool, extra: &[String]) -> Phrases {
        let lines = DEFAULTS.lines().filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        let mut list: Vec<Vec<String>> = Vec::new();
        for phrase in lines.filter(|_| defaults).chain(extra.iter().map(String::as_str)) {
            let words: Vec<String> = words(phrase).into_iter().map(|(_, w)| w).collect();
            if !words.is_empty() && !list.contains(&words) {
                list.push(words);
            }
        }
        Phrases { list }
    }

    /// The first fallback phrase in `text`, as a span; an empty answer is
    /// a non-answer too (spanning nothing).
    pub fn find(&self, text: &str) -> Option<Hit> {
        if text.trim().is_empty() {
            return Some(Hit::new(0..0, "an empty answer".into(), Severity::Medium));
        }
        let words = words(text);
        for phrase in &self.list {
            let n = phrase.len();
            if let Some(run) = words.windows(n).find(|w| w.iter().zip(phrase).all(|((_, a), b)| a == b)) {
                let span = run[0].0.start..run[n - 1].0.end;
                return Some(Hit::new(span.clone(), format!("the fallback “{}”", &text[span]), Severity::Medium));
            }
        }
        None
    }
}

/// Lowercase words with their spans; apostrophes (straight or curly) stay
/// inside words, so "didn't" is one word either way.
fn words(text: &str) -> Vec<(Range<usize>, String)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let is_part = |c: char| c.is_alphanumeric() || c == '\'' || c == '’';
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        match (is_part(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let w = text[s..i].trim_matches(['\'', '’']);
                if !w.is_empty() {
                    let lead = text[s..i].len() - text[s..i].trim_start_matches(['\'', '’']).len();
                    out.push((s + lead..s + lead + w.len(), w.replace('’', "'").to_lowercase()));
                }
                start = None;
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(p: &Phrases, text: &str) -> Option<String> {
        p.find(text).map(|h| text[h.span].to_string())
    }

    #[test]
    fn fallbacks_and_empty_answers() {
        let p = Phrases::new(true, &[]);
        assert_eq!(found(&p, "Sorry, I didn’t understand. Could you rephrase?").as_deref(), Some("didn’t understand"));
        assert_eq!(found(&p, "Let me transfer you to a colleague.").as_deref(), Some("transfer you"));
        assert_eq!(found(&p, "   ").as_deref(), Some(""));
        assert_eq!(found(&p, "I'M NOT SURE what you mean").as_deref(), Some("I'M NOT SURE"));
    }

    #[test]
    fn answers_are_not_fallbacks() {
        let p = Phrases::new(true, &[]);
        for text in [
            "If you're not sure which plan you have, check your bill.",
            "We understand: refunds take 30 days.",
            "You can transfer your number to us for free.",
            "We can help with that: call 0800 123 4567.",
        ] {
            assert_eq!(found(&p, text), None, "{text}");
        }
    }

    #[test]
    fn per_channel_phrases() {
        let p = Phrases::new(false, &["let me check with a colleague".into()]);
        assert!(p.find("Let me check with a colleague and come back.").is_some());
        assert!(p.find("Sorry, I didn't understand").is_none(), "defaults dropped");
    }
}
