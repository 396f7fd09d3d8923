//! `https-floor`: the request floor that `psvault-bench` compares psvault
//! with.
//!
//! It opens one keep-alive TLS connection with the TLS stack psvault uses
//! (ureq 3 over rustls with the ring provider), trusts only the
//! certificates of a given PEM file, sends the requests listed in a JSON
//! file, reads every response body and exits. It does no JSON parsing,
//! no cryptography and no certificate store loading, so its run time is
//! process start-up plus TLS handshake plus the requests' round trips.
//!
//! The request file is `{"requests": [{"method": "POST", "path":
//! "Auth/AuthenticateApiKey", "body": {}, "count": 1}, ...]}`. `path` is
//! relative to `--url`, `body` is sent as JSON for every method except
//! GET, and `count` (default 1) repeats the request. Requests go out in
//! file order, each one `count` times.
//!
//! On success it prints one JSON line to stdout:
//! `{"requests": N, "connections": C, "statuses": {"401": N}}`, where
//! `connections` is the number of TCP connections opened (1 unless the
//! server closed one).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Parser;
use serde::Deserialize;
use serde_json::{json, Value};
use ureq::tls::{PemItem, RootCerts, TlsConfig, TlsProvider};
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{
    ConnectionDetails, Connector, RustlsConnector, TcpConnector, Transport,
};
use ureq::Agent;

/// Sends a list of HTTPS requests over one keep-alive connection.
#[derive(Debug, Parser)]
#[command(name = "https-floor")]
struct Cli {
    /// Base URL that request paths are relative to, ending in `/`, for
    /// example https://127.0.0.1:8443/api/.
    #[arg(long, value_name = "URL")]
    url: String,

    /// PEM file with the certificates to trust; no other certificate is
    /// trusted.
    #[arg(long, value_name = "PATH")]
    ca_file: PathBuf,

    /// JSON file with the requests to send (format in the program's
    /// documentation).
    #[arg(long, value_name = "PATH")]
    requests: PathBuf,
}

/// The request file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestFile {
    requests: Vec<RequestSpec>,
}

/// One request of the request file, sent `count` times.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestSpec {
    method: String,
    path: String,
    #[serde(default)]
    body: Value,
    #[serde(default = "one")]
    count: u64,
}

fn one() -> u64 {
    1
}

/// A pass-through connector placed after the TCP connector: it sees every
/// new TCP connection (pooled connections skip the connector chain) and
/// counts it.
#[derive(Debug)]
struct ConnectionCounter(Arc<AtomicUsize>);

impl<In: Transport> Connector<In> for ConnectionCounter {
    type Out = In;

    fn connect(
        &self,
        _details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<In>, ureq::Error> {
        if chained.is_some() {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
        Ok(chained)
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("https-floor: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let file = std::fs::read(&cli.requests)
        .with_context(|| format!("cannot read {}", cli.requests.display()))?;
    let plan: RequestFile = serde_json::from_slice(&file)
        .with_context(|| format!("{} is not a valid request file", cli.requests.display()))?;

    let connections = Arc::new(AtomicUsize::new(0));
    let agent = build_agent(&cli.ca_file, Arc::clone(&connections))?;

    let mut sent = 0u64;
    let mut statuses: BTreeMap<String, u64> = BTreeMap::new();
    for spec in &plan.requests {
        let url = format!("{}{}", cli.url, spec.path);
        let body = serde_json::to_vec(&spec.body)?;
        for _ in 0..spec.count {
            let status = send(&agent, &spec.method, &url, &body)
                .with_context(|| format!("{} {url} failed", spec.method))?;
            *statuses.entry(status.to_string()).or_default() += 1;
            sent += 1;
        }
    }

    let summary = json!({
        "requests": sent,
        "connections": connections.load(Ordering::Relaxed),
        "statuses": statuses,
    });
    println!("{summary}");
    Ok(())
}

/// Builds an agent that trusts only the certificates in `ca_file`, uses no
/// proxy and counts the TCP connections it opens.
fn build_agent(ca_file: &std::path::Path, connections: Arc<AtomicUsize>) -> anyhow::Result<Agent> {
    let pem =
        std::fs::read(ca_file).with_context(|| format!("cannot read {}", ca_file.display()))?;
    let mut certificates = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        if let PemItem::Certificate(certificate) = item? {
            certificates.push(certificate);
        }
    }
    if certificates.is_empty() {
        bail!("{} contains no PEM certificate", ca_file.display());
    }
    let tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .root_certs(RootCerts::new_with_certs(&certificates))
        .build();
    let config = Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(30)))
        .tls_config(tls)
        .build();
    let connector =
        ().chain(TcpConnector::default())
            .chain(ConnectionCounter(connections))
            .chain(RustlsConnector::default());
    Ok(Agent::with_parts(
        config,
        connector,
        DefaultResolver::default(),
    ))
}

/// Sends one request, reads the whole response body and returns the
/// status code.
fn send(agent: &Agent, method: &str, url: &str, body: &[u8]) -> anyhow::Result<u16> {
    let response = match method {
        "GET" => agent.get(url).call(),
        "POST" => agent
            .post(url)
            .header("Content-Type", "application/json")
            .send(body),
        other => bail!("unsupported method {other}; use GET or POST"),
    };
    let mut response = response?;
    let status = response.status().as_u16();
    response.body_mut().read_to_vec()?;
    Ok(status)
}
