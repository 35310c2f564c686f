//! Response headers as received (every header, for captures and the
//! engine's own reading: `Location`, `Retry-After`) and as recorded
//! (credentials masked), each built in one pass over hyper's header map.

use crate::record::Headers;
use crate::redact::Redactor;
use reqwest::header::HeaderMap;
use std::borrow::Cow;

/// Response headers whose values are credentials: recorded as `***`
/// (every other header is recorded, redacted, and any header is capturable).
const SECRET_HEADERS: &[&str] = &["set-cookie", "cookie", "authorization", "proxy-authorization"];

/// Every response header, lower-case names sorted, repeated ones joined by
/// ", ", secrets redacted: built in one pass over hyper's map (which keeps a
/// name's values together), not through a B-tree.
pub(super) fn response_headers(h: &HeaderMap, redactor: &Redactor) -> Headers {
    let mut out: Vec<(String, String)> = Vec::with_capacity(h.keys_len());
    for (k, v) in h {
        let v = match std::str::from_utf8(v.as_bytes()) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(v.as_bytes()),
        };
        match out.last_mut() {
            Some((name, joined)) if name == k.as_str() => {
                joined.push_str(", ");
                joined.push_str(&v);
            }
            _ => out.push((k.as_str().to_string(), v.into_owned())),
        }
    }
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    if !redactor.is_empty() {
        for (_, v) in &mut out {
            if redactor.contains_secret(v) {
                *v = redactor.redact(v);
            }
        }
    }
    Headers::from_distinct(out)
}

/// The headers as recorded: credentials masked ([`recorded_header`]).
pub(super) fn recorded_headers(headers: &Headers) -> Headers {
    Headers::from_distinct(headers.iter().map(|(k, v)| (k.clone(), recorded_header(k, v))).collect())
}

/// A response header as recorded: credentials masked.
fn recorded_header(name: &str, value: &str) -> String {
    if SECRET_HEADERS.contains(&name) || secretish(name.as_bytes()) {
        "***".into()
    } else {
        value.to_string()
    }
}

/// Whether a (lower-case) header name holds `token`, `secret`, `api-key`,
/// `apikey` or `password`: one pass over the name, each word tried only
/// where its first letter is (five `str::contains` set up a searcher each:
/// ~5 % of a worker's instructions per exchange; five byte-window scans ~2 %).
fn secretish(name: &[u8]) -> bool {
    (0..name.len()).any(|i| {
        let rest = &name[i..];
        match name[i] {
            b't' => rest.starts_with(b"token"),
            b's' => rest.starts_with(b"secret"),
            b'a' => rest.starts_with(b"api-key") || rest.starts_with(b"apikey"),
            b'p' => rest.starts_with(b"password"),
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_looking_headers_are_masked() {
        for name in
            ["set-cookie", "authorization", "x-api-key", "x-apikey", "x-auth-token", "client-secret", "password"]
        {
            assert_eq!(recorded_header(name, "v"), "***", "{name}");
        }
        for name in ["content-type", "x-request-id", "tok", "location"] {
            assert_eq!(recorded_header(name, "v"), "v", "{name}");
        }
    }

    /// One pass, as a B-tree gave it: names sorted, a repeated header joined
    /// in the order received, a secret in a value redacted, invalid UTF-8 kept lossily.
    #[test]
    fn headers_are_joined_sorted_and_redacted_in_one_pass() {
        let mut map = HeaderMap::new();
        map.append("x-b", "1".parse().unwrap());
        map.append("set-cookie", "a=1".parse().unwrap());
        map.append("x-b", "2".parse().unwrap());
        map.append("location", "/next?key=hunter2-secret".parse().unwrap());
        map.append("x-a", reqwest::header::HeaderValue::from_bytes(b"caf\xe9").unwrap());
        let redactor = Redactor::new(["hunter2-secret".to_string()]);
        let got = response_headers(&map, &redactor);
        let pairs: Vec<(&str, &str)> = got.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            pairs,
            [("location", "/next?key=***"), ("set-cookie", "a=1"), ("x-a", "caf\u{fffd}"), ("x-b", "1, 2")]
        );
        let recorded = recorded_headers(&got);
        assert_eq!(recorded.get("set-cookie").map(String::as_str), Some("***"));
        assert_eq!(recorded.get("x-b").map(String::as_str), Some("1, 2"));
    }
}
