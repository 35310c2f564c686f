//! Raw output where an answer belongs: the channel passed on what its
//! back end returned instead of words for a customer — a JSON document, a
//! stack trace, an HTTP error page.
//!
//! Precision first: JSON counts only when a whole line (or the whole
//! answer) is a JSON object or array with at least one key; a stack trace
//! needs a traceback header or two frames; an error page needs the status
//! phrase in a short answer, a title or heading, or beside a server name —
//! a help article that mentions "404 Not Found" in a sentence is fine.

use super::text::inside;
use super::Hit;
use crate::verdict::Severity;
use once_cell::sync::Lazy;
use regex::Regex;
use std::ops::Range;

static TRACE_HEADER: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?m)^\s*(?:Traceback \(most recent call last\):|Exception in thread .+|thread '.+' panicked at .+|Fatal error: Uncaught .+)$")
        .expect("valid regex")
});
/// One frame: `at foo (file.js:12:3)`, `at com.acme.Foo.bar(Foo.java:42)`,
/// `File "app.py", line 12, in handler`.
static FRAME: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r#"(?m)^\s*(?:at\s+[\w$.<>\[\]/ ]+\(?[^()\n]*:\d+(?::\d+)?\)?|File "[^"\n]+", line \d+(?:, in \S+)?)\s*$"#,
    )
    .expect("valid regex")
});
static STATUS: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?i)\b(?:500 Internal Server Error|502 Bad Gateway|503 Service (?:Temporarily )?Unavailable|504 Gateway Time-?out|404 Not Found|403 Forbidden|401 Unauthorized|400 Bad Request)\b")
        .expect("valid regex")
});
static SERVER: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?i)\b(?:nginx|apache|cloudflare|openresty|iis|envoy|gunicorn|werkzeug)\b").expect("valid regex")
});
static TITLE: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"(?is)<(?:title|h1)[^>]*>\s*(?:error\s*)?\d{3}\b").expect("valid regex"));

/// What may precede the status on an error page's line.
static STATUS_LEAD: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?i)^[\s\W]*(?:(?:error|http(?:/[0-9.]+)?|status(?:\s+code)?)[\s:\-–]*)?$").expect("valid regex")
});

/// An error page is short: a real answer mentioning a status is longer.
const ERROR_PAGE_WORDS: usize = 40;

/// Raw output in `text` outside `skip`.
pub fn find(text: &str, skip: &[Range<usize>]) -> Vec<Hit> {
    let mut hits = Vec::new();
    json(text, skip, &mut hits);
    trace(text, skip, &mut hits);
    error_page(text, skip, &mut hits);
    hits
}

fn json(text: &str, skip: &[Range<usize>], hits: &mut Vec<Hit>) {
    let trimmed = text.trim();
    let whole_start = text.len() - text.trim_start().len();
    if is_json_document(trimmed) {
        let span = whole_start..whole_start + trimmed.len();
        if !inside(&span, skip) {
            hits.push(Hit::new(span, "a raw JSON document".into(), Severity::High));
        }
        return;
    }
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim();
        let start = at + (line.len() - line.trim_start().len());
        at += line.len();
        if body.len() > 2 && is_json_document(body) {
            let span = start..start + body.len();
            if !inside(&span, skip) {
                hits.push(Hit::new(span, "a raw JSON document".into(), Severity::High));
            }
        }
    }
}

/// An object with a key or an array holding an object: `{}` and `[1, 2]`
/// could be anything, `{"error": "x"}` is a back end talking.
fn is_json_document(s: &str) -> bool {
    if !(s.starts_with('{') && s.ends_with('}') || s.starts_with("[{") && s.ends_with(']')) {
        return false;
    }
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(serde_json::Value::Object(map)) => !map.is_empty(),
        Ok(serde_json::Value::Array(items)) => items.iter().any(|v| v.as_object().is_some_and(|o| !o.is_empty())),
        _ => false,
    }
}

fn trace(text: &str, skip: &[Range<usize>], hits: &mut Vec<Hit>) {
    let frames: Vec<Range<usize>> = FRAME.find_iter(text).map(|m| m.range()).filter(|r| !inside(r, skip)).collect();
    let header = TRACE_HEADER.find_iter(text).map(|m| m.range()).find(|r| !inside(r, skip));
    let span = match (header, frames.as_slice()) {
        (Some(h), _) => h.start..frames.last().map_or(h.end, |f| f.end.max(h.end)),
        (None, [first, .., last]) => first.start..last.end,
        _ => return,
    };
    hits.push(Hit::new(trim_span(text, span), "a stack trace".into(), Severity::High));
}

fn error_page(text: &str, skip: &[Range<usize>], hits: &mut Vec<Hit>) {
    let Some(m) = STATUS.find_iter(text).find(|m| !inside(&m.range(), skip)) else { return };
    // A short answer is an error page when the status heads a line
    // ("503 Service Unavailable", "Error 503 …"); "If the page shows 503
    // Service Unavailable, try again later" is an answer about one.
    let line_start = text[..m.start()].rfind('\n').map_or(0, |i| i + 1);
    let short =
        text.split_whitespace().count() <= ERROR_PAGE_WORDS && STATUS_LEAD.is_match(&text[line_start..m.start()]);
    if short || TITLE.is_match(text) || SERVER.is_match(text) {
        hits.push(Hit::new(m.range(), format!("an HTTP error page ({})", m.as_str()), Severity::High));
    }
}

fn trim_span(text: &str, span: Range<usize>) -> Range<usize> {
    let s = &text[span.clone()];
    let start = span.start + (s.len() - s.trim_start().len());
    let end = span.start + s.trim_end().len();
    start..end.max(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        find(text, &[]).into_iter().map(|h| &text[h.span]).collect()
    }

    #[test]
    fn back_end_output() {
        assert_eq!(found(r#"{"error":"upstream timeout","code":504}"#).len(), 1);
        assert_eq!(found("Sorry!\n{\"answer\": null}\nBye").len(), 1);
        let py =
            "Traceback (most recent call last):\n  File \"bot.py\", line 12, in reply\n    x = y\nKeyError: 'name'";
        assert_eq!(found(py).len(), 1);
        let js = "TypeError: Cannot read properties of undefined\n    at reply (/app/bot.js:12:5)\n    at next (/app/router.js:40:3)";
        assert_eq!(found(js).len(), 1);
        assert_eq!(found("502 Bad Gateway\nnginx/1.25.3"), ["502 Bad Gateway"]);
        assert_eq!(found("503 Service Unavailable"), ["503 Service Unavailable"]);
        assert_eq!(found("Error 500 Internal Server Error\nPlease try again."), ["500 Internal Server Error"]);
    }

    #[test]
    fn answers_that_only_look_technical() {
        for text in [
            "Our prices are {see the table below}.",
            "Pick any of [1, 2, 3] in the menu.",
            "If the page says 404 Not Found, the article has moved: search the help centre for its title instead, or start a chat with us and we will send you the new link, usually within a few minutes of asking, any day of the week between eight and eight.",
            "Meet us at the store (High Street 12:30) on Monday.",
            "{}",
            // unseen_airline: a short answer about an error page is not one.
            "If the page shows 503 Service Unavailable, please try again in a few minutes.",
        ] {
            assert!(found(text).is_empty(), "{text}: {:?}", found(text));
        }
    }
}
