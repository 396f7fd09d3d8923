//! Settings of a client: URL, timeouts, TLS, proxy, form and field names.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::error::Error;

/// Default connect timeout: 5 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default deadline for a whole lookup: 30 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default maximum size of one response body: 16 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

/// Everything a [`Session`](crate::Session) needs besides the API key.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Base URL of the API, for example `https://pws.example.com/api/`.
    /// A URL without a scheme is rejected. Trailing slashes are normalised
    /// to exactly one. No default.
    pub url: String,
    /// Maximum time to establish one TCP connection (and proxy tunnel).
    /// Default 5 s.
    pub connect_timeout: Duration,
    /// Deadline for a whole lookup (login, search, secret, logout), applied
    /// to every request and retry. A [`Session`](crate::Session) applies it
    /// to the login and again to each lookup. Default 30 s.
    pub timeout: Duration,
    /// Certificate checking. Default: the operating system's trust store.
    pub tls: TlsOptions,
    /// Allows a plain `http://` URL, for a local simulator or test server.
    /// Default `false`.
    pub allow_insecure_http: bool,
    /// Proxy selection. Default: `HTTPS_PROXY`/`NO_PROXY` from the
    /// environment.
    pub proxy: ProxySetting,
    /// Hosts reached without a proxy, in `NO_PROXY` syntax (comma-separated
    /// host names, `.suffix` or `*`). Replaces the `NO_PROXY` environment
    /// variable and also applies to [`ProxySetting::Url`]. Default `None`.
    pub no_proxy: Option<String>,
    /// Name of the AD User form and labels of its fields.
    pub form: FormNames,
    /// DNS domain names and their NetBIOS names. Default empty.
    pub domain_aliases: Vec<DomainAlias>,
    /// `ClientType` sent at login. Default `psvault`.
    pub client_type: String,
    /// `ClientVersion` sent at login. Default: this crate's version.
    pub client_version: String,
    /// Maximum size of one response body in bytes; a larger body is an
    /// error. Default 16 MiB.
    pub max_response_bytes: u64,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            url: String::new(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            tls: TlsOptions::default(),
            allow_insecure_http: false,
            proxy: ProxySetting::default(),
            no_proxy: None,
            form: FormNames::default(),
            domain_aliases: Vec::new(),
            client_type: "psvault".to_string(),
            client_version: env!("CARGO_PKG_VERSION").to_string(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

/// Certificate checking options.
///
/// Precedence: when `pin_sha256` is non-empty, the server's end-entity
/// certificate must match one of the pins, and a match alone is enough:
/// chain and host name are not validated, so a self-signed certificate
/// works. Otherwise, `dangerous_skip_certificate_check` disables all
/// checks. Otherwise the operating system's trust store plus the
/// certificates in `ca_file` decide.
#[derive(Clone, Debug, Default)]
pub struct TlsOptions {
    /// PEM file with additional trusted CA certificates. Default none.
    pub ca_file: Option<PathBuf>,
    /// SHA-256 digests of accepted server certificates (DER). Default none.
    pub pin_sha256: Vec<[u8; 32]>,
    /// Accepts any server certificate. Anyone on the network path can then
    /// read the API key and the passwords. Logs a warning on every TLS
    /// handshake. Default `false`.
    pub dangerous_skip_certificate_check: bool,
}

impl TlsOptions {
    /// Parses a certificate pin written as 64 hex digits, optionally
    /// separated by colons or spaces (as `openssl x509 -fingerprint
    /// -sha256` prints it).
    pub fn parse_pin(text: &str) -> Result<[u8; 32], Error> {
        let digits: Vec<u8> = text
            .bytes()
            .filter(|b| !matches!(b, b':' | b' ' | b'-'))
            .collect();
        let invalid = |reason: &str| Error::InvalidConfig {
            setting: "pinSha256",
            reason: format!("'{text}' {reason}. Expected 64 hexadecimal digits"),
        };
        if digits.len() != 64 {
            return Err(invalid("has the wrong length"));
        }
        let mut pin = [0u8; 32];
        for (index, pair) in digits.chunks(2).enumerate() {
            let high = hex_value(pair[0]).ok_or_else(|| invalid("contains a non-hex character"))?;
            let low = hex_value(pair[1]).ok_or_else(|| invalid("contains a non-hex character"))?;
            pin[index] = high << 4 | low;
        }
        Ok(pin)
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Proxy choice for API requests.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum ProxySetting {
    /// `HTTPS_PROXY` (or `https_proxy`, then `ALL_PROXY`/`all_proxy`) for
    /// `https://` URLs, `HTTP_PROXY` (or `http_proxy`, then `ALL_PROXY`)
    /// for `http://` URLs, unless `NO_PROXY`/`no_proxy` lists the host.
    #[default]
    FromEnvironment,
    /// Direct connections, whatever the environment sets.
    None,
    /// This HTTP proxy, for example `http://proxy.example.com:3128`. Only
    /// [`ClientConfig::no_proxy`] can exempt hosts from it.
    Url(String),
}

impl fmt::Debug for ProxySetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxySetting::FromEnvironment => f.write_str("FromEnvironment"),
            ProxySetting::None => f.write_str("None"),
            ProxySetting::Url(url) => f.debug_tuple("Url").field(&redact_userinfo(url)).finish(),
        }
    }
}

/// Replaces `user:password@` in a URL with `***@`, for logs and messages.
///
/// Everything up to the last `@` is hidden, not only up to the first `/`,
/// because a password typed without percent-encoding may contain `/`, `?`
/// or `#`. An `@` in a path or query hides more than needed, which is the
/// safe side.
pub(crate) fn redact_userinfo(url: &str) -> String {
    let scheme_end = url.find("://").map(|i| i + 3).unwrap_or(0);
    let rest = &url[scheme_end..];
    match rest.rfind('@') {
        Some(at) => format!("{}***{}", &url[..scheme_end], &rest[at..]),
        None => url.to_string(),
    }
}

/// Name of the form that AD User entries are created from and the labels
/// of its fields. Names are matched trimmed and case-insensitively.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormNames {
    /// Form name. Default `AD User`.
    pub form: String,
    /// Label of the domain field. Default `Domain`.
    pub domain_field: String,
    /// Label of the user name field; falls back to the first field of
    /// type UserName. Default `Username`.
    pub username_field: String,
    /// Label of the password field; falls back to the first field of type
    /// Password. Default `Password`.
    pub password_field: String,
}

