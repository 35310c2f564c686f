//! Channels are configuration, not code: how to reach chat, email or web over
//! HTTP, described entirely in `channels.toml`. One generic mechanism in the
//! engine executes any of them.

use super::duration::Dur;
use crate::analysis::clean::AnswerFormat;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `channels.toml`: one table per channel, keyed by its name (`[chat]`, `[email]`, `[web]`).
pub type ChannelsFile = BTreeMap<String, Channel>;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Channel {
    /// The channel's name for people ("FAQ bot", "Live chat"); the report
    /// and summaries fall back to the capitalised key.
    #[serde(default)]
    pub label: Option<String>,
    /// What kind of channel this is, for the report and for answer cleaning.
    #[serde(default)]
    pub kind: Option<ChannelKind>,
    /// Template; `{{ target }}` is the `--target` URL (the embedded demo by default).
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Headers sent on every request (templates; use `{{ env.NAME }}` for secrets).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// HTTP authentication on every request (a request's own `auth` wins):
    /// `{ basic = { user = "…", password = "{{ env.KEY }}" } }` or `{ bearer = "{{ env.TOKEN }}" }`.
    #[serde(default)]
    pub auth: Option<Auth>,
    /// Hosts (`cdn.example.com`, `127.0.0.2:8080`) besides `base_url`'s own
    /// origin that requests and redirects may go to. They get no `headers`
    /// and never a secret; any other host is refused.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// Per-request timeout (connect to last byte).
    #[serde(default = "default_timeout")]
    pub timeout: Dur,
    /// Larger bodies are truncated to this size and marked.
    #[serde(default = "default_max_body")]
    pub max_body: String,
    #[serde(default)]
    pub retry: Retry,
    /// `"10/s"`, `"600/min"`: requests per period on this channel, all personas together.
    #[serde(default)]
    pub rate_limit: Option<String>,
    /// `"500/h"`: the most requests (opens, sends, polls, retries) this channel
    /// may send in any sliding period; beyond it steps fail as not sent. A
    /// safety net for audits against production, shared across scheduled runs.
    #[serde(default)]
    pub budget: Option<String>,
    /// How to read a reply's text: plain, HTML (region by `region`) or email (quotes stripped).
    #[serde(default)]
    pub format: Option<AnswerFormat>,
    /// CSS selector of the answer region in HTML replies.
    #[serde(default)]
    pub region: Option<String>,
    /// BCP 47 locale the channel answers in ("en-IE"): its currency, calling
    /// code and date order read this channel's answers. Default: the persona's, else the map's.
    #[serde(default)]
    pub locale: Option<String>,
    /// Sent once per conversation, before the first message.
    #[serde(default)]
    pub open: Option<RequestSpec>,
    /// Sent for every message, in order; captures flow from one to the next.
    pub send: OneOrMany<RequestSpec>,
    #[serde(default)]
    pub receive: Receive,
}

fn default_base_url() -> String {
    "{{ target }}".into()
}
fn default_timeout() -> Dur {
    Dur::new("10s")
}
fn default_max_body() -> String {
    "1MB".into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Chat,
    Email,
    Web,
}

impl Channel {
    /// The answer format, defaulting by kind (web → HTML, email → email).
    pub fn answer_format(&self) -> AnswerFormat {
        self.format.unwrap_or(match self.kind {
            Some(ChannelKind::Web) => AnswerFormat::Html,
            Some(ChannelKind::Email) => AnswerFormat::Email,
            _ => AnswerFormat::Text,
        })
    }
}

/// Reads a header line, `Name: value` (`--header`, `test_header`), checking
/// that the name and value can be sent.
pub fn parse_header(line: &str) -> Result<(String, String), String> {
    let (name, value) = line
        .split_once(':')
        .ok_or_else(|| format!("`{line}` must look like `Name: value`, e.g. `X-Touchpoint: audit`"))?;
    let (name, value) = (name.trim(), value.trim());
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)) {
        return Err(format!("`{name}` is not a valid header name; use letters, digits and `-`, e.g. `X-Touchpoint`"));
    }
    if value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
        return Err(format!("the value of header `{name}` contains control characters"));
    }
    Ok((name.to_string(), value.to_string()))
}

/// Accepts a single table or an array of tables.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(t) => std::slice::from_ref(t),
            OneOrMany::Many(v) => v,
        }
    }
}

