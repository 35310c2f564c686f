//! A lean exchange line decoded by hand. serde_json spends ~60k
//! instructions on a line of a few kilobytes: every key read as a string
//! and matched by the derived visitors, every string scanned by a call of
//! its own, the headers and the reply's item (which lean reading ignores,
//! `lean.rs`) walked value by value. Here the line is read in one pass over
//! its bytes: keys compared as bytes, strings scanned eight bytes at a
//! time and copied once, numbers read as digits, the ignored values skipped
//! (still checked: what serde_json refuses is refused).
//!
//! It decodes exactly what serde_json's lean decoding decodes, or nothing:
//! anything it is not sure of (whitespace between tokens, a key with an
//! escape, a number that is not plain digits, nesting deeper than 63, any
//! line that is not an exchange) returns None, and the line goes to
//! serde_json, which decodes it or says where it is broken. Strings with
//! escapes are unescaped by serde_json itself. The tests hold both decoders
//! to the same results on written records and on lines broken at random.

// A string's plain run ends at the first byte JSON escapes (`"`, `\`, a
// control below U+0020), found a word at a time as the writer finds it.
use super::escape::escapes as specials;
use super::{CallbackNote, ErrorKind, Exchange, Http, Purpose, Record, Reply, StepError, Task, TaskKind};
use serde::de::IntoDeserializer;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The exchange on `line` as `lean::decoding(|| decode::line(line))`
/// decodes it, or None to let that decide.
pub(super) fn exchange(line: &[u8]) -> Option<Record> {
    let rest = line.strip_prefix(br#"{"type":"exchange","#.as_slice())?;
    // Checked whole, as `decode::line` does; every string is then a slice of it.
    let text = std::str::from_utf8(line).ok()?;
    let mut p = Parser { s: line, text, i: line.len() - rest.len() };
    let x = p.exchange()?;
    // serde_json allows only whitespace after the value.
    p.s[p.i..].iter().all(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t')).then(|| Record::Exchange(Box::new(x)))
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

/// A field's value, once: a second one is serde's "duplicate field" error.
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value);
    Some(())
}

/// The place of a key not in a struct's table: skipped.
const UNKNOWN: usize = usize::MAX;

// The fields of each struct, in the order the writer writes them
// (`record/mod.rs`); a field without an arm of its own is skipped.
const EXCHANGE: &[&[u8]] = &[
    b"seq",
    b"task",
    b"step",
    b"journey",
    b"stage",
    b"channel",
    b"persona_segment",
    b"question",
    b"expects",
    b"recognises",
    b"message",
    b"t_sent_us",
    b"http",
    b"reply",
    b"captures",
    b"error",
];
const TASK: &[&[u8]] = &[b"kind", b"id", b"persona", b"repeat", b"question", b"channel"];
const ATTEMPT: &[&[u8]] = &[
    b"purpose",
    b"attempt",
    b"method",
    b"url",
    b"request_headers",
    b"request_body",
    b"t_start_us",
    b"t_first_byte_us",
    b"t_end_us",
    b"status",
    b"headers",
    b"body",
    b"body_hash",
    b"body_bytes",
    b"truncated",
    b"error",
    b"callback",
];
const REPLY: &[&[u8]] = &[b"text", b"item", b"t_earliest_us", b"t_latest_us", b"t_first_byte_us", b"t_last_byte_us"];
const STEP_ERROR: &[&[u8]] = &[b"kind", b"message"];

impl<'a> Parser<'a> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    #[inline]
    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }

    #[inline]
    fn byte(&mut self, b: u8) -> Option<()> {
        (self.next()? == b).then_some(())
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i + word.len();
        (self.s.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// `null` (consumed: true), or something else (not consumed).
    #[inline]
    fn null(&mut self) -> bool {
        self.literal(b"null").is_some()
    }

    /// Where the plain run of string from `i` ends: the first `"`, `\` or
    /// control byte, or the end of the line.
    #[inline]
    fn plain_end(&self, mut i: usize) -> usize {
        let s = self.s;
        while let Some(w) = s.get(i..i + 8) {
            let mask = specials(u64::from_le_bytes(w.try_into().unwrap_or([0; 8])));
            if mask != 0 {
                return i + (mask.trailing_zeros() / 8) as usize;
            }
            i += 8;
        }
        while i < s.len() && !matches!(s[i], b'"' | b'\\' | 0..0x20) {
            i += 1;
        }
        i
    }

    /// A string without escapes, borrowed from the line; None for any other.
    fn plain_str(&mut self) -> Option<&'a str> {
        self.byte(b'"')?;
        let start = self.i;
        let end = self.plain_end(start);
        if self.s.get(end) != Some(&b'"') {
            return None;
        }
        self.i = end + 1;
        // The line is UTF-8 and `"` is ASCII: both ends are boundaries.
        self.text.get(start..end)
    }

    /// An object key without escapes, and its colon.
    #[inline]
    fn key(&mut self) -> Option<&'a [u8]> {
        let key = self.plain_str()?;
        self.byte(b':')?;
        Some(key.as_bytes())
    }

    /// A string, unescaped by serde_json when it has escapes.
    fn string(&mut self) -> Option<String> {
        let open = self.i;
        self.byte(b'"')?;
        let end = self.plain_end(self.i);
        match self.s.get(end)? {
            b'"' => {
                let s = self.text.get(open + 1..end)?;
                self.i = end + 1;
                Some(s.to_owned())
            }
            b'\\' => self.unescaped(open, end).or_else(|| {
                // `\u` escapes (and broken ones) as serde_json reads them.
                self.i = open;
                self.skip_str()?;
                serde_json::from_str(self.text.get(open..self.i)?).ok()
            }),
            _ => None,
        }
    }

    /// The string opened at `open`, whose first escape is at `at`, with its
    /// short escapes (`\n`, `\"`, …) replaced; None at a `\u` escape.
    fn unescaped(&mut self, open: usize, mut at: usize) -> Option<String> {
        // Sized for the escaped text, as serde_json's copy is (grown by
        // doubling, a long reply held by the report kept up to twice its size).
        self.i = open;
        self.skip_str()?;
        let mut out = String::with_capacity(self.i - open - 2);
        let mut start = open + 1;
        loop {
            match *self.s.get(at)? {
                b'"' => {
                    out.push_str(self.text.get(start..at)?);
                    self.i = at + 1;
                    return Some(out);
                }
                b'\\' => {
                    out.push_str(self.text.get(start..at)?);
                    out.push(match *self.s.get(at + 1)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        _ => return None,
                    });
                    start = at + 2;
                    at = self.plain_end(start);
                }
                _ => return None,
            }
        }
    }

    fn opt_string(&mut self) -> Option<Option<String>> {
        if self.null() {
            return Some(None);
        }
        self.string().map(Some)
    }

    /// A string checked as serde_json's `ignore_str` checks it.
    fn skip_str(&mut self) -> Option<()> {
        self.byte(b'"')?;
        loop {
            self.i = self.plain_end(self.i);
            match self.next()? {
                b'"' => return Some(()),
                b'\\' => match self.next()? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    b'u' => {
                        let hex = self.s.get(self.i..self.i + 4)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        self.i += 4;
                    }
                    _ => return None,
                },
                _ => return None,
            }
        }
    }

    /// Plain digits as an unsigned integer (no sign, fraction or exponent,
    /// no leading zero, no overflow).
    fn u64(&mut self) -> Option<u64> {
        let start = self.i;
        let mut n: u64 = 0;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
            self.i += 1;
        }
        let digits = self.i - start;
        if digits == 0 || (digits > 1 && self.s[start] == b'0') || matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        Some(n)
    }

    fn opt_u64(&mut self) -> Option<Option<u64>> {
        if self.null() {
            return Some(None);
        }
        self.u64().map(Some)
    }

    fn u32(&mut self) -> Option<u32> {
        self.u64()?.try_into().ok()
    }

    fn bool(&mut self) -> Option<bool> {
        match self.peek()? {
            b't' => self.literal(b"true").map(|_| true),
            _ => self.literal(b"false").map(|_| false),
        }
    }

    /// A unit variant of a derived enum, named by a plain string.
    fn variant<T: for<'de> Deserialize<'de>>(&mut self) -> Option<T> {
        let name = self.plain_str()?;
        T::deserialize(IntoDeserializer::<serde::de::value::Error>::into_deserializer(name)).ok()
    }

    /// A number, checked as serde_json's `ignore_integer` checks it.
    fn skip_number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let digits = |p: &mut Self| {
            let start = p.i;
            while let Some(b'0'..=b'9') = p.peek() {
                p.i += 1;
            }
            p.i - start
        };
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => {
                digits(self);
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if digits(self) == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if digits(self) == 0 {
                return None;
            }
        }
        Some(())
    }

    /// Any value, skipped as serde_json's `ignore_value` skips it (without
    /// whitespace, up to 63 levels deep).
    fn skip(&mut self) -> Option<()> {
        // One bit per open bracket, 1 for an object.
        let (mut open, mut depth) = (0u64, 0u32);
        loop {
            match self.peek()? {
                b'"' => self.skip_str()?,
                b'-' | b'0'..=b'9' => self.skip_number()?,
                b'n' => self.literal(b"null")?,
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b @ (b'{' | b'[') => {
                    if depth == 63 {
                        return None;
                    }
                    self.i += 1;
                    let object = b == b'{';
                    if self.peek() != Some(if object { b'}' } else { b']' }) {
                        open = open << 1 | u64::from(object);
                        depth += 1;
                        if object {
                            self.skip_str()?;
                            self.byte(b':')?;
                        }
                        continue;
                    }
                    self.i += 1;
                }
                _ => return None,
            }
            // After a value: close what it ends, then a comma (and the next key).
            loop {
                if depth == 0 {
                    return Some(());
                }
                let object = open & 1 == 1;
                match self.next()? {
                    b',' => {
                        if object {
                            self.skip_str()?;
                            self.byte(b':')?;
                        }
                        break;
                    }
                    b'}' if object => {}
                    b']' if !object => {}
                    _ => return None,
                }
                open >>= 1;
                depth -= 1;
            }
        }
    }

    /// An object's members, each handed to `field` with its key's place
    /// in `keys` ([`UNKNOWN`] for any other key); `{`, `}` and the commas
    /// between are read here.
    fn object(&mut self, keys: &[&[u8]], field: impl FnMut(&mut Self, usize) -> Option<()>) -> Option<()> {
        self.byte(b'{')?;
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Some(());
        }
        self.members(keys, field)
    }

    /// The members of an object from its first key to its `}`. Each key is
    /// first expected to be the one after the last in `keys` (the order the
    /// writer writes them in), so most are compared once, not scanned and
    /// looked up.
    fn members(&mut self, keys: &[&[u8]], mut field: impl FnMut(&mut Self, usize) -> Option<()>) -> Option<()> {
        let mut next = 0;
        loop {
            let at = match keys.get(next) {
                Some(key) if self.expected_key(key) => next,
                _ => {
                    let key = self.key()?;
                    keys.iter().position(|k| *k == key).unwrap_or(UNKNOWN)
                }
            };
            if at != UNKNOWN {
                next = at + 1;
            }
            field(self, at)?;
            match self.next()? {
                b',' => {}
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }

    /// `"key":` next on the line: read.
    #[inline]
    fn expected_key(&mut self, key: &[u8]) -> bool {
        let n = key.len();
        let found = self
            .s
            .get(self.i..self.i + n + 3)
            .is_some_and(|s| s[0] == b'"' && &s[1..=n] == key && s[n + 1] == b'"' && s[n + 2] == b':');
        if found {
            self.i += n + 3;
        }
        found
    }

    /// An array's elements, each read by `element`.
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.byte(b'[')?;
        if self.peek() == Some(b']') {
            self.i += 1;
            return Some(());
        }
        loop {
            element(self)?;
            match self.next()? {
                b',' => {}
                b']' => return Some(()),
                _ => return None,
            }
        }
    }

    /// The members of an exchange after `"type":"exchange"`, as the derived
    /// `Deserialize` of [`Exchange`] reads them: unknown keys skipped, a
    /// missing `Option` is None, a missing anything else is refused.
    fn exchange(&mut self) -> Option<Exchange> {
        let (mut seq, mut task, mut step, mut journey, mut stage, mut channel) = (None, None, None, None, None, None);
        let (mut segment, mut question, mut expects, mut recognises, mut message) = (None, None, None, None, None);
        let (mut t_sent_us, mut http, mut reply, mut captures, mut error) = (None, None, None, None, None);
        // The object was opened, and its `"type"` read, by `exchange()`.
        self.members(EXCHANGE, |p, at| match at {
            0 => once(&mut seq, p.u64()?),
            1 => once(&mut task, p.task()?),
            2 => once(&mut step, p.u64()?.try_into().ok()?),
            3 => once(&mut journey, p.opt_string()?),
            4 => once(&mut stage, p.opt_string()?),
            5 => once(&mut channel, p.string()?),
            6 => once(&mut segment, p.string()?),
            7 => once(&mut question, p.opt_string()?),
            8 => once(&mut expects, p.strings()?),
            9 => once(&mut recognises, p.recognises()?),
            10 => once(&mut message, p.string()?),
            11 => once(&mut t_sent_us, p.u64()?),
            12 => once(&mut http, p.attempts()?),
            13 => once(&mut reply, p.reply()?),
            14 => once(&mut captures, p.captures()?),
            15 => once(&mut error, p.step_error()?),
            _ => p.skip(),
        })?;
        Some(Exchange {
            seq: seq?,
            task: task?,
            step: step?,
            journey: journey.flatten(),
            stage: stage.flatten(),
            channel: channel?,
            persona_segment: segment?,
            question: question.flatten(),
            expects: expects?,
            recognises: recognises.flatten(),
            message: message?,
            t_sent_us: t_sent_us?,
            http: http?,
            reply: reply.flatten(),
            captures: captures?,
            error: error.flatten(),
        })
    }

    fn task(&mut self) -> Option<Task> {
        let (mut kind, mut id, mut persona, mut repeat, mut question, mut channel) =
            (None, None, None, None, None, None);
        self.object(TASK, |p, at| match at {
            0 => once(&mut kind, p.variant::<TaskKind>()?),
            1 => once(&mut id, p.string()?),
            2 => once(&mut persona, p.string()?),
            3 => once(&mut repeat, p.u32()?),
            4 => once(&mut question, p.opt_string()?),
            5 => once(&mut channel, p.opt_string()?),
            _ => p.skip(),
        })?;
        Some(Task {
            kind: kind?,
            id: id?,
            persona: persona?,
            repeat: repeat?,
            question: question.flatten(),
            channel: channel.flatten(),
        })
    }

    fn strings(&mut self) -> Option<Vec<String>> {
        let mut out = Vec::new();
        self.array(|p| {
            out.push(p.string()?);
            Some(())
        })?;
        Some(out)
    }

    /// `null`, or an array of exactly two strings.
    fn recognises(&mut self) -> Option<Option<(String, String)>> {
        if self.null() {
            return Some(None);
        }
        self.byte(b'[')?;
        let name = self.string()?;
        self.byte(b',')?;
        let value = self.string()?;
        self.byte(b']')?;
        Some(Some((name, value)))
    }

    /// The attempts as `lean::http` reads them: what analysis reads of each.
    fn attempts(&mut self) -> Option<Vec<Http>> {
        let mut out = Vec::with_capacity(4);
        self.array(|p| {
            out.push(p.attempt()?);
            Some(())
        })?;
        Some(out)
    }

    /// `lean::Attempt`, as an `Http` without headers and bodies.
    fn attempt(&mut self) -> Option<Http> {
        let (mut purpose, mut attempt, mut method, mut url, mut t_start_us) = (None, None, None, None, None);
        let (mut t_first_byte_us, mut t_end_us, mut status, mut body_bytes) = (None, None, None, None);
        let (mut truncated, mut error, mut callback) = (None, None, None);
        self.object(ATTEMPT, |p, at| match at {
            0 => once(&mut purpose, p.variant::<Purpose>()?),
            1 => once(&mut attempt, p.u32()?),
            2 => once(&mut method, p.string()?),
            3 => once(&mut url, p.string()?),
            6 => once(&mut t_start_us, p.u64()?),
            7 => once(&mut t_first_byte_us, p.opt_u64()?),
            8 => once(&mut t_end_us, p.u64()?),
            9 => {
                let s = match p.opt_u64()? {
                    Some(s) => Some(u16::try_from(s).ok()?),
                    None => None,
                };
                once(&mut status, s)
            }
            13 => once(&mut body_bytes, p.u64()?),
            14 => once(&mut truncated, p.bool()?),
            15 => once(&mut error, p.opt_string()?),
            16 => {
                let note = if p.null() { None } else { Some(p.variant::<CallbackNote>()?) };
                once(&mut callback, note)
            }
            _ => p.skip(),
        })?;
        Some(Http {
            purpose: purpose?,
            attempt: attempt?,
            method: method?,
            url: url?,
            request_headers: Default::default(),
            request_body: None,
            t_start_us: t_start_us?,
            t_first_byte_us: t_first_byte_us.flatten(),
            t_end_us: t_end_us?,
            status: status.flatten(),
            headers: Default::default(),
            body: None,
            body_hash: None,
            body_bytes: body_bytes?,
            truncated: truncated?,
            error: error.flatten(),
            callback: callback.flatten(),
        })
    }

    /// `null`, or the reply without its item (`lean::item`).
    fn reply(&mut self) -> Option<Option<Reply>> {
        if self.null() {
            return Some(None);
        }
        let (mut text, mut item, mut t_earliest_us, mut t_latest_us) = (None, None, None, None);
        let (mut t_first_byte_us, mut t_last_byte_us) = (None, None);
        self.object(REPLY, |p, at| match at {
            0 => once(&mut text, p.string()?),
            1 => {
                p.skip()?;
                once(&mut item, ())
            }
            2 => once(&mut t_earliest_us, p.u64()?),
            3 => once(&mut t_latest_us, p.u64()?),
            4 => once(&mut t_first_byte_us, p.opt_u64()?),
            5 => once(&mut t_last_byte_us, p.opt_u64()?),
            _ => p.skip(),
        })?;
        Some(Some(Reply {
            text: text?,
            item: None,
            t_earliest_us: t_earliest_us?,
            t_latest_us: t_latest_us?,
            t_first_byte_us: t_first_byte_us.flatten(),
            t_last_byte_us: t_last_byte_us.flatten(),
        }))
    }

    /// A map of strings; a repeated key keeps its last value, as serde's does.
    fn captures(&mut self) -> Option<BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        self.byte(b'{')?;
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Some(out);
        }
        loop {
            let key = self.string()?;
            self.byte(b':')?;
            out.insert(key, self.string()?);
            match self.next()? {
                b',' => {}
                b'}' => return Some(out),
                _ => return None,
            }
        }
    }

    fn step_error(&mut self) -> Option<Option<StepError>> {
        if self.null() {
            return Some(None);
        }
        let (mut kind, mut message) = (None, None);
        self.object(STEP_ERROR, |p, at| match at {
            0 => once(&mut kind, p.variant::<ErrorKind>()?),
            1 => once(&mut message, p.string()?),
            _ => p.skip(),
        })?;
        Some(Some(StepError { kind: kind?, message: message? }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{json, Headers};
    use proptest::prelude::*;

    /// What serde_json's lean decoding makes of `line`.
    fn by_serde(line: &[u8]) -> Result<Record, String> {
        super::super::lean::decoding(|| super::super::decode::line(line)).map_err(|e| e.to_string())
    }

    /// Decoded here, the line is what serde_json decodes; true when it was.
    fn same(line: &[u8]) -> bool {
        match exchange(line) {
            Some(here) => {
                let serde = by_serde(line);
                assert!(
                    serde.as_ref() == Ok(&here),
                    "{}\nhere:  {here:?}\nserde: {serde:?}",
                    String::from_utf8_lossy(line)
                );
                true
            }
            None => false,
        }
    }

    fn write(x: Exchange) -> Vec<u8> {
        let mut out = Vec::new();
        json::write(&mut out, &Record::Exchange(Box::new(x))).expect("writes");
        out.push(b'\n');
        out
    }

    /// Characters a hostile target (or a careless one) puts in a reply.
    fn hostile() -> impl Strategy<Value = String> {
        let ch = prop_oneof![
            4 => any::<char>(),
            2 => (0u8..0x20).prop_map(char::from),
            2 => Just('"'),
            2 => Just('\\'),
            1 => Just('\u{7f}'),
            1 => Just('\u{2028}'),
            1 => Just('é'),
            1 => Just('😀'),
            8 => proptest::char::range('a', 'z'),
        ];
        proptest::collection::vec(ch, 0..40).prop_map(|v| v.into_iter().collect())
    }

    fn attempt(n: u64, s: &str, item_depth: usize) -> Http {
        let mut h = Http::started(
            [Purpose::Open, Purpose::Send, Purpose::Poll, Purpose::Webhook, Purpose::Stream][n as usize % 5],
            n as u32 % 3 + 1,
            "POST".into(),
            format!("http://127.0.0.1:1/chat?q={s}"),
            Headers::from_distinct(vec![("x-note".into(), s.into()), ("accept".into(), "*/*".into())]),
            n.is_multiple_of(2).then(|| format!(r#"{{"text":{s:?},"n":[1,-2.5e-3,true,null]}}"#)),
            n * 1_000_003,
        );
        h.t_first_byte_us = (!n.is_multiple_of(3)).then_some(n * 7);
        h.t_end_us = u64::MAX - n;
        h.status = (!n.is_multiple_of(4)).then_some(200 + n as u16);
        h.headers = Headers::from_distinct(vec![("content-type".into(), format!("text/{s}"))]);
        h.body = (n % 3 == 1).then(|| "[".repeat(item_depth) + &"]".repeat(item_depth));
        h.body_hash = (n % 2 == 1).then(|| "ab".repeat(16));
        h.body_bytes = n;
        h.truncated = n.is_multiple_of(5);
        h.error = (n % 3 == 2).then(|| format!("broke: {s}"));
        h.callback = [None, Some(CallbackNote::Duplicate), Some(CallbackNote::BadSignature)][n as usize % 3];
        h
    }

    fn an_exchange(n: u64, s: &str, item_depth: usize) -> Exchange {
        let item =
            (0..item_depth).fold(serde_json::json!({"text": s, "at": 1.5, "neg": -3}), |v, _| serde_json::json!([v]));
        Exchange {
            seq: n,
            task: Task {
                kind: if n.is_multiple_of(2) { TaskKind::Scenario } else { TaskKind::Sweep },
                id: format!("id-{s}"),
                persona: s.into(),
                repeat: n as u32,
                question: (n % 2 == 1).then(|| s.to_string()),
                channel: (n % 2 == 1).then(|| "chat".into()),
            },
            step: n as usize % 7,
            journey: (!n.is_multiple_of(3)).then(|| "purchase".into()),
            stage: (n % 3 == 1).then(|| s.to_string()),
            channel: "email".into(),
            persona_segment: s.into(),
            question: n.is_multiple_of(2).then(|| "refund-policy".into()),
            expects: (0..n % 4).map(|i| format!("{s}{i}")).collect(),
            recognises: (n % 3 == 2).then(|| ("case".to_string(), s.to_string())),
            message: format!("Hello \"{s}\"\nbye"),
            t_sent_us: n * 31,
            http: (0..n % 5).map(|i| attempt(n + i, s, item_depth)).collect(),
            reply: (n % 4 != 3).then(|| Reply {
                text: format!("{s} reply"),
                item: n.is_multiple_of(2).then_some(item),
                t_earliest_us: n,
                t_latest_us: n + 1,
                t_first_byte_us: n.is_multiple_of(3).then_some(n),
                t_last_byte_us: (n % 3 == 1).then_some(n + 2),
            }),
            captures: (0..n % 3).map(|i| (format!("k{i}{s}"), format!("v{s}"))).collect(),
            error: (n % 5 == 4).then(|| StepError { kind: ErrorKind::NoReply, message: s.into() }),
        }
    }

    /// Lines broken in every way one byte can break them (and cut short):
    /// each is decoded as serde_json decodes it, or left to serde_json.
    fn broken_the_same(line: &[u8]) {
        const BYTES: &[u8] = b"\"\\{}[],:0-.e1 nx\x01\x7f";
        let step = (line.len() / 150).max(1);
        for at in (0..line.len()).step_by(step) {
            for &b in BYTES {
                let mut l = line.to_vec();
                l[at] = b;
                same(&l);
                l.insert(at, b);
                same(&l);
            }
            let mut l = line.to_vec();
            l.remove(at);
            same(&l);
            same(&line[..at]);
        }
        // A non-UTF-8 byte inside a string.
        if let Some(at) = line.iter().position(|&b| b == b'a') {
            let mut l = line.to_vec();
            l[at] = 0xff;
            assert!(exchange(&l).is_none());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn written_exchanges_decode_here_as_serde_json_decodes_them(n in 0u64..1000, s in hostile()) {
            let line = write(an_exchange(n, &s, 2));
            prop_assert!(same(&line), "not decoded here: {}", String::from_utf8_lossy(&line));
        }

        #[test]
        fn broken_lines_decode_as_serde_json_decodes_them_or_not_here(n in 0u64..1000, s in hostile()) {
            broken_the_same(&write(an_exchange(n, &s, 1)));
        }
    }

    #[test]
    fn every_shape_of_exchange_decodes_here() {
        for n in 0..60 {
            assert!(same(&write(an_exchange(n, "plain text, ü and 😀", 3))), "{n}");
        }
    }

    #[test]
    fn recorded_lines_of_an_old_record_decode_here_and_broken_ones_as_serde_json_does() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/schema1/run.jsonl")).unwrap();
        let mut here = 0;
        for line in text.lines().filter(|l| l.starts_with(r#"{"type":"exchange""#)) {
            assert!(same(line.as_bytes()), "{line}");
            here += 1;
            broken_the_same(line.as_bytes());
        }
        assert!(here >= 10, "{here}");
        for line in text.lines().filter(|l| !l.starts_with(r#"{"type":"exchange""#)) {
            assert!(exchange(line.as_bytes()).is_none(), "only exchanges: {line}");
        }
    }

    #[test]
    fn what_is_left_to_serde_json() {
        let line = String::from_utf8(write(an_exchange(6, "x", 1))).unwrap();
        let cases = [
            // Whitespace between tokens, escaped keys, other number forms, another key order
            // for the tag: all valid JSON that serde_json decodes.
            line.replacen(r#""seq":6,"#, r#""seq": 6,"#, 1),
            line.replacen(r#""seq":6,"#, r#""se\u0071":6,"#, 1),
            line.replacen(r#"{"type":"exchange","seq":6,"#, r#"{"seq":6,"type":"exchange","#, 1),
            // Nested past what is skipped here.
            String::from_utf8(write(an_exchange(6, "x", 70))).unwrap(),
        ];
        for case in cases {
            assert!(exchange(case.as_bytes()).is_none(), "{case}");
            assert!(by_serde(case.as_bytes()).is_ok(), "{case}");
        }
        // Duplicate fields, unknown variants, out of range: serde_json's errors.
        for case in [
            line.replacen(r#""seq":6,"#, r#""seq":6,"seq":7,"#, 1),
            line.replacen(r#""purpose":"send""#, r#""purpose":"sent""#, 1),
            line.replacen(r#""status":"#, r#""status":70000,"x":"#, 1),
            line.replacen(r#""t_sent_us":186"#, r#""t_sent_us":-0"#, 1),
            line.replacen(r#""t_sent_us":186"#, r#""t_sent_us":186.0"#, 1),
        ] {
            assert!(exchange(case.as_bytes()).is_none(), "{case}");
            assert!(by_serde(case.as_bytes()).is_err(), "{case}");
        }
        // Unknown fields of any shape are skipped, as serde_json skips them.
        let unknown = r#""x":[-0.5E+3,0,1e9,{"a":[{},[]],"\u00e9\"":"\/"}],"y":{},"#;
        for case in [
            line.replacen(r#""step":6,"#, &format!(r#""step":6,{unknown}"#), 1),
            line.replacen(r#""method":"#, &format!(r#"{unknown}"method":"#), 1),
            line.replacen(r#""text":"x reply","#, &format!(r#""text":"x reply",{unknown}"#), 1),
        ] {
            assert!(same(case.as_bytes()), "{case}");
        }
    }
}
