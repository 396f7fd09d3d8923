//! The measurements: a single lookup against its floor, the lookup time
//! by vault size, and a batch against separate processes and its floor.

use std::time::Duration;

use anyhow::{bail, Context};

use crate::cpu::{self, PerRun};
use crate::runner::{FloorRun, Runner};
use crate::stats::Summary;
use crate::vault::{generated_identity, middle_identity, Counters, Vault};
use crate::Cli;

/// The demo fixture's entry that single lookups read: an ECC-encrypted
/// AD User entry readable by `nps-svc`.
pub const SINGLE_IDENTITY: &str = "CORP\\svc_sql";
/// Untimed runs before each timed series.
const WARM_UP_RUNS: usize = 3;

/// Figures of a single lookup on the demo fixture.
pub struct SingleResult {
    /// Requests and listed containers of one lookup.
    pub counters: Counters,
    /// `psvault get`, spawn to exit.
    pub get: Summary,
    /// https-floor with the lookup's requests, spawn to exit.
    pub floor: Summary,
    /// Most TCP connections one floor run opened.
    pub floor_connections: u64,
    /// CPU time per `psvault get`.
    pub get_cpu: Option<PerRun>,
    /// CPU time per floor run.
    pub floor_cpu: Option<PerRun>,
    /// Highest peak RSS of `psvault get`, in KiB.
    pub get_peak_rss_kib: Option<u64>,
    /// Highest peak RSS of the floor, in KiB.
    pub floor_peak_rss_kib: Option<u64>,
}

/// Figures of lookups in a vault with generated entries.
pub struct SizeResult {
    /// Number of generated entries.
    pub generated: usize,
    /// Simulator start-up time.
    pub start_time: Duration,
    /// Requests and listed containers of one lookup.
    pub counters: Counters,
    /// `psvault get`, spawn to exit.
    pub lookup: Summary,
    /// CPU time per lookup.
    pub cpu: Option<PerRun>,
}

/// Figures of the batch run and what it is compared with.
pub struct BatchResult {
    /// Lookups in the batch.
    pub lookups: usize,
    /// `psvault batch`, spawn to exit.
    pub total: Duration,
    /// CPU time of the whole batch.
    pub cpu: Option<PerRun>,
    /// Peak RSS of the batch in KiB (from the warm-up pass).
    pub peak_rss_kib: Option<u64>,
    /// Requests and listed containers of the batch.
    pub counters: Counters,
    /// https-floor with the batch's requests.
    pub floor: FloorRun,
    /// CPU time of that floor run.
    pub floor_cpu: Option<PerRun>,
    /// Separate `psvault get` processes over the batch's entries.
    pub separate: Summary,
}

fn progress(message: &str) {
    eprintln!("psvault-bench: {message}");
}

/// Measures `psvault get` and its floor on the demo fixture.
pub fn single_lookup(cli: &Cli, runner: &Runner) -> anyhow::Result<SingleResult> {
    progress("starting the simulator with the demo fixture");
    let vault = Vault::start(0, &runner.work_dir)?;

    let before = vault.counters();
    runner.get(&vault, SINGLE_IDENTITY)?;
    let counters = vault.counters().since(&before);
    let plan = request_plan(&counters);
    let expected_requests = counters.total_requests();
    let floor = || -> anyhow::Result<FloorRun> {
        let run = runner.floor(&vault, &plan)?;
        if run.requests != expected_requests {
            bail!(
                "https-floor sent {} requests, expected {expected_requests}",
                run.requests
            );
        }
        Ok(run)
    };

    progress(&format!(
        "single lookup: {expected_requests} requests; {} timed runs of psvault get and the \
         floor, alternating",
        cli.runs
    ));
    for _ in 0..WARM_UP_RUNS {
        runner.get(&vault, SINGLE_IDENTITY)?;
        floor()?;
    }
    let mut get_times = Vec::new();
    let mut floor_times = Vec::new();
    let mut floor_connections = 0;
    for _ in 0..cli.runs {
        get_times.push(runner.get(&vault, SINGLE_IDENTITY)?);
        let run = floor()?;
        floor_connections = floor_connections.max(run.connections);
        floor_times.push(run.elapsed);
    }

    progress(&format!(
        "single lookup: CPU time of {} runs each",
        cli.runs
    ));
    let get_cpu = cpu::per_run(cli.runs, || runner.get(&vault, SINGLE_IDENTITY).map(drop))?;
    let floor_cpu = cpu::per_run(cli.runs, || floor().map(drop))?;

    let (get_peak_rss_kib, floor_peak_rss_kib) = if runner.time.is_some() {
        progress(&format!(
            "single lookup: peak RSS of {} runs each under GNU time",
            cli.runs
        ));
        let mut get_peak = 0;
        let mut floor_peak = 0;
        for _ in 0..cli.runs {
            get_peak = get_peak.max(runner.get_peak_rss(&vault, SINGLE_IDENTITY)?);
            floor_peak = floor_peak.max(runner.floor_peak_rss(&vault, &plan)?);
        }
        (Some(get_peak), Some(floor_peak))
    } else {
        (None, None)
    };
    vault.stop();

    Ok(SingleResult {
        counters,
        get: Summary::of(&get_times).context("no get samples")?,
        floor: Summary::of(&floor_times).context("no floor samples")?,
        floor_connections,
        get_cpu,
        floor_cpu,
        get_peak_rss_kib,
        floor_peak_rss_kib,
    })
}

