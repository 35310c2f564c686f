//! Reading suite files: TOML syntax, shapes and unknown keys. Every file is
//! read even when an earlier one fails, so one `check` reports everything.

use super::channel::{Channel, ExtractSpec, Receive, RequestSpec, Retry};
use super::diagnostic::{did_you_mean, Diagnostic, Diagnostics, Place};
use super::hygiene::{Forbidden, HygieneSettings};
use super::map::{Fact, Journey, LocaleSpec, Map, Question, Stage};
use super::persona::{Persona, Think};
use super::scenario::{Scenario, Step, Sweep};
use super::source::{At, FileId, Seg, Sources};
use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, Visitor};
use std::path::Path;

/// Which schema a file follows; decides the known keys at each path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Map,
    Channels,
    Personas,
    Scenario,
    Sweeps,
}

/// Reads and deserializes one file. Syntax and shape errors and every unknown
/// key become diagnostics; `None` when the file could not be deserialized.
pub fn parse_file<T: DeserializeOwned>(
    sources: &mut Sources,
    diags: &mut Diagnostics,
    path: &Path,
    display: String,
    kind: FileKind,
) -> Option<(FileId, T)> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            diags.push(
                Diagnostic::error(format!("cannot read `{display}`: {e}"), Place::File(display.clone()))
                    .hint("check the suite folder holds map.toml, channels.toml and personas.toml"),
            );
            return None;
        }
    };
    let id = sources.add(display, text);
    parse_text(diags, id, sources.text(id), kind)
}

pub fn parse_text<T: DeserializeOwned>(
    diags: &mut Diagnostics,
    id: FileId,
    text: &str,
    kind: FileKind,
) -> Option<(FileId, T)> {
    let mut unknown: Vec<Vec<Seg>> = Vec::new();
    let de = toml::Deserializer::new(text);
    let result: Result<T, toml::de::Error> = serde_ignored::deserialize(de, |path| unknown.push(segments(&path)));
    match result {
        Ok(value) => {
            for path in unknown {
                diags.push(unknown_key(id, path, kind));
            }
            Some((id, value))
        }
        Err(e) => {
            let message = e.message().to_string();
            // Unknown keys seen before the failure usually explain it: a
            // misspelt required key also makes that key "missing".
            let mut explained = false;
            for path in unknown {
                let d = unknown_key(id, path, kind);
                if let (Some(missing), Some(hint)) = (missing_field(&message), &d.hint) {
                    explained |= hint.contains(&format!("`{missing}`"));
                }
                diags.push(d);
            }
            if !explained {
                let span = e.span().unwrap_or(0..0);
                diags.push(
                    Diagnostic::error(first_line(&message), Place::Span(id, span))
                        .label(label_for(&message))
                        .maybe_hint(shape_hint(&message)),
                );
            }
            None
        }
    }
}

fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).to_string()
}

fn label_for(message: &str) -> &'static str {
    if message.starts_with("missing field") {
        "in this table"
    } else if message.contains("invalid type") {
        "wrong type"
    } else if message.contains("unknown variant") {
        "not one of the allowed values"
    } else {
        "here"
    }
}

fn shape_hint(message: &str) -> Option<String> {
    if let Some(rest) = message.strip_prefix("unknown variant") {
        return rest.split_once("expected").map(|(_, exp)| format!("expected {}", exp.trim()));
    }
    if message.starts_with("missing field") {
        return Some("add the field; see README.md \"A tour of a suite\"".into());
    }
    if message.contains("invalid type") {
        return Some("check the value's quotes and brackets: strings are quoted, lists use [ ]".into());
    }
    if message.contains("expected") || message.contains("invalid") {
        return Some("this is not valid TOML; see https://toml.io for the syntax".into());
    }
    None
}

fn segments(path: &serde_ignored::Path<'_>) -> Vec<Seg> {
    use serde_ignored::Path as P;
    fn walk(p: &P<'_>, out: &mut Vec<Seg>) {
        match p {
            P::Root => {}
            P::Seq { parent, index } => {
                walk(parent, out);
                out.push(Seg::Index(*index));
            }
            P::Map { parent, key } => {
                walk(parent, out);
                out.push(Seg::Key(key.clone()));
            }
            P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => walk(parent, out),
        }
    }
    let mut out = Vec::new();
    walk(path, &mut out);
    out
}

