//! Cleaning an answer before facts are read from it.
//!
//! A reply body holds more than the answer: page chrome around a help
//! article, the customer's quoted email below a reply, a signature with the
//! switchboard number, the customer's own question echoed back ("You asked:
//! 'is it 14 days?'"). Any number in those would be read as the company's
//! answer, so cleaning removes them first. Spans found by
//! [`crate::fact::extract`] index into [`Cleaned::text`].
//!
//! Invariant: pure and total — never panics, whatever the input.

use std::ops::Range;

use once_cell::sync::Lazy;
use regex::Regex;
use scraper::{ElementRef, Html, Node, Selector};
use serde::{Deserialize, Serialize};

use super::html_depth;
use crate::fact::words::{sentences, words};

/// How a reply body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AnswerFormat {
    #[default]
    Text,
    Html,
    Email,
}

/// The part of a reply body that is the answer, as plain text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cleaned {
    pub text: String,
}

/// What analysis calls: the answer in `body`, without chrome, quotes,
/// signature or the customer's own words.
pub fn clean(body: &str, format: AnswerFormat, region: Option<&str>, customer_message: &str) -> Cleaned {
    let text = match format {
        AnswerFormat::Text => body.replace("\r\n", "\n"),
        // A page's text already read by a CSS selector (`text = { css = … }`)
        // is plain text with its lines: read as HTML again, its headings,
        // rows and list items would run together into one line.
        AnswerFormat::Html if !has_markup(body) => body.replace("\r\n", "\n"),
        AnswerFormat::Html => html_to_text(body, region),
        AnswerFormat::Email => {
            let plain = if looks_like_html(body) {
                match html_depth::parse(body) {
                    Ok(doc) => render(&doc, region, Skip::EmailQuotes),
                    Err(_) => html_depth::strip_tags(body),
                }
            } else {
                body.replace("\r\n", "\n")
            };
            strip_email_quotes_and_signature(&plain)
        }
    };
    Cleaned { text: tidy(&remove_echo(&text, customer_message)) }
}

// ---------------------------------------------------------------- HTML

/// Elements whose text is never part of an answer.
const NEVER_TEXT: [&str; 10] =
    ["script", "style", "noscript", "template", "head", "svg", "iframe", "object", "canvas", "select"];
/// Page chrome: menus, banners, footers with the switchboard number.
const CHROME: [&str; 3] = ["nav", "header", "footer"];
const BLOCKS: [&str; 34] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "main",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "thead",
    "tr",
    "ul",
    "body",
];

/// Which elements to leave out while rendering.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Skip {
    Chrome,
    /// Chrome plus quoted earlier messages in an HTML email.
    EmailQuotes,
}

/// HTML → readable text: block elements become line breaks; script, style,
/// nav, header and footer are dropped; entities are decoded. With `region`
/// (a CSS selector), only the text of matching elements, joined; if it
/// matches nothing or does not parse, `<main>` or else `<body>`.
/// A reply nested too deep to parse (`html_depth`) is read by stripping its tags.
pub fn html_to_text(html: &str, region: Option<&str>) -> String {
    match html_depth::parse(html) {
        Ok(doc) => render(&doc, region, Skip::Chrome),
        Err(_) => html_depth::strip_tags(html),
    }
}

fn render(doc: &Html, region: Option<&str>, skip: Skip) -> String {
    let mut out = String::new();
    let regions = region.and_then(|css| Selector::parse(css).ok()).map(|s| {
        // A region inside a <script> is still script: never text.
        let readable = doc.select(&s).filter(|m| {
            std::iter::once(**m)
                .chain(m.ancestors())
                .all(|n| n.value().as_element().is_none_or(|e| !NEVER_TEXT.contains(&e.name())))
        });
        outermost(readable.collect())
    });
    match regions {
        Some(found) if !found.is_empty() => {
            for element in found {
                write_text(element, skip, &mut out);
                out.push_str("\n\n");
            }
        }
        _ => {
            let root = ["main", "body"]
                .iter()
                .filter_map(|tag| Selector::parse(tag).ok())
                .find_map(|s| doc.select(&s).next())
                .unwrap_or_else(|| doc.root_element());
            write_text(root, skip, &mut out);
        }
    }
    tidy(&out)
}

