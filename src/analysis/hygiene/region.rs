//! Where to look in a raw reply: the answer region of an HTML page, and
//! the customer's own words that a reply quotes (an email's `>` lines and
//! "On … wrote:" block, a verbatim echo of the message). What the customer
//! typed is theirs, not the company's: a placeholder or a name in it is
//! never a finding.

use once_cell::sync::Lazy;
use regex::Regex;
use scraper::Selector;
use std::ops::Range;

static QUOTE_HEADER: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?im)^\s*(?:on\b[^\n]{0,300}\bwrote:\s*$|-{2,}\s*(?:original message|forwarded message)\s*-{2,}\s*$|begin forwarded message:\s*$)")
        .expect("valid regex")
});

/// The shortest message echoed verbatim that is skipped (shorter ones
/// would hide the company's own words that happen to match).
const ECHO_MIN: usize = 12;

/// Byte ranges of `raw` that are the customer's own words: quoted lines,
/// everything after a quote header, and verbatim copies of `message` (or
/// of one of its lines).
pub fn customer_words(raw: &str, message: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in raw.split_inclusive('\n') {
        if line.trim_start().starts_with('>') {
            out.push(at..at + line.len());
        }
        at += line.len();
    }
    if let Some(m) = QUOTE_HEADER.find(raw) {
        out.push(m.start()..raw.len());
    }
    let mut echoes: Vec<&str> = vec![message.trim()];
    echoes.extend(message.lines().map(str::trim));
    echoes.sort_unstable();
    echoes.dedup();
    for echo in echoes.into_iter().filter(|e| e.len() >= ECHO_MIN) {
        out.extend(raw.match_indices(echo).map(|(i, e)| i..i + e.len()));
    }
    out
}

/// The answer region of an HTML reply as HTML: the elements `region`
/// selects, else `<main>`, else `<article>`. None when none is there —
/// then no part of the page is known to be the answer, and page scripts
/// (analytics, chat widgets) must not be mistaken for it.
pub fn html_region(body: &str, region: Option<&str>) -> Option<String> {
    // Too deep to parse (`html_depth`): no part of it is known to be the answer.
    let doc = crate::analysis::html_depth::parse(body).ok()?;
    let configured = region.and_then(|css| Selector::parse(css).ok());
    let fallbacks = ["main", "article"].into_iter().filter_map(|tag| Selector::parse(tag).ok());
    for selector in configured.into_iter().chain(fallbacks) {
        let parts: Vec<String> = doc.select(&selector).map(|e| e.html()).collect();
        if !parts.is_empty() {
            return Some(parts.join("\n"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_lines_and_echoes() {
        let raw = "Thanks {{first_name}}\n\nOn Mon, Jane wrote:\n> Hi {{first_name}}\n";
        let skip = customer_words(raw, "Hi there");
        let second = raw.rfind("{{first_name}}").unwrap();
        assert!(skip.iter().any(|r| r.start <= second && second < r.end));
        let first = raw.find("{{first_name}}").unwrap();
        assert!(!skip.iter().any(|r| r.start <= first && first < r.end));
        let echoed = customer_words("You asked: my name is {name} ok?", "my name is {name} ok?");
        assert_eq!(echoed.len(), 1);
    }

    #[test]
    fn regions() {
        let page = "<html><body><script>track()</script><main><p>Hi</p></main></body></html>";
        assert_eq!(html_region(page, None).as_deref(), Some("<main><p>Hi</p></main>"));
        let widget = "<html><body><script>track()</script><div>Hi</div></body></html>";
        assert_eq!(html_region(widget, None), None);
        assert_eq!(html_region(widget, Some("div")).as_deref(), Some("<div>Hi</div>"));
    }
}
