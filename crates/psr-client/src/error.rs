//! The crate's error type and its classification for exit codes.
//!
//! Messages name the URL, entry id, field or status involved and tell
//! what to do next. They never contain a secret: no API key, JWT, session key,
//! CSRF value, private key, password or response body.

use std::time::Duration;

/// Coarse classification of an [`Error`], stable across releases.
///
/// The CLI maps each class to an exit code (2 to 7). "Not found" is not a
/// class because a lookup without a match returns `Ok(None)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// Bad configuration, URL, identity or missing audit reason (exit 2).
    InvalidInput,
    /// Several entries match the identity (exit 3).
    Ambiguous,
    /// The API key, the login or the session was rejected (exit 4).
    Authentication,
    /// The entry exists but its secret cannot be released to this user
    /// (sealed, no usable key, auto-fill only) (exit 5).
    NotReleasable,
    /// DNS, connection, proxy, TLS or timeout failure (exit 6).
    Connection,
    /// The server responded with an error or with data this client cannot
    /// use (exit 7).
    Server,
}

/// Every failure of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configured base URL cannot be parsed or has parts that a base
    /// URL must not have (query, fragment, missing host).
    #[error("invalid API URL '{url}': {reason}. Use a URL such as https://pws.example.com/api/")]
    InvalidUrl {
        /// The URL as configured.
        url: String,
        /// Description of the problem.
        reason: String,
    },

    /// The base URL uses plain `http://` and `allow_insecure_http` is off.
    #[error(
        "refusing plain http:// URL '{url}': the API key and the password would travel \
         unencrypted. Use https://, or enable insecure HTTP only for a local test server"
    )]
    InsecureUrl {
        /// The URL as configured.
        url: String,
    },

    /// A configuration value other than the URL is invalid (CA file,
    /// certificate pin, proxy, domain alias, timeouts).
    #[error("invalid setting '{setting}': {reason}")]
    InvalidConfig {
        /// Name of the setting.
        setting: &'static str,
        /// Description of the problem.
        reason: String,
    },

    /// The identity to look up cannot be parsed.
    #[error(
        "invalid identity '{identity}': {reason}. Use DOMAIN\\user, user@dns.domain, \
         or a user name with a separate domain"
    )]
    InvalidIdentity {
        /// The identity as given, cut after 100 characters.
        identity: String,
        /// Description of the problem.
        reason: String,
    },

    /// The entry demands an audit reason and none was given, or the server
    /// rejected the request for lack of one (exception code 20019).
    #[error(
        "entry {entry_id} requires a reason for reading its password: pass a non-empty reason"
    )]
    ReasonRequired {
        /// Id of the password container.
        entry_id: String,
    },

    /// The form (template) that AD User entries are built from was not
    /// found in the form list.
    #[error(
        "form '{form}' not found at {url} (forms on the server: {available}). \
         Configure the name of the form that AD User entries use"
    )]
    FormNotFound {
        /// The configured form name.
        form: String,
        /// The URL that listed the forms.
        url: String,
        /// Names of the forms that exist, comma separated and shortened.
        available: String,
    },

    /// The form exists but has no field with the configured label and no
    /// field of the fallback item type.
    #[error(
        "form '{form}' has no field '{field}' (fields: {available}). \
         Configure the field label used on this server"
    )]
    FieldNotFound {
        /// The form name.
        form: String,
        /// The configured field label.
        field: String,
        /// Labels of the fields the form has, comma separated.
        available: String,
    },

    /// The API key's `exp` claim lies in the past. No request was sent.
    #[error(
        "API key of user '{username}' for database '{database}' expired at {expired_at}. \
         Create a new API key"
    )]
    ApiKeyExpired {
        /// The `usrn` claim.
        username: String,
        /// The `dbn` claim.
        database: String,
        /// Expiry time in RFC 3339 form.
        expired_at: String,
    },

    /// The API key lacks the `Read` access right. No request was sent.
    #[error(
        "API key of user '{username}' for database '{database}' lacks the Read access right \
         (it has '{access_rights}'). Create an API key with at least Read access"
    )]
    ApiKeyMissingReadRight {
        /// The `usrn` claim.
        username: String,
        /// The `dbn` claim.
        database: String,
        /// The `acr` claim text.
        access_rights: String,
    },

    /// The API key lacks the `Passwords` access scope. No request was sent.
    #[error(
        "API key of user '{username}' for database '{database}' lacks the Passwords scope \
         (it has '{access_scopes}'). Create an API key whose scopes include Passwords"
    )]
    ApiKeyMissingPasswordsScope {
        /// The `usrn` claim.
        username: String,
        /// The `dbn` claim.
        database: String,
        /// The `acs` claim text.
        access_scopes: String,
    },

    /// The server responded to the login with `AuthenticationResultLoginFailed`
    /// and no lock information.
    #[error("login refused by {url}. Check that the API key is still valid and not revoked")]
    LoginRejected {
        /// The login URL.
        url: String,
    },

    /// The server responded to the login with `AuthenticationResultLoginFailed`
    /// and a `LoginLock` object: the account is locked. The object itself
    /// is server data of unknown shape, so it is left out of the message.
    #[error(
        "login refused by {url}: the Password Secure account of user '{username}' is locked. \
         Ask a Password Secure administrator to unlock it"
    )]
    LoginLocked {
        /// The login URL.
        url: String,
        /// The `usrn` claim of the API key.
        username: String,
    },

    /// A login step failed with a server exception code that rejects the
    /// API key or its user: 540012, 540024, 251008 or 510001.
    #[error(
        "login of user '{username}' refused by {url} (exception code {code}, {code_name}): \
         {problem}. {action}"
    )]
    AccountRejected {
        /// The login URL.
        url: String,
        /// The `usrn` claim of the API key.
        username: String,
        /// The server's exception code.
        code: i64,
        /// The exception code's name in the server's enumeration.
        code_name: &'static str,
        /// Meaning of the code for this API key.
        problem: &'static str,
        /// Advice for the operator: the step that fixes the problem.
        action: &'static str,
    },

    /// The login response has a `$type` this client does not handle, for
    /// example a multi-factor requirement.
    #[error(
        "unexpected login result '{type_name}' from {url}. API-key logins expect a user key \
         signature requirement or a completed result"
    )]
    UnexpectedAuthenticationResult {
        /// The login URL.
        url: String,
        /// The `$type` value, or `(none)`.
        type_name: String,
    },

    /// The user key sent at login does not decrypt with the API key's
    /// private key, or the resulting key cannot sign the challenge.
    #[error(
        "the user key sent by {url} cannot be used with this API key ({reason}). \
         The API key may be damaged or revoked. Create a new API key"
    )]
    UserKeyUnusable {
        /// The login URL.
        url: String,
        /// Description of the failure, without key material.
        reason: &'static str,
    },

    /// HTTP 401 or exception code 1300004: the session or API key is not
    /// accepted.
    #[error("{url} returned 401 Unauthorized. The API key or session is not accepted: check the key and log in again")]
    Unauthorized {
        /// The request URL.
        url: String,
    },

    /// HTTP 403 or exception code 1300007: the API key's rights or scopes
    /// do not allow the call.
    #[error("{url} returned 403 Forbidden. The API key's access rights or scopes do not allow this call")]
    Forbidden {
        /// The request URL.
        url: String,
    },

    /// The server reports that the session is gone (exception codes
    /// 110002, 110012 or 540007).
    #[error("session no longer valid at {url} (exception code {code}). Log in again")]
    SessionInvalid {
        /// The request URL.
        url: String,
        /// The server's exception code.
        code: i64,
    },

    /// Several entries match the identity. The ids let an administrator
    /// remove the duplicates.
    #[error("{} entries match '{identity}': {}. Delete the duplicate entries in Password Secure, or change their Domain or Username, so that one entry remains", entry_ids.len(), entry_ids.join(", "))]
    Ambiguous {
        /// The identity as searched.
        identity: String,
        /// Ids of the matching password containers.
        entry_ids: Vec<String>,
    },

    /// Every right on the password that this user could use is sealed.
    /// This client does not run the seal-release workflow.
    #[error(
        "the password of entry {entry_id} is sealed. Release the seal in Password Secure first"
    )]
    Sealed {
        /// Id of the password container.
        entry_id: String,
    },

    /// No right on the password belongs to the user or one of its roles,
    /// or none carries a right key.
    #[error("no usable key for the password of entry {entry_id}: neither the API key's user nor its roles hold a read right with a key")]
    NoKey {
        /// Id of the password container.
        entry_id: String,
    },

    /// The user's rights on the password are marked as secured data: the
    /// password may be used for auto-fill but not revealed.
    #[error("the password of entry {entry_id} is secured (auto-fill only) for this user and cannot be revealed")]
    Secured {
        /// Id of the password container.
        entry_id: String,
    },

    /// The server refused to reveal the password because the user lacks
    /// the read right on it (exception code 30003, `RightInsufficientRight`).
    #[error("the server refused to reveal the password of entry {entry_id}: the API key's user has no read right on it (server code 30003). Grant the user or one of its roles read access to the entry")]
    InsufficientRight {
        /// Id of the password container.
        entry_id: String,
    },

    /// Name resolution, connection set-up or proxy negotiation failed, or
    /// the connection broke.
    #[error("cannot reach {url}: {detail}. Check the URL, DNS, proxy settings and that the server is running")]
    Connect {
        /// The request URL.
        url: String,
        /// Description of the failure.
        detail: String,
    },

    /// The HTTP proxy could not be reached, or it refused to open a tunnel
    /// to the server.
    #[error("cannot reach {url} through the proxy {proxy}: {detail}. Check the proxy setting and that the proxy is running")]
    ProxyConnect {
        /// The request URL.
        url: String,
        /// Host and port of the proxy.
        proxy: String,
        /// Description of the failure.
        detail: String,
        /// False when the proxy replied to the tunnel request with a 4xx
        /// status such as 407, which a retry would only repeat.
        retryable: bool,
    },

    /// The TLS handshake failed, usually because the server certificate is
    /// not trusted or does not match the host name.
    #[error(
        "TLS handshake with {url} failed: {detail}. Install the issuing CA in the system \
         trust store, pass a CA file, or pin the server certificate"
    )]
    Tls {
        /// The request URL.
        url: String,
        /// The TLS error.
        detail: String,
    },

    /// The server at an https:// URL replied with data that is not TLS,
    /// usually because a plain-HTTP server listens on that port.
    #[error(
        "{url} does not seem to speak TLS on that port: its reply is not a TLS handshake \
         ({detail}). Check the port in the URL, or, for a plain-HTTP test server, use an \
         http:// URL and enable insecure HTTP"
    )]
    NotTls {
        /// The request URL.
        url: String,
        /// The rustls error, naming what was wrong with the reply.
        detail: String,
    },

    /// Certificate pins were configured and the server certificate matches
    /// none of them.
    #[error("the certificate of {url} has SHA-256 {found}, which matches no configured pin")]
    CertificatePinMismatch {
        /// The request URL.
        url: String,
        /// SHA-256 of the server's end-entity certificate, lower-case hex.
        found: String,
    },

    /// The overall deadline for the lookup passed before the request
    /// finished.
    #[error("{url} did not respond within the deadline of {:.1} s for the whole lookup. Raise the timeout or check the server", timeout.as_secs_f64())]
    Timeout {
        /// The request URL.
        url: String,
        /// The configured deadline.
        timeout: Duration,
    },

    /// HTTP 500 with an exception object.
    #[error("server error at {url}{}{}", code.map(|c| format!(" (exception code {c})")).unwrap_or_default(), message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    ServerError {
        /// The request URL.
        url: String,
        /// `ExceptionCode` of the body, if present.
        code: Option<i64>,
        /// `Message`, `message` or `txt` of the body, shortened.
        message: Option<String>,
    },

    /// HTTP 502 or 503: the web tier cannot reach the application server.
    #[error("{url} returned {status}: the Password Secure application server is unreachable or busy. Try again later")]
    ServerUnavailable {
        /// The request URL.
        url: String,
        /// 502 or 503.
        status: u16,
    },

    /// Any status other than 200, 401, 403, 500, 502 and 503.
    #[error("{url} returned unexpected HTTP status {status}{}", location.as_deref().map(|l| format!(", a redirect to {l}. Configure that URL instead")).unwrap_or_default())]
    UnexpectedStatus {
        /// The request URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The `Location` header of a redirect.
        location: Option<String>,
    },

    /// The body is not JSON at all, typically an HTML page served because
    /// the base URL misses the API path.
    #[error(
        "{url} returned {} instead of JSON (HTTP {status}{}). Check that the URL points at the \
         Password Secure API, which usually ends in /api/",
        if *html { "an HTML page" } else { "a non-JSON body" },
        content_type.as_deref().map(|c| format!(", Content-Type {c}")).unwrap_or_default()
    )]
    NotJson {
        /// The request URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The `Content-Type` header, if any.
        content_type: Option<String>,
        /// Whether the body looks like HTML.
        html: bool,
    },

    /// The body starts like JSON but does not parse, for example because
    /// it was cut off.
    #[error("invalid JSON from {url}: {detail}")]
    InvalidJson {
        /// The request URL.
        url: String,
        /// The parser's position information, never body content.
        detail: String,
    },

    /// The server (or the proxy in between) was reached and replied, but
    /// the reply is not valid HTTP/1.1: a bad status line, conflicting
    /// `Content-Length` headers, headers over the size limit or a bad
    /// chunk size.
    #[error(
        "the HTTP response from {url}{} is malformed: {detail}. Check that the URL and port \
         point at the Password Secure web server{}",
        proxy.as_deref().map(|p| format!(" (received through the proxy {p})")).unwrap_or_default(),
        if url.starts_with("http://") {
            ", and use an https:// URL if the server expects TLS on that port"
        } else {
            ""
        }
    )]
    MalformedResponse {
        /// The request URL.
        url: String,
        /// Host and port of the proxy in use, if any.
        proxy: Option<String>,
        /// Description of the framing error.
        detail: String,
    },

    /// The body exceeds the configured maximum response size. The message
    /// assumes a limit well above any normal response, as the default of
    /// 16 MiB is, and names no way to raise it because psvault has none.
    #[error("response from {url} exceeds the maximum of {limit} bytes, so it is not a normal Password Secure API response. Check that the URL points at the Password Secure API")]
    ResponseTooLarge {
        /// The request URL.
        url: String,
        /// The configured limit.
        limit: u64,
    },

    /// The JSON is well-formed but lacks a member or has a type this client
    /// needs.
    #[error("unexpected response from {url}: {detail}")]
    UnexpectedResponse {
        /// The request URL.
        url: String,
        /// Description of the missing or wrong member, naming it.
        detail: String,
    },

    /// A right key or the password value of the entry does not decrypt with
    /// the keys at hand.
    #[error("cannot decrypt the {part} of entry {entry_id}: the data is damaged or was encrypted for another key")]
    DecryptFailed {
        /// Id of the password container.
        entry_id: String,
        /// Name of the blob that failed: "item key" or "password value".
        part: &'static str,
    },

    /// The decrypted password bytes are not valid UTF-8.
    #[error(
        "the password of entry {entry_id} is not valid UTF-8 text. Re-enter it in Password Secure"
    )]
    InvalidUtf8Secret {
        /// Id of the password container.
        entry_id: String,
    },
}

