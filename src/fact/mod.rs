//! Fact kinds: parsing the map's expected values and finding values in answers.
//!
//! A *fact* is one true thing the business holds ("refunds within 30 days").
//! Answers state facts in endless surface forms, so every kind here reduces
//! text to a normalised [`FactValue`] and compares values by *meaning*:
//! "£29.99/mo" and "29.99 GBP per month" are the same price.
//!
//! One file per kind (`money`, `duration`, `phone`, `hours`, `percent`,
//! `date`, `yesno`, `url`, `email`, `text`), plus `numbers` for number words
//! and `judge` for deciding whether an answer states the expected value.
//!
//! Invariants: everything here is pure (no I/O, no global mutable state);
//! [`extract`] never panics on any input and every [`Found::span`] is a valid
//! slice of the text it was found in, whose text equals [`Found::excerpt`].

mod anchor;
mod claims;
mod date;
mod duration;
mod email;
mod hours;
mod judge;
mod money;
mod numbers;
mod percent;
mod phone;
mod text;
mod url;
pub(crate) mod words;
mod yesno;

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use anchor::Anchor;
pub use duration::{DurationUnit, Written};
pub use hours::OpenSpan;
pub use judge::{judge, judge_asked, Judgement};
pub use money::Period;

/// ISO 4217 codes the money reader knows ("GBP", "EUR", …).
pub fn currencies() -> impl Iterator<Item = &'static str> {
    money::CODES.split('|')
}

/// The kind of a fact: decides how its value is parsed, found and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FactKind {
    Money,
    Duration,
    Phone,
    Hours,
    Percent,
    Date,
    YesNo,
    Url,
    Email,
    Text,
}

impl FactKind {
    /// Every kind, in the order the docs list them.
    pub const ALL: [FactKind; 10] = [
        FactKind::Money,
        FactKind::Duration,
        FactKind::Phone,
        FactKind::Hours,
        FactKind::Percent,
        FactKind::Date,
        FactKind::YesNo,
        FactKind::Url,
        FactKind::Email,
        FactKind::Text,
    ];

    /// The name used in the map (`kind = "yesno"`) and in reports.
    pub fn name(self) -> &'static str {
        match self {
            FactKind::Money => "money",
            FactKind::Duration => "duration",
            FactKind::Phone => "phone",
            FactKind::Hours => "hours",
            FactKind::Percent => "percent",
            FactKind::Date => "date",
            FactKind::YesNo => "yesno",
            FactKind::Url => "url",
            FactKind::Email => "email",
            FactKind::Text => "text",
        }
    }
}

impl fmt::Display for FactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FactKind {
    type Err = String;

    /// Accepts the canonical names case-insensitively, plus `yes/no` and `yes_no`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        let wanted = match wanted.as_str() {
            "yes/no" | "yes_no" | "yes-no" | "bool" | "boolean" => "yesno",
            "e-mail" => "email",
            other => other,
        };
        FactKind::ALL.into_iter().find(|k| k.name() == wanted).ok_or_else(|| {
            let names: Vec<&str> = FactKind::ALL.iter().map(|k| k.name()).collect();
            format!("`{s}` is not a fact kind; use one of {}", names.join(", "))
        })
    }
}

/// Locale defaults used when text omits them (the map's currency and the
/// country calling code for national phone numbers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locale {
    /// ISO 4217 code assumed for "$"-less amounts such as "99p" or a bare "29.99".
    pub currency: String,
    /// Calling code (digits, no `+`) for numbers written nationally, "0800 …".
    pub country_code: String,
}

impl Default for Locale {
    fn default() -> Self {
        Locale { currency: "GBP".to_string(), country_code: "44".to_string() }
    }
}

