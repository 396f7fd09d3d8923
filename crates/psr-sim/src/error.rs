//! The error type of the simulator library.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Failures while loading a fixture or starting a simulator. Requests that
/// the simulator rejects are HTTP responses, not errors of this type.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The fixture file could not be read.
    #[error("cannot read fixture {path}: {source}")]
    ReadFixture {
        /// Path of the fixture file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The fixture is not valid JSON or breaks a rule of the format.
    #[error("invalid fixture: {0}")]
    InvalidFixture(String),
    /// An option has an invalid value.
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// The listening socket could not be opened.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The requested address.
        address: SocketAddr,
        /// The I/O error.
        source: io::Error,
    },
    /// The self-signed certificate or the TLS configuration failed.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// Key generation or encryption of the fixture failed.
    #[error("key generation or encryption failed: {0}")]
    Crypto(String),
    /// A thread could not be started.
    #[error("cannot start a thread: {0}")]
    Thread(io::Error),
}
