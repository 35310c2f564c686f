//! Response bodies stored once per run. A poll that returns the same
//! transcript or mailbox as an earlier one is recorded by reference, so
//! `run.jsonl` grows with what changed, not with how often it was asked —
//! and stays the complete raw record: every body reads back byte for byte.
//!
//! The format, per HTTP attempt:
//! - `"body": "…"` — the body whole (old records; small bodies);
//! - `"body": {"parts": [["<hash>", "text"], "<hash>", …]}` — the body cut
//!   into content-defined chunks, concatenated in order; `[hash, text]`
//!   defines a chunk, a bare `"hash"` repeats a chunk defined earlier in the
//!   file. A mailbox that gained one message shares all but its last chunks
//!   with the previous poll of it, and a poll from another place in it
//!   shares its items (chunks are cut at the items of a JSON list);
//! - `"body_hash": "<hash>"` — the content hash of the body. With a body, it
//!   defines it; without one, the body is the one with that hash recorded
//!   earlier in the file or in the same exchange (a repeat). A poll the
//!   engine did not keep (see `engine/polls.rs`) has a hash no body
//!   matches: it reads back with no body.
//!
//! Hashes are the first 128 bits of SHA-256, in hex. Only the writer cuts
//! chunks; readers just concatenate, so the chunking can change freely.
//! Readers that need bodies keep every distinct chunk of the run in memory
//! (bounded by the file's size); lean readers (analysis, report) skip them.

use super::Http;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, SerializeTuple};
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

/// Bodies shorter than this are written whole every time: a reference would save little.
pub const ADDRESSED_FROM: usize = 512;
/// Bodies at least this long are cut into chunks.
const CHUNKED_FROM: usize = 1024;
/// Text between the items of a list ([`chunks`]) is cut where the rolling
/// hash's low 12 bits are zero, at least 1 KB and at most 16 KB apart
/// (~5 KB). Smaller chunks were tried on the demo's mailbox polls and
/// cost more: a chunk of pure boilerplate (a signature, an email footer)
/// follows a different chunk in every message, so it breaks the runs of
/// known chunks (`[hash, n]`) into a reference per message.
const CHUNK_MIN: usize = 1024;
const CHUNK_MAX: usize = 16 * 1024;
const CHUNK_MASK: u64 = (1 << 12) - 1;

/// A content hash: the first 128 bits of SHA-256.
pub type Hash = u128;

