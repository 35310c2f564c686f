//! Markup and script where the channel is text: HTML tags, `<script`,
//! event-handler attributes (`onerror=`) and `javascript:` URLs in a chat
//! or plain-text email answer. In an HTML answer markup is expected, so
//! only script, handlers and `javascript:` URLs inside the answer region
//! count. Script is high severity (it runs wherever the text is rendered as
//! HTML), plain markup medium (the customer sees `<b>`).
//!
//! A tag is an HTML element name in angle brackets, so `<3`, `a < b`,
//! `<help@acme.example>` and `<FIRST_NAME>` (a placeholder) are not
//! markup; "onboarding = easy" outside a tag is not a handler; "enable
//! JavaScript: …" is not a `javascript:` URL.

use super::text::inside;
use super::Hit;
use crate::verdict::Severity;
use once_cell::sync::Lazy;
use regex::Regex;
use std::ops::Range;

/// Is the answer plain text (every tag is wrong) or HTML (only script is)?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Text,
    Html,
}

static TAG: Lazy<Regex> =
    Lazy::new(|| Regex::new(r#"</?([A-Za-z][A-Za-z0-9]*)(?:\s+[^<>]*?)?\s*/?>|<script\b"#).expect("valid regex"));
static HANDLER: Lazy<Regex> = Lazy::new(|| Regex::new(r#"(?i)[\s/"']on[a-z]{3,}\s*="#).expect("valid regex"));
static JS_URL: Lazy<Regex> = Lazy::new(|| Regex::new(r"(?i)javascript:[^\s]").expect("valid regex"));

/// Element names; anything else in angle brackets is not markup.
const ELEMENTS: &[&str] = &[
    "a",
    "abbr",
    "article",
    "aside",
    "audio",
    "b",
    "base",
    "blockquote",
    "body",
    "br",
    "button",
    "canvas",
    "center",
    "code",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "font",
    "footer",
    "form",
    "frame",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "i",
    "iframe",
    "img",
    "input",
    "label",
    "li",
    "link",
    "main",
    "marquee",
    "meta",
    "nav",
    "object",
    "ol",
    "option",
    "p",
    "pre",
    "s",
    "section",
    "select",
    "small",
    "source",
    "span",
    "strong",
    "style",
    "sub",
    "summary",
    "sup",
    "svg",
    "table",
    "tbody",
    "td",
    "template",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "u",
    "ul",
    "video",
];

/// Markup in `text` outside `skip`; `allow` lists tag names this channel
/// may send (never `script`, never handlers).
pub fn find(text: &str, mode: Mode, allow: &[String], skip: &[Range<usize>]) -> Vec<Hit> {
    let mut hits = Vec::new();
    for m in TAG.find_iter(text) {
        let span = m.range();
        if inside(&span, skip) {
            continue;
        }
        let tag = m.as_str();
        let name: String = tag
            .trim_start_matches(['<', '/'])
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        if name == "script" {
            hits.push(Hit::new(span, "a <script> element".into(), Severity::High));
        } else if let Some(h) = HANDLER.find(tag) {
            // The name after the boundary character: `onerror`.
            let handler = h.as_str().trim_start_matches(|c: char| !c.is_ascii_alphabetic());
            let handler = handler.trim_end_matches(|c: char| c == '=' || c.is_whitespace()).to_string();
            hits.push(Hit::new(span, format!("an event handler ({handler}=) that runs script"), Severity::High));
        } else if mode == Mode::Text
            && ELEMENTS.contains(&name.as_str())
            && !allow.iter().any(|a| a.eq_ignore_ascii_case(&name))
            && !is_placeholder_like(tag)
        {
            hits.push(Hit::new(span, format!("the HTML tag {tag}"), Severity::Medium));
        }
    }
    for m in JS_URL.find_iter(text) {
        let span = m.start()..m.start() + "javascript:".len();
        if !inside(&span, skip) && !hits.iter().any(|h| h.span.start <= span.start && span.end <= h.span.end) {
            hits.push(Hit::new(span, "a javascript: link".into(), Severity::High));
        }
    }
    hits.sort_by_key(|h| h.span.start);
    hits
}

/// `<B>` is a tag, `<NAME>` a placeholder; only element names count, so
/// an all-caps tag must be a real element.
fn is_placeholder_like(tag: &str) -> bool {
    tag.contains('_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str, mode: Mode) -> Vec<(String, Severity)> {
        find(text, mode, &[], &[]).into_iter().map(|h| (text[h.span].to_string(), h.severity)).collect()
    }

    #[test]
    fn script_and_markup_in_text() {
        let text = "Hi <script>alert('xss')</script> <img src=x onerror=alert(1)>";
        let hits = found(text, Mode::Text);
        assert_eq!(hits[0], ("<script>".into(), Severity::High));
        assert!(hits.iter().any(|(s, sev)| s.contains("onerror") && *sev == Severity::High));
        assert_eq!(found("Call us on <b>0800 123 4567</b>.", Mode::Text)[0], ("<b>".into(), Severity::Medium));
        assert_eq!(found("<a href=\"javascript:alert(1)\">here</a>", Mode::Html).len(), 1);
    }

    /// Regression: the handler's name was cut one byte after the match
    /// start, inside a multi-byte space.
    #[test]
    fn a_wide_space_before_a_handler_is_fine() {
        let hits = find("<img\u{3000}onerror=x()>", Mode::Text, &[], &[]);
        assert!(hits.iter().any(|h| h.what.contains("onerror=")), "{hits:?}");
    }

    #[test]
    fn html_answers_may_use_markup() {
        assert!(found("<p>Call us on <b>0800 123 4567</b>.</p>", Mode::Html).is_empty());
        assert_eq!(found("<p onclick=\"steal()\">x</p>", Mode::Html).len(), 1);
    }

    #[test]
    fn what_only_looks_like_markup() {
        for text in [
            "We <3 our customers",
            "If a < b and b > c then a < c",
            "Write to Jane <jane@example.com>",
            "Dear <FIRST_NAME>,",
            "Onboarding = easy, with our online=simple setup",
            "Please enable JavaScript: the page needs it.",
            "Press <Enter> to continue",
        ] {
            assert!(found(text, Mode::Text).is_empty(), "{text}: {:?}", found(text, Mode::Text));
        }
    }

    #[test]
    fn allowed_tags_are_fine_but_never_script() {
        let allow = vec!["b".to_string()];
        assert!(find("<b>Free</b> installation", Mode::Text, &allow, &[]).is_empty());
        assert_eq!(find("<b onmouseover=x()>Free</b>", Mode::Text, &allow, &[]).len(), 1);
    }
}
