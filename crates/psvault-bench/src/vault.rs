//! The simulated vault: a psr-sim simulator serving HTTPS in this
//! process, its CA file and API key, and snapshots of its counters.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use psr_sim::{Fixture, Simulator, SimulatorOptions};

/// The demo fixture of psr-sim, compiled in so that the benchmark needs
/// no path to the source tree at run time.
const DEMO_FIXTURE: &str = include_str!("../../psr-sim/fixtures/demo.json");

/// The API key every lookup uses: user `nps-svc` (P-521 user key), key
/// `nps` with the Read right and the Passwords and Forms scopes.
const API_KEY_NAME: &str = "nps-svc/nps";

/// Domains of the simulator's generated entries: entry number `i` has
/// user name `gen-user-{i:06}` and domain `GENERATED_DOMAINS[i % 4]`.
const GENERATED_DOMAINS: [&str; 4] = ["CORP", "LAB", "DEV", "EXAMPLE"];

/// A running simulator with what a client needs to reach it.
pub struct Vault {
    simulator: Simulator,
    /// Base URL of the API, `https://127.0.0.1:PORT/api/`.
    pub url: String,
    /// PEM file with the simulator's self-signed certificate.
    pub ca_file: PathBuf,
    /// The API key text, `<JWT>:<base64 private key>`.
    pub api_key: String,
    /// Time the simulator took to start (key generation, encryption of
    /// every entry).
    pub start_time: Duration,
}

/// Request and listing counters of the simulator at one moment, or the
/// difference between two such moments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    /// Requests per method name.
    pub requests: BTreeMap<String, u64>,
    /// Containers returned by `GetContainerList`, per container type
    /// (`password`, `form`).
    pub listed: BTreeMap<String, u64>,
}

impl Counters {
    /// Returns the counts added since `earlier`.
    pub fn since(&self, earlier: &Counters) -> Counters {
        Counters {
            requests: difference(&self.requests, &earlier.requests),
            listed: difference(&self.listed, &earlier.listed),
        }
    }

    /// Returns the total number of requests.
    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }

    /// Returns the number of password containers (entries) listed.
    pub fn entries_listed(&self) -> u64 {
        self.listed.get("password").copied().unwrap_or(0)
    }

    /// Returns the number of forms listed.
    pub fn forms_listed(&self) -> u64 {
        self.listed.get("form").copied().unwrap_or(0)
    }
}

fn difference(now: &BTreeMap<String, u64>, then: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    now.iter()
        .map(|(name, &count)| {
            let before = then.get(name).copied().unwrap_or(0);
            (name.clone(), count.saturating_sub(before))
        })
        .filter(|(_, count)| *count > 0)
        .collect()
}

impl Vault {
    /// Starts a TLS simulator on a free loopback port with the demo
    /// fixture plus `generated` AD User entries, and writes its
    /// certificate to `work_dir`.
    pub fn start(generated: usize, work_dir: &Path) -> anyhow::Result<Vault> {
        let fixture = Fixture::from_json_str(DEMO_FIXTURE).context("demo fixture is invalid")?;
        let options = SimulatorOptions {
            tls: true,
            generate: generated,
            ..SimulatorOptions::default()
        };
        let started = Instant::now();
        let simulator = Simulator::start(fixture, options).context("simulator did not start")?;
        let start_time = started.elapsed();

        let pem = simulator
            .certificate_pem()
            .ok_or_else(|| anyhow!("the simulator serves no certificate"))?;
        let ca_file = work_dir.join(format!("ca-{}.pem", simulator.port()));
        std::fs::write(&ca_file, pem)
            .with_context(|| format!("cannot write {}", ca_file.display()))?;
        let api_key = simulator
            .api_key(API_KEY_NAME)
            .ok_or_else(|| anyhow!("the demo fixture has no API key {API_KEY_NAME}"))?;
        Ok(Vault {
            url: simulator.url(),
            simulator,
            ca_file,
            api_key,
            start_time,
        })
    }

    /// Returns the current counters.
    pub fn counters(&self) -> Counters {
        Counters {
            requests: self.simulator.request_counts(),
            listed: self.simulator.listed_containers(),
        }
    }

    /// Stops the simulator.
    pub fn stop(self) {
        self.simulator.shutdown();
    }
}

/// Returns the identity (`DOMAIN\user`) of generated entry `number`.
pub fn generated_identity(number: usize) -> String {
    let domain = GENERATED_DOMAINS[number % GENERATED_DOMAINS.len()];
    format!("{domain}\\gen-user-{number:06}")
}

/// Returns a generated entry near the middle of `generated` entries, so
/// that a linear scan of the vault would show in the lookup time.
pub fn middle_identity(generated: usize) -> String {
    generated_identity(generated / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_identities_follow_simulator_scheme() {
        assert_eq!(generated_identity(0), "CORP\\gen-user-000000");
        assert_eq!(generated_identity(5), "LAB\\gen-user-000005");
        assert_eq!(middle_identity(100_000), "CORP\\gen-user-050000");
    }

    #[test]
    fn counters_difference_drops_unchanged() {
        let earlier = Counters {
            requests: BTreeMap::from([("A".to_owned(), 2), ("B".to_owned(), 1)]),
            listed: BTreeMap::new(),
        };
        let later = Counters {
            requests: BTreeMap::from([("A".to_owned(), 5), ("B".to_owned(), 1)]),
            listed: BTreeMap::from([("password".to_owned(), 3)]),
        };
        let delta = later.since(&earlier);
        assert_eq!(delta.requests, BTreeMap::from([("A".to_owned(), 3)]));
        assert_eq!(delta.entries_listed(), 3);
        assert_eq!(delta.total_requests(), 3);
    }
}
