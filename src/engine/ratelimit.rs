//! A per-channel rate limit shared by every persona: requests are spaced
//! evenly (`period / n` apart), which is what a polite mystery shopper does.

use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

pub struct RateLimit {
    spacing: Duration,
    next: Mutex<Instant>,
}

impl RateLimit {
    pub fn new(n: u32, period: Duration) -> Self {
        RateLimit { spacing: period / n.max(1), next: Mutex::new(Instant::now()) }
    }

    /// Waits for this request's slot.
    pub async fn acquire(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.spacing;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}
