//! Another customer's data: a reply to one persona holding another
//! persona's name, email address, phone, account number, or a value
//! captured in another persona's walk (a case reference). The contact
//! centre mixed up two customers — a privacy breach, always critical.
//!
//! What the run knows is what counts: every persona's own fields, and every
//! value captured on the way with the persona it was captured for. The
//! customer's own data, and a reference the same customer was given
//! earlier, are theirs. Only identifying values take part: full names (two
//! words or more), email addresses, and values with a digit and five or
//! more characters; a value several personas share belongs to no one.
//! Values are looked up token by token, so the check is linear in the reply.
//!
//! A reply is read in two steps: [`Owners::candidates`] finds the values
//! in it that could be someone's (tokens, phone numbers, full names); it
//! depends on the text alone, so a pass finds them once per distinct reply.
//! [`Owners::lookup`] then asks whose each one is as the run stands, which
//! changes as values are captured.

use super::text::inside;
use crate::suite::Persona;
use once_cell::sync::Lazy;
use regex::Regex;
use rustc_hash::FxHashMap;
use std::collections::BTreeSet;
use std::ops::Range;

/// A captured value seen in this many customers' walks is the system's,
/// not any one customer's (a shared queue name, a constant reference).
const PUBLIC_AFTER: usize = 3;
/// Phone numbers are compared on their last digits, so `+44 7700 900123`
/// and `07700 900123` are the same number.
const PHONE_DIGITS: usize = 9;
/// At most this many captured values are kept (~70 MB of tables at the
/// limit, a little under the point where they would next double); later
/// new ones are counted and not checked, so memory stays bounded whatever
/// the run's size.
const MOST_CAPTURED: usize = 1_800_000;

/// One personal value and who it belongs to. Kept small: a run with a
/// unique reference per walk holds one of these per walk until the end.
#[derive(Debug, Clone)]
struct Entry {
    owners: Holders,
    /// What the value is, in words ("email address", "account", "case
    /// ref"): an index into [`Owners::whats`].
    what: u16,
    /// Set from the suite (a persona's field), never from a capture.
    fixed: bool,
    public: bool,
}

/// Up to [`PUBLIC_AFTER`] persona indexes, in the order they came: a
/// value is public (or, for a suite field, shared) by the time a third
/// owner would be added, so more are never needed.
#[derive(Debug, Clone, Copy, Default)]
struct Holders {
    ids: [u32; PUBLIC_AFTER],
    len: u8,
}

impl Holders {
    fn as_slice(&self) -> &[u32] {
        &self.ids[..usize::from(self.len)]
    }

    fn contains(&self, id: u32) -> bool {
        self.as_slice().contains(&id)
    }

    /// Adds `id`; past capacity it is dropped (the value is public, or
    /// shared and dropped, by then).
    fn insert(&mut self, id: u32) {
        if usize::from(self.len) < PUBLIC_AFTER {
            self.ids[usize::from(self.len)] = id;
            self.len += 1;
        }
    }

    fn len(&self) -> usize {
        usize::from(self.len)
    }
}

/// Another persona's value in a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    pub span: Range<usize>,
    /// Whose it is (a persona id; the first when several).
    pub owner: String,
    pub what: String,
}

/// Every personal value known so far, by the fingerprint of the key it is
/// looked up with ([`fingerprint`]): a run that captures a unique reference
/// per walk holds 35–70 bytes per value (the table doubles as it grows),
/// and at most [`MOST_CAPTURED`] of them.
#[derive(Debug)]
pub struct Owners {
    /// Single tokens, lowercased: emails, account numbers, references.
    exact: FxHashMap<u64, Entry>,
    /// Full names, lowercased, words joined by one space.
    names: FxHashMap<u64, Entry>,
    /// How many words the names have (to look up word runs of those lengths).
    name_lengths: BTreeSet<usize>,
    /// The last digits of phone numbers.
    phones: FxHashMap<u64, Entry>,
    /// Captured values not kept because `most` were.
    untracked: u64,
    /// How many captured values are kept: [`MOST_CAPTURED`].
    most: usize,
    /// Persona ids and the words for what a value is, each stored once.
    personas: Interned,
    whats: Interned,
}

impl Default for Owners {
    fn default() -> Owners {
        Owners {
            exact: FxHashMap::default(),
            names: FxHashMap::default(),
            name_lengths: BTreeSet::new(),
            phones: FxHashMap::default(),
            untracked: 0,
            most: MOST_CAPTURED,
            personas: Interned::default(),
            whats: Interned::default(),
        }
    }
}

