//! The HTTP clients of a run: one per lane (`lanes.rs`) for each distinct
//! set of client settings, shared by every channel that has those settings.
//!
//! Two channels on the same origin (chat and web of one help centre) then
//! reuse the same pooled connections: at `--concurrency 256` a run keeps at
//! most 256 connections open to that origin, as a load generator would,
//! instead of 256 per channel. Each channel keeps its own in-flight limit,
//! rate limit and budget (`http::Sender`).
//!
//! Sharing a client never shares a credential: the client holds no cookie
//! store (reqwest's `cookies` feature is off), no default headers and no
//! client certificate. A channel's headers, auth and marks go on each of its
//! requests (`request.rs`), and only inside its own origin (`http.rs`).
//! hyper's pool keys every connection by scheme and authority, so a
//! connection only ever carries requests to the origin it was opened to;
//! channels on different origins that share a client share no connection.
//! What differs between clients is only what a client is built with: today
//! the channel's `timeout` (the connect-to-last-byte limit).

use super::lanes::PerLane;
use std::collections::BTreeMap;
use std::time::Duration;

/// The settings a client is built with; channels with equal settings share one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Settings {
    /// Connect to last byte of a request.
    pub timeout: Duration,
}

/// The clients built so far, by settings.
pub struct Clients {
    lanes: usize,
    /// A run's `--concurrency`: it sizes each client's idle pool.
    concurrency: usize,
    built: BTreeMap<Settings, PerLane<reqwest::Client>>,
}

impl Clients {
    pub fn new(lanes: usize, concurrency: usize) -> Self {
        Clients { lanes, concurrency, built: BTreeMap::new() }
    }

    /// The clients (one per lane) for a channel with `settings`: built the
    /// first time, shared after.
    pub fn get(&mut self, settings: Settings) -> Result<PerLane<reqwest::Client>, reqwest::Error> {
        if let Some(clients) = self.built.get(&settings) {
            return Ok(clients.clone());
        }
        let (lanes, concurrency) = (self.lanes, self.concurrency);
        let clients = PerLane::build(lanes, || build(settings, lanes, concurrency))?;
        self.built.insert(settings, clients.clone());
        Ok(clients)
    }

    /// How many distinct clients (per lane) were built.
    pub fn len(&self) -> usize {
        self.built.len()
    }

    pub fn is_empty(&self) -> bool {
        self.built.is_empty()
    }
}

/// One lane's client. Its connections live on that lane's runtime.
fn build(settings: Settings, lanes: usize, concurrency: usize) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(settings.timeout)
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!("touchpoint/", env!("CARGO_PKG_VERSION")))
        // Redirects are followed by hand, inside the channel's origin (`http.rs`).
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        // Idle connections cost ~36 KB each; with 10,000 personas waiting
        // on polls, keeping one per persona would dominate memory.
        // (per lane: a lane has its share of the concurrency in flight at most)
        .pool_max_idle_per_host(concurrency.div_ceil(lanes.max(1)).clamp(8, 256))
        .pool_idle_timeout(Duration::from_secs(30))
        // Targets are named by the suite; a proxy from the environment
        // would be a surprise, and matching it costs on every request.
        .no_proxy()
        .http1_only()
        .tcp_nodelay(true)
        // Re-sending is decided in `http.rs` (only what provably did not
        // reach the target); reqwest's own policy retries HTTP/2 refusals,
        // which an HTTP/1 client never sees, yet copies every request's
        // headers in case it might (~1.5 % of a worker's instructions per
        // exchange).
        .retry(reqwest::retry::never().max_retries_per_request(0))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_with_the_same_settings_share_clients() {
        let mut clients = Clients::new(2, 256);
        let ten = Settings { timeout: Duration::from_secs(10) };
        clients.get(ten).unwrap();
        clients.get(ten).unwrap();
        assert_eq!(clients.len(), 1);
        clients.get(Settings { timeout: Duration::from_secs(3) }).unwrap();
        assert_eq!(clients.len(), 2, "a different timeout is a client of its own");
    }
}
