//! The webhook receiver: one HTTP listener per run (or per audit, shared by
//! its runs) that the target calls back with replies. Each conversation gets
//! its own URL, `/hook/<token>`, with a 128-bit random token, so a callback
//! is correlated by where it arrives before any filter runs, and nobody can
//! guess another conversation's URL.
//!
//! - **Bounded**: each conversation's inbox holds [`INBOX`] callbacks; a
//!   target that floods it is answered 429 (it retries later), and bodies
//!   over [`MAX_CALLBACK`] are refused.
//! - **Late callbacks** (the conversation is over) are answered 200, so the
//!   provider does not retry, counted, and handed to the run that registered
//!   the conversation to be recorded (`late.rs`); a token never issued is 404.
//! - **Shapes**: JSON, form and multipart bodies read alike (`parse.rs`);
//!   **signatures** checked before anything is queued (`verify.rs`): a
//!   missing one is answered 401, a wrong one 403, and either is passed on
//!   marked, to be recorded and never read as a reply.
//! - **Shutdown** is graceful: [`Hub::shutdown`] stops accepting, lets
//!   callbacks in flight finish, and frees the port.

pub mod late;
pub mod parse;
pub mod record;
pub mod verify;

use crate::record::CallbackNote;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// One callback as it arrived: raw body, content type and headers, and
/// what the receiver made of it.
#[derive(Debug, Clone)]
pub struct Callback {
    pub body: String,
    pub content_type: String,
    /// Lower-case header names.
    pub headers: Vec<(String, String)>,
    /// When it arrived; the run's clock turns it into `t_us` (one receiver
    /// may serve several runs of an audit, each with its own clock).
    pub at: std::time::Instant,
    /// The body as one object (`parse::normalise`), or why it cannot be read.
    pub value: Result<serde_json::Value, String>,
    /// The status it was answered with.
    pub status: u16,
    /// Set when it must not be read as a reply: a refused signature, an unreadable body.
    pub note: Option<(CallbackNote, String)>,
}

/// What a conversation's URL knows about its channel.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    pub channel: String,
    /// `receive.verify` with its secret; None: callbacks are not signed.
    pub verifier: Option<verify::Verifier>,
    /// `receive.header_block`.
    pub header_block: Option<String>,
    /// Where callbacks go once the conversation is over (the run's recorder).
    pub late: Option<late::Sink>,
    /// Why callbacks cannot be verified (the secret renders empty): the
    /// suite's mistake; steps fail before sending anything.
    pub problem: Option<String>,
}

impl Guard {
    /// A channel's guard, its secret rendered once for the run.
    pub fn new(
        name: &str,
        channel: &crate::suite::Channel,
        templates: &minijinja::Environment<'static>,
        base: &serde_json::Map<String, serde_json::Value>,
        late: Option<late::Sink>,
    ) -> Guard {
        let mut guard = Guard {
            channel: name.to_string(),
            header_block: channel.receive.header_block.clone(),
            late,
            ..Guard::default()
        };
        if let Some(spec) = &channel.receive.verify {
            let ctx = minijinja::Value::from_serialize(base);
            match crate::template::render(templates, &spec.secret, &ctx) {
                Ok(secret) if !secret.trim().is_empty() => guard.verifier = Some(verify::Verifier::new(spec, secret)),
                Ok(_) => {
                    guard.problem = Some(format!(
                        "`receive.verify.secret` of channel `{name}` renders empty, so no callback could be verified; set the environment variable it reads"
                    ))
                }
                Err(e) => guard.problem = Some(format!("`receive.verify.secret` of channel `{name}` does not render: {e}")),
            }
        }
        guard
    }
}

struct Route {
    tx: mpsc::Sender<Callback>,
    /// The URL the target was given (a `url+params` signature covers it).
    url: String,
    guard: Arc<Guard>,
}

/// Callback bodies larger than this are refused: the target is untrusted.
const MAX_CALLBACK: usize = 1 << 20;
/// Callbacks queued per conversation before the receiver answers 429.
pub const INBOX: usize = 64;
/// Released tokens remembered, to answer their late callbacks 200.
const REMEMBERED: usize = 100_000;

