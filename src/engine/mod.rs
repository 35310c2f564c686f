//! The engine: walks every planned persona through its steps over the real
//! channels, concurrently, and records each exchange as it completes. The
//! only async part of touchpoint besides the demo server.
//!
//! Invariants: a fault from the target (status, timeout, garbage) is recorded
//! on its step and never ends the run; every completed exchange is on disk
//! before the next one is counted; a stop (Ctrl-C, SIGTERM) finishes the file.

pub mod budget;
pub mod clients;
pub mod clock;
pub mod conversation;
pub mod extract;
pub mod fault;
pub mod guard;
pub mod headers;
mod holding;
pub mod http;
pub mod lanes;
pub mod packed;
pub mod polling;
pub mod polls;
pub mod pool;
pub mod prepare;
pub mod progress;
pub mod ratelimit;
mod reading;
pub mod request;
pub mod resume;
pub mod sse;
pub mod stream;
pub mod walk;
pub mod webhook;
pub mod websocket;

use crate::plan::{self, PlanOptions, Walk};
use crate::record::{self, End, EndStatus, Header, Record, RecordWriter};
use crate::redact::Redactor;
use crate::suite::channel::ReceiveMode;
use crate::suite::duration::{parse_rate, parse_size};
use crate::suite::Suite;
use clock::Clock;
use progress::Progress;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Everything a run needs to know; built by the CLI from flags.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Where `<run-id>/` folders go (`reports/`).
    pub out_dir: PathBuf,
    /// The base URL under test, `{{ target }}` in templates.
    pub target: String,
    pub concurrency: usize,
    pub repeat: u32,
    pub seed: u64,
    pub only: Option<String>,
    /// Continue this earlier run: re-send only steps it never recorded.
    pub resume: Option<PathBuf>,
    /// No progress bar or log lines.
    pub quiet: bool,
    /// Extra headers on every request (marks test traffic), after the
    /// suite's `test_header`; a name given twice keeps the last value.
    pub extra_headers: Vec<(String, String)>,
    /// Quiet hours, stop file and request budgets.
    pub guards: guard::Guards,
    /// Where the webhook receiver listens and the URL targets are given
    /// (`--webhook-listen`, `--webhook-url`).
    pub webhook_listen: webhook::Listen,
    /// A receiver to use instead of starting one (an audit's, shared by its runs).
    pub webhook: Option<webhook::Hub>,
    /// Walk only this shard of the plan (`--shard I/N`).
    pub shard: Option<crate::shard::Shard>,
    /// The sharded run's id (`--group`); derived from the plan when None.
    pub group: Option<String>,
}

/// What a finished run left behind.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub run_id: String,
    pub dir: PathBuf,
    pub walks: usize,
    pub exchanges: u64,
    pub errors: u64,
    pub interrupted: bool,
    /// Why the run stopped early, when it did.
    pub halt: Option<guard::Halt>,
    /// Internal errors (a walk that panicked): the run is not complete, and
    /// the command must fail (exit 3) rather than pass having checked less.
    pub internal: Vec<String>,
    pub elapsed: Duration,
    /// The shard this run walked, and its group's id (`--shard`).
    pub shard: Option<crate::shard::Shard>,
    pub group: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("cannot write the run record in {path}: {source}; check the folder is writable or pass --out")]
    Io { path: String, source: std::io::Error },
    #[error("cannot resume: {0}")]
    Resume(String),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// State shared by every walk of a run.
pub struct Shared {
    pub suite: Arc<Suite>,
    pub clock: Clock,
    pub templates: minijinja::Environment<'static>,
    /// Templated JSONPath (reply filters), rendered with every value escaped
    /// as a JSONPath string literal.
    pub jsonpath_templates: minijinja::Environment<'static>,
    pub senders: BTreeMap<String, http::Sender>,
    /// The channel configurations, shared by every conversation (not copied per persona).
    pub channels: BTreeMap<String, Arc<crate::suite::Channel>>,
    pub redactor: Redactor,
    pub writer: RecordWriter,
    pub webhook: Option<webhook::Hub>,
    /// Per webhook channel: how its callbacks are read, verified and recorded when late.
    pub hooks: BTreeMap<String, Arc<webhook::Guard>>,
    /// Becomes true when the run must stop (Ctrl-C, SIGTERM, stop file, quiet hours).
    pub stop: watch::Receiver<bool>,
    /// Counts exchanges once the writer has them (its commit hook).
    pub progress: Arc<Progress>,
    /// Template context common to every walk: env, target, run (converted once).
    pub base_context: crate::template::context::Base,
    /// Each persona as templates see it, converted once per run and shared
    /// by its walks (a sweep walks every persona once per question and channel).
    personas: std::collections::HashMap<String, minijinja::Value>,
    /// Per channel, the environment variables its templates read that are unset.
    unset_env: BTreeMap<String, String>,
    seq: AtomicU64,
    write_errors: AtomicU64,
}

