//! Money: "£29.99 a month", "29.99 GBP per month", "£29.99/mo", "99p",
//! "twenty pounds", "53.35p per day", "24.5p/kWh". Values are millionths of
//! the major unit (so 53.35p and £0.5335 are the same and 53.35p is not
//! 53.53p: sub-penny tariffs keep their precision), an ISO 4217 code, and
//! the period or unit charged for when the text states one.
//!
//! A period stated on only one side is not a disagreement: "£29.99" in an
//! answer about a monthly price is the right amount, and flagging it would
//! be noise. When both sides state a period, it must match.

use once_cell::sync::Lazy;
use regex::{Captures, Regex};
use serde::{Deserialize, Serialize};

use super::numbers::{self, DIGITS_PATTERN, WORDS_PATTERN};
use super::{FactValue, Found, Locale};

/// How often an amount is charged, when the text says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Day,
    Week,
    Month,
    Year,
    OneOff,
    Minute,
    Hour,
    /// Per kilowatt-hour: energy unit rates.
    Kwh,
    /// Per gigabyte: mobile data.
    Gb,
}

impl Period {
    /// Charged by use (per minute, per kWh) rather than by time held.
    pub fn is_usage(self) -> bool {
        matches!(self, Period::Minute | Period::Hour | Period::Kwh | Period::Gb)
    }

    fn phrase(self) -> &'static str {
        match self {
            Period::Day => "per day",
            Period::Week => "per week",
            Period::Month => "per month",
            Period::Year => "per year",
            Period::OneOff => "one-off",
            Period::Minute => "per minute",
            Period::Hour => "per hour",
            Period::Kwh => "per kWh",
            Period::Gb => "per GB",
        }
    }
}

pub(crate) const CODES: &str = "GBP|USD|EUR|AUD|CAD|NZD|JPY|CHF|SEK|NOK|DKK|INR|ZAR|PLN";
const SYMBOLS: &str = r"US\$|AU?\$|CA?\$|NZ\$|£|€|\$|¥|₹";
const UNIT_WORDS: &str = r"pounds?|quid|pence|p|dollars?|euros?|cents?|ct|yen|rupees?";

/// Millionths of a major unit in one major unit.
pub(crate) const MICROS: i64 = 1_000_000;

static MONEY: Lazy<Regex> = Lazy::new(|| {
    let period = r"(?:\s*(?:(?:per|a|an|each|every|/)\s*(?:calendar\s+)?(?P<unit>months?|mo|mths?|years?|yrs?|annum|weeks?|wks?|days?|minutes?|mins?|hours?|hrs?|kwh|kw/h|gb)\b|(?P<adverb>monthly\b|annually\b|yearly\b|weekly\b|daily\b|pcm\b|p/m\b|pa\b|p\.a\.?|one[\s-]off\b|one[\s-]time\b)))?";
    let pattern = format!(
        r"(?i)(?:(?:\b(?P<code_a>{CODES})\s?)?(?P<sym_a>{SYMBOLS})\s?(?P<amt_a>{DIGITS_PATTERN})|\b(?P<code_b>{CODES})\s?(?P<amt_b>{DIGITS_PATTERN})|\b(?P<amt_c>{DIGITS_PATTERN})\s?(?:(?P<sym_c>£|€|¢)|\b(?P<code_c>{CODES})\b|(?P<word_c>{UNIT_WORDS})\b)|(?P<words>{WORDS_PATTERN})\s+(?P<word_d>pounds?|quid|dollars?|euros?)\b(?:,?\s+(?:and\s+)?(?P<minor_d>{WORDS_PATTERN}|[0-9]{{1,2}})(?:\s+(?:pence|p|cents?)\b)?)?){period}"
    );
    Regex::new(&pattern).expect("valid money regex")
});

/// A period named just before the amount: "the monthly price is £29.99".
static PERIOD_BEFORE: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?i)\b(?P<p>monthly|annual|yearly|weekly|daily|one[\s-]off|one[\s-]time)\b(?:\s+[\p{L}-]+){0,3}?\s*(?:of|is|:)?\s*$")
        .expect("valid regex")
});

static BARE_AMOUNT: Lazy<Regex> =
    Lazy::new(|| Regex::new(&format!(r"^\s*(?P<amt>{DIGITS_PATTERN})\s*$")).expect("valid regex"));

pub(crate) fn extract(text: &str, locale: &Locale) -> Vec<Found> {
    MONEY
        .captures_iter(text)
        .filter_map(|caps| {
            let whole = caps.get(0)?;
            // "£29.999" or "A12": the amount runs into more digits or letters.
            // "£29.999", "£5k", "£1.5m": the amount runs on into more than we read.
            let rest = &text[whole.end()..];
            // "£25pp": per person, glued on as fares write it.
            let per_person = rest.get(..2).is_some_and(|r| r.eq_ignore_ascii_case("pp"))
                && !rest[2..].starts_with(|c: char| c.is_alphanumeric());
            if rest.starts_with(|c: char| c.is_alphanumeric()) && !per_person {
                return None;
            }
            // "10 p.m." is a time, not ten pence.
            let pence_word = caps.name("word_c").is_some_and(|w| w.as_str().eq_ignore_ascii_case("p"));
            if pence_word && rest.to_ascii_lowercase().starts_with(".m") {
                return None;
            }
            let (micros, currency) = amount(&caps, locale)?;
            let per = period_after(&caps).or_else(|| period_before(&text[..whole.start()]));
            let end = trim_end(text, whole.range());
            Found::new(text, whole.start()..end, FactValue::Money { micros, currency, per })
        })
        .collect()
}

