//! Preparing a request: a channel's request spec rendered into what is sent
//! and what is recorded, with the channel's trust boundary attached.
//!
//! - **The URL** is the rendered `url` joined to the rendered `base_url`.
//!   A template that *starts* with a value (`url = "{{ article }}"`) takes it
//!   as a URL reference (a path, or an absolute URL that must stay inside the
//!   boundary); a value anywhere later is one path segment, percent-encoded,
//!   so an id like `../admin` or `x?y#z` from the target cannot change the
//!   path, the query or the host.
//! - **The record** shows the request rendered a second time with every
//!   `env.NAME` masked, so no secret is recorded, whatever a template did
//!   with it (`redact.rs`).
//! - **The boundary** is the origin of the rendered `base_url` plus the
//!   channel's `allowed_hosts`; the sender refuses any URL outside it,
//!   including redirects (`http.rs`).

use crate::record::{ErrorKind, StepError};
use crate::redact::Redactor;
use crate::suite::channel::{Auth, Channel, RequestSpec};
use crate::template;
use crate::template::context::Context;
use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use reqwest::Url;
use serde_json::Value;

/// A request ready to send (templates already rendered).
#[derive(Debug, Clone)]
pub struct Prepared {
    pub method: reqwest::Method,
    pub url: Url,
    /// The channel's and the request's headers (not the marks, which the sender adds).
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
    /// What the record shows: the same request rendered with secrets masked.
    pub shown: Shown,
    /// Where this request and its redirects may go.
    pub boundary: Boundary,
}

/// A request body, serialised once when prepared: every attempt (retries,
/// 307/308 hops) sends the same bytes without copying them.
#[derive(Debug, Clone)]
pub enum Body {
    /// Serialised JSON (sent with `Content-Type: application/json` unless
    /// the request names its own).
    Json(Bytes),
    Form(Vec<(String, String)>),
    Raw(Bytes),
}

impl Body {
    /// The body as text (JSON and raw bodies are rendered from UTF-8 templates).
    pub fn text(&self) -> String {
        match self {
            Body::Json(b) | Body::Raw(b) => String::from_utf8_lossy(b).into_owned(),
            Body::Form(f) => f.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&"),
        }
    }
}

/// The request as recorded.
#[derive(Debug, Clone, Default)]
pub struct Shown {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// A channel's trust boundary: its origin (scheme, host, port of the
/// rendered `base_url`) and the extra hosts it lists in `allowed_hosts`.
#[derive(Debug, Clone)]
pub struct Boundary {
    base: Url,
    allowed: Vec<String>,
}

/// Where a URL lies relative to a boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The channel's origin: sent with its headers.
    Origin,
    /// A host the channel lists in `allowed_hosts`: sent without the
    /// channel's headers, and never with a secret in it.
    Allowed,
    /// Anywhere else: not sent.
    Outside,
}

impl Boundary {
    pub fn new(base: Url, allowed: &[String]) -> Self {
        Boundary { base, allowed: allowed.iter().map(|h| h.trim().to_ascii_lowercase()).collect() }
    }

    pub fn place(&self, url: &Url) -> Place {
        if same_origin(url, &self.base) {
            return Place::Origin;
        }
        if !matches!(url.scheme(), "http" | "https") {
            return Place::Outside;
        }
        let Some(host) = url.host_str().map(str::to_ascii_lowercase) else { return Place::Outside };
        let with_port = url.port_or_known_default().map(|p| format!("{host}:{p}"));
        let listed = self.allowed.iter().any(|a| *a == host || Some(a) == with_port.as_ref());
        if listed {
            Place::Allowed
        } else {
            Place::Outside
        }
    }

    /// The origin in words, for errors.
    pub fn origin(&self) -> String {
        self.base.origin().ascii_serialization()
    }
}

