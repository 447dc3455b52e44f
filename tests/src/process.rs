//! Figures about processes read from `/proc` (Linux): memory and CPU time of the server a benchmark or load
//! run started, and of the machine, so a run disturbed by something else shows.

use std::time::Duration;

use anyhow::Context;

/// A number of KiB from a `Key:   123 kB` line of `/proc/PID/status`.
fn status_kib(pid: u32, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Peak resident set size of a process (`VmHWM`).
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmHWM:")
}

/// Resident set size of a process now (`VmRSS`).
pub fn resident_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmRSS:")
}

/// Starts measuring a process's peak RSS afresh from now; false where the kernel does not allow it.
pub fn reset_peak_rss(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// KiB as MiB for printing, or "unknown".
pub fn mib(kib: Option<u64>) -> String {
    kib.map(|k| format!("{:.1} MiB", k as f64 / 1024.0)).unwrap_or_else(|| "unknown".into())
}

/// File descriptors a process has open now.
pub fn open_files(pid: u32) -> Option<usize> {
    std::fs::read_dir(format!("/proc/{pid}/fd")).ok().map(|entries| entries.count())
}

/// CPU time (user + system) a process has used so far, all its threads included, those that ended too.
pub fn cpu_time(pid: u32) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).with_context(|| format!("/proc/{pid}/stat"))?;
    // The command name in parentheses may contain spaces; the fields after it are plain numbers.
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).context("a /proc stat line without its name")?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; in USER_HZ ticks, which
    // the kernel's interface fixes at 100 per second.
    let ticks = |i: usize| -> anyhow::Result<u64> {
        fields.get(i).context("a short /proc stat line")?.parse().context("a /proc stat field that is not a number")
    };
    Ok(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
}

/// CPU time the whole machine has spent busy so far (every core, every process), from `/proc/stat`.
pub fn machine_busy() -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").context("/proc/stat")?;
    let line = stat.lines().next().context("an empty /proc/stat")?;
    let ticks: Vec<u64> = line.split_whitespace().skip(1).filter_map(|t| t.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal: all but idle and iowait, in USER_HZ (100 per second).
    let busy: u64 = ticks.iter().take(8).enumerate().filter(|(i, _)| !matches!(i, 3 | 4)).map(|(_, t)| t).sum();
    Ok(Duration::from_millis(busy * 10))
}

/// Milliseconds, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The `p` quantile (0..=1) of sorted durations; zero for none.
pub fn quantile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}
