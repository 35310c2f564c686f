//! Small text helpers shared by the detectors: word boundaries and spans
//! that always fall on character boundaries.

use std::ops::Range;

/// A character that continues an identifier or a word: a match touching
/// one on either side is part of something longer.
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The character just before byte `i`.
pub fn before(text: &str, i: usize) -> Option<char> {
    text.get(..i)?.chars().next_back()
}

/// The character at byte `i`.
pub fn after(text: &str, i: usize) -> Option<char> {
    text.get(i..)?.chars().next()
}

/// Whether `span` stands alone: no word character touches it on either side.
pub fn stands_alone(text: &str, span: &Range<usize>) -> bool {
    !before(text, span.start).is_some_and(is_word_char) && !after(text, span.end).is_some_and(is_word_char)
}

/// Whether `span` lies inside any of `regions`.
pub fn inside(span: &Range<usize>, regions: &[Range<usize>]) -> bool {
    regions.iter().any(|r| r.start <= span.start && span.end <= r.end)
}

/// The word before byte `i` (letters only), skipping spaces, lowercased.
pub fn word_before(text: &str, i: usize) -> Option<String> {
    let head = text.get(..i)?.trim_end_matches([' ', '\t']);
    let word: String = head.chars().rev().take_while(|c| c.is_alphabetic()).collect();
    (!word.is_empty()).then(|| word.chars().rev().flat_map(char::to_lowercase).collect())
}

/// The first character after byte `i` that is not a space or tab.
pub fn next_visible(text: &str, i: usize) -> Option<char> {
    text.get(i..)?.chars().find(|c| *c != ' ' && *c != '\t')
}

/// The last character before byte `i` that is not a space or tab.
pub fn prev_visible(text: &str, i: usize) -> Option<char> {
    text.get(..i)?.chars().rev().find(|c| *c != ' ' && *c != '\t')
}
