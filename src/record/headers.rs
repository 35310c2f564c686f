//! HTTP headers as recorded: a few name/value pairs, serialised as a JSON
//! object. A `Vec` rather than a `BTreeMap`: a B-tree leaf costs ~500 bytes
//! even for one entry, and a long run keeps two header sets per attempt of
//! every waiting persona in memory.

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The pairs in order, in one allocation: each as `<name length>:<value
/// length>:<name><value>` (lengths in bytes, decimal), so a set of three
/// headers is one ~90-byte string rather than a `Vec` and six `String`s
/// (~290 bytes): a waiting persona holds a few of them.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Headers(Box<str>);

impl Headers {
    pub fn new() -> Self {
        Headers::default()
    }

    /// Adds or replaces a header (names compare case-insensitively).
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let (name, value) = (name.into(), value.into());
        let mut out = String::with_capacity(self.0.len() + name.len() + value.len() + 8);
        let mut replaced = false;
        for (k, v) in self.iter() {
            if k.eq_ignore_ascii_case(&name) {
                push(&mut out, &name, &value);
                replaced = true;
            } else {
                push(&mut out, k, v);
            }
        }
        if !replaced {
            push(&mut out, &name, &value);
        }
        self.0 = out.into_boxed_str();
    }

    /// Headers whose names are already distinct (a response's, joined by
    /// name): taken as they are, without the per-insert search.
    pub fn from_distinct(pairs: Vec<(String, String)>) -> Self {
        Headers::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// [`Headers::from_distinct`] from borrowed pairs.
    pub fn from_pairs<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)> + Clone) -> Self {
        let len: usize = pairs.clone().map(|(k, v)| k.len() + v.len() + 8).sum();
        let mut out = String::with_capacity(len);
        for (k, v) in pairs {
            push(&mut out, k, v);
        }
        Headers(out.into_boxed_str())
    }

    /// The value of a header, by case-insensitive name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter(&self.0)
    }

    pub fn len(&self) -> usize {
        self.iter().count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn push(out: &mut String, name: &str, value: &str) {
    decimal(out, name.len());
    out.push(':');
    decimal(out, value.len());
    out.push(':');
    out.push_str(name);
    out.push_str(value);
}

/// `n` in decimal (not `write!`: this runs for every header of every attempt).
fn decimal(out: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(d as char);
    }
}

/// The decimal number `s` starts with, up to `:`, and the rest after the `:`.
fn length(s: &str) -> Option<(usize, &str)> {
    let colon = s.bytes().position(|b| b == b':')?;
    let mut n = 0usize;
    for b in s[..colon].bytes() {
        n = n.checked_mul(10)?.checked_add(usize::from(b.checked_sub(b'0').filter(|d| *d < 10)?))?;
    }
    Some((n, &s[colon + 1..]))
}

/// The pairs of [`Headers`], in order.
#[derive(Clone)]
pub struct Iter<'a>(&'a str);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        // Only `push` writes the text, so it always parses; anything else ends the list.
        let (n, rest) = length(self.0)?;
        let (v, rest) = length(rest)?;
        let name = rest.get(..n)?;
        let value = rest.get(n..n.checked_add(v)?)?;
        self.0 = &rest[n + v..];
        Some((name, value))
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl FromIterator<(String, String)> for Headers {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (k, v) in iter {
            match pairs.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(&k)) {
                Some(slot) => slot.1 = v,
                None => pairs.push((k, v)),
            }
        }
        Headers::from_distinct(pairs)
    }
}

impl Serialize for Headers {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Headers;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of header names and values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Headers, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    out.push((k, v));
                }
                Ok(Headers::from_distinct(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_a_json_object_and_back() {
        let h: Headers =
            [("content-type".to_string(), "application/json".to_string()), ("Retry-After".into(), "1".into())]
                .into_iter()
                .collect();
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(json, r#"{"content-type":"application/json","Retry-After":"1"}"#);
        let back: Headers = serde_json::from_str(&json).unwrap();
        assert_eq!(back, h);
        assert_eq!(back.get("retry-after"), Some("1"));
        assert_eq!(format!("{back:?}"), r#"[("content-type", "application/json"), ("Retry-After", "1")]"#);
        let mut h = back;
        h.insert("retry-after", "2:3:x");
        h.insert("x-empty", "");
        h.insert("", "no name");
        assert_eq!(
            h.iter().collect::<Vec<_>>(),
            [("content-type", "application/json"), ("retry-after", "2:3:x"), ("x-empty", ""), ("", "no name")]
        );
        assert_eq!((h.len(), h.get("X-EMPTY"), h.get("missing")), (4, Some(""), None));
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(serde_json::from_str::<Headers>(&json).unwrap(), h);
        assert!(Headers::new().is_empty() && Headers::new().iter().next().is_none());
    }
}