/// Strings stored once and named by their index.
#[derive(Debug, Default)]
struct Interned {
    index: FxHashMap<Box<str>, u32>,
    all: Vec<Box<str>>,
}

impl Interned {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = u32::try_from(self.all.len()).unwrap_or(u32::MAX);
        self.all.push(s.into());
        self.index.insert(s.into(), i);
        i
    }

    fn find(&self, s: &str) -> Option<u32> {
        self.index.get(s).copied()
    }

    fn str(&self, i: u32) -> &str {
        self.all.get(i as usize).map_or("", |s| s)
    }
}

/// The values in one text that could be someone's, outside the customer's
/// own words, in the order they are reported.
#[derive(Debug, Default)]
pub struct Candidates(Vec<Candidate>);

#[derive(Debug)]
struct Candidate {
    span: Range<usize>,
    table: Table,
    /// The fingerprint of the key it is looked up with.
    key: u64,
}

/// Which of the [`Owners`] maps a candidate is looked up in.
#[derive(Debug, Clone, Copy)]
enum Table {
    Exact,
    Phone,
    Name,
}

static PHONE: Lazy<Regex> = Lazy::new(|| Regex::new(r"\+?\d[\d \-().]{6,}\d").expect("valid regex"));
static WORD: Lazy<Regex> = Lazy::new(|| Regex::new(r"\p{L}[\p{L}'’\-]*").expect("valid regex"));

impl Owners {
    /// The personas' own fields. A value two personas share is dropped.
    pub fn from_personas(personas: &[Persona]) -> Owners {
        let mut owners = Owners::default();
        for p in personas {
            owners.add(&p.id, &p.name, || "name".into(), true, true);
            owners.add(&p.id, &p.email, || "email address".into(), false, true);
            for (key, value) in &p.vars {
                let what = key.replace(['_', '-'], " ");
                owners.add(&p.id, value, || what.clone(), what == "name", true);
            }
        }
        for map in [&mut owners.exact, &mut owners.names, &mut owners.phones] {
            map.retain(|_, e| e.owners.len() == 1);
        }
        owners
    }

    /// A value captured in `persona`'s walk: it is theirs from now on.
    /// Past [`MOST_CAPTURED`] values, new ones are not kept (the check
    /// then misses leaks of them; it never reports a false one).
    pub fn captured(&mut self, persona: &str, name: &str, value: &str) {
        self.add(persona, value, || name.replace(['_', '-'], " "), false, false);
    }

    /// Captured values the check did not keep (beyond [`MOST_CAPTURED`]).
    pub fn untracked(&self) -> u64 {
        self.untracked
    }

    /// `what` is worked out only for a value seen for the first time; a
    /// full name is looked up as a name only when it is a persona's `name`.
    fn add(&mut self, persona: &str, value: &str, what: impl FnOnce() -> String, name: bool, fixed: bool) {
        let value = value.trim();
        let full = !fixed && self.exact.len() + self.phones.len() >= self.most;
        let (map, key) = if let Some(digits) = phone_key(value) {
            (&mut self.phones, digits)
        } else if name && fixed && is_name(value) {
            let words: Vec<String> = value.split_whitespace().map(str::to_lowercase).collect();
            self.name_lengths.insert(words.len());
            (&mut self.names, words.join(" "))
        } else if is_identifying_token(value) {
            (&mut self.exact, value.to_lowercase())
        } else {
            return;
        };
        let key = fingerprint(&key);
        if full && !map.contains_key(&key) {
            if self.untracked == 0 {
                tracing::warn!(
                    "customer-data check: {} captured values kept; later new ones are not checked",
                    self.most
                );
            }
            self.untracked += 1;
            return;
        }
        let persona = self.personas.id(persona);
        let whats = &mut self.whats;
        let entry = map.entry(key).or_insert_with(|| {
            let what = u16::try_from(whats.id(&what())).unwrap_or(u16::MAX);
            Entry { owners: Holders::default(), what, fixed, public: false }
        });
        Self::own(entry, persona, fixed);
    }

    fn own(entry: &mut Entry, persona: u32, fixed: bool) {
        // A persona's own field stays theirs, whoever is later given it.
        if entry.public || (entry.fixed && !fixed) || entry.owners.contains(persona) {
            return;
        }
        entry.owners.insert(persona);
        if !entry.fixed && entry.owners.len() >= PUBLIC_AFTER {
            entry.public = true;
        }
    }

    /// Values in `text` (outside `skip`) that belong to someone other
    /// than `persona`.
    pub fn find(&self, text: &str, persona: &str, skip: &[Range<usize>]) -> Vec<Leak> {
        self.lookup(&self.candidates(text, skip), persona)
    }

