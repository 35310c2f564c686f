//! The command line: flags parsed by clap, resolved into options, each
//! command a small function returning an exit code with a meaning.
//!
//! - `args.rs`: the flags `run` and `audit` share, declared once.
//! - `walk.rs`: the commands that send (`run`, `audit`).
//! - `offline.rs`: the commands that only read records (`analyze`, `report`, `history`, `diff`, `merge`).

mod args;
mod dry_run;
mod offline;
mod walk;

pub use args::{AuditArgs, GuardArgs, HistoryArgs, RunArgs, WalkArgs};

use crate::suite::{self, Suite};
use crate::verdict::Severity;
use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit codes, so CI can tell a bad suite from a bad answer.
pub mod exit {
    /// Everything checked out (no finding at or above `--fail-on`).
    pub const OK: u8 = 0;
    /// Wrong usage: a bad flag or argument.
    pub const USAGE: u8 = 1;
    /// The suite is invalid (see the diagnostics).
    pub const INVALID_SUITE: u8 = 2;
    /// touchpoint could not do its job (cannot write, cannot start, unreadable run).
    pub const RUNTIME: u8 = 3;
    /// The run found problems at or above `--fail-on`.
    pub const FINDINGS: u8 = 4;
}

const AFTER_HELP: &str = "\
Exit codes:
  0  no finding at or above --fail-on
  1  usage error
  2  invalid suite (diagnostics printed)
  3  runtime failure (could not write, could not start the demo, unreadable run;
     run: inside --quiet-hours or the --stop-file exists)
  4  findings at or above --fail-on (diff: a new finding at or above --fail-on)

Examples:
  touchpoint run                          run the example suite against the embedded demo
  touchpoint check scenarios/acme         validate a suite without sending anything
  touchpoint run scenarios/acme --target https://staging.example.com
  touchpoint demo --port 8080             serve the demo contact centre
  touchpoint audit --every \"0 */4 * * *\" --keep 30 --quiet-hours 22:00-07:00 --alert-webhook URL
                                          audit every 4 hours; alert when findings are new or fixed
  touchpoint run --resume reports/<run-id>   continue a killed run, re-sending only unfinished steps
  touchpoint history --suite scenarios/acme   past runs with new and fixed findings
  touchpoint diff reports/<before> reports/<after>   compare a run with a baseline (exit 4 on a regression)
  touchpoint run --shard 0/3 --group nightly   walk one third of the plan (on each of 3 machines)
  touchpoint merge reports --group nightly     join the shards into reports/nightly/ and judge it

Set RUST_LOG=touchpoint=debug for detailed logs.";

#[derive(Parser, Debug)]
#[command(name = "touchpoint", version, about = "A mystery shopper for contact centres: walks scripted customers through chat, email and web, and checks every channel tells the same truth as the map.", after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Threads that send requests and time replies: `auto` (one per core) or a number. When the
    /// target runs on the same machine, fewer threads than cores leave it room (see BENCHMARKS.md).
    #[arg(long, global = true, value_name = "N|auto", default_value = "auto", env = "TOUCHPOINT_WORKERS")]
    pub workers: Workers,
}

/// How many runtime worker threads (`--workers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workers {
    /// One per core (tokio's default).
    Auto,
    Fixed(usize),
}

impl std::str::FromStr for Workers {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "auto" => Ok(Workers::Auto),
            n => match n.parse::<usize>() {
                Ok(n @ 1..=1024) => Ok(Workers::Fixed(n)),
                _ => Err(format!("`{n}` is not a thread count: give `auto` or a number from 1 to 1024")),
            },
        }
    }
}

impl Workers {
    /// The multi-threaded runtime every command runs on.
    pub fn runtime(self) -> std::io::Result<tokio::runtime::Runtime> {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        if let Workers::Fixed(n) = self {
            builder.worker_threads(n);
        }
        // Idle workers give back what a run freed (`memory.rs`).
        builder.on_thread_park(crate::memory::on_park);
        builder.enable_all().build()
    }
}