pub fn hash(text: &str) -> Hash {
    let digest = Sha256::digest(text.as_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_be_bytes(first)
}

/// The hash a body is recorded by, for a body long enough to be stored by
/// reference ([`ADDRESSED_FROM`]): the engine computes it once per response
/// (the page cache keys on it) and the writer reuses it.
pub fn key(text: &str) -> Option<Hash> {
    (text.len() >= ADDRESSED_FROM).then(|| hash(text))
}

pub fn hex(h: Hash) -> String {
    format!("{h:032x}")
}

/// Whether `s` is written as [`hex`] writes a hash (32 lower-case hex digits).
fn canonical(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn parse_hex(s: &str) -> Option<Hash> {
    (s.len() == 32).then(|| u128::from_str_radix(s, 16).ok()).flatten()
}

/// The rolling hash's table: 256 fixed pseudo-random words (splitmix64).
const GEAR: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut i = 0;
    while i < 256 {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        t[i] = z ^ (z >> 31);
        i += 1;
    }
    t
};

/// Content-defined chunks of `text` (gear rolling hash): an insertion or a
/// removal changes only the chunks around it, so two versions of a growing
/// mailbox share the rest. Cuts fall on character boundaries.
///
/// The items of a JSON list (objects after `[` or `,`) cut too: after the
/// `[` before the first item (`{"messages":[` alone), and around every item
/// of at least [`ITEM_CUT`] bytes — before the `,` that precedes it and
/// before the `]` that ends the list, so an item reads the same (`,{…}`)
/// wherever it sits but first. These cuts depend on the text alone, not on
/// where the chunk began, so a list polled from different places — a
/// mailbox from each walk's cursor, a transcript, search hits — cuts at the
/// same items wherever it starts, and a poll stores the items new to the
/// run rather than the chunk around each place it starts and ends. Lists
/// of small items are cut by the rolling hash alone.
pub fn chunks(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    // Where the current chunk starts, the rolling hash, where the last item started.
    let (mut start, mut h, mut item) = (0, 0u64, None::<usize>);
    for (i, &b) in bytes.iter().enumerate() {
        let before = || if matches!(b, b'{' | b']') { last_byte(&bytes[..i]) } else { None };
        let cut = match (b, before()) {
            (b'{', Some((j, b'['))) => {
                let first = item.is_none();
                item = Some(i);
                first.then_some(j + 1)
            }
            (b'{', Some((j, b','))) => {
                let long = item.is_some_and(|p| i - p >= ITEM_CUT);
                item = Some(i);
                long.then_some(j)
            }
            (b']', Some((_, b'}'))) => item.filter(|p| i - p >= ITEM_CUT).map(|_| i),
            _ => None,
        };
        if let Some(at) = cut.filter(|at| *at > start && (start == 0 || *at >= start + ITEM_CUT_MIN)) {
            out.push(&text[start..at]);
            (start, h) = (at, 0);
        }
        let len = i + 1 - start;
        if len > CHUNK_MIN {
            h = (h << 1).wrapping_add(GEAR[b as usize]);
        }
        if text.is_char_boundary(i + 1) && ((len > CHUNK_MIN && h & CHUNK_MASK == 0) || len >= CHUNK_MAX) {
            out.push(&text[start..=i]);
            (start, h) = (i + 1, 0);
        }
    }
    if start < bytes.len() {
        out.push(&text[start..]);
    }
    out
}

/// An item of a list this long is a chunk boundary on both sides.
const ITEM_CUT: usize = 256;
/// ...unless the chunk would be shorter than this (it began inside the item).
const ITEM_CUT_MIN: usize = 32;

/// The last byte of `before` that is not white space (within 64 bytes), and where it is.
fn last_byte(before: &[u8]) -> Option<(usize, u8)> {
    let skipped = before.iter().rev().take(64).position(|b| !b.is_ascii_whitespace())?;
    let at = before.len() - 1 - skipped;
    Some((at, before[at]))
}

/// What the writer has written so far in this file, so repeats become references.
#[derive(Default)]
pub struct Written {
    bodies: HashSet<Hash>,
    chunks: Chunks,
}

/// The chunks in the file, and which chunk followed each where it was last
/// written: a run of chunks repeated in order is one reference (`[hash, n]`).
/// Readers track the same succession, in the same order, so it needs no
/// space in the file.
#[derive(Default)]
pub struct Chunks {
    written: HashSet<Hash>,
    next: HashMap<Hash, Hash>,
}

/// Beyond this many hashes the writer starts afresh (the next repeat is written whole again).
const WRITTEN_MAX: usize = 4_000_000;

impl Written {
    /// Gives every large body its hash and turns a body already in the file into a reference.
    pub fn dedupe(&mut self, http: &mut [Http]) {
        if self.bodies.len() + self.chunks.written.len() > WRITTEN_MAX {
            self.forget();
        }
        for h in http {
            let Some(body) = &h.body else { continue };
            if body.len() < ADDRESSED_FROM {
                continue;
            }
            // Hashed by the engine as the response arrived, once, and
            // recorded as `hex` wrote it: kept as it is (no second format).
            let k = match h.body_hash.as_deref().filter(|s| canonical(s)).and_then(parse_hex) {
                Some(k) => k,
                None => {
                    let k = hash(body);
                    h.body_hash = Some(hex(k));
                    k
                }
            };
            debug_assert_eq!(k, hash(body), "a body's recorded hash is its own");
            if !self.bodies.insert(k) {
                h.body = None;
            }
        }
    }

    /// After a failed write: what was meant to be written may not be in the
    /// file, so nothing may refer to it.
    pub fn forget(&mut self) {
        self.bodies.clear();
        self.chunks = Chunks::default();
    }

    /// Runs `write` (serialising records) with long bodies written as chunks.
    pub fn encoding<T>(&mut self, write: impl FnOnce() -> T) -> T {
        let chunks = std::mem::take(&mut self.chunks);
        ENCODER.with(|e| *e.borrow_mut() = Some(chunks));
        let out = write();
        self.chunks = ENCODER.with(|e| e.borrow_mut().take()).unwrap_or_default();
        out
    }
}

/// What a reader has read so far in this file, so references resolve.
#[derive(Default)]
pub struct Store {
    chunks: HashMap<Hash, Arc<str>>,
    /// Which chunk followed each where it was last read (see [`Chunks`]).
    next: HashMap<Hash, Hash>,
    bodies: HashMap<Hash, Arc<str>>,
}

impl Store {
    /// Runs `decode` (one line) with references resolved against this store.
    pub fn decoding<T>(&mut self, decode: impl FnOnce() -> T) -> T {
        let store = std::mem::take(self);
        DECODER.with(|d| *d.borrow_mut() = Some(store));
        let out = decode();
        *self = DECODER.with(|d| d.borrow_mut().take()).unwrap_or_default();
        out
    }
}

thread_local! {
    static ENCODER: RefCell<Option<Chunks>> = const { RefCell::new(None) };
    static DECODER: RefCell<Option<Store>> = const { RefCell::new(None) };
}

/// With the reader's store, or a store for this exchange alone (a line decoded on its own).
fn with_store<T>(f: impl FnOnce(&mut Store) -> T) -> T {
    DECODER.with(|d| match d.borrow_mut().as_mut() {
        Some(store) => f(store),
        None => f(&mut Store::default()),
    })
}

/// After an exchange's attempts are decoded: bodies with a hash are
/// remembered, and attempts that only name a hash get that body back.
pub(super) fn settle(http: &mut [Http]) {
    if http.iter().all(|h| h.body_hash.is_none()) {
        return;
    }
    with_store(|store| {
        for h in http.iter_mut() {
            if let (Some(body), Some(k)) = (&h.body, h.body_hash.as_deref().and_then(parse_hex)) {
                // Checked, so a record damaged in the middle gives no body rather than a wrong one.
                if hash(body) != k {
                    h.body = None;
                    continue;
                }
                store.bodies.entry(k).or_insert_with(|| Arc::from(body.as_str()));
            }
        }
        for h in http.iter_mut() {
            if h.body.is_none() {
                if let Some(k) = h.body_hash.as_deref().and_then(parse_hex) {
                    h.body = store.bodies.get(&k).map(|b| b.to_string());
                }
            }
        }
    });
}

/// `Http::body`: whole, or as chunks while a [`Written::encoding`] is in progress.
pub(super) fn serialize<S: Serializer>(body: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    let Some(text) = body else { return s.serialize_none() };
    if text.len() < CHUNKED_FROM {
        return s.serialize_str(text);
    }
    // Which chunks this body defines and which it repeats, decided (and
    // remembered) before anything is written.
    let plan: Option<Vec<Out>> = ENCODER.with(|e| {
        let mut e = e.borrow_mut();
        Some(e.as_mut()?.plan(text))
    });
    let Some(plan) = plan else { return s.serialize_str(text) };
    let mut map = s.serialize_map(Some(1))?;
    map.serialize_entry("parts", &Parts(plan))?;
    map.end()
}

/// One part of a body as written.
enum Out<'a> {
    Def(Hash, &'a str),
    Ref(Hash),
    /// This chunk and the `n - 1` that followed it.
    Run(Hash, usize),
}

impl Chunks {
    fn plan<'a>(&mut self, text: &'a str) -> Vec<Out<'a>> {
        let pieces = chunks(text);
        let keys: Vec<Hash> = pieces.iter().map(|p| hash(p)).collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < keys.len() {
            let k = keys[i];
            if self.written.insert(k) {
                out.push(Out::Def(k, pieces[i]));
                i += 1;
                continue;
            }
            let mut n = 1;
            while i + n < keys.len()
                && self.next.get(&keys[i + n - 1]) == Some(&keys[i + n])
                && self.written.contains(&keys[i + n])
            {
                n += 1;
            }
            out.push(if n == 1 { Out::Ref(k) } else { Out::Run(k, n) });
            i += n;
        }
        for pair in keys.windows(2) {
            self.next.insert(pair[0], pair[1]);
        }
        out
    }
}

