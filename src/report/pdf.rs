//! `touchpoint report --pdf`: the report printed to PDF by a headless
//! Chromium (or Chrome) when one is installed, with the report's own print
//! stylesheet. touchpoint does not ship a browser: when none is found the
//! error says so, and what to do instead.
//!
//! The browser runs as a child process with a throwaway profile, on a local
//! file whose Content-Security-Policy forbids every request, and is killed
//! if it does not finish in time.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The file name beside report.html.
pub const FILE_NAME: &str = "report.pdf";
/// Names tried on PATH, in order, after `TOUCHPOINT_CHROMIUM`.
const CANDIDATES: [&str; 5] = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"];
/// A report of a large run can take a while to lay out.
const PATIENCE: Duration = Duration::from_secs(120);

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error(
        "no Chromium or Chrome found to print the PDF (looked for {} on PATH); install one (`apt-get install chromium`) \
         or set TOUCHPOINT_CHROMIUM to its path — report.html is written and prints from any browser",
        CANDIDATES.join(", ")
    )]
    NoBrowser,
    #[error("cannot start {browser}: {source}; set TOUCHPOINT_CHROMIUM to a working Chromium or Chrome")]
    Start { browser: String, source: std::io::Error },
    #[error("{browser} did not print {pdf} within {}s; report.html is written and prints from any browser", PATIENCE.as_secs())]
    Timeout { browser: String, pdf: String },
    #[error("{browser} could not print {pdf} ({detail}); report.html is written and prints from any browser")]
    Failed { browser: String, pdf: String, detail: String },
}

/// The browser to print with: `TOUCHPOINT_CHROMIUM`, else the first
/// candidate found on PATH.
pub fn find_browser() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TOUCHPOINT_CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    CANDIDATES.iter().flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name))).find(|p| p.is_file())
}

/// Prints `html` (a report.html) to `pdf` with a headless browser.
pub fn print(html: &Path, pdf: &Path) -> Result<PathBuf, PdfError> {
    let browser = find_browser().ok_or(PdfError::NoBrowser)?;
    let shown = browser.display().to_string();
    let html = html.canonicalize().unwrap_or_else(|_| html.to_path_buf());
    let profile = Profile::new().map_err(|source| PdfError::Start { browser: shown.clone(), source })?;
    let partial = pdf.with_extension("pdf.partial");
    let mut cmd = Command::new(&browser);
    cmd.args([
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-pdf-header-footer",
    ]);
    // Chromium refuses to start as root with its sandbox (containers, CI).
    if running_as_root() {
        cmd.arg("--no-sandbox");
    }
    cmd.arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", partial.display()))
        .arg(format!("file://{}", html.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    // To a file, not a pipe: a chatty browser must not block on a full pipe.
    let log = profile.path().join("stderr.log");
    if let Ok(f) = std::fs::File::create(&log) {
        cmd.stderr(f);
    } else {
        cmd.stderr(Stdio::null());
    }
    let mut child = cmd.spawn().map_err(|source| PdfError::Start { browser: shown.clone(), source })?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > PATIENCE => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = std::fs::remove_file(&partial);
                return Err(PdfError::Timeout { browser: shown, pdf: pdf.display().to_string() });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(source) => return Err(PdfError::Start { browser: shown, source }),
        }
    };
    let written = std::fs::metadata(&partial).map(|m| m.len()).unwrap_or(0);
    if !status.success() || written == 0 {
        let detail = std::fs::read_to_string(&log).unwrap_or_default();
        let last = detail.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no PDF was written");
        let _ = std::fs::remove_file(&partial);
        return Err(PdfError::Failed {
            browser: shown,
            pdf: pdf.display().to_string(),
            detail: format!("{status}: {}", super::text::clip(last.trim(), 300)),
        });
    }
    std::fs::rename(&partial, pdf).map_err(|e| PdfError::Failed {
        browser: shown,
        pdf: pdf.display().to_string(),
        detail: e.to_string(),
    })?;
    Ok(pdf.to_path_buf())
}

/// A throwaway browser profile folder, removed when dropped.
struct Profile(PathBuf);

impl Profile {
    fn new() -> std::io::Result<Profile> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("touchpoint-pdf-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Profile(dir))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Whether this process runs as root (uid 0), read from /proc on Linux.
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(2) == Some("0")))
        .unwrap_or(false)
}
