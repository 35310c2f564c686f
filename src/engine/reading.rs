//! Reading a conversation's response: the values its requests capture,
//! and the reply (with its text) when the response itself is the answer.
//! Extraction is `extract.rs` (large pages parsed off the lane).

use super::conversation::{fail, preview, set_capture, unreadable, Conversation, Message};
use super::extract::{self, Source};
use super::http::Response;
use crate::record::{ErrorKind, Reply, StepError};
use crate::suite::channel::{Extract, Extractor};
use serde_json::Value;
use std::collections::BTreeMap;

impl Conversation {
    pub(super) async fn capture(
        &mut self,
        captures: &BTreeMap<String, Extract>,
        resp: &Response,
        msg: &Message<'_>,
        out: &mut Vec<(String, String)>,
    ) -> Result<(), StepError> {
        if captures.is_empty() {
            return Ok(());
        }
        let (json, not_json) = parse_json(&resp.body);
        let src = Source { body: &resp.body, json: json.as_ref(), headers: &resp.headers, hash: resp.body_hash };
        for (name, ex) in captures {
            let ex = self.resolve(ex, msg)?;
            if let (Extractor::JsonPath(_), Some(why)) = (&ex, &not_json) {
                return Err(unreadable(
                    resp,
                    format!("capture `{name}`: the response is not JSON ({why}); it starts: {}", preview(&resp.body)),
                ));
            }
            let value = extract::extract_first(&ex, &src).await.map_err(|e| unreadable(resp, e))?;
            let value = value.ok_or_else(|| {
                fail(
                    ErrorKind::Suite,
                    format!(
                        "capture `{name}` (channels.toml, [{}]) found nothing ({}) in the HTTP {} response: {}; \
                         check the extraction against the response",
                        self.channel_name,
                        describe(&ex),
                        resp.status,
                        preview(&resp.body)
                    ),
                )
            })?;
            self.vars.insert(name.clone(), Value::String(value.clone()));
            set_capture(out, name, value);
        }
        Ok(())
    }

    /// The reply in the response itself. A bot that answers in several
    /// messages (`[{"text": …}, {"text": …}]`) is read as one reply, the
    /// texts joined in order; an answer with no text (`[]`, `""`) is no reply.
    pub(super) async fn reply_from_response(&mut self, resp: &Response, msg: &Message<'_>) -> Result<Reply, StepError> {
        let (json, not_json) = parse_json(&resp.body);
        let (text, item) = match &self.channel.receive.reply {
            Some(ex) => {
                let ex = self.resolve(ex, msg)?;
                if let (Extractor::JsonPath(_), Some(why)) = (&ex, &not_json) {
                    return Err(unreadable(
                        resp,
                        format!("the response is not JSON ({why}); it starts: {}", preview(&resp.body)),
                    ));
                }
                let src =
                    Source { body: &resp.body, json: json.as_ref(), headers: &resp.headers, hash: resp.body_hash };
                let items = extract::extract_all(&ex, &src).await.map_err(|e| unreadable(resp, e))?;
                if items.is_empty() && !is_empty_answer(&resp.body, json.as_ref()) {
                    return Err(unreadable(resp, format!("no reply at {} in: {}", describe(&ex), preview(&resp.body))));
                }
                let mut texts = Vec::new();
                let mut kept = Vec::new();
                for item in items {
                    let text = self.reply_text(Some(&item), resp, json.as_ref(), msg).await?;
                    if !text.trim().is_empty() {
                        texts.push(text);
                        kept.push(item);
                    }
                }
                let item = match kept.len() {
                    0 | 1 => kept.pop(),
                    _ => Some(Value::Array(kept)),
                };
                (texts.join("\n"), item)
            }
            None => (self.reply_text(None, resp, json.as_ref(), msg).await?, None),
        };
        if text.trim().is_empty() {
            return Err(fail(
                ErrorKind::NoReply,
                format!("the answer had no text (HTTP {}: {})", resp.status, preview(&resp.body)),
            ));
        }
        Ok(Reply { text, item, t_earliest_us: resp.t_end_us, t_latest_us: resp.t_end_us, ..Reply::default() })
    }

    /// The reply's text: `text` applied to the reply item (or the body).
    pub(super) async fn reply_text(
        &mut self,
        item: Option<&Value>,
        resp: &Response,
        json: Option<&Value>,
        msg: &Message<'_>,
    ) -> Result<String, StepError> {
        let rx = &self.channel.receive;
        let empty = crate::extract::Received::default();
        let text = match (&rx.text, item) {
            (Some(ex), item) => {
                let ex = self.resolve(ex, msg)?;
                let item_body;
                let src = match item {
                    Some(v) => {
                        item_body = extract::value_text(v);
                        Source { body: &item_body, json: Some(v), headers: &empty, hash: None }
                    }
                    None => Source { body: &resp.body, json, headers: &resp.headers, hash: resp.body_hash },
                };
                extract::extract_all(&ex, &src)
                    .await
                    .map_err(|e| fail(ErrorKind::Malformed, e.to_string()))?
                    .iter()
                    .map(extract::value_text)
                    .collect::<Vec<_>>()
                    .join("\n")
            }
            (None, Some(v)) => extract::value_text(v),
            (None, None) => resp.body.clone(),
        };
        if let Some(v) = item {
            let captures = rx.capture.clone();
            let src = Source { body: &text, json: Some(v), headers: &empty, hash: None };
            for (name, ex) in &captures {
                let ex = self.resolve(ex, msg)?;
                if let Ok(Some(value)) = extract::extract_first(&ex, &src).await {
                    self.vars.insert(name.clone(), Value::String(value));
                }
            }
        }
        Ok(text)
    }
}

/// The body as JSON, or why it is not (worded only if a message needs it:
/// most bodies that are not JSON are pages read by CSS).
fn parse_json(body: &str) -> (Option<Value>, Option<serde_json::Error>) {
    match serde_json::from_str(body) {
        Ok(v) => (Some(v), None),
        Err(e) => (None, Some(e)),
    }
}

fn describe(ex: &Extractor) -> String {
    match ex {
        Extractor::JsonPath(p) => format!("JSONPath `{p}`"),
        Extractor::Css { selector, .. } => format!("CSS `{selector}`"),
        Extractor::Regex(r) => format!("regex `{r}`"),
        Extractor::Header(h) => format!("header `{h}`"),
    }
}

/// An answer that holds nothing: an empty body, `[]`, `{}`, `null`, `""`.
fn is_empty_answer(body: &str, json: Option<&Value>) -> bool {
    match json {
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
        None => body.trim().is_empty(),
    }
}
