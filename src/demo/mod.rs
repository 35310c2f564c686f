//! The embedded demo contact centre: "Acme Broadband", a small fictional
//! company served in-process, so `touchpoint run` works on a fresh machine
//! and tests can start a real target on `127.0.0.1:0`.
//!
//! - [`knowledge`]: what the agents know, per-channel wording, and the three
//!   planted inconsistencies touchpoint should find.
//! - `chat`: asynchronous chat API (open, post, poll events).
//! - `email`: inbound POST, a polled mailbox and loopback webhooks;
//!   `letter` writes the replies (greeting, signature, quoted original).
//! - `web`: the HTML help centre and its JSON search.
//! - `seed`: delays, ids and references derived from the seed and what they
//!   belong to, never from arrival order, so concurrent runs are repeatable.
//! - `store`: bounded maps and feeds, so a long-running demo cannot grow
//!   without limit.
//!
//! Invariant: handlers never panic on input; bad requests get a 4xx with a
//! JSON `{"error": …}` body (HTML for help-centre pages).

mod api;
mod chat;
mod email;
pub mod knowledge;
mod letter;
mod seed;
mod store;
mod web;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use knowledge::{topics, Channel, Topic, UnknownName};

/// Largest request body accepted: real customers do not send megabytes.
const MAX_BODY_BYTES: usize = 64 * 1024;
/// How long a webhook delivery may take before it is abandoned.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(5);

/// How the demo behaves.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// Fixes every delay, id, case reference and agent name.
    pub seed: u64,
    /// Multiplies every delay; 1.0 = realistic demo timings.
    pub time_scale: f64,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self { seed: 42, time_scale: 1.0 }
    }
}

/// A running demo server. Dropping it stops the server too, without waiting.
pub struct DemoHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    /// Sending `true` (or dropping) stops the server and pending replies.
    stop: watch::Sender<bool>,
    server: JoinHandle<()>,
}

/// Binds `addr` (port 0 picks a free port), starts serving in the background
/// and returns at once.
pub async fn start(addr: SocketAddr, config: DemoConfig) -> std::io::Result<DemoHandle> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = watch::channel(false);
    let shared = Arc::new(Shared::new(config, stopped.clone())?);
    let app = router(Arc::clone(&shared));
    let server = tokio::spawn(async move {
        let mut stopped = stopped;
        let shutdown = async move {
            // An error means the handle was dropped: stop as well.
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        if let Err(err) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
            tracing::error!(%err, "demo server failed");
        }
    });
    tracing::info!(%addr, "demo contact centre listening");
    Ok(DemoHandle { addr, shared, stop, server })
}

impl DemoHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, e.g. `http://127.0.0.1:49152` (a wildcard bind is
    /// reached through loopback).
    pub fn url(&self) -> String {
        let mut addr = self.addr;
        match addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => addr.set_ip(Ipv4Addr::LOCALHOST.into()),
            IpAddr::V6(ip) if ip.is_unspecified() => addr.set_ip(Ipv6Addr::LOCALHOST.into()),
            _ => {}
        }
        format!("http://{addr}")
    }

    /// Replace what one channel says on one topic (used by tests to change an
    /// answer between runs, or inject hostile text). `channel` is `"chat"`,
    /// `"email"` or `"web"`; `topic` is a [`Topic`] slug such as `"refunds"`.
    ///
    /// # Panics
    /// On an unknown channel or topic name; see [`DemoHandle::try_set_answer`].
    pub fn set_answer(&self, channel: &str, topic: &str, text: &str) {
        if let Err(err) = self.try_set_answer(channel, topic, text) {
            panic!("DemoHandle::set_answer: {err}");
        }
    }

    /// [`DemoHandle::set_answer`], reporting unknown names instead of panicking.
    pub fn try_set_answer(&self, channel: &str, topic: &str, text: &str) -> Result<(), UnknownName> {
        self.shared.answers.set(channel.parse()?, topic.parse()?, text);
        Ok(())
    }

    /// Stops accepting connections, lets in-flight requests finish, and
    /// cancels replies not yet sent.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(err) = self.server.await {
            tracing::error!(%err, "demo server task failed");
        }
    }
}

impl std::fmt::Debug for DemoHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoHandle")
            .field("addr", &self.addr)
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

/// State shared by every handler and background reply.
struct Shared {
    config: DemoConfig,
    answers: knowledge::Answers,
    chat: Mutex<chat::Conversations>,
    email: Mutex<email::PostOffice>,
    site: web::Site,
    /// Delivers email webhooks.
    http: reqwest::Client,
    /// Becomes `true` (or closes) on shutdown; pending replies give up.
    stopped: watch::Receiver<bool>,
}

impl Shared {
    fn new(config: DemoConfig, stopped: watch::Receiver<bool>) -> std::io::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(WEBHOOK_TIMEOUT)
            // Webhooks only go to loopback: never route them through a proxy.
            .no_proxy()
            .build()
            .map_err(std::io::Error::other)?;
        Ok(Self {
            config,
            answers: knowledge::Answers::default(),
            chat: Mutex::default(),
            email: Mutex::default(),
            site: web::Site::new().map_err(std::io::Error::other)?,
            http,
            stopped,
        })
    }

    /// A nominal delay scaled by `time_scale` (treated as 1.0 if not a
    /// finite non-negative number).
    fn delay(&self, millis: u64) -> Duration {
        let scale = self.config.time_scale;
        let scale = if scale.is_finite() && scale >= 0.0 { scale.min(1_000.0) } else { 1.0 };
        Duration::from_secs_f64(millis as f64 / 1_000.0 * scale)
    }

    /// Sleeps for `duration`; `false` if the demo is shutting down instead.
    async fn pause(&self, duration: Duration) -> bool {
        self.pause_until(tokio::time::Instant::now() + duration).await
    }

    /// Sleeps until `deadline`; `false` if the demo is shutting down instead.
    async fn pause_until(&self, deadline: tokio::time::Instant) -> bool {
        let mut stopped = self.stopped.clone();
        tokio::select! {
            () = tokio::time::sleep_until(deadline) => true,
            _ = stopped.wait_for(|stop| *stop) => false,
        }
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(chat::routes())
        .merge(email::routes())
        .merge(web::routes())
        .fallback(|| async { api::ApiError::not_found("no such endpoint") })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(shared)
}

/// Locks `mutex`, carrying on if another task panicked while holding it:
/// the stores stay consistent between statements, so the data is usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Now, as RFC 3339 with milliseconds in UTC.
fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
