//! Durations and sizes as written in suite files ("250ms", "2s", "4h", "1MB").

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// A duration written the human way. Kept as text until validation so that a
/// bad value becomes a located diagnostic rather than a serde failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Dur(pub String);

impl Dur {
    pub fn new(text: &str) -> Self {
        Dur(text.to_string())
    }

    /// Parses `"250ms"`, `"2s"`, `"1m 30s"`, `"4h"`. Err explains what was expected.
    pub fn parse(&self) -> Result<Duration, String> {
        parse_duration(&self.0)
    }

    /// The value, or `fallback` when it does not parse (validation has reported it already).
    pub fn or(&self, fallback: Duration) -> Duration {
        self.parse().unwrap_or(fallback)
    }
}

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("a duration is empty; write e.g. `250ms`, `2s` or `4h`".into());
    }
    humantime::parse_duration(trimmed)
        .map_err(|_| format!("`{trimmed}` is not a duration; write e.g. `250ms`, `2s`, `1m 30s` or `4h`"))
}

/// Parses a byte size: `"512KB"`, `"1MB"`, `"1 MiB"`, `"65536"`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("`{t}` is not a size; write e.g. `64KB` or `1MB`"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "kib" | "k" => 1024,
        "mb" | "mib" | "m" => 1024 * 1024,
        "gb" | "gib" | "g" => 1024 * 1024 * 1024,
        other => return Err(format!("unknown size unit `{other}`; use B, KB, MB or GB")),
    };
    n.checked_mul(mult).ok_or_else(|| format!("`{t}` is too large"))
}

/// A rate limit such as `"10/s"`, `"600/min"` or `"1000/h"`: requests per period.
pub fn parse_rate(text: &str) -> Result<(u32, Duration), String> {
    let hint = || format!("`{text}` is not a rate; write e.g. `10/s`, `600/min` or `1000/h`");
    let (n, per) = text.split_once('/').ok_or_else(hint)?;
    let n: u32 = n.trim().parse().map_err(|_| hint())?;
    if n == 0 {
        return Err(format!("a rate of `{text}` would never send anything; use at least 1"));
    }
    let period = match per.trim() {
        "s" | "sec" | "second" => Duration::from_secs(1),
        "m" | "min" | "minute" => Duration::from_secs(60),
        "h" | "hour" => Duration::from_secs(3600),
        other => parse_duration(other).map_err(|_| hint())?,
    };
    Ok((n, period))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("4h").unwrap(), Duration::from_secs(4 * 3600));
        assert!(parse_duration("2 parsecs").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn sizes_and_rates() {
        assert_eq!(parse_size("1MB").unwrap(), 1 << 20);
        assert_eq!(parse_size("64 KB").unwrap(), 64 << 10);
        assert!(parse_size("lots").is_err());
        assert_eq!(parse_rate("10/s").unwrap(), (10, Duration::from_secs(1)));
        assert!(parse_rate("0/s").is_err());
        assert!(parse_rate("fast").is_err());
    }
}
