//! Percentages: "5%", "5 percent", "five per cent", "2.5 pc". Held in basis
//! points (hundredths of a percent); finer fractions are rounded half up,
//! since no contact centre quotes a rate to a thousandth of a percent.

use once_cell::sync::Lazy;
use regex::Regex;

use super::numbers::{self, DIGITS_PATTERN, WORDS_PATTERN};
use super::{FactValue, Found};

static PERCENT: Lazy<Regex> = Lazy::new(|| {
    let pattern =
        format!(r"(?i)(?:\b(?P<digits>{DIGITS_PATTERN})|(?P<words>{WORDS_PATTERN}))\s?(?:%|per\s?cent\b|pct\b|pc\b)");
    Regex::new(&pattern).expect("valid percent regex")
});

pub(crate) fn extract(text: &str) -> Vec<Found> {
    PERCENT
        .captures_iter(text)
        .filter_map(|caps| {
            let whole = caps.get(0)?;
            let basis_points = match caps.name("digits") {
                Some(d) => numbers::parse_fixed(d.as_str(), 2)?,
                None => numbers::parse_any(caps.name("words")?.as_str(), 2)?,
            };
            Found::new(text, whole.range(), FactValue::Percent { basis_points })
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

pub(crate) fn display(basis_points: i64) -> String {
    let (whole, fraction) = (basis_points / 100, (basis_points % 100).abs());
    match fraction {
        0 => format!("{whole}%"),
        f if f % 10 == 0 => format!("{whole}.{}%", f / 10),
        f => format!("{whole}.{f:02}%"),
    }
}
