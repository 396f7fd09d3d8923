//! Child processes: `psvault get`, `psvault batch` and `https-floor`,
//! timed from spawn to exit, or run under `/usr/bin/time` for their peak
//! RSS.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use psr_client::ApiMethod;
use serde_json::{json, Value};

use crate::vault::Vault;

/// Format string for GNU time: the maximum resident set size in KiB.
const TIME_FORMAT: &str = "%M";

/// Every method psr-client calls, to map a counted method name to its
/// path and HTTP method.
const API_METHODS: [ApiMethod; 8] = [
    ApiMethod::AuthenticateApiKey,
    ApiMethod::AuthenticateUserKeySignatureCredential,
    ApiMethod::GetContainerListFilter,
    ApiMethod::GetContainerList,
    ApiMethod::GetContainerCount,
    ApiMethod::GetLegitimateDataRights,
    ApiMethod::GetContainerItemWithSecretValue,
    ApiMethod::CloseSession,
];

/// One run of https-floor.
#[derive(Debug, Clone)]
pub struct FloorRun {
    /// Spawn to exit.
    pub elapsed: Duration,
    /// TCP connections the floor opened (1 when keep-alive held).
    pub connections: u64,
    /// Requests it sent.
    pub requests: u64,
}

/// The programs under test and where their scratch files go.
pub struct Runner {
    /// The psvault binary (release build).
    pub psvault: PathBuf,
    /// The https-floor binary.
    pub floor: PathBuf,
    /// GNU time, when installed.
    pub time: Option<PathBuf>,
    /// Directory for request files and time reports.
    pub work_dir: PathBuf,
}

impl Runner {
    /// Runs `psvault get IDENTITY` against `vault` and checks that it
    /// found the credential.
    pub fn get(&self, vault: &Vault, identity: &str) -> anyhow::Result<Duration> {
        let (elapsed, output) = timed(self.get_command(vault, identity), None)?;
        check_found(identity, &output)?;
        Ok(elapsed)
    }

    /// Runs `psvault get IDENTITY` under GNU time and returns its peak RSS
    /// in KiB.
    pub fn get_peak_rss(&self, vault: &Vault, identity: &str) -> anyhow::Result<u64> {
        let (output, peak_rss_kib) = self.under_time(self.get_command(vault, identity), None)?;
        check_found(identity, &output)?;
        Ok(peak_rss_kib)
    }

    fn get_command(&self, vault: &Vault, identity: &str) -> Command {
        let mut command = Command::new(&self.psvault);
        command
            .arg("get")
            .arg(identity)
            .arg("--url")
            .arg(&vault.url)
            .arg("--ca-file")
            .arg(&vault.ca_file)
            .arg("--quiet")
            .env("PSVAULT_API_KEY", &vault.api_key);
        command
    }

    /// Runs `psvault batch` with one header line and one lookup line per
    /// identity, and checks that every lookup found its credential.
    /// Returns the elapsed time and, when `measure_rss` is set and GNU
    /// time is installed, the peak RSS in KiB (the elapsed time then
    /// includes GNU time's own start-up).
    pub fn batch(
        &self,
        vault: &Vault,
        identities: &[String],
        measure_rss: bool,
    ) -> anyhow::Result<(Duration, Option<u64>)> {
        let mut input = json!({
            "url": vault.url,
            "apiKey": vault.api_key,
            "caFile": vault.ca_file,
        })
        .to_string();
        input.push('\n');
        for (tag, identity) in identities.iter().enumerate() {
            input.push_str(&json!({"identity": identity, "tag": tag}).to_string());
            input.push('\n');
        }
        let mut command = Command::new(&self.psvault);
        command.arg("batch").arg("--quiet");

        let started = Instant::now();
        let (output, peak_rss_kib) = match &self.time {
            Some(_) if measure_rss => {
                let (output, peak_rss_kib) = self.under_time(command, Some(input.as_bytes()))?;
                (output, Some(peak_rss_kib))
            }
            _ => (timed(command, Some(input.as_bytes()))?.1, None),
        };
        let elapsed = started.elapsed();
        check_batch(identities.len(), &output)?;
        Ok((elapsed, peak_rss_kib))
    }

    /// Runs https-floor with `requests` (method name and count) against
    /// `vault`.
    pub fn floor(&self, vault: &Vault, requests: &[(String, u64)]) -> anyhow::Result<FloorRun> {
        let command = self.floor_command(vault, requests)?;
        let (elapsed, output) = timed(command, None)?;
        let (requests, connections) = check_floor(&output)?;
        Ok(FloorRun {
            elapsed,
            connections,
            requests,
        })
    }

    /// Runs https-floor under GNU time and returns its peak RSS in KiB.
    pub fn floor_peak_rss(&self, vault: &Vault, requests: &[(String, u64)]) -> anyhow::Result<u64> {
        let command = self.floor_command(vault, requests)?;
        let (output, peak_rss_kib) = self.under_time(command, None)?;
        check_floor(&output)?;
        Ok(peak_rss_kib)
    }

    fn floor_command(&self, vault: &Vault, requests: &[(String, u64)]) -> anyhow::Result<Command> {
        let path = self.work_dir.join("floor-requests.json");
        write_request_file(&path, requests)?;
        let mut command = Command::new(&self.floor);
        command
            .arg("--url")
            .arg(&vault.url)
            .arg("--ca-file")
            .arg(&vault.ca_file)
            .arg("--requests")
            .arg(&path);
        Ok(command)
    }

