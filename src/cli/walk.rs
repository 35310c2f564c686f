//! The commands that send: `run` (once) and `audit` (on a schedule).

use super::args::{AuditArgs, RunArgs};
use super::{exit, load_suite, offline, stop_signal};
use crate::demo::DemoHandle;
use crate::engine;
use std::sync::Arc;

/// "1 exchange", "3 exchanges".
fn count(n: u64, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// The target URL: `--target`, or the embedded demo started on a free loopback port.
async fn target(given: &Option<String>, seed: u64, announce: bool) -> Result<(String, Option<DemoHandle>), u8> {
    if let Some(t) = given {
        return Ok((t.clone(), None));
    }
    match crate::demo::start(([127, 0, 0, 1], 0).into(), crate::demo::DemoConfig { seed, ..Default::default() }).await {
        Ok(h) => {
            let url = h.url();
            if announce {
                eprintln!("touchpoint: no --target given; started the embedded demo contact centre at {url}");
            }
            Ok((url, Some(h)))
        }
        Err(e) => {
            eprintln!("error: cannot start the embedded demo: {e}");
            Err(exit::RUNTIME)
        }
    }
}

pub async fn run(args: RunArgs) -> u8 {
    let w = &args.walk;
    let guards = w.guards.guards();
    if !args.dry_run {
        if let Some(halt) = guards.halt_now() {
            eprintln!("error: not starting: {halt}; nothing was sent\n  help: wait, remove the stop file, or change --quiet-hours");
            return exit::RUNTIME;
        }
    }
    // More walks at once than requests in flight: most of them wait, and
    // memory per waiting walk bounds the run. Freed pages go back at once
    // from the suite's loading to the end of the run's analysis
    // (`memory.rs`): what the engine freed is not kept beside what the
    // analysis allocates (10,000 waiting personas: process peak 97-100 ->
    // 95 MB). `touchpoint analyze` of a large record keeps mimalloc's delay
    // (at once, a 1M analysis cost +5 s of system time).
    let purge =
        crate::memory::PurgeAtOnce::when(!args.dry_run && args.concurrency > engine::http::MAX_IN_FLIGHT as u64);
    let Some(suite) = load_suite(&w.suite) else { return exit::INVALID_SUITE };
    let suite = Arc::new(suite);
    let (target, demo) = match target(&w.target, w.seed, true).await {
        Ok(t) => t,
        Err(code) => return code,
    };
    if args.dry_run {
        return super::dry_run::dry_run(&suite, &args, &target);
    }
    let opts = match w.run_options(target, args.concurrency, args.quiet, args.resume.clone()) {
        Ok(o) => crate::engine::RunOptions { shard: args.shard, group: args.group.clone(), ..o },
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
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
        "touchpoint: {} {}, {}, {} in {:.1}s{}",
        if result.interrupted { "interrupted after" } else { "ran" },
        count(result.walks as u64, "persona walk"),
        count(result.exchanges, "exchange"),
        count(result.errors, "error"),
        result.elapsed.as_secs_f64(),
        match &result.halt {
            Some(halt) => format!(" (stopped early: {halt}; continue with --resume {})", result.dir.display()),
            None if result.interrupted => " (stopped early)".to_string(),
            None => String::new(),
        }
    );
    if let Some(shard) = result.shard {
        // A shard is part of a run: it is judged once merged, not alone.
        eprintln!(
            "touchpoint: shard {shard} of run group {} recorded in {}\n  next: touchpoint merge {} --group {} (once every shard has finished)",
            result.group.as_deref().unwrap_or("-"),
            result.dir.display(),
            w.out.display(),
            result.group.as_deref().unwrap_or("-"),
        );
        return if result.interrupted || !result.internal.is_empty() { exit::RUNTIME } else { exit::OK };
    }
    // The engine's freed memory goes back first: the analysis must not stack on top of it.
    crate::memory::release().await;
    // Analysis, history and rendering are blocking work: off the runtime's workers.
    let (dir, fail_on, history) = (result.dir.clone(), w.fail_on, w.history.location());
    let code = match tokio::task::spawn_blocking(move || {
        crate::memory::collect();
        offline::derive(&dir, &suite, fail_on, true, &history)
    })
    .await
    {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: analysing the run failed: {e}");
            exit::RUNTIME
        }
    };
    drop(purge);
    if !result.internal.is_empty() {
        // The verdict covers only what was recorded: never a pass.
        for e in &result.internal {
            eprintln!("error: internal error: {e}");
        }
        eprintln!(
            "error: touchpoint failed on {} walk(s); the run is not complete (please report this bug)",
            result.internal.len()
        );
        return exit::RUNTIME;
    }
    code
}

pub async fn audit(args: AuditArgs) -> u8 {
    let w = &args.walk;
    let schedule = match (args.every, args.interval) {
        (Some(cron), _) => cron,
        (None, Some(interval)) => crate::audit::schedule::Schedule::Every(interval),
        // clap requires one of them.
        (None, None) => return exit::USAGE,
    };
    let Some(suite) = load_suite(&w.suite) else { return exit::INVALID_SUITE };
    let suite = Arc::new(suite);
    let (target, demo) = match target(&w.target, w.seed, false).await {
        Ok(t) => t,
        Err(code) => return code,
    };
    let run = match w.run_options(target, args.concurrency, true, None) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let options = crate::audit::AuditOptions {
        run,
        schedule,
        keep: args.keep.map(|k| k as usize),
        alert_webhook: args.alert_webhook,
        report_url: args.report_url,
        max_runs: args.max_runs,
        fail_on: w.fail_on,
        history: w.history.location(),
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
