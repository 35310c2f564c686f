//! The flags of `run` and `audit`: what they share is declared once.

use crate::engine::guard::{Guards, QuietHours};
use crate::verdict::Severity;
use std::path::PathBuf;

use super::DEFAULT_SUITE;

/// What every command that walks personas needs: which suite, against what, how.
#[derive(clap::Args, Debug, Clone)]
pub struct WalkArgs {
    /// The suite folder.
    #[arg(default_value = DEFAULT_SUITE)]
    pub suite: PathBuf,
    /// Base URL of the system under test (`{{ target }}` in channels.toml). Default: the embedded demo.
    #[arg(long, env = "TOUCHPOINT_TARGET")]
    pub target: Option<String>,
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
    /// Exit 4 (and fail the JUnit checks) when a finding is at or above this severity
    /// (critical, high, medium, low, info).
    #[arg(long, default_value = "high")]
    pub fail_on: Severity,
    /// Header marking test traffic, `Name: value`; repeatable. Added to the suite's `test_header`.
    #[arg(long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    #[command(flatten)]
    pub guards: GuardArgs,
    #[command(flatten)]
    pub history: HistoryArgs,
}

/// Where runs are indexed: shared by every command that writes or reads the history.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct HistoryArgs {
    /// Keep the run history in PostgreSQL (`postgres://user:password@host/db`), shared by many machines,
    /// instead of history.sqlite in the reports folder.
    #[arg(long = "history", value_name = "URL", env = "TOUCHPOINT_HISTORY_URL", hide_env_values = true)]
    pub location: Option<crate::history::Location>,
}

impl HistoryArgs {
    pub fn location(&self) -> crate::history::Location {
        self.location.clone().unwrap_or_default()
    }
}

#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// How many personas walk at once.
    #[arg(long, short = 'c', default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub concurrency: u64,
    /// Print the requests the first step of each walk would send (secrets masked), send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// No progress bar or progress lines.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Continue an interrupted run (its folder): re-send only steps it never recorded.
    #[arg(long, value_name = "RUN_DIR")]
    pub resume: Option<PathBuf>,
    /// Walk only shard I of N (0-based, e.g. `$JOB_COMPLETION_INDEX/4`): the plan is cut the same way on
    /// every machine. The shard's run folder is joined to the others by `touchpoint merge`.
    #[arg(long, value_name = "I/N", env = "TOUCHPOINT_SHARD")]
    pub shard: Option<crate::shard::Shard>,
    /// Names the sharded run (every shard gives the same; the merged run's id). Default: derived from
    /// the suite, seed, --repeat, --only and N.
    #[arg(long, value_name = "ID", env = "TOUCHPOINT_RUN_GROUP", value_parser = crate::shard::parse_group, requires = "shard")]
    pub group: Option<String>,
    #[command(flatten)]
    pub walk: WalkArgs,
}

#[derive(clap::Args, Debug, Clone)]
#[command(group(clap::ArgGroup::new("when").required(true).args(["every", "interval"])))]
pub struct AuditArgs {
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
    /// How many personas walk at once.
    #[arg(long, short = 'c', default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub concurrency: u64,
    #[command(flatten)]
    pub walk: WalkArgs,
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

impl WalkArgs {
    /// The engine's options for these flags. Err names the bad `--header`.
    pub fn run_options(
        &self,
        target: String,
        concurrency: u64,
        quiet: bool,
        resume: Option<PathBuf>,
    ) -> Result<crate::engine::RunOptions, String> {
        let extra_headers = self
            .headers
            .iter()
            .map(|h| crate::suite::channel::parse_header(h).map_err(|e| format!("--header: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(crate::engine::RunOptions {
            out_dir: self.out.clone(),
            target,
            concurrency: concurrency as usize,
            repeat: self.repeat,
            seed: self.seed,
            only: self.only.clone(),
            resume,
            quiet,
            extra_headers,
            guards: self.guards.guards(),
            shard: None,
            group: None,
        })
    }
}