impl Locale {
    /// The locales whose defaults touchpoint holds: (tag, currency, calling
    /// code). A tag is read by its region, so `en-GB`, `cy-GB` and `GB`
    /// are one locale (`UK` too).
    pub const SUPPORTED: [(&'static str, &'static str, &'static str); 14] = [
        ("en-GB", "GBP", "44"),
        ("en-US", "USD", "1"),
        ("en-CA", "CAD", "1"),
        ("en-IE", "EUR", "353"),
        ("de-DE", "EUR", "49"),
        ("de-AT", "EUR", "43"),
        ("fr-FR", "EUR", "33"),
        ("es-ES", "EUR", "34"),
        ("it-IT", "EUR", "39"),
        ("nl-NL", "EUR", "31"),
        ("nl-BE", "EUR", "32"),
        ("en-AU", "AUD", "61"),
        ("en-NZ", "NZD", "64"),
        ("de-CH", "CHF", "41"),
    ];

    /// The defaults of a BCP 47 tag's region (see [`Locale::SUPPORTED`]).
    /// `None` for a region we hold no defaults for.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let region = tag.trim().rsplit(['-', '_']).next()?.to_ascii_uppercase();
        let region = if region == "UK" { "GB".to_string() } else { region };
        let (_, currency, country_code) =
            Locale::SUPPORTED.iter().find(|(t, _, _)| t.rsplit('-').next() == Some(region.as_str()))?;
        Some(Locale { currency: currency.to_string(), country_code: country_code.to_string() })
    }

    /// Whether numeric dates are read month first ("03/01/2027" is 1 March).
    pub fn month_first(&self) -> bool {
        self.country_code.trim_start_matches('+') == "1"
    }
}

/// What a fact is about and how to tell it from its neighbours.
///
/// - `keywords` let yes/no and free-text facts find the sentence that talks
///   about them ("installation", "free").
/// - `subject` is the fact's label and aliases ("standing charge", "daily
///   charge"): a value of the kind counts for the fact when its clause or
///   sentence names the subject, or the sentence answers the question asked
///   (see [`Anchor`]). Other values of the kind are other things.
/// - `not` lists what a text fact must not be confused with ("Financial
///   Ombudsman" when the fact is "Energy Ombudsman"): naming one is wrong.
#[derive(Debug, Clone)]
pub struct FactSpec {
    pub kind: FactKind,
    pub keywords: Vec<String>,
    pub subject: Vec<String>,
    pub not: Vec<String>,
    /// A qualifier that changes the value's meaning when the value itself
    /// omits it: "EAR" for a rate, "working days", "per day".
    pub qualifier: Option<String>,
}

impl FactSpec {
    /// A spec with no keywords or subject, enough for every kind except yes/no and text.
    pub fn new(kind: FactKind) -> Self {
        FactSpec { kind, keywords: Vec::new(), subject: Vec::new(), not: Vec::new(), qualifier: None }
    }

    /// The subject a fact has when its map entry names none: the words of
    /// its id ("standing_charge" → "standing charge").
    pub fn default_subject(id: &str) -> Vec<String> {
        let words = id.replace(['_', '-', '.'], " ");
        let words = words.trim();
        if words.is_empty() {
            Vec::new()
        } else {
            vec![words.to_string()]
        }
    }
}

/// A normalised value; compare with [`FactValue::agrees`], which compares by
/// meaning (derived `PartialEq` is structural, for tests and storage).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FactValue {
    /// An amount in millionths of the major unit (53.35p is 533_500);
    /// `per` is set only when stated.
    Money {
        micros: i64,
        currency: String,
        per: Option<Period>,
    },
    /// Calendar time in seconds, working days, or months (see [`DurationUnit`]).
    Duration {
        amount: i64,
        unit: DurationUnit,
        /// The unit as written, for display only ("12 months", not "1 year").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        written: Option<duration::Written>,
    },
    /// E.164 with the leading `+`, e.g. `+448001234567`.
    Phone {
        e164: String,
    },
    /// Opening times: sorted, one span per day and opening (closed days absent).
    Hours {
        week: Vec<OpenSpan>,
    },
    /// Hundredths of a percent: 5% is 500; `qualifier` is the rate type
    /// written with it ("APR", "EAR"), when one is.
    Percent {
        basis_points: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        qualifier: Option<String>,
    },
    Date(chrono::NaiveDate),
    YesNo(bool),
    /// Host lowercased without `www.`, no scheme, no trailing slash: `acme.com/returns`.
    Url(String),
    /// Lowercased address.
    Email(String),
    /// Lowercased words separated by single spaces, punctuation removed.
    Text(String),
}

impl FactValue {
    pub fn kind(&self) -> FactKind {
        match self {
            FactValue::Money { .. } => FactKind::Money,
            FactValue::Duration { .. } => FactKind::Duration,
            FactValue::Phone { .. } => FactKind::Phone,
            FactValue::Hours { .. } => FactKind::Hours,
            FactValue::Percent { .. } => FactKind::Percent,
            FactValue::Date(_) => FactKind::Date,
            FactValue::YesNo(_) => FactKind::YesNo,
            FactValue::Url(_) => FactKind::Url,
            FactValue::Email(_) => FactKind::Email,
            FactValue::Text(_) => FactKind::Text,
        }
    }