impl Default for FormNames {
    fn default() -> Self {
        FormNames {
            form: "AD User".to_string(),
            domain_field: "Domain".to_string(),
            username_field: "Username".to_string(),
            password_field: "Password".to_string(),
        }
    }
}

/// A DNS domain name and the NetBIOS name of the same domain, such as
/// `corp.example.com` and `CORP`. An entry whose domain field contains either
/// name matches an identity that uses either name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainAlias {
    /// DNS name, for example `corp.example.com`.
    pub dns_name: String,
    /// NetBIOS name, for example `CORP`.
    pub netbios_name: String,
}

impl DomainAlias {
    /// Parses `DNS=NETBIOS`, for example `corp.example.com=CORP`.
    pub fn parse(text: &str) -> Result<DomainAlias, Error> {
        let invalid = |reason: &str| Error::InvalidConfig {
            setting: "domainAliases",
            reason: format!(
                "'{text}' {reason}. Expected DNS=NETBIOS, such as corp.example.com=CORP"
            ),
        };
        let (dns_name, netbios_name) = text.split_once('=').ok_or_else(|| invalid("has no '='"))?;
        let dns_name = dns_name.trim();
        let netbios_name = netbios_name.trim();
        if dns_name.is_empty() || netbios_name.is_empty() {
            return Err(invalid("has an empty side"));
        }
        if netbios_name.contains('=') {
            return Err(invalid("has more than one '='"));
        }
        Ok(DomainAlias {
            dns_name: dns_name.to_string(),
            netbios_name: netbios_name.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_userinfo() {
        let cases = [
            ("http://u:secret@proxy:8080", "http://***@proxy:8080"),
            ("http://u:pa/ss@proxy:8080/", "http://***@proxy:8080/"),
            ("http://u:pa?s#s@proxy", "http://***@proxy"),
            (
                "https://pws.example.com/api/",
                "https://pws.example.com/api/",
            ),
        ];
        for (url, expected) in cases {
            assert_eq!(redact_userinfo(url), expected, "{url}");
        }
    }

    #[test]
    fn pin_parses_colon_separated_hex() {
        let text = "AB:".repeat(31) + "CD";
        let pin = TlsOptions::parse_pin(&text).expect("valid pin");
        assert_eq!(pin[0], 0xab);
        assert_eq!(pin[31], 0xcd);
    }

    #[test]
    fn pin_rejects_short_and_non_hex() {
        assert!(TlsOptions::parse_pin("abcd").is_err());
        assert!(TlsOptions::parse_pin(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn alias_parses_dns_and_netbios() {
        let alias = DomainAlias::parse(" corp.example.com = CORP ").expect("valid alias");
        assert_eq!(alias.dns_name, "corp.example.com");
        assert_eq!(alias.netbios_name, "CORP");
        assert!(DomainAlias::parse("corp").is_err());
        assert!(DomainAlias::parse("=CORP").is_err());
    }

    #[test]
    fn proxy_debug_hides_credentials() {
        let setting = ProxySetting::Url("http://user:secret@proxy:3128/".into());
        let shown = format!("{setting:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("***@proxy:3128"), "{shown}");
    }
}
