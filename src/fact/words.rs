//! Sentences and words: the shared plumbing for facts that are found by
//! *what a sentence talks about* (yes/no, free text) rather than by a
//! pattern of their own.

use std::ops::Range;

use once_cell::sync::Lazy;
use regex::Regex;

/// Letters and digits, with inner apostrophes kept so "isn't" is one word.
static WORD: Lazy<Regex> = Lazy::new(|| Regex::new(r"[\p{L}\p{N}]+(?:['’][\p{L}]+)*").expect("valid regex"));

/// Byte ranges of the sentences of `text`, trimmed, in order. A sentence ends
/// at `.`, `!` or `?` followed by whitespace (so "29.99" and "acme.com" do
/// not split), or at a line break.
pub(crate) fn sentences(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end = match c {
            '\n' => Some(i),
            '.' | '!' | '?' => {
                // A closing quote or bracket stays with its sentence: "…14 days?' Then".
                let mut end = i + c.len_utf8();
                while let Some(&(j, close)) = chars.peek() {
                    if !matches!(close, '\'' | '"' | '’' | '”' | ')' | ']') {
                        break;
                    }
                    end = j + close.len_utf8();
                    chars.next();
                }
                match chars.peek() {
                    None => Some(end),
                    Some((_, next)) if next.is_whitespace() => Some(end),
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(end) = end {
            push_trimmed(text, start..end, &mut out);
            start = end;
        }
    }
    push_trimmed(text, start..text.len(), &mut out);
    out
}

fn push_trimmed(text: &str, range: Range<usize>, out: &mut Vec<Range<usize>>) {
    let Some(slice) = text.get(range.clone()) else {
        return;
    };
    let lead = slice.len() - slice.trim_start().len();
    let trail = slice.len() - slice.trim_end().len();
    if lead + trail < slice.len() {
        out.push(range.start + lead..range.end - trail);
    }
}

/// The words of `text`, lowercased, with their byte ranges.
pub(crate) fn words(text: &str) -> Vec<(Range<usize>, String)> {
    WORD.find_iter(text).map(|m| (m.range(), normalise(m.as_str()))).collect()
}

/// A word lowercased, with typographic apostrophes made plain. Called for
/// every word of every answer, so the common case (plain lowercase ASCII)
/// is one copy instead of two fresh strings.
fn normalise(word: &str) -> String {
    if word.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        return word.to_string();
    }
    let lower = word.to_lowercase();
    if lower.contains('’') {
        lower.replace('’', "'")
    } else {
        lower
    }
}

/// A crude English stem, so "installation" finds "install" and "refunds"
/// finds "refund". Deliberately conservative: only common suffixes, and a
/// stem is never shorter than four letters.
pub(crate) fn stem(word: &str) -> String {
    let word = word.to_lowercase();
    for suffix in ["ations", "ation", "ings", "ing", "ions", "ion", "ies", "ed", "es", "s"] {
        if let Some(base) = word.strip_suffix(suffix) {
            // "process" and "address" are not plurals.
            if base.chars().count() >= 4 && !(suffix == "s" && base.ends_with('s')) {
                return sion(silent_e(base));
            }
        }
    }
    sion(silent_e(&word))
}

/// "decide" and "decision", "include" and "inclusion" share a stem: a
/// stem ending in -id/-ud/-ad spells its d as the s of the -sion noun.
fn sion(stem: String) -> String {
    let long = stem.chars().count() >= 5;
    match stem.strip_suffix('d') {
        Some(base) if long && (base.ends_with('i') || base.ends_with('u') || base.ends_with('a')) => format!("{base}s"),
        _ => stem,
    }
}

/// "leave" and "leaving", "charge" and "charged" share a stem.
fn silent_e(word: &str) -> String {
    match word.strip_suffix('e') {
        Some(base) if base.chars().count() >= 4 && !base.ends_with('e') => base.to_string(),
        _ => word.to_string(),
    }
}

/// Whether a word in `haystack` (already lowercased words) matches `keyword`:
/// same stem, or the word starts with the keyword's stem.
pub(crate) fn mentions(haystack: &[(Range<usize>, String)], keyword: &str) -> bool {
    let wanted: Vec<String> = words(keyword).into_iter().map(|(_, w)| stem(&w)).collect();
    if wanted.is_empty() {
        return false;
    }
    // A multi-word keyword ("free of charge") must appear as a run.
    haystack.windows(wanted.len()).any(|window| {
        window.iter().zip(&wanted).all(|((_, word), want)| {
            let s = stem(word);
            // A short word's plural keeps its s in `stem` ("bags", "fees").
            s == *want
                || (want.chars().count() >= 4 && s.starts_with(want.as_str()))
                || s.strip_suffix('s') == Some(want.as_str())
        })
    })
}

/// Negating words: "not", "no", "never" and the n't contractions.
pub(crate) fn is_negation(word: &str) -> bool {
    matches!(word, "not" | "no" | "never" | "cannot" | "nor" | "neither" | "none" | "nothing" | "non")
        || word.ends_with("n't")
}

/// Words too common to say what a sentence is about.
pub(crate) fn is_stopword(word: &str) -> bool {
    matches!(
        word,
        "a" | "an"
            | "the"
            | "and"
            | "or"
            | "of"
            | "to"
            | "in"
            | "on"
            | "at"
            | "for"
            | "by"
            | "with"
            | "is"
            | "are"
            | "was"
            | "were"
            | "be"
            | "been"
            | "it"
            | "its"
            | "it's"
            | "this"
            | "that"
            | "these"
            | "those"
            | "we"
            | "our"
            | "you"
            | "your"
            | "i"
            | "my"
            | "me"
            | "us"
            | "they"
            | "their"
            | "can"
            | "will"
            | "do"
            | "does"
            | "as"
            | "from"
            | "if"
            | "so"
            | "but"
            | "all"
            | "any"
            | "please"
            | "just"
            | "also"
            | "there"
            | "here"
            | "have"
            | "has"
            | "had"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_do_not_split_decimals_or_domains() {
        let text = "It costs £29.99. See acme.com for more!\nThanks";
        let got: Vec<&str> = sentences(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(got, ["It costs £29.99.", "See acme.com for more!", "Thanks"]);
    }

    #[test]
    fn stems_match_related_words() {
        let hay = words("We install routers for free");
        assert!(mentions(&hay, "installation"));
        assert!(mentions(&hay, "free"));
        assert!(!mentions(&hay, "refund"));
        let hay = words("We decide on most applications in about two hours");
        assert!(mentions(&hay, "decision") && mentions(&words("a decision"), "decide"));
        assert!(mentions(&words("Prices include VAT"), "inclusion"));
        assert!(!mentions(&hay, "division"));
    }

    /// unseen_airline: "Checked bags are £30 each" did not name the
    /// subject "checked bag", so the wrong fee was "not stated".
    #[test]
    fn short_words_match_their_plurals() {
        assert!(mentions(&words("Checked bags are £30 each"), "checked bag"));
        assert!(mentions(&words("No fees apply"), "fee"));
        assert!(!mentions(&words("We accept gas"), "gap"));
    }
}