struct Parts<'a>(Vec<Out<'a>>);

impl Serialize for Parts<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for part in &self.0 {
            match part {
                Out::Def(k, piece) => seq.serialize_element(&Def(*k, piece))?,
                Out::Ref(k) => seq.serialize_element(&hex(*k))?,
                Out::Run(k, n) => seq.serialize_element(&(hex(*k), n))?,
            }
        }
        seq.end()
    }
}

struct Def<'a>(Hash, &'a str);

impl Serialize for Def<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(2)?;
        t.serialize_element(&hex(self.0))?;
        t.serialize_element(self.1)?;
        t.end()
    }
}

/// `Http::body`: a string, or chunks resolved against the reader's store.
/// A chunk the store does not hold (a line skipped unread) leaves no body.
pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(BodyVisitor)
}

struct BodyVisitor;

impl<'de> Visitor<'de> for BodyVisitor {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a body: a string, null, or {\"parts\": [...]}")
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut body = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "parts" {
                body = map.next_value_seed(PartsSeed)?;
            } else {
                map.next_value::<de::IgnoredAny>()?;
            }
        }
        Ok(body)
    }
}

struct PartsSeed;

impl<'de> de::DeserializeSeed<'de> for PartsSeed {
    type Value = Option<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(PartsVisitor)
    }
}

