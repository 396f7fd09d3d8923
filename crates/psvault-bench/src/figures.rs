//! Turns the measurements into report rows, with the targets and their
//! verdicts.

use std::time::Duration;

use crate::cpu::PerRun;
use crate::phases::{BatchResult, SingleResult, SizeResult, SINGLE_IDENTITY};
use crate::report::{Report, Verdict};
use crate::stats::{ms, ratio, seconds};
use crate::Cli;

/// Target: a lookup takes at most this multiple of its floor.
const MAX_FLOOR_RATIO: f64 = 1.2;
/// Target: user plus system CPU time of one `psvault get`.
const MAX_CPU: Duration = Duration::from_millis(15);
/// Target: peak RSS of one `psvault get`, in bytes (15 MB).
const MAX_RSS_BYTES: u64 = 15_000_000;
/// Target: lookup time with the largest vault over the smallest.
const MAX_SIZE_RATIO: f64 = 1.5;

/// Adds the rows of a single lookup.
pub fn single(report: &mut Report, cli: &Cli, single: &SingleResult) {
    let requests = single.counters.total_requests();
    report.figure(
        format!(
            "`psvault get {}` end to end, median (p90) of {} runs",
            SINGLE_IDENTITY.replace('\\', "\\\\"),
            cli.runs
        ),
        format!("{} ({})", ms(single.get.median), ms(single.get.p90)),
    );
    report.figure(
        format!(
            "floor: the same {requests} HTTPS requests by `https-floor` over {} \
             connection(s), median (p90)",
            single.floor_connections
        ),
        format!("{} ({})", ms(single.floor.median), ms(single.floor.p90)),
    );
    let floor_ratio = ratio(single.get.median, single.floor.median);
    report.target(
        "one lookup ÷ floor (medians)",
        format!("{floor_ratio:.2}×"),
        format!("≤ {MAX_FLOOR_RATIO}×"),
        Verdict::from_check(floor_ratio <= MAX_FLOOR_RATIO),
    );
    if let (Some(get_cpu), Some(floor_cpu)) = (single.get_cpu, single.floor_cpu) {
        let adjusted = ratio(
            single.get.median.saturating_sub(get_cpu.server),
            single.floor.median.saturating_sub(floor_cpu.server),
        );
        report.figure(
            "one lookup ÷ floor, each without the simulator's CPU time (estimate)",
            format!("{adjusted:.2}×"),
        );
    }

    match single.get_cpu {
        Some(cpu) => report.target(
            format!(
                "CPU of one `psvault get`, mean of {} runs: user + system",
                cli.runs
            ),
            cpu_text(&cpu),
            format!("≤ {}", ms(MAX_CPU)),
            Verdict::from_check(cpu.child() <= MAX_CPU),
        ),
        None => report.target(
            "CPU of one `psvault get`",
            "n/a (no /proc/self/stat)",
            format!("≤ {}", ms(MAX_CPU)),
            Verdict::NotMeasured,
        ),
    }
    match single.get_peak_rss_kib {
        Some(kib) => report.target(
            format!("peak RSS of one `psvault get`, max of {} runs", cli.runs),
            megabytes(kib),
            "≤ 15 MB",
            Verdict::from_check(kib * 1024 <= MAX_RSS_BYTES),
        ),
        None => report.target(
            "peak RSS of one `psvault get`",
            "n/a (no /usr/bin/time)",
            "≤ 15 MB",
            Verdict::NotMeasured,
        ),
    }
    if let Some(cpu) = single.floor_cpu {
        report.figure("floor for comparison: CPU, user + system", cpu_text(&cpu));
    }
    if let Some(kib) = single.floor_peak_rss_kib {
        report.figure("floor for comparison: peak RSS", megabytes(kib));
    }
    if let (Some(get_cpu), Some(floor_cpu)) = (single.get_cpu, single.floor_cpu) {
        report.figure(
            "simulator CPU per `psvault get`; per floor run",
            format!("{}; {}", ms(get_cpu.server), ms(floor_cpu.server)),
        );
    }
    report.figure(
        "containers transferred per lookup (`GetContainerList`)",
        format!(
            "{} entries, {} forms",
            single.counters.entries_listed(),
            single.counters.forms_listed()
        ),
    );
}

/// Adds the rows of the vault sizes and the flatness target.
pub fn sizes(report: &mut Report, sizes: &[SizeResult]) {
    for size in sizes {
        let server = size
            .cpu
            .map(|cpu| format!("; simulator CPU {}", ms(cpu.server)))
            .unwrap_or_default();
        report.figure(
            format!(
                "lookup with {} generated entries, median (p90) of {} runs; entries \
                 transferred; requests",
                grouped(size.generated),
                size.lookup.count
            ),
            format!(
                "{} ({}); {}; {}{server}",
                ms(size.lookup.median),
                ms(size.lookup.p90),
                size.counters.entries_listed(),
                size.counters.total_requests()
            ),
        );
    }
    let (Some(smallest), Some(largest)) = (sizes.first(), sizes.last()) else {
        return;
    };
    if sizes.len() > 1 {
        let growth = ratio(largest.lookup.median, smallest.lookup.median);
        report.target(
            format!(
                "lookup time {} ÷ {} entries (medians)",
                grouped(largest.generated),
                grouped(smallest.generated)
            ),
            format!("{growth:.2}×"),
            format!("≤ {MAX_SIZE_RATIO}×"),
            Verdict::from_check(growth <= MAX_SIZE_RATIO),
        );
    }
    report.figure(
        format!(
            "simulator start-up with {} generated entries",
            grouped(largest.generated)
        ),
        seconds(largest.start_time),
    );
}

