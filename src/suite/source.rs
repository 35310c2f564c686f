//! The text of every suite file, and locating a path inside it
//! (`steps[2].channel` → byte span) for diagnostics.

use codespan_reporting::files::SimpleFiles;
use std::ops::Range;
use toml_edit::{ImDocument, Item};

pub type FileId = usize;

/// One step of a path into a TOML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

impl From<&str> for Seg {
    fn from(k: &str) -> Self {
        Seg::Key(k.to_string())
    }
}
impl From<String> for Seg {
    fn from(k: String) -> Self {
        Seg::Key(k)
    }
}
impl From<usize> for Seg {
    fn from(i: usize) -> Self {
        Seg::Index(i)
    }
}

/// Builds a path: `path!["steps", 2, "channel"]`.
#[macro_export]
macro_rules! path {
    ($($seg:expr),* $(,)?) => { vec![$($crate::suite::source::Seg::from($seg)),*] };
}

/// Whether a diagnostic points at a key or at its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    Key,
    Value,
}

/// Every file of a suite, kept for diagnostics and for the suite digest.
pub struct Sources {
    files: SimpleFiles<String, String>,
    /// Each file's syntax tree (None when it is not valid TOML), by file id.
    docs: Vec<Option<ImDocument<String>>>,
}

impl Default for Sources {
    fn default() -> Self {
        Sources { files: SimpleFiles::new(), docs: Vec::new() }
    }
}

impl Sources {
    pub fn add(&mut self, name: String, text: String) -> FileId {
        let doc = ImDocument::parse(text.clone()).ok();
        self.docs.push(doc);
        self.files.add(name, text)
    }

    pub fn files(&self) -> &SimpleFiles<String, String> {
        &self.files
    }

    pub fn text(&self, id: FileId) -> &str {
        self.files.get(id).map(|f| f.source().as_str()).unwrap_or("")
    }

    pub fn name(&self, id: FileId) -> &str {
        self.files.get(id).map(|f| f.name().as_str()).unwrap_or("")
    }

    pub fn ids(&self) -> impl Iterator<Item = FileId> {
        0..self.docs.len()
    }

    /// The span of `path` in file `id`; falls back to the nearest ancestor
    /// that exists, then to the start of the file.
    pub fn span(&self, id: FileId, path: &[Seg], at: At) -> Range<usize> {
        let Some(Some(doc)) = self.docs.get(id) else { return 0..0 };
        let mut item: &Item = doc.as_item();
        let mut best = 0..0;
        for (i, seg) in path.iter().enumerate() {
            let last = i + 1 == path.len();
            let key_span = match seg {
                Seg::Key(k) => item.as_table_like().and_then(|t| t.key(k)).and_then(|k| k.span()),
                Seg::Index(_) => None,
            };
            if last && at == At::Key {
                if let Some(span) = key_span {
                    return span;
                }
            }
            let next = match seg {
                Seg::Key(k) => item.get(k.as_str()),
                Seg::Index(n) => item.get(*n),
            };
            let Some(child) = next else { break };
            item = child;
            // Tables declared by a `[header]` have no value span; point at their key.
            if let Some(span) = item_span(item).or(key_span) {
                best = span;
            }
        }
        best
    }
}

fn item_span(item: &Item) -> Option<Range<usize>> {
    match item {
        Item::Table(t) => t.span(),
        Item::ArrayOfTables(a) => a.span(),
        Item::Value(v) => v.span(),
        Item::None => None,
    }
}
