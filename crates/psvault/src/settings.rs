//! Turns flags, environment and the stdin request into one validated
//! `Settings` value before any network traffic.
//!
//! Precedence, highest first: members of the request read with
//! `--request -` (or the first line of `batch`), then command-line flags,
//! then the environment (`PSVAULT_API_KEY`, `PSVAULT_URL`), then built-in
//! defaults. A request member replaces the flag entirely; list values such
//! as `pinSha256` and `domainAliases` are not merged with their flags.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use psr_client::{ClientConfig, DomainAlias, FormNames, Identity, ProxySetting, TlsOptions};
use psr_crypto::ApiKey;
use zeroize::Zeroizing;

use crate::cli::{
    BatchFormat, Command, ConnectionArgs, FormArgs, GetFormat, KeyArgs, KeyCommand, ReportFormat,
    RequestSource,
};
use crate::exit::Failure;
use crate::messages::{Origins, Setting};
use crate::output::one_line;
use crate::request::{self, Context, Request};

/// Environment variable that contains the API key.
pub const API_KEY_VARIABLE: &str = "PSVAULT_API_KEY";

/// Environment variable that contains the base URL of the API.
pub const URL_VARIABLE: &str = "PSVAULT_URL";

/// Largest API key file read, in bytes. Real keys are a few kilobytes
/// (an RSA private key in XML is the largest part).
const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// Longest accepted timeout, in seconds; larger values are taken for a
/// unit mistake (milliseconds given as seconds).
const MAX_TIMEOUT_SECONDS: f64 = 86_400.0;

/// The validated settings of one run.
pub enum Settings {
    /// `psvault get`.
    Get(GetSettings),
    /// `psvault check`.
    Check(CheckSettings),
    /// `psvault batch`, whose connection is resolved after its first line.
    Batch(BatchSettings),
    /// `psvault key inspect`.
    KeyInspect(InspectSettings),
}

/// Everything needed to open a session.
pub struct Connection {
    /// The client configuration, ready for `psr_client`.
    pub config: ClientConfig,
    /// The parsed API key.
    pub api_key: ApiKey,
    /// True when certificate verification is disabled.
    pub skip_certificate_check: bool,
    /// True when plain http:// is allowed.
    pub allow_http: bool,
    /// The settings that the request on stdin set, for messages that
    /// name the flag or member to change.
    pub origins: Origins,
}

/// One lookup: the account and the audit reason.
pub struct Lookup {
    /// The parsed account identity; its `Display` form (`DOMAIN\user`)
    /// shows how the input was read.
    pub identity: Identity,
    /// Audit reason for the logbook; empty when none was given.
    pub reason: String,
    /// Origin of the identity.
    pub source: LookupSource,
}

/// Origin of a lookup's members, for messages that name the flag or
/// member to change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LookupSource {
    /// The command line of `psvault get`.
    Flags,
    /// The request of `psvault get --request -`.
    Request,
    /// A line of `psvault batch`.
    BatchLine,
}

/// Settings of `psvault get`.
pub struct GetSettings {
    /// Server and API key.
    pub connection: Connection,
    /// Account and reason.
    pub lookup: Lookup,
    /// Output format.
    pub format: GetFormat,
}

/// Settings of `psvault check`.
pub struct CheckSettings {
    /// Server and API key.
    pub connection: Connection,
    /// Report format.
    pub format: ReportFormat,
}

/// Settings of `psvault key inspect`.
pub struct InspectSettings {
    /// The parsed API key.
    pub api_key: ApiKey,
    /// Report format.
    pub format: ReportFormat,
}

/// Settings of `psvault batch` before its first line is read.
pub struct BatchSettings {
    /// Flags and environment, merged with the first line's members by
    /// `ConnectionLayers::resolve`.
    pub layers: ConnectionLayers,
    /// Result format unless the first line sets `format`.
    pub format: BatchFormat,
}

/// The values read from the process environment.
#[derive(Default)]
pub struct Environment {
    /// `PSVAULT_API_KEY`, when set and not empty.
    pub api_key: Option<Zeroizing<String>>,
    /// `PSVAULT_URL`, when set and not empty.
    pub url: Option<String>,
}