/// Drops trailing whitespace a period-less match may have swallowed.
fn trim_end(text: &str, range: std::ops::Range<usize>) -> usize {
    let slice = &text[range.clone()];
    range.start + slice.trim_end().len()
}

pub(crate) fn parse(text: &str, locale: &Locale) -> Result<FactValue, String> {
    let found = extract(text, locale);
    match found.as_slice() {
        [one] => Ok(one.value.clone()),
        [] => {
            if text.eq_ignore_ascii_case("free") {
                return Ok(FactValue::Money { micros: 0, currency: locale.currency.to_uppercase(), per: None });
            }
            // A bare "29.99" in the map means the map's own currency.
            let bare = BARE_AMOUNT.captures(text).and_then(|c| {
                let currency = locale.currency.to_uppercase();
                numbers::parse_fixed(c.name("amt")?.as_str(), 6).map(|micros| FactValue::Money {
                    micros,
                    currency,
                    per: None,
                })
            });
            bare.ok_or_else(|| format!("`{text}` is not an amount of money"))
        }
        [first, second, ..] => Err(format!(
            "`{text}` states more than one amount (`{}` and `{}`); a fact holds one value",
            first.excerpt, second.excerpt
        )),
    }
}

/// The amount in millionths of the major unit, and its currency.
fn amount(caps: &Captures<'_>, locale: &Locale) -> Option<(i64, String)> {
    let group = |name: &str| caps.name(name).map(|m| m.as_str());
    if let Some(amt) = group("amt_a") {
        let currency = match group("code_a") {
            Some(code) => code.to_uppercase(),
            None => symbol_currency(group("sym_a")?, locale),
        };
        return Some((numbers::parse_fixed(amt, 6)?, currency));
    }
    if let Some(amt) = group("amt_b") {
        let currency = group("code_b")?.to_uppercase();
        return Some((numbers::parse_fixed(amt, 6)?, currency));
    }
    if let Some(amt) = group("amt_c") {
        if let Some(symbol) = group("sym_c") {
            if symbol == "¢" {
                let currency = word_currency("cents", locale);
                return Some((numbers::parse_fixed(amt, 6 - minor_digits(&currency))?, currency));
            }
            let currency = symbol_currency(symbol, locale);
            return Some((numbers::parse_fixed(amt, 6)?, currency));
        }
        if let Some(code) = group("code_c") {
            let currency = code.to_uppercase();
            return Some((numbers::parse_fixed(amt, 6)?, currency));
        }
        let word = group("word_c")?.to_lowercase();
        let currency = word_currency(&word, locale);
        // "99p" and "50 cents" are in minor units.
        let decimals = if is_minor_word(&word) { 6 - minor_digits(&currency) } else { 6 };
        return Some((numbers::parse_fixed(amt, decimals)?, currency));
    }
    let currency = word_currency(&group("word_d")?.to_lowercase(), locale);
    let scale = 10i64.checked_pow(minor_digits(&currency))?;
    let major = i64::try_from(numbers::parse_words(group("words")?)?).ok()?;
    let minor = match group("minor_d") {
        Some(m) => numbers::parse_any(m, 0)?,
        None => 0,
    };
    if minor >= scale && scale > 1 {
        return None;
    }
    let per_minor = MICROS / scale;
    Some((major.checked_mul(MICROS)?.checked_add(minor.checked_mul(per_minor)?)?, currency))
}

fn period_after(caps: &Captures<'_>) -> Option<Period> {
    if let Some(unit) = caps.name("unit") {
        let unit = unit.as_str().to_lowercase();
        return Some(match unit.as_str() {
            "kwh" | "kw/h" => Period::Kwh,
            "gb" => Period::Gb,
            u if u.starts_with("mi") => Period::Minute,
            u if u.starts_with('m') => Period::Month,
            u if u.starts_with('h') => Period::Hour,
            u if u.starts_with('y') || u.starts_with('a') => Period::Year,
            u if u.starts_with('w') => Period::Week,
            _ => Period::Day,
        });
    }
    let adverb = caps.name("adverb")?.as_str().to_lowercase();
    Some(match adverb.as_str() {
        "monthly" | "pcm" | "p/m" => Period::Month,
        "annually" | "yearly" | "pa" | "p.a" | "p.a." => Period::Year,
        "weekly" => Period::Week,
        "daily" => Period::Day,
        _ => Period::OneOff,
    })
}