impl Error {
    /// Returns the stable class of this error.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::InvalidUrl { .. }
            | Error::InsecureUrl { .. }
            | Error::InvalidConfig { .. }
            | Error::InvalidIdentity { .. }
            | Error::ReasonRequired { .. }
            | Error::FormNotFound { .. }
            | Error::FieldNotFound { .. } => ErrorClass::InvalidInput,
            Error::Ambiguous { .. } => ErrorClass::Ambiguous,
            Error::ApiKeyExpired { .. }
            | Error::ApiKeyMissingReadRight { .. }
            | Error::ApiKeyMissingPasswordsScope { .. }
            | Error::LoginRejected { .. }
            | Error::LoginLocked { .. }
            | Error::AccountRejected { .. }
            | Error::UnexpectedAuthenticationResult { .. }
            | Error::UserKeyUnusable { .. }
            | Error::Unauthorized { .. }
            | Error::Forbidden { .. }
            | Error::SessionInvalid { .. } => ErrorClass::Authentication,
            Error::Sealed { .. }
            | Error::NoKey { .. }
            | Error::Secured { .. }
            | Error::InsufficientRight { .. } => ErrorClass::NotReleasable,
            Error::Connect { .. }
            | Error::ProxyConnect { .. }
            | Error::Tls { .. }
            | Error::NotTls { .. }
            | Error::CertificatePinMismatch { .. }
            | Error::Timeout { .. } => ErrorClass::Connection,
            Error::ServerError { .. }
            | Error::ServerUnavailable { .. }
            | Error::UnexpectedStatus { .. }
            | Error::NotJson { .. }
            | Error::InvalidJson { .. }
            | Error::MalformedResponse { .. }
            | Error::ResponseTooLarge { .. }
            | Error::UnexpectedResponse { .. }
            | Error::DecryptFailed { .. }
            | Error::InvalidUtf8Secret { .. } => ErrorClass::Server,
        }
    }

    /// Tells whether an idempotent request may be sent again after this
    /// error: a failed connection or a 502/503 response.
    pub(crate) fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::Connect { .. }
                | Error::ProxyConnect {
                    retryable: true,
                    ..
                }
                | Error::ServerUnavailable { .. }
        )
    }
}

