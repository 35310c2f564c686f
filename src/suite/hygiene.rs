//! `[hygiene]` and `[[forbidden]]` in map.toml: which answer-hygiene checks
//! run, tuned for every channel or per channel, and the claims no channel
//! may ever make. The checks themselves are in `crate::analysis::hygiene`.
//!
//! ```toml
//! [hygiene]
//! language_min_words = 12          # shorter answers are never judged
//! fallback_phrases = ["let me check with a colleague"]
//!
//! [hygiene.channels.web]           # the help centre may use bold and links
//! allow_tags = ["b", "strong", "a"]
//!
//! [[forbidden]]
//! id = "old-price"
//! fact = "monthly_price"
//! value = "£24.99"
//! reason = "the price before April"
//! ```

use super::diagnostic::{did_you_mean, Diagnostic, Place};
use super::map::Map;
use super::source::{At, FileId, Seg};
use super::validate::Checker;
use crate::fact::{self, FactSpec, Locale};
use crate::path;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Settings of the hygiene checks. Every field is optional: a channel's
/// table overrides only what it sets, the rest comes from `[hygiene]`, and
/// what neither sets is the default (every check on).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HygieneSettings {
    /// All hygiene checks at once; `false` turns them off.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Unrendered placeholders and empty values (`{{first_name}}`, `undefined`).
    #[serde(default)]
    pub placeholders: Option<bool>,
    /// Raw JSON, stack traces and HTTP error pages instead of an answer.
    #[serde(default)]
    pub raw_output: Option<bool>,
    /// Garbled characters (`Ã©`, `â€™`).
    #[serde(default)]
    pub mojibake: Option<bool>,
    /// Answers that stop mid-sentence or mid-number.
    #[serde(default)]
    pub cut_off: Option<bool>,
    /// HTML tags and script in text answers; script and handlers in HTML ones.
    #[serde(default)]
    pub markup: Option<bool>,
    /// Tags this channel may send as they are (say `b`, `a`); script and
    /// event handlers are always reported.
    #[serde(default)]
    pub allow_tags: Option<Vec<String>>,
    /// Another customer's name, email, account or case reference in a reply.
    #[serde(default)]
    pub customer_data: Option<bool>,
    /// Fallbacks ("Sorry, I didn't understand") where another channel answers.
    #[serde(default)]
    pub fallback: Option<bool>,
    /// Phrases that mark a fallback on this channel, added to the English defaults.
    #[serde(default)]
    pub fallback_phrases: Option<Vec<String>>,
    /// `false`: only `fallback_phrases` count, not the English defaults.
    #[serde(default)]
    pub default_fallback_phrases: Option<bool>,
    /// `[[forbidden]]` claims.
    #[serde(default)]
    pub forbidden: Option<bool>,
    /// Answers in another language than the customer's.
    #[serde(default)]
    pub language: Option<bool>,
    /// Answers shorter than this many words are never judged for language.
    #[serde(default)]
    pub language_min_words: Option<u32>,
    /// Per channel: `[hygiene.channels.chat]` holds the same keys (no `channels`).
    #[serde(default)]
    pub channels: BTreeMap<String, HygieneSettings>,
}

/// A claim no channel may make: a text, a regex, or a value of a fact's kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Forbidden {
    /// Names the claim in findings; defaults to `forbidden-<n>` (1-based).
    #[serde(default)]
    pub id: Option<String>,
    /// Words that must never appear, matched case-insensitively on word boundaries.
    #[serde(default)]
    pub text: Option<String>,
    /// A regular expression that must never match.
    #[serde(default)]
    pub regex: Option<String>,
    /// With `value`: a value of this fact's kind that must never be stated
    /// (compared by meaning: "£24.99" also catches "24.99 GBP").
    #[serde(default)]
    pub fact: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
    /// Why it is forbidden, for the reader ("withdrawn in 2024").
    #[serde(default)]
    pub reason: Option<String>,
}