/// Measures the lookup time with `generated` extra AD User entries.
pub fn vault_size(cli: &Cli, runner: &Runner, generated: usize) -> anyhow::Result<SizeResult> {
    progress(&format!(
        "starting the simulator with {generated} generated entries"
    ));
    let vault = Vault::start(generated, &runner.work_dir)?;
    let identity = middle_identity(generated);

    let before = vault.counters();
    runner.get(&vault, &identity)?;
    let counters = vault.counters().since(&before);

    progress(&format!(
        "{generated} entries: {} timed runs of psvault get {identity}",
        cli.size_runs
    ));
    for _ in 0..WARM_UP_RUNS {
        runner.get(&vault, &identity)?;
    }
    let mut times = Vec::new();
    let cpu = cpu::per_run(cli.size_runs, || {
        times.push(runner.get(&vault, &identity)?);
        Ok(())
    })?;
    let start_time = vault.start_time;
    vault.stop();
    Ok(SizeResult {
        generated,
        start_time,
        counters,
        lookup: Summary::of(&times).context("no samples")?,
        cpu,
    })
}

/// Measures `psvault batch` over distinct generated entries, its floor,
/// and separate `psvault get` processes over the same entries.
pub fn batch(cli: &Cli, runner: &Runner) -> anyhow::Result<BatchResult> {
    progress(&format!(
        "starting the simulator with {} generated entries for the batch",
        cli.batch
    ));
    let vault = Vault::start(cli.batch, &runner.work_dir)?;
    let identities: Vec<String> = (0..cli.batch).map(generated_identity).collect();

    // The simulator encrypts a generated entry's item key for its reader
    // on the first read. One untimed pass does that work for every entry,
    // so that neither the batch nor the separate processes pay for it.
    progress("batch: untimed warm-up pass (also measures the peak RSS)");
    let (_, peak_rss_kib) = runner.batch(&vault, &identities, true)?;

    progress(&format!("batch: timed run of {} lookups", cli.batch));
    let before = vault.counters();
    let mut total = Duration::ZERO;
    let cpu = cpu::per_run(1, || {
        total = runner.batch(&vault, &identities, false)?.0;
        Ok(())
    })?;
    let counters = vault.counters().since(&before);

    progress("batch: floor with the batch's requests");
    let plan = request_plan(&counters);
    runner.floor(&vault, &plan)?;
    let mut floor = None;
    let floor_cpu = cpu::per_run(1, || {
        floor = Some(runner.floor(&vault, &plan)?);
        Ok(())
    })?;
    let floor = floor.context("the floor did not run")?;
    if floor.requests != counters.total_requests() {
        bail!(
            "https-floor sent {} requests, expected {}",
            floor.requests,
            counters.total_requests()
        );
    }

    let separate_count = cli.separate.min(cli.batch);
    progress(&format!(
        "batch: {separate_count} separate psvault get processes"
    ));
    let mut separate_times = Vec::new();
    for identity in identities.iter().take(separate_count) {
        separate_times.push(runner.get(&vault, identity)?);
    }
    vault.stop();

    Ok(BatchResult {
        lookups: cli.batch,
        total,
        cpu,
        peak_rss_kib,
        counters,
        floor,
        floor_cpu,
        separate: Summary::of(&separate_times).context("no separate samples")?,
    })
}

/// Turns counters into the floor's request list: method name and count.
fn request_plan(counters: &Counters) -> Vec<(String, u64)> {
    counters
        .requests
        .iter()
        .map(|(name, &count)| (name.clone(), count))
        .collect()
}
