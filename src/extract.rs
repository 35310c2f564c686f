//! Pulling values out of responses: JSONPath, CSS selector, regex or header.
//! Pure: works on bytes already received, so the engine and offline
//! re-analysis read a reply the same way.

use crate::analysis::clean::html_to_text;
use crate::record::Headers;
use crate::suite::channel::Extractor;
use reqwest::header::HeaderMap;
use rustc_hash::FxHasher;
use serde_json::Value;
use serde_json_path::JsonPath;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::rc::Rc;

/// What an extraction reads from.
pub struct Source<'a> {
    pub body: &'a str,
    /// Parsed JSON when the body is JSON (parsed once per response).
    pub json: Option<&'a Value>,
    pub headers: &'a Received,
    /// The body's content hash when it has one (`record::body::key`):
    /// computed once per response, it keys the page cache.
    pub hash: Option<u128>,
}

/// A response's headers as extraction reads them: hyper's map as it was
/// received (nothing copied; the engine keeps it when no value holds a
/// secret), or a list (redacted, or a callback's). Either way a name is
/// matched case-insensitively and its values read joined by ", ".
#[derive(Debug, Clone)]
pub enum Received {
    Map(HeaderMap),
    List(Headers),
}

impl Default for Received {
    fn default() -> Self {
        Received::List(Headers::new())
    }
}

impl Received {
    /// The value of a header (every value of it, joined by ", "), or None.
    pub fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        match self {
            Received::List(list) => list.get(name).map(Cow::Borrowed),
            Received::Map(map) => {
                let mut values = map.get_all(name).into_iter().map(|v| String::from_utf8_lossy(v.as_bytes()));
                let first = values.next()?;
                Some(values.fold(first, |mut all, v| {
                    all.to_mut().push_str(", ");
                    all.to_mut().push_str(&v);
                    all
                }))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("the body is not JSON, so `{path}` cannot be read (it starts with {start:?})")]
    NotJson { path: String, start: String },
    #[error("invalid JSONPath `{0}`: {1}")]
    BadPath(String, String),
    #[error("invalid regex `{0}`")]
    BadRegex(String),
    #[error("invalid CSS selector `{0}`")]
    BadSelector(String),
    #[error("{0}; a real page nests a few dozen levels")]
    TooDeep(String),
    #[error("the run stopped while the page was being read")]
    Stopped,
}

/// Every value the extractor selects, as JSON values (strings for text).
pub fn extract_all(ex: &Extractor, src: &Source<'_>) -> Result<Vec<Value>, ExtractError> {
    match ex {
        Extractor::JsonPath(p) => {
            let json = src.json.ok_or_else(|| ExtractError::NotJson { path: p.clone(), start: preview(src.body) })?;
            select(p, json)
        }
        Extractor::Css { selector, attr } => css(selector, attr.as_deref(), src.body, src.hash),
        Extractor::Regex(r) => regex(r, src.body),
        Extractor::Header(h) => Ok(src.headers.get(h).map(|v| Value::String(v.into_owned())).into_iter().collect()),
    }
}

/// The first value, as text.
pub fn extract_first(ex: &Extractor, src: &Source<'_>) -> Result<Option<String>, ExtractError> {
    Ok(extract_all(ex, src)?.into_iter().next().map(|v| value_text(&v)))
}

/// Extractors compiled once and looked up by their source text: the engine
/// applies the same few JSONPaths, selectors and regexes to every reply,
/// and compiling one costs more than applying it (a regex ~48 µs against
/// ~0.1 µs). Per thread, so lookups never contend; bounded, because a
/// templated JSONPath (`[?@.id == '{{ id }}']`) renders a new text per
/// conversation: a full cache is emptied and refilled.
struct Compiled {
    paths: HashMap<String, Rc<JsonPath>>,
    selectors: HashMap<String, Rc<scraper::Selector>>,
    regexes: HashMap<String, regex::Regex>,
    pages: Pages,
}

/// What a CSS extraction found in a page, kept per (selector, page): a web
/// channel fetches the same article for every persona of a sweep, and
/// parsing the page (html5ever) is most of what a web exchange costs. A hit
/// needs the same page: the same content hash (SHA-256, the one the record
/// stores the body by, computed once per response) and length, or for a
/// page without one (a short one) the same bytes. Bounded by the bytes kept.
#[derive(Default)]
struct Pages {
    /// By [`page_key`]; a hit is confirmed against the entry's own texts.
    found: HashMap<u64, Found, BuildHasherDefault<FxHasher>>,
    bytes: usize,
}

/// One selector's values in one page.
struct Found {
    selector: String,
    attr: Option<String>,
    page: Page,
    values: Vec<Value>,
}

/// How a cached page is recognised.
enum Page {
    /// By its content hash and length: the page itself is not kept.
    Hash(u128, usize),
    /// By its bytes (a page without a hash).
    Text(String),
}

impl Page {
    fn is(&self, body: &str, hash: Option<u128>) -> bool {
        match (self, hash) {
            (Page::Hash(k, len), Some(h)) => *k == h && *len == body.len(),
            (Page::Text(text), None) => text == body,
            _ => false,
        }
    }