impl Environment {
    /// Reads `PSVAULT_API_KEY` and `PSVAULT_URL`.
    pub fn from_process() -> Result<Environment, Failure> {
        let api_key = variable(API_KEY_VARIABLE)?.map(Zeroizing::new);
        let url = variable(URL_VARIABLE)?;
        Ok(Environment { api_key, url })
    }
}

fn variable(name: &str) -> Result<Option<String>, Failure> {
    match std::env::var(name) {
        Ok(value) if value.trim().is_empty() => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(Failure::invalid_input(format!(
            "the environment variable {name} is not valid UTF-8; set it to the plain value"
        ))),
    }
}

/// Flags and environment for a connection, waiting for a request to
/// complete them.
pub struct ConnectionLayers {
    connection: ConnectionArgs,
    form: FormArgs,
    key: KeyArgs,
    environment: Environment,
}

impl Settings {
    /// Builds the settings of `command`, reading the request from `stdin`
    /// when the command line requests it.
    pub fn new(
        command: Command,
        environment: Environment,
        stdin: &mut dyn Read,
    ) -> Result<Settings, Failure> {
        match command {
            Command::Get(args) => {
                let request = read_stdin_request(args.request, stdin, Context::Get)?;
                let layers = ConnectionLayers {
                    connection: args.connection,
                    form: args.form,
                    key: args.key,
                    environment,
                };
                let connection = layers.resolve(&request)?;
                let flags = Request {
                    identity: args.identity,
                    domain: args.domain,
                    user: args.user,
                    reason: args.reason,
                    ..Request::default()
                };
                let lookup = resolve_lookup(&request, Some(&flags))?;
                let format = match &request.format {
                    Some(name) => parse_get_format(name)?,
                    None => args.format,
                };
                Ok(Settings::Get(GetSettings {
                    connection,
                    lookup,
                    format,
                }))
            }
            Command::Check(args) => {
                let request = read_stdin_request(args.request, stdin, Context::Check)?;
                let layers = ConnectionLayers {
                    connection: args.connection,
                    form: args.form,
                    key: args.key,
                    environment,
                };
                let connection = layers.resolve(&request)?;
                let format = match &request.format {
                    Some(name) => parse_report_format(name)?,
                    None => args.format,
                };
                Ok(Settings::Check(CheckSettings { connection, format }))
            }
            Command::Batch(args) => Ok(Settings::Batch(BatchSettings {
                layers: ConnectionLayers {
                    connection: args.connection,
                    form: args.form,
                    key: args.key,
                    environment,
                },
                format: args.format,
            })),
            Command::Key(KeyCommand::Inspect(args)) => {
                let request = read_stdin_request(args.request, stdin, Context::KeyInspect)?;
                let api_key = resolve_api_key(&request, &args.key, &environment)?;
                let format = match &request.format {
                    Some(name) => parse_report_format(name)?,
                    None => args.format,
                };
                Ok(Settings::KeyInspect(InspectSettings { api_key, format }))
            }
        }
    }
}

fn read_stdin_request(
    source: Option<RequestSource>,
    stdin: &mut dyn Read,
    context: Context,
) -> Result<Request, Failure> {
    match source {
        None => Ok(Request::default()),
        Some(RequestSource::Stdin) => {
            let bytes = request::read_request(stdin).map_err(|e| Failure::invalid_input(e.0))?;
            request::parse_request(&bytes, context).map_err(|e| Failure::invalid_input(e.0))
        }
    }
}

