//! A Netwrix Password Secure server simulator with real cryptography.
//!
//! The simulator serves the part of the Password Secure web API that an
//! API-key client needs: the two login steps, form and password listing
//! with content search and paging, data rights, secret retrieval and
//! session close. On start it generates every key pair, issues API keys and
//! encrypts every entry of a [`Fixture`] the way the real server stores
//! them, so a client has to do the real decryption work. Faults
//! ([`FaultRule`]) make chosen calls slow, fail or break the connection.
//!
//! ```no_run
//! use psr_sim::{Fixture, Simulator, SimulatorOptions};
//!
//! let fixture = Fixture::from_path("fixtures/demo.json")?;
//! let simulator = Simulator::start(fixture, SimulatorOptions::default())?;
//! println!("serving {}", simulator.url());
//! let api_key = simulator.api_key("nps-svc/nps");
//! # Ok::<(), psr_sim::SimError>(())
//! ```
//!
//! Logging goes through `tracing`: one line per request (method, path,
//! status, time), logins, secret reads and faults. Bodies, keys, tokens and
//! passwords are never logged.

mod api;
mod error;
mod fault;
mod fixture;
mod flags;
mod http;
mod search;
mod session;
mod store;
mod tls;
mod wire;

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

pub use api::LogbookEntry;
pub use error::SimError;
pub use fault::{Fault, FaultParseError, FaultRule};
pub use fixture::{
    FieldType, Fixture, FixtureApiKey, FixtureEntry, FixtureField, FixtureForm, FixtureKeyType,
    FixtureRole, FixtureUser, ItemFormat,
};

use api::{Service, ServiceConfig};
use fault::FaultEngine;

/// Settings of a simulator.
#[derive(Debug, Clone)]
pub struct SimulatorOptions {
    /// Address to listen on. Default `127.0.0.1:0` (an ephemeral port).
    pub listen: SocketAddr,
    /// Path prefix of the API, for example `/api/` (the default). Routing
    /// below it is case-insensitive.
    pub prefix: String,
    /// Serve HTTPS with a self-signed certificate. Default false.
    pub tls: bool,
    /// Reject `WebService` calls without a `CSRF-Token` header. Default
    /// false: the header is verified only when present.
    pub require_csrf: bool,
    /// Prefix every JSON response body with a UTF-8 byte-order mark.
    /// Default false.
    pub bom: bool,
    /// Number of random `AD User` entries to add, readable by every user.
    /// Default 0.
    pub generate: usize,
    /// Fault rules active from the start. Default none.
    pub faults: Vec<FaultRule>,
}

impl Default for SimulatorOptions {
    fn default() -> SimulatorOptions {
        SimulatorOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            prefix: "/api/".to_owned(),
            tls: false,
            require_csrf: false,
            bom: false,
            generate: 0,
            faults: Vec::new(),
        }
    }
}

/// A running simulator. It stops when dropped or on [`Simulator::shutdown`].
pub struct Simulator {
    service: Arc<Service>,
    server: http::Server,
    prefix: String,
    tls: Option<tls::TlsIdentity>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Generates keys, encrypts the fixture, binds the listener and starts
    /// serving on a background thread.
    pub fn start(fixture: Fixture, options: SimulatorOptions) -> Result<Simulator, SimError> {
        let prefix = normalise_prefix(&options.prefix)?;
        let store = store::build(&fixture, options.generate)?;
        let tls = if options.tls {
            Some(tls::self_signed()?)
        } else {
            None
        };
        let bind_error = |source| SimError::Bind {
            address: options.listen,
            source,
        };
        let listener = TcpListener::bind(options.listen).map_err(bind_error)?;
        let local_addr = listener.local_addr().map_err(bind_error)?;
        let service = Arc::new(Service::new(
            store,
            ServiceConfig {
                prefix: prefix.to_lowercase(),
                require_csrf: options.require_csrf,
                bom: options.bom,
            },
            FaultEngine::new(options.faults),
        ));
        let server = http::Server::start(
            listener,
            local_addr,
            Arc::clone(&service),
            tls.as_ref().map(|identity| Arc::clone(&identity.config)),
        )?;
        let simulator = Simulator {
            service,
            server,
            prefix,
            tls,
        };
        tracing::info!(url = %simulator.url(), "simulator started");
        Ok(simulator)
    }

