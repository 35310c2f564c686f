//! The webhook receiver: a loopback HTTP listener the target calls back with
//! replies. Each conversation gets its own URL (`/hook/<token>`), so a
//! callback is correlated by where it arrives, before any filter runs.

use super::clock::Clock;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// One callback as it arrived.
#[derive(Debug, Clone)]
pub struct Callback {
    pub body: String,
    pub t_us: u64,
}

type Routes = Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Callback>>>>;

#[derive(Clone)]
pub struct Hub {
    base: String,
    routes: Routes,
    next: Arc<std::sync::atomic::AtomicU64>,
}

/// Callback bodies larger than this are refused: the target is untrusted.
const MAX_CALLBACK: usize = 1 << 20;

impl Hub {
    /// Listens on 127.0.0.1 (a free port) until the runtime stops.
    pub async fn start(clock: Clock) -> std::io::Result<Hub> {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let routes: Routes = Arc::default();
        let app = Router::new()
            .route("/hook/:token", post(receive))
            .layer(axum::extract::DefaultBodyLimit::max(MAX_CALLBACK))
            .with_state((routes.clone(), clock));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Hub { base: format!("http://{addr}"), routes, next: Arc::default() })
    }

    /// A fresh URL for one conversation and the stream of its callbacks.
    pub fn register(&self) -> (String, mpsc::UnboundedReceiver<Callback>) {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let token = format!("c{n}");
        let (tx, rx) = mpsc::unbounded_channel();
        if let Ok(mut r) = self.routes.lock() {
            r.insert(token.clone(), tx);
        }
        (format!("{}/hook/{token}", self.base), rx)
    }

    /// Stops routing a finished conversation's URL.
    pub fn release(&self, url: &str) {
        if let (Some(token), Ok(mut r)) = (url.rsplit('/').next(), self.routes.lock()) {
            r.remove(token);
        }
    }
}

async fn receive(State((routes, clock)): State<(Routes, Clock)>, Path(token): Path<String>, body: Bytes) -> StatusCode {
    let callback = Callback { body: String::from_utf8_lossy(&body).into_owned(), t_us: clock.us() };
    let tx = routes.lock().ok().and_then(|r| r.get(&token).cloned());
    match tx {
        Some(tx) if tx.send(callback).is_ok() => StatusCode::NO_CONTENT,
        _ => StatusCode::NOT_FOUND,
    }
}