impl ConnectionLayers {
    /// Merges `request` over the flags and the environment into a
    /// connection.
    pub fn resolve(&self, request: &Request) -> Result<Connection, Failure> {
        let flags = &self.connection;
        let api_key = resolve_api_key(request, &self.key, &self.environment)?;

        let url = request
            .url
            .clone()
            .or_else(|| flags.url.clone())
            .or_else(|| self.environment.url.clone())
            .filter(|url| !url.trim().is_empty())
            .ok_or_else(|| {
                Failure::invalid_input(format!(
                    "no server URL given; pass --url https://HOST/api/, set {URL_VARIABLE}, \
                     or send url with --request -"
                ))
            })?;

        reject_url_credentials(&url)?;

        let skip_certificate_check = request
            .insecure_skip_certificate_check
            .unwrap_or(flags.insecure_skip_certificate_check);
        let allow_http = request
            .insecure_allow_http
            .unwrap_or(flags.insecure_allow_http);

        let mut origins = Origins::default();
        origins.record(Setting::Url, request.url.is_some());
        origins.record(
            Setting::InsecureSkipCertificateCheck,
            request.insecure_skip_certificate_check.is_some(),
        );
        origins.record(
            Setting::InsecureAllowHttp,
            request.insecure_allow_http.is_some(),
        );
        origins.record(Setting::CaFile, request.ca_file.is_some());
        origins.record(Setting::PinSha256, request.pin_sha256.is_some());
        origins.record(Setting::Timeout, request.timeout.is_some());
        origins.record(Setting::ConnectTimeout, request.connect_timeout.is_some());
        origins.record(
            Setting::Proxy,
            request.proxy.is_some() || request.no_proxy.is_some(),
        );
        origins.record(Setting::Form, request.form.is_some());
        origins.record(Setting::DomainField, request.domain_field.is_some());
        origins.record(Setting::UsernameField, request.username_field.is_some());
        origins.record(Setting::PasswordField, request.password_field.is_some());
        origins.record(Setting::DomainAliases, request.domain_aliases.is_some());

        let ca_file = request.ca_file.clone().or_else(|| flags.ca_file.clone());
        if let Some(path) = &ca_file {
            check_ca_file(path, &origins.name(Setting::CaFile))?;
        }
        let pin_sha256 = request
            .pin_sha256
            .clone()
            .unwrap_or_else(|| flags.pin_sha256.clone());

        let proxy = resolve_proxy(request, flags)?;
        let form = FormNames {
            form: request
                .form
                .clone()
                .unwrap_or_else(|| self.form.form.clone()),
            domain_field: request
                .domain_field
                .clone()
                .unwrap_or_else(|| self.form.domain_field.clone()),
            username_field: request
                .username_field
                .clone()
                .unwrap_or_else(|| self.form.username_field.clone()),
            password_field: request
                .password_field
                .clone()
                .unwrap_or_else(|| self.form.password_field.clone()),
        };
        for (member, value) in [
            ("form", &form.form),
            ("domain field", &form.domain_field),
            ("username field", &form.username_field),
            ("password field", &form.password_field),
        ] {
            if value.trim().is_empty() {
                return Err(Failure::invalid_input(format!(
                    "the {member} name is empty; give the label used in Password Secure"
                )));
            }
        }
        let aliases = request
            .domain_aliases
            .clone()
            .unwrap_or_else(|| self.form.domain_alias.clone());

        let config = ClientConfig {
            url,
            timeout: request.timeout.unwrap_or(flags.timeout),
            connect_timeout: request.connect_timeout.unwrap_or(flags.connect_timeout),
            tls: TlsOptions {
                ca_file,
                pin_sha256,
                dangerous_skip_certificate_check: skip_certificate_check,
            },
            allow_insecure_http: allow_http,
            proxy,
            form,
            domain_aliases: aliases
                .into_iter()
                .map(|(dns_name, netbios_name)| DomainAlias {
                    dns_name,
                    netbios_name,
                })
                .collect(),
            client_type: "psvault".into(),
            client_version: env!("CARGO_PKG_VERSION").into(),
            ..ClientConfig::default()
        };

        Ok(Connection {
            config,
            api_key,
            skip_certificate_check,
            allow_http,
            origins,
        })
    }
}

/// Rejects `user:password@` in the URL. The message shows the URL with
/// the credentials replaced by `***`, because they may hold a password.
fn reject_url_credentials(url: &str) -> Result<(), Failure> {
    let (scheme, after_scheme) = match url.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), url),
    };
    let authority_end = after_scheme
        .find(['/', '?', '#'])
        .unwrap_or(after_scheme.len());
    let Some(at) = after_scheme[..authority_end].rfind('@') else {
        return Ok(());
    };
    let redacted = format!("{scheme}***{}", &after_scheme[at..]);
    Err(Failure::invalid_input(format!(
        "credentials in the URL are not supported: {}; remove the part \
         before '@', because psvault logs in with the API key and URLs \
         end up in logs",
        quoted(&redacted)
    )))
}