#[derive(Default)]
struct Routes {
    live: HashMap<String, Route>,
    /// Released tokens (bounded by [`REMEMBERED`]): their URL and guard.
    released: HashMap<String, (String, Arc<Guard>)>,
    order: VecDeque<String>,
}

struct Inner {
    routes: Mutex<Routes>,
    late: AtomicU64,
    full: AtomicU64,
}

/// What stops the listener: its shutdown signal and its task.
type Stopper = (oneshot::Sender<()>, tokio::task::JoinHandle<()>);

/// The receiver. Cheap to clone; every clone is the same listener.
#[derive(Clone)]
pub struct Hub {
    /// The base the target is given (`--webhook-url`, else the listener's own URL).
    base: String,
    addr: SocketAddr,
    inner: Arc<Inner>,
    stop: Arc<Mutex<Option<Stopper>>>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").field("base", &self.base).field("addr", &self.addr).finish()
    }
}

/// Where the receiver listens and the URL the target is given.
#[derive(Debug, Clone)]
pub struct Listen {
    /// `--webhook-listen` (default 127.0.0.1:0: loopback, a free port).
    pub addr: SocketAddr,
    /// `--webhook-url`: the public base the target calls (behind an ingress
    /// or a tunnel); default the listener's own `http://addr`.
    pub public_url: Option<String>,
}

impl Default for Listen {
    fn default() -> Self {
        Listen { addr: SocketAddr::from(([127, 0, 0, 1], 0)), public_url: None }
    }
}

impl Hub {
    /// Binds and serves until [`Hub::shutdown`].
    pub async fn start(listen: &Listen) -> std::io::Result<Hub> {
        let listener = tokio::net::TcpListener::bind(listen.addr).await?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner { routes: Mutex::default(), late: AtomicU64::new(0), full: AtomicU64::new(0) });
        let app = Router::new()
            // Any prefix before `/hook/<token>`: a proxy in front (`--webhook-url
            // https://public.example/base`) need not strip its path.
            .route("/*path", post(receive))
            .layer(axum::extract::DefaultBodyLimit::max(MAX_CALLBACK))
            .with_state(inner.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
        let base = match &listen.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => format!("http://{addr}"),
        };
        Ok(Hub { base, addr, inner, stop: Arc::new(Mutex::new(Some((tx, task)))) })
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// A fresh URL for one conversation and its inbox.
    pub fn register(&self, guard: Arc<Guard>) -> (String, mpsc::Receiver<Callback>) {
        let token = format!("{:032x}", rand::random::<u128>());
        let (tx, rx) = mpsc::channel(INBOX);
        let url = format!("{}/hook/{token}", self.base);
        if let Ok(mut r) = self.inner.routes.lock() {
            r.live.insert(token, Route { tx, url: url.clone(), guard });
        }
        (url, rx)
    }

    /// Stops routing a finished conversation's URL; its late callbacks are
    /// answered 200 and counted.
    pub fn release(&self, url: &str) {
        let Some(token) = url.rsplit('/').next() else { return };
        if let Ok(mut r) = self.inner.routes.lock() {
            if let Some(route) = r.live.remove(token) {
                r.released.insert(token.to_string(), (route.url, route.guard));
                r.order.push_back(token.to_string());
                while r.order.len() > REMEMBERED {
                    if let Some(old) = r.order.pop_front() {
                        r.released.remove(&old);
                    }
                }
            }
        }
    }

    /// Callbacks that arrived after their conversation was over.
    pub fn late(&self) -> u64 {
        self.inner.late.load(Ordering::Relaxed)
    }

    /// Callbacks refused with 429 because their inbox was full.
    pub fn refused_full(&self) -> u64 {
        self.inner.full.load(Ordering::Relaxed)
    }

    /// Stops accepting, lets callbacks in flight finish, frees the port.
    /// Idempotent; every clone shares it.
    pub async fn shutdown(&self) {
        let taken = self.stop.lock().ok().and_then(|mut s| s.take());
        if let Some((tx, mut task)) = taken {
            let _ = tx.send(());
            // A caller keeping a connection alive must not hold the run open.
            if tokio::time::timeout(std::time::Duration::from_secs(1), &mut task).await.is_err() {
                task.abort();
            }
        }
    }
}