struct PartsVisitor;

impl<'de> Visitor<'de> for PartsVisitor {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of chunks: [hash, text] or hash")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut parts = Vec::new();
        while let Some(part) = seq.next_element::<Part>()? {
            parts.push(part);
        }
        Ok(with_store(|store| store.assemble(parts)))
    }
}

impl Store {
    /// A body from its parts; None when a chunk is not known (a line skipped unread).
    fn assemble(&mut self, parts: Vec<Part>) -> Option<String> {
        let mut text = String::new();
        let mut keys: Vec<Hash> = Vec::new();
        let mut whole = true;
        for part in parts {
            match part {
                Part::Def(k, piece) => {
                    text.push_str(&piece);
                    if let Some(k) = parse_hex(&k) {
                        self.chunks.entry(k).or_insert_with(|| Arc::from(piece.as_str()));
                        keys.push(k);
                    }
                }
                Part::Run(k, n) => {
                    let mut k = parse_hex(&k);
                    for i in 0..n.max(1) {
                        if i > 0 {
                            k = k.and_then(|k| self.next.get(&k).copied());
                        }
                        match k.and_then(|k| self.chunks.get(&k)) {
                            Some(piece) => text.push_str(piece),
                            None => whole = false,
                        }
                        keys.extend(k);
                    }
                }
            }
        }
        for pair in keys.windows(2) {
            self.next.insert(pair[0], pair[1]);
        }
        whole.then_some(text)
    }
}

enum Part {
    Def(String, String),
    /// A chunk and the `n - 1` that followed it (a bare hash: n = 1).
    Run(String, usize),
}

