//! A bound on how deep an HTML reply nests before it is parsed.
//!
//! html5ever's time grows with the square of the nesting depth (150,000
//! nested `<div>` took almost five minutes), and any recursive walk of such
//! a tree overflows a stack. No real page nests more than a few dozen
//! levels, so a reply deeper than [`MAX_DEPTH`] is not parsed at all: the
//! engine records it as a malformed reply, and analysis reads its text with
//! a linear tag stripper instead.
//!
//! Invariant: linear in the input, no recursion, never panics.

use scraper::Html;

/// Deeper than this, an HTML reply is not parsed.
pub const MAX_DEPTH: usize = 512;

/// Elements that never hold children, or that the parser closes by itself
/// when a sibling opens: not counted as nesting.
const NOT_NESTING: [&str; 23] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "p",
    "li", "dt", "dd", "tr", "td", "th", "option", "!doctype",
];

/// The deepest nesting of elements in `html`, estimated from its tags
/// without parsing (script, style and comments skipped).
pub fn depth(html: &str) -> usize {
    let bytes = html.as_bytes();
    let (mut i, mut depth, mut deepest) = (0usize, 0usize, 0usize);
    while let Some(off) = memchr(b'<', &bytes[i..]) {
        i += off + 1;
        if bytes[i..].starts_with(b"!--") {
            i = find(bytes, i, b"-->").unwrap_or(bytes.len());
            continue;
        }
        let closing = bytes.get(i) == Some(&b'/');
        let start = if closing { i + 1 } else { i };
        let name_len = bytes[start..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'!').count();
        if name_len == 0 {
            continue;
        }
        let name = html[start..start + name_len].to_ascii_lowercase();
        let end = memchr(b'>', &bytes[start..]).map_or(bytes.len(), |e| start + e);
        let self_closing = end > 0 && bytes.get(end - 1) == Some(&b'/');
        i = end.min(bytes.len());
        if NOT_NESTING.contains(&name.as_str()) || self_closing {
            continue;
        }
        let raw_text = name == "script" || name == "style";
        if closing {
            if !raw_text {
                depth = depth.saturating_sub(1);
            }
        } else if raw_text {
            let close = format!("</{name}");
            i = find_ci(bytes, i, close.as_bytes()).unwrap_or(bytes.len());
        } else {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
}

/// Parses `html` unless it nests deeper than [`MAX_DEPTH`]; Err says how deep.
pub fn parse(html: &str) -> Result<Html, String> {
    let d = depth(html);
    if d > MAX_DEPTH {
        return Err(format!("the HTML nests {d} elements deep (over {MAX_DEPTH}), so it is not parsed"));
    }
    Ok(Html::parse_document(html))
}

/// The text of `html` without parsing it: tags removed, entities for the
/// common characters decoded, whitespace collapsed. For replies too deep
/// to parse.
pub fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|b| *b == needle)
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| from + p + needle.len())
}

fn find_ci(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle)).map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_nesting_not_siblings() {
        assert_eq!(depth("<html><body><div><p>a<p>b<br><img/></div></body></html>"), 3);
        assert_eq!(depth("<ul><li>a<li>b<li>c</ul>"), 1);
        assert_eq!(depth("<script>'<div><div><div>'</script><div></div>"), 1);
        assert_eq!(depth("<!-- <div><div> --><b>x</b>"), 1);
        assert_eq!(depth(&"<div>".repeat(100_000)), 100_000);
        assert_eq!(depth("a < b and c<"), 0);
    }

    #[test]
    fn deep_html_kills_the_process_is_refused_before_parsing() {
        let deep = format!("<html><body>{}Refunds within 30 days.</body></html>", "<div>".repeat(100_000));
        let started = std::time::Instant::now();
        assert!(parse(&deep).unwrap_err().contains("100002 elements deep"));
        assert!(started.elapsed().as_secs() < 2);
        assert_eq!(strip_tags(&deep), "Refunds within 30 days.");
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use crate::analysis::clean::{clean, AnswerFormat};
    use proptest::prelude::*;

    proptest! {
        // Few cases: each input is up to 1 MB (the default `max_body`).
        #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

        /// Any nesting up to 100,000 levels, any mix of tags: cleaning
        /// returns (no stack overflow, no quadratic parse) and keeps the text.
        #[test]
        fn deep_html_is_cleaned_without_recursion(
            depth in 0usize..100_000,
            tags in proptest::collection::vec(prop_oneof!["div", "span", "p", "section", "b", "li", "table"], 1..6),
        ) {
            let mut html = String::from("<html><body>");
            for i in 0..depth {
                html.push('<');
                html.push_str(&tags[i % tags.len()]);
                html.push('>');
            }
            html.push_str("Refunds within 30 days.");
            prop_assume!(html.len() <= 1 << 20);
            let started = std::time::Instant::now();
            let cleaned = clean(&html, AnswerFormat::Html, Some("article"), "");
            prop_assert!(cleaned.text.contains("30 days"), "{}", &cleaned.text[..cleaned.text.len().min(200)]);
            prop_assert!(started.elapsed().as_secs() < 5, "took {:?}", started.elapsed());
        }
    }
}
