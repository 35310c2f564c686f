//! The command line: flags parsed by clap, resolved into options, each
//! command a small function returning an exit code with a meaning.

use crate::engine::guard::{Guards, QuietHours};
use crate::engine::{self, RunOptions};
use crate::analysis::AnalyzeOptions;
use crate::suite::{self, Suite};
use crate::verdict::Severity;
use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

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

Set RUST_LOG=touchpoint=debug for detailed logs.";

#[derive(Parser, Debug)]
#[command(name = "touchpoint", version, about = "A mystery shopper for contact centres: walks scripted customers through chat, email and web, and checks every channel tells the same truth as the map.", after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
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
    },
    /// Re-render report.html (and verdict.json, junit.xml) from a recorded run without re-running.
    Report {
        /// The run folder (reports/<run-id>).
        run: PathBuf,
        /// The suite; default: the one the run recorded.
        #[arg(long)]
        suite: Option<PathBuf>,
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

#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// The suite folder.
    #[arg(default_value = DEFAULT_SUITE)]
    pub suite: PathBuf,
    /// Base URL of the system under test (`{{ target }}` in channels.toml). Default: the embedded demo.
    #[arg(long, env = "TOUCHPOINT_TARGET")]
    pub target: Option<String>,
    /// How many personas walk at once.
    #[arg(long, short = 'c', default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub concurrency: u64,
    /// Run each scenario and sweep cell K times (for variance and unstable answers).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub repeat: u32,
    /// Seeds the personas' choice of phrasing and think time (and the demo).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Only walks whose key matches, e.g. `scenario:refund*` or `sweep:*@email`.
    #[arg(long)]
    pub only: Option<String>,
    /// Where run folders are written.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
    /// Print the requests the first step of each walk would send (secrets masked), send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// No progress bar or progress lines.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Continue an interrupted run (its folder): re-send only steps it never recorded.
    #[arg(long, value_name = "RUN_DIR")]
    pub resume: Option<PathBuf>,
    /// Exit 4 when a finding is at or above this severity (critical, high, medium, low, info).
    #[arg(long, default_value = "high")]
    pub fail_on: Severity,
    /// Header marking test traffic, `Name: value`; repeatable. Added to the suite's `test_header`.
    #[arg(long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    #[command(flatten)]
    pub guards: GuardArgs,
}

#[derive(clap::Args, Debug, Clone)]
#[command(group(clap::ArgGroup::new("when").required(true).args(["every", "interval"])))]
pub struct AuditArgs {
    /// The suite folder.
    #[arg(default_value = DEFAULT_SUITE)]
    pub suite: PathBuf,
    /// Cron expression in local time: 5 fields (`0 */4 * * *`) or 6 with seconds first.
    #[arg(long, value_name = "CRON", value_parser = |s: &str| crate::audit::schedule::Schedule::cron(s))]
    pub every: Option<crate::audit::schedule::Schedule>,
    /// Run at once, then at this interval (`10m`, `4h`).
    #[arg(long, value_name = "DURATION", value_parser = crate::audit::schedule::parse_interval)]
    pub interval: Option<std::time::Duration>,
    /// Keep only the newest N run folders of this suite in --out (older ones are deleted).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub keep: Option<u64>,
    /// POST a Slack-compatible JSON alert here when findings are new or fixed since the previous run.
    #[arg(long, value_name = "URL", env = "TOUCHPOINT_ALERT_WEBHOOK", hide_env_values = true)]
    pub alert_webhook: Option<String>,
    /// Base URL where --out is served, for the report link in alerts (default: the file's path).
    #[arg(long, value_name = "URL")]
    pub report_url: Option<String>,
    /// Stop after N runs (skipped runs do not count).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_runs: Option<u64>,
    /// Base URL of the system under test. Default: the embedded demo.
    #[arg(long, env = "TOUCHPOINT_TARGET")]
    pub target: Option<String>,
    /// How many personas walk at once.
    #[arg(long, short = 'c', default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub concurrency: u64,
    /// Run each scenario and sweep cell K times.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub repeat: u32,
    /// Seeds the personas' choice of phrasing and think time (and the demo).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Only walks whose key matches, e.g. `sweep:*`.
    #[arg(long)]
    pub only: Option<String>,
    /// Where run folders are written.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
    /// Checks failing at or above this severity in junit.xml.
    #[arg(long, default_value = "high")]
    pub fail_on: Severity,
    /// Header marking test traffic, `Name: value`; repeatable. Added to the suite's `test_header`.
    #[arg(long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    #[command(flatten)]
    pub guards: GuardArgs,
}

