//! The webhook receiver under load, for `scripts/bench/webhook.sh` (see
//! BENCHMARKS.md): the run's own receiver (`engine::webhook::Hub`) with
//! `--conversations` registered conversations (unsigned callbacks): the
//! receiver parses and normalises each callback into one JSON object, and
//! each inbox is drained as a waiting step drains it — the reply selected
//! with JSONPath — on a runtime built like the CLI's.
//!
//! ```sh
//! cargo run --release --example webhook_receiver -- --conversations 256 --seconds 10 --paths /tmp/hooks.txt
//! ```
//!
//! Writes the conversations' paths (`/hook/<token>`, one a line) to
//! `--paths`, prints `listening on http://127.0.0.1:PORT`, and after
//! `--seconds` prints one line of `key=value` pairs: `callbacks` handled
//! (normalised and read), `replies` found, `seconds` from the first callback
//! to the last, `cps` (callbacks handled per second), `full` (answered 429:
//! an inbox was full), `cpu_s` (the process's user + system CPU seconds).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use touchpoint::engine::webhook::{Guard, Hub, Listen};
use touchpoint::extract::{extract_all, Source};
use touchpoint::suite::channel::Extractor;

struct Options {
    conversations: usize,
    seconds: u64,
    paths: std::path::PathBuf,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options { conversations: 256, seconds: 10, paths: "hooks.txt".into() };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--conversations" => o.conversations = value()?.parse().map_err(|e| format!("--conversations: {e}"))?,
            "--seconds" => o.seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--paths" => o.paths = value()?.into(),
            other => return Err(format!("unknown flag {other}; flags: --conversations N --seconds N --paths FILE")),
        }
    }
    Ok(o)
}

/// Counts and the first and last time a callback was handled.
#[derive(Default)]
struct Tally {
    callbacks: AtomicU64,
    replies: AtomicU64,
    span: Mutex<Option<(Instant, Instant)>>,
}

fn main() {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("webhook_receiver: {e}");
            std::process::exit(1);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    runtime.block_on(serve(opts));
}

async fn serve(opts: Options) {
    let hub = Hub::start(&Listen::default()).await.expect("bind 127.0.0.1:0");
    let tally = Arc::new(Tally::default());
    // What a chat channel's `reply` selects from a callback (a one-item list).
    let reply = Extractor::JsonPath("$[?@.type == 'message'].text".into());
    let mut paths = String::new();
    let guard = Arc::new(Guard { channel: "chat".into(), ..Guard::default() });
    for _ in 0..opts.conversations {
        let (url, mut inbox) = hub.register(guard.clone());
        paths.push_str(&url[url.find("/hook/").unwrap_or(0)..]);
        paths.push('\n');
        let (tally, reply) = (tally.clone(), reply.clone());
        tokio::spawn(async move {
            while let Some(cb) = inbox.recv().await {
                let Ok(value) = cb.value else { continue };
                let one = serde_json::Value::Array(vec![value]);
                let headers = touchpoint::extract::Received::List(cb.headers.iter().cloned().collect());
                let src = Source { body: &cb.body, json: Some(&one), headers: &headers, hash: None };
                if extract_all(&reply, &src).is_ok_and(|found| !found.is_empty()) {
                    tally.replies.fetch_add(1, Ordering::Relaxed);
                }
                tally.callbacks.fetch_add(1, Ordering::Relaxed);
                let now = Instant::now();
                if let Ok(mut span) = tally.span.lock() {
                    *span = Some(span.map_or((cb.at, now), |(first, _)| (first, now)));
                }
            }
        });
    }
    std::fs::write(&opts.paths, paths).expect("write --paths");
    println!("listening on http://{}", hub.local_addr());
    tokio::time::sleep(Duration::from_secs(opts.seconds)).await;
    let callbacks = tally.callbacks.load(Ordering::Relaxed);
    let seconds = tally.span.lock().ok().and_then(|s| *s).map_or(0.0, |(a, b)| (b - a).as_secs_f64());
    println!(
        "callbacks={callbacks} replies={} seconds={seconds:.3} cps={:.0} full={} cpu_s={:.2}",
        tally.replies.load(Ordering::Relaxed),
        callbacks as f64 / seconds.max(1e-9),
        hub.refused_full(),
        cpu_seconds()
    );
    hub.shutdown().await;
}

/// User + system CPU seconds of this process so far (Linux `/proc`; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // Fields after the command name (which may hold spaces) start at ") ".
    let Some(rest) = stat.rsplit_once(") ").map(|(_, r)| r) else { return 0.0 };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0
}
