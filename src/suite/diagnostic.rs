//! Diagnostics: what is wrong in a suite, where, and what to do about it,
//! rendered rustc-style (`--> file:line:col`, the line, carets, a hint).

use super::excerpt;
use super::source::{At, FileId, Seg, Sources};
use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::term::{self, termcolor::WriteColor};
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// Where in the suite a diagnostic points.
#[derive(Debug, Clone)]
pub enum Place {
    /// A byte span, when the parser gave one.
    Span(FileId, Range<usize>),
    /// A path, resolved to a span against the file's syntax tree.
    Path(FileId, Vec<Seg>, At),
    /// A file as a whole (missing, unreadable).
    File(String),
}

#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub place: Place,
    /// Short text under the carets ("unknown fact").
    pub label: String,
    /// What to do next.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>, place: Place) -> Self {
        Diagnostic { severity: Severity::Error, message: message.into(), place, label: String::new(), hint: None }
    }
    pub fn warning(message: impl Into<String>, place: Place) -> Self {
        Diagnostic { severity: Severity::Warning, ..Self::error(message, place) }
    }
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn maybe_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }
}

/// All the diagnostics of one check, in file order.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }
    pub fn errors(&self) -> usize {
        self.items.iter().filter(|d| d.severity == Severity::Error).count()
    }
    pub fn warnings(&self) -> usize {
        self.items.iter().filter(|d| d.severity == Severity::Warning).count()
    }
    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }

    /// Renders every diagnostic, then a one-line tally, like rustc.
    pub fn render(&self, sources: &Sources, out: &mut dyn WriteColor) -> std::io::Result<()> {
        let config = term::Config::default();
        // Each place resolved to a span once (a path is looked up in the file's syntax tree).
        let mut placed: Vec<(&Diagnostic, Option<(FileId, Range<usize>)>)> = self
            .items
            .iter()
            .map(|d| match &d.place {
                Place::Span(f, r) => (d, Some((*f, r.clone()))),
                Place::Path(f, p, at) => (d, Some((*f, sources.span(*f, p, *at)))),
                Place::File(_) => (d, None),
            })
            .collect();
        placed.sort_by_key(|(_, at)| at.as_ref().map_or((usize::MAX, 0), |(f, r)| (*f, r.start)));
        for (d, at) in placed {
            let mut report = match d.severity {
                Severity::Error => Report::error(),
                Severity::Warning => Report::warning(),
            }
            .with_message(excerpt::cut(&d.message));
            // A long line is shown as a window around the caret (`excerpt`).
            let window = at.as_ref().and_then(|(f, r)| excerpt::window(sources.files(), *f, r.clone()));
            match (&at, &window) {
                (_, Some(w)) => {
                    report = report.with_labels(vec![
                        Label::primary(excerpt::WINDOW, w.label.clone()).with_message(excerpt::cut(&d.label))
                    ])
                }
                (Some((f, r)), None) => {
                    report =
                        report.with_labels(vec![Label::primary(*f, r.clone()).with_message(excerpt::cut(&d.label))])
                }
                (None, None) => {
                    if let Place::File(name) = &d.place {
                        report = report.with_notes(vec![format!("in {name}")]);
                    }
                }
            }
            if let Some(h) = &d.hint {
                report = report.with_notes(vec![format!("help: {}", excerpt::cut(h))]);
            }
            let view = excerpt::View { files: sources.files(), window: window.as_ref() };
            term::emit(out, &config, &view, &report).map_err(std::io::Error::other)?;
        }
        let (e, w) = (self.errors(), self.warnings());
        if e > 0 {
            writeln!(out, "error: the suite has {e} error{}{}", plural(e), warnings_tail(w))?;
        } else if w > 0 {
            writeln!(out, "warning: the suite has {w} warning{}", plural(w))?;
        }
        Ok(())
    }

    /// Plain text rendering, for golden tests and logs.
    pub fn render_plain(&self, sources: &Sources) -> String {
        let mut buf = term::termcolor::NoColor::new(Vec::new());
        let _ = self.render(sources, &mut buf);
        String::from_utf8_lossy(&buf.into_inner()).into_owned()
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn warnings_tail(w: usize) -> String {
    if w == 0 {
        String::new()
    } else {
        format!(" and {w} warning{}", plural(w))
    }
}

/// "did you mean `x`?" for the closest candidate, if any is close.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!("did you mean `{c}`?"))
}