impl Shared {
    /// "`ACME_TOKEN` is unset" when a template of `channel` reads an unset variable.
    pub fn unset_env(&self, channel: &str) -> Option<&str> {
        self.unset_env.get(channel).map(String::as_str)
    }

    /// The template layer of the persona `id` (`template::context::persona_layer`).
    pub fn persona_layer(&self, id: &str) -> Option<&minijinja::Value> {
        self.personas.get(id)
    }

    pub fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed)
    }

    /// Appends a record and returns once it is written; a failed write is
    /// counted and reported at the end rather than killing every persona
    /// mid-conversation.
    pub async fn record(&self, r: Record) {
        if let Err(e) = self.writer.append(r).await {
            self.write_errors.fetch_add(1, Ordering::Relaxed);
            tracing::error!("could not append to run.jsonl: {e}");
        }
    }

    /// Hands a walk's exchange to the writer without waiting for the write:
    /// the writer counts it (`progress`) once it is written.
    pub async fn hand_over(&self, x: Box<record::Exchange>) {
        if let Err(e) = self.writer.hand_over(x).await {
            self.write_errors.fetch_add(1, Ordering::Relaxed);
            tracing::error!("could not append to run.jsonl: {e}");
        }
    }
}

/// A sortable, readable run id: `20261125-173005-a1b2`.
pub fn new_run_id(seed: u64) -> String {
    let now = chrono::Utc::now();
    let salt = plan::stable_hash(&[&now.timestamp_nanos_opt().unwrap_or_default().to_string(), &seed.to_string()]);
    format!("{}-{:04x}", now.format("%Y%m%d-%H%M%S"), salt & 0xffff)
}