/// Keeping a run polite towards production: shared by `run` and `audit`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct GuardArgs {
    /// Local-time window in which nothing is sent, e.g. `22:00-07:00`: `run` refuses to start in it,
    /// `audit` skips runs in it, a run that reaches it stops.
    #[arg(long, value_name = "HH:MM-HH:MM")]
    pub quiet_hours: Option<QuietHours>,
    /// While this file exists nothing is sent: a run in progress halts at once (its record is
    /// finished), `run` refuses to start, `audit` skips runs until it is removed.
    #[arg(long, value_name = "PATH")]
    pub stop_file: Option<PathBuf>,
}

impl GuardArgs {
    pub fn guards(&self) -> Guards {
        Guards { quiet_hours: self.quiet_hours, stop_file: self.stop_file.clone(), budgets: None }
    }
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
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::RUNTIME);
        }
    };
    ExitCode::from(runtime.block_on(dispatch(cli.command)))
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).try_init();
}

pub async fn dispatch(cmd: Command) -> u8 {
    match cmd {
        Command::Check { suite } => check(&suite),
        Command::Run(args) => run(args).await,
        Command::Audit(args) => audit(args).await,
        Command::Demo { port, seed } => demo(port, seed).await,
        Command::Analyze { run, suite, fail_on } => analyze(&run, suite.as_deref(), fail_on, true),
        Command::Report { run, suite } => analyze(&run, suite.as_deref(), Severity::Critical, false),
        Command::History { out, suite, limit } => history(&out, suite.as_deref(), limit),
        Command::Diff { a, b, suite, fail_on } => diff(&a, &b, suite.as_deref(), fail_on),
    }
}

