//! Percentages: "5%", "5 percent", "five per cent", "2.5 pc", with the
//! rate's qualifier when one is written next to it: "39.9% APR", "39.9% EAR
//! (representative)", "an AER of 4.1%". Held in basis points (hundredths of
//! a percent); finer fractions are rounded half up, since no contact centre
//! quotes a rate to a thousandth of a percent.
//!
//! A qualifier changes meaning: 39.9% APR is not 39.9% EAR. A rate stated
//! without one agrees with either (the customer is not misled by silence).

use once_cell::sync::Lazy;
use regex::Regex;

use super::numbers::{self, DIGITS_PATTERN, WORDS_PATTERN};
use super::{FactValue, Found};

static PERCENT: Lazy<Regex> = Lazy::new(|| {
    let pattern = format!(
        r"(?i)(?:\b(?P<comma>[0-9]{{1,3}},[0-9]{{1,3}})|\b(?P<digits>{DIGITS_PATTERN})|(?P<words>{WORDS_PATTERN}))\s?(?:%|per\s?cent\b|pct\b|pc\b)(?:\s*\(?(?:representative|variable|fixed|gross|typical)\)?)?(?:\s*\(?(?P<after>{QUALIFIERS})\b\)?)?"
    );
    Regex::new(&pattern).expect("valid percent regex")
});

const QUALIFIERS: &str = r"APR|EAR|AER|APY|AIR|EIR|p\.a\.|annual\s+percentage\s+rate|effective\s+annual\s+rate|annual\s+equivalent\s+rate|effektiver\s+Jahreszins|Sollzins";

/// A qualifier just before the number: "APR of 39.9%", "EAR: 39.9%", "representative APR 39.9%".
static BEFORE: Lazy<Regex> = Lazy::new(|| {
    Regex::new(&format!(
        r"(?i)\b(?P<q>{QUALIFIERS})\s*(?:\(representative\)\s*)?(?:of|is|at|:|=|-|–)?\s*(?:just\s+|only\s+)?$"
    ))
    .expect("valid regex")
});

/// The canonical name of a rate qualifier.
pub(crate) fn canonical(q: &str) -> Option<&'static str> {
    let lower = q.to_lowercase();
    let lower = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(match lower.as_str() {
        "apr" | "annual percentage rate" => "APR",
        "ear" | "effective annual rate" | "effektiver jahreszins" => "EAR",
        "aer" | "annual equivalent rate" => "AER",
        "apy" => "APY",
        "air" => "AIR",
        "eir" => "EIR",
        "sollzins" => "Sollzins",
        "p.a." => return None,
        _ => return None,
    })
}

/// A share said as a fraction of something: "half the fare", "half of your
/// deposit", "a quarter of the price", "two thirds of the cost", "half
/// price". Only before a determiner (or "price"), so "half an hour" and
/// "half five" are not rates; "half the time" is a manner of speaking.
static FRACTION: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"(?i)\b(?P<f>half|a\s+half|one\s+half|a\s+quarter|one\s+quarter|three\s+quarters|a\s+third|one\s+third|two\s+thirds)(?:\s+of)?\s+(?:(?:the|your|that|this|their|its|each|every|our)\s+(?P<noun>\p{L}+)|(?P<price>price\b))",
    )
    .expect("valid regex")
});

/// "EV Night halves your unit rate", "the fee is halved": 50%.
static HALVES: Lazy<Regex> = Lazy::new(|| Regex::new(r"(?i)\b(?:halves|halved|halving)\b").expect("valid regex"));

fn fractions(text: &str) -> impl Iterator<Item = Found> + '_ {
    let verbs = HALVES
        .find_iter(text)
        .filter_map(|m| Found::new(text, m.range(), FactValue::Percent { basis_points: 5000, qualifier: None }));
    verbs.chain(FRACTION.captures_iter(text).filter_map(|caps| {
        if caps.name("noun").is_some_and(|n| n.as_str().eq_ignore_ascii_case("time")) {
            return None;
        }
        let f = caps.name("f")?;
        let words: Vec<String> = f.as_str().split_whitespace().map(str::to_lowercase).collect();
        let basis_points = match words.last()?.as_str() {
            "half" => 5000,
            "quarter" => 2500,
            "quarters" => 7500,
            "third" => 3333,
            "thirds" => 6667,
            _ => return None,
        };
        Found::new(text, f.range(), FactValue::Percent { basis_points, qualifier: None })
    }))
}

pub(crate) fn extract(text: &str) -> Vec<Found> {
    let mut found = digits(text);
    let taken: Vec<std::ops::Range<usize>> = found.iter().map(|f| f.span.clone()).collect();
    found.extend(fractions(text).filter(|f| !taken.iter().any(|t| t.start < f.span.end && f.span.start < t.end)));
    found.sort_by_key(|f| f.span.start);
    found
}

fn digits(text: &str) -> Vec<Found> {
    PERCENT
        .captures_iter(text)
        .filter_map(|caps| {
            let whole = caps.get(0)?;
            let basis_points = match (caps.name("comma"), caps.name("digits")) {
                // "50,0 %", "3,9 %": a decimal comma before a percent sign.
                (Some(c), _) => numbers::parse_fixed(&c.as_str().replace(',', "."), 2)?,
                (None, Some(d)) => numbers::parse_fixed(d.as_str(), 2)?,
                (None, None) => numbers::parse_any(caps.name("words")?.as_str(), 2)?,
            };
            let after = caps.name("after").and_then(|q| canonical(q.as_str()));
            let before = || {
                let head = &text[..whole.start()];
                let start = (head.len().saturating_sub(60)..head.len()).find(|i| head.is_char_boundary(*i))?;
                BEFORE.captures(&head[start..]).and_then(|c| canonical(c.name("q")?.as_str()))
            };
            let qualifier = after.or_else(before).map(str::to_string);
            let end = whole.start() + whole.as_str().trim_end().len();
            Found::new(text, whole.start()..end, FactValue::Percent { basis_points, qualifier })
        })
        .collect()
}

pub(crate) fn parse(text: &str) -> Result<FactValue, String> {
    let found = extract(text);
    match found.as_slice() {
        [one] => Ok(one.value.clone()),
        [] => Err(format!("`{text}` is not a percentage")),
        [a, b, ..] => Err(format!(
            "`{text}` states more than one percentage (`{}` and `{}`); a fact holds one value",
            a.excerpt, b.excerpt
        )),
    }
}

pub(crate) fn agrees(a: i64, qa: Option<&str>, b: i64, qb: Option<&str>) -> bool {
    a == b && (qa.is_none() || qb.is_none() || qa == qb)
}

pub(crate) fn display(basis_points: i64, qualifier: Option<&str>) -> String {
    let (whole, fraction) = (basis_points / 100, (basis_points % 100).abs());
    let number = match fraction {
        0 => format!("{whole}%"),
        f if f % 10 == 0 => format!("{whole}.{}%", f / 10),
        f => format!("{whole}.{f:02}%"),
    };
    match qualifier {
        Some(q) => format!("{number} {q}"),
        None => number,
    }
}
