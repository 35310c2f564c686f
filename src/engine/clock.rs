//! The run's monotonic clock: every recorded time is microseconds since start.

use std::time::Instant;

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: Instant,
}

impl Clock {
    pub fn start() -> Self {
        Clock { start: Instant::now() }
    }
    /// Microseconds since the run started.
    pub fn us(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }
    /// Microseconds from the run's start to `at` (0 if before it).
    pub fn us_at(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.start).as_micros() as u64
    }
}