    /// Whether two values mean the same thing. Values are normalised on
    /// construction, so this is equality except where a detail may be left
    /// unstated: a money period stated on one side only is not a
    /// disagreement, and free text agrees when every significant word of
    /// `self` appears in `other`.
    pub fn agrees(&self, other: &FactValue) -> bool {
        match (self, other) {
            (
                FactValue::Money { micros: a, currency: ca, per: pa },
                FactValue::Money { micros: b, currency: cb, per: pb },
            ) => money::agrees(*a, ca, *pa, *b, cb, *pb),
            (FactValue::Text(a), FactValue::Text(b)) => text::agrees(a, b),
            (
                FactValue::Percent { basis_points: a, qualifier: qa },
                FactValue::Percent { basis_points: b, qualifier: qb },
            ) => percent::agrees(*a, qa.as_deref(), *b, qb.as_deref()),
            (FactValue::Duration { amount: a, unit: ua, .. }, FactValue::Duration { amount: b, unit: ub, .. }) => {
                a == b && ua == ub
            }
            _ => self == other,
        }
    }

    /// Human, canonical form: "£29.99 per month", "30 days", "+44 800 123 4567",
    /// "Mon–Fri 08:00–20:00".
    pub fn display(&self) -> String {
        match self {
            FactValue::Money { micros, currency, per } => money::display(*micros, currency, *per),
            FactValue::Duration { amount, unit, written } => duration::display(*amount, *unit, *written),
            FactValue::Phone { e164 } => phone::display(e164),
            FactValue::Hours { week } => hours::display(week),
            FactValue::Percent { basis_points, qualifier } => percent::display(*basis_points, qualifier.as_deref()),
            FactValue::Date(d) => d.format("%-d %B %Y").to_string(),
            FactValue::YesNo(true) => "yes".to_string(),
            FactValue::YesNo(false) => "no".to_string(),
            FactValue::Url(u) => u.clone(),
            FactValue::Email(e) => e.clone(),
            FactValue::Text(t) => t.clone(),
        }
    }
}

impl fmt::Display for FactValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// One value found in an answer, with its byte span in the (cleaned) text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Found {
    pub value: FactValue,
    pub span: Range<usize>,
    /// Exactly `text[span]`: the evidence shown to the reader.
    pub excerpt: String,
}

impl Found {
    /// Builds a `Found` for `text[span]`; `None` if the span is not a valid slice,
    /// so a bug in a matcher drops a value instead of panicking.
    fn new(text: &str, span: Range<usize>, value: FactValue) -> Option<Found> {
        let excerpt = text.get(span.clone())?.to_string();
        Some(Found { value, span, excerpt })
    }
}

/// Parses the map's value for a fact of this kind. The error is a short
/// explanation with a hint, e.g. "`30 dayz` is not a duration; write e.g.
/// `30 days` or `2 weeks`".
pub fn parse_expected(spec: &FactSpec, text: &str, locale: &Locale) -> Result<FactValue, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(format!("the value is empty; {}", hint(spec.kind)));
    }
    let parsed = match spec.kind {
        FactKind::Money => money::parse(trimmed, locale),
        FactKind::Duration => single(spec.kind, trimmed, duration::extract(trimmed)),
        FactKind::Phone => phone::parse(trimmed, locale),
        FactKind::Hours => hours::parse(trimmed),
        FactKind::Percent => percent::parse(trimmed),
        FactKind::Date => single(spec.kind, trimmed, date::extract(trimmed, locale)),
        FactKind::YesNo => yesno::parse(trimmed),
        FactKind::Url => single(spec.kind, trimmed, url::extract(trimmed)),
        FactKind::Email => single(spec.kind, trimmed, email::extract(trimmed)),
        FactKind::Text => text::parse(trimmed),
    };
    let parsed = parsed.map_err(|why| format!("{why}; {}", hint(spec.kind)))?;
    match spec.qualifier.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) => qualify(parsed, q),
        None => Ok(parsed),
    }
}

