//! Client for the Netwrix Password Secure web API, limited to what an
//! automation tool needs: log in with an API key, find the "AD User"
//! entry of a Windows account, read and decrypt its password, log out.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use psr_client::{lookup, ClientConfig, Identity};
//! use psr_crypto::ApiKey;
//!
//! let config = ClientConfig {
//!     url: "https://pws.example.com/api/".to_string(),
//!     ..ClientConfig::default()
//! };
//! let api_key = ApiKey::parse(&std::env::var("PSVAULT_API_KEY")?)?;
//! let identity = Identity::parse("CORP\\svc-backup")?;
//! match lookup(&config, &api_key, &identity, "nightly backup job")? {
//!     Some(credential) => println!("found entry {}", credential.id),
//!     None => println!("no entry"),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The client is blocking (ureq with rustls); it starts no threads or
//! runtimes. Every request of a lookup shares one deadline.
//!
//! # Logging
//!
//! The crate logs with `tracing`:
//!
//! * debug: each request's method name, HTTP status, elapsed time and
//!   session id. Login, search and logout milestones with ids and counts.
//!   Role keys and right keys that do not decrypt, by legitimate id.
//! * info: retries of idempotent requests.
//! * warn: every TLS handshake with certificate checks disabled, a skip
//!   option ignored because pins are set, and several forms with the
//!   configured name.
//!
//! No level ever receives a request or response body, a header value, the
//! API key or its JWT, a session key, a CSRF value, a private key or a
//! password.

pub mod api;
mod api_key;
mod config;
mod error;
mod identity;
mod json;
mod keyring;
pub mod login;
pub mod search;
pub mod secret;
mod session;
mod transport;

pub use api::{parse_response_body, ApiMethod, Exchange};
pub use api_key::validate_api_key;
pub use config::{
    ClientConfig, DomainAlias, FormNames, ProxySetting, TlsOptions, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT,
};
pub use error::{Error, ErrorClass};
pub use identity::Identity;
pub use keyring::{KeyRing, SessionToken};
pub use search::{FormField, FormInfo};
pub use session::{lookup, Credential, Session};
