//! Pulling values out of responses: JSONPath, CSS selector, regex or header.
//! Pure: works on bytes already received, so the engine and offline
//! re-analysis read a reply the same way.

use crate::analysis::clean::html_to_text;
use crate::suite::channel::Extractor;
use serde_json::Value;
use serde_json_path::JsonPath;
use std::collections::BTreeMap;

/// What an extraction reads from.
pub struct Source<'a> {
    pub body: &'a str,
    /// Parsed JSON when the body is JSON (parsed once per response).
    pub json: Option<&'a Value>,
    pub headers: &'a BTreeMap<String, String>,
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
}

/// Every value the extractor selects, as JSON values (strings for text).
pub fn extract_all(ex: &Extractor, src: &Source<'_>) -> Result<Vec<Value>, ExtractError> {
    match ex {
        Extractor::JsonPath(p) => {
            let json = src.json.ok_or_else(|| ExtractError::NotJson { path: p.clone(), start: preview(src.body) })?;
            select(p, json)
        }
        Extractor::Css { selector, attr } => css(selector, attr.as_deref(), src.body),
        Extractor::Regex(r) => regex(r, src.body),
        Extractor::Header(h) => {
            let h = h.to_ascii_lowercase();
            Ok(src
                .headers
                .iter()
                .filter(|(k, _)| k.to_ascii_lowercase() == h)
                .map(|(_, v)| Value::String(v.clone()))
                .collect())
        }
    }
}

/// The first value, as text.
pub fn extract_first(ex: &Extractor, src: &Source<'_>) -> Result<Option<String>, ExtractError> {
    Ok(extract_all(ex, src)?.into_iter().next().map(|v| value_text(&v)))
}

/// JSONPath query over a JSON value.
pub fn select(path: &str, json: &Value) -> Result<Vec<Value>, ExtractError> {
    let jp = JsonPath::parse(path).map_err(|e| ExtractError::BadPath(path.to_string(), e.to_string()))?;
    Ok(jp.query(json).all().into_iter().cloned().collect())
}

fn css(selector: &str, attr: Option<&str>, body: &str) -> Result<Vec<Value>, ExtractError> {
    let sel = scraper::Selector::parse(selector).map_err(|_| ExtractError::BadSelector(selector.to_string()))?;
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
    let re = regex::Regex::new(pattern).map_err(|_| ExtractError::BadRegex(pattern.to_string()))?;
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
