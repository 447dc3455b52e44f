//! An office clock that runs faster than the machine's, for a server the tests kill and restart: office time
//! is `office_start + (machine now − machine_start) × rate`, so every restart of the process, given the same
//! three numbers, goes on from where the last one was, and an escalation of half an hour takes seconds.

use zhiban_server::clock::Clock;

/// The environment variable `test-zhiban-server` reads: `OFFICE_START_MS,MACHINE_START_MS,RATE`.
pub const FAST_CLOCK_ENV: &str = "ZHIBAN_TEST_FAST_CLOCK";

#[derive(Debug, Clone, Copy)]
pub struct FastClock {
    office_start_ms: i64,
    machine_start_ms: i64,
    rate: i64,
}

impl FastClock {
    /// From now on the machine's clock, office time starts at `office_start_ms` and runs `rate` times faster.
    pub fn starting_now(office_start_ms: i64, rate: i64) -> Self {
        Self { office_start_ms, machine_start_ms: chrono::Utc::now().timestamp_millis(), rate }
    }

    /// The value of [`FAST_CLOCK_ENV`] that makes a server keep this clock.
    pub fn to_env(&self) -> String {
        format!("{},{},{}", self.office_start_ms, self.machine_start_ms, self.rate)
    }

    pub fn from_env(value: &str) -> anyhow::Result<Self> {
        let numbers: Vec<i64> = value.split(',').map(|n| n.trim().parse()).collect::<Result<_, _>>()?;
        let [office_start_ms, machine_start_ms, rate] = numbers[..] else {
            anyhow::bail!("{FAST_CLOCK_ENV}={value:?}: expected OFFICE_START_MS,MACHINE_START_MS,RATE");
        };
        Ok(Self { office_start_ms, machine_start_ms, rate })
    }
}

impl Clock for FastClock {
    fn now_millis(&self) -> i64 {
        self.office_start_ms + (chrono::Utc::now().timestamp_millis() - self.machine_start_ms) * self.rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restarted_server_goes_on_from_the_same_office_time() {
        let clock = FastClock::starting_now(1_000_000, 60);
        let again = FastClock::from_env(&clock.to_env()).expect("parses");
        let (a, b) = (clock.now_millis(), again.now_millis());
        assert!((a - b).abs() < 60 * 50, "{a} vs {b}");
        assert!(a >= 1_000_000);
        assert!(FastClock::from_env("1,2").is_err());
    }
}
