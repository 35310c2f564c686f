//! A tiny peer for the throughput and memory benchmarks (see BENCHMARKS.md):
//! a loopback HTTP server with its own tokio runtime, run as its own process
//! so the load generator (wrk or touchpoint) never shares its scheduler.
//!
//! ```sh
//! cargo run --release --example static_server -- --port 0 --threads 1 --reply-after 20s
//! ```
//!
//! Routes:
//! - any method on `/answer`: `{"answer":"Refunds within 30 days."}` — the
//!   fixed reply both wrk and touchpoint hammer;
//! - `POST /chat`: `{"answer":"Refunds within 30 days."}` and `GET
//!   /help/refunds`: a 4 KB help-centre page (`article.answer`) — the perf
//!   mix of `scripts/bench/peers.sh`, 1:1;
//! - `POST /slow/messages`: `{"conversation":"<ms since server start>"}`;
//! - `GET /slow/events/{conversation}`: `{"events":[],"next":0}` until
//!   `--reply-after` has passed since that message, then one agent message.
//!   Stateless (the conversation id is the send time), so 10,000 waiting
//!   personas cost the server nothing but their sockets.
//!
//! Prints `listening on http://127.0.0.1:PORT` on stdout once it accepts.

use axum::extract::{Path, State};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Options {
    port: u16,
    threads: usize,
    reply_after: Duration,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options { port: 0, threads: 1, reply_after: Duration::from_secs(20) };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => o.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--threads" => o.threads = value()?.parse().map_err(|e| format!("--threads: {e}"))?,
            "--reply-after" => {
                o.reply_after = humantime::parse_duration(&value()?).map_err(|e| format!("--reply-after: {e}"))?
            }
            other => return Err(format!("unknown flag {other}; flags: --port N --threads N --reply-after 20s")),
        }
    }
    Ok(o)
}

struct Clock {
    start: Instant,
    reply_after: Duration,
}

fn main() {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("static_server: {e}");
            std::process::exit(1);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(opts.threads.max(1))
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(serve(opts));
}

async fn serve(opts: Options) {
    let clock = Arc::new(Clock { start: Instant::now(), reply_after: opts.reply_after });
    let app = Router::new()
        .route("/answer", any(|| async { Json(json!({"answer": "Refunds within 30 days."})) }))
        .route("/chat", post(|| async { Json(json!({"answer": "Refunds within 30 days."})) }))
        .route("/help/refunds", get(|| async { axum::response::Html(help_page()) }))
        .route("/slow/messages", post(slow_message))
        .route("/slow/events/:conversation", get(slow_events))
        .with_state(clock);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port)).await.expect("bind 127.0.0.1");
    println!("listening on http://{}", listener.local_addr().expect("local addr"));
    axum::serve(listener, app).await.expect("serve");
}

async fn slow_message(State(clock): State<Arc<Clock>>) -> Json<Value> {
    Json(json!({"conversation": clock.start.elapsed().as_millis().to_string()}))
}

async fn slow_events(State(clock): State<Arc<Clock>>, Path(conversation): Path<String>) -> Json<Value> {
    let sent = Duration::from_millis(conversation.parse().unwrap_or(0));
    if clock.start.elapsed() < sent + clock.reply_after {
        return Json(json!({"events": [], "next": 0}));
    }
    Json(json!({
        "events": [{"type": "message", "role": "agent", "text": "Sorry for the wait: refunds are accepted within 30 days."}],
        "next": 1
    }))
}

/// A help-centre article of about 4 KB: navigation, the answer, a footer.
fn help_page() -> &'static str {
    static PAGE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PAGE.get_or_init(|| {
        let nav: String =
            (1..=40).map(|i| format!("<li><a href=\"/help/topic-{i}\">Help topic {i}</a></li>")).collect();
        format!(
            "<!doctype html><html><head><title>Refunds</title></head><body><nav><ul>{nav}</ul></nav>\
             <main><h1>Returning your router</h1><article class=\"answer\"><p>You can return your router \
             within 30 days of delivery for a full refund.</p><p>Call 0800 123 4567 to arrange a collection.</p>\
             </article></main><footer>Acme Broadband, 1 High Street</footer></body></html>"
        )
    })
}
