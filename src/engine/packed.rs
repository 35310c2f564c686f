//! HTTP attempts packed into bytes while their step waits. A persona
//! polling for a slow reply makes an attempt every few seconds; held as
//! [`Http`] values each costs ~700 bytes (the struct, its method, URL,
//! header names and values, body), though all but a timestamp or two
//! repeat the step's first poll. Packed, a text equal to the same field of
//! that first poll is one byte, and an attempt ~60 bytes (issue 14: 10,000
//! personas waiting). Unpacking gives back the very attempts packed — the
//! record stays complete and raw; only the memory of a waiting step changes.

use crate::record::{Headers, Http, Purpose};

/// Attempts in order, each packed against a base attempt (the step's first poll).
#[derive(Default)]
pub struct Packed {
    bytes: Vec<u8>,
    /// Attempts with a webhook note (never a poll's): kept whole, in order.
    whole: Vec<Http>,
    count: usize,
}

/// Tags of a packed text.
const SAME: u8 = 0;
const NONE: u8 = 1;
const TEXT: u8 = 2;

impl Packed {
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Appends `h`, its texts referring to `base`'s where equal.
    pub fn push(&mut self, h: Http, base: &Http) {
        self.count += 1;
        if h.callback.is_some() {
            self.bytes.push(1);
            self.whole.push(h);
            return;
        }
        let b = &mut self.bytes;
        b.push(0);
        b.push(purpose_code(h.purpose));
        varint(b, h.attempt as u64);
        varint(b, h.t_start_us);
        option(b, h.t_first_byte_us.map(|t| t.wrapping_sub(h.t_start_us)));
        varint(b, h.t_end_us.wrapping_sub(h.t_start_us));
        option(b, h.status.map(u64::from));
        varint(b, h.body_bytes);
        b.push(h.truncated as u8);
        text(b, Some(&h.method), Some(&base.method));
        text(b, Some(&h.url), Some(&base.url));
        headers(b, &h.request_headers, &base.request_headers);
        text(b, h.request_body.as_deref(), base.request_body.as_deref());
        headers(b, &h.headers, &base.headers);
        text(b, h.body.as_deref(), base.body.as_deref());
        text(b, h.body_hash.as_deref(), base.body_hash.as_deref());
        text(b, h.error.as_deref(), base.error.as_deref());
    }

    /// The attempts packed, in order, as they were pushed.
    pub fn unpack(self, base: &Http) -> Vec<Http> {
        let mut out = Vec::with_capacity(self.count);
        let mut whole = self.whole.into_iter();
        let mut r = Reader { bytes: &self.bytes, at: 0 };
        for _ in 0..self.count {
            if r.byte() == 1 {
                out.extend(whole.next());
                continue;
            }
            let purpose = purpose_of(r.byte());
            let attempt = r.varint() as u32;
            let t_start_us = r.varint();
            let t_first_byte_us = r.option().map(|d| t_start_us.wrapping_add(d));
            let t_end_us = t_start_us.wrapping_add(r.varint());
            let status = r.option().map(|s| s as u16);
            let body_bytes = r.varint();
            let truncated = r.byte() != 0;
            let method = r.text(Some(&base.method)).unwrap_or_default();
            let url = r.text(Some(&base.url)).unwrap_or_default();
            let request_headers = r.headers(&base.request_headers);
            let request_body = r.text(base.request_body.as_deref());
            let headers = r.headers(&base.headers);
            let body = r.text(base.body.as_deref());
            let body_hash = r.text(base.body_hash.as_deref());
            let error = r.text(base.error.as_deref());
            out.push(Http {
                purpose,
                attempt,
                method,
                url,
                request_headers,
                request_body,
                t_start_us,
                t_first_byte_us,
                t_end_us,
                status,
                headers,
                body,
                body_hash,
                body_bytes,
                truncated,
                error,
                callback: None,
            });
        }
        out
    }
}

fn purpose_code(p: Purpose) -> u8 {
    match p {
        Purpose::Open => 0,
        Purpose::Send => 1,
        Purpose::Poll => 2,
        Purpose::Webhook => 3,
        Purpose::Stream => 4,
    }
}

fn purpose_of(code: u8) -> Purpose {
    match code {
        0 => Purpose::Open,
        1 => Purpose::Send,
        3 => Purpose::Webhook,
        4 => Purpose::Stream,
        _ => Purpose::Poll,
    }
}

fn varint(b: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        b.push(v as u8 | 0x80);
        v >>= 7;
    }
    b.push(v as u8);
}

fn option(b: &mut Vec<u8>, v: Option<u64>) {
    match v {
        None => b.push(0),
        Some(v) => {
            b.push(1);
            varint(b, v);
        }
    }
}

