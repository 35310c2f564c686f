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
//!   provider does not retry, and counted; a token never issued is 404.
//! - **Shutdown** is graceful: [`Hub::shutdown`] stops accepting, lets
//!   callbacks in flight finish, and frees the port.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// One callback as it arrived: raw body, content type and headers.
#[derive(Debug, Clone)]
pub struct Callback {
    pub body: String,
    pub content_type: String,
    /// Lower-case header names.
    pub headers: Vec<(String, String)>,
    /// When it arrived; the run's clock turns it into `t_us` (one receiver
    /// may serve several runs of an audit, each with its own clock).
    pub at: std::time::Instant,
}

/// Callback bodies larger than this are refused: the target is untrusted.
const MAX_CALLBACK: usize = 1 << 20;
/// Callbacks queued per conversation before the receiver answers 429.
pub const INBOX: usize = 64;
/// Released tokens remembered, to answer their late callbacks 200.
const REMEMBERED: usize = 100_000;

#[derive(Default)]
struct Routes {
    live: HashMap<String, mpsc::Sender<Callback>>,
    /// Released tokens, oldest first (bounded by [`REMEMBERED`]).
    released: HashSet<String>,
    order: VecDeque<String>,
}

struct Inner {
    routes: Mutex<Routes>,
    late: AtomicU64,
    full: AtomicU64,
}

/// The receiver. Cheap to clone; every clone is the same listener.
#[derive(Clone)]
pub struct Hub {
    /// The base the target is given (`--webhook-url`, else the listener's own URL).
    base: String,
    addr: SocketAddr,
    inner: Arc<Inner>,
    stop: Arc<Mutex<Option<(oneshot::Sender<()>, tokio::task::JoinHandle<()>)>>>,
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
    pub fn register(&self) -> (String, mpsc::Receiver<Callback>) {
        let token = format!("{:032x}", rand::random::<u128>());
        let (tx, rx) = mpsc::channel(INBOX);
        if let Ok(mut r) = self.inner.routes.lock() {
            r.live.insert(token.clone(), tx);
        }
        (format!("{}/hook/{token}", self.base), rx)
    }

    /// Stops routing a finished conversation's URL; its late callbacks are
    /// answered 200 and counted.
    pub fn release(&self, url: &str) {
        let Some(token) = url.rsplit('/').next() else { return };
        if let Ok(mut r) = self.inner.routes.lock() {
            if r.live.remove(token).is_some() {
                r.released.insert(token.to_string());
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
    let callback = Callback { body: String::from_utf8_lossy(&body).into_owned(), content_type, headers, at };
    let (tx, late) = match inner.routes.lock() {
        Ok(r) => (r.live.get(&token).cloned(), r.released.contains(&token)),
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE,
    };
    match tx {
        Some(tx) => match tx.try_send(callback) {
            Ok(()) => StatusCode::NO_CONTENT,
            Err(mpsc::error::TrySendError::Full(_)) => {
                inner.full.fetch_add(1, Ordering::Relaxed);
                StatusCode::TOO_MANY_REQUESTS
            }
            // The conversation ended between the lookup and the send: late.
            Err(mpsc::error::TrySendError::Closed(_)) => {
                inner.late.fetch_add(1, Ordering::Relaxed);
                StatusCode::OK
            }
        },
        None if late => {
            inner.late.fetch_add(1, Ordering::Relaxed);
            StatusCode::OK
        }
        None => StatusCode::NOT_FOUND,
    }
}

/// The callback as one JSON object for `reply`, `text` and `capture`: a
/// JSON object as it is (any other JSON value under `body`), form fields
/// (`application/x-www-form-urlencoded`) as strings, plus the callback's
/// HTTP headers under `_headers` (lower-case names).
pub fn normalise(cb: &Callback) -> Option<serde_json::Value> {
    use serde_json::{Map, Value};
    let ct = cb.content_type.to_ascii_lowercase();
    let mut object = if ct.starts_with("application/x-www-form-urlencoded") {
        let mut m = Map::new();
        for (k, v) in form_urlencoded::parse(cb.body.as_bytes()) {
            m.insert(k.into_owned(), Value::String(v.into_owned()));
        }
        m
    } else {
        match serde_json::from_str::<Value>(&cb.body).ok()? {
            Value::Object(m) => m,
            other => {
                let mut m = Map::new();
                m.insert("body".into(), other);
                m
            }
        }
    };
    let headers: Map<String, Value> = cb.headers.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    object.insert("_headers".into(), Value::Object(headers));
    Some(Value::Object(object))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cb(ct: &str, body: &str) -> Callback {
        Callback {
            body: body.into(),
            content_type: ct.into(),
            headers: vec![("x-event-id".into(), "e1".into())],
            at: std::time::Instant::now(),
        }
    }

    #[test]
    fn form_and_json_callbacks_read_alike() {
        let form = normalise(&cb("application/x-www-form-urlencoded", "sender=a%40b.c&body-plain=Hi+there")).unwrap();
        assert_eq!(form["body-plain"], "Hi there");
        assert_eq!(form["sender"], "a@b.c");
        assert_eq!(form["_headers"]["x-event-id"], "e1");
        let json = normalise(&cb("application/json", r#"{"text": "Hi"}"#)).unwrap();
        assert_eq!(json["text"], "Hi");
        assert_eq!(json["_headers"]["x-event-id"], "e1");
        assert!(normalise(&cb("application/json", "{trunc")).is_none());
    }

    #[tokio::test]
    async fn tokens_are_random_queues_bounded_late_callbacks_answered_and_shutdown_frees_the_port() {
        let hub = Hub::start(&Listen::default()).await.unwrap();
        let (a, _rx_a) = hub.register();
        let (b, rx_b) = hub.register();
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
