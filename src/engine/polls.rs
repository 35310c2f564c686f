//! What a waiting step keeps of its polls. A step that polls a 1 MB
//! "nothing yet" page every 50 ms for half a minute must not hold 600 copies
//! of it: every attempt is kept (its times, status and size — the running
//! count), but bodies only where they say something. The first and the
//! latest poll keep their bodies whole; a poll in between that repeats a
//! body kept in this step is reduced to that body's hash (it reads back
//! whole, `record/body.rs`); one that differs is kept while the step's
//! in-between bodies stay under [`BETWEEN_KEPT`], and beyond that only its
//! hash and size are recorded.
//!
//! While the step waits, the attempts in between are also packed into
//! bytes against the first poll (`packed.rs`, ~60 bytes instead of ~700
//! each); [`PollBodies::restore`] puts them back in place when the step
//! ends, so the exchange records every attempt as before.

use super::packed::Packed;
use crate::record::body::{self, Hash, ADDRESSED_FROM};
use crate::record::{Http, Purpose};
use std::collections::HashSet;

/// Bytes of differing in-between poll bodies a step keeps whole.
pub const BETWEEN_KEPT: usize = 64 * 1024;

#[derive(Default)]
pub struct PollBodies {
    /// Attempts already looked at.
    seen: usize,
    /// The step's first poll attempt, always kept whole.
    first: Option<usize>,
    /// The latest poll attempt (kept whole until a later one comes) and its hash.
    latest: Option<(usize, Option<Hash>)>,
    /// Hashes of the bodies this step keeps whole (the first poll's, kept in-between ones).
    kept: HashSet<Hash>,
    between_bytes: usize,
    /// The attempts between the first poll and the latest, in order, taken out of the log.
    packed: Packed,
}

impl PollBodies {
    /// Looks at the attempts appended since the last call (the step's HTTP
    /// log), and packs those now between the first poll and the latest.
    pub fn settle(&mut self, http: &mut Vec<Http>) {
        self.look(http);
        self.pack(http);
        // The log holds the send, the first poll and the latest while the
        // step waits: no spare slots (232 bytes each; a push reserves four,
        // then doubles).
        http.shrink_to_fit();
    }

    /// Puts the packed attempts back between the first poll and the rest:
    /// `http` as if nothing had been packed. Called once, when the step ends.
    pub fn restore(self, http: &mut Vec<Http>) {
        let Some(first) = self.first.filter(|f| *f < http.len()) else { return };
        let between = self.packed.unpack(&http[first]);
        http.splice(first + 1..first + 1, between);
    }

    fn look(&mut self, http: &mut [Http]) {
        for i in self.seen..http.len() {
            if http[i].purpose != Purpose::Poll {
                continue;
            }
            let k = http[i].body.as_deref().filter(|b| b.len() >= ADDRESSED_FROM).map(body::hash);
            if self.first.is_none() {
                self.first = Some(i);
                self.kept.extend(k);
            }
            match self.latest.replace((i, k)) {
                Some((prev, prev_k)) if Some(prev) != self.first => self.step_back(&mut http[prev], prev_k, k),
                _ => {}
            }
        }
        self.seen = http.len();
    }

    fn pack(&mut self, http: &mut Vec<Http>) {
        let (Some(first), Some((latest, k))) = (self.first, self.latest) else { return };
        if latest <= first + 1 {
            return;
        }
        for h in http.drain(first + 1..latest).collect::<Vec<_>>() {
            self.packed.push(h, &http[first]);
        }
        self.latest = Some((first + 1, k));
        self.seen = http.len();
    }