/// Adds the rows of the batch, the separate processes and the batch
/// floor.
pub fn batch(report: &mut Report, cli: &Cli, batch: &BatchResult) {
    let lookups = u32::try_from(batch.lookups).unwrap_or(u32::MAX).max(1);
    let per_lookup = batch.total / lookups;
    report.figure(
        format!(
            "`psvault batch`, {} lookups in one process: total; per lookup",
            grouped(batch.lookups)
        ),
        format!("{}; {}", seconds(batch.total), ms(per_lookup)),
    );
    if let Some(cpu) = batch.cpu {
        report.figure(
            "`psvault batch` CPU per lookup, user + system; simulator CPU per lookup",
            format!(
                "{}; {}",
                ms(cpu.child() / lookups),
                ms(cpu.server / lookups)
            ),
        );
    }
    if let Some(kib) = batch.peak_rss_kib {
        report.figure("`psvault batch` peak RSS", megabytes(kib));
    }

    let separate_count = batch.separate.count;
    let separate_total = batch.separate.mean * separate_count as u32;
    let extrapolated = batch.separate.mean * lookups;
    let totals = if separate_count < batch.lookups {
        format!(
            "{} measured in {}, extrapolated to {}: {}",
            grouped(separate_count),
            seconds(separate_total),
            grouped(batch.lookups),
            seconds(extrapolated)
        )
    } else {
        seconds(separate_total)
    };
    report.figure(
        format!(
            "{} separate `psvault get` processes: total; per lookup, mean (median)",
            grouped(batch.lookups)
        ),
        format!(
            "{totals}; {} ({})",
            ms(batch.separate.mean),
            ms(batch.separate.median)
        ),
    );
    report.figure(
        "separate processes ÷ batch, total time",
        format!("{:.1}×", ratio(extrapolated, batch.total)),
    );

    let floor_per_lookup = batch.floor.elapsed / lookups;
    report.figure(
        format!(
            "batch floor: the batch's {} requests by `https-floor` over {} connection(s): \
             total; per lookup",
            grouped(batch.floor.requests as usize),
            batch.floor.connections
        ),
        format!("{}; {}", seconds(batch.floor.elapsed), ms(floor_per_lookup)),
    );
    let floor_ratio = ratio(per_lookup, floor_per_lookup);
    report.target(
        "batch per lookup ÷ its floor per lookup",
        format!("{floor_ratio:.2}×"),
        format!("≤ {MAX_FLOOR_RATIO}×"),
        Verdict::from_check(floor_ratio <= MAX_FLOOR_RATIO),
    );
    if let (Some(cpu), Some(floor_cpu)) = (batch.cpu, batch.floor_cpu) {
        let adjusted = ratio(
            batch.total.saturating_sub(cpu.server),
            batch.floor.elapsed.saturating_sub(floor_cpu.server),
        );
        report.figure(
            "batch ÷ its floor, each without the simulator's CPU time (estimate)",
            format!("{adjusted:.2}×"),
        );
    }
    if cli.separate < cli.batch {
        report.note(format!(
            "Separate processes: {} of the batch's {} lookups ran as separate processes; \
             the total for {} is their mean times {}.",
            grouped(separate_count),
            grouped(batch.lookups),
            grouped(batch.lookups),
            grouped(batch.lookups)
        ));
    }
}

/// Adds the notes that explain the method.
pub fn method_notes(report: &mut Report) {
    report.note(
        "The floor is `https-floor`: one process, one keep-alive TLS connection (ureq 3, \
         rustls with ring, trusting only the simulator's certificate), the same number of \
         requests per method with the same HTTP method and path, but `{}` bodies. The \
         simulator rejects those without a session or any cryptography, so the floor \
         leaves out the server's work.",
    );
    report.note(
        "CPU times are the children's user and system time of the benchmark process \
         (/proc/self/stat, read before and after a series), divided by the runs. The \
         simulator runs inside the benchmark process on the same 2 cores; its CPU time per \
         run is that process's own time over the series and is part of every wall-clock \
         figure. The estimates subtract it from the medians.",
    );
    report.note("Peak RSS comes from GNU time (`/usr/bin/time -f %M`).");
}

fn cpu_text(cpu: &PerRun) -> String {
    format!(
        "{} ({} + {})",
        ms(cpu.child()),
        ms(cpu.child_user),
        ms(cpu.child_system)
    )
}

/// Formats KiB as decimal megabytes, e.g. `9.8 MB`.
fn megabytes(kib: u64) -> String {
    format!("{:.1} MB", (kib * 1024) as f64 / 1_000_000.0)
}

/// Formats a count with thousands separators, e.g. `100,000`.
fn grouped(value: usize) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(100_000), "100,000");
    }

    #[test]
    fn megabytes_are_decimal() {
        assert_eq!(megabytes(9766), "10.0 MB");
    }
}
