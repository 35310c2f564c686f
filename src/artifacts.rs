//! The files of a run folder derived from `run.jsonl`: `verdict.json`,
//! `junit.xml` and `report.html`. Always rebuilt from the record, so
//! `touchpoint analyze` and `touchpoint report` give what `run` gave.
//! Each run is also indexed in the reports folder's history (upserted, so
//! re-deriving is idempotent).

use crate::analysis::{self, AnalyzeOptions};
use crate::record::blocks::{Block, Blocks};
use crate::record::reader::{self, ReadError};
use crate::record::{Prefetch, RecordedRun, RunStream};
use crate::suite::Suite;
use crate::verdict::Verdict;
use std::collections::BTreeSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error(transparent)]
    Read(#[from] crate::record::reader::ReadError),
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: std::io::Error },
    #[error("cannot render the report: {0}")]
    Report(String),
}

/// Bytes of record lines the report reads besides the exchanges the verdict
/// cites: a run up to this size is read whole (lean: without HTTP headers
/// and bodies, which the report does not show), and shown exactly as it
/// always was; of a larger one, the report reads the first exchanges up to
/// this size. Memory stays bounded whatever the size of the run.
const REPORT_BYTES: usize = 48 << 20;

/// What was written.
pub struct Written {
    pub verdict: Verdict,
    pub files: Vec<PathBuf>,
    /// Problems that did not stop the files being written (the run history
    /// could not be updated), for the caller to show.
    pub warnings: Vec<String>,
}

/// Reads the run in `dir`, analyses it against `suite` and writes every derived file.
/// The run is streamed through the analysis, never held whole.
pub fn write_all(dir: &Path, suite: &Suite, options: &AnalyzeOptions) -> Result<Written, ArtifactError> {
    write_all_to(dir, suite, options, &crate::history::Location::Reports)
}

/// [`write_all`], indexing the run in the history at `history`.
pub fn write_all_to(
    dir: &Path,
    suite: &Suite,
    options: &AnalyzeOptions,
    history: &crate::history::Location,
) -> Result<Written, ArtifactError> {
    let mut stream = Prefetch::new(reader::open_lean(dir)?);
    let header = stream.header().clone();
    let analysed = analysis::analyze_stream(suite, &header, stream.by_ref(), options);
    let (header, tail) = stream.finish()?;
    let mut verdict = analysed.finish(&tail);
    let mut files = Vec::new();
    // Index the run in the reports folder's history and learn what changed,
    // before verdict.json is written. A locked or damaged history must not
    // cost the user the run's own report, so it is a warning here.
    let mut warnings = Vec::new();
    // A shard is a part of a run: its merge is indexed, never the part alone
    // (it would look like a run that fixed everything the other shards found).
    let shard = header.group.as_ref().is_some_and(|g| g.shard.is_some());
    if shard {
        warnings.push(
            "this is one shard of a sharded run: not indexed in the history; `touchpoint merge` joins the shards"
                .into(),
        );
    } else if let Err(e) = crate::history::index_in(history, &crate::history::reports_dir(dir), &mut verdict) {
        warnings.push(e.to_string());
    } else if *history == crate::history::Location::Reports {
        warnings.extend(refresh_later(&crate::history::reports_dir(dir), &verdict));
    }

    // The three files are independent readers of the verdict: verdict.json
    // and junit.xml are written on their own threads while this one reads
    // the run again for the report. On a large run each takes about a
    // second, and the analysis pass before them has kept every core busy,
    // so their tail was a second or two of one core working alone.
    let (verdict_path, junit_path) = (dir.join("verdict.json"), dir.join("junit.xml"));
    let (written, report) = std::thread::scope(|scope| {
        let verdict = &verdict;
        // Written as streams: a verdict of a large run is tens of megabytes as text.
        let json = scope.spawn(|| write_file(&verdict_path, |out| write_verdict(verdict, out)));
        let junit = scope.spawn(|| write_file(&junit_path, |out| crate::junit::write_junit(verdict, out)));
        // The run read for the report is dropped once its view is built: the
        // view holds what the page shows, and rendering it allocates too.
        // What the analysis pass freed (its reading thread's heap included) goes
        // back before the report reads the run again: the report, not the pass,
        // is the analysis's peak.
        crate::memory::collect();
        let report = report_run(dir, verdict, Some(&tail.blocks)).map_err(ArtifactError::from).and_then(|run| {
            let view = crate::report::build_view(verdict, &run);
            drop(run);
            crate::report::write_view(dir, &view).map_err(|e| ArtifactError::Report(e.to_string()))
        });
        let joined = |h: std::thread::ScopedJoinHandle<'_, Result<(), ArtifactError>>| {
            h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        };
        ((joined(json), joined(junit)), report)
    });
    written.0?;
    files.push(verdict_path);
    written.1?;
    files.push(junit_path);
    files.push(report?);
    Ok(Written { verdict, files, warnings })
}

