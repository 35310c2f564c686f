//! The HTML audit report: `reports/<run-id>/report.html`.
//!
//! One self-contained file — inline CSS, inline SVG, a few lines of inline
//! script — that a contact-centre manager can open from disk, read without
//! JavaScript, print, and forward. It never loads anything: a
//! Content-Security-Policy forbids every network request and every script
//! but our own (pinned by hash), so even a rendering bug cannot let a
//! hostile answer run code or phone home.
//!
//! Two steps, as in Hurl's report writers:
//! - [`build_view`] turns the verdict and the run record into a
//!   [`ReportView`]: plain data, already worded and cut to size. Pure, so it
//!   is golden-tested.
//! - [`render_html`] lays the view out with minijinja templates from
//!   `templates/report/`, autoescape on. Text from the system under test is
//!   only ever output through escaping expressions.
//!
//! Modules, one concept each: [`view`] (the top of the view model and the
//! headline), `journey` (swimlanes) and `summary` (tallies for sweeps),
//! `matrix` (consistency), `timing` and `svg` (reply-time charts),
//! `finding`, `changes` (since the last run), `transcript`, `labels` (names
//! for people), `text` (durations, truncation, highlights), `csp`.

mod attempts;
mod changes;
mod chart;
mod csp;
mod finding;
pub mod history_page;
mod journey;
mod labels;
mod matrix;
pub mod pdf;
mod summary;
mod svg;
mod text;
mod timing;
mod transcript;
pub mod trend;
pub mod view;

pub use view::{build_view, ReportView};

use crate::record::RecordedRun;
use crate::verdict::Verdict;
use minijinja::{context, AutoEscape, Environment, Value};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The report's file name inside the run folder.
pub const FILE_NAME: &str = "report.html";

/// Our own CSS and script: constants, inlined as they are.
const STYLE: &str = include_str!("../../templates/report/style.css");
const SCRIPT: &str = include_str!("../../templates/report/report.js");

/// The templates, by the names they include each other with.
const TEMPLATES: [(&str, &str); 9] = [
    ("report.html.j2", include_str!("../../templates/report/report.html.j2")),
    ("macros.html.j2", include_str!("../../templates/report/macros.html.j2")),
    ("trends.html.j2", include_str!("../../templates/report/trends.html.j2")),
    ("headline.html.j2", include_str!("../../templates/report/headline.html.j2")),
    ("journeys.html.j2", include_str!("../../templates/report/journeys.html.j2")),
    ("matrix.html.j2", include_str!("../../templates/report/matrix.html.j2")),
    ("timings.html.j2", include_str!("../../templates/report/timings.html.j2")),
    ("findings.html.j2", include_str!("../../templates/report/findings.html.j2")),
    ("transcripts.html.j2", include_str!("../../templates/report/transcripts.html.j2")),
];

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot render the HTML report: {0:#}")]
    Render(#[from] minijinja::Error),
    #[error("cannot write the HTML report to {path}: {source}; check the run folder is writable")]
    Io { path: String, source: std::io::Error },
    #[error("cannot write the HTML report: {0}; check there is room where it is written")]
    Write(std::io::Error),
}

/// Renders the report. Every template escapes HTML, whatever its name.
pub fn render_html(view: &ReportView) -> Result<String, ReportError> {
    let env = environment()?;
    Ok(env.get_template("report.html.j2")?.render(root(view))?)
}

/// Renders the report into `out` as it goes, never holding the page whole
/// (the same bytes as [`render_html`]).
pub fn render_html_to(view: &ReportView, out: &mut impl Write) -> Result<(), ReportError> {
    let env = environment()?;
    let template = env.get_template("report.html.j2")?;
    let mut out = Remember { out, error: None };
    let rendered = template.render_captured_to(root(view), &mut out).map(drop);
    rendered.map_err(|e| match out.error.take() {
        Some(source) => ReportError::Write(source),
        None => ReportError::Render(e),
    })
}

/// The templates, with HTML escaping on whatever a template is named.
fn environment() -> Result<Environment<'static>, ReportError> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    // Missing fields are template bugs: fail the render rather than print nothing.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    // Text from the target may hold NUL, ESC or BEL bytes: replaced, as in junit.xml.
    env.set_formatter(|out, state, value| match value.as_str() {
        Some(s) if !value.is_safe() && s.chars().any(is_raw_control) => {
            let clean: String = s.chars().map(|c| if is_raw_control(c) { '\u{FFFD}' } else { c }).collect();
            minijinja::escape_formatter(out, state, &Value::from(clean))
        }
        _ => minijinja::escape_formatter(out, state, value),
    });
    for (name, source) in TEMPLATES {
        env.add_template(name, source)?;
    }
    Ok(env)
}

/// What the page template reads.
fn root(view: &ReportView) -> Value {
    context! {
        view => view,
        style => Value::from_safe_string(STYLE.to_string()),
        script => Value::from_safe_string(SCRIPT.to_string()),
        csp => csp::policy(SCRIPT),
    }
}

/// A writer that keeps the I/O error a render stopped on, so it is reported
/// as the disk's problem rather than the template's.
struct Remember<'w, W> {
    out: &'w mut W,
    error: Option<std::io::Error>,
}

impl<W: Write> Write for Remember<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.out.write(buf) {
            Err(e) if e.kind() != std::io::ErrorKind::Interrupted => {
                let told = std::io::Error::new(e.kind(), "the report's writer failed");
                self.error = Some(e);
                Err(told)
            }
            other => other,
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Control characters that have no place in an HTML page (tab and line breaks do).
fn is_raw_control(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// Builds, renders and writes `dir/report.html`; returns its path. Written
/// to a temporary name first, so a crash never leaves half a report behind,
/// and streamed, so the page is never held whole in memory.
pub fn write_report(dir: &Path, verdict: &Verdict, run: &RecordedRun) -> Result<PathBuf, ReportError> {
    write_view(dir, &build_view(verdict, run))
}

/// Renders and writes a built view as `dir/report.html` ([`write_report`]);
/// the run it was built from can be dropped first: the view holds what it shows.
pub fn write_view(dir: &Path, view: &ReportView) -> Result<PathBuf, ReportError> {
    let path = dir.join(FILE_NAME);
    let partial = dir.join(format!("{FILE_NAME}.partial"));
    let io = |source| ReportError::Io { path: path.display().to_string(), source };
    let written = std::fs::File::create(&partial).map_err(io).and_then(|file| {
        let mut out = BufWriter::with_capacity(1 << 16, file);
        render_html_to(view, &mut out).map_err(|e| match e {
            ReportError::Write(source) => io(source),
            other => other,
        })?;
        out.flush().map_err(io)
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, &path).map_err(io)?;
    Ok(path)
}
