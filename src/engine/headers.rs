//! Response headers as received (every header, for captures and the
//! engine's own reading: `Location`, `Retry-After`) and as recorded
//! (credentials masked), each built in one pass over hyper's header map.

pub use crate::extract::Received;
use crate::record::Headers;
use crate::redact::Redactor;
use reqwest::header::HeaderMap;
use std::borrow::Cow;

/// Response headers whose values are credentials: recorded as `***`
/// (every other header is recorded, redacted, and any header is capturable).
const SECRET_HEADERS: &[&str] = &["set-cookie", "cookie", "authorization", "proxy-authorization"];

/// A response's headers as the engine keeps them, and as recorded: hyper's
/// map is kept as received (nothing copied) unless a value holds a secret,
/// and the record's list (names sorted, repeated ones joined by ", ",
/// secrets redacted, credentials masked) is the one copy made.
pub(super) fn received(map: HeaderMap, redactor: &Redactor) -> (Received, Headers) {
    let mut list = joined(&map);
    let received = if redact(&mut list, redactor) {
        Received::List(Headers::from_pairs(list.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
    } else {
        Received::Map(map)
    };
    mask(&mut list);
    (received, Headers::from_distinct(list))
}

/// The headers as recorded ([`received`]) when the engine keeps none.
pub(super) fn recorded(map: &HeaderMap, redactor: &Redactor) -> Headers {
    let mut list = joined(map);
    redact(&mut list, redactor);
    mask(&mut list);
    Headers::from_distinct(list)
}

/// Every header, lower-case names sorted, repeated ones joined by ", " (in
/// one pass: hyper's map keeps a name's values together).
fn joined(map: &HeaderMap) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(map.keys_len());
    for (k, v) in map {
        let v = text(v.as_bytes());
        match out.last_mut() {
            Some((name, joined)) if name == k.as_str() => {
                joined.push_str(", ");
                joined.push_str(&v);
            }
            _ => out.push((k.as_str().to_string(), v.into_owned())),
        }
    }
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    out
}

/// A header value as text: checked as UTF-8 before any lossy copy.
fn text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// Redacts every value that holds a secret; whether any did.
fn redact(list: &mut [(String, String)], redactor: &Redactor) -> bool {
    let mut any = false;
    if !redactor.is_empty() {
        for (_, v) in list.iter_mut() {
            if redactor.contains_secret(v) {
                *v = redactor.redact(v);
                any = true;
            }
        }
    }
    any
}

/// Credentials masked in place ([`masked`]).
fn mask(list: &mut [(String, String)]) {
    for (k, v) in list.iter_mut() {
        if masked(k) {
            *v = "***".into();
        }
    }
}

/// Whether a header's value is a credential, recorded as `***`.
fn masked(name: &str) -> bool {
    SECRET_HEADERS.contains(&name) || secretish(name.as_bytes())
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
            assert!(masked(name), "{name}");
        }
        for name in ["content-type", "x-request-id", "tok", "location"] {
            assert!(!masked(name), "{name}");
        }
    }

    fn map() -> HeaderMap {
        let mut map = HeaderMap::new();
        map.append("x-b", "1".parse().unwrap());
        map.append("set-cookie", "a=1".parse().unwrap());
        map.append("x-b", "2".parse().unwrap());
        map.append("location", "/next?key=hunter2-secret".parse().unwrap());
        map.append("x-a", reqwest::header::HeaderValue::from_bytes(b"caf\xe9").unwrap());
        map
    }

    fn pairs(h: &Headers) -> Vec<(&str, &str)> {
        h.iter().collect()
    }

    /// One pass, as a B-tree gave it: names sorted, a repeated header joined
    /// in the order received, a secret in a value redacted, invalid UTF-8
    /// kept lossily, credentials masked for the record only.
    #[test]
    fn headers_are_joined_sorted_redacted_and_masked_in_one_pass() {
        let redactor = Redactor::new(["hunter2-secret".to_string()]);
        let (kept, recorded) = received(map(), &redactor);
        assert_eq!(
            pairs(&recorded),
            [("location", "/next?key=***"), ("set-cookie", "***"), ("x-a", "caf\u{fffd}"), ("x-b", "1, 2")]
        );
        assert_eq!(recorded, super::recorded(&map(), &redactor));
        assert!(matches!(kept, Received::List(_)), "a value held a secret: the kept headers are the redacted list");
        assert_eq!(kept.get("Location").as_deref(), Some("/next?key=***"));
        assert_eq!(kept.get("set-cookie").as_deref(), Some("a=1"), "capturable, not masked");
    }

    /// Without a secret in any value, hyper's map is kept as it is and read
    /// the same way as the list would be.
    #[test]
    fn without_a_secret_the_map_is_kept_and_reads_like_the_list() {
        let (kept, recorded) = received(map(), &Redactor::default());
        assert!(matches!(kept, Received::Map(_)));
        assert_eq!(kept.get("X-B").as_deref(), Some("1, 2"));
        assert_eq!(kept.get("x-a").as_deref(), Some("caf\u{fffd}"));
        assert_eq!(kept.get("location").as_deref(), Some("/next?key=hunter2-secret"));
        assert_eq!(kept.get("set-cookie").as_deref(), Some("a=1"));
        assert_eq!(kept.get("missing"), None);
        assert_eq!(kept.get("not a name"), None);
        assert_eq!(recorded.get("set-cookie"), Some("***"));
    }
}
