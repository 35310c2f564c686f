//! Secrets come from environment variables; their values never reach a
//! record or a report.
//!
//! Two layers. By construction: the engine renders every request twice,
//! once to send and once with each `env.NAME` replaced by `***` to record
//! ([`masked_env`]), so a secret that a template transformed (a filter, a
//! slice) is still not recorded. By search: whatever the target sends back
//! (a reply that echoes the token, a `Location` holding `?api_key=…`) is
//! searched for every secret in the forms it travels in — raw,
//! percent-encoded, JSON-escaped and base64 — and each is replaced by `***`.

use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine as _;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Every searched form of every secret, longest first.
    forms: Vec<String>,
    /// One automaton over all forms: a single linear pass per text.
    matcher: Option<AhoCorasick>,
}

/// Values shorter than this are not treated as secrets: replacing every
/// "1" or "on" in a record would destroy it and protect nothing.
const MIN_SECRET_LEN: usize = 4;

/// The shortest piece of a base64 form worth searching for: shorter runs of
/// base64 characters occur by chance in any text.
const MIN_BASE64_FORM: usize = 6;

/// What a secret is replaced by.
pub const MASK: &str = "***";

/// `application/x-www-form-urlencoded` keeps these as they are.
const FORM: &AsciiSet = &NON_ALPHANUMERIC.remove(b'*').remove(b'-').remove(b'.').remove(b'_');
/// RFC 3986 unreserved characters are kept; everything else is encoded.
const UNRESERVED: &AsciiSet = &FORM.remove(b'~');

impl Redactor {
    pub fn new(values: impl IntoIterator<Item = String>) -> Self {
        let mut forms: Vec<String> = Vec::new();
        for secret in values.into_iter().filter(|v| v.len() >= MIN_SECRET_LEN) {
            forms.extend(encoded_forms(&secret));
            forms.push(secret);
        }
        forms.retain(|f| !f.is_empty());
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        let matcher = (!forms.is_empty())
            .then(|| AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(&forms).ok())
            .flatten();
        Redactor { forms, matcher }
    }

