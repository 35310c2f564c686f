//! Answer hygiene: what no fact check catches. A reply can state every
//! fact right and still greet the customer with `Hi {{first_name}}`, carry
//! `<script>`, quote another customer's account number, shrug "Sorry, I
//! didn't understand", promise what the company withdrew, or answer in
//! French.
//!
//! One file per detector, each a pure function over text returning [`Hit`]s
//! whose spans fall on character boundaries of the text it was given:
//!
//! - [`placeholder`] and [`empty_value`]: leaked template (`{{first_name}}`,
//!   `%s`, `[CUSTOMER_NAME]`; `undefined`, `null`, `NaN` where a value belongs);
//! - [`raw`]: JSON, a stack trace or an HTTP error page instead of an answer;
//! - [`mojibake`]: `Ã©`, `â€™`; [`cut_off`]: stops mid-sentence or mid-number;
//! - [`markup`]: tags and script in text answers, script in HTML ones;
//! - [`leak`]: another persona's data (needs the run so far: [`hook`]);
//! - [`fallback`]: fallback phrases and empty answers (phrases in
//!   `fallbacks.txt`), judged across channels at the end of the pass;
//! - [`forbidden`]: map.toml's `[[forbidden]]` claims;
//! - [`language`]: the answer's language against the persona's locale.
//!
//! The detectors that look for what cleaning removes (markup, script,
//! placeholders, raw output, garbled text, another customer's data) read
//! the **raw** reply, minus the customer's own words it quotes
//! ([`region`]); those about what the company *says* (cut off, forbidden
//! claims, fallbacks, language) read the cleaned answer, so the customer's
//! quoted question is never taken for the company's claim. HTML replies are
//! read through their answer region: the page around it is not the answer.
//!
//! Precision first: a false alarm costs more than a miss, so every
//! detector comes with near-misses that must not fire (see their tests).
//! Invariant: pure and total — any text in, no panic.

pub mod cut_off;
pub mod empty_value;
pub mod fallback;
pub mod forbidden;
pub(super) mod hook;
pub mod language;
pub mod leak;
pub mod markup;
pub mod mojibake;
pub mod placeholder;
pub mod raw;
pub mod region;
mod text;

use crate::analysis::clean::{looks_like_html, AnswerFormat};
use crate::fact::Locale;
use crate::suite::hygiene::HygieneSettings;
use crate::verdict::{FindingKind, Severity};
use std::ops::Range;
use whatlang::Lang;

/// One thing a detector found: where, what in words, how serious.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Byte range in the text the detector was given, on char boundaries.
    pub span: Range<usize>,
    /// "the placeholder {{first_name}}", for the reader.
    pub what: String,
    pub severity: Severity,
}

impl Hit {
    pub fn new(span: Range<usize>, what: String, severity: Severity) -> Hit {
        Hit { span, what, severity }
    }
}

/// Which text a hit's span points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The reply body as received.
    Raw,
    /// The answer as the customer reads it (`analysis::clean`).
    Cleaned,
    /// The HTML answer region ([`Scan::region`]).
    Region,
}

/// A hit and the finding kind it is evidence of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub kind: FindingKind,
    pub source: Source,
    pub hit: Hit,
    /// What else tells findings of this kind apart: the forbidden rule's id.
    pub detail: Option<String>,
}

/// Everything the per-reply detectors found in one reply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// The HTML answer region, when a hit points into it.
    pub region: Option<String>,
    pub found: Vec<Found>,
}

/// One reply as the detectors see it.
#[derive(Debug, Clone, Copy)]
pub struct Reply<'t> {
    pub raw: &'t str,
    pub cleaned: &'t str,
    pub format: AnswerFormat,
    /// The channel's CSS selector of the answer region (HTML).
    pub region: Option<&'t str>,
    /// What the customer said: their words quoted back are theirs.
    pub message: &'t str,
}

impl Reply<'_> {
    /// Whether the body is HTML (a web page, an HTML email).
    pub fn is_html(&self) -> bool {
        self.format == AnswerFormat::Html || (self.format == AnswerFormat::Email && looks_like_html(self.raw))
    }

    /// The text the raw-reading detectors read, where its spans point, and
    /// the customer's own words in it to skip.
    fn raw_text(&self) -> (&str, Source, Vec<Range<usize>>) {
        if self.is_html() {
            (self.cleaned, Source::Cleaned, Vec::new())
        } else {
            (self.raw, Source::Raw, region::customer_words(self.raw, self.message))
        }
    }
}