/// One HTTP request, every string a minijinja template.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequestSpec {
    #[serde(default = "default_method")]
    pub method: String,
    /// Relative to `base_url` unless absolute.
    pub url: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// Authentication for this request, instead of the channel's.
    #[serde(default)]
    pub auth: Option<Auth>,
    /// A JSON body; string leaves are templates.
    #[serde(default)]
    pub json: Option<toml::Value>,
    /// A form body.
    #[serde(default)]
    pub form: Option<BTreeMap<String, String>>,
    /// A raw body.
    #[serde(default)]
    pub body: Option<String>,
    /// Values to keep from the response: name → extraction.
    #[serde(default)]
    pub capture: BTreeMap<String, Extract>,
}

/// HTTP authentication, every string a template (secrets via `{{ env.NAME }}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    /// `Authorization: Basic base64(user:password)`.
    Basic { user: String, password: String },
    /// `Authorization: Bearer <token>`.
    Bearer(String),
}

impl Auth {
    /// The templates it renders, in order (user, password / token).
    pub fn templates(&self) -> Vec<&String> {
        match self {
            Auth::Basic { user, password } => vec![user, password],
            Auth::Bearer(token) => vec![token],
        }
    }
}

fn default_method() -> String {
    "GET".into()
}

/// How to pull a value out of a response. A bare string starting with `$` is
/// JSONPath; any other bare string is a regex over the text.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Extract {
    Short(String),
    Full(ExtractSpec),
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExtractSpec {
    #[serde(default)]
    pub jsonpath: Option<String>,
    #[serde(default)]
    pub css: Option<String>,
    #[serde(default)]
    pub regex: Option<String>,
    #[serde(default)]
    pub header: Option<String>,
    /// With `css`: read this attribute instead of the text.
    #[serde(default)]
    pub attr: Option<String>,
}

/// The resolved form of an [`Extract`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extractor {
    JsonPath(String),
    Css { selector: String, attr: Option<String> },
    Regex(String),
    Header(String),
}