/// `a.origin() == b.origin()` without building the two origins (each
/// copies the host): for http(s) and ws(s) URLs the origin is the scheme,
/// the host and the port; any other scheme goes through `origin()`.
fn same_origin(a: &Url, b: &Url) -> bool {
    let tuple = |u: &Url| matches!(u.scheme(), "http" | "https" | "ws" | "wss");
    if tuple(a) && tuple(b) {
        a.scheme() == b.scheme() && a.host() == b.host() && a.port_or_known_default() == b.port_or_known_default()
    } else {
        a.origin() == b.origin()
    }
}

fn fail(kind: ErrorKind, message: impl Into<String>) -> StepError {
    StepError { kind, message: message.into() }
}

/// One path segment: everything but RFC 3986 unreserved characters and the
/// sub-delimiters that cannot change a URL's structure is encoded.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b':')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'@')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Percent-encodes a value for one URL path segment; `.` and `..` are
/// encoded too, so they cannot climb out of the path.
pub fn path_segment(value: &str) -> String {
    match value {
        "." => "%2E".into(),
        ".." => "%2E%2E".into(),
        v => utf8_percent_encode(v, SEGMENT).to_string(),
    }
}

/// Whether a URL template starts with a value (`{{ article }}`, `{{ target }}/x`):
/// that value is a URL reference, not a path segment.
fn starts_with_value(source: &str) -> bool {
    source.trim_start().starts_with("{{")
}

/// Parses a rendered `base_url`. A channel's base is usually the same text
/// on every request (`{{ target }}`), so the last few parsed per thread are
/// kept and cloned rather than parsed again.
fn parse_base(text: &str) -> Result<Url, String> {
    use std::cell::RefCell;
    const KEPT: usize = 8;
    thread_local! {
        static PARSED: RefCell<Vec<(String, Url)>> = const { RefCell::new(Vec::new()) };
    }
    let text = text.trim();
    if let Some(url) = PARSED.with_borrow(|p| p.iter().find(|(t, _)| t == text).map(|(_, u)| u.clone())) {
        return Ok(url);
    }
    let url = Url::parse(text).map_err(|e| e.to_string())?;
    PARSED.with_borrow_mut(|p| {
        if p.len() == KEPT {
            p.remove(0);
        }
        p.push((text.to_string(), url.clone()));
    });
    Ok(url)
}

/// [`join`] of a channel's fixed `url` (no template): the same few pairs
/// come back for every request, so the last few joined per thread are kept
/// and cloned rather than parsed again.
fn join_kept(base: &Url, path: &str) -> Result<Url, String> {
    use std::cell::RefCell;
    const KEPT: usize = 8;
    thread_local! {
        static JOINED: RefCell<Vec<(String, String, Url)>> = const { RefCell::new(Vec::new()) };
    }
    let found =
        JOINED.with_borrow(|j| j.iter().find(|(b, p, _)| b == base.as_str() && p == path).map(|(_, _, u)| u.clone()));
    if let Some(url) = found {
        return Ok(url);
    }
    let url = join(base, path)?;
    JOINED.with_borrow_mut(|j| {
        if j.len() == KEPT {
            j.remove(0);
        }
        j.push((base.as_str().to_string(), path.to_string(), url.clone()));
    });
    Ok(url)
}

/// Joins a rendered `url` to the rendered base: absolute URLs are taken as
/// they are (the boundary decides), anything else is appended to the base's
/// path, never to its authority (`@other.host/x` stays a path).
pub fn join(base: &Url, path: &str) -> Result<Url, String> {
    let lower = path.trim_start().to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Url::parse(path.trim()).map_err(|e| format!("`{path}` is not a URL ({e})"));
    }
    if path.starts_with("//") {
        // Scheme-relative: another host, judged by the boundary.
        return base.join(path).map_err(|e| format!("`{path}` is not a URL ({e})"));
    }
    let root = base.as_str().trim_end_matches('/');
    let joined = match path.chars().next() {
        None => root.to_string(),
        Some('/' | '?' | '#') => format!("{root}{path}"),
        Some(_) => format!("{root}/{path}"),
    };
    let url = Url::parse(&joined).map_err(|e| format!("`{joined}` is not a URL ({e})"))?;
    // Appending to the path cannot change the authority; if it did, the
    // base itself was odd (e.g. ended inside the authority).
    if !same_origin(&url, base) {
        return Err(format!("`{path}` does not stay on `{base}`"));
    }
    Ok(url)
}