/// The hygiene settings of one channel, resolved: `[hygiene.channels.X]`
/// over `[hygiene]` over the defaults (everything on).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub placeholders: bool,
    pub raw_output: bool,
    pub mojibake: bool,
    pub cut_off: bool,
    pub markup: bool,
    pub allow_tags: Vec<String>,
    pub customer_data: bool,
    pub fallback: bool,
    pub phrases: fallback::Phrases,
    pub forbidden: bool,
    pub language: bool,
    pub language_min_words: u32,
}

impl Settings {
    /// The settings for `channel`.
    pub fn resolve(spec: &HygieneSettings, channel: &str) -> Settings {
        let over = spec.channels.get(channel);
        let pick = |f: fn(&HygieneSettings) -> Option<bool>| -> bool {
            let enabled = over.and_then(|o| o.enabled).or(spec.enabled).unwrap_or(true);
            enabled && over.and_then(f).or_else(|| f(spec)).unwrap_or(true)
        };
        let allow_tags =
            over.and_then(|o| o.allow_tags.clone()).or_else(|| spec.allow_tags.clone()).unwrap_or_default();
        let mut extra: Vec<String> = spec.fallback_phrases.clone().unwrap_or_default();
        extra.extend(over.and_then(|o| o.fallback_phrases.clone()).unwrap_or_default());
        let defaults = over.and_then(|o| o.default_fallback_phrases).or(spec.default_fallback_phrases).unwrap_or(true);
        Settings {
            placeholders: pick(|s| s.placeholders),
            raw_output: pick(|s| s.raw_output),
            mojibake: pick(|s| s.mojibake),
            cut_off: pick(|s| s.cut_off),
            markup: pick(|s| s.markup),
            allow_tags,
            customer_data: pick(|s| s.customer_data),
            fallback: pick(|s| s.fallback),
            phrases: fallback::Phrases::new(defaults, &extra),
            forbidden: pick(|s| s.forbidden),
            language: pick(|s| s.language),
            language_min_words: over
                .and_then(|o| o.language_min_words)
                .or(spec.language_min_words)
                .unwrap_or(language::MIN_WORDS),
        }
    }
}

/// Runs every per-reply detector the settings turn on. (Another
/// customer's data and fallbacks need the rest of the run: [`hook`].)
pub fn scan(
    reply: &Reply<'_>,
    settings: &Settings,
    rules: &[forbidden::Rule],
    locale: &Locale,
    language: Option<Lang>,
) -> Scan {
    let mut scan = Scan::default();
    let (text, source, skip) = reply.raw_text();
    let mut add = |kind: FindingKind, source: Source, hits: Vec<Hit>| {
        scan.found.extend(hits.into_iter().map(|hit| Found { kind, source, hit, detail: None }));
    };
    if settings.raw_output {
        add(FindingKind::RawOutput, source, raw::find(text, &skip));
    }
    // Inside raw output, `null` and `{…}` are the document's, said once.
    let raw_spans: Vec<Range<usize>> = scan_spans(&scan, FindingKind::RawOutput);
    let skip_more: Vec<Range<usize>> = skip.iter().cloned().chain(raw_spans.iter().cloned()).collect();
    let mut add = |kind: FindingKind, source: Source, hits: Vec<Hit>| {
        scan.found.extend(hits.into_iter().map(|hit| Found { kind, source, hit, detail: None }));
    };
    if settings.placeholders {
        add(FindingKind::LeakedPlaceholder, source, placeholder::find(text, &skip_more));
        add(FindingKind::LeakedPlaceholder, source, empty_value::find(text, &skip_more));
    }
    if settings.mojibake {
        add(FindingKind::Mojibake, source, mojibake::find(text, &skip));
    }
    if settings.markup {
        if reply.is_html() {
            let region = if reply.format == AnswerFormat::Html {
                region::html_region(reply.raw, reply.region)
            } else {
                Some(reply.raw.to_string())
            };
            if let Some(html) = region {
                let hits = markup::find(&html, markup::Mode::Html, &settings.allow_tags, &[]);
                if !hits.is_empty() {
                    add(FindingKind::Markup, Source::Region, hits);
                    scan.region = Some(html);
                }
            }
        } else {
            add(
                FindingKind::Markup,
                Source::Raw,
                markup::find(reply.raw, markup::Mode::Text, &settings.allow_tags, &skip),
            );
        }
    }
    if settings.forbidden {
        for rule in rules {
            if let Some(hit) = rule.find(reply.cleaned, locale) {
                let (kind, source, detail) = (FindingKind::ForbiddenClaim, Source::Cleaned, Some(rule.id.clone()));
                scan.found.push(Found { kind, source, hit, detail });
            }
        }
    }
    let mut add = |kind: FindingKind, hits: Vec<Hit>| {
        scan.found.extend(hits.into_iter().map(|hit| Found { kind, source: Source::Cleaned, hit, detail: None }));
    };
    if settings.cut_off && raw_spans.is_empty() {
        add(FindingKind::CutOff, cut_off::find(reply.cleaned).into_iter().collect());
    }
    if let (true, Some(lang)) = (settings.language && raw_spans.is_empty(), language) {
        add(
            FindingKind::WrongLanguage,
            language::find(reply.cleaned, lang, settings.language_min_words).into_iter().collect(),
        );
    }
    scan
}

