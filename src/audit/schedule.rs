//! When the next audit run is due: a cron expression or a fixed interval.
//! Pure — the current time is always passed in — so it is unit-tested
//! without waiting.

use chrono::{DateTime, TimeZone};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// How often an audit runs.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// At the times a cron expression names (local time). `expr` is as the
    /// user wrote it, for logs. Boxed: a parsed schedule is large.
    Cron { expr: String, cron: Box<cron::Schedule> },
    /// Every so often, the first run at once. Runs start on a fixed grid
    /// (first start + k × interval); a run that overruns skips the slots it
    /// missed rather than starting late runs back to back.
    Every(Duration),
}

impl Schedule {
    /// Parses a cron expression: 5 fields (`*/10 * * * *`, minute first) or
    /// the `cron` crate's 6–7 fields (seconds first, optional year).
    pub fn cron(expr: &str) -> Result<Self, String> {
        let fields = expr.split_whitespace().count();
        let full = match fields {
            5 => format!("0 {}", expr.trim()),
            6 | 7 => expr.trim().to_string(),
            _ => {
                return Err(format!(
                    "`{expr}` has {fields} fields; a cron expression has 5 (`minute hour day-of-month month day-of-week`, e.g. `0 */4 * * *`) or 6 with seconds first"
                ))
            }
        };
        let cron = cron::Schedule::from_str(&full).map_err(|e| {
            format!("`{expr}` is not a cron expression ({e}); e.g. `0 */4 * * *` (every 4 hours) or `30 8 * * Mon-Fri`; name weekdays (`Mon`), since numbered days count from Sunday = 1")
        })?;
        Ok(Schedule::Cron { expr: expr.trim().to_string(), cron: Box::new(cron) })
    }

    /// A fixed interval, at least one second.
    pub fn every(interval: Duration) -> Result<Self, String> {
        if interval < Duration::from_secs(1) {
            return Err("the interval must be at least 1s".into());
        }
        Ok(Schedule::Every(interval))
    }

    /// When the next run is due, given when the previous one was *due*
    /// (None before the first run) and the time now. None when a cron
    /// expression names no future time (a past year).
    pub fn next<Tz: TimeZone>(&self, previous: Option<&DateTime<Tz>>, now: &DateTime<Tz>) -> Option<DateTime<Tz>> {
        match self {
            Schedule::Cron { cron, .. } => cron.after(now).next(),
            Schedule::Every(interval) => {
                let Some(prev) = previous else { return Some(now.clone()) };
                let step = chrono::Duration::from_std(*interval).ok()?;
                let mut due = prev.clone() + step;
                if due < *now {
                    // Skip the slots that passed while the last run overran.
                    let behind = (now.clone() - due.clone()).num_milliseconds().max(0) as u128;
                    let slots = behind.div_ceil(interval.as_millis().max(1));
                    due += step * i32::try_from(slots).ok()?;
                }
                Some(due)
            }
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Cron { expr, .. } => write!(f, "cron `{expr}` (local time)"),
            Schedule::Every(d) => write!(f, "every {}", humantime::format_duration(*d)),
        }
    }
}

/// Parses `--interval`: `10m`, `1h 30m`, `90s`.
pub fn parse_interval(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text.trim())
        .map_err(|_| format!("`{text}` is not an interval; write e.g. `10m`, `4h` or `1h 30m`"))?;
    Schedule::every(d)?;
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, h, m, s).single().unwrap()
    }

    #[test]
    fn five_field_cron_fires_on_the_minute() {
        let s = Schedule::cron("*/10 * * * *").unwrap();
        assert_eq!(s.next(None, &at(17, 3, 12)), Some(at(17, 10, 0)));
        // Strictly after now: a run due at 17:10:00 is not due again at 17:10:00.
        assert_eq!(s.next(None, &at(17, 10, 0)), Some(at(17, 20, 0)));
        assert_eq!(s.to_string(), "cron `*/10 * * * *` (local time)");
    }

    #[test]
    fn six_field_cron_has_seconds_first() {
        let s = Schedule::cron("30 0 8 * * *").unwrap();
        assert_eq!(s.next(None, &at(9, 0, 0)), Some(Utc.with_ymd_and_hms(2026, 11, 26, 8, 0, 30).single().unwrap()));
    }

    #[test]
    fn cron_with_named_weekdays() {
        // 2026-11-25 is a Wednesday; the next Monday 08:30 is 2026-11-30.
        let s = Schedule::cron("30 8 * * Mon").unwrap();
        assert_eq!(s.next(None, &at(9, 0, 0)), Some(Utc.with_ymd_and_hms(2026, 11, 30, 8, 30, 0).single().unwrap()));
    }

    #[test]
    fn cron_errors_say_what_to_write() {
        for bad in ["", "* * *", "61 * * * *", "every hour", "* * * * * * * *"] {
            let err = Schedule::cron(bad).unwrap_err();
            assert!(err.contains("0 */4 * * *"), "{bad}: {err}");
        }
    }

    #[test]
    fn interval_runs_at_once_then_on_a_fixed_grid() {
        let s = Schedule::every(Duration::from_secs(600)).unwrap();
        let t0 = at(17, 0, 0);
        assert_eq!(s.next(None, &t0), Some(t0));
        // The run took 2 minutes: the next one is still due 10 minutes after the first.
        assert_eq!(s.next(Some(&t0), &at(17, 2, 0)), Some(at(17, 10, 0)));
        // The run overran by 15 minutes: the missed 17:10 slot is skipped.
        assert_eq!(s.next(Some(&t0), &at(17, 15, 0)), Some(at(17, 20, 0)));
        assert_eq!(s.next(Some(&t0), &at(17, 20, 0)), Some(at(17, 20, 0)));
        assert_eq!(s.to_string(), "every 10m");
    }

    #[test]
    fn intervals_parse_like_durations() {
        assert_eq!(parse_interval("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_interval("1h 30m"), Ok(Duration::from_secs(5400)));
        assert!(parse_interval("0s").is_err());
        assert!(parse_interval("100ms").is_err());
        assert!(parse_interval("often").unwrap_err().contains("10m"));
    }
}