/// Applies a fact's `qualifier` to its value: "EAR" to a rate, "working
/// days" to a duration in days, "per day" to an amount.
fn qualify(value: FactValue, qualifier: &str) -> Result<FactValue, String> {
    match value {
        FactValue::Percent { basis_points, qualifier: written } => {
            let q = percent::canonical(qualifier)
                .ok_or_else(|| format!("`{qualifier}` is not a rate qualifier; write e.g. `APR`, `EAR` or `AER`"))?;
            match written {
                Some(w) if w != q => Err(format!("the value says {w} but the qualifier says {q}")),
                _ => Ok(FactValue::Percent { basis_points, qualifier: Some(q.to_string()) }),
            }
        }
        FactValue::Duration { amount, unit, written } => {
            let lower = qualifier.to_lowercase();
            let working = lower.contains("working") || lower.contains("business");
            match (working, unit) {
                (true, DurationUnit::Seconds) if amount % 86_400 == 0 => {
                    let days = amount / 86_400;
                    let (amount, written) = match written {
                        Some(Written::Week) => (days / 7 * 5, Some(Written::WorkingWeek)),
                        _ => (days, Some(Written::WorkingDay)),
                    };
                    Ok(FactValue::Duration { amount, unit: DurationUnit::WorkingDays, written })
                }
                (true, DurationUnit::WorkingDays) => Ok(FactValue::Duration { amount, unit, written }),
                (false, _) if lower.contains("calendar") => Ok(FactValue::Duration { amount, unit, written }),
                _ => Err(format!(
                    "`{qualifier}` does not apply to {}; write `working days` or `calendar days`",
                    duration::display(amount, unit, written)
                )),
            }
        }
        FactValue::Money { micros, currency, per } => {
            let period = money::period_phrase(qualifier).ok_or_else(|| {
                format!("`{qualifier}` is not a period; write e.g. `per day`, `per month` or `per kWh`")
            })?;
            match per {
                Some(p) if p != period => {
                    Err(format!("the value and the qualifier `{qualifier}` name different periods"))
                }
                _ => Ok(FactValue::Money { micros, currency, per: Some(period) }),
            }
        }
        other => Err(format!("a qualifier applies to money, durations and percentages, not to {}", other.kind())),
    }
}

/// Every value of this kind stated in `text`, in text order.
pub fn extract(spec: &FactSpec, text: &str, locale: &Locale) -> Vec<Found> {
    match spec.kind {
        FactKind::Money => money::extract(text, locale),
        FactKind::Duration => duration::extract(text),
        FactKind::Phone => phone::extract(text, locale),
        FactKind::Hours => hours::extract(text),
        FactKind::Percent => percent::extract(text),
        FactKind::Date => date::extract(text, locale),
        FactKind::YesNo => yesno::extract(text, &spec.keywords, yesno::about_free(&spec.keywords, &spec.subject)),
        FactKind::Url => url::extract(text),
        FactKind::Email => email::extract(text),
        FactKind::Text => text::extract(text, &spec.keywords),
    }
}

/// The one value a map entry must hold: none or several is an error.
fn single(kind: FactKind, text: &str, found: Vec<Found>) -> Result<FactValue, String> {
    let mut found = found.into_iter();
    match (found.next(), found.next()) {
        (Some(one), None) => Ok(one.value),
        (None, _) => Err(format!("`{text}` is not {}", article(kind))),
        (Some(first), Some(second)) => Err(format!(
            "`{text}` states more than one {} (`{}` and `{}`); a fact holds one value",
            kind.name(),
            first.excerpt,
            second.excerpt
        )),
    }
}

fn article(kind: FactKind) -> &'static str {
    match kind {
        FactKind::Money => "an amount of money",
        FactKind::Duration => "a duration",
        FactKind::Phone => "a phone number",
        FactKind::Hours => "a set of opening hours",
        FactKind::Percent => "a percentage",
        FactKind::Date => "a date",
        FactKind::YesNo => "yes or no",
        FactKind::Url => "a web address",
        FactKind::Email => "an email address",
        FactKind::Text => "text",
    }
}