/// Drops matches nested in other matches, so their text is not repeated.
fn outermost(matches: Vec<ElementRef<'_>>) -> Vec<ElementRef<'_>> {
    let ids: Vec<_> = matches.iter().map(|m| m.id()).collect();
    matches.into_iter().filter(|m| !m.ancestors().any(|a| ids.contains(&a.id()))).collect()
}

/// The readable text under `root`, walked with an explicit stack: a page
/// nested thousands deep must not overflow the thread's stack.
fn write_text(root: ElementRef<'_>, skip: Skip, out: &mut String) {
    enum Step<'a> {
        Enter(ego_tree::NodeRef<'a, Node>),
        /// After an element's children: close its block.
        Leave {
            block: bool,
        },
    }
    let mut stack: Vec<Step<'_>> = root.children().rev().map(Step::Enter).collect();
    while let Some(step) = stack.pop() {
        let child = match step {
            Step::Leave { block } => {
                if block {
                    out.push('\n');
                }
                continue;
            }
            Step::Enter(child) => child,
        };
        match child.value() {
            Node::Text(text) => push_inline(&text[..], out),
            Node::Element(element) => {
                let name = element.name();
                let hidden = element.attr("hidden").is_some() || element.attr("aria-hidden") == Some("true");
                let quoted = skip == Skip::EmailQuotes
                    && (name == "blockquote"
                        || element.has_class("gmail_quote", scraper::CaseSensitivity::AsciiCaseInsensitive)
                        || element.id() == Some("divRplyFwdMsg"));
                if NEVER_TEXT.contains(&name) || CHROME.contains(&name) || hidden || quoted {
                    continue;
                }
                let block = BLOCKS.contains(&name);
                if block {
                    out.push('\n');
                } else if matches!(name, "td" | "th") {
                    out.push(' ');
                }
                stack.push(Step::Leave { block });
                stack.extend(child.children().rev().map(Step::Enter));
            }
            _ => {}
        }
    }
}

/// Inline text with HTML whitespace rules: runs of whitespace are one space.
fn push_inline(text: &str, out: &mut String) {
    if text.starts_with(char::is_whitespace) && !out.ends_with(char::is_whitespace) {
        out.push(' ');
    }
    let mut words = text.split_whitespace().peekable();
    while let Some(word) = words.next() {
        out.push_str(word);
        if words.peek().is_some() {
            out.push(' ');
        }
    }
    if text.ends_with(char::is_whitespace) && !text.trim().is_empty() {
        out.push(' ');
    }
}

/// Whether `body` holds any HTML tag, comment or entity at all.
fn has_markup(body: &str) -> bool {
    static MARKUP: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"<(?:[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?|/[A-Za-z][A-Za-z0-9-]*\s*|!--[\s\S]*?--)>|&(?:[A-Za-z]{2,8}|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});").expect("valid regex")
    });
    MARKUP.is_match(body)
}

pub(crate) fn looks_like_html(body: &str) -> bool {
    let lower = body.get(..body.len().min(2048)).unwrap_or(body).to_ascii_lowercase();
    ["<html", "<body", "<div", "<p>", "<p ", "<br", "<table"].iter().any(|tag| lower.contains(tag))
}

// ---------------------------------------------------------------- email

