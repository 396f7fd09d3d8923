//! `psvault-bench`: measures psvault end to end against the psr-sim
//! simulator over TLS and prints a Markdown table of the figures and
//! their targets on stdout. Progress goes to stderr.
//!
//! The simulator runs in this process. psvault and the request floor
//! (`https-floor`) run as child processes, so process start-up is part
//! of both numbers. `scripts/bench.sh` builds the release binaries and
//! runs this program.

mod cpu;
mod figures;
mod phases;
mod report;
mod runner;
mod stats;
mod vault;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use clap::Parser;

use crate::report::Report;
use crate::runner::Runner;

/// Benchmarks psvault against the simulator and a minimal HTTPS client.
#[derive(Debug, Parser)]
#[command(name = "psvault-bench")]
pub struct Cli {
    /// Timed runs of a single `psvault get` and of its floor, and of the
    /// CPU and memory measurement. At least 20.
    #[arg(long, value_name = "N", default_value_t = 25)]
    runs: usize,

    /// Timed `psvault get` runs per vault size.
    #[arg(long, value_name = "N", default_value_t = 20)]
    size_runs: usize,

    /// Numbers of generated AD User entries to measure the lookup time
    /// with, comma-separated, smallest first. Each must be at least 4.
    #[arg(
        long,
        value_name = "N,N,...",
        value_delimiter = ',',
        default_value = "1000,10000,100000"
    )]
    sizes: Vec<usize>,

    /// Lookups in the `psvault batch` run; the vault gets as many
    /// generated entries, and the batch reads each once.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    batch: usize,

    /// Separate `psvault get` processes run to compare with the batch;
    /// their total is extrapolated to the batch size when smaller.
    #[arg(long, value_name = "N", default_value_t = 200)]
    separate: usize,

    /// The psvault binary. [default: `psvault` next to this program]
    #[arg(long, value_name = "PATH")]
    psvault: Option<PathBuf>,

    /// The https-floor binary. [default: `https-floor` next to this
    /// program]
    #[arg(long, value_name = "PATH")]
    floor: Option<PathBuf>,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(table) => {
            print!("{table}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("psvault-bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<String> {
    if cli.runs < 20 {
        bail!("--runs must be at least 20, found {}", cli.runs);
    }
    if cli.size_runs == 0 || cli.batch == 0 || cli.separate == 0 {
        bail!("--size-runs, --batch and --separate must be greater than zero");
    }
    if cli.sizes.is_empty() || cli.sizes.iter().any(|&size| size < 4) {
        bail!("--sizes needs at least one size, each at least 4");
    }

    let work_dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    let runner = Runner {
        psvault: binary_path(cli.psvault.as_ref(), "psvault")?,
        floor: binary_path(cli.floor.as_ref(), "https-floor")?,
        time: runner::find_time(),
        work_dir: work_dir.path().to_path_buf(),
    };
    if runner.time.is_none() {
        eprintln!(
            "psvault-bench: /usr/bin/time is missing, so CPU time and peak RSS are not \
             measured (install the Debian package `time`)"
        );
    }
    // Reads the clock tick rate now: getconf is a child process too and
    // must not count towards a measured series.
    cpu::clock_ticks_per_second();

    let load_before = load_average();
    let single = phases::single_lookup(&cli, &runner).context("single lookup")?;
    let mut sizes = Vec::new();
    for &generated in &cli.sizes {
        sizes.push(phases::vault_size(&cli, &runner, generated).context("vault size")?);
    }
    let batch = phases::batch(&cli, &runner).context("batch")?;
    let load_after = load_average();

    let mut report = Report::default();
    figures::single(&mut report, &cli, &single);
    figures::sizes(&mut report, &sizes);
    figures::batch(&mut report, &cli, &batch);
    report.figure(
        "machine load: 1-minute load average before; after",
        format!("{load_before}; {load_after}"),
    );
    figures::method_notes(&mut report);
    let batch_lookups = u64::try_from(batch.lookups).unwrap_or(u64::MAX);
    Ok(report.render(&single.counters, Some((&batch.counters, batch_lookups))))
}

/// Returns the 1-minute load average from `/proc/loadavg`, or `n/a`.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "n/a".to_owned())
}

/// Returns `explicit`, or the program `name` in this program's directory.
fn binary_path(explicit: Option<&PathBuf>, name: &str) -> anyhow::Result<PathBuf> {
    let path = match explicit {
        Some(path) => path.clone(),
        None => std::env::current_exe()
            .context("cannot locate this program")?
            .parent()
            .ok_or_else(|| anyhow!("this program has no parent directory"))?
            .join(name),
    };
    if !path.is_file() {
        bail!(
            "{} not found; build it with `cargo build --release -p psvault -p psvault-bench` \
             or pass its path",
            path.display()
        );
    }
    Ok(path)
}
