//! Command-line syntax as clap parses it.
//!
//! These structs hold raw flag values, checked only for their type and
//! range. `settings` merges them with the environment and the request on
//! stdin into one validated `Settings` value before anything runs.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit::EXIT_CODES_HELP;

/// Checks out Active Directory credentials from Netwrix Password Secure.
///
/// psvault logs in to the Password Secure web API with an API key, finds
/// the "AD User" entry whose Domain and Username fields match the
/// requested identity, and prints the decrypted credential as one JSON
/// line on stdout. Messages go to stderr as `psvault: <what failed>`.
///
/// The API key is never taken as an option value: set PSVAULT_API_KEY,
/// pass --api-key-file, or send it in the request on stdin (--request -).
#[derive(Debug, Parser)]
#[command(name = "psvault", version, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,

    /// Options that apply to every command.
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// Options accepted by every command, before or after its name.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Log the client's steps to stderr: -v for debug, -vv for trace. Logs
    /// never contain the API key, tokens, private keys or passwords.
    /// [default: warnings only]
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Silence warnings, except the warnings for
    /// --insecure-skip-certificate-check and --insecure-allow-http (or
    /// their request members), which always print. [default: off]
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Format of error reports on stderr: `text` prints
    /// `psvault: <message>` lines; `json` adds one JSON object with
    /// errorId, class, exitCode and message as the last stderr line.
    #[arg(long, value_enum, default_value_t = ErrorFormat::Text, global = true)]
    pub error_format: ErrorFormat,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Look up one AD User credential and print it.
    #[command(after_help = EXIT_CODES_HELP)]
    Get(GetArgs),
    /// Check the API key and the server: decode the key, log in, find the
    /// AD User form, log out, and print a report.
    #[command(after_help = EXIT_CODES_HELP)]
    Check(CheckArgs),
    /// Look up many credentials in one session: JSON lines in on stdin,
    /// one JSON result line out per input line.
    ///
    /// Every line contains `identity` (or `domain` and `user`), optionally
    /// `reason` and `tag` (echoed back). The first line may also contain
    /// the connection members of `get --request -` (url, apiKey, TLS
    /// options, timeouts, form and field names, format); a first line
    /// with connection members only is a header and produces no output.
    /// Blank lines are skipped. Each result carries `line` (the 1-based
    /// input line), `status` (found, not_found, error) and `exitCode`.
    #[command(after_help = EXIT_CODES_HELP)]
    Batch(BatchArgs),
    /// Work with the API key offline.
    #[command(subcommand)]
    Key(KeyCommand),
}

/// The `key` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Print the API key's user, database, issue and expiry time, rights
    /// and scopes, without contacting the server. Never prints the key's
    /// token or private key. Exits 4 when the key has expired or lacks the
    /// Read right or the Passwords scope.
    #[command(after_help = EXIT_CODES_HELP)]
    Inspect(InspectArgs),
}

/// Arguments of `psvault get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The account to look up: `DOMAIN\user`, `user@dns.suffix`, or a
    /// local `HOST\user`. Use --domain and --user instead to pass the
    /// parts separately.
    #[arg(value_name = "IDENTITY", conflicts_with_all = ["domain", "user"])]
    pub identity: Option<String>,

    /// Domain of the account (NetBIOS or DNS name); goes with --user.
    #[arg(long, value_name = "DOMAIN", requires = "user")]
    pub domain: Option<String>,

    /// User name of the account, without domain.
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,

    /// Audit reason recorded in the Password Secure logbook with the read.
    /// Entries that require a reason fail without one. [default: empty]
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,

    /// Output format. `json` prints one JSON object. `json-base64` prints
    /// the same object with domain, username, password and name as base64
    /// of their UTF-8 bytes. `password` prints only the password, without
    /// a newline.
    #[arg(long, value_enum, default_value_t = GetFormat::Json)]
    pub format: GetFormat,

    /// Read the whole request as one JSON object from stdin; the only
    /// accepted value is `-`. Members: url, apiKey, identity or domain and
    /// user, reason, format, insecureSkipCertificateCheck,
    /// insecureAllowHttp, caFile, pinSha256, timeoutSec,
    /// connectTimeoutSec, proxy, noProxy, form, domainField,
    /// usernameField, passwordField, domainAliases. Request members take
    /// precedence over flags, flags over the environment, except that the
    /// account may be given in only one place.
    #[arg(long, value_name = "SOURCE", value_parser = parse_request_source)]
    pub request: Option<RequestSource>,

    /// Source of the API key.
    #[command(flatten)]
    pub key: KeyArgs,

    /// How to reach the server.
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// How to find AD User entries.
    #[command(flatten)]
    pub form: FormArgs,
}