    /// The values in `text` (outside `skip`) that could be someone's,
    /// whatever the run has seen so far: every identifying-looking token
    /// and phone number, and the full names of personas.
    pub fn candidates(&self, text: &str, skip: &[Range<usize>]) -> Candidates {
        let mut out = Vec::new();
        let mut push = |span: Range<usize>, table: Table, key: u64| {
            if !inside(&span, skip) {
                out.push(Candidate { span, table, key });
            }
        };
        for span in tokens(text) {
            let token = &text[span.clone()];
            // Only identifying tokens are ever keys: an email address (an
            // `@`) or a value with a digit. Lowercasing keeps both, so a
            // token with neither matches no key.
            if token.bytes().any(|b| b.is_ascii_digit() || b == b'@') {
                push(span, Table::Exact, fingerprint(&token.to_lowercase()));
            }
        }
        for m in PHONE.find_iter(text) {
            if let Some(key) = phone_key(m.as_str()) {
                push(m.range(), Table::Phone, fingerprint(&key));
            }
        }
        // Names come from the suite alone, so only the ones it has are kept.
        if !self.names.is_empty() {
            let words: Vec<Range<usize>> = WORD.find_iter(text).map(|m| m.range()).collect();
            for &n in &self.name_lengths {
                for run in words.windows(n) {
                    let spaced = run.windows(2).all(|w| text[w[0].end..w[1].start].chars().all(|c| c == ' '))
                        && run.windows(2).all(|w| w[1].start - w[0].end == 1);
                    if !spaced {
                        continue;
                    }
                    let key: Vec<String> = run.iter().map(|r| text[r.clone()].to_lowercase()).collect();
                    let key = fingerprint(&key.join(" "));
                    if self.names.contains_key(&key) {
                        push(run[0].start..run[n - 1].end, Table::Name, key);
                    }
                }
            }
        }
        Candidates(out)
    }

    /// The `candidates` that belong to someone other than `persona`, as
    /// the run stands.
    pub fn lookup(&self, candidates: &Candidates, persona: &str) -> Vec<Leak> {
        let mut out = Vec::new();
        for c in &candidates.0 {
            let map = match c.table {
                Table::Exact => &self.exact,
                Table::Phone => &self.phones,
                Table::Name => &self.names,
            };
            let Some(e) = map.get(&c.key) else { continue };
            if e.public || self.personas.find(persona).is_some_and(|p| e.owners.contains(p)) {
                continue;
            }
            if let Some(&owner) = e.owners.as_slice().first() {
                let (owner, what) = (self.personas.str(owner), self.whats.str(u32::from(e.what)));
                out.push(Leak { span: c.span.clone(), owner: owner.to_string(), what: what.to_string() });
            }
        }
        out.sort_by_key(|l| l.span.start);
        out
    }
}

/// Token spans: runs of letters, digits and `@._+-`, without the
/// punctuation a sentence puts around them.
fn tokens(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let is_part = |c: char| c.is_alphanumeric() || "@._+-".contains(c);
    let mut spans = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        match (is_part(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let token = &text[s..i];
                let lead = token.len() - token.trim_start_matches(['.', '-', '_', '+']).len();
                let trail = token.len() - token.trim_end_matches(['.', '-', '_', '+']).len();
                if s + lead < i - trail {
                    spans.push(s + lead..i - trail);
                }
                start = None;
            }
            _ => {}
        }
    }
    spans.into_iter()
}

/// A full name: two or more words of letters.
fn is_name(value: &str) -> bool {
    let words: Vec<&str> = value.split_whitespace().collect();
    words.len() >= 2 && words.iter().all(|w| w.chars().all(|c| c.is_alphabetic() || "'’-".contains(c)))
}

/// One token that points at a person: an email address, or five or more
/// characters with a digit (not a short number: "2024", "30").
fn is_identifying_token(value: &str) -> bool {
    let single = !value.is_empty() && value.chars().all(|c| c.is_alphanumeric() || "@._+-".contains(c));
    let email = value.contains('@') && value.contains('.');
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let all_digits = digits == value.chars().count();
    single && (email || (value.chars().count() >= 5 && digits > 0 && (!all_digits || digits >= 6)))
}

/// What a key is stored and looked up by: 64 bits of SipHash-1-3 with
/// fixed keys. Two different values share one with odds of about one in
/// 10^13 even with [`MOST_CAPTURED`] kept, far below any other error in a
/// finding; the saving is the key's text (a run with a unique reference
/// per walk held ~540 bytes per value with text keys and owner sets, ~115
/// with interned owners, ~70 with fingerprints: 1M unique references,
/// measured as RSS growth in a release build).
fn fingerprint(key: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    std::hash::Hasher::write(&mut h, key.as_bytes());
    std::hash::Hasher::finish(&h)
}

