//! Evidence: the exact words behind a finding, cut to a readable size.
//! Answers are untrusted and may be huge, so everything here works on byte
//! ranges clamped to character boundaries and never panics.

use crate::record::Exchange;
use crate::verdict::{Attempt, Evidence, Span};
use std::ops::Range;

/// Answers up to this size are kept whole in evidence; longer ones are cut
/// to a window around the highlight.
const WHOLE_ANSWER: usize = 1200;
/// Bytes kept either side of the highlight in a window.
const WINDOW: usize = 500;
/// Bytes searched either side of a value for its sentence.
const SENTENCE_REACH: usize = 200;
/// The customer's message is ours, but a template may have made it long.
const MESSAGE_MAX: usize = 1000;
/// HTTP attempts kept for an error (polls can run to hundreds).
const ATTEMPTS_MAX: usize = 10;

/// Evidence from an answer, highlighting `span` (a byte range in `answer`).
/// A stable rank for an exchange among the occurrences of one finding: a
/// hash (FNV-1a) of the walk and step it belongs to, which the plan fixes,
/// never of when it finished. Findings keep the evidence of the
/// lowest-ranked occurrences, so the same suite and seed give the same
/// evidence however the walks interleaved (or were sharded).
pub fn rank(x: &Exchange) -> u64 {
    let t = &x.task;
    let mut h = Fnv::default();
    h.str(&t.id);
    h.str(&t.persona);
    h.bytes(&t.repeat.to_le_bytes());
    h.str(t.question.as_deref().unwrap_or(""));
    h.str(t.channel.as_deref().unwrap_or(""));
    h.bytes(&(x.step as u64).to_le_bytes());
    h.str(&x.channel);
    h.0
}

/// The rank of evidence already built (for findings made from examples).
pub fn rank_of(e: &Evidence) -> u64 {
    let mut h = Fnv::default();
    h.str(&e.persona);
    h.str(&e.channel);
    h.str(&e.message);
    h.str(&e.excerpt);
    h.0
}

/// FNV-1a: small, fixed, the same on every platform and Rust version.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn bytes(&mut self, b: &[u8]) {
        for &byte in b {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    /// A string and a terminator, so ("ab", "c") and ("a", "bc") differ.
    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
        self.bytes(&[0xff]);
    }
}

pub fn from_answer(x: &Exchange, answer: &str, span: Option<Range<usize>>) -> Evidence {
    let span = span.filter(|s| s.start <= s.end && answer.get(s.clone()).is_some());
    let (window, offset) = match &span {
        _ if answer.len() <= WHOLE_ANSWER => (answer, 0),
        Some(s) => window(answer, s.clone(), WINDOW),
        None => window(answer, 0..0, WHOLE_ANSWER),
    };
    let excerpt = match &span {
        Some(s) => sentence(answer, s.clone()).to_string(),
        None => cut(answer, 0, 240).to_string(),
    };
    Evidence {
        seq: x.seq,
        channel: x.channel.clone(),
        persona: x.task.persona.clone(),
        t_sent_us: x.t_sent_us,
        message: cut(&x.message, 0, MESSAGE_MAX).to_string(),
        excerpt,
        answer: window.to_string(),
        answer_offset: offset,
        highlight: span.map(|s| Span { start: s.start - offset, end: s.end - offset }),
        http: Vec::new(),
    }
}

/// Evidence for an exchange that failed: the error and its HTTP attempts.
pub fn from_error(x: &Exchange, answer: Option<&str>) -> Evidence {
    let mut e = from_answer(x, answer.unwrap_or(""), None);
    if let Some(err) = &x.error {
        e.excerpt = cut(&err.message, 0, 500).to_string();
    }
    e.http = attempts(x);
    e
}

/// The attempts that tell the story: every failed one (up to a cap), or the
/// last few when none failed.
fn attempts(x: &Exchange) -> Vec<Attempt> {
    let failed = |h: &&crate::record::Http| h.error.is_some() || h.status.is_none_or(|s| s >= 400);
    let picked: Vec<&crate::record::Http> = if x.http.iter().any(|h| failed(&h)) {
        x.http.iter().filter(failed).take(ATTEMPTS_MAX).collect()
    } else {
        let skip = x.http.len().saturating_sub(3);
        x.http.iter().skip(skip).collect()
    };
    picked
        .into_iter()
        .map(|h| Attempt {
            purpose: format!("{:?}", h.purpose).to_lowercase(),
            attempt: h.attempt,
            method: h.method.clone(),
            url: cut(&h.url, 0, 300).to_string(),
            status: h.status,
            error: h.error.as_ref().map(|e| cut(e, 0, 300).to_string()),
            ms: h.t_end_us.saturating_sub(h.t_start_us) as f64 / 1000.0,
        })
        .collect()
}

/// The sentence (or line) holding `span`, at most [`SENTENCE_REACH`] bytes
/// either side, trimmed.
pub fn sentence(text: &str, span: Range<usize>) -> &str {
    let start = floor(text, span.start.min(text.len()));
    let end = ceil(text, span.end.min(text.len()).max(start));
    let lo = floor(text, start.saturating_sub(SENTENCE_REACH));
    let hi = ceil(text, (end + SENTENCE_REACH).min(text.len()));
    let before = &text[lo..start];
    let from =
        before.char_indices().rev().find(|&(i, c)| is_break(c, before, i)).map_or(lo, |(i, c)| lo + i + c.len_utf8());
    let after = &text[end..hi];
    let to = after.char_indices().find(|&(i, c)| is_break(c, after, i)).map_or(hi, |(i, c)| end + i + c.len_utf8());
    text[from..to].trim()
}

/// A sentence ends at a newline, or at `.`/`!`/`?` followed by a space (so
/// "£29.99" and "acme.com" do not end one).
fn is_break(c: char, s: &str, i: usize) -> bool {
    match c {
        '\n' | '\r' => true,
        '.' | '!' | '?' => s[i + 1..].chars().next().is_none_or(char::is_whitespace),
        _ => false,
    }
}

/// A window of `text` around `span`, `reach` bytes either side, and its offset.
pub fn window(text: &str, span: Range<usize>, reach: usize) -> (&str, usize) {
    let lo = floor(text, span.start.min(text.len()).saturating_sub(reach));
    let hi = ceil(text, span.end.saturating_add(reach).min(text.len()).max(lo));
    (&text[lo..hi], lo)
}

/// `text[from..]`, at most `max` bytes, cut on character boundaries.
pub fn cut(text: &str, from: usize, max: usize) -> &str {
    let lo = floor(text, from.min(text.len()));
    let hi = floor(text, lo.saturating_add(max).min(text.len()));
    &text[lo..hi]
}

/// The nearest character boundary at or before `i`.
pub fn floor(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The nearest character boundary at or after `i`.
pub fn ceil(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentence_around_a_value() {
        let t = "Hello there. Refunds take 14 days, at £29.99 a month. Bye!";
        let at = t.find("14 days").unwrap();
        assert_eq!(sentence(t, at..at + 7), "Refunds take 14 days, at £29.99 a month.");
    }

    #[test]
    fn windows_respect_char_boundaries() {
        let t = "ééééé£££££";
        for i in 0..t.len() {
            let (w, off) = window(t, i..i, 3);
            assert!(t[off..].starts_with(w));
            let _ = sentence(t, i..i + 1);
            let _ = cut(t, i, 3);
        }
    }
}