fn period_before(before: &str) -> Option<Period> {
    // Only the tail matters; cap the work on long texts.
    let start = before.len().saturating_sub(60);
    let start = (start..before.len()).find(|i| before.is_char_boundary(*i)).unwrap_or(before.len());
    let caps = PERIOD_BEFORE.captures(&before[start..])?;
    let word = caps.name("p")?.as_str().to_lowercase();
    Some(match word.as_str() {
        "monthly" => Period::Month,
        "annual" | "yearly" => Period::Year,
        "weekly" => Period::Week,
        "daily" => Period::Day,
        _ => Period::OneOff,
    })
}

fn is_dollar_currency(code: &str) -> bool {
    matches!(code, "USD" | "AUD" | "CAD" | "NZD")
}

fn symbol_currency(symbol: &str, locale: &Locale) -> String {
    let code = match symbol.to_uppercase().as_str() {
        "£" => "GBP",
        "€" => "EUR",
        "¥" => "JPY",
        "₹" => "INR",
        "US$" => "USD",
        "A$" | "AU$" => "AUD",
        "C$" | "CA$" => "CAD",
        "NZ$" => "NZD",
        // A bare "$" is the local dollar where there is one.
        _ => return local_dollar(locale),
    };
    code.to_string()
}

fn local_dollar(locale: &Locale) -> String {
    let local = locale.currency.to_uppercase();
    if is_dollar_currency(&local) {
        local
    } else {
        "USD".to_string()
    }
}

fn word_currency(word: &str, locale: &Locale) -> String {
    match word {
        "pound" | "pounds" | "quid" | "pence" | "p" => "GBP".to_string(),
        "euro" | "euros" => "EUR".to_string(),
        "yen" => "JPY".to_string(),
        "rupee" | "rupees" => "INR".to_string(),
        "cent" | "cents" | "ct" => {
            let local = locale.currency.to_uppercase();
            if local == "EUR" || is_dollar_currency(&local) {
                local
            } else {
                "USD".to_string()
            }
        }
        _ => local_dollar(locale),
    }
}

fn is_minor_word(word: &str) -> bool {
    matches!(word, "p" | "pence" | "cent" | "cents" | "ct")
}

/// Digits after the decimal point in the currency's minor unit.
pub(crate) fn minor_digits(currency: &str) -> u32 {
    if matches!(currency, "JPY" | "KRW") {
        0
    } else {
        2
    }
}

pub(crate) fn agrees(
    a: i64,
    currency_a: &str,
    per_a: Option<Period>,
    b: i64,
    currency_b: &str,
    per_b: Option<Period>,
) -> bool {
    let same_period = match (per_a, per_b) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    };
    a == b && currency_a.eq_ignore_ascii_case(currency_b) && same_period
}

/// "£29.99 per month"; an amount finer than the minor unit is shown in
/// minor units as written ("53.35p per day", "4.5¢"), so the display reads
/// back as the value compared.
pub(crate) fn display(micros: i64, currency: &str, per: Option<Period>) -> String {
    let digits = minor_digits(currency);
    let per_minor = MICROS / 10i64.pow(digits);
    let mut out = if digits > 0 && micros % per_minor != 0 {
        let minor = format_fixed(micros, 6 - digits);
        match currency {
            "GBP" => format!("{minor}p"),
            "USD" | "CAD" | "AUD" | "NZD" => format!("{minor}¢"),
            "EUR" => format!("{minor} cent"),
            _ => format!("{currency} {}", format_fixed(micros, 6)),
        }
    } else {
        let major = micros / MICROS;
        let minor = (micros % MICROS).abs() / per_minor;
        let mut amount = group_thousands(major);
        if minor != 0 {
            amount = format!("{amount}.{minor:0width$}", width = digits as usize);
        }
        let symbol = match currency {
            "GBP" => "£",
            "EUR" => "€",
            "USD" => "$",
            "JPY" => "¥",
            _ => "",
        };
        if symbol.is_empty() {
            format!("{currency} {amount}")
        } else if micros < 0 {
            format!("-{symbol}{}", amount.trim_start_matches('-'))
        } else {
            format!("{symbol}{amount}")
        }
    };
    if let Some(per) = per {
        out.push(' ');
        out.push_str(per.phrase());
    }
    out
}

/// `value` with `decimals` implied decimal places, trailing zeros dropped: (533500, 4) → "53.35".
fn format_fixed(value: i64, decimals: u32) -> String {
    let scale = 10i64.pow(decimals);
    let whole = value / scale;
    let fraction = (value % scale).abs();
    if fraction == 0 {
        return whole.to_string();
    }
    let digits = format!("{fraction:0width$}", width = decimals as usize);
    let sign = if value < 0 && whole == 0 { "-" } else { "" };
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

/// A period written on its own, for a fact's qualifier: "per day", "monthly", "/kWh".
pub(crate) fn period_phrase(text: &str) -> Option<Period> {
    let probe = format!("£1 {}", text.trim());
    let caps = MONEY.captures(&probe)?;
    if caps.get(0)?.as_str().trim_end() != probe.trim_end() {
        return None;
    }
    period_after(&caps)
}

fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}