/// Shortens server-provided text for an error message and removes control
/// characters, so that a hostile server cannot flood or forge terminal
/// output.
pub(crate) fn shorten(text: &str, max_chars: usize) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.chars().count() <= max_chars {
        return cleaned.to_string();
    }
    let mut shortened: String = cleaned.chars().take(max_chars).collect();
    shortened.push('…');
    shortened
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_removes_control_characters() {
        assert_eq!(shorten("a\nb\u{1b}[31m", 50), "a b [31m");
    }

    #[test]
    fn shorten_cuts_long_text() {
        assert_eq!(shorten("abcdef", 3), "abc…");
    }

    #[test]
    fn server_error_message_lists_code_and_text() {
        let error = Error::ServerError {
            url: "https://x/api/WebService/GetContainerList".into(),
            code: Some(30011),
            message: Some("No right key".into()),
        };
        assert_eq!(
            error.to_string(),
            "server error at https://x/api/WebService/GetContainerList \
             (exception code 30011): No right key"
        );
        assert_eq!(error.class(), ErrorClass::Server);
    }

    #[test]
    fn ambiguous_message_lists_ids() {
        let error = Error::Ambiguous {
            identity: "CORP\\svc".into(),
            entry_ids: vec!["a".into(), "b".into()],
        };
        assert_eq!(
            error.to_string(),
            "2 entries match 'CORP\\svc': a, b. Delete the duplicate entries in Password \
             Secure, or change their Domain or Username, so that one entry remains"
        );
    }
}
