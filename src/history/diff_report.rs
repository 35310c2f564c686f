//! The files of a run comparison: `<run-b>/diff-<run-a-id>.json` and
//! `.html`, and reading the two runs' verdicts. The comparison itself is
//! [`super::diff::diff`]; this is the I/O around it.
//!
//! The HTML is one self-contained file in the report's visual language (it
//! inlines the report's stylesheet), rendered by `templates/diff.html.j2`
//! with autoescape on. It runs no script, and its Content-Security-Policy
//! forbids loading anything.

use super::diff::{self, Diff};
use crate::analysis::{self, AnalyzeOptions};
use crate::record::read_run;
use crate::suite::Suite;
use crate::verdict::{Severity, Verdict};
use minijinja::{context, AutoEscape, Environment, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

const TEMPLATE: &str = include_str!("../../templates/diff.html.j2");
/// The report's stylesheet: one visual language for every page touchpoint writes.
const STYLE: &str = include_str!("../../templates/report/style.css");
/// No script, no network, no forms: the page only lays out text.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("cannot read the run {path}: {detail}")]
    Read { path: String, detail: String },
    #[error("cannot write {path}: {source}; check the run folder is writable")]
    Write { path: String, source: std::io::Error },
    #[error("cannot render the comparison: {0:#}")]
    Render(#[from] minijinja::Error),
}

/// A run's verdict. With `suite`, the run is re-analysed against it (both
/// runs judged by one map); otherwise its `verdict.json` is read, and a run
/// without one is analysed against the suite it recorded.
pub fn load_verdict(run_dir: &Path, suite: Option<&Suite>, fail_on: Severity) -> Result<Verdict, DiffError> {
    let shown = run_dir.display().to_string();
    let read_err = |detail: String| DiffError::Read { path: shown.clone(), detail };
    let options = AnalyzeOptions { fail_on, ..Default::default() };
    if let Some(suite) = suite {
        let run = read_run(run_dir).map_err(|e| read_err(e.to_string()))?;
        return Ok(analysis::analyze(suite, &run, &options));
    }
    let path = run_dir.join("verdict.json");
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            read_err(format!(
                "{} is not a verdict this touchpoint reads ({e}); run `touchpoint analyze {shown}` to rewrite it, or pass --suite",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let run = read_run(run_dir).map_err(|e| read_err(format!("{e}; pass a run folder such as reports/<run-id>")))?;
            let loaded = crate::suite::load(Path::new(&run.header.suite));
            let suite = loaded.suite.ok_or_else(|| {
                read_err(format!("it has no verdict.json and the suite it recorded ({}) does not load; pass --suite", run.header.suite))
            })?;
            Ok(analysis::analyze(&suite, &run, &options))
        }
        Err(e) => Err(read_err(format!("{}: {e}", path.display()))),
    }
}

/// Renders the comparison as one self-contained HTML page. `a_report` is
/// the baseline's report relative to the page, when it can be linked.
pub fn render_html(d: &Diff, a_report: Option<&str>) -> Result<String, DiffError> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.add_filter("ms", |ms: Option<f64>| diff::ms_text(ms));
    env.add_filter("pct", |pct: Option<f64>| diff::pct_text(pct).trim().to_string());
    env.add_filter("when", |t: String| {
        chrono::DateTime::parse_from_rfc3339(&t)
            .map_or(t, |t| t.with_timezone(&chrono::Utc).format("%-d %b %Y, %H:%M:%S UTC").to_string())
    });
    env.add_filter("score", |s: Option<f64>| s.map_or_else(|| "–".to_string(), |s| format!("{s:.0}")));
    env.add_template("diff.html.j2", TEMPLATE)?;
    let html = env.get_template("diff.html.j2")?.render(context! {
        diff => d,
        a_report => a_report,
        csp => CSP,
        style => Value::from_safe_string(STYLE.to_string()),
        tool_version => env!("CARGO_PKG_VERSION"),
    })?;
    Ok(html)
}

/// Writes `diff-<a>.json` and `diff-<a>.html` into `b_dir`; returns their paths.
pub fn write(d: &Diff, a_dir: &Path, b_dir: &Path) -> Result<Vec<PathBuf>, DiffError> {
    let stem = format!("diff-{}", file_safe(&d.a.run_id));
    let json_path = b_dir.join(format!("{stem}.json"));
    let json = serde_json::to_vec_pretty(d)
        .map_err(|e| DiffError::Write { path: json_path.display().to_string(), source: e.into() })?;
    write_file(&json_path, &json)?;
    let html_path = b_dir.join(format!("{stem}.html"));
    let html = render_html(d, sibling_report(a_dir, b_dir).as_deref())?;
    write_file(&html_path, html.as_bytes())?;
    Ok(vec![json_path, html_path])
}

/// `../<run-a>/report.html` when both runs sit in one reports folder.
fn sibling_report(a_dir: &Path, b_dir: &Path) -> Option<String> {
    let a = a_dir.canonicalize().ok()?;
    let b = b_dir.canonicalize().ok()?;
    if a.parent()? != b.parent()? || !a.join("report.html").is_file() {
        return None;
    }
    Some(format!("../{}/report.html", a.file_name()?.to_str()?))
}

/// Run ids are ours (`20250101-120000-ab12`), but the file name must not
/// leave the folder whatever a verdict says.
fn file_safe(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// Writes via a temporary file and a rename, so a reader never sees half a file.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), DiffError> {
    let err = |source| DiffError::Write { path: path.display().to_string(), source };
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp).map_err(err)?;
    f.write_all(bytes).map_err(err)?;
    f.sync_data().map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}
