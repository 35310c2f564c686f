//! Durations: "30 days", "thirty days", "two weeks", "48hrs", "a 30-day
//! refund window", "5 working days".
//!
//! Three incommensurable units, kept apart on purpose:
//! - clock time (minutes to weeks) is held in seconds, so "24 hours" equals
//!   "1 day" and "two weeks" equals "14 days";
//! - months and years are held in months: "1 month" is *not* "30 days",
//!   because a customer told "a month" in February is owed a different day;
//! - working (business) days are held in working days: "5 working days" is
//!   not "5 days" — the difference is exactly what contact centres get wrong.

use once_cell::sync::Lazy;
use regex::Regex;
use serde::{Deserialize, Serialize};

use super::numbers::{self, DIGITS_PATTERN, WORDS_PATTERN};
use super::{FactValue, Found};

/// The unit a [`FactValue::Duration`] amount is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DurationUnit {
    /// Clock time: minutes, hours, calendar days and weeks.
    Seconds,
    /// Working (business) days; a working week is five.
    WorkingDays,
    /// Calendar months; a year is twelve.
    Months,
}

static DURATION: Lazy<Regex> = Lazy::new(|| {
    let pattern = format!(
        r"(?i)(?:\b(?P<digits>{DIGITS_PATTERN})|(?P<words>{WORDS_PATTERN})(?:\s*\(\s*(?P<echo>[0-9]+)\s*\))?)(?:\s*-\s*|\s*)(?P<kind>(?:working|business|calendar)\s*-?\s*)?(?P<unit>minutes?|mins?|hours?|hrs?|h|days?|weeks?|wks?|fortnights?|months?|years?|yrs?)\b"
    );
    Regex::new(&pattern).expect("valid duration regex")
});

/// The unit a duration was written in, so "12 months" is shown as 12
/// months and not as "1 year".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Written {
    Minute,
    Hour,
    Day,
    Week,
    Fortnight,
    Month,
    Year,
    WorkingDay,
    WorkingWeek,
}

impl Written {
    /// The unit's size in the value's own unit, and its singular name.
    fn size(self) -> (i64, &'static str) {
        match self {
            Written::Minute => (60, "minute"),
            Written::Hour => (3_600, "hour"),
            Written::Day => (86_400, "day"),
            Written::Week => (7 * 86_400, "week"),
            Written::Fortnight => (14 * 86_400, "fortnight"),
            Written::Month => (1, "month"),
            Written::Year => (12, "year"),
            Written::WorkingDay => (1, "working day"),
            Written::WorkingWeek => (5, "working week"),
        }
    }
}

/// "7 days a week", "24 hours a day": a frequency, not a length of time.
static FREQUENCY: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"(?i)^\s+(?:a|per|each|every|/)\s*(?:week|day|month|year|wk)\b").expect("valid regex"));

pub(crate) fn extract(text: &str) -> Vec<Found> {
    DURATION
        .captures_iter(text)
        .filter_map(|caps| {
            let whole = caps.get(0)?;
            if FREQUENCY.is_match(&text[whole.end()..]) || text[whole.end()..].starts_with("/7") {
                return None;
            }
            let value = value(&caps)?;
            Found::new(text, whole.range(), value)
        })
        .collect()
}

fn value(caps: &regex::Captures<'_>) -> Option<FactValue> {
    // Fixed point with three decimals, so "1.5 hours" survives until seconds.
    const SCALE: i64 = 1000;
    let count = match caps.name("digits") {
        Some(d) => numbers::parse_fixed(d.as_str(), 3)?,
        None => {
            let words = numbers::parse_any(caps.name("words")?.as_str(), 3)?;
            // "fourteen (14) days", as contracts write it: the figure
            // repeats the words; one that does not is read as neither.
            match caps.name("echo") {
                Some(echo) if numbers::parse_fixed(echo.as_str(), 3)? != words => return None,
                _ => words,
            }
        }
    };
    let unit = caps.name("unit")?.as_str().to_lowercase();
    let kind = caps.name("kind").map(|k| k.as_str().to_lowercase());
    let working = kind.as_deref().is_some_and(|k| k.starts_with("working") || k.starts_with("business"));
    let (per_unit, unit_kind, written) = match (unit.trim_end_matches('s'), working) {
        ("day", true) => (1, DurationUnit::WorkingDays, Written::WorkingDay),
        ("week" | "wk", true) => (5, DurationUnit::WorkingDays, Written::WorkingWeek),
        // "48 working hours" has no agreed meaning in days; leave it unread.
        (_, true) => return None,
        ("minute" | "min", _) => (60, DurationUnit::Seconds, Written::Minute),
        ("hour" | "hr" | "h", _) => (3_600, DurationUnit::Seconds, Written::Hour),
        ("day", _) => (86_400, DurationUnit::Seconds, Written::Day),
        ("week" | "wk", _) => (7 * 86_400, DurationUnit::Seconds, Written::Week),
        ("fortnight", _) => (14 * 86_400, DurationUnit::Seconds, Written::Fortnight),
        ("month", _) => (1, DurationUnit::Months, Written::Month),
        ("year" | "yr", _) => (12, DurationUnit::Months, Written::Year),
        _ => return None,
    };
    let scaled = count.checked_mul(per_unit)?;
    // Fractions of a working day or a month have no exact meaning; skip them.
    if scaled % SCALE != 0 {
        return None;
    }
    Some(FactValue::Duration { amount: scaled / SCALE, unit: unit_kind, written: Some(written) })
}

/// In the unit written when it divides the amount ("12 months"), else canonical.
pub(crate) fn display(amount: i64, unit: DurationUnit, written: Option<Written>) -> String {
    if let Some(w) = written {
        let (size, name) = w.size();
        if amount % size == 0 {
            let n = amount / size;
            return if n == 1 { format!("1 {name}") } else { format!("{n} {name}s") };
        }
    }
    canonical(amount, unit)
}

fn canonical(amount: i64, unit: DurationUnit) -> String {
    let plural = |n: i64, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    match unit {
        DurationUnit::WorkingDays => {
            if amount == 1 {
                "1 working day".to_string()
            } else {
                format!("{amount} working days")
            }
        }
        DurationUnit::Months if amount != 0 && amount % 12 == 0 => plural(amount / 12, "year"),
        DurationUnit::Months => plural(amount, "month"),
        DurationUnit::Seconds => {
            if amount != 0 && amount % 86_400 == 0 {
                plural(amount / 86_400, "day")
            } else if amount != 0 && amount % 3_600 == 0 {
                plural(amount / 3_600, "hour")
            } else if amount % 60 == 0 {
                plural(amount / 60, "minute")
            } else {
                plural(amount, "second")
            }
        }
    }
}