fn unknown_key(id: FileId, path: Vec<Seg>, kind: FileKind) -> Diagnostic {
    let key = match path.last() {
        Some(Seg::Key(k)) => k.clone(),
        _ => String::from("?"),
    };
    let known = known_keys(kind, &path[..path.len().saturating_sub(1)]);
    let hint = known.and_then(|k| {
        did_you_mean(&key, k.iter().copied()).or_else(|| Some(format!("expected one of: {}", k.join(", "))))
    });
    Diagnostic::error(format!("unknown key `{key}`"), Place::Path(id, path, At::Key))
        .label("not a key here")
        .maybe_hint(hint)
}

/// The keys allowed in the table at `parent` of a file of `kind`.
fn known_keys(kind: FileKind, parent: &[Seg]) -> Option<&'static [&'static str]> {
    use Seg::{Index as I, Key as K};
    // Extraction tables look the same wherever they are.
    if parent.len() >= 2 {
        if let K(p) = &parent[parent.len() - 2] {
            if p == "capture" {
                return Some(fields::<ExtractSpec>());
            }
        }
    }
    if let Some(K(last)) = parent.last() {
        if matches!(last.as_str(), "reply" | "text" | "cursor") && kind == FileKind::Channels {
            return Some(fields::<ExtractSpec>());
        }
    }
    match (kind, parent) {
        (FileKind::Map, []) => Some(fields::<Map>()),
        (FileKind::Map, [K(k)]) if k == "locale" => Some(fields::<LocaleSpec>()),
        (FileKind::Map, [K(k), K(_)]) if k == "facts" => Some(fields::<Fact>()),
        (FileKind::Map, [K(k), I(_)]) if k == "questions" => Some(fields::<Question>()),
        (FileKind::Map, [K(k), I(_)]) if k == "journeys" => Some(fields::<Journey>()),
        (FileKind::Map, [K(k), I(_), K(s), I(_)]) if k == "journeys" && s == "stages" => Some(fields::<Stage>()),
        (FileKind::Map, [K(k)]) if k == "hygiene" => Some(fields::<HygieneSettings>()),
        (FileKind::Map, [K(k), K(c), K(_)]) if k == "hygiene" && c == "channels" => Some(fields::<HygieneSettings>()),
        (FileKind::Map, [K(k), I(_)]) if k == "forbidden" => Some(fields::<Forbidden>()),
        (FileKind::Channels, [K(_)]) => Some(fields::<Channel>()),
        (FileKind::Channels, [K(_), K(r)]) if r == "retry" => Some(fields::<Retry>()),
        (FileKind::Channels, [K(_), K(r)]) if r == "receive" => Some(fields::<Receive>()),
        (FileKind::Channels, [K(_), K(r)]) if r == "open" || r == "send" => Some(fields::<RequestSpec>()),
        (FileKind::Channels, [K(_), K(r), I(_)]) if r == "send" => Some(fields::<RequestSpec>()),
        (FileKind::Channels, [K(_), K(r), K(q)]) if r == "receive" && q == "request" => Some(fields::<RequestSpec>()),
        (FileKind::Personas, [K(_), I(_)]) => Some(fields::<Persona>()),
        (FileKind::Personas, [K(_), I(_), K(t)]) if t == "think" => Some(fields::<Think>()),
        (FileKind::Scenario, []) => Some(fields::<Scenario>()),
        (FileKind::Scenario, [K(s), I(_)]) if s == "steps" => Some(fields::<Step>()),
        (FileKind::Sweeps, [K(_), I(_)]) => Some(fields::<Sweep>()),
        _ => None,
    }
}

/// The field names serde knows for a struct, read from its derived
/// `Deserialize` (so renames and new fields never drift from this list).
fn fields<T: for<'de> Deserialize<'de>>() -> &'static [&'static str] {
    struct Catch<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Catch<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("caught"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }
    let mut out: &'static [&'static str] = &[];
    let _ = T::deserialize(Catch(&mut out));
    out
}
