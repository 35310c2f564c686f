//! Lean decoding for analysis. Analysis reads of each HTTP attempt only its
//! purpose, method, URL, status, error and times (`analysis/evidence.rs`);
//! headers and bodies are more than half of a line and never looked at. A
//! stream opened lean ([`super::reader::open_lean`]) skips them while
//! parsing instead of allocating them: the attempts come back with empty
//! header maps and no bodies. The reply's JSON item (a tree of small
//! allocations per reply; analysis and the report read the reply's text)
//! comes back as None.
//!
//! Serde has no per-call options, so the choice is a thread-local flag,
//! set only around the decoding of one line.

use super::{Http, Purpose};
use serde::{Deserialize, Deserializer};
use std::cell::Cell;

thread_local! {
    static LEAN: Cell<bool> = const { Cell::new(false) };
}

/// Runs `decode` with HTTP headers and bodies skipped.
pub(super) fn decoding<T>(decode: impl FnOnce() -> T) -> T {
    let before = LEAN.with(|l| l.replace(true));
    let out = decode();
    LEAN.with(|l| l.set(before));
    out
}

/// What analysis reads of an attempt; every other field is skipped.
#[derive(Deserialize)]
struct Attempt {
    purpose: Purpose,
    attempt: u32,
    method: String,
    url: String,
    t_start_us: u64,
    t_first_byte_us: Option<u64>,
    t_end_us: u64,
    status: Option<u16>,
    body_bytes: u64,
    truncated: bool,
    error: Option<String>,
    #[serde(default)]
    callback: Option<super::CallbackNote>,
}

impl From<Attempt> for Http {
    fn from(a: Attempt) -> Self {
        Http {
            purpose: a.purpose,
            attempt: a.attempt,
            method: a.method,
            url: a.url,
            request_headers: Default::default(),
            request_body: None,
            t_start_us: a.t_start_us,
            t_first_byte_us: a.t_first_byte_us,
            t_end_us: a.t_end_us,
            status: a.status,
            headers: Default::default(),
            body: None,
            body_hash: None,
            body_bytes: a.body_bytes,
            truncated: a.truncated,
            error: a.error,
            callback: a.callback,
        }
    }
}

/// `Exchange::http`: whole, or lean inside [`decoding`].
pub(super) fn http<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Http>, D::Error> {
    if LEAN.with(Cell::get) {
        Ok(Vec::<Attempt>::deserialize(deserializer)?.into_iter().map(Http::from).collect())
    } else {
        let mut http = Vec::<Http>::deserialize(deserializer)?;
        super::body::settle(&mut http);
        Ok(http)
    }
}

/// `Reply::item`: the JSON tree, or skipped inside [`decoding`].
pub(super) fn item<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<serde_json::Value>, D::Error> {
    if LEAN.with(Cell::get) {
        serde::de::IgnoredAny::deserialize(deserializer)?;
        Ok(None)
    } else {
        Option::<serde_json::Value>::deserialize(deserializer)
    }
}