/// Renders a request spec into something to send and something to record:
/// the one request preparation, used by the engine and by `--dry-run`. A
/// template that fails, or leaves a path segment empty, is the suite's error.
pub fn prepare(
    env: &minijinja::Environment<'static>,
    redactor: &Redactor,
    channel: &Channel,
    spec: &RequestSpec,
    ctx: &Context,
) -> Result<Prepared, StepError> {
    // Plain templates read the context's layers where they are; the
    // template values minijinja needs are built on first use.
    let render_with = |s: &str, masked: bool| ctx.render(env, s, masked).map_err(|e| fail(ErrorKind::Suite, e));
    // Templates that read only the run's names render once per run.
    let run_wide = ctx.run_wide();
    // (sent, shown)
    let render = |s: &str| -> Result<(String, String), StepError> {
        if let Some(kept) = run_wide
            .filter(|_| template::is_template(s))
            .and_then(|w| w.get(env, s, |m| template::render(env, s, if m { ctx.masked() } else { ctx.value() })))
        {
            return Ok((kept.sent.clone(), kept.shown.clone()));
        }
        let sent = render_with(s, false)?;
        let shown = if mentions(s, "env") { render_with(s, true)? } else { sent.clone() };
        Ok((sent, shown))
    };

    let (base_sent, base_shown) = render(&channel.base_url)?;
    let base = parse_base(&base_sent).map_err(|e| {
        fail(
            ErrorKind::Suite,
            format!(
                "`base_url` renders to `{}`, which is not a URL ({e}); check `base_url` and `--target`",
                redactor.redact(&base_shown)
            ),
        )
    })?;
    let (path_sent, path_shown) = if starts_with_value(&spec.url) {
        render(&spec.url)?
    } else if !template::is_template(&spec.url) {
        (spec.url.clone(), spec.url.clone())
    } else {
        // Every value in a path is one percent-encoded segment.
        let render_path = |masked: bool| {
            ctx.render_path(env, &spec.url, masked, &path_segment).map_err(|e| fail(ErrorKind::Suite, e))
        };
        let sent = render_path(false)?;
        let shown = if mentions(&spec.url, "env") { render_path(true)? } else { sent.clone() };
        (sent, shown)
    };
    if mentions(&spec.url, "}}/") && mentions(&path_sent, "//") && !mentions(&spec.url, "//") {
        return Err(fail(
            ErrorKind::Suite,
            format!(
                "`url = \"{}\"` renders `{}`: a value in the path is empty (captured by nothing yet?)",
                spec.url,
                redactor.redact(&path_shown)
            ),
        ));
    }
    let joined = if template::is_template(&spec.url) { join(&base, &path_sent) } else { join_kept(&base, &path_sent) };
    let mut url = joined.map_err(|e| {
        fail(ErrorKind::Request, format!("{}; check the channel's `url` and `base_url`", redactor.redact(&e)))
    })?;
    // Nothing masked (no template read `env`): the recorded URL is the sent one.
    let mut shown_url = if base_shown == base_sent && path_shown == path_sent {
        url.clone()
    } else {
        let base_for_shown = Url::parse(base_shown.trim()).unwrap_or_else(|_| base.clone());
        join(&base_for_shown, &path_shown).unwrap_or_else(|_| url.clone())
    };
    if !spec.query.is_empty() {
        let mut sent_pairs = url.query_pairs_mut();
        let mut shown_pairs = shown_url.query_pairs_mut();
        for (k, v) in &spec.query {
            let (sent, shown) = render(v)?;
            sent_pairs.append_pair(k, &sent);
            shown_pairs.append_pair(k, &shown);
        }
    }
    let method = method(&spec.method)?;
    let mut headers = Vec::new();
    let mut shown_headers = Vec::new();
    if let Some(auth) = spec.auth.as_ref().or(channel.auth.as_ref()) {
        let (sent, shown) = authorization(auth, &render)?;
        headers.push(("Authorization".to_string(), sent));
        shown_headers.push(("Authorization".to_string(), shown));
    }
    for (k, v) in channel.headers.iter().chain(spec.headers.iter()) {
        let (sent, shown) = render(v)?;
        headers.push((k.clone(), sent));
        shown_headers.push((k.clone(), shown));
    }
    let (body, shown_body) = if let Some(j) = &spec.json {
        let sent = render_json(j, &|s| render_with(s, false))?;
        let shown = if json_mentions_env(j) {
            String::from_utf8_lossy(&render_json(j, &|s| render_with(s, true))?).into_owned()
        } else {
            String::from_utf8_lossy(&sent).into_owned()
        };
        (Some(Body::Json(Bytes::from(sent))), Some(shown))
    } else if let Some(f) = &spec.form {
        let mut sent = Vec::new();
        let mut shown = Vec::new();
        for (k, v) in f {
            let (s, w) = render(v)?;
            sent.push((k.clone(), s));
            shown.push(format!("{k}={w}"));
        }
        (Some(Body::Form(sent)), Some(shown.join("&")))
    } else if let Some(b) = &spec.body {
        let (sent, shown) = render(b)?;
        (Some(Body::Raw(Bytes::from(sent))), Some(shown))
    } else {
        (None, None)
    };
    let shown = Shown {
        url: redactor.redact_owned(String::from(shown_url)),
        headers: shown_headers.into_iter().map(|(k, v)| (k, redactor.redact_owned(v))).collect(),
        body: shown_body.map(|b| redactor.redact_owned(b)),
    };
    let boundary = Boundary::new(base, &channel.allowed_hosts);
    Ok(Prepared { method, url, headers, body, shown, boundary })
}

