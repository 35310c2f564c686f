//! Decoding a [`Record`] without serde's buffering of internally tagged
//! enums: the writer always puts `"type"` first, so the tag is read, then
//! the rest of the object goes straight into `Header`, `Exchange` or `End`.
//! An object whose first key is not `"type"` (written by hand, say) still
//! decodes, through a `serde_json::Value`, only more slowly.

use super::{End, Exchange, Header, LateCallback, Record};
use serde::de::{self, Deserializer, IntoDeserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// Nesting a line may have to be read past serde_json's limit of 128. A
/// record written before reply items were bounded
/// ([`super::MAX_ITEM_DEPTH`]) nests up to ~131 levels (an item serde_json
/// parsed, three levels into its line); nothing touchpoint wrote nests
/// deeper, and a line that does is refused rather than read on a stack it
/// could overflow.
const MAX_LINE_DEPTH: usize = 256;

/// Decodes one record line. Within serde_json's nesting limit as usual;
/// a line it refuses for nesting alone (an old record), without the limit
/// when the line nests at most [`MAX_LINE_DEPTH`] levels.
pub fn line(bytes: &[u8]) -> serde_json::Result<Record> {
    // Checked as UTF-8 once, whole: parsed from a `str`, serde_json checks no
    // string again, where from bytes it checks every key and value on its
    // own (a tenth of the decoding). A line that is not UTF-8 is parsed from
    // its bytes for serde_json's located error.
    let parsed = match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str::<Record>(text),
        Err(_) => serde_json::from_slice::<Record>(bytes),
    };
    match parsed {
        Err(e) if e.to_string().starts_with("recursion limit exceeded") && depth(bytes) <= MAX_LINE_DEPTH => {
            let mut de = serde_json::Deserializer::from_slice(bytes);
            de.disable_recursion_limit();
            let record = Record::deserialize(&mut de)?;
            de.end()?;
            Ok(record)
        }
        other => other,
    }
}

/// How deeply the JSON text nests (brackets outside strings), in one pass.
fn depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Header,
    Exchange,
    LateCallback,
    End,
}

impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RecordVisitor)
    }
}

struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = Record;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a run record: an object with a \"type\"")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record, A::Error> {
        let Some(first) = map.next_key::<String>()? else { return Err(de::Error::missing_field("type")) };
        if first == "type" {
            let kind: Kind = map.next_value()?;
            let rest = de::value::MapAccessDeserializer::new(map);
            return Ok(match kind {
                Kind::Header => Record::Header(Header::deserialize(rest)?),
                Kind::Exchange => Record::Exchange(Box::new(Exchange::deserialize(rest)?)),
                Kind::LateCallback => Record::LateCallback(Box::new(LateCallback::deserialize(rest)?)),
                Kind::End => Record::End(End::deserialize(rest)?),
            });
        }
        // The slow path: gather the object, then find its tag.
        let mut object = serde_json::Map::new();
        object.insert(first, map.next_value()?);
        while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
            object.insert(k, v);
        }
        let kind = object.remove("type").ok_or_else(|| de::Error::missing_field("type"))?;
        let kind = Kind::deserialize(kind.into_deserializer()).map_err(de::Error::custom)?;
        let rest = serde_json::Value::Object(object);
        let record = match kind {
            Kind::Header => serde_json::from_value(rest).map(Record::Header),
            Kind::Exchange => serde_json::from_value(rest).map(|x| Record::Exchange(Box::new(x))),
            Kind::LateCallback => serde_json::from_value(rest).map(|c| Record::LateCallback(Box::new(c))),
            Kind::End => serde_json::from_value(rest).map(Record::End),
        };
        record.map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_anywhere_decodes() {
        let end = r#"{"finished_at":"2024-01-01T00:00:00Z","type":"end","status":"complete","exchanges":1,"errors":0,"t_end_us":5}"#;
        let Ok(Record::End(e)) = serde_json::from_str::<Record>(end) else { panic!("an end record") };
        assert_eq!(e.t_end_us, 5);
        let first = serde_json::to_string(&Record::End(e.clone())).expect("serialises");
        assert!(first.starts_with(r#"{"type":"end""#), "{first}");
        assert_eq!(serde_json::from_str::<Record>(&first).ok(), Some(Record::End(e)));
        assert!(serde_json::from_str::<Record>(r#"{"type":"nope"}"#).is_err());
        assert!(serde_json::from_str::<Record>(r#"{"status":"complete"}"#).is_err());
    }

    #[test]
    fn a_late_callback_line_decodes_with_its_note() {
        let line = r#"{"type":"late_callback","channel":"chat","http":{"purpose":"webhook","attempt":1,"method":"POST","url":"http://h/hook/t","request_headers":{},"t_start_us":5,"t_first_byte_us":5,"t_end_us":5,"status":403,"headers":{},"body":"x","body_bytes":1,"truncated":false,"error":"signature refused","callback":"bad_signature"}}"#;
        let Ok(Record::LateCallback(c)) = serde_json::from_str::<Record>(line) else { panic!("a late callback") };
        assert_eq!((c.channel.as_str(), c.http.callback), ("chat", Some(super::super::CallbackNote::BadSignature)));
        let again = serde_json::to_string(&Record::LateCallback(c.clone())).unwrap();
        assert!(again.starts_with(r#"{"type":"late_callback""#), "{again}");
    }
}