/// The example suite that describes the embedded demo company.
pub const DEFAULT_SUITE: &str = "scenarios/acme";

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Validate a suite without sending anything: syntax, unknown keys, references, values, templates.
    Check {
        /// The suite folder.
        #[arg(default_value = DEFAULT_SUITE)]
        suite: PathBuf,
    },
    /// Walk the personas through the suite over the real channels and write reports/<run-id>/.
    ///
    /// Without --target, the embedded demo contact centre is started on a free
    /// loopback port and the suite runs against it.
    Run(RunArgs),
    /// Run the suite on a schedule, as a long-running process: every run written to --out like
    /// `run`, the newest --keep runs kept, an alert to --alert-webhook when findings are new or fixed.
    ///
    /// Logs one line per event to stdout. SIGTERM or Ctrl-C stops it cleanly, also mid-run (the
    /// run's record is finished with an interrupted end). Without --target, the embedded demo is
    /// started once for the whole audit.
    Audit(AuditArgs),
    /// Re-analyse a recorded run offline (e.g. after correcting the map); sends nothing.
    ///
    /// Rewrites verdict.json, junit.xml and report.html in the run folder.
    Analyze {
        /// The run folder (reports/<run-id>).
        run: PathBuf,
        /// The suite to check against; default: the one the run recorded.
        #[arg(long)]
        suite: Option<PathBuf>,
        /// Exit 4 when a finding is at or above this severity.
        #[arg(long, default_value = "high")]
        fail_on: Severity,
        #[command(flatten)]
        history: HistoryArgs,
    },
    /// Re-render report.html (and verdict.json, junit.xml) from a recorded run without re-running.
    Report {
        /// The run folder (reports/<run-id>).
        run: PathBuf,
        /// The suite; default: the one the run recorded.
        #[arg(long)]
        suite: Option<PathBuf>,
        /// Also print report.pdf with a headless Chromium or Chrome, if one is
        /// installed (TOUCHPOINT_CHROMIUM names one).
        #[arg(long)]
        pdf: bool,
        #[command(flatten)]
        history: HistoryArgs,
    },
    /// List the runs indexed in the reports folder, newest first, with what changed in each.
    History {
        /// The reports folder (holds history.sqlite).
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        /// Only runs of this suite (its path as given to `run`, or its company name).
        #[arg(long)]
        suite: Option<String>,
        /// How many runs to list.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Also write <out>/history.html: the last runs of each suite and
        /// target as trend charts (score, findings, reply times against SLA).
        #[arg(long)]
        html: bool,
        #[command(flatten)]
        history: HistoryArgs,
    },
    /// Compare a run with a baseline run: changed answers, new and fixed findings, reply times.
    ///
    /// Writes <run-b>/diff-<run-a-id>.html and .json. Exits 4 when run B has a
    /// new finding at or above --fail-on (a regression).
    Diff {
        /// The baseline run folder (e.g. staging before the release).
        a: PathBuf,
        /// The run folder compared with it (after the release).
        b: PathBuf,
        /// Re-analyse both runs against this suite instead of reading their verdict.json.
        #[arg(long)]
        suite: Option<PathBuf>,
        /// Exit 4 when a new finding is at or above this severity.
        #[arg(long, default_value = "high")]
        fail_on: Severity,
    },
    /// Join the shards of a sharded run (`run --shard I/N` on N machines) into one run folder and judge it.
    ///
    /// Writes <out>/<group>/run.jsonl (the exchanges in plan order, on one timeline), then verdict.json,
    /// junit.xml and report.html, and indexes the merged run in the history. The shard folders are left
    /// as they are; merging again gives the same run. Exit codes as for `run`.
    Merge {
        /// The shards' run folders, or the reports folder they were written to.
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// The run group to merge (needed when a reports folder holds shards of several).
        #[arg(long, value_name = "ID", env = "TOUCHPOINT_RUN_GROUP")]
        group: Option<String>,
        /// The reports folder the merged run is written to; default: the one holding the first shard.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The suite to check against; default: the one the shards recorded.
        #[arg(long)]
        suite: Option<PathBuf>,
        /// Exit 4 when a finding is at or above this severity.
        #[arg(long, default_value = "high")]
        fail_on: Severity,
        #[command(flatten)]
        history: HistoryArgs,
    },
    /// Serve the embedded demo contact centre (chat, email and web) on 127.0.0.1.
    Demo {
        /// Port to listen on; 0 picks a free one and prints the URL.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Makes delays, case references and wording choices reproducible.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

pub fn main() -> ExitCode {
    init_logging();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::USAGE } else { exit::OK });
        }
    };
    let runtime = match cli.workers.runtime() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::RUNTIME);
        }
    };
    ExitCode::from(runtime.block_on(dispatch(cli.command)))
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}