    /// The poll that was the latest is now one in between.
    fn step_back(&mut self, h: &mut Http, k: Option<Hash>, latest: Option<Hash>) {
        let (Some(k), Some(len)) = (k, h.body.as_ref().map(String::len)) else { return };
        let repeat = self.kept.contains(&k) || latest == Some(k);
        if !repeat && self.between_bytes + len <= BETWEEN_KEPT {
            self.between_bytes += len;
            self.kept.insert(k);
            return;
        }
        h.body = None;
        h.body_hash = Some(body::hex(k));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Headers;

    fn poll(body: &str) -> Http {
        Http {
            purpose: Purpose::Poll,
            attempt: 1,
            method: "GET".into(),
            url: "http://127.0.0.1/poll".into(),
            request_headers: Headers::new(),
            request_body: None,
            t_start_us: 0,
            t_first_byte_us: Some(1),
            t_end_us: 2,
            status: Some(200),
            headers: Headers::new(),
            body: Some(body.to_string()),
            body_hash: None,
            body_bytes: body.len() as u64,
            truncated: false,
            error: None,
            callback: None,
        }
    }

    #[test]
    fn a_megabyte_empty_poll_every_time_keeps_two_bodies() {
        let empty = format!("{{\"events\":[],\"pad\":\"{}\"}}", "x".repeat(1 << 20));
        let mut bodies = PollBodies::default();
        let mut http = Vec::new();
        for _ in 0..50 {
            http.push(poll(&empty));
            bodies.settle(&mut http);
            assert!(http.len() <= 3, "the attempts in between are packed while the step waits");
        }
        bodies.restore(&mut http);
        assert_eq!(http.len(), 50, "every attempt is kept");
        let whole = http.iter().filter(|h| h.body.is_some()).count();
        assert_eq!(whole, 2, "the first and the latest");
        assert!(http[0].body.is_some() && http[49].body.is_some());
        let hash = body::hex(body::hash(&empty));
        assert!(http[1..49].iter().all(|h| h.body_hash.as_deref() == Some(hash.as_str())));
    }

    /// The size of what `f` returns, without calling it.
    fn returned<A, B, C, R>(_: &impl FnOnce(A, B, C) -> R) -> usize {
        std::mem::size_of::<R>()
    }

    /// Issue 14: a waiting step's future was ~16 KB whatever its channel's
    /// mode, because every way of receiving (a WebSocket's the largest) was
    /// inlined into it — 160 MB for 10,000 personas waiting on polls.
    #[test]
    fn a_waiting_step_reserves_its_own_mode_not_the_largest() {
        use crate::engine::conversation::{Conversation, Message};
        use crate::engine::Shared;
        let exchange =
            |c: &'static mut Conversation, s: &'static Shared, m: &'static Message<'static>| c.exchange(s, m);
        let walk = |s: &'static Shared,
                    w: &'static crate::plan::Walk,
                    d: &'static std::collections::BTreeMap<usize, crate::engine::walk::DoneStep>| {
            crate::engine::walk::run_walk(s, w, d)
        };
        // A step that polls (or waits for a webhook or a WebSocket) has its own
        // future, its sends boxed apart (debug: 976 → 312 bytes).
        let waiting =
            |c: &'static mut Conversation, s: &'static Shared, m: &'static Message<'static>| c.exchange_waiting(s, m);
        // Debug builds lay futures out larger than release; the bounds hold for both.
        assert!(returned(&exchange) <= 2048, "a step's exchange future: {} bytes", returned(&exchange));
        assert!(returned(&waiting) <= 512, "a waiting step's exchange future: {} bytes", returned(&waiting));
        assert!(returned(&walk) <= 2048, "a walk's future: {} bytes", returned(&walk));
    }

    #[test]
    fn differing_bodies_in_between_are_kept_up_to_the_cap_then_hashed() {
        let mut bodies = PollBodies::default();
        let mut http = Vec::new();
        for i in 0..100 {
            let mut p = poll(&format!("{i:04}{}", "y".repeat(4096)));
            p.t_start_us = i as u64;
            http.push(p);
            bodies.settle(&mut http);
        }
        bodies.restore(&mut http);
        assert_eq!(http.len(), 100);
        assert!(http.iter().enumerate().all(|(i, h)| h.body_bytes == 4100 && h.t_start_us == i as u64));
        let between: usize = http[1..99].iter().filter_map(|h| h.body.as_ref()).map(String::len).sum();
        assert!(between <= BETWEEN_KEPT && between > BETWEEN_KEPT / 2, "{between}");
        assert!(http[98].body.is_none() && http[98].body_hash.is_some(), "beyond the cap: hash only");
        assert!(http[99].body.is_some());
        let small = poll("{}");
        let mut http = vec![small.clone(), small.clone(), small];
        let mut bodies = PollBodies::default();
        bodies.settle(&mut http);
        bodies.restore(&mut http);
        assert_eq!(http.len(), 3);
        assert!(http.iter().all(|h| h.body.is_some()), "small bodies are always kept");
    }
}