/// Runs of this reports folder indexed before this (earlier) run was get
/// their `changes` and `trend` again, in `verdict.json` and `report.html`,
/// so what a verdict says changed never depends on the order runs were
/// indexed in. Returns warnings for what could not be refreshed.
fn refresh_later(reports: &Path, verdict: &Verdict) -> Vec<String> {
    let later = match crate::history::later_runs(reports, verdict) {
        Ok(later) => later,
        Err(e) => return vec![e.to_string()],
    };
    let mut warnings = Vec::new();
    for run in later {
        let dir = reports.join(&run.run_id);
        let path = dir.join("verdict.json");
        // Pruned, or never derived here: nothing to refresh.
        let Ok(file) = std::fs::File::open(&path) else { continue };
        let Ok(mut v) = serde_json::from_reader::<_, Verdict>(std::io::BufReader::new(file)) else { continue };
        if v.changes == run.changes && v.trend == run.trend {
            continue;
        }
        (v.changes, v.trend) = (run.changes, run.trend);
        let refreshed = write_file(&path, |out| write_verdict(&v, out)).and_then(|()| {
            let run = report_run(&dir, &v, None)?;
            crate::report::write_report(&dir, &v, &run).map_err(|e| ArtifactError::Report(e.to_string()))
        });
        if let Err(e) = refreshed {
            warnings
                .push(format!("run {} was indexed before this earlier run and could not be updated: {e}", v.run_id));
        }
    }
    warnings
}

/// The run the HTML report is drawn from: the exchanges the verdict cites
/// (evidence and the touchpoints kept in journeys) and, in file order, every
/// other exchange until [`REPORT_BYTES`] of record lines are read — the
/// whole run, unless it is large. Transcripts, the journey map and the
/// finding links need no more; the latency charts of a large run are drawn
/// from the exchanges read. With the `blocks` the analysis noted, the rest
/// of a large file is not scanned: only the blocks that can hold a cited
/// exchange are read.
fn report_run(dir: &Path, verdict: &Verdict, blocks: Option<&Blocks>) -> Result<RecordedRun, ReadError> {
    report_run_within(dir, verdict, blocks, REPORT_BYTES)
}

/// [`report_run`] reading up to `budget` bytes of lines besides the cited ones.
fn report_run_within(
    dir: &Path,
    verdict: &Verdict,
    blocks: Option<&Blocks>,
    budget: usize,
) -> Result<RecordedRun, ReadError> {
    let cited: BTreeSet<u64> = verdict
        .findings
        .iter()
        .flat_map(|f| f.evidence.iter().map(|e| e.seq))
        .chain(verdict.journeys.iter().flat_map(|j| &j.walks).flat_map(|w| w.touchpoints.iter().map(|t| t.seq)))
        .collect();
    let cited = Arc::new(cited);
    let full = Arc::new(AtomicBool::new(false));
    // Lines are picked before decoding: the run was checked whole by the analysis.
    let mut read = 0usize;
    let keep = {
        let (cited, full) = (Arc::clone(&cited), Arc::clone(&full));
        move |seq, bytes| {
            if cited.contains(&seq) {
                return true;
            }
            read += bytes;
            if read > budget {
                full.store(true, Ordering::Relaxed);
            }
            read <= budget
        }
    };
    match blocks {
        Some(blocks) => {
            // Once the budget is spent, only a block that can hold a cited exchange is worth reading.
            let wanted = move |b: &Block| {
                !full.load(Ordering::Relaxed) || b.seqs.is_some_and(|(lo, hi)| cited.range(lo..=hi).next().is_some())
            };
            collect(reader::open_only_in(dir, blocks, wanted, keep)?)
        }
        None => collect(reader::open_only(dir, keep)?),
    }
}

