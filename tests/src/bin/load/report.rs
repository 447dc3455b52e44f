//! What a load run prints: latencies as percentiles, rates, and the server's memory and CPU.

use std::time::Duration;

use zhiban_tests::process::{cpu_time, mib, ms, open_files, peak_rss_kib, quantile, resident_kib};

/// Times of one kind of operation.
#[derive(Debug, Default, Clone)]
pub struct Latencies {
    times: Vec<Duration>,
}

impl Latencies {
    pub fn push(&mut self, d: Duration) {
        self.times.push(d);
    }

    pub fn extend(&mut self, other: Latencies) {
        self.times.extend(other.times);
    }

    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// `p` of 0..=1, over what was recorded.
    pub fn quantile(&self, p: f64) -> Duration {
        let mut sorted = self.times.clone();
        sorted.sort();
        quantile(&sorted, p)
    }

    /// "p50 …, p95 …, p99 …, max … (n)".
    pub fn summary(&self) -> String {
        if self.times.is_empty() {
            return "none".into();
        }
        let mut sorted = self.times.clone();
        sorted.sort();
        let q = |p| format_duration(quantile(&sorted, p));
        format!("p50 {}, p95 {}, p99 {}, max {} (n = {})", q(0.5), q(0.95), q(0.99), q(1.0), sorted.len())
    }
}

/// Milliseconds below ten seconds, seconds above.
pub fn format_duration(d: Duration) -> String {
    if d < Duration::from_secs(10) { format!("{:.1} ms", ms(d)) } else { format!("{:.2} s", d.as_secs_f64()) }
}

/// The server's figures now, when this run started it.
pub struct ServerFigures {
    pid: Option<u32>,
    cpu_at_start: Duration,
    /// This process's CPU (the simulated phones), which shares the machine's cores with the server.
    own_cpu_at_start: Duration,
}

impl ServerFigures {
    /// Starts counting the server's CPU from now.
    pub fn start(pid: Option<u32>) -> Self {
        let cpu_at_start = pid.and_then(|p| cpu_time(p).ok()).unwrap_or_default();
        let own_cpu_at_start = cpu_time(std::process::id()).unwrap_or_default();
        Self { pid, cpu_at_start, own_cpu_at_start }
    }

    pub fn rss_kib(&self) -> Option<u64> {
        self.pid.and_then(resident_kib)
    }

    /// "RSS now …, peak …, CPU … s, … open files", and the phones' CPU.
    pub fn line(&self) -> String {
        let phones = cpu_time(std::process::id()).map(|c| c.saturating_sub(self.own_cpu_at_start)).unwrap_or_default();
        let Some(pid) = self.pid else {
            return format!(
                "phones' CPU {:.1} s; server figures unknown (not started by this run)",
                phones.as_secs_f64()
            );
        };
        let cpu = cpu_time(pid).map(|c| c.saturating_sub(self.cpu_at_start)).unwrap_or_default();
        format!(
            "server RSS {} now, peak {}; CPU {:.1} s since the workload began (the phones' {:.1} s); {} open files",
            mib(resident_kib(pid)),
            mib(peak_rss_kib(pid)),
            cpu.as_secs_f64(),
            phones.as_secs_f64(),
            open_files(pid).map(|n| n.to_string()).unwrap_or_else(|| "?".into())
        )
    }
}