impl<'de> de::Deserialize<'de> for Part {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Part;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a chunk: [hash, text] or hash")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Part, E> {
                Ok(Part::Run(v.to_string(), 1))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Part, A::Error> {
                let k: String = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let second: TextOrCount = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
                Ok(match second {
                    TextOrCount::Text(text) => Part::Def(k, text),
                    TextOrCount::Count(n) => Part::Run(k, n),
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// The second element of a chunk part: its text (a definition) or a count (a run).
enum TextOrCount {
    Text(String),
    Count(usize),
}

impl<'de> de::Deserialize<'de> for TextOrCount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = TextOrCount;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a chunk's text or a count of chunks")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TextOrCount, E> {
                Ok(TextOrCount::Text(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<TextOrCount, E> {
                Ok(TextOrCount::Text(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<TextOrCount, E> {
                Ok(TextOrCount::Count(v.min(1 << 20) as usize))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_text_and_resynchronise_after_an_insertion() {
        let text: String = (0..3000).map(|i| format!("{{\"id\":{i},\"text\":\"message number {i}\"}},")).collect();
        let pieces = chunks(&text);
        assert_eq!(pieces.concat(), text);
        assert!(pieces.iter().all(|p| p.len() <= CHUNK_MAX));
        // Drop the first message and add one at the end: most chunks survive.
        let grown =
            format!("{}{{\"id\":3000,\"text\":\"message number 3000\"}},", &text[text.find("},").unwrap() + 2..]);
        let before: HashSet<Hash> = pieces.iter().map(|p| hash(p)).collect();
        let after = chunks(&grown);
        let shared = after.iter().filter(|p| before.contains(&hash(p))).count();
        assert!(shared + 3 >= after.len(), "{shared} of {} chunks shared", after.len());
        let multibyte = "é".repeat(20_000);
        assert_eq!(chunks(&multibyte).concat(), multibyte, "cuts fall on character boundaries");
    }

    /// A mailbox shared by many walks, each polling from its own cursor:
    /// every message comes back in several polls, at different places in
    /// them. Cut at its items, a poll defines only the messages new to the
    /// run; cut every ~5 KB wherever the rolling hash said, it stored the
    /// chunk around each place it started and ended again (8× the messages
    /// here, 4× in the demo's 11,310-exchange run).
    #[test]
    fn a_list_polled_from_different_places_is_stored_about_once() {
        let mut rng = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        // A vocabulary of 300 made-up words, 2 to 9 letters.
        let words: Vec<String> =
            (0..300).map(|_| (0..2 + next(8)).map(|_| char::from(b'a' + next(26) as u8)).collect()).collect();
        let messages: Vec<String> = (0..400)
            .map(|i| {
                let text: Vec<&str> = (0..60 + next(120)).map(|_| words[next(300) as usize].as_str()).collect();
                format!(
                    r#"{{"seq":{i},"id":"<{:012x}@support.example>","subject":"Re: question {i}","text":"Hello,\n\n{}\n\nKind regards,\nSupport team\n-- \nExample Ltd, 1 High Street, London. Registered in England 01234567. Calls cost up to 9p per minute. This email is confidential.","auto_reply":{}}}"#,
                    next(1 << 48),
                    text.join(" "),
                    i % 2 == 0
                )
            })
            .collect();
        let mut written = Chunks::default();
        let (mut defined, mut polls, mut cursors) = (0, 0, [0usize; 16]);
        for t in 1..=messages.len() {
            for _ in 0..2 {
                let walk = next(16) as usize;
                let body = format!(r#"{{"messages":[{}],"next":{t}}}"#, messages[cursors[walk]..t].join(","));
                cursors[walk] = t;
                if body.len() < CHUNKED_FROM {
                    continue;
                }
                polls += 1;
                for part in written.plan(&body) {
                    if let Out::Def(_, text) = part {
                        defined += text.len();
                    }
                }
            }
        }
        let distinct: usize = messages.iter().map(String::len).sum();
        // Each message in two forms at most (first in a poll, `{…}`, and
        // after another, `,{…}`), and each poll's own ends (`],"next":…}`).
        assert!(
            defined < distinct * 2 + polls * 200,
            "{defined} bytes defined for {distinct} bytes of messages in {polls} polls"
        );
    }
}