fn text(b: &mut Vec<u8>, s: Option<&str>, base: Option<&str>) {
    match s {
        _ if s == base => b.push(SAME),
        None => b.push(NONE),
        Some(s) => {
            b.push(TEXT);
            varint(b, s.len() as u64);
            b.extend_from_slice(s.as_bytes());
        }
    }
}

/// Headers in order, each name and value against the base's at the same place.
fn headers(b: &mut Vec<u8>, h: &Headers, base: &Headers) {
    varint(b, h.len() as u64);
    let mut base = base.iter();
    for (k, v) in h.iter() {
        let (bk, bv) = base.next().unzip();
        text(b, Some(k), bk);
        text(b, Some(v), bv);
    }
}

/// Reads back what this file wrote (never input from elsewhere: a short
/// buffer reads as zeros rather than panicking).
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> u8 {
        let b = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    fn varint(&mut self) -> u64 {
        let (mut v, mut shift) = (0u64, 0u32);
        loop {
            let b = self.byte();
            v |= ((b & 0x7f) as u64).checked_shl(shift).unwrap_or(0);
            if b < 0x80 {
                return v;
            }
            shift += 7;
        }
    }

    fn option(&mut self) -> Option<u64> {
        (self.byte() == 1).then(|| self.varint())
    }

    fn text(&mut self, base: Option<&str>) -> Option<String> {
        match self.byte() {
            SAME => base.map(str::to_string),
            NONE => None,
            _ => {
                let len = self.varint() as usize;
                let end = self.at.saturating_add(len).min(self.bytes.len());
                let s = String::from_utf8_lossy(&self.bytes[self.at.min(end)..end]).into_owned();
                self.at = end;
                Some(s)
            }
        }
    }

    fn headers(&mut self, base: &Headers) -> Headers {
        let n = self.varint() as usize;
        let mut base = base.iter();
        (0..n)
            .map(|_| {
                let (bk, bv) = base.next().unzip();
                (self.text(bk).unwrap_or_default(), self.text(bv).unwrap_or_default())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::CallbackNote;

    fn attempt(t: u64, date: &str, body: Option<&str>) -> Http {
        let mut h = Http::started(
            Purpose::Poll,
            1,
            "GET".into(),
            "http://127.0.0.1:4000/slow/events/192?after=0".into(),
            Headers::new(),
            None,
            t,
        );
        h.t_first_byte_us = Some(t + 250);
        h.t_end_us = t + 260;
        h.status = Some(200);
        h.headers = [("content-type", "application/json"), ("date", date)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        h.body = body.map(str::to_string);
        h.body_bytes = 22;
        h
    }

    #[test]
    fn attempts_unpack_as_they_were_packed() {
        let base = attempt(1_000, "Tue, 01 Dec 2026 20:48:45 GMT", Some("{\"events\":[],\"next\":0}"));
        let mut others = vec![
            attempt(5_001_000, "Tue, 01 Dec 2026 20:48:50 GMT", Some("{\"events\":[],\"next\":0}")),
            attempt(0, "", None),
        ];
        others[1].t_start_us = u64::MAX - 5;
        others[1].t_first_byte_us = Some(3);
        others[1].t_end_us = 0;
        others[1].body_hash = Some("0123456789abcdef0123456789abcdef".into());
        others[1].error = Some("the poll response is not JSON; it starts: \"é\"".into());
        others[1].request_headers.insert("x-touchpoint", "test");
        others[1].request_body = Some(String::new());
        others[1].status = None;
        others[1].truncated = true;
        others[1].purpose = Purpose::Send;
        others[1].attempt = 3;
        let mut webhook = attempt(9, "d", None);
        webhook.callback = Some(CallbackNote::BadSignature);
        others.push(webhook);
        others.push(base.clone());
        let mut packed = Packed::default();
        for h in others.iter().cloned() {
            packed.push(h, &base);
        }
        assert_eq!(packed.len(), 4);
        assert_eq!(packed.unpack(&base), others);
    }

    /// Issue 14: a waiting persona's attempts were ~700 bytes each in memory.
    #[test]
    fn a_repeated_empty_poll_packs_into_few_bytes() {
        let base = attempt(1_000, "Tue, 01 Dec 2026 20:48:45 GMT", Some("{\"events\":[],\"next\":0}"));
        let mut packed = Packed::default();
        for i in 1..=10 {
            packed.push(attempt(i * 5_000_000, "Tue, 01 Dec 2026 20:48:50 GMT", base.body.as_deref()), &base);
        }
        let per = packed.bytes.len() / packed.len();
        assert!(per <= 64, "{per} bytes per attempt");
    }
}
