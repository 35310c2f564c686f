//! The files of a run folder derived from `run.jsonl`: `verdict.json`,
//! `junit.xml` and `report.html`. Always rebuilt from the record, so
//! `touchpoint analyze` and `touchpoint report` give what `run` gave.
//! Each run is also indexed in the reports folder's history (upserted, so
//! re-deriving is idempotent).

use crate::analysis::{self, AnalyzeOptions};
use crate::record::{read_run, RecordedRun};
use crate::suite::Suite;
use crate::verdict::Verdict;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error(transparent)]
    Read(#[from] crate::record::reader::ReadError),
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: std::io::Error },
    #[error("cannot render the report: {0}")]
    Report(String),
}

/// What was written.
pub struct Written {
    pub verdict: Verdict,
    pub run: RecordedRun,
    pub files: Vec<PathBuf>,
    /// Problems that did not stop the files being written (the run history
    /// could not be updated), for the caller to show.
    pub warnings: Vec<String>,
}

/// Reads the run in `dir`, analyses it against `suite` and writes every derived file.
pub fn write_all(dir: &Path, suite: &Suite, options: &AnalyzeOptions) -> Result<Written, ArtifactError> {
    let run = read_run(dir)?;
    let mut verdict = analysis::analyze(suite, &run, options);
    let mut files = Vec::new();
    // Index the run in the reports folder's history and learn what changed,
    // before verdict.json is written. A locked or damaged history must not
    // cost the user the run's own report, so it is a warning here.
    let mut warnings = Vec::new();
    if let Err(e) = crate::history::index(&crate::history::reports_dir(dir), &mut verdict) {
        warnings.push(e.to_string());
    }

    let path = dir.join("verdict.json");
    let json = serde_json::to_vec_pretty(&verdict).map_err(|e| ArtifactError::Write { path: path.display().to_string(), source: e.into() })?;
    write_file(&path, &json)?;
    files.push(path);

    let path = dir.join("junit.xml");
    let mut xml = Vec::new();
    crate::junit::write_junit(&verdict, &mut xml).map_err(|source| ArtifactError::Write { path: path.display().to_string(), source })?;
    write_file(&path, &xml)?;
    files.push(path);

    files.push(crate::report::write_report(dir, &verdict, &run).map_err(|e| ArtifactError::Report(e.to_string()))?);
    Ok(Written { verdict, run, files, warnings })
}

/// Writes via a temporary file and a rename, so a reader never sees half a file.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ArtifactError> {
    let tmp = path.with_extension("tmp");
    let err = |source| ArtifactError::Write { path: path.display().to_string(), source };
    let mut f = std::fs::File::create(&tmp).map_err(err)?;
    f.write_all(bytes).map_err(err)?;
    f.sync_data().map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}