/// Runs the suite. `stop` turning true stops the run cleanly: steps in
/// flight are recorded as interrupted and the file is finished. The guards in
/// `opts` (quiet hours, stop file) flip the same signal.
pub async fn run(
    suite: Arc<Suite>,
    mut opts: RunOptions,
    stop: watch::Receiver<bool>,
) -> Result<RunResult, EngineError> {
    let clock = Clock::start();
    let resumed = match opts.resume.clone() {
        // Reading a long record is blocking work: off the runtime's workers.
        Some(path) => Some(
            tokio::task::spawn_blocking(move || resume::read(&path))
                .await
                .map_err(|e| EngineError::Resume(format!("reading the record failed: {e}")))??,
        ),
        None => None,
    };
    if let Some(r) = &resumed {
        // The budgets are those of the run being continued: what it sent
        // within each budget's window still counts (an audit's shared
        // budgets are never resumed).
        if opts.guards.budgets.is_none() {
            let budgets = budget::Budgets::from_suite(&suite);
            r.charge(&budgets);
            opts.guards.budgets = Some(Arc::new(budgets));
        }
        // The plan must be the one the interrupted run followed, whatever
        // flags were given this time.
        opts.seed = r.header.seed;
        opts.repeat = r.header.repeat;
        opts.only = r.header.only.clone();
        opts.shard = r.header.group.as_ref().and_then(|g| g.shard);
        opts.group = r.header.group.as_ref().map(|g| g.id.clone());
        if r.header.suite_digest != suite.digest {
            tracing::warn!("resuming {} with a suite that changed since it was recorded; steps are matched by walk and step number", r.header.run_id);
        }
    }
    let plan_options = PlanOptions { seed: opts.seed, repeat: opts.repeat, only: opts.only.clone() };
    let mut walks = plan::plan(&suite, &plan_options);
    let group = opts.shard.map(|shard| crate::record::RunGroup {
        id: opts
            .group
            .clone()
            .unwrap_or_else(|| crate::shard::default_group(&suite.digest, &plan_options, shard.count)),
        shard: Some(shard),
        merged_from: Vec::new(),
    });
    if let Some(shard) = opts.shard {
        walks = crate::shard::select(walks, shard);
    }

    // Resuming: the same run folder; steps already recorded are skipped.
    let (run_id, dir, done, first_seq) = match resumed {
        Some(r) => (r.header.run_id, r.dir, r.done, r.next_seq),
        None => {
            let id = new_run_id(opts.seed);
            (id.clone(), opts.out_dir.join(&id), BTreeMap::new(), 0)
        }
    };
    let resumed_from = opts.resume.is_some().then(|| run_id.clone());
    std::fs::create_dir_all(&dir).map_err(|source| EngineError::Io { path: dir.display().to_string(), source })?;
    let jsonl = dir.join("run.jsonl");
    let progress = Arc::new(Progress::new(walks.len() as u64, opts.quiet));
    let counter = progress.clone();
    let writer =
        RecordWriter::open_counted(&jsonl, Box::new(move |written, result| counter.committed(written, result)))
            .map_err(|source| EngineError::Io { path: jsonl.display().to_string(), source })?;

    let redactor = Redactor::from_env(suite.env_names.iter());
    let guard = guard::watch(&opts.guards, stop);
    let stop = guard.stop.clone();
    let lanes = lanes::count();
    let senders = build_senders(&suite, &opts, &stop, lanes)?;
    let needs_hook = suite.channels.values().any(|c| c.receive.mode == ReceiveMode::Webhook);
    // One receiver per run, or the audit's own shared by its runs; a run
    // shuts down only a receiver it started.
    let (webhook, own_hook) = match (&opts.webhook, needs_hook) {
        (_, false) => (None, false),
        (Some(hub), true) => (Some(hub.clone()), false),
        (None, true) => (
            Some(webhook::Hub::start(&opts.webhook_listen).await.map_err(|source| EngineError::Io {
                path: format!("the webhook listener on {}", opts.webhook_listen.addr),
                source,
            })?),
            true,
        ),
    };
    let (env, _) = crate::template::context::env_values(suite.env_names.iter());
    let base_map = crate::template::context::base(env, &opts.target, &run_id, opts.seed);
    let base_context = crate::template::context::Base::new(&base_map);

    let header = Header {
        schema: record::SCHEMA,
        run_id: run_id.clone(),
        suite: suite.root.display().to_string(),
        company: suite.map.name.clone(),
        suite_digest: suite.digest.clone(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        seed: opts.seed,
        started_at: chrono::Utc::now(),
        target: redactor.redact(&opts.target),
        concurrency: opts.concurrency,
        repeat: opts.repeat,
        planned_tasks: walks.len(),
        only: opts.only.clone(),
        resumed_from,
        group: group.clone(),
    };
    writer
        .append(Record::Header(header))
        .await
        .map_err(|source| EngineError::Io { path: jsonl.display().to_string(), source })?;

    let templates = crate::template::compiled(template_sources(&suite), opts.seed);
    let (late_sink, late_inbox) = webhook::late::channel();
    let hooks = suite
        .channels
        .iter()
        .filter(|(_, c)| c.receive.mode == ReceiveMode::Webhook)
        .map(|(name, c)| {
            let guard = webhook::Guard::new(name, c, &templates, &base_map, Some(late_sink.clone()));
            (name.clone(), Arc::new(guard))
        })
        .collect();
    drop(late_sink);
    let shared = Arc::new(Shared {
        suite: suite.clone(),
        clock,
        templates,
        jsonpath_templates: crate::template::compile_into(
            crate::template::jsonpath_environment(),
            jsonpath_sources(&suite),
        ),
        senders,
        channels: suite.channels.iter().map(|(k, c)| (k.clone(), Arc::new(c.clone()))).collect(),
        redactor,
        writer,
        webhook,
        hooks,
        stop: stop.clone(),
        progress,
        base_context,
        personas: suite
            .personas
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), crate::template::context::persona_in(&suite, i)))
            .collect(),
        unset_env: unset_env(&suite),
        seq: AtomicU64::new(first_seq),
        write_errors: AtomicU64::new(0),
    });

    let walk_count = walks.len();
    let late = webhook::late::Recorder::start(shared.clone(), late_inbox);
    let internal = drive(shared.clone(), walks, done, opts.concurrency, lanes).await;
    if let Some(hub) = shared.webhook.as_ref() {
        if hub.late() > 0 || hub.refused_full() > 0 {
            tracing::info!(
                late = hub.late(),
                refused_full = hub.refused_full(),
                "webhook callbacks after their conversation ended, or refused because an inbox was full"
            );
        }
        if own_hook {
            hub.shutdown().await;
        }
    }
    // Late callbacks are in the record before its end.
    late.finish().await;
    // Every exchange handed over is written and counted before the end record.
    if let Err(e) = shared.writer.flush().await {
        shared.write_errors.fetch_add(1, Ordering::Relaxed);
        tracing::error!("could not append to run.jsonl: {e}");
    }
    let errors = shared.progress.errors();
    // `seq` continues across a resume; this session recorded the difference.
    let recorded = shared.seq.load(Ordering::Relaxed) - first_seq;
    shared.progress.finish();
    let interrupted = *stop.borrow();
    let halt = if interrupted { guard.halted() } else { None };
    let end = End {
        finished_at: chrono::Utc::now(),
        status: if !internal.is_empty() {
            EndStatus::Failed
        } else if interrupted {
            EndStatus::Interrupted
        } else {
            EndStatus::Complete
        },
        internal: internal.clone(),
        exchanges: recorded,
        errors,
        t_end_us: clock.us(),
    };
    shared.record(Record::End(end)).await;
    let _ = shared.writer.sync().await;
    let lost = shared.write_errors.load(Ordering::Relaxed) + shared.progress.lost();
    if lost > 0 {
        return Err(EngineError::Io {
            path: jsonl.display().to_string(),
            source: std::io::Error::other(format!("{lost} records could not be written")),
        });
    }
    Ok(RunResult {
        run_id,
        dir,
        internal,
        walks: walk_count,
        exchanges: recorded,
        errors,
        interrupted,
        halt,
        elapsed: Duration::from_micros(clock.us()),
        shard: group.as_ref().and_then(|g| g.shard),
        group: group.map(|g| g.id),
    })
}