static ON_WROTE: Lazy<Regex> = Lazy::new(|| Regex::new(r"(?i)^\s*on\b.{0,300}\bwrote:\s*$").expect("valid regex"));
static ON_START: Lazy<Regex> = Lazy::new(|| Regex::new(r"(?i)^\s*on\s").expect("valid regex"));
static WROTE_END: Lazy<Regex> = Lazy::new(|| Regex::new(r"(?i)\bwrote:\s*$").expect("valid regex"));
/// Lines after which nothing is the sender's answer.
static CUT: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"(?i)^(?:\s*-{2,}\s*(?:original message|forwarded message)\s*-{2,}\s*|\s*begin forwarded message:\s*|\s*_{10,}\s*|-- ?|--|\s*sent from my \S+.*|\s*(?:disclaimer\b|confidentiality notice\b|this (?:e-?mail|message)(?: and any attachments?)? (?:is|are|may|contains?)\b).*)$",
    )
    .expect("valid regex")
});
static HEADER_FROM: Lazy<Regex> = Lazy::new(|| Regex::new(r"(?i)^\s*from:\s*\S").expect("valid regex"));
static HEADER_OTHER: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"(?i)^\s*(?:sent|date|to|subject|cc):\s*").expect("valid regex"));
static SIGN_OFF: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?i)^\s*(?:(?:kind|best|warm|warmest)\s+regards|regards|best wishes|many thanks|thanks|thank you|cheers|sincerely|yours (?:sincerely|faithfully|truly)|all the best|best|with thanks)(?:\s*[,.!]?\s*|\s*,\s*[\p{L} .'-]{1,40})$")
        .expect("valid regex")
});

/// Removes quoted earlier messages ("On … wrote:" and after, `>` lines,
/// "-----Original Message-----", forwarded blocks, Outlook "From:/Sent:"
/// headers) and the signature ("-- " and after, or a sign-off such as
/// "Kind regards," followed by a short name block). A sign-off followed by
/// real sentences is kept, so an answer written after "Thanks," survives.
pub fn strip_email_quotes_and_signature(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let lines: Vec<&str> = text.lines().collect();
    let mut kept: Vec<&str> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let next = lines.get(i + 1).copied().unwrap_or("");
        let quote_header = ON_WROTE.is_match(line) || (ON_START.is_match(line) && WROTE_END.is_match(next));
        let outlook_header =
            HEADER_FROM.is_match(line) && lines.iter().skip(i + 1).take(5).any(|l| HEADER_OTHER.is_match(l));
        if quote_header || outlook_header || CUT.is_match(line) {
            break;
        }
        let has_answer_above = kept.iter().any(|l| !l.trim().is_empty());
        if has_answer_above && SIGN_OFF.is_match(line) && is_signature_block(&lines[i + 1..]) {
            break;
        }
        if line.trim_start().starts_with('>') {
            continue;
        }
        kept.push(line);
    }
    tidy(&kept.join("\n"))
}

/// A name block: a few short lines, none of them a sentence of the answer.
fn is_signature_block(lines: &[&str]) -> bool {
    let block: Vec<&str> = lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .take_while(|l| !CUT.is_match(l) && !l.starts_with('>'))
        .collect();
    block.len() <= 6
        && block.iter().all(|l| l.chars().count() <= 60 && !(l.ends_with('.') && l.split_whitespace().count() > 6))
}

// ---------------------------------------------------------------- echo

static QUOTED: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r#"(?:^|[\s(:])(?P<quote>'(?P<a>[^\n]+?)'|"(?P<b>[^"\n]+)"|“(?P<c>[^”\n]+)”|‘(?P<d>[^’\n]+?)’)(?:$|[\s.,;:!?)])"#)
        .expect("valid regex")
});
static ECHO_LEAD: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?i)^\W*(?:you (?:asked|said|wrote|mentioned|enquired|inquired)|your (?:question|message|email|enquiry|query)|re:)")
        .expect("valid regex")
});