    /// The bytes it keeps.
    fn bytes(&self) -> usize {
        match self {
            Page::Hash(..) => 0,
            Page::Text(text) => text.len(),
        }
    }
}

/// Page bytes kept per thread before the page cache starts over, and the
/// largest page kept.
const PAGE_BYTES: usize = 4 << 20;
const PAGE_MAX: usize = 256 << 10;
/// Pages known per thread (by hash, a page costs only its values).
const PAGE_ENTRIES: usize = 4096;

/// Entries per kind and thread before the cache starts over.
const CACHED: usize = 256;

thread_local! {
    static COMPILED: RefCell<Compiled> = RefCell::new(Compiled {
        paths: HashMap::new(),
        selectors: HashMap::new(),
        regexes: HashMap::new(),
        pages: Pages::default(),
    });
}

/// `map[key]`, compiled by `compile` on a miss (errors are not cached).
fn cached<T: Clone, E>(
    map: impl Fn(&mut Compiled) -> &mut HashMap<String, T>,
    key: &str,
    compile: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    if let Some(hit) = COMPILED.with(|c| map(&mut c.borrow_mut()).get(key).cloned()) {
        return Ok(hit);
    }
    let value = compile()?;
    COMPILED.with(|c| {
        let mut c = c.borrow_mut();
        let m = map(&mut c);
        if m.len() >= CACHED {
            m.clear();
        }
        m.insert(key.to_string(), value.clone());
    });
    Ok(value)
}

/// JSONPath query over a JSON value.
pub fn select(path: &str, json: &Value) -> Result<Vec<Value>, ExtractError> {
    let jp = cached(
        |c| &mut c.paths,
        path,
        || JsonPath::parse(path).map(Rc::new).map_err(|e| ExtractError::BadPath(path.to_string(), e.to_string())),
    )?;
    Ok(jp.query(json).all().into_iter().cloned().collect())
}

fn css(selector: &str, attr: Option<&str>, body: &str, hash: Option<u128>) -> Result<Vec<Value>, ExtractError> {
    if let Some(values) = css_known(selector, attr, body, hash) {
        return Ok(values);
    }
    let values = css_parse(selector, attr, body)?;
    css_remember(selector, attr, body, hash, &values);
    Ok(values)
}

/// What this thread's page cache already found for the selector in this
/// page, without parsing it; None for a page not seen (or too large to keep).
pub fn css_known(selector: &str, attr: Option<&str>, body: &str, hash: Option<u128>) -> Option<Vec<Value>> {
    if body.len() > PAGE_MAX {
        return None;
    }
    let key = page_key(selector, attr, body, hash);
    COMPILED.with(|c| {
        c.borrow()
            .pages
            .found
            .get(&key)
            .filter(|f| f.page.is(body, hash) && f.selector == selector && f.attr.as_deref() == attr)
            .map(|f| f.values.clone())
    })
}

/// Keeps what a CSS extraction found in a page in this thread's page cache
/// (parsed here or, for a large page, on another thread).
pub fn css_remember(selector: &str, attr: Option<&str>, body: &str, hash: Option<u128>, values: &[Value]) {
    if body.len() > PAGE_MAX {
        return;
    }
    let key = page_key(selector, attr, body, hash);
    COMPILED.with(|c| {
        let pages = &mut c.borrow_mut().pages;
        let page = match hash {
            Some(k) => Page::Hash(k, body.len()),
            None => Page::Text(body.to_string()),
        };
        let kept = page.bytes() + values.iter().map(|v| value_text(v).len()).sum::<usize>() + selector.len();
        if pages.bytes + kept > PAGE_BYTES || pages.found.len() >= PAGE_ENTRIES {
            pages.found.clear();
            pages.bytes = 0;
        }
        pages.bytes += kept;
        let found =
            Found { selector: selector.to_string(), attr: attr.map(str::to_string), page, values: values.to_vec() };
        if let Some(old) = pages.found.insert(key, found) {
            pages.bytes = pages.bytes.saturating_sub(old.page.bytes());
        }
    });
}

/// The page cache's key: a fast hash of the selector, the attribute and the
/// page's content hash, or the page itself when it has none (a hit is then
/// confirmed against the entry, so this only spreads entries).
fn page_key(selector: &str, attr: Option<&str>, body: &str, hash: Option<u128>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = FxHasher::default();
    (selector, attr).hash(&mut h);
    match hash {
        Some(k) => (k, body.len()).hash(&mut h),
        None => body.hash(&mut h),
    }
    h.finish()
}

/// A CSS selector applied to a page, parsed now (no cache).
pub fn css_parse(selector: &str, attr: Option<&str>, body: &str) -> Result<Vec<Value>, ExtractError> {
    let sel = cached(
        |c| &mut c.selectors,
        selector,
        || scraper::Selector::parse(selector).map(Rc::new).map_err(|_| ExtractError::BadSelector(selector.to_string())),
    )?;
    let doc = crate::analysis::html_depth::parse(body).map_err(ExtractError::TooDeep)?;
    let out = doc
        .select(&sel)
        .filter_map(|el| match attr {
            Some(a) => el.value().attr(a).map(str::to_string),
            None => Some(html_to_text(&el.html(), None)),
        })
        .map(Value::String)
        .collect();
    Ok(out)
}

fn regex(pattern: &str, text: &str) -> Result<Vec<Value>, ExtractError> {
    let re = cached(
        |c| &mut c.regexes,
        pattern,
        || regex::Regex::new(pattern).map_err(|_| ExtractError::BadRegex(pattern.to_string())),
    )?;
    // With a capture group, the group is the value; otherwise the whole match.
    Ok(re
        .captures_iter(text)
        .filter_map(|c| c.get(1).or_else(|| c.get(0)))
        .map(|m| Value::String(m.as_str().to_string()))
        .collect())
}

/// A JSON value as the text a template or an answer sees.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn preview(body: &str) -> String {
    body.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn css_of(selector: &str, body: &str) -> Vec<Value> {
        let headers = Received::default();
        let ex = Extractor::Css { selector: selector.into(), attr: None };
        extract_all(&ex, &Source { body, json: None, headers: &headers, hash: None }).unwrap()
    }