/// Arguments of `psvault check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Report format: `text` for people, `json` for scripts.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,

    /// Read the connection settings and the API key as one JSON object
    /// from stdin: the members of `get --request -` without identity and
    /// reason. The only accepted value is `-`.
    #[arg(long, value_name = "SOURCE", value_parser = parse_request_source)]
    pub request: Option<RequestSource>,

    /// Source of the API key.
    #[command(flatten)]
    pub key: KeyArgs,

    /// How to reach the server.
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// How to find the AD User form.
    #[command(flatten)]
    pub form: FormArgs,
}

/// Arguments of `psvault batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Result format: `json`, or `json-base64` (domain, username,
    /// password and name as base64 of their UTF-8 bytes). The first
    /// line's `format` member takes precedence.
    #[arg(long, value_enum, default_value_t = BatchFormat::Json)]
    pub format: BatchFormat,

    /// Source of the API key.
    #[command(flatten)]
    pub key: KeyArgs,

    /// How to reach the server.
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// How to find AD User entries.
    #[command(flatten)]
    pub form: FormArgs,
}

/// Arguments of `psvault key inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Report format: `text` for people, `json` for scripts.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,

    /// Read `{"apiKey": ...}` (and optionally `format`) as one JSON object
    /// from stdin; the only accepted value is `-`.
    #[arg(long, value_name = "SOURCE", value_parser = parse_request_source)]
    pub request: Option<RequestSource>,

    /// Source of the API key.
    #[command(flatten)]
    pub key: KeyArgs,
}

/// The API key source given on the command line.
#[derive(Debug, Args)]
pub struct KeyArgs {
    /// Read the API key (`<JWT>:<base64 private key>`) from this file;
    /// surrounding whitespace is ignored. Takes precedence over
    /// PSVAULT_API_KEY. [default: the PSVAULT_API_KEY environment variable]
    #[arg(long, value_name = "PATH")]
    pub api_key_file: Option<PathBuf>,
}

/// Connection options shared by the commands that talk to the server.
#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// Base URL of the Password Secure web API, e.g.
    /// https://pws.example.com/api/. [default: the PSVAULT_URL
    /// environment variable]
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// Do not verify the server's certificate (the NPS "Skip Certificate
    /// Check" setting). Anyone on the network path can then read the
    /// session and the password. Prints a warning on every use.
    /// [default: off]
    #[arg(long)]
    pub insecure_skip_certificate_check: bool,

    /// Allow a plain http:// URL, for simulators and tests. The API key
    /// session and the password then cross the network unencrypted.
    /// Prints a warning on every use. [default: off, https:// only]
    #[arg(long)]
    pub insecure_allow_http: bool,

    /// Also trust the CA certificates in this PEM file, in addition to the
    /// operating system's trust store. [default: system store only]
    #[arg(long, value_name = "PATH")]
    pub ca_file: Option<PathBuf>,

    /// Accept only a server certificate whose SHA-256 fingerprint (of the
    /// DER bytes, 64 hex digits, colons allowed) is one of these;
    /// repeatable. A matching certificate needs no trusted chain, so a
    /// self-signed one works. [default: no pinning]
    #[arg(long, value_name = "HEX", value_parser = parse_pin_flag)]
    pub pin_sha256: Vec<[u8; 32]>,

    /// Deadline for the whole lookup, in seconds (login, search, secret,
    /// logout).
    #[arg(long, value_name = "SECONDS", default_value = "30",
          value_parser = parse_seconds_flag)]
    pub timeout: Duration,

    /// Deadline for establishing each TCP and TLS connection, in seconds.
    #[arg(long, value_name = "SECONDS", default_value = "5",
          value_parser = parse_seconds_flag)]
    pub connect_timeout: Duration,

    /// Send every request through this HTTP proxy, also for loopback
    /// URLs; NO_PROXY does not apply to it. [default: HTTPS_PROXY
    /// (HTTP_PROXY for http:// URLs), else ALL_PROXY, from the
    /// environment, except for hosts listed in NO_PROXY and loopback
    /// hosts]
    #[arg(long, value_name = "URL", conflicts_with = "no_proxy")]
    pub proxy: Option<String>,

    /// Connect directly, ignoring HTTPS_PROXY, HTTP_PROXY and ALL_PROXY.
    /// [default: off]
    #[arg(long)]
    pub no_proxy: bool,
}