/// Removes the customer's own words echoed in the answer, so "14 days" in
/// "You asked: 'is it 14 days?'" is not read as the company's answer. Echoes
/// are the whole message (or one of its sentences of four or more words)
/// verbatim, a quoted fragment of four or more of its words, or four of its
/// words in a row after "You asked". The echo is cut out; its sentence goes
/// too when little else is left ("You asked:"), so an answer sharing the
/// sentence ("Regarding 'is it 14 days' — no, 30 days.") survives.
pub fn remove_echo(text: &str, customer_message: &str) -> String {
    let customer_words = words(customer_message);
    if customer_words.is_empty() || text.is_empty() {
        return text.to_string();
    }
    let customer: Vec<String> = customer_words.iter().map(|(_, w)| w.clone()).collect();
    let text_words = words(text);
    let mut echoes: Vec<Range<usize>> = Vec::new();
    let mut fragments: Vec<Vec<String>> = Vec::new();
    if customer.len() >= 3 {
        fragments.push(customer.clone());
    }
    for range in sentences(customer_message) {
        // Sentences start and end at word boundaries, so their words are
        // the message's words inside them: no second scan.
        let sentence: Vec<String> = customer_words
            .iter()
            .filter(|(r, _)| r.start >= range.start && r.end <= range.end)
            .map(|(_, w)| w.clone())
            .collect();
        if sentence.len() >= 4 {
            fragments.push(sentence);
        }
    }
    for fragment in &fragments {
        echoes.extend(occurrences(&text_words, fragment));
    }
    for caps in QUOTED.captures_iter(text) {
        let inner = ["a", "b", "c", "d"].iter().find_map(|n| caps.name(n));
        let (Some(inner), Some(quote)) = (inner, caps.name("quote")) else {
            continue;
        };
        let quoted: Vec<String> = words(inner.as_str()).into_iter().map(|(_, w)| w).collect();
        if quoted.len() >= 4 && contains_run(&customer, &quoted) {
            echoes.push(quote.range());
        }
    }
    for range in sentences(text) {
        if ECHO_LEAD.is_match(&text[range.clone()]) {
            let inside: Vec<(Range<usize>, String)> =
                text_words.iter().filter(|(r, _)| r.start >= range.start && r.end <= range.end).cloned().collect();
            if shares_run(&inside, &customer, 4) {
                echoes.push(range);
            }
        }
    }
    if echoes.is_empty() {
        return text.to_string();
    }
    cut(text, &echoes)
}

/// Removes the echo spans, and whole sentences left with four words or fewer.
fn cut(text: &str, echoes: &[Range<usize>]) -> String {
    let mut drop: Vec<Range<usize>> = echoes.to_vec();
    for sentence in sentences(text) {
        let echoed: Vec<&Range<usize>> =
            echoes.iter().filter(|e| e.start < sentence.end && e.end > sentence.start).collect();
        if echoed.is_empty() {
            continue;
        }
        let left = words(&text[sentence.clone()])
            .into_iter()
            .filter(|(r, _)| {
                let (start, end) = (r.start + sentence.start, r.end + sentence.start);
                !echoed.iter().any(|e| e.start < end && e.end > start)
            })
            .count();
        if left <= 4 {
            drop.push(sentence);
        }
    }
    drop.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len());
    let mut position = 0;
    for range in drop {
        if range.start > position {
            out.push_str(text.get(position..range.start).unwrap_or(""));
        }
        position = position.max(range.end);
    }
    out.push_str(text.get(position..).unwrap_or(""));
    out
}

/// Byte spans in `text` where `fragment` occurs as a run of words.
fn occurrences(text: &[(Range<usize>, String)], fragment: &[String]) -> Vec<Range<usize>> {
    if fragment.is_empty() || fragment.len() > text.len() {
        return Vec::new();
    }
    text.windows(fragment.len())
        .filter(|window| window.iter().zip(fragment).all(|((_, w), f)| w == f))
        .filter_map(|window| Some(window.first()?.0.start..window.last()?.0.end))
        .collect()
}

fn contains_run(haystack: &[String], run: &[String]) -> bool {
    !run.is_empty() && run.len() <= haystack.len() && haystack.windows(run.len()).any(|w| w == run)
}

/// Whether `text` holds `min` or more consecutive words of `customer`.
fn shares_run(text: &[(Range<usize>, String)], customer: &[String], min: usize) -> bool {
    let words: Vec<String> = text.iter().map(|(_, w)| w.clone()).collect();
    words.len() >= min && words.windows(min).any(|w| contains_run(customer, w))
}

/// Trims every line, and collapses blank-line runs to one blank line.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        out.push_str(&line);
        blank_run = 0;
    }
    out
}