    /// Runs `command` under GNU time and returns its output and peak RSS
    /// in KiB.
    fn under_time(&self, command: Command, stdin: Option<&[u8]>) -> anyhow::Result<(Output, u64)> {
        let Some(time) = &self.time else {
            bail!("GNU time is not installed (install the Debian package `time`)");
        };
        let report = self.work_dir.join("time-report.txt");
        let mut wrapped = Command::new(time);
        wrapped
            .arg("-f")
            .arg(TIME_FORMAT)
            .arg("-o")
            .arg(&report)
            .arg(command.get_program())
            .args(command.get_args());
        for (name, value) in command.get_envs() {
            match value {
                Some(value) => wrapped.env(name, value),
                None => wrapped.env_remove(name),
            };
        }
        let (_, output) = timed(wrapped, stdin)?;
        let text = std::fs::read_to_string(&report)
            .with_context(|| format!("GNU time wrote no report to {}", report.display()))?;
        Ok((output, parse_time_report(&text)?))
    }
}

/// Spawns `command`, feeds `stdin` (if any) from a separate thread, and
/// returns the time from spawn to exit with the collected output.
fn timed(mut command: Command, stdin: Option<&[u8]>) -> anyhow::Result<(Duration, Output)> {
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let program = command.get_program().to_string_lossy().into_owned();

    let started = Instant::now();
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start {program}"))?;
    let writer = match (stdin, child.stdin.take()) {
        (Some(bytes), Some(mut pipe)) => {
            let bytes = bytes.to_vec();
            Some(std::thread::spawn(move || pipe.write_all(&bytes)))
        }
        _ => None,
    };
    let output = child
        .wait_with_output()
        .with_context(|| format!("waiting for {program} failed"))?;
    let elapsed = started.elapsed();

    if let Some(writer) = writer {
        match writer.join() {
            Ok(result) => result.with_context(|| format!("cannot write to {program}'s stdin"))?,
            Err(_) => bail!("the thread writing {program}'s stdin panicked"),
        }
    }
    Ok((elapsed, output))
}

/// Parses the peak RSS in KiB from the last line of a GNU time report
/// written with [`TIME_FORMAT`]. A child that fails adds a line
/// before it.
fn parse_time_report(text: &str) -> anyhow::Result<u64> {
    let line = text
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or_default()
        .trim();
    line.parse()
        .with_context(|| format!("unexpected GNU time report {line:?}, expected KiB"))
}

fn stderr_tail(output: &Output) -> String {
    let text = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(5)..].join(" | ")
}

fn check_found(identity: &str, output: &Output) -> anyhow::Result<()> {
    if !output.status.success() {
        bail!(
            "psvault get {identity} failed with {}: {}",
            output.status,
            stderr_tail(output)
        );
    }
    let result: Value = serde_json::from_slice(&output.stdout)
        .with_context(|| format!("psvault get {identity} printed no JSON object"))?;
    if result.get("password").and_then(Value::as_str).is_none() {
        bail!("psvault get {identity} printed no password member");
    }
    Ok(())
}

fn check_batch(expected: usize, output: &Output) -> anyhow::Result<()> {
    if !output.status.success() {
        bail!(
            "psvault batch failed with {}: {}",
            output.status,
            stderr_tail(output)
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut found = 0;
    for line in stdout.lines() {
        let result: Value = serde_json::from_str(line).context("psvault batch printed non-JSON")?;
        match result.get("status").and_then(Value::as_str) {
            Some("found") => found += 1,
            _ => bail!(
                "psvault batch line {} has status {} ({})",
                result.get("line").unwrap_or(&Value::Null),
                result.get("status").unwrap_or(&Value::Null),
                result.get("message").unwrap_or(&Value::Null)
            ),
        }
    }
    if found != expected {
        bail!("psvault batch found {found} credentials, expected {expected}");
    }
    Ok(())
}

/// Checks an https-floor run and returns its request and connection
/// counts.
fn check_floor(output: &Output) -> anyhow::Result<(u64, u64)> {
    if !output.status.success() {
        bail!(
            "https-floor failed with {}: {}",
            output.status,
            stderr_tail(output)
        );
    }
    let summary: Value =
        serde_json::from_slice(&output.stdout).context("https-floor printed no JSON summary")?;
    let number = |name: &str| summary.get(name).and_then(Value::as_u64).unwrap_or(0);
    Ok((number("requests"), number("connections")))
}

/// Writes the request file of https-floor: per method its path below
/// the base URL, its HTTP method and an empty JSON object as body.
fn write_request_file(path: &Path, requests: &[(String, u64)]) -> anyhow::Result<()> {
    let list: Vec<Value> = requests
        .iter()
        .map(|(name, count)| {
            let method = API_METHODS.iter().find(|m| m.name() == name);
            let (http_method, path) = match method {
                Some(method) if !method.is_post() => ("GET", method.path()),
                Some(method) => ("POST", method.path()),
                None => ("POST", format!("WebService/{name}")),
            };
            json!({"method": http_method, "path": path, "body": {}, "count": count})
        })
        .collect();
    let text = json!({ "requests": list }).to_string();
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Finds GNU time at `/usr/bin/time`.
pub fn find_time() -> Option<PathBuf> {
    let path = PathBuf::from("/usr/bin/time");
    path.is_file().then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_report_is_parsed() {
        assert_eq!(parse_time_report("9876\n").ok(), Some(9876));
    }

    #[test]
    fn time_report_uses_last_line() {
        let text = "Command exited with non-zero status 1\n100\n";
        assert_eq!(parse_time_report(text).ok(), Some(100));
    }

    #[test]
    fn malformed_time_report_is_rejected() {
        assert!(parse_time_report("").is_err());
        assert!(parse_time_report("0.1 5").is_err());
    }
}