    /// Returns the base URL, for example `https://127.0.0.1:PORT/api/`. An
    /// unspecified listen address is reported as the loopback address.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let address = self.server.local_addr();
        let host = match address.ip() {
            ip if ip.is_unspecified() && ip.is_ipv4() => "127.0.0.1".to_owned(),
            ip if ip.is_unspecified() => "[::1]".to_owned(),
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            std::net::IpAddr::V4(ip) => ip.to_string(),
        };
        format!("{scheme}://{host}:{}{}", address.port(), self.prefix)
    }

    /// Returns the bound port.
    pub fn port(&self) -> u16 {
        self.server.local_addr().port()
    }

    /// Returns the PEM of the self-signed certificate (TLS only).
    pub fn certificate_pem(&self) -> Option<String> {
        self.tls
            .as_ref()
            .map(|identity| identity.certificate_pem.clone())
    }

    /// Returns the SHA-256 of the certificate's DER bytes (TLS only), for
    /// certificate pinning.
    pub fn certificate_sha256(&self) -> Option<[u8; 32]> {
        self.tls
            .as_ref()
            .map(|identity| identity.certificate_sha256)
    }

    /// Returns one API key, `<JWT>:<base64 private key>`, by
    /// `<user>/<key name>`.
    pub fn api_key(&self, user_slash_key_name: &str) -> Option<String> {
        self.service.store.api_key_text(user_slash_key_name)
    }

    /// Returns every API key by `<user>/<key name>`.
    pub fn api_keys(&self) -> BTreeMap<String, String> {
        self.service.store.api_key_texts()
    }

    /// Returns the public key that signs login challenges
    /// (`ChallengeSignature`), as protocol bytes (P-521 MessagePack).
    pub fn challenge_public_key(&self) -> Vec<u8> {
        self.service.store.challenge_key.public_key.clone()
    }

    /// Returns every secret read so far, oldest first.
    pub fn logbook(&self) -> Vec<LogbookEntry> {
        self.service.logbook()
    }

    /// Returns the number of requests per method name, for example
    /// `GetContainerList`, counting requests that faults replaced.
    pub fn request_counts(&self) -> BTreeMap<String, u64> {
        self.service.request_counts()
    }

    /// Returns the number of containers that `GetContainerList` responses
    /// have carried so far, per container type: `password` for password
    /// containers (entries) and `form` for forms. A response cut short by
    /// the `Truncated` fault counts in full.
    pub fn listed_containers(&self) -> BTreeMap<String, u64> {
        self.service.listed_containers()
    }

    /// Returns the number of open sessions.
    pub fn open_sessions(&self) -> usize {
        self.service.open_sessions()
    }

    /// Returns the number of sessions closed with `CloseSession`. Sessions
    /// ended by an injected expiry are neither open nor closed.
    pub fn closed_sessions(&self) -> usize {
        self.service.closed_sessions()
    }

    /// Replaces the fault rules and resets their counters.
    pub fn set_faults(&self, rules: Vec<FaultRule>) {
        self.service.faults.replace(rules);
    }

    /// Stops serving and closes every connection.
    pub fn shutdown(mut self) {
        self.server.stop();
        tracing::info!("simulator stopped");
    }
}

/// Makes a prefix start and end with `/`.
fn normalise_prefix(prefix: &str) -> Result<String, SimError> {
    let trimmed = prefix.trim().trim_matches('/');
    if trimmed.contains(['?', '#', ' ']) {
        return Err(SimError::InvalidOption(format!(
            "prefix {prefix:?} must be a plain path such as /api/"
        )));
    }
    if trimmed.is_empty() {
        return Ok("/".to_owned());
    }
    Ok(format!("/{trimmed}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_normalised() {
        assert_eq!(normalise_prefix("/api/").ok().as_deref(), Some("/api/"));
        assert_eq!(normalise_prefix("api").ok().as_deref(), Some("/api/"));
        assert_eq!(normalise_prefix("/").ok().as_deref(), Some("/"));
        assert_eq!(
            normalise_prefix("/pws/api").ok().as_deref(),
            Some("/pws/api/")
        );
        assert!(normalise_prefix("/api?x").is_err());
    }
}