    /// The values of the named environment variables that are set.
    pub fn from_env<'a>(names: impl IntoIterator<Item = &'a String>) -> Self {
        Self::new(names.into_iter().filter_map(|n| std::env::var(n).ok()))
    }

    /// `text` with every form of every secret replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        match &self.matcher {
            Some(m) if m.is_match(text) => m.replace_all(text, &vec![MASK; self.forms.len()]),
            _ => text.to_string(),
        }
    }

    /// [`Redactor::redact`] of a text already owned: returned as it is
    /// (not copied) when it holds no secret, and searched once either way
    /// (a response body: not once to find a secret and again to replace it).
    pub fn redact_owned(&self, text: String) -> String {
        let Some(m) = &self.matcher else { return text };
        let mut found = m.find_iter(&text);
        let Some(first) = found.next() else { return text };
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for hit in std::iter::once(first).chain(found) {
            out.push_str(&text[last..hit.start()]);
            out.push_str(MASK);
            last = hit.end();
        }
        out.push_str(&text[last..]);
        out
    }

    /// Whether `text` holds a secret in any of its forms.
    pub fn contains_secret(&self, text: &str) -> bool {
        self.matcher.as_ref().is_some_and(|m| m.is_match(text))
    }

    /// Redacts every string (and key) inside a JSON value, without recursion.
    pub fn redact_value(&self, value: &mut Value) {
        if self.matcher.is_none() {
            return;
        }
        let mut stack = vec![value];
        while let Some(v) = stack.pop() {
            match v {
                Value::String(s) if self.contains_secret(s) => *s = self.redact(s),
                Value::Array(a) => stack.extend(a.iter_mut()),
                Value::Object(o) => {
                    if o.keys().any(|k| self.contains_secret(k)) {
                        let taken = std::mem::take(o);
                        *o = taken.into_iter().map(|(k, v)| (self.redact(&k), v)).collect();
                    }
                    stack.extend(o.values_mut());
                }
                _ => {}
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }
}

/// The forms a secret travels in besides itself.
fn encoded_forms(secret: &str) -> Vec<String> {
    let mut out = Vec::new();
    let form = utf8_percent_encode(secret, FORM).to_string();
    out.push(form.replace("%20", "+"));
    out.push(form.to_ascii_lowercase_hex());
    out.push(form);
    let path = utf8_percent_encode(secret, UNRESERVED).to_string();
    out.push(path.to_ascii_lowercase_hex());
    out.push(path);
    if let Ok(json) = serde_json::to_string(secret) {
        let inner = &json[1..json.len() - 1];
        out.push(inner.to_string());
        out.push(inner.replace('/', "\\/"));
    }
    out.extend(base64_forms(secret.as_bytes()));
    out
}

/// The parts of a base64 text that encode `secret` wherever it sits in the
/// encoded input (`user:secret` in a Basic header): for each of the three
/// alignments, the characters that depend on the secret's bytes alone.
fn base64_forms(secret: &[u8]) -> Vec<String> {
    let engines = [base64::engine::general_purpose::STANDARD_NO_PAD, base64::engine::general_purpose::URL_SAFE_NO_PAD];
    let mut out = Vec::new();
    for engine in engines {
        // Standing alone (the whole value encoded), padding included or not.
        out.push(engine.encode(secret));
        for lead in 0..3usize {
            let mut input = vec![0u8; lead];
            input.extend_from_slice(secret);
            let encoded = engine.encode(&input);
            // Characters covering only filler or mixed bytes are dropped at
            // both ends: 4 characters per 3 bytes.
            let start = (lead * 4).div_ceil(3);
            let whole_bytes = (lead + secret.len()) / 3 * 3;
            let end = whole_bytes / 3 * 4;
            if end > start && end - start >= MIN_BASE64_FORM {
                out.push(encoded[start..end].to_string());
            }
        }
    }
    out
}

trait LowerHex {
    fn to_ascii_lowercase_hex(&self) -> String;
}

impl LowerHex for String {
    /// `%2B` → `%2b`: percent-encoding is case-insensitive in its digits.
    fn to_ascii_lowercase_hex(&self) -> String {
        let mut out = String::with_capacity(self.len());
        let mut chars = self.chars();
        while let Some(c) = chars.next() {
            out.push(c);
            if c == '%' {
                out.extend(chars.by_ref().take(2).map(|d| d.to_ascii_lowercase()));
            }
        }
        out
    }
}

/// The context's `env` with every value replaced by `***`: what the record
/// shows is rendered from this, so no secret is in it by construction.
pub fn masked_env(ctx: &Map<String, Value>) -> Map<String, Value> {
    let mut masked = ctx.clone();
    if let Some(Value::Object(env)) = masked.get_mut("env") {
        for v in env.values_mut() {
            *v = Value::String(MASK.into());
        }
    }
    masked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_longest_first_and_ignores_short_values() {
        let r = Redactor::new(["tok".to_string(), "secret-token".into(), "secret".into()]);
        assert_eq!(r.redact("Bearer secret-token and secret, tok"), "Bearer *** and ***, tok");
    }

    /// Issue 13 item 2: a secret sent as a query parameter was recorded
    /// percent-encoded, i.e. unredacted; JSON-escaped and base64 forms likewise.
    #[test]
    fn redaction_by_literal_match_misses_encoded_forms() {
        let secret = "abc+def/ghi==\"x";
        let r = Redactor::new([secret.to_string()]);
        let percent = "https://t/x?api_key=abc%2Bdef%2Fghi%3D%3D%22x&y=1";
        assert_eq!(r.redact(percent), "https://t/x?api_key=***&y=1");
        assert_eq!(r.redact("?k=abc%2bdef%2fghi%3d%3d%22x"), "?k=***");
        let json = serde_json::to_string(&serde_json::json!({ "token": secret })).unwrap();
        assert!(!r.redact(&json).contains("def/ghi"), "{}", r.redact(&json));
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("user:{secret}"));
        let redacted = r.redact(&format!("Authorization: Basic {basic}"));
        assert!(redacted.contains(MASK), "{redacted}");
        for lead in ["", "a", "ab", "abc"] {
            let encoded = base64::engine::general_purpose::URL_SAFE.encode(format!("{lead}{secret}"));
            assert!(r.contains_secret(&encoded), "{lead}: {encoded}");
        }
        assert!(!r.contains_secret("nothing to see"));
    }

    /// One pass over an owned text gives what `redact` gives, and a text
    /// without a secret back as it was.
    #[test]
    fn redacting_an_owned_text_matches_redact() {
        let r = Redactor::new(["secret-token".to_string(), "hunter22".into()]);
        for text in
            ["", "nothing here", "a secret-token b hunter22 c secret-tokensecret-token", "hunter22", "x%2Bhunter22"]
        {
            assert_eq!(r.redact_owned(text.to_string()), r.redact(text), "{text}");
        }
        assert_eq!(
            Redactor::default().redact_owned("secret-token".into()),
            "secret-token",
            "no secrets: nothing searched"
        );
    }

    #[test]
    fn masked_env_replaces_every_value() {
        let ctx = serde_json::json!({ "env": { "A": "x", "B": "y" }, "target": "http://t" });
        let masked = masked_env(ctx.as_object().unwrap());
        assert_eq!(
            Value::Object(masked),
            serde_json::json!({ "env": { "A": "***", "B": "***" }, "target": "http://t" })
        );
    }
}