/// The request method, any case (`post`); the usual ones without
/// allocating.
fn method(name: &str) -> Result<reqwest::Method, StepError> {
    use reqwest::Method as M;
    for known in [M::GET, M::POST, M::PUT, M::PATCH, M::DELETE, M::HEAD, M::OPTIONS] {
        if name.eq_ignore_ascii_case(known.as_str()) {
            return Ok(known);
        }
    }
    reqwest::Method::from_bytes(name.to_ascii_uppercase().as_bytes())
        .map_err(|_| fail(ErrorKind::Request, format!("bad method {name}")))
}

/// Renders a template to what is sent and what is recorded (secrets masked).
type Render<'a> = dyn Fn(&str) -> Result<(String, String), StepError> + 'a;

/// The `Authorization` value for `auth`, as sent and as recorded (a Basic
/// pair is encoded after masking, so no secret survives in its base64).
fn authorization(auth: &Auth, render: &Render<'_>) -> Result<(String, String), StepError> {
    use base64::Engine as _;
    let b64 = |s: String| base64::engine::general_purpose::STANDARD.encode(s);
    Ok(match auth {
        Auth::Basic { user, password } => {
            let (user, user_shown) = render(user)?;
            let (password, password_shown) = render(password)?;
            let shown = if password_shown != password {
                "Basic ***".to_string()
            } else {
                format!("Basic {}", b64(format!("{user_shown}:{password_shown}")))
            };
            (format!("Basic {}", b64(format!("{user}:{password}"))), shown)
        }
        Auth::Bearer(token) => {
            let (sent, shown) = render(token)?;
            (format!("Bearer {sent}"), format!("Bearer {shown}"))
        }
    })
}

