//! Long source lines cut to a window around the caret, for diagnostics.
//!
//! A suite line can be megabytes long (a generated fact, a pasted page).
//! Printed whole under a diagnostic it floods the terminal (and cost 11 s
//! for a 4 MB line: the renderer writes it a character at a time). A line
//! longer than [`LONG_LINE`] is shown as `…` + [`CONTEXT`] characters either
//! side of the caret + `…`, with the caret itself cut to [`MAX_CARET`]
//! characters; line and column numbers stay those of the whole file.
//!
//! [`View`] is the file set the renderer reads: the suite's files, except
//! that one labelled line is served from its window.
//!
//! Invariant: work and output proportional to the window, not the line —
//! apart from one scan of the line to count the column.

use codespan_reporting::files::{Error, Files, SimpleFile, SimpleFiles};
use std::ops::Range;

/// Lines up to this many bytes are shown whole.
pub const LONG_LINE: usize = 240;
/// Characters kept either side of the caret.
pub const CONTEXT: usize = 60;
/// A caret longer than this many characters is cut.
pub const MAX_CARET: usize = 80;

const ELLIPSIS: &str = "…";

/// One labelled line as it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub file: usize,
    /// The line's index in its file (0-based).
    pub line: usize,
    /// What is shown: the window, with `…` where the line was cut.
    pub text: String,
    /// The label's span within `text`.
    pub label: Range<usize>,
    /// Characters of the line before `text` starts (not counting the `…`).
    skipped_chars: usize,
    /// Bytes of the leading `…` (0 when the line was not cut on the left).
    prefix: usize,
}

/// The window for a label at `span` in `file`, when its line is long (None: show it whole).
/// A label spanning several lines is cut to its first line.
pub fn window(files: &SimpleFiles<String, String>, file: usize, span: Range<usize>) -> Option<Window> {
    let f = files.get(file).ok()?;
    let source = f.source().as_str();
    let line = f.line_index((), span.start).ok()?;
    let range = f.line_range((), line).ok()?;
    let line_text = &source[range.clone()];
    // The line's own text, without its line break.
    let line_end = range.start + line_text.trim_end_matches(['\n', '\r']).len();
    let multi_line_and_long = span.end > line_end && span.len() > LONG_LINE;
    if range.len() <= LONG_LINE && !multi_line_and_long {
        return None;
    }
    let start = span.start.clamp(range.start, line_end);
    let end = span.end.clamp(start, line_end);
    let caret_end = advance(source, start, end, MAX_CARET);
    let shown_start = back(source, range.start, start, CONTEXT);
    let shown_end = advance(source, caret_end, line_end, CONTEXT);
    let mut text = String::new();
    if shown_start > range.start {
        text.push_str(ELLIPSIS);
    }
    let prefix = text.len();
    text.push_str(&source[shown_start..shown_end]);
    let label = (prefix + start - shown_start)..(prefix + caret_end - shown_start);
    if shown_end < line_end {
        text.push_str(ELLIPSIS);
    }
    let skipped_chars = source[range.start..shown_start].chars().count();
    Some(Window { file, line, text, label, skipped_chars, prefix })
}

/// The byte index `n` characters after `from`, at most `limit`.
fn advance(s: &str, from: usize, limit: usize, n: usize) -> usize {
    s[from..limit].char_indices().nth(n).map_or(limit, |(i, _)| from + i)
}

/// The byte index `n` characters before `to`, at least `limit`.
fn back(s: &str, limit: usize, to: usize, n: usize) -> usize {
    s[limit..to].char_indices().rev().nth(n.saturating_sub(1)).map_or(limit, |(i, _)| limit + i)
}

/// Characters of a message, label or hint shown (they may quote a value).
pub const MAX_TEXT: usize = 400;

/// `text` cut to [`MAX_TEXT`] characters, with `…` where it was cut.
pub fn cut(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(MAX_TEXT) {
        Some((i, _)) => format!("{}{ELLIPSIS}", &text[..i]).into(),
        None => text.into(),
    }
}

/// The file id the renderer uses for a window.
pub const WINDOW: usize = usize::MAX;

/// The suite's files as the renderer reads them, one line possibly windowed.
pub struct View<'a> {
    pub files: &'a SimpleFiles<String, String>,
    pub window: Option<&'a Window>,
}

impl<'a> View<'a> {
    fn file(&'a self, id: usize) -> Result<&'a SimpleFile<String, String>, Error> {
        self.files.get(id)
    }

    fn window(&self) -> Result<&'a Window, Error> {
        self.window.ok_or(Error::FileMissing)
    }
}

impl<'a> Files<'a> for View<'a> {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, Error> {
        let id = if id == WINDOW { self.window()?.file } else { id };
        Ok(self.file(id)?.name().as_str())
    }

    fn source(&'a self, id: usize) -> Result<&'a str, Error> {
        if id == WINDOW {
            return Ok(self.window()?.text.as_str());
        }
        Ok(self.file(id)?.source().as_str())
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, Error> {
        if id == WINDOW {
            return Ok(self.window()?.line);
        }
        self.file(id)?.line_index((), byte_index)
    }

    fn column_number(&'a self, id: usize, line_index: usize, byte_index: usize) -> Result<usize, Error> {
        if id != WINDOW {
            return self.file(id)?.column_number((), line_index, byte_index);
        }
        let w = self.window()?;
        let within = w.text.get(w.prefix..byte_index.max(w.prefix)).map_or(0, |t| t.chars().count());
        Ok(w.skipped_chars + within + 1)
    }

    fn line_range(&'a self, id: usize, line_index: usize) -> Result<Range<usize>, Error> {
        if id != WINDOW {
            return self.file(id)?.line_range((), line_index);
        }
        let w = self.window()?;
        if line_index == w.line {
            Ok(0..w.text.len())
        } else {
            Err(Error::LineTooLarge { given: line_index, max: w.line })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(text: &str) -> SimpleFiles<String, String> {
        let mut f = SimpleFiles::new();
        f.add("map.toml".to_string(), text.to_string());
        f
    }

    #[test]
    fn a_short_line_is_shown_whole() {
        let f = files("a = 1\nb = \"x\"\n");
        assert_eq!(window(&f, 0, 6..7), None);
    }

    #[test]
    fn a_long_line_is_cut_around_the_caret_with_the_columns_of_the_file() {
        let long = format!("first = 1\nvalue = \"{}BAD{}\"\n", "é".repeat(5000), "x".repeat(5000));
        let f = files(&long);
        let bad = long.find("BAD").unwrap();
        let w = window(&f, 0, bad..bad + 3).expect("windowed");
        assert_eq!(w.line, 1);
        assert_eq!(&w.text[w.label.clone()], "BAD");
        assert!(w.text.starts_with('…') && w.text.ends_with('…'), "{}", w.text);
        assert_eq!(w.text.chars().count(), 2 * CONTEXT + 3 + 2);
        let view = View { files: &f, window: Some(&w) };
        let col = view.column_number(WINDOW, 1, w.label.start).unwrap();
        assert_eq!(col, "value = \"".len() + 5000 + 1, "the column counts characters of the whole line");
    }

    #[test]
    fn a_huge_caret_is_cut_and_a_multi_line_span_keeps_its_first_line() {
        let long = format!("value = \"{}\"\nnext = 1\n", "y".repeat(100_000));
        let f = files(&long);
        let w = window(&f, 0, 8..long.len() - 1).expect("windowed");
        assert_eq!(w.label.len(), MAX_CARET);
        assert!(!w.text.starts_with('…'));
        assert!(w.text.len() < 300);
    }
}
