//! Mojibake: UTF-8 text decoded as Latin-1 or Windows-1252 somewhere on
//! the way (`cafÃ©`, `itâ€™s`, `Â£29.99`), and the replacement character
//! `�` a decoder leaves where it gave up.
//!
//! Each pattern is the second half of a UTF-8 sequence read as a Latin-1
//! or Windows-1252 character after its lead byte (`Ã`, `Â`, `â€`), which
//! real words in any language almost never contain: "SÃO PAULO" and
//! "Âge" are left alone.

use super::text::inside;
use super::Hit;
use crate::verdict::Severity;
use once_cell::sync::Lazy;
use regex::Regex;
use std::ops::Range;

/// Windows-1252's characters for bytes 0x80–0x9F, plus Latin-1's 0xA0–0xBF:
/// what a UTF-8 continuation byte turns into.
const CONTINUATION: &str = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ\u{a0}¡¢£¤¥¦§¨©ª«¬\u{ad}®¯°±²³´µ¶·¸¹º»¼½¾¿";

static GARBLED: Lazy<Regex> = Lazy::new(|| {
    let set = regex::escape(CONTINUATION);
    Regex::new(&format!("(?:[ÃÂÅÆÐÑ][{set}]|â€[{set}]?|ï»¿|\u{fffd})+")).expect("valid regex")
});

/// Garbled characters in `text` outside `skip`.
pub fn find(text: &str, skip: &[Range<usize>]) -> Vec<Hit> {
    GARBLED
        .find_iter(text)
        .filter(|m| !inside(&m.range(), skip))
        .map(|m| Hit::new(m.range(), format!("garbled characters “{}”", m.as_str()), Severity::Medium))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        find(text, &[]).into_iter().map(|h| &text[h.span]).collect()
    }

    #[test]
    fn garbled_text() {
        assert_eq!(found("Weâ€™re open"), ["â€™"]);
        assert_eq!(found("It costs Â£29.99"), ["Â£"]);
        assert_eq!(found("Visit our cafÃ© today"), ["Ã©"]);
        assert_eq!(found("Bad byte \u{fffd} here"), ["\u{fffd}"]);
    }

    #[test]
    fn real_words_are_fine() {
        for text in ["SÃO PAULO office", "Âge minimum: 18", "We’re open — café, £29.99, naïve, Ærø, Ñandú", "ÀÁÂ"]
        {
            assert!(found(text).is_empty(), "{text}: {:?}", found(text));
        }
    }
}
