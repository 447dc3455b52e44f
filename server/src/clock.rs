//! "Now", as something the server is given: the system clock in production, a clock the test moves in tests.
//! One clock, given once (`ServerConfig::clock`), is the office's time for the whole server: deadlines and
//! escalations, what the API and the console judge overdue, receipt and storage times, token expiry and
//! throttling windows. Durations that are about the machine (timeouts, keepalives, rates, leases, retries a
//! push service asks for) run on the machine's clock instead.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use zhiban_model::rules::office_time_zone;

pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Unix milliseconds.
    fn now_millis(&self) -> i64;

    /// Now, in the office's time zone.
    fn office_now(&self) -> DateTime<FixedOffset> {
        DateTime::from_timestamp_millis(self.now_millis()).unwrap_or_default().with_timezone(&office_time_zone())
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}

/// A clock that stands still until moved.
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn at_millis(millis: i64) -> Self {
        Self(AtomicI64::new(millis))
    }

    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(by.as_millis() as i64, Ordering::SeqCst);
    }

    /// Moves the clock to `millis` (unix ms), days ahead say.
    pub fn set_millis(&self, millis: i64) {
        self.0.store(millis, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_now_is_the_clocks_instant_in_the_offices_zone() {
        // 02:00 UTC on 1 October 2026 is 10:00 in Beijing.
        let clock = ManualClock::at_millis(1_790_820_000_000);
        assert_eq!(clock.office_now().to_rfc3339(), "2026-10-01T10:00:00+08:00");
        clock.advance(Duration::from_secs(3600));
        assert_eq!(clock.office_now().to_rfc3339(), "2026-10-01T11:00:00+08:00");
    }
}