fn resolve_proxy(request: &Request, flags: &ConnectionArgs) -> Result<ProxySetting, Failure> {
    match (&request.proxy, request.no_proxy) {
        (Some(_), Some(true)) => Err(Failure::invalid_input(
            "the request sets both proxy and noProxy; send one of them",
        )),
        (Some(url), _) => Ok(ProxySetting::Url(url.clone())),
        (None, Some(true)) => Ok(ProxySetting::None),
        (None, _) => Ok(match (&flags.proxy, flags.no_proxy) {
            (Some(url), _) => ProxySetting::Url(url.clone()),
            (None, true) => ProxySetting::None,
            (None, false) => ProxySetting::FromEnvironment,
        }),
    }
}

/// Finds and parses the API key: the request's `apiKey`, else
/// `--api-key-file`, else `PSVAULT_API_KEY`.
fn resolve_api_key(
    request: &Request,
    key: &KeyArgs,
    environment: &Environment,
) -> Result<ApiKey, Failure> {
    let (text, source) = if let Some(text) = &request.api_key {
        (text.clone(), "the request's apiKey member".to_owned())
    } else if let Some(path) = &key.api_key_file {
        (
            read_key_file(path)?,
            format!("--api-key-file {}", path.display()),
        )
    } else if let Some(text) = &environment.api_key {
        (text.clone(), API_KEY_VARIABLE.to_owned())
    } else {
        return Err(Failure::invalid_input(format!(
            "no API key given; set {API_KEY_VARIABLE}, pass --api-key-file PATH, \
             or send apiKey with --request -"
        )));
    };

    if text.trim().is_empty() {
        return Err(Failure::invalid_input(format!(
            "the API key from {source} is empty; paste the whole key \
             (<JWT>:<base64 private key>)"
        )));
    }
    ApiKey::parse(&text).map_err(|e| {
        // Most parse errors start with "malformed API key: ", which this
        // message states already.
        let detail = e.to_string();
        let detail = detail
            .strip_prefix("malformed API key: ")
            .unwrap_or(&detail);
        Failure::invalid_input(format!(
            "the API key from {source} is malformed: {detail}; paste the whole key \
             (<JWT>:<base64 private key>) as Password Secure created it"
        ))
    })
}

fn read_key_file(path: &Path) -> Result<Zeroizing<String>, Failure> {
    let cannot_read = |e: std::io::Error| {
        Failure::invalid_input(format!(
            "cannot read the API key file {}: {e}",
            path.display()
        ))
    };
    let file = File::open(path).map_err(cannot_read)?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(MAX_KEY_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_KEY_FILE_BYTES {
        return Err(Failure::invalid_input(format!(
            "the API key file {} is larger than {MAX_KEY_FILE_BYTES} bytes; \
             it must contain only the API key",
            path.display()
        )));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| {
        Failure::invalid_input(format!(
            "the API key file {} is not UTF-8 text; save it as UTF-8 or ASCII",
            path.display()
        ))
    })?;
    Ok(Zeroizing::new(text.trim().to_owned()))
}

/// Checks that the CA file exists and is a file; `option` names the flag
/// or request member that gave the path.
fn check_ca_file(path: &PathBuf, option: &str) -> Result<(), Failure> {
    match std::fs::metadata(path) {
        Ok(metadata) if metadata.is_file() => Ok(()),
        Ok(_) => Err(Failure::invalid_input(format!(
            "invalid {option}: {} is not a file; give a PEM file of CA certificates",
            path.display()
        ))),
        Err(e) => Err(Failure::invalid_input(format!(
            "invalid {option}: cannot read {}: {e}",
            path.display()
        ))),
    }
}

/// Builds the lookup from `request`, or from `flags` when the request
/// contains no lookup member. Lookup members of the request and the flags
/// are not mixed.
pub fn resolve_lookup(request: &Request, flags: Option<&Request>) -> Result<Lookup, Failure> {
    let (source, lookup_source) = match flags {
        // Unlike other settings, the account is never taken from one place
        // over the other: a lookup of a different account than the command
        // line shows would return the wrong credential.
        Some(flags) if request.has_lookup_members() && flags.has_lookup_members() => {
            return Err(Failure::invalid_input(
                "the account is given both on the command line and in the request on \
                 stdin; give identity (or domain and user) in one place only",
            ))
        }
        Some(flags) if !request.has_lookup_members() => (flags, LookupSource::Flags),
        Some(_) => (request, LookupSource::Request),
        None => (request, LookupSource::BatchLine),
    };
    let reason = request
        .reason
        .clone()
        .or_else(|| flags.and_then(|f| f.reason.clone()))
        .unwrap_or_default();

    let (identity, raw_parts) = match (&source.identity, &source.domain, &source.user) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(Failure::invalid_input(
                "both identity and domain/user are given; send one of them",
            ))
        }
        (Some(text), None, None) => (Identity::parse(text), vec![text.as_str()]),
        (None, domain, Some(user)) => (
            Identity::from_parts(domain.as_deref(), user),
            domain
                .iter()
                .map(String::as_str)
                .chain([user.as_str()])
                .collect(),
        ),
        (None, Some(_), None) => {
            return Err(Failure::invalid_input(
                "a domain is given without a user; add --user (or the user member)",
            ))
        }
        (None, None, None) if lookup_source == LookupSource::BatchLine => {
            return Err(Failure::invalid_input(
                "no identity given; add the member identity (DOMAIN\\user or \
                 user@dns.suffix), or domain and user, to the line",
            ))
        }
        (None, None, None) => {
            return Err(Failure::invalid_input(
                "no identity given; pass DOMAIN\\user or user@dns.suffix, \
                 --domain and --user, or send identity with --request -",
            ))
        }
    };
    let identity = identity.map_err(|e| identity_failure(&e, &raw_parts, lookup_source))?;

    Ok(Lookup {
        identity,
        reason,
        source: lookup_source,
    })
}