async fn receive(
    State(inner): State<Arc<Inner>>,
    Path(path): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let at = std::time::Instant::now();
    let Some(token) = path.rsplit_once("hook/").map(|(_, t)| t.to_string()) else { return StatusCode::NOT_FOUND };
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let content_type = headers.iter().find(|(k, _)| k == "content-type").map(|(_, v)| v.clone()).unwrap_or_default();
    let (tx, url, guard) = match inner.routes.lock() {
        Ok(r) => match (r.live.get(&token), r.released.get(&token)) {
            (Some(route), _) => (Some(route.tx.clone()), route.url.clone(), route.guard.clone()),
            (None, Some((url, guard))) => (None, url.clone(), guard.clone()),
            (None, None) => return StatusCode::NOT_FOUND,
        },
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE,
    };
    let mut parsed = parse::parse(&content_type, &body).await;
    // The URL as the provider called it: the one it was given, with its query.
    let called = match uri.query() {
        Some(q) => format!("{url}?{q}"),
        None => url.clone(),
    };
    let checked = match &guard.verifier {
        Some(v) => v.check(&called, &headers, &body, parsed.as_ref().ok()),
        None => Ok(()),
    };
    let note = match (&checked, &parsed) {
        (Err(r), _) => {
            let note = if r.status() == 401 { CallbackNote::Unsigned } else { CallbackNote::BadSignature };
            Some((note, format!("signature refused: {}", r.reason())))
        }
        (Ok(()), Err(e)) => Some((CallbackNote::Unreadable, e.clone())),
        (Ok(()), Ok(_)) => None,
    };
    let refused = checked.as_ref().err().map(verify::Rejection::status);
    // Multipart bodies are recorded without their attachments.
    let recorded = match parsed.as_mut().map(|p| p.recorded.take()) {
        Ok(Some(r)) => r,
        _ => String::from_utf8_lossy(&body).into_owned(),
    };
    let value = parsed.map(|p| parse::normalise(p, &headers, guard.header_block.as_deref()));
    let status = |accepted: u16| refused.unwrap_or(accepted);
    let mut callback = Callback { body: recorded, content_type, headers, at, value, status: 0, note };
    let late = |mut callback: Callback| {
        inner.late.fetch_add(1, Ordering::Relaxed);
        callback.status = status(200);
        if let Some(sink) = &guard.late {
            sink.send(&guard.channel, &url, callback);
        }
        code(status(200))
    };
    match tx {
        Some(tx) => {
            callback.status = status(204);
            match tx.try_send(callback) {
                Ok(()) => code(status(204)),
                Err(mpsc::error::TrySendError::Full(_)) => {
                    inner.full.fetch_add(1, Ordering::Relaxed);
                    StatusCode::TOO_MANY_REQUESTS
                }
                // The conversation ended between the lookup and the send: late.
                Err(mpsc::error::TrySendError::Closed(cb)) => late(cb),
            }
        }
        None => late(callback),
    }
}

fn code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tokens_are_random_queues_bounded_late_callbacks_answered_and_shutdown_frees_the_port() {
        let hub = Hub::start(&Listen::default()).await.unwrap();
        let (a, _rx_a) = hub.register(Arc::default());
        let (b, rx_b) = hub.register(Arc::default());
        let token = a.rsplit('/').next().unwrap();
        assert_eq!(token.len(), 32, "128 bits in hex");
        assert_ne!(a, b);
        let client = reqwest::Client::new();
        let mut statuses = Vec::new();
        for _ in 0..INBOX + 1 {
            statuses.push(client.post(&a).body("{}").send().await.unwrap().status().as_u16());
        }
        assert!(statuses[..INBOX].iter().all(|s| *s == 204), "{statuses:?}");
        assert_eq!(statuses[INBOX], 429, "a full inbox pushes back");
        drop(rx_b);
        hub.release(&b);
        assert_eq!(client.post(&b).body("{}").send().await.unwrap().status().as_u16(), 200, "late: 2xx");
        assert_eq!(hub.late(), 1);
        let forged = format!("{}/hook/{}", a.rsplit_once("/hook/").unwrap().0, "0".repeat(32));
        assert_eq!(client.post(&forged).body("{}").send().await.unwrap().status().as_u16(), 404);
        let addr = hub.local_addr();
        drop(client);
        hub.shutdown().await;
        assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "the port is freed");
    }
}