fn scan_spans(scan: &Scan, kind: FindingKind) -> Vec<Range<usize>> {
    scan.found.iter().filter(|f| f.kind == kind).map(|f| f.hit.span.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply<'t>(raw: &'t str, format: AnswerFormat, message: &'t str) -> Reply<'t> {
        Reply { raw, cleaned: raw, format, region: None, message }
    }

    fn kinds(s: &Scan) -> Vec<FindingKind> {
        s.found.iter().map(|f| f.kind).collect()
    }

    fn locale() -> Locale {
        Locale { currency: "GBP".into(), country_code: "44".into() }
    }

    #[test]
    fn settings_resolve_per_channel() {
        let spec: HygieneSettings = toml::from_str(
            "markup = false\nlanguage_min_words = 20\n[channels.web]\nmarkup = true\nallow_tags = [\"b\"]\n[channels.email]\nenabled = false\n",
        )
        .expect("settings");
        let chat = Settings::resolve(&spec, "chat");
        assert!(!chat.markup && chat.placeholders && chat.language_min_words == 20);
        let web = Settings::resolve(&spec, "web");
        assert!(web.markup && web.allow_tags == ["b"]);
        let email = Settings::resolve(&spec, "email");
        assert!(!email.placeholders && !email.fallback && !email.language);
    }

    #[test]
    fn a_clean_answer_has_nothing() {
        let s = Settings::resolve(&HygieneSettings::default(), "chat");
        let r = reply("Our broadband costs £29.99 a month, and there's no setup fee.", AnswerFormat::Text, "price?");
        assert!(scan(&r, &s, &[], &locale(), Some(Lang::Eng)).found.is_empty());
    }

    #[test]
    fn raw_output_is_said_once() {
        let s = Settings::resolve(&HygieneSettings::default(), "chat");
        let r = reply(r#"{"greeting": "Hi {{first_name}}", "balance": null}"#, AnswerFormat::Text, "hi");
        assert_eq!(kinds(&scan(&r, &s, &[], &locale(), None)), [FindingKind::RawOutput]);
    }

    #[test]
    fn html_pages_are_read_through_their_region() {
        let s = Settings::resolve(&HygieneSettings::default(), "web");
        let page =
            "<html><body><script>analytics()</script><main><p>Hi <img src=x onerror=alert(1)></p></main></body></html>";
        let r = Reply { raw: page, cleaned: "Hi", format: AnswerFormat::Html, region: None, message: "hi" };
        let scan = scan(&r, &s, &[], &locale(), None);
        assert_eq!(kinds(&scan), [FindingKind::Markup]);
        let region = scan.region.as_deref().expect("region kept for evidence");
        assert!(region[scan.found[0].hit.span.clone()].contains("onerror"));
    }

    #[test]
    fn a_placeholder_the_customer_typed_in_a_quoted_email_is_theirs() {
        let s = Settings::resolve(&HygieneSettings::default(), "email");
        let raw = "Hello Jane,\n\nRefunds take 30 days.\n\nOn Tue, Jane Doe wrote:\n> My template says Hi {{first_name}} - is that right?\n";
        let r = Reply {
            raw,
            cleaned: "Hello Jane,\n\nRefunds take 30 days.",
            format: AnswerFormat::Email,
            region: None,
            message: "x",
        };
        assert!(scan(&r, &s, &[], &locale(), Some(Lang::Eng)).found.is_empty());
    }
}