/// Runs every walk, at most `concurrency` at once (`pool.rs`: that many
/// long-lived tasks, each taking the next walk of the plan), on `lanes`
/// threads of their own (`lanes.rs`). A walk that
/// panics is a bug in touchpoint: the others go on, and it is returned as an
/// internal error (walk and message) so the run is not taken as complete.
async fn drive(
    shared: Arc<Shared>,
    walks: Vec<Walk>,
    done: BTreeMap<String, BTreeMap<usize, walk::DoneStep>>,
    concurrency: usize,
    lanes: usize,
) -> Vec<String> {
    let walks = Arc::new(walks);
    let done = Arc::new(done);
    let stopping = shared.clone();
    let (run_shared, run_walks) = (shared.clone(), walks.clone());
    let panics = lanes::run(
        lanes,
        concurrency,
        walks.len(),
        move || *stopping.stop.borrow(),
        move |i| {
            let (shared, walks, done) = (run_shared.clone(), run_walks.clone(), done.clone());
            async move {
                let walk = &walks[i];
                // Only a resumed run has steps done; a fresh one builds no key.
                let empty = BTreeMap::new();
                let done_steps = if done.is_empty() { &empty } else { done.get(&walk.task.key()).unwrap_or(&empty) };
                walk::run_walk(&shared, walk, done_steps).await;
                shared.progress.walk_done();
            }
        },
    )
    .await;
    panics
        .into_iter()
        .map(|(i, what)| {
            let walk = walks.get(i).map(|w| w.task.key()).unwrap_or_default();
            tracing::error!("internal error: the walk {walk} failed: {what}");
            format!("the walk {walk} failed inside touchpoint: {what}")
        })
        .collect()
}

/// The JSONPath extractions that are templates (reply filters on a thread id).
fn jsonpath_sources(suite: &Suite) -> Vec<String> {
    use crate::suite::channel::Extractor;
    let mut out = Vec::new();
    for ch in suite.channels.values() {
        let rx = &ch.receive;
        let extracts = [&rx.reply, &rx.text, &rx.cursor].into_iter().flatten().chain(rx.capture.values());
        let requests = ch.open.iter().chain(ch.send.as_slice()).chain(rx.request.iter());
        for ex in extracts.chain(requests.flat_map(|r| r.capture.values())) {
            if let Ok(Extractor::JsonPath(p)) = ex.resolve() {
                out.push(p);
            }
        }
    }
    out
}

/// Every template string a run renders, so each is compiled once.
/// (Templated JSONPath renders in its own environment: `jsonpath_sources`.)
pub fn template_sources(suite: &Suite) -> Vec<String> {
    let mut out: Vec<String> = suite.channels.values().flat_map(channel_templates).collect();
    out.extend(suite.map.questions.iter().flat_map(|q| q.asks.iter().cloned()));
    for sc in &suite.scenarios {
        out.extend(sc.steps.iter().flat_map(|st| st.say.iter().chain(st.subject.iter()).cloned()));
    }
    out
}