/// Turns an identity parse error into a failure whose message shows each
/// raw part escaped and shortened, because psr_client quotes the input in
/// full: a 10 KB identity or one with a right-to-left override would
/// otherwise reach the terminal as it is. An API key pasted as the
/// identity is not quoted at all. The advice names the flags or members
/// that pass the domain and the user separately.
fn identity_failure(
    error: &psr_client::Error,
    raw_parts: &[&str],
    source: LookupSource,
) -> Failure {
    if raw_parts.iter().any(|part| ApiKey::parse(part).is_ok()) {
        return Failure::invalid_input(
            "invalid identity: it is an API key; pass the account as DOMAIN\\user and \
             the key through PSVAULT_API_KEY, --api-key-file or the apiKey \
             member, and create a new key if this one was exposed",
        );
    }
    let mut failure = Failure::client(error);
    if let psr_client::Error::InvalidIdentity { identity, reason } = error {
        let parts = match source {
            LookupSource::Flags => "pass the parts with --domain DOMAIN --user USER",
            LookupSource::Request | LookupSource::BatchLine => {
                "send the parts in the members \"domain\" and \"user\""
            }
        };
        failure.message = format!(
            "invalid identity '{identity}': {reason}. Use DOMAIN\\user or \
             user@dns.domain, or {parts}"
        );
    }
    for part in raw_parts.iter().filter(|part| !part.is_empty()) {
        failure.message = failure.message.replace(part, &shortened(part));
    }
    failure
}

fn parse_get_format(name: &str) -> Result<GetFormat, Failure> {
    match name {
        "json" => Ok(GetFormat::Json),
        "json-base64" => Ok(GetFormat::JsonBase64),
        "password" => Ok(GetFormat::Password),
        _ => Err(Failure::invalid_input(
            "request member \"format\" must be json, json-base64 or password",
        )),
    }
}

fn parse_report_format(name: &str) -> Result<ReportFormat, Failure> {
    match name {
        "text" => Ok(ReportFormat::Text),
        "json" => Ok(ReportFormat::Json),
        _ => Err(Failure::invalid_input(
            "request member \"format\" must be text or json",
        )),
    }
}

/// Parses the `format` member of a batch's first line.
pub fn parse_batch_format(name: &str) -> Result<BatchFormat, Failure> {
    match name {
        "json" => Ok(BatchFormat::Json),
        "json-base64" => Ok(BatchFormat::JsonBase64),
        _ => Err(Failure::invalid_input(
            "request member \"format\" must be json or json-base64 in a batch",
        )),
    }
}