fn hint(kind: FactKind) -> &'static str {
    match kind {
        FactKind::Money => "write e.g. `£29.99`, `29.99 GBP per month` or `£5 one-off`",
        FactKind::Duration => "write e.g. `30 days`, `2 weeks` or `5 working days`",
        FactKind::Phone => "write e.g. `0800 123 4567` or `+44 800 123 4567`",
        FactKind::Hours => "write e.g. `Mon–Fri 8am–8pm, Sat 9am–5pm`",
        FactKind::Percent => "write e.g. `5%` or `2.5 percent`",
        FactKind::Date => "write e.g. `1 March 2027` or `2027-03-01`",
        FactKind::YesNo => "write `yes` or `no`",
        FactKind::Url => "write e.g. `https://acme.com/returns`",
        FactKind::Email => "write e.g. `help@acme.com`",
        FactKind::Text => "write the words a correct answer contains",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Invariant: what the report shows reads back as the value compared.
    #[test]
    fn displayed_values_round_trip() {
        let locale = Locale::default();
        for (kind, text) in [
            (FactKind::Money, "53.35p per day"),
            (FactKind::Money, "£0.5335 per day"),
            (FactKind::Money, "£29.99 per month"),
            (FactKind::Money, "24.567p per kWh"),
            (FactKind::Money, "3p per minute"),
            (FactKind::Duration, "12 months"),
            (FactKind::Duration, "2 weeks"),
            (FactKind::Duration, "10 working days"),
            (FactKind::Percent, "39.9% EAR"),
            (FactKind::Percent, "4.1%"),
            (FactKind::Url, "https://acme.co.uk/returns?utm_source=chat"),
            (FactKind::Email, "help [at] acme.co.uk"),
            (FactKind::Phone, "0800 111 999 (24/7)"),
        ] {
            let spec = FactSpec::new(kind);
            let value = parse_expected(&spec, text, &locale).unwrap_or_else(|e| panic!("{text}: {e}"));
            let shown = value.display();
            let again = parse_expected(&spec, &shown, &locale).unwrap_or_else(|e| panic!("{text} → {shown}: {e}"));
            assert!(value.agrees(&again) && again.agrees(&value), "{text} → {shown} → {again:?}");
        }
        // Every kind, in the forms maps and answers write it, in each locale.
        let cases: &[(FactKind, &[&str])] = &[
            (FactKind::Money, &["£12.50", "12.50 GBP", "€19.99 per month", "$5 one-off", "1250p", "£5 per month"]),
            (FactKind::Duration, &["30 days", "5 working days", "1 year", "3 hours", "90 minutes", "6 weeks"]),
            (FactKind::Phone, &["0800 123 4567", "+44 800 123 4567", "+1 (800) 555-0199", "0800-123-4567 (24/7)"]),
            (
                FactKind::Hours,
                &["Mon–Fri 8am–8pm, Sat 9am–5pm", "24/7", "Mon-Fri 9am-12:30pm", "Monday to Saturday 8am to 6pm"],
            ),
            (FactKind::Percent, &["5%", "2.5 percent", "39.9% APR", "10%"]),
            (FactKind::Date, &["1 March 2027", "2027-03-01", "1 April 2027", "31 December 2026"]),
            (FactKind::YesNo, &["yes", "no"]),
            (FactKind::Url, &["https://acme.com/returns", "https://acme.com/help/returns/?utm_source=chat"]),
            (FactKind::Email, &["help@acme.com", "Support@Acme.co.uk"]),
            (FactKind::Text, &["Communications Ombudsman", "Acme Care"]),
        ];
        for kind in FactKind::ALL {
            assert!(cases.iter().any(|(k, _)| *k == kind), "{kind:?} has round-trip cases");
        }
        for tag in ["en-GB", "en-US", "en-IE", "de-DE"] {
            let locale = Locale::from_tag(tag).unwrap_or_else(|| panic!("{tag} is supported"));
            for (kind, texts) in cases {
                let spec = FactSpec::new(*kind);
                for text in *texts {
                    // A national form ("0800 …") may not read in another country;
                    // what reads must round-trip.
                    let value = match parse_expected(&spec, text, &locale) {
                        Ok(value) => value,
                        Err(e) if tag == "en-GB" => panic!("{tag} {text}: {e}"),
                        Err(_) => continue,
                    };
                    let shown = value.display();
                    let again = parse_expected(&spec, &shown, &locale)
                        .unwrap_or_else(|e| panic!("{tag} {kind:?} {text} → {shown}: {e}"));
                    assert!(value.agrees(&again) && again.agrees(&value), "{tag} {text} → {shown} → {again:?}");
                    assert_eq!(again.display(), shown, "{tag} {text}: the display is stable");
                }
            }
        }
        let pence = parse_expected(&FactSpec::new(FactKind::Money), "53.35p per day", &locale).unwrap();
        assert_eq!(pence.display(), "53.35p per day");
        let other = parse_expected(&FactSpec::new(FactKind::Money), "53.53p per day", &locale).unwrap();
        assert!(!pence.agrees(&other));
    }
}
