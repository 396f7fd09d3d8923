//! `psr-sim`: runs the Password Secure simulator from a shell.
//!
//! It prints the base URL on stdout once everything is ready, writes the
//! optional port, certificate and API-key files before that, logs requests
//! to stderr, and stops on SIGTERM, SIGINT (ctrl-c) or, with
//! `--exit-on-stdin-eof`, when standard input closes.

use std::fs::{self, OpenOptions};
use std::io::{self, IsTerminal, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Parser;
use psr_sim::{Fault, FaultRule, Fixture, Simulator, SimulatorOptions};

/// Netwrix Password Secure server simulator with real cryptography.
#[derive(Debug, Parser)]
#[command(name = "psr-sim", version)]
struct Cli {
    /// Fixture file (JSON): forms, roles, users with API keys, entries.
    #[arg(long, value_name = "FILE")]
    fixture: PathBuf,

    /// Address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: SocketAddr,

    /// Allow a listen address that is not loopback. The simulator has no
    /// real security, so it refuses other addresses without this flag.
    #[arg(long)]
    allow_remote: bool,

    /// Write the bound port (decimal, newline) to FILE when ready.
    #[arg(long, value_name = "FILE")]
    port_file: Option<PathBuf>,

    /// Serve HTTPS with a self-signed certificate for 127.0.0.1, ::1 and
    /// localhost.
    #[arg(long)]
    tls: bool,

    /// Write the certificate as PEM to FILE (requires --tls).
    #[arg(long, value_name = "FILE", requires = "tls")]
    cert_out: Option<PathBuf>,

    /// Path prefix of the API.
    #[arg(long, value_name = "PATH", default_value = "/api/")]
    prefix: String,

    /// Write the API keys as JSON {"<user>/<key name>": "<JWT>:<key>"} to
    /// FILE, readable by the owner only (mode 0600).
    #[arg(long, value_name = "FILE")]
    api_keys_out: Option<PathBuf>,

    /// Reject WebService calls without a CSRF-Token header (code 110011).
    #[arg(long)]
    require_csrf: bool,

    /// Prefix every JSON response body with a UTF-8 byte-order mark.
    #[arg(long)]
    bom: bool,

    /// Add N random "AD User" entries readable by every user.
    #[arg(long, value_name = "N", default_value_t = 0)]
    generate: usize,

    /// Inject a fault: METHOD:KIND[:ARG][,skip=N][,times=N], repeatable.
    /// METHOD is a method name such as GetContainerList, or * for all.
    /// KIND is latency:MS, hang, reset, error[:CODE], bad-gateway,
    /// unavailable, html, truncated, oversized[:BYTES], expire-session
    /// or slow-tls:MS. skip=N lets N matching calls through first;
    /// times=N stops after N faults.
    #[arg(long = "fault", value_name = "RULE")]
    faults: Vec<FaultRule>,

    /// Add this delay to every request, in milliseconds.
    #[arg(long, value_name = "MS")]
    latency_ms: Option<u64>,

    /// Exit when standard input reaches end of file. A script can start
    /// the simulator with a pipe on stdin and stop it by closing the pipe,
    /// so the simulator cannot outlive the script.
    #[arg(long)]
    exit_on_stdin_eof: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("psr-sim: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(io::stderr().is_terminal())
        .with_target(false)
        .init();
}

fn run(cli: Cli) -> anyhow::Result<()> {
    if !cli.listen.ip().is_loopback() && !cli.allow_remote {
        bail!(
            "refusing to listen on {}: it is not a loopback address (pass --allow-remote to allow it)",
            cli.listen
        );
    }
    let fixture = Fixture::from_path(&cli.fixture)?;
    let mut faults = cli.faults;
    if let Some(ms) = cli.latency_ms {
        faults.push(FaultRule::new(Fault::Latency(Duration::from_millis(ms))));
    }
    let options = SimulatorOptions {
        listen: cli.listen,
        prefix: cli.prefix,
        tls: cli.tls,
        require_csrf: cli.require_csrf,
        bom: cli.bom,
        generate: cli.generate,
        faults,
    };
    let simulator = Simulator::start(fixture, options)?;

    let (stop_sender, stop) = mpsc::channel::<&'static str>();
    let signal_sender = stop_sender.clone();
    ctrlc::set_handler(move || {
        let _ = signal_sender.send("signal");
    })
    .context("cannot install the signal handler")?;

    if let (Some(path), Some(pem)) = (&cli.cert_out, simulator.certificate_pem()) {
        write_file(path, pem.as_bytes(), false)?;
    }
    if let Some(path) = &cli.api_keys_out {
        let keys = serde_json::to_string_pretty(&simulator.api_keys())?;
        write_file(path, format!("{keys}\n").as_bytes(), true)?;
    }
    if let Some(path) = &cli.port_file {
        write_file(path, format!("{}\n", simulator.port()).as_bytes(), false)?;
    }
    {
        let mut stdout = io::stdout().lock();
        writeln!(stdout, "{}", simulator.url())?;
        stdout.flush()?;
    }

    if cli.exit_on_stdin_eof {
        std::thread::Builder::new()
            .name("stdin-watch".to_owned())
            .spawn(move || {
                let mut sink = [0u8; 1024];
                let mut stdin = io::stdin().lock();
                while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
                let _ = stop_sender.send("end of standard input");
            })
            .context("cannot start the stdin watcher")?;
    }

    let reason = stop.recv().unwrap_or("channel closed");
    tracing::info!(reason, "stopping");
    simulator.shutdown();
    Ok(())
}

/// Writes a file atomically (temporary file, then rename), so a script
/// polling for it never reads it half-written. `private` makes it readable
/// by the owner only.
fn write_file(path: &Path, contents: &[u8], private: bool) -> anyhow::Result<()> {
    let file_name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?;
    let mut temporary_name = file_name.to_os_string();
    temporary_name.push(format!(".{}.tmp", std::process::id()));
    let temporary = path.with_file_name(temporary_name);

    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options
        .open(&temporary)
        .with_context(|| format!("cannot create {}", temporary.display()))?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    fs::rename(&temporary, path).with_context(|| {
        format!(
            "cannot rename {} to {}",
            temporary.display(),
            path.display()
        )
    })?;
    Ok(())
}