impl Extract {
    /// Resolves the shorthand. Err when a table names none or several methods.
    pub fn resolve(&self) -> Result<Extractor, String> {
        match self {
            Extract::Short(s) if s.trim_start().starts_with('$') => Ok(Extractor::JsonPath(s.clone())),
            Extract::Short(s) => Ok(Extractor::Regex(s.clone())),
            Extract::Full(spec) => {
                let mut found = Vec::new();
                if let Some(p) = &spec.jsonpath {
                    found.push(Extractor::JsonPath(p.clone()));
                }
                if let Some(c) = &spec.css {
                    found.push(Extractor::Css { selector: c.clone(), attr: spec.attr.clone() });
                }
                if let Some(r) = &spec.regex {
                    found.push(Extractor::Regex(r.clone()));
                }
                if let Some(h) = &spec.header {
                    found.push(Extractor::Header(h.clone()));
                }
                match found.len() {
                    1 => Ok(found.remove(0)),
                    0 => Err("an extraction needs one of `jsonpath`, `css`, `regex` or `header`".into()),
                    _ => Err("an extraction takes exactly one of `jsonpath`, `css`, `regex` or `header`".into()),
                }
            }
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Retry {
    /// Total attempts, including the first.
    #[serde(default = "default_attempts")]
    pub attempts: u32,
    /// Statuses worth retrying; connection errors are always retried.
    #[serde(default = "default_retry_on")]
    pub on: Vec<u16>,
    /// First pause; doubles each time unless the server sends `Retry-After`.
    #[serde(default = "default_backoff")]
    pub backoff: Dur,
}

fn default_attempts() -> u32 {
    3
}
fn default_retry_on() -> Vec<u16> {
    vec![429, 502, 503, 504]
}
fn default_backoff() -> Dur {
    Dur::new("200ms")
}

impl Default for Retry {
    fn default() -> Self {
        Retry { attempts: default_attempts(), on: default_retry_on(), backoff: default_backoff() }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReceiveMode {
    /// The reply is in the (last) send response.
    #[default]
    Response,
    /// Poll an endpoint until a reply matching `reply` appears.
    Poll,
    /// The target calls a loopback URL (`{{ webhook_url }}`) with the reply.
    Webhook,
    /// The reply is a Server-Sent Events stream: the last send's response,
    /// or `request`'s. Its text is the `data` of the `events` named, in
    /// order, concatenated exactly, up to the `end` event.
    Stream,
    /// The conversation is a WebSocket: `send` names the socket (its `url`,
    /// relative to `base_url`, becomes ws:// or wss://; its `headers` go on
    /// the handshake) and the frame (`json` or `body`); frames are read
    /// until one matches `reply`.
    Websocket,
}

/// How the reply arrives.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Receive {
    #[serde(default)]
    pub mode: ReceiveMode,
    /// Poll mode: the request to repeat; `{{ cursor }}` is the last cursor.
    #[serde(default)]
    pub request: Option<RequestSpec>,
    #[serde(default = "default_every")]
    pub every: Dur,
    /// Each empty poll multiplies the interval by this, up to `max_every`.
    #[serde(default = "default_backoff_factor")]
    pub backoff: f64,
    #[serde(default = "default_max_every")]
    pub max_every: Dur,
    /// Give up waiting for a reply after this long.
    #[serde(default = "default_max_wait")]
    pub max_wait: Dur,
    /// Poll mode: once a reply arrives, keep polling until no new reply
    /// message has come for this long (within `max_wait`), and read every
    /// message as one answer — for a bot that says "Let me check…" and
    /// answers a moment later. Off (`None`) by default.
    #[serde(default)]
    pub settle: Option<Dur>,
    /// Selects reply items (JSONPath, may be a template, e.g. a filter on the
    /// thread id). Typing indicators and system events are skipped by filtering here.
    #[serde(default)]
    pub reply: Option<Extract>,
    /// The text of a reply item (default: the item itself, or the whole body).
    #[serde(default)]
    pub text: Option<Extract>,
    /// Poll mode: where the next cursor is in a poll response.
    #[serde(default)]
    pub cursor: Option<Extract>,
    #[serde(default = "default_cursor_start")]
    pub cursor_start: String,
    /// Values to keep from the reply item (a thread id for later messages).
    #[serde(default)]
    pub capture: BTreeMap<String, Extract>,
    /// Webhook mode: the event id of a callback (`{ header = "X-Event-Id" }`
    /// or `"$.event_id"`); a callback whose id was seen before in the
    /// conversation is recorded as a duplicate and never read as a reply.
    #[serde(default)]
    pub dedupe: Option<Extract>,
    /// Webhook mode: a field of the callback holding an RFC 5322 header
    /// block (SendGrid's `headers`), read as an object of headers
    /// (lower-case names, folded lines joined, encoded words decoded), so
    /// `$.headers['in-reply-to']` works in `reply`, `text`, `capture` and `dedupe`.
    #[serde(default)]
    pub header_block: Option<String>,
    /// Webhook mode: how callbacks are signed (`super::callback`).
    #[serde(default)]
    pub verify: Option<super::callback::Verify>,
    /// Stream mode: the event types whose `data` make up the reply
    /// (`["message.delta"]`); an event with no `event:` line is `message`.
    #[serde(default = "default_events")]
    pub events: Vec<String>,
    /// Stream mode: the event type (`message.done`) or the exact data
    /// (`[DONE]`) that ends the reply. Without it the reply ends when the
    /// server closes the stream; with it, a stream that closes first is cut.
    #[serde(default)]
    pub end: Option<String>,
}

fn default_events() -> Vec<String> {
    vec!["message".into()]
}

fn default_every() -> Dur {
    Dur::new("250ms")
}
fn default_backoff_factor() -> f64 {
    1.5
}
fn default_max_every() -> Dur {
    Dur::new("2s")
}
fn default_max_wait() -> Dur {
    Dur::new("30s")
}
fn default_cursor_start() -> String {
    "0".into()
}

impl Default for Receive {
    fn default() -> Self {
        Receive {
            mode: ReceiveMode::Response,
            request: None,
            every: default_every(),
            backoff: default_backoff_factor(),
            max_every: default_max_every(),
            max_wait: default_max_wait(),
            settle: None,
            reply: None,
            text: None,
            cursor: None,
            cursor_start: default_cursor_start(),
            capture: BTreeMap::new(),
            dedupe: None,
            header_block: None,
            verify: None,
            events: default_events(),
            end: None,
        }
    }
}

// Hand-written instead of `#[serde(untagged)]`: untagged enums buffer their
// input, which hides unknown keys from the suite loader and loses spans.

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a table or an array of tables")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(OneOrMany::One)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::<T>::deserialize(serde::de::value::SeqAccessDeserializer::new(seq)).map(OneOrMany::Many)
            }
        }
        de.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<'de> Deserialize<'de> for Extract {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Extract;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSONPath (`\"$.id\"`), a regex, or a table like `{ css = \"article\" }`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Extract, E> {
                Ok(Extract::Short(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Extract, A::Error> {
                ExtractSpec::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Extract::Full)
            }
        }
        de.deserialize_any(V)
    }
}