impl Forbidden {
    /// The claim's id as findings name it.
    pub fn name(&self, index: usize) -> String {
        self.id.clone().unwrap_or_else(|| format!("forbidden-{}", index + 1))
    }
}

/// Tags are written without brackets, lowercase letters and digits.
fn is_tag_name(tag: &str) -> bool {
    let mut chars = tag.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric())
}

/// Longest `language_min_words` accepted: beyond this no answer is judged.
const MAX_MIN_WORDS: u32 = 10_000;

impl Checker<'_> {
    /// Checks `[hygiene]` and `[[forbidden]]`: channels exist, settings make
    /// sense, regexes compile, forbidden fact values read as their kind.
    pub(super) fn hygiene(&mut self, file: FileId, map: &Map, channels: &BTreeSet<&str>) {
        self.hygiene_settings(file, path!["hygiene"], &map.hygiene, true);
        for (name, settings) in &map.hygiene.channels {
            let at = path!["hygiene", "channels", name.as_str()];
            if !channels.contains(name.as_str()) {
                let hint = did_you_mean(name, channels.iter().copied())
                    .or_else(|| Some("per-channel settings are keyed by a channel name from channels.toml".into()));
                self.diags.push(
                    Diagnostic::error(
                        format!("hygiene settings for unknown channel `{name}`"),
                        Place::Path(file, at.clone(), At::Key),
                    )
                    .label("not a channel in channels.toml")
                    .maybe_hint(hint),
                );
            }
            self.hygiene_settings(file, at, settings, false);
        }
        let locale = Locale { currency: map.locale.currency.clone(), country_code: map.locale.country_code.clone() };
        let mut ids = BTreeSet::new();
        for (i, f) in map.forbidden.iter().enumerate() {
            self.forbidden(file, i, f, map, &locale);
            if !ids.insert(f.name(i)) {
                self.hygiene_err(
                    file,
                    path!["forbidden", i, "id"],
                    format!("forbidden claim `{}` is defined twice", f.name(i)),
                    "duplicate id",
                    Some("give each [[forbidden]] a distinct `id`".into()),
                );
            }
        }
    }

    fn hygiene_err(&mut self, file: FileId, at: Vec<Seg>, message: String, label: &str, hint: Option<String>) {
        self.diags.push(Diagnostic::error(message, Place::Path(file, at, At::Value)).label(label).maybe_hint(hint));
    }

    fn hygiene_settings(&mut self, file: FileId, at: Vec<Seg>, s: &HygieneSettings, top: bool) {
        let with = |key: &str| {
            let mut p = at.clone();
            p.push(Seg::Key(key.to_string()));
            p
        };
        if !top && !s.channels.is_empty() {
            self.diags.push(
                Diagnostic::error(
                    "per-channel hygiene settings cannot hold `channels`",
                    Place::Path(file, with("channels"), At::Key),
                )
                .label("nested here")
                .hint("put every channel's table directly under [hygiene.channels]"),
            );
        }
        for (i, tag) in s.allow_tags.iter().flatten().enumerate() {
            let mut p = with("allow_tags");
            p.push(Seg::Index(i));
            let lower = tag.trim().trim_start_matches('<').trim_end_matches('>').to_ascii_lowercase();
            if lower == "script" {
                self.hygiene_err(
                    file,
                    p,
                    "`script` cannot be allowed".into(),
                    "always reported",
                    Some("script in an answer runs in the customer's browser; remove it from `allow_tags`".into()),
                );
            } else if !is_tag_name(tag) {
                self.hygiene_err(
                    file,
                    p,
                    format!("`{tag}` is not a tag name"),
                    "not a tag name",
                    Some("write tag names without brackets, e.g. \"b\" or \"a\"".into()),
                );
            }
        }
        for (i, phrase) in s.fallback_phrases.iter().flatten().enumerate() {
            if phrase.split_whitespace().next().is_none() {
                let mut p = with("fallback_phrases");
                p.push(Seg::Index(i));
                self.hygiene_err(
                    file,
                    p,
                    "an empty fallback phrase".into(),
                    "empty",
                    Some("write the words a fallback reply uses, e.g. \"could you rephrase\"".into()),
                );
            }
        }
        if let Some(n) = s.language_min_words {
            if n == 0 || n > MAX_MIN_WORDS {
                self.hygiene_err(file, with("language_min_words"), format!("`language_min_words` is {n}"), "out of range", Some(format!("use a number of words from 1 to {MAX_MIN_WORDS}; short answers cannot be told apart reliably, 8 or more is sensible")));
            }
        }
    }

    fn forbidden(&mut self, file: FileId, i: usize, f: &Forbidden, map: &Map, locale: &Locale) {
        let ways = [f.text.is_some(), f.regex.is_some(), f.fact.is_some()].iter().filter(|b| **b).count();
        if ways != 1 {
            let (message, label) = if ways == 0 {
                ("a forbidden claim says nothing to look for", "needs `text`, `regex` or `fact`")
            } else {
                ("a forbidden claim must use one of `text`, `regex` or `fact`", "more than one")
            };
            self.diags.push(
                Diagnostic::error(message, Place::Path(file, path!["forbidden", i], At::Key))
                    .label(label)
                    .hint("e.g. text = \"guaranteed\", regex = \"(?i)price freeze\", or fact = \"monthly_price\" with value = \"£24.99\""),
            );
        }
        if let Some(text) = &f.text {
            if text.split_whitespace().next().is_none() {
                self.hygiene_err(
                    file,
                    path!["forbidden", i, "text"],
                    "the forbidden text is empty".into(),
                    "empty",
                    Some("write the words no channel may say".into()),
                );
            }
        }
        if let Some(re) = &f.regex {
            if let Err(e) = regex::Regex::new(re) {
                let why = e.to_string();
                let last = why.lines().last().unwrap_or("invalid").trim().trim_start_matches("error: ").to_string();
                self.hygiene_err(
                    file,
                    path!["forbidden", i, "regex"],
                    "this regex does not compile".into(),
                    "invalid regex",
                    Some(last),
                );
            } else if regex::Regex::new(re).is_ok_and(|r| r.is_match("")) {
                self.hygiene_err(
                    file,
                    path!["forbidden", i, "regex"],
                    "this regex matches every answer".into(),
                    "matches the empty text",
                    Some("a forbidden regex must match some words, e.g. \"(?i)guaranteed\"".into()),
                );
            }
        }
        match (&f.fact, &f.value) {
            (Some(id), value) => match map.facts.get(id) {
                None => {
                    let hint = did_you_mean(id, map.facts.keys().map(String::as_str))
                        .or_else(|| Some("facts are defined in map.toml as [facts.<id>]".into()));
                    self.hygiene_err(
                        file,
                        path!["forbidden", i, "fact"],
                        format!("unknown fact `{id}`"),
                        "no such fact in map.toml",
                        hint,
                    );
                }
                Some(fact_def) => match value {
                    None => self.diags.push(
                        Diagnostic::error(
                            format!("forbidden fact `{id}` has no `value`"),
                            Place::Path(file, path!["forbidden", i], At::Key),
                        )
                        .label("needs `value`")
                        .hint("add the value that must never be stated, e.g. value = \"£24.99\""),
                    ),
                    Some(v) => {
                        let spec = FactSpec { keywords: fact_def.keywords.clone(), ..FactSpec::new(fact_def.kind) };
                        if let Err(why) = fact::parse_expected(&spec, v, locale) {
                            self.hygiene_err(
                                file,
                                path!["forbidden", i, "value"],
                                format!("the forbidden value is not a valid {}", fact_def.kind.name()),
                                "cannot read this value",
                                Some(why),
                            );
                        }
                    }
                },
            },
            (None, Some(_)) => self.hygiene_err(
                file,
                path!["forbidden", i, "value"],
                "`value` needs a `fact`".into(),
                "value of which fact?",
                Some("add fact = \"<id>\" so the value is read as that fact's kind, or use `text`".into()),
            ),
            (None, None) => {}
        }
    }
}
