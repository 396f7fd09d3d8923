//! Exit codes, error classes and the failure value every command returns.
//!
//! The codes are a contract with scripts and the PowerShell module:
//! 0 found, 1 not found, 2 invalid input or usage, 3 ambiguous,
//! 4 authentication failed, 5 not releasable, 6 connection failed,
//! 7 server or protocol error (also used for internal errors).

use std::fmt;
use std::process::ExitCode;

use psr_client::ErrorClass;

/// Exit code when the command did what was asked (a credential was found,
/// the check passed, every batch line ran).
pub const SUCCESS: u8 = 0;

/// Exit code when no AD User entry matches the identity.
pub const NOT_FOUND: u8 = 1;

/// The `--help` text that documents the exit codes and error ids.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  found (get), check passed, every batch line ran
  1  not found: no AD User entry matches the identity (stdout is empty)
  2  invalid input or usage, or an entry that requires a reason read
     without --reason (error id VaultInvalidInput)
  3  ambiguous: several entries match (VaultCredentialAmbiguous)
  4  authentication failed: expired, revoked or rejected API key, locked,
     deactivated or unknown user, missing right or scope
     (VaultAuthenticationFailed)
  5  not releasable: sealed, no usable key, or secured (auto-fill only)
     (VaultCredentialNotReleasable)
  6  connection failed: DNS, refused, TLS, timeout (VaultConnectionFailed)
  7  server or protocol error, or an internal error (VaultServerError)

The API key is read from the PSVAULT_API_KEY environment variable, from
--api-key-file, or from the apiKey member of the request on stdin
(--request -). No option takes the API key itself as a value, because
command lines are visible to other users and end up in process listings
and logs.";

/// The kind of failure, which decides the exit code and the error id.
///
/// Mirrors `psr_client::ErrorClass`, so that failures found by the CLI
/// itself (a missing URL, a malformed request) share the same codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Invalid input or usage: flags, request JSON, API key format,
    /// identity syntax, files that cannot be read.
    InvalidInput,
    /// Several AD User entries match the identity.
    Ambiguous,
    /// The API key or login was rejected, expired, or lacks a right or
    /// scope.
    Authentication,
    /// The entry exists but its password cannot be released (sealed, no
    /// usable key, secured).
    NotReleasable,
    /// The server could not be reached: DNS, refused connection, TLS or
    /// certificate failure, timeout.
    Connection,
    /// The server returned something the protocol does not allow, or
    /// psvault hit an internal error.
    Server,
}

impl Class {
    /// Returns the process exit code of this class.
    pub fn exit_code(self) -> u8 {
        match self {
            Class::InvalidInput => 2,
            Class::Ambiguous => 3,
            Class::Authentication => 4,
            Class::NotReleasable => 5,
            Class::Connection => 6,
            Class::Server => 7,
        }
    }

    /// Returns the stable error id that the PowerShell module raises.
    pub fn error_id(self) -> &'static str {
        match self {
            Class::InvalidInput => "VaultInvalidInput",
            Class::Ambiguous => "VaultCredentialAmbiguous",
            Class::Authentication => "VaultAuthenticationFailed",
            Class::NotReleasable => "VaultCredentialNotReleasable",
            Class::Connection => "VaultConnectionFailed",
            Class::Server => "VaultServerError",
        }
    }

    /// Returns the class name used in JSON error output.
    pub fn name(self) -> &'static str {
        match self {
            Class::InvalidInput => "invalid_input",
            Class::Ambiguous => "ambiguous",
            Class::Authentication => "authentication",
            Class::NotReleasable => "not_releasable",
            Class::Connection => "connection",
            Class::Server => "server",
        }
    }
}

/// Advice for errors whose message leaves the next step open.
const KEY_HINT: &str = "check the API key's expiry, its Read right and Passwords scope \
                        with `psvault key inspect`, or create a new key";
const NOT_RELEASABLE_HINT: &str =
    "ask the entry's owner to grant the API key's user a readable, unsealed right";
const CONNECTION_HINT: &str =
    "check --url, the network path, and the TLS options (--ca-file, --pin-sha256)";
const PROXY_HINT: &str = "check --proxy, HTTPS_PROXY and NO_PROXY, or pass --no-proxy to \
                          connect directly";
const API_PATH_HINT: &str =
    "check that the URL ends in the API path (usually /api/) and rerun with -vv for details";
const SERVER_HINT: &str = "rerun with -vv to see each request and its status";

/// Returns the advice printed after `error`, or `None` when its message
/// already contains the fix.
fn hint_for(error: &psr_client::Error) -> Option<&'static str> {
    use psr_client::Error;
    match error {
        // These messages name the fix themselves.
        Error::Ambiguous { .. }
        | Error::ApiKeyExpired { .. }
        | Error::ApiKeyMissingReadRight { .. }
        | Error::ApiKeyMissingPasswordsScope { .. }
        | Error::LoginLocked { .. }
        | Error::AccountRejected { .. }
        | Error::NotTls { .. }
        | Error::NotJson { .. } => None,
        Error::ProxyConnect { .. } => Some(PROXY_HINT),
        // A page that does not exist usually means the URL misses the
        // API path.
        Error::UnexpectedStatus {
            status: 404 | 405, ..
        } => Some(API_PATH_HINT),
        _ => match Class::from(error.class()) {
            Class::InvalidInput | Class::Ambiguous => None,
            Class::Authentication => Some(KEY_HINT),
            Class::NotReleasable => Some(NOT_RELEASABLE_HINT),
            Class::Connection => Some(CONNECTION_HINT),
            Class::Server => Some(SERVER_HINT),
        },
    }
}

impl From<ErrorClass> for Class {
    fn from(class: ErrorClass) -> Class {
        match class {
            ErrorClass::InvalidInput => Class::InvalidInput,
            ErrorClass::Ambiguous => Class::Ambiguous,
            ErrorClass::Authentication => Class::Authentication,
            ErrorClass::NotReleasable => Class::NotReleasable,
            ErrorClass::Connection => Class::Connection,
            ErrorClass::Server => Class::Server,
        }
    }
}

/// A failed command: what failed, in words for the operator, and its
/// class.
///
/// The message must never contain a secret. Messages built from
/// `psr_client::Error` rely on that crate's guarantee that its `Display`
/// output contains no key, token or password.
#[derive(Debug)]
pub struct Failure {
    /// Decides the exit code and the error id.
    pub class: Class,
    /// Description of the failure, naming the value involved.
    pub message: String,
    /// Advice on the fix, when the message does not give it already.
    pub hint: Option<&'static str>,
}

impl Failure {
    /// Creates a failure of class `InvalidInput`.
    pub fn invalid_input(message: impl Into<String>) -> Failure {
        Failure {
            class: Class::InvalidInput,
            message: message.into(),
            hint: None,
        }
    }

    /// Creates a failure of any class, without a hint.
    pub fn new(class: Class, message: impl Into<String>) -> Failure {
        Failure {
            class,
            message: message.into(),
            hint: None,
        }
    }

    /// Creates a failure from an error of the protocol client, with advice
    /// when its message leaves the next step open.
    pub fn client(error: &psr_client::Error) -> Failure {
        Failure {
            class: Class::from(error.class()),
            message: error.to_string(),
            hint: hint_for(error),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Result of a command that did not fail.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The command did what was asked (exit code 0).
    Success,
    /// No AD User entry matches (exit code 1); the message names the
    /// identity.
    NotFound(String),
}

/// Converts a numeric exit code into the value `main` returns.
pub fn exit_code(code: u8) -> ExitCode {
    ExitCode::from(code)
}
