//! CPU time of this process (the in-process simulator) and of its
//! waited-for children (psvault, https-floor), from `/proc/self/stat`.
//!
//! The kernel keeps both totals in nanoseconds and reports them in clock
//! ticks (usually 10 ms), so a series of runs is measured by one reading
//! before and one after it. The error is then at most one tick for the
//! whole series, not one tick per run, as GNU time's `%U` and `%S` would
//! have (they truncate each run to 10 ms).

use std::time::Duration;

/// User plus system CPU time at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuTimes {
    /// This process, all threads, including finished ones.
    pub own: Duration,
    /// Children that have exited and been waited for: user time.
    pub children_user: Duration,
    /// Children that have exited and been waited for: system time.
    pub children_system: Duration,
}

/// CPU time per run of a series.
#[derive(Debug, Clone, Copy)]
pub struct PerRun {
    /// The child's user time.
    pub child_user: Duration,
    /// The child's system time.
    pub child_system: Duration,
    /// This process's time, which is the simulator's work.
    pub server: Duration,
}

impl PerRun {
    /// Returns the child's user plus system time.
    pub fn child(&self) -> Duration {
        self.child_user + self.child_system
    }
}

/// Reads the current CPU times; `None` where `/proc/self/stat` is missing
/// or unreadable.
pub fn now() -> Option<CpuTimes> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    parse_stat(&stat, clock_ticks_per_second())
}

/// Runs `run` `runs` times and returns the CPU time per run, or `None`
/// when CPU times cannot be read.
pub fn per_run(
    runs: usize,
    mut run: impl FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<Option<PerRun>> {
    let before = now();
    for _ in 0..runs {
        run()?;
    }
    let after = now();
    let count = u32::try_from(runs.max(1)).unwrap_or(u32::MAX);
    Ok(before.zip(after).map(|(before, after)| PerRun {
        child_user: after.children_user.saturating_sub(before.children_user) / count,
        child_system: after.children_system.saturating_sub(before.children_system) / count,
        server: after.own.saturating_sub(before.own) / count,
    }))
}

/// Parses `/proc/<pid>/stat`. Fields are counted from 1; the command name
/// (field 2) may contain spaces and ends at the last `)`. utime, stime,
/// cutime and cstime are fields 14 to 17.
fn parse_stat(stat: &str, ticks_per_second: u64) -> Option<CpuTimes> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts with field 3, so field N is at index N - 3.
    let field = |number: usize| -> Option<u64> { fields.get(number - 3)?.parse().ok() };
    let ticks = |count: u64| Duration::from_secs_f64(count as f64 / ticks_per_second as f64);
    Some(CpuTimes {
        own: ticks(field(14)? + field(15)?),
        children_user: ticks(field(16)?),
        children_system: ticks(field(17)?),
    })
}

/// Returns the kernel's clock ticks per second (`getconf CLK_TCK`), or
/// 100 when `getconf` is unavailable. Call it once before measuring,
/// because `getconf` is itself a child process.
pub fn clock_ticks_per_second() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|output| String::from_utf8(output.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .filter(|&ticks| ticks > 0)
            .unwrap_or(100)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_read_after_command_name() {
        let stat = "42 (my (odd) name) S 1 42 42 0 -1 4194560 100 0 0 0 \
                    250 50 30 20 20 0 1 0 100 1000 200";
        let times = parse_stat(stat, 100).expect("valid stat line");
        assert_eq!(times.own, Duration::from_secs(3));
        assert_eq!(times.children_user, Duration::from_millis(300));
        assert_eq!(times.children_system, Duration::from_millis(200));
    }

    #[test]
    fn truncated_stat_is_rejected() {
        assert!(parse_stat("42 (x) S 1 2", 100).is_none());
    }

    #[test]
    fn own_cpu_time_is_readable() {
        assert!(now().is_some());
    }
}