/// Every template string of one channel's requests.
pub fn channel_templates(ch: &crate::suite::Channel) -> Vec<String> {
    use crate::suite::channel::RequestSpec;
    fn json(v: &toml::Value, out: &mut Vec<String>) {
        match v {
            toml::Value::String(s) => out.push(s.clone()),
            toml::Value::Array(a) => a.iter().for_each(|x| json(x, out)),
            toml::Value::Table(t) => t.values().for_each(|x| json(x, out)),
            _ => {}
        }
    }
    fn request(r: &RequestSpec, out: &mut Vec<String>) {
        out.push(r.url.clone());
        out.extend(r.headers.values().cloned());
        out.extend(r.query.values().cloned());
        out.extend(r.body.iter().cloned());
        out.extend(r.form.iter().flat_map(|f| f.values().cloned()));
        out.extend(r.auth.iter().flat_map(|a| a.templates()).cloned());
        if let Some(j) = &r.json {
            json(j, out);
        }
    }
    let mut out = vec![ch.base_url.clone()];
    out.extend(ch.headers.values().cloned());
    out.extend(ch.auth.iter().flat_map(|a| a.templates()).cloned());
    out.extend(ch.receive.verify.iter().map(|v| v.secret.clone()));
    ch.open.iter().chain(ch.send.as_slice()).chain(ch.receive.request.iter()).for_each(|r| request(r, &mut out));
    out
}

/// Per channel, the environment variables its templates read that are unset
/// ("ACME_TOKEN, ACME_KEY"); channels missing none are left out.
fn unset_env(suite: &Suite) -> BTreeMap<String, String> {
    let env = crate::template::environment();
    suite
        .channels
        .iter()
        .filter_map(|(name, ch)| {
            let mut names = std::collections::BTreeSet::new();
            for source in channel_templates(ch) {
                if let Ok(vars) = crate::template::compile_check(&env, &source) {
                    names.extend(vars.env_names().into_iter().map(str::to_string));
                }
            }
            let missing: Vec<String> = names.into_iter().filter(|n| std::env::var(n).is_err()).collect();
            (!missing.is_empty()).then(|| (name.clone(), format!("`{}` is unset", missing.join("`, `"))))
        })
        .collect()
}

fn build_senders(
    suite: &Suite,
    opts: &RunOptions,
    stop: &watch::Receiver<bool>,
    lanes: usize,
) -> Result<BTreeMap<String, http::Sender>, EngineError> {
    let mut out = BTreeMap::new();
    let budgets = opts.guards.budgets.clone().unwrap_or_else(|| Arc::new(budget::Budgets::from_suite(suite)));
    let test_header = suite.map.test_header.as_deref().and_then(|h| crate::suite::channel::parse_header(h).ok());
    let mut clients = clients::Clients::new(lanes, opts.concurrency);
    for (name, ch) in &suite.channels {
        // Marks go with each request inside the channel's origin (never as
        // client defaults, which would follow a request to any host).
        let mut marks: Vec<(String, String)> = Vec::new();
        for (k, v) in test_header.iter().chain(&opts.extra_headers) {
            marks.retain(|(m, _)| !m.eq_ignore_ascii_case(k));
            marks.push((k.clone(), v.clone()));
        }
        // Shared with the other channels built the same way (`clients.rs`).
        let client = clients
            .get(clients::Settings { timeout: ch.timeout.or(Duration::from_secs(10)) })
            .map_err(|e| EngineError::Client(e.to_string()))?;
        let rate =
            ch.rate_limit.as_deref().and_then(|r| parse_rate(r).ok()).map(|(n, p)| ratelimit::RateLimit::new(n, p));
        out.insert(
            name.clone(),
            http::Sender {
                client,
                max_body: parse_size(&ch.max_body).unwrap_or(1 << 20) as usize,
                attempts: ch.retry.attempts.max(1),
                retry_on: ch.retry.on.clone(),
                backoff: ch.retry.backoff.or(Duration::from_millis(200)),
                rate,
                budget: budgets.get(name),
                stop: stop.clone(),
                // The cap split between the lanes: their connections add up to it.
                in_flight: lanes::PerLane::with(lanes, || {
                    tokio::sync::Semaphore::new(opts.concurrency.clamp(1, http::MAX_IN_FLIGHT).div_ceil(lanes))
                }),
                mark_headers: request::header_map(&marks),
                marks,
            },
        );
    }
    Ok(out)
}
