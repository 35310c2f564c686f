//! Durations and rates within the ranges `check` accepts (`limits`).

use super::*;

impl Checker<'_> {
    /// A duration that parses and lies within `max` (an absurd value would
    /// overflow the engine's clock arithmetic or never end the run).
    pub(super) fn duration(&mut self, file: FileId, at: Vec<Seg>, d: &Dur, max: Duration) {
        match parse_duration(&d.0) {
            Err(why) => {
                self.err(file, at, format!("`{}` is not a duration", d.0), "cannot read this duration", Some(why))
            }
            Ok(v) if v > max => self.err(
                file,
                at,
                format!("`{}` is longer than this setting allows", d.0),
                "out of range",
                Some(format!("use at most {}", humantime::format_duration(max))),
            ),
            Ok(_) => {}
        }
    }

    /// A rate or budget whose count and period are within sane bounds.
    pub(super) fn rate_in_range(&mut self, file: FileId, at: Vec<Seg>, text: &str, (n, per): (u32, Duration)) {
        if n > limits::MAX_RATE_COUNT || per > limits::MAX_RATE_PERIOD || per < Duration::from_millis(1) {
            self.err(
                file,
                at,
                format!("`{text}` is out of range"),
                "out of range",
                Some(format!(
                    "use at most {} requests per period, and a period between 1ms and {}",
                    limits::MAX_RATE_COUNT,
                    humantime::format_duration(limits::MAX_RATE_PERIOD)
                )),
            );
        }
    }
}