/// Decoded on this thread: the other cores write verdict.json and
/// junit.xml meanwhile, and exchanges decoded on threads of their own cost
/// ~40 MB more at the report's peak (their heaps hold the batches' garbage
/// between the exchanges kept).
fn collect<R: std::io::BufRead>(mut stream: RunStream<R>) -> Result<RecordedRun, ReadError> {
    let mut exchanges: Vec<_> = stream.by_ref().collect();
    // Grown by doubling: up to half of it spare (~500 bytes an exchange) while the report is built.
    exchanges.shrink_to_fit();
    let (header, tail) = stream.finish()?;
    Ok(RecordedRun { header, exchanges, end: tail.end, torn_tail: tail.torn_tail, late: tail.late })
}

/// `verdict.json`: the verdict, pretty-printed, streamed to `out`.
pub fn write_verdict(verdict: &Verdict, out: &mut impl Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(out, verdict).map_err(std::io::Error::from)
}

/// Writes via a temporary file and a rename, so a reader never sees half a
/// file; `write` streams the content through a buffer, so the file is never
/// held whole in memory.
fn write_file(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<(), ArtifactError> {
    let tmp = path.with_extension("tmp");
    let err = |source| ArtifactError::Write { path: path.display().to_string(), source };
    let written = std::fs::File::create(&tmp).and_then(|f| {
        let mut out = BufWriter::with_capacity(1 << 16, f);
        write(&mut out)?;
        let f = out.into_inner().map_err(std::io::IntoInnerError::into_error)?;
        f.sync_data()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    std::fs::rename(&tmp, path).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixture's 15 exchanges repeated under fresh `seq`s: ~5 MB, several blocks.
    fn large_run(dir: &Path) {
        let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/schema1/run.jsonl");
        let text = std::fs::read_to_string(fixture).unwrap();
        let mut lines = text.lines();
        let mut out = format!("{}\n", lines.next().unwrap());
        let exchanges: Vec<&str> = lines.filter(|l| l.starts_with(r#"{"type":"exchange""#)).collect();
        for i in 0..1_100 {
            let line = exchanges[i % exchanges.len()];
            // Each copy is another walk (its `repeat`), so evidence ranks spread over the file.
            let rest =
                line[line.find(",\"task\"").unwrap()..].replacen("\"repeat\":0", &format!("\"repeat\":{}", i / 15), 1);
            out.push_str(&format!("{{\"type\":\"exchange\",\"seq\":{i}{rest}\n"));
        }
        std::fs::write(dir.join("run.jsonl"), out).unwrap();
    }

    #[test]
    fn the_report_reads_the_same_exchanges_seeking_blocks_as_scanning_the_file() {
        let dir = tempfile::tempdir().unwrap();
        large_run(dir.path());
        let suite =
            crate::suite::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/acme"))).suite.unwrap();
        let mut stream = reader::open_lean(dir.path()).unwrap();
        let header = stream.header().clone();
        let analysed = analysis::analyze_stream(&suite, &header, stream.by_ref(), &AnalyzeOptions::default());
        let (_, tail) = stream.finish().unwrap();
        let verdict = analysed.finish(&tail);
        assert!(tail.blocks.list.len() > 3, "{:?}", tail.blocks);
        let cited: BTreeSet<u64> = verdict.findings.iter().flat_map(|f| f.evidence.iter().map(|e| e.seq)).collect();
        assert!(cited.last().is_some_and(|&s| s > 500), "evidence late in the file: {cited:?}");
        for budget in [0, 100_000, 2_000_000, usize::MAX] {
            let scanned = report_run_within(dir.path(), &verdict, None, budget).unwrap();
            let sought = report_run_within(dir.path(), &verdict, Some(&tail.blocks), budget).unwrap();
            let seqs = |r: &RecordedRun| r.exchanges.iter().map(|x| x.seq).collect::<Vec<_>>();
            assert_eq!(seqs(&scanned), seqs(&sought), "budget {budget}");
            assert!(scanned.exchanges == sought.exchanges);
            assert!(cited.iter().all(|s| seqs(&sought).contains(s)));
            assert_eq!((scanned.end, scanned.torn_tail, scanned.late), (sought.end, sought.torn_tail, sought.late));
        }
    }
}