/// The last digits of a phone-like value: digits with spaces, dashes,
/// dots or brackets, at least nine digits.
fn phone_key(value: &str) -> Option<String> {
    let phone_chars = value.chars().all(|c| c.is_ascii_digit() || " -().+".contains(c));
    let has_separator = value.contains([' ', '-', '(', '+']);
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    (phone_chars && (has_separator || value.len() <= 15) && digits.len() >= PHONE_DIGITS)
        .then(|| digits[digits.len() - PHONE_DIGITS..].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn persona(id: &str, name: &str, email: &str, vars: &[(&str, &str)]) -> Persona {
        let toml = format!("id = {id:?}\nname = {name:?}\nemail = {email:?}\n");
        let mut p: Persona = toml::from_str(&toml).expect("persona");
        p.vars = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>();
        p
    }

    fn demo() -> Owners {
        Owners::from_personas(&[
            persona("jane", "Jane Doe", "jane.doe@example.com", &[("phone", "07700 900123")]),
            persona("raj", "Raj Patel", "raj.patel@example.com", &[("account", "AC-100234"), ("plan", "Fibre")]),
            persona("sam", "Sam Okoro", "sam.okoro@example.com", &[("account", "AC-100871"), ("tier", "T-2024")]),
            persona("kim", "Kim Lee", "kim.lee@example.com", &[("tier", "T-2024")]),
        ])
    }

    fn leaks(o: &Owners, text: &str, to: &str) -> Vec<(String, String)> {
        o.find(text, to, &[]).into_iter().map(|l| (text[l.span].to_string(), l.owner)).collect()
    }

    #[test]
    fn another_customers_values() {
        let o = demo();
        assert_eq!(leaks(&o, "Renewal for account AC-100234 confirmed.", "sam"), [("AC-100234".into(), "raj".into())]);
        assert_eq!(
            leaks(&o, "We wrote to raj.patel@example.com.", "jane"),
            [("raj.patel@example.com".into(), "raj".into())]
        );
        assert_eq!(leaks(&o, "Thanks, Raj Patel!", "jane"), [("Raj Patel".into(), "raj".into())]);
        assert_eq!(leaks(&o, "We'll call +44 7700 900123 today", "raj"), [("+44 7700 900123".into(), "jane".into())]);
    }

    #[test]
    fn the_customers_own_data_is_fine() {
        let o = demo();
        assert!(leaks(&o, "Hi Raj Patel, account AC-100234 renews in May.", "raj").is_empty());
        assert!(leaks(&o, "Hi Jane, we'll call 07700 900123.", "jane").is_empty());
    }

    #[test]
    fn shared_and_vague_values_are_no_ones() {
        let o = demo();
        // Two personas hold T-2024; first names alone, plans and short numbers are not identifying.
        assert!(leaks(&o, "Your tier is T-2024. Hi Raj! Fibre costs £29.99 for 2024.", "jane").is_empty());
        assert!(leaks(&o, "Raj Patelson called", "jane").is_empty());
    }

    #[test]
    fn captured_references_belong_to_their_walk() {
        let mut o = demo();
        o.captured("jane", "case_ref", "CASE-48213");
        assert!(leaks(&o, "About CASE-48213: fixed.", "jane").is_empty(), "the same persona was given it earlier");
        assert_eq!(leaks(&o, "About CASE-48213: fixed.", "sam"), [("CASE-48213".into(), "jane".into())]);
        // Given to everyone: the system's, not a customer's.
        o.captured("sam", "case_ref", "CASE-48213");
        o.captured("raj", "case_ref", "CASE-48213");
        assert!(leaks(&o, "About CASE-48213: fixed.", "kim").is_empty());
    }
}

#[cfg(test)]
mod bound {
    use super::*;

    #[test]
    fn captured_values_past_the_limit_are_counted_not_kept() {
        let mut o = Owners { most: 1000, ..Owners::default() };
        for i in 0..1000 {
            o.captured("jane", "case_ref", &format!("CASE-{i:07}"));
        }
        assert_eq!(o.untracked(), 0);
        o.captured("jane", "case_ref", "CASE-9999999");
        o.captured("sam", "case_ref", "CASE-0000001");
        assert_eq!(o.untracked(), 1, "a value already kept still gains owners");
        assert!(o.find("About CASE-9999999.", "sam", &[]).is_empty(), "not kept: never reported");
        assert_eq!(o.find("About CASE-0000002.", "sam", &[]).len(), 1, "kept values are still checked");
    }
}
