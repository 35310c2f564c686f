//! Words and numbers for people: durations, clock times, truncated bodies,
//! and highlights split into plain strings.
//!
//! Everything here works on untrusted text of any size and never panics:
//! cuts land on character boundaries, spans that do not fit are ignored.
//! Nothing here produces markup — the templates do, so escaping always
//! applies to what the target said.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// "850 ms", "2.4 s", "3 min 20 s", "4 h 12 min": the same words as the
/// terminal summary uses.
pub fn duration_ms(ms: f64) -> String {
    crate::analysis::human_ms(ms)
}

/// A latency interval: "1.2 s" when both bounds round alike, else "1.2–1.4 s"
/// (polling only tells us the reply came somewhere in between).
pub fn interval_ms(earliest: f64, latest: f64) -> String {
    let (lo, hi) = (duration_ms(earliest), duration_ms(latest));
    if lo == hi {
        return hi;
    }
    // "1.2 s–1.4 s" reads worse than "1.2–1.4 s": share the unit when it matches.
    match (lo.rsplit_once(' '), hi.rsplit_once(' ')) {
        (Some((a, ua)), Some((b, ub))) if ua == ub && !a.contains(' ') && !b.contains(' ') => format!("{a}–{b} {ub}"),
        _ => format!("{lo}–{hi}"),
    }
}

/// "25 Nov 2025, 16:54 UTC".
pub fn date_time(t: &DateTime<Utc>) -> String {
    t.format("%-d %b %Y, %H:%M UTC").to_string()
}

/// "+12.3 s" after the run started: short, and comparable across channels.
pub fn offset_us(us: u64) -> String {
    format!("+{}", duration_ms(us as f64 / 1000.0))
}

/// Wall-clock time of a moment in the run: "16:54:03".
pub fn clock(start: &DateTime<Utc>, us: u64) -> String {
    let at = *start + chrono::Duration::microseconds(i64::try_from(us).unwrap_or(i64::MAX / 2));
    at.format("%H:%M:%S").to_string()
}

/// "refund-policy" → "Refund policy": ids read as words when no label is known.
pub fn humanize(id: &str) -> String {
    let spaced: String = id.chars().map(|c| if c == '-' || c == '_' { ' ' } else { c }).collect();
    capitalise(&spaced)
}

/// The first letter in upper case: "the refund window" → "The refund window".
pub fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The nearest character boundary at or before `i`.
fn floor(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// At most `max` bytes of `text`, cut on a character boundary, with "…" when cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    format!("{}…", &text[..floor(text, max)])
}

/// A body shown in two parts: a preview always visible, and the rest
/// behind a disclosure; anything beyond `rest_max` is only counted, so one
/// huge answer cannot make the report slow to open.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Body {
    pub preview: String,
    /// The text after the preview, when there is more.
    pub rest: Option<String>,
    /// Bytes neither in the preview nor in `rest` (see run.jsonl).
    pub hidden_bytes: usize,
}

impl Body {
    pub fn new(text: &str, preview_max: usize, rest_max: usize) -> Body {
        let cut = floor(text, preview_max);
        if cut >= text.len() {
            return Body { preview: text.to_string(), rest: None, hidden_bytes: 0 };
        }
        // Prefer to break the preview at a space, so words are not split.
        let cut = text[..cut].rfind(char::is_whitespace).filter(|&i| i > cut / 2).unwrap_or(cut);
        let rest_end = floor(text, cut.saturating_add(rest_max));
        Body {
            preview: text[..cut].to_string(),
            rest: Some(text[cut..rest_end].to_string()),
            hidden_bytes: text.len() - rest_end,
        }
    }
}

/// Text split around a highlight, so the template can wrap `mark` in
/// `<mark>` while all three parts stay escaped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Marked {
    pub before: String,
    pub mark: String,
    pub after: String,
}

impl Marked {
    /// Splits `text` at the byte range `start..end`; a span that is out of
    /// range or not on character boundaries highlights nothing. Context
    /// either side is cut to `reach` bytes.
    pub fn new(text: &str, span: Option<(usize, usize)>, reach: usize) -> Marked {
        let valid = span.filter(|&(s, e)| s <= e && text.get(s..e).is_some());
        let Some((start, end)) = valid else {
            return Marked { before: clip(text, reach.saturating_mul(2)), mark: String::new(), after: String::new() };
        };
        let before = &text[..start];
        let after = &text[end..];
        let before_cut = floor(before, before.len().saturating_sub(reach));
        Marked {
            before: if before_cut > 0 { format!("…{}", &before[before_cut..]) } else { before.to_string() },
            mark: text[start..end].to_string(),
            after: clip(after, reach),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_words() {
        assert_eq!(duration_ms(850.0), "850 ms");
        assert_eq!(duration_ms(2400.0), "2.4 s");
        assert_eq!(duration_ms(2000.0), "2 s");
        assert_eq!(duration_ms(1999.0), "2 s");
        assert_eq!(duration_ms(200_000.0), "3 min 20 s");
        assert_eq!(interval_ms(1200.0, 1400.0), "1.2–1.4 s");
        assert_eq!(interval_ms(1200.0, 1210.0), "1.2 s");
        assert_eq!(duration_ms(f64::NAN), "?");
    }

    #[test]
    fn clipping_respects_characters() {
        assert_eq!(clip("££££", 3), "£…");
        let b = Body::new("héllo wörld and more", 8, 4);
        assert_eq!(b.preview, "héllo");
        assert_eq!(b.rest.as_deref(), Some(" wö"));
        assert!(b.hidden_bytes > 0);
    }

    #[test]
    fn marks_only_valid_spans() {
        let m = Marked::new("pay £29.99 a month", Some((4, 11)), 100);
        assert_eq!((m.before.as_str(), m.mark.as_str(), m.after.as_str()), ("pay ", "£29.99", " a month"));
        let bad = Marked::new("£1", Some((1, 2)), 100);
        assert_eq!(bad.mark, "");
        let far = Marked::new("abcdefgh", Some((10, 12)), 100);
        assert_eq!(far.before, "abcdefgh");
    }
}