/// `text.contains(needle)` for the short templates and paths of a request:
/// a byte-window scan (`str::contains` sets up a searcher per call, ~300
/// instructions; five of them were 1.4 % of an exchange's).
fn mentions(text: &str, needle: &str) -> bool {
    needle.is_empty() || text.as_bytes().windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn json_mentions_env(v: &toml::Value) -> bool {
    match v {
        toml::Value::String(s) => mentions(s, "env"),
        toml::Value::Array(a) => a.iter().any(json_mentions_env),
        toml::Value::Table(t) => t.values().any(json_mentions_env),
        _ => false,
    }
}

/// A `json` body rendered and serialised in one pass, byte for byte what
/// `serde_json::Value::to_string` gives (compact, keys in order: TOML
/// tables and `serde_json::Map` both sort them), without building the
/// value first.
fn render_json(v: &toml::Value, render: &dyn Fn(&str) -> Result<String, StepError>) -> Result<Vec<u8>, StepError> {
    let mut out = Vec::with_capacity(128);
    write_json(v, render, &mut out)?;
    Ok(out)
}

fn write_json(
    v: &toml::Value,
    render: &dyn Fn(&str) -> Result<String, StepError>,
    out: &mut Vec<u8>,
) -> Result<(), StepError> {
    // Writing to a `Vec` cannot fail; numbers and strings go through
    // serde_json's own formatting and escaping.
    let put = |out: &mut Vec<u8>, v: &dyn erased::Json| v.write(out);
    match v {
        toml::Value::String(s) => put(out, &render(s)?.as_str()),
        toml::Value::Integer(i) => put(out, i),
        toml::Value::Float(f) => put(out, &Value::from(*f)),
        toml::Value::Boolean(b) => put(out, b),
        toml::Value::Datetime(d) => put(out, &d.to_string().as_str()),
        toml::Value::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(x, render, out)?;
            }
            out.push(b']');
        }
        toml::Value::Table(t) => {
            out.push(b'{');
            for (i, (k, x)) in t.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                put(out, &k.as_str());
                out.push(b':');
                write_json(x, render, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

mod erased {
    /// A value serde_json writes compactly.
    pub trait Json {
        fn write(&self, out: &mut Vec<u8>);
    }
    impl<T: serde::Serialize> Json for T {
        fn write(&self, out: &mut Vec<u8>) {
            let _ = serde_json::to_writer(out, self);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_is_contains() {
        let texts =
            ["", "e", "en", "env", "{{ env.TOKEN }}", "/a/{{ x }}/b", "//x", "http://h/p", "né//env", "{{ enV }}"];
        for text in texts {
            for needle in ["env", "}}/", "//", "", "é/"] {
                assert_eq!(mentions(text, needle), text.contains(needle), "{text:?} {needle:?}");
            }
            assert_eq!(template::is_template(text), text.contains("{{") || text.contains("{%"), "{text:?}");
        }
        assert!(template::is_template("a {% if x %}"));
    }

    fn base() -> Url {
        Url::parse("http://127.0.0.1:8080/api").unwrap()
    }

    /// Issue 13 item 1: `@127.0.0.2:18082/x` glued onto the base sent the
    /// request (with the channel's key) to another host.
    #[test]
    fn credentials_follow_the_target_glued_authority_stays_a_path() {
        let url = join(&base(), "@127.0.0.2:18082/x").unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:8080/api/@127.0.0.2:18082/x");
        assert_eq!(Boundary::new(base(), &[]).place(&url), Place::Origin);
    }

    #[test]
    fn credentials_follow_the_target_absolute_urls_are_judged_by_the_boundary() {
        let b = Boundary::new(base(), &["cdn.example".into(), "127.0.0.3:9000".into()]);
        assert_eq!(b.place(&join(&base(), "http://127.0.0.2:18082/x").unwrap()), Place::Outside);
        assert_eq!(b.place(&join(&base(), "//127.0.0.2/x").unwrap()), Place::Outside);
        assert_eq!(
            b.place(&join(&base(), "https://127.0.0.1:8080/x").unwrap()),
            Place::Outside,
            "scheme is part of the origin"
        );
        assert_eq!(b.place(&join(&base(), "http://127.0.0.1:8080/x").unwrap()), Place::Origin);
        assert_eq!(b.place(&Url::parse("https://CDN.example/a").unwrap()), Place::Allowed);
        assert_eq!(b.place(&Url::parse("http://127.0.0.3:9000/a").unwrap()), Place::Allowed);
        assert_eq!(b.place(&Url::parse("http://127.0.0.3:9001/a").unwrap()), Place::Outside);
        assert_eq!(b.place(&Url::parse("file:///etc/passwd").unwrap()), Place::Outside);
    }

    #[test]
    fn same_origin_is_what_url_origin_says() {
        let urls = [
            "http://127.0.0.1:8080/a",
            "http://127.0.0.1:8080/b?x",
            "http://127.0.0.1/a",
            "http://127.0.0.1:80/a",
            "https://127.0.0.1:8080/a",
            "http://localhost:8080/a",
            "http://LOCALHOST:8080/a",
            "http://[::1]:8080/a",
            "ws://127.0.0.1:8080/a",
            "wss://127.0.0.1:443/a",
            "https://127.0.0.1/a",
            "file:///etc/passwd",
            "data:text/plain,x",
        ];
        for a in urls {
            for b in urls {
                let (a, b) = (Url::parse(a).unwrap(), Url::parse(b).unwrap());
                assert_eq!(same_origin(&a, &b), a.origin() == b.origin(), "{a} vs {b}");
            }
        }
    }

    /// The one-pass JSON body is byte for byte what building a
    /// `serde_json::Value` and serialising it gave.
    #[test]
    fn json_bodies_serialise_as_serde_json_values_do() {
        fn value(v: &toml::Value, render: &dyn Fn(&str) -> String) -> Value {
            match v {
                toml::Value::String(s) => Value::String(render(s)),
                toml::Value::Integer(i) => Value::from(*i),
                toml::Value::Float(f) => Value::from(*f),
                toml::Value::Boolean(b) => Value::Bool(*b),
                toml::Value::Datetime(d) => Value::String(d.to_string()),
                toml::Value::Array(a) => Value::Array(a.iter().map(|x| value(x, render)).collect()),
                toml::Value::Table(t) => Value::Object(t.iter().map(|(k, x)| (k.clone(), value(x, render))).collect()),
            }
        }
        let body: toml::Value = toml::from_str(
            r#"
            text = "{{ message }}"
            zeta = 1
            "quote\"key" = "tab\there \u00e9 \u0001"
            alpha = { b = [1, 2.5, -0.0, true, "x"], a = [], e = {} }
            nan = nan
            inf = -inf
            big = 9007199254740993
            small = 1e-7
            when = 1979-05-27T07:32:00Z
            day = 1979-05-27
            Upper = "z"
            "#,
        )
        .unwrap();
        let render = |s: &str| format!("<{s}> \"\\ \n \u{2028}");
        let expected = value(&body, &render).to_string();
        let written = render_json(&body, &|s| Ok(render(s))).unwrap();
        assert_eq!(String::from_utf8(written).unwrap(), expected);
    }

    #[test]
    fn captured_values_are_one_path_segment() {
        assert_eq!(path_segment("../admin"), "..%2Fadmin");
        assert_eq!(path_segment(".."), "%2E%2E");
        assert_eq!(path_segment("a b?c#d@e:f/g%"), "a%20b%3Fc%23d%40e%3Af%2Fg%25");
        assert_eq!(path_segment("conv-42_x.y~z"), "conv-42_x.y~z");
        let url = join(&base(), &format!("/c/{}/m", path_segment("../../x?y=1#f"))).unwrap();
        assert_eq!(url.path(), "/api/c/..%2F..%2Fx%3Fy=1%23f/m");
        assert_eq!(url.query(), None);
    }
}