pub async fn dispatch(cmd: Command) -> u8 {
    match cmd {
        Command::Check { suite } => check(&suite),
        Command::Run(args) => walk::run(args).await,
        Command::Audit(args) => walk::audit(args).await,
        Command::Demo { port, seed } => demo(port, seed).await,
        Command::Analyze { run, suite, fail_on, history } => {
            offline::analyze(&run, suite.as_deref(), fail_on, true, &history.location())
        }
        Command::Report { run, suite, pdf, history } => {
            offline::report(&run, suite.as_deref(), pdf, &history.location())
        }
        Command::History { out, suite, limit, html, history } => {
            offline::history(&out, suite.as_deref(), limit, html, &history.location())
        }
        Command::Diff { a, b, suite, fail_on } => offline::diff(&a, &b, suite.as_deref(), fail_on),
        Command::Merge { dirs, group, out, suite, fail_on, history } => {
            offline::merge(&dirs, group.as_deref(), out.as_deref(), suite.as_deref(), fail_on, &history.location())
        }
    }
}

/// Loads a suite, printing diagnostics; None when it has errors.
pub fn load_suite(dir: &Path) -> Option<Suite> {
    let loaded = suite::load(dir);
    if !loaded.diagnostics.items.is_empty() {
        let choice = if std::io::stderr().is_terminal() {
            codespan_reporting::term::termcolor::ColorChoice::Auto
        } else {
            codespan_reporting::term::termcolor::ColorChoice::Never
        };
        // Buffered: the renderer writes a character at a time.
        let err = codespan_reporting::term::termcolor::BufferWriter::stderr(choice);
        let mut buf = err.buffer();
        let _ = loaded.diagnostics.render(&loaded.sources, &mut buf);
        let _ = err.print(&buf);
    }
    loaded.suite
}

fn check(dir: &Path) -> u8 {
    match load_suite(dir) {
        Some(s) => {
            let steps: usize = s.scenarios.iter().map(|sc| sc.steps.len()).sum();
            println!(
                "{}: ok — {} facts, {} questions, {} journeys, {} channels, {} personas, {} scenarios ({steps} steps), {} sweeps",
                dir.display(),
                s.map.facts.len(),
                s.map.questions.len(),
                s.map.journeys.len(),
                s.channels.len(),
                s.personas.len(),
                s.scenarios.len(),
                s.sweeps.len()
            );
            exit::OK
        }
        None => exit::INVALID_SUITE,
    }
}

async fn demo(port: u16, seed: u64) -> u8 {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let handle = match crate::demo::start(addr, crate::demo::DemoConfig { seed, ..Default::default() }).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}\n  help: pick another port with --port, or --port 0 for a free one");
            return exit::RUNTIME;
        }
    };
    println!("Acme Broadband demo contact centre listening on {}", handle.url());
    println!("  chat:  POST {}/chat/conversations", handle.url());
    println!("  email: POST {}/email/inbound", handle.url());
    println!("  web:   GET  {}/help", handle.url());
    println!("Press Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    handle.shutdown().await;
    exit::OK
}

/// A stop signal: Ctrl-C or SIGTERM flips it once.
pub fn stop_signal() -> tokio::sync::watch::Receiver<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        wait_for_signal().await;
        eprintln!("touchpoint: stopping — finishing the records of steps in flight (Ctrl-C again to abort)");
        let _ = tx.send(true);
        wait_for_signal().await;
        std::process::exit(130);
    });
    rx
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(t) => t,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
