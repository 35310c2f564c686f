//! Dates: "1 March 2027", "2027-03-01", "March 1st, 2027", "01/03/2027".
//! Numeric dates are read day-first (UK), or month-first when the locale's
//! calling code is 1 (North America). A date without a year is not read:
//! guessing the year would turn "1 March" into a confident wrong answer.

use chrono::NaiveDate;
use once_cell::sync::Lazy;
use regex::{Captures, Regex};

use super::{FactValue, Found, Locale};

const MONTHS: &str = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";

static DATE: Lazy<Regex> = Lazy::new(|| {
    let pattern = format!(
        r"(?i)\b(?:(?P<iy>[0-9]{{4}})-(?P<im>[0-9]{{1,2}})-(?P<id>[0-9]{{1,2}})|(?P<na>[0-9]{{1,2}})[/.](?P<nb>[0-9]{{1,2}})[/.](?P<ny>[0-9]{{4}}|[0-9]{{2}})|(?P<dd>[0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<dm>{MONTHS})\.?,?\s+(?P<dy>[0-9]{{4}})|(?P<mm>{MONTHS})\.?\s+(?P<md>[0-9]{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<my>[0-9]{{4}}))\b"
    );
    Regex::new(&pattern).expect("valid date regex")
});

pub(crate) fn extract(text: &str, locale: &Locale) -> Vec<Found> {
    DATE.captures_iter(text)
        .filter_map(|caps| {
            let whole = caps.get(0)?;
            let date = date(&caps, locale)?;
            Found::new(text, whole.range(), FactValue::Date(date))
        })
        .collect()
}

fn date(caps: &Captures<'_>, locale: &Locale) -> Option<NaiveDate> {
    let num = |name: &str| caps.name(name).and_then(|m| m.as_str().parse::<u32>().ok());
    if let (Some(y), Some(m), Some(d)) = (num("iy"), num("im"), num("id")) {
        return NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d);
    }
    if let (Some(a), Some(b), Some(y)) = (num("na"), num("nb"), num("ny")) {
        let year = if y < 100 { 2000 + y } else { y };
        let (day, month) = if locale.country_code.trim_start_matches('+') == "1" { (b, a) } else { (a, b) };
        return NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day);
    }
    let (day, month, year) = match caps.name("dm") {
        Some(m) => (num("dd")?, month(m.as_str())?, num("dy")?),
        None => (num("md")?, month(caps.name("mm")?.as_str())?, num("my")?),
    };
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

fn month(name: &str) -> Option<u32> {
    let prefix: String = name.chars().take(3).collect::<String>().to_lowercase();
    let index = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        .iter()
        .position(|m| *m == prefix)?;
    u32::try_from(index + 1).ok()
}