/// Converts a timeout in seconds, rejecting zero, negative, non-finite
/// and implausibly large values, and values below 1 nanosecond.
///
/// Messages show the value with `{:?}`, which switches to exponent form
/// for very small and very large values, so `1e-10` is not printed with
/// ten digits after the point.
pub fn seconds_to_duration(seconds: f64) -> Result<Duration, String> {
    if !seconds.is_finite() || seconds <= 0.0 {
        return Err(format!(
            "the timeout must be a positive number of seconds, got {seconds:?}"
        ));
    }
    if seconds > MAX_TIMEOUT_SECONDS {
        return Err(format!(
            "the timeout of {seconds:?} seconds is larger than {MAX_TIMEOUT_SECONDS}; \
             give it in seconds"
        ));
    }
    let duration = Duration::try_from_secs_f64(seconds)
        .map_err(|e| format!("invalid timeout {seconds:?} seconds: {e}"))?;
    if duration.is_zero() {
        return Err(format!(
            "the timeout of {seconds:?} seconds is shorter than 1 nanosecond, the smallest \
             timeout that can be set"
        ));
    }
    Ok(duration)
}

/// Parses a SHA-256 fingerprint: 64 hex digits, optionally separated by
/// colons as `openssl x509 -fingerprint -sha256` prints them.
pub fn parse_pin(text: &str) -> Result<[u8; 32], String> {
    let digits: Vec<u8> = text.trim().bytes().filter(|b| *b != b':').collect();
    let invalid = || {
        format!(
            "{} is not a SHA-256 fingerprint; give 64 hex digits (colons allowed)",
            quoted(text)
        )
    };
    if digits.len() != 64 {
        return Err(invalid());
    }
    let mut pin = [0u8; 32];
    for (byte, pair) in pin.iter_mut().zip(digits.chunks_exact(2)) {
        let high = hex_value(pair[0]).ok_or_else(invalid)?;
        let low = hex_value(pair[1]).ok_or_else(invalid)?;
        *byte = high << 4 | low;
    }
    Ok(pin)
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Parses `DNS=NETBIOS`, e.g. `corp.example.com=CORP`.
pub fn parse_domain_alias(text: &str) -> Result<(String, String), String> {
    let invalid = || {
        format!(
            "{} is not a domain alias; give DNS=NETBIOS, e.g. corp.example.com=CORP",
            quoted(text)
        )
    };
    let (dns, netbios) = text.split_once('=').ok_or_else(invalid)?;
    let (dns, netbios) = (dns.trim(), netbios.trim());
    if dns.is_empty() || netbios.is_empty() || netbios.contains('=') {
        return Err(invalid());
    }
    Ok((dns.to_owned(), netbios.to_owned()))
}

/// Quotes a non-secret value for a message, shortened and escaped as by
/// `shortened`.
pub fn quoted(text: &str) -> String {
    format!("\"{}\"", shortened(text))
}

/// Prepares a non-secret value for a message: characters that would
/// break the line or reorder the shown text are escaped as `one_line`
/// does, and the value is cut after 64 characters so a huge value cannot
/// flood the terminal. Backslashes and quotes stay as they are, so
/// `CORP\user` reads naturally.
pub fn shortened(text: &str) -> String {
    const LIMIT: usize = 64;
    let head: String = text.chars().take(LIMIT).collect();
    let mut shown = one_line(&head).into_owned();
    if text.chars().nth(LIMIT).is_some() {
        shown.push_str("...");
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_accepts_hex_with_colons() {
        let text = ["AB"; 32].join(":");
        assert_eq!(parse_pin(&text), Ok([0xab; 32]));
    }

    #[test]
    fn pin_rejects_wrong_length_and_digits() {
        assert!(parse_pin("abcd").is_err());
        assert!(parse_pin(&"zz".repeat(32)).is_err());
        assert!(parse_pin(&"é".repeat(32)).is_err());
    }

    #[test]
    fn alias_splits_at_equals_sign() {
        assert_eq!(
            parse_domain_alias("corp.example.com=CORP"),
            Ok(("corp.example.com".into(), "CORP".into()))
        );
        assert!(parse_domain_alias("corp.example.com").is_err());
        assert!(parse_domain_alias("=CORP").is_err());
        assert!(parse_domain_alias("a=b=c").is_err());
    }

    #[test]
    fn seconds_reject_nonsense() {
        assert!(seconds_to_duration(0.0).is_err());
        assert!(seconds_to_duration(-1.0).is_err());
        assert!(seconds_to_duration(f64::NAN).is_err());
        assert!(seconds_to_duration(1e9).is_err());
        assert_eq!(seconds_to_duration(0.5), Ok(Duration::from_millis(500)));
    }

    #[test]
    fn seconds_below_a_nanosecond_rejected() {
        let message = seconds_to_duration(1e-10).expect_err("rounds to zero");
        assert!(message.contains("1e-10 seconds"), "{message}");
        assert!(message.contains("shorter than 1 nanosecond"), "{message}");
        assert_eq!(seconds_to_duration(1e-9), Ok(Duration::from_nanos(1)));
    }

    #[test]
    fn seconds_errors_name_the_value() {
        let message = seconds_to_duration(-2.5).expect_err("negative");
        assert!(message.contains("got -2.5"), "{message}");
        let message = seconds_to_duration(-1e-300).expect_err("negative");
        assert!(message.contains("got -1e-300"), "{message}");
        let message = seconds_to_duration(1e9).expect_err("too large");
        assert!(message.contains("1000000000.0 seconds"), "{message}");
    }

    #[test]
    fn quoted_cuts_long_values() {
        let shown = quoted(&"x".repeat(1000));
        assert!(shown.len() < 80, "{shown}");
        assert_eq!(quoted("a\u{7}b"), "\"a\\u{7}b\"");
        assert_eq!(quoted("a\u{0}b\nc"), "\"a\\u{0}b\\nc\"");
        assert_eq!(quoted("a\u{2028}b\u{200b}"), "\"a\\u{2028}b\u{200b}\"");
        assert_eq!(quoted("CORP\\svc"), "\"CORP\\svc\"");
        assert_eq!(quoted("a\u{202e}b"), "\"a\\u{202e}b\"");
        assert_eq!(quoted("Jörg \"x\""), "\"Jörg \"x\"\"");
    }

    #[test]
    fn url_credentials_are_rejected_unquoted() {
        let failure = reject_url_credentials("https://admin:S3cret@h/api/").unwrap_err();
        assert!(!failure.message.contains("S3cret"), "{}", failure.message);
        assert!(
            failure.message.contains("https://***@h/api/"),
            "{}",
            failure.message
        );
        assert!(reject_url_credentials("https://h/api/?a=b@c").is_ok());
        assert!(reject_url_credentials("https://h:443/api/").is_ok());
    }

    #[test]
    fn lookup_rejects_account_in_both_places() {
        let request = Request {
            domain: Some("CORP".into()),
            user: Some("from-request".into()),
            ..Request::default()
        };
        let flags = Request {
            identity: Some("CORP\\from-flags".into()),
            reason: Some("flag reason".into()),
            ..Request::default()
        };
        let Err(failure) = resolve_lookup(&request, Some(&flags)) else {
            panic!("an account in both places was accepted");
        };
        assert!(
            failure.message.contains("in one place"),
            "{}",
            failure.message
        );
    }

    #[test]
    fn batch_line_without_account_names_members() {
        let Err(failure) = resolve_lookup(&Request::default(), None) else {
            panic!("a line without an account was accepted");
        };
        assert!(
            failure.message.contains("to the line"),
            "{}",
            failure.message
        );
        assert!(!failure.message.contains("--domain"), "{}", failure.message);
    }

    #[test]
    fn lookup_takes_request_account_with_flag_reason() {
        let request = Request {
            domain: Some("CORP".into()),
            user: Some("from-request".into()),
            ..Request::default()
        };
        let flags = Request {
            reason: Some("flag reason".into()),
            ..Request::default()
        };
        let lookup = resolve_lookup(&request, Some(&flags)).expect("valid lookup");
        assert_eq!(lookup.identity.to_string(), "CORP\\from-request");
        assert_eq!(lookup.reason, "flag reason");
    }

    #[test]
    fn lookup_rejects_identity_with_parts() {
        let request = Request {
            identity: Some("CORP\\a".into()),
            user: Some("b".into()),
            ..Request::default()
        };
        assert!(resolve_lookup(&request, None).is_err());
    }
}