/// Names of the form and fields that hold AD User entries.
#[derive(Debug, Args)]
pub struct FormArgs {
    /// Name of the Password Secure form of AD User entries.
    #[arg(long, value_name = "NAME", default_value = "AD User")]
    pub form: String,

    /// Label of the form field that contains the domain.
    #[arg(long, value_name = "LABEL", default_value = "Domain")]
    pub domain_field: String,

    /// Label of the form field that contains the user name.
    #[arg(long, value_name = "LABEL", default_value = "Username")]
    pub username_field: String,

    /// Label of the form field that contains the password.
    #[arg(long, value_name = "LABEL", default_value = "Password")]
    pub password_field: String,

    /// Treat the DNS domain name and the NetBIOS name as the same domain,
    /// e.g. corp.example.com=CORP; repeatable. [default: none]
    #[arg(long, value_name = "DNS=NETBIOS", value_parser = parse_alias_flag)]
    pub domain_alias: Vec<(String, String)>,
}

/// Output formats of `get`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GetFormat {
    /// One JSON object on one line.
    Json,
    /// One JSON object whose text members are base64 of UTF-8.
    JsonBase64,
    /// The password alone, without newline.
    Password,
}

/// Output formats of `batch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BatchFormat {
    /// Plain JSON members.
    Json,
    /// Text members as base64 of UTF-8.
    JsonBase64,
}

/// Output formats of the reports of `check` and `key inspect`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned lines for people.
    Text,
    /// One JSON object on one line.
    Json,
}

/// Formats of error reports on stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ErrorFormat {
    /// `psvault: <message>` lines only.
    Text,
    /// The text lines, then one JSON object as the last line.
    Json,
}

/// Source of a request. stdin is the only one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestSource {
    /// Standard input, named `-` on the command line.
    Stdin,
}

fn parse_request_source(text: &str) -> Result<RequestSource, String> {
    if text == "-" {
        Ok(RequestSource::Stdin)
    } else {
        Err("the request is read from stdin only; pass `--request -`".into())
    }
}

fn parse_seconds_flag(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    crate::settings::seconds_to_duration(seconds)
}

fn parse_pin_flag(text: &str) -> Result<[u8; 32], String> {
    crate::settings::parse_pin(text)
}

fn parse_alias_flag(text: &str) -> Result<(String, String), String> {
    crate::settings::parse_domain_alias(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn help_says_no_option_takes_the_key() {
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains("No option takes the API key"));
        assert!(help.contains("PSVAULT_API_KEY"));
    }

    #[test]
    fn request_source_accepts_only_dash() {
        assert_eq!(parse_request_source("-"), Ok(RequestSource::Stdin));
        assert!(parse_request_source("file.json").is_err());
    }
}
