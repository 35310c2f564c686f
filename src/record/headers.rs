//! HTTP headers as recorded: a few name/value pairs, serialised as a JSON
//! object. A `Vec` rather than a `BTreeMap`: a B-tree leaf costs ~500 bytes
//! even for one entry, and a long run keeps two header sets per attempt of
//! every waiting persona in memory.

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    pub fn new() -> Self {
        Headers(Vec::new())
    }

    /// Adds or replaces a header (names compare case-insensitively).
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let (name, value) = (name.into(), value.into());
        match self.0.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(&name)) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }

    /// Headers whose names are already distinct (a response's, joined by
    /// name): taken as they are, without the per-insert search.
    pub fn from_distinct(pairs: Vec<(String, String)>) -> Self {
        Headers(pairs)
    }

    /// The value of a header, by case-insensitive name.
    pub fn get(&self, name: &str) -> Option<&String> {
        self.0.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(String, String)> for Headers {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        let mut h = Headers::new();
        for (k, v) in iter {
            h.insert(k, v);
        }
        h
    }
}

impl Serialize for Headers {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
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
                Ok(Headers(out))
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
        assert_eq!(back.get("retry-after").map(String::as_str), Some("1"));
    }
}