    /// The page cache answers only for the same page byte for byte: a page
    /// that changed by one character is parsed again.
    #[test]
    fn a_cached_page_answers_only_for_the_same_bytes() {
        let page = "<main><article class=\"a\"><p>Refunds within 30 days.</p></article></main>";
        assert_eq!(css_of("article.a", page), vec![Value::String("Refunds within 30 days.".into())]);
        assert_eq!(css_of("article.a", page), vec![Value::String("Refunds within 30 days.".into())]);
        let changed = page.replace("30", "14");
        assert_eq!(css_of("article.a", &changed), vec![Value::String("Refunds within 14 days.".into())]);
        assert_eq!(css_of("p", page), vec![Value::String("Refunds within 30 days.".into())], "keyed by selector too");
    }

    /// A page with a content hash is known by it (and its length), not by
    /// its bytes: the same page answers from the cache, a changed one (its
    /// own hash) is parsed again, and the same bytes without a hash are not
    /// taken for the hashed entry.
    #[test]
    fn a_hashed_page_is_known_by_its_hash() {
        let headers = Received::default();
        let ex = Extractor::Css { selector: "article.h".into(), attr: None };
        let page =
            format!("<main>{}<article class=\"h\">Refunds within 30 days.</article></main>", "<p>x</p>".repeat(80));
        let changed = page.replace("30", "14");
        let of = |body: &str| {
            let src = Source { body, json: None, headers: &headers, hash: crate::record::body::key(body) };
            assert!(src.hash.is_some(), "long enough to be hashed");
            extract_all(&ex, &src).unwrap()
        };
        assert_eq!(of(&page), vec![Value::String("Refunds within 30 days.".into())]);
        assert_eq!(of(&page), vec![Value::String("Refunds within 30 days.".into())]);
        assert_eq!(of(&changed), vec![Value::String("Refunds within 14 days.".into())]);
        let unhashed = Source { body: &changed, json: None, headers: &headers, hash: None };
        assert_eq!(extract_all(&ex, &unhashed).unwrap(), vec![Value::String("Refunds within 14 days.".into())]);
    }

    #[test]
    fn compiled_extractors_are_reused_and_bad_ones_still_fail() {
        let headers = Received::default();
        let src = Source { body: "case CASE-42 opened", json: None, headers: &headers, hash: None };
        let re = Extractor::Regex(r"CASE-(\d+)".into());
        for _ in 0..3 {
            assert_eq!(extract_first(&re, &src).unwrap().as_deref(), Some("42"));
        }
        assert_eq!(extract_all(&Extractor::Regex("(".into()), &src), Err(ExtractError::BadRegex("(".into())));
        assert!(matches!(select("$[", &serde_json::json!({})), Err(ExtractError::BadPath(..))));
    }
}
