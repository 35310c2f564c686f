//! The commands that only read what runs recorded: `analyze`, `report`,
//! `history`, `diff`, `merge`. They never send anything.

use super::{exit, load_suite};
use crate::analysis::AnalyzeOptions;
use crate::history::Location;
use crate::suite::Suite;
use crate::verdict::Severity;
use std::path::{Path, PathBuf};

/// Analyses the run in `dir` and writes its derived files; prints the summary.
pub fn derive(dir: &Path, suite: &Suite, fail_on: Severity, summary: bool, history: &Location) -> u8 {
    let options = AnalyzeOptions { fail_on, ..Default::default() };
    match crate::artifacts::write_all_to(dir, suite, &options, history) {
        Ok(w) => {
            if summary {
                for line in crate::analysis::summary::summary_lines(&w.verdict) {
                    eprintln!("{line}");
                }
            }
            for f in &w.files {
                eprintln!("  wrote {}", f.display());
            }
            for warning in &w.warnings {
                eprintln!("touchpoint: warning: {warning}");
            }
            eprintln!("  record: {}", dir.join("run.jsonl").display());
            if w.verdict.suite_failed() {
                eprintln!("error: a channel was not tested at all because of the suite (RUN PROBLEM above); fix it and run again");
                exit::RUNTIME
            } else if w.verdict.worst_at_or_above(fail_on) {
                exit::FINDINGS
            } else {
                exit::OK
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::RUNTIME
        }
    }
}

pub fn analyze(dir: &Path, suite: Option<&Path>, fail_on: Severity, summary: bool, history: &Location) -> u8 {
    let header = match crate::record::reader::read_header(dir) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {e}\n  help: pass a run folder such as reports/<run-id>");
            return exit::RUNTIME;
        }
    };
    let suite_dir = suite.map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from(&header.suite));
    let Some(suite) = load_suite(&suite_dir) else { return exit::INVALID_SUITE };
    if suite.digest != header.suite_digest {
        eprintln!(
            "touchpoint: note: the suite changed since this run was recorded; analysing against the suite as it is now"
        );
    }
    let code = derive(dir, &suite, fail_on, summary, history);
    if !summary && code == exit::FINDINGS {
        // `report` renders; it does not judge.
        return exit::OK;
    }
    code
}

/// `touchpoint report`: re-renders report.html, and with `--pdf` prints report.pdf.
pub fn report(dir: &Path, suite: Option<&Path>, pdf: bool, location: &Location) -> u8 {
    let code = analyze(dir, suite, Severity::Critical, false, location);
    if code != exit::OK || !pdf {
        return code;
    }
    let html = dir.join(crate::report::FILE_NAME);
    match crate::report::pdf::print(&html, &dir.join(crate::report::pdf::FILE_NAME)) {
        Ok(path) => {
            eprintln!("  wrote {}", path.display());
            exit::OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::RUNTIME
        }
    }
}

/// `touchpoint history`: the runs indexed in `out`, as a table on stdout.
pub fn history(out: &Path, suite: Option<&str>, limit: usize, html: bool, location: &Location) -> u8 {
    if html {
        // The trend page reads history.sqlite; the PostgreSQL back-end has no trend reads yet.
        let page = match location {
            Location::Reports => crate::report::history_page::write(out, suite, limit).map_err(|e| e.to_string()),
            Location::Postgres(_) => Err("--html draws trends from history.sqlite in the reports folder; \
                                         it cannot read a PostgreSQL history yet (drop --history)"
                .to_string()),
        };
        match page {
            Ok(path) => eprintln!("  wrote {}", path.display()),
            Err(e) => {
                eprintln!("error: {e}");
                return exit::RUNTIME;
            }
        }
    }
    match crate::history::list_in(location, out, suite, limit) {
        Ok(entries) => {
            let mut stdout = std::io::stdout().lock();
            match crate::history::write_table(&entries, &mut stdout) {
                Ok(()) => exit::OK,
                // A closed pipe (`| head`) is not a failure worth a message.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
                Err(e) => {
                    eprintln!("error: cannot write the table: {e}");
                    exit::RUNTIME
                }
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::RUNTIME
        }
    }
}

/// `touchpoint diff`: run `b` compared with the baseline `a`; exit 4 on a regression.
pub fn diff(a: &Path, b: &Path, suite: Option<&Path>, fail_on: Severity) -> u8 {
    use crate::history::{diff, diff_report};
    let suite = match suite {
        Some(dir) => match load_suite(dir) {
            Some(s) => Some(s),
            None => return exit::INVALID_SUITE,
        },
        None => None,
    };
    let verdicts = diff_report::load_verdict(a, suite.as_ref(), fail_on)
        .and_then(|va| Ok((va, diff_report::load_verdict(b, suite.as_ref(), fail_on)?)));
    let (va, vb) = match verdicts {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::RUNTIME;
        }
    };
    let d = diff::diff(&va, &vb, fail_on);
    for line in diff::summary_lines(&d) {
        eprintln!("{line}");
    }
    match diff_report::write(&d, a, b) {
        Ok(files) => files.iter().for_each(|f| eprintln!("  wrote {}", f.display())),
        Err(e) => {
            eprintln!("error: {e}");
            return exit::RUNTIME;
        }
    }
    if d.regressed() {
        exit::FINDINGS
    } else {
        exit::OK
    }
}

/// `touchpoint merge`: the shards of a sharded run joined into one run folder, then judged.
pub fn merge(
    dirs: &[PathBuf],
    group: Option<&str>,
    out: Option<&Path>,
    suite: Option<&Path>,
    fail_on: Severity,
    history: &Location,
) -> u8 {
    let shards = match crate::merge::find_shards(dirs, group) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::RUNTIME;
        }
    };
    let (first_dir, first) = &shards[0];
    let suite_dir = suite.map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from(&first.suite));
    let Some(suite) = load_suite(&suite_dir) else { return exit::INVALID_SUITE };
    if suite.digest != first.suite_digest {
        eprintln!("touchpoint: note: the suite changed since the shards were recorded; analysing against the suite as it is now");
    }
    let out = out.map(Path::to_path_buf).unwrap_or_else(|| crate::history::reports_dir(first_dir));
    let merged = match crate::merge::merge(&shards, &suite, &out) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::RUNTIME;
        }
    };
    eprintln!(
        "touchpoint: merged {} shards of run group {} ({} exchanges{})",
        merged.shards.len(),
        merged.group,
        merged.exchanges,
        if merged.complete { "" } else { "; a shard did not finish, so the merged run is incomplete" }
    );
    derive(&merged.dir, &suite, fail_on, true, history)
}