/// Loads a suite, printing diagnostics; None when it has errors.
pub fn load_suite(dir: &Path) -> Option<Suite> {
    let loaded = suite::load(dir);
    if !loaded.diagnostics.items.is_empty() {
        let choice = if std::io::stderr().is_terminal() { codespan_reporting::term::termcolor::ColorChoice::Auto } else { codespan_reporting::term::termcolor::ColorChoice::Never };
        let mut err = codespan_reporting::term::termcolor::StandardStream::stderr(choice);
        let _ = loaded.diagnostics.render(&loaded.sources, &mut err);
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

fn parse_headers(raw: &[String]) -> Result<Vec<(String, String)>, String> {
    raw.iter().map(|h| crate::suite::channel::parse_header(h).map_err(|e| format!("--header: {e}"))).collect()
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

async fn run(args: RunArgs) -> u8 {
    let extra_headers = match parse_headers(&args.headers) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let guards = args.guards.guards();
    if !args.dry_run {
        if let Some(halt) = guards.halt_now() {
            eprintln!("error: not starting: {halt}; nothing was sent\n  help: wait, remove the stop file, or change --quiet-hours");
            return exit::RUNTIME;
        }
    }
    let Some(suite) = load_suite(&args.suite) else { return exit::INVALID_SUITE };
    let suite = Arc::new(suite);
    // No target: serve the embedded demo on a free loopback port.
    let mut demo = None;
    let target = match &args.target {
        Some(t) => t.clone(),
        None => match crate::demo::start(([127, 0, 0, 1], 0).into(), crate::demo::DemoConfig { seed: args.seed, ..Default::default() }).await {
            Ok(h) => {
                let url = h.url();
                eprintln!("touchpoint: no --target given; started the embedded demo contact centre at {url}");
                demo = Some(h);
                url
            }
            Err(e) => {
                eprintln!("error: cannot start the embedded demo: {e}");
                return exit::RUNTIME;
            }
        },
    };
    if args.dry_run {
        return dry_run(&suite, &args, &target);
    }
    let opts = RunOptions {
        out_dir: args.out.clone(),
        target: target.clone(),
        concurrency: args.concurrency as usize,
        repeat: args.repeat,
        seed: args.seed,
        only: args.only.clone(),
        resume: args.resume.clone(),
        quiet: args.quiet,
        extra_headers,
        guards,
    };
    let result = engine::run(suite.clone(), opts, stop_signal()).await;
    if let Some(d) = demo {
        d.shutdown().await;
    }
    let result = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::RUNTIME;
        }
    };
    eprintln!(
        "touchpoint: {} {} personas, {} exchanges, {} errors in {:.1}s{}",
        if result.interrupted { "interrupted after" } else { "ran" },
        result.walks,
        result.exchanges,
        result.errors,
        result.elapsed.as_secs_f64(),
        match &result.halt {
            Some(halt) => format!(" (stopped early: {halt}; continue with --resume {})", result.dir.display()),
            None if result.interrupted => " (stopped early)".to_string(),
            None => String::new(),
        }
    );
    derive(&result.dir, &suite, args.fail_on, true)
}

async fn audit(args: AuditArgs) -> u8 {
    let extra_headers = match parse_headers(&args.headers) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let schedule = match (args.every, args.interval) {
        (Some(cron), _) => cron,
        (None, Some(interval)) => crate::audit::schedule::Schedule::Every(interval),
        // clap requires one of them.
        (None, None) => return exit::USAGE,
    };
    let Some(suite) = load_suite(&args.suite) else { return exit::INVALID_SUITE };
    let suite = Arc::new(suite);
    let mut demo = None;
    let target = match &args.target {
        Some(t) => t.clone(),
        None => match crate::demo::start(([127, 0, 0, 1], 0).into(), crate::demo::DemoConfig { seed: args.seed, ..Default::default() }).await {
            Ok(h) => {
                let url = h.url();
                demo = Some(h);
                url
            }
            Err(e) => {
                eprintln!("error: cannot start the embedded demo: {e}");
                return exit::RUNTIME;
            }
        },
    };
    let options = crate::audit::AuditOptions {
        run: RunOptions {
            out_dir: args.out,
            target,
            concurrency: args.concurrency as usize,
            repeat: args.repeat,
            seed: args.seed,
            only: args.only,
            resume: None,
            quiet: true,
            extra_headers,
            guards: args.guards.guards(),
        },
        schedule,
        keep: args.keep.map(|k| k as usize),
        alert_webhook: args.alert_webhook,
        report_url: args.report_url,
        max_runs: args.max_runs,
        fail_on: args.fail_on,
    };
    let result = crate::audit::run(suite, options, stop_signal(), &crate::audit::EventLog::stdout()).await;
    if let Some(d) = demo {
        d.shutdown().await;
    }
    match result {
        Ok(_) => exit::OK,
        Err(e) => {
            eprintln!("error: {e}");
            exit::RUNTIME
        }
    }
}

/// Analyses the run in `dir` and writes its derived files; prints the summary.
fn derive(dir: &Path, suite: &Suite, fail_on: Severity, summary: bool) -> u8 {
    let options = AnalyzeOptions { fail_on, ..Default::default() };
    match crate::artifacts::write_all(dir, suite, &options) {
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
            if w.verdict.worst_at_or_above(fail_on) {
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

fn analyze(dir: &Path, suite: Option<&Path>, fail_on: Severity, summary: bool) -> u8 {
    let header = match crate::record::read_run(dir) {
        Ok(r) => r.header,
        Err(e) => {
            eprintln!("error: {e}\n  help: pass a run folder such as reports/<run-id>");
            return exit::RUNTIME;
        }
    };
    let suite_dir = suite.map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from(&header.suite));
    let Some(suite) = load_suite(&suite_dir) else { return exit::INVALID_SUITE };
    if suite.digest != header.suite_digest {
        eprintln!("touchpoint: note: the suite changed since this run was recorded; analysing against the suite as it is now");
    }
    let code = derive(dir, &suite, fail_on, summary);
    if !summary && code == exit::FINDINGS {
        // `report` renders; it does not judge.
        return exit::OK;
    }
    code
}

/// `touchpoint history`: the runs indexed in `out`, as a table on stdout.
fn history(out: &Path, suite: Option<&str>, limit: usize) -> u8 {
    match crate::history::list(out, suite, limit) {
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
fn diff(a: &Path, b: &Path, suite: Option<&Path>, fail_on: Severity) -> u8 {
    use crate::history::{diff, diff_report};
    let suite = match suite {
        Some(dir) => match load_suite(dir) {
            Some(s) => Some(s),
            None => return exit::INVALID_SUITE,
        },
        None => None,
    };
    let verdicts = diff_report::load_verdict(a, suite.as_ref(), fail_on).and_then(|va| Ok((va, diff_report::load_verdict(b, suite.as_ref(), fail_on)?)));
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

fn dry_run(suite: &Suite, args: &RunArgs, target: &str) -> u8 {
    let walks = crate::plan::plan(suite, &crate::plan::PlanOptions { seed: args.seed, repeat: args.repeat, only: args.only.clone() });
    let redactor = crate::redact::Redactor::from_env(suite.env_names.iter());
    let env = crate::template::environment();
    println!("# dry run: {} walks against {target}; nothing is sent", walks.len());
    for walk in &walks {
        println!("\n## {}", walk.task.key());
        for step in &walk.steps {
            let Some(channel) = suite.channels.get(&step.channel) else { continue };
            let persona = suite.persona(&walk.task.persona).map(engine::persona_value).unwrap_or_default();
            let ctx = minijinja::Value::from_serialize(serde_json::json!({"persona": persona, "target": target, "env": {}}));
            let message = crate::template::render(&env, &step.message, &ctx).unwrap_or_else(|e| e);
            println!("step {} [{}] on {}: {:?}", step.index + 1, step.stage.as_deref().unwrap_or("-"), step.channel, redactor.redact(&message));
            for spec in channel.open.iter().chain(channel.send.as_slice()) {
                let url = crate::template::render(&env, &format!("{}{}", channel.base_url, spec.url), &ctx).unwrap_or_else(|_| spec.url.clone());
                println!("  {} {}", spec.method.to_ascii_uppercase(), redactor.redact(&url));
            }
        }
    }
    exit::OK
}
