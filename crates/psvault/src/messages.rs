//! Messages for psr_client errors that name the psvault flag or request
//! member to change.
//!
//! psr_client describes a problem in its own terms, such as the setting
//! `caFile` or "pass a non-empty reason". psvault records whether each
//! value came from a flag or from the request on stdin, so it rewrites
//! those messages to name the flag or member that the operator has to
//! change.

use psr_client::{DomainAlias, Error, Identity};

use crate::exit::Failure;
use crate::settings::{Connection, Lookup, LookupSource};

/// A setting that both a flag and a request member can set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    /// `--url` / `url`.
    Url,
    /// `--insecure-allow-http` / `insecureAllowHttp`.
    InsecureAllowHttp,
    /// `--insecure-skip-certificate-check` / `insecureSkipCertificateCheck`.
    InsecureSkipCertificateCheck,
    /// `--ca-file` / `caFile`.
    CaFile,
    /// `--pin-sha256` / `pinSha256`.
    PinSha256,
    /// `--timeout` / `timeoutSec`.
    Timeout,
    /// `--connect-timeout` / `connectTimeoutSec`.
    ConnectTimeout,
    /// `--proxy` or `--no-proxy` / `proxy` or `noProxy`.
    Proxy,
    /// `--form` / `form`.
    Form,
    /// `--domain-field` / `domainField`.
    DomainField,
    /// `--username-field` / `usernameField`.
    UsernameField,
    /// `--password-field` / `passwordField`.
    PasswordField,
    /// `--domain-alias` / `domainAliases`.
    DomainAliases,
}

impl Setting {
    /// Returns the command-line flag.
    pub fn flag(self) -> &'static str {
        match self {
            Setting::Url => "--url",
            Setting::InsecureAllowHttp => "--insecure-allow-http",
            Setting::InsecureSkipCertificateCheck => "--insecure-skip-certificate-check",
            Setting::CaFile => "--ca-file",
            Setting::PinSha256 => "--pin-sha256",
            Setting::Timeout => "--timeout",
            Setting::ConnectTimeout => "--connect-timeout",
            Setting::Proxy => "--proxy",
            Setting::Form => "--form",
            Setting::DomainField => "--domain-field",
            Setting::UsernameField => "--username-field",
            Setting::PasswordField => "--password-field",
            Setting::DomainAliases => "--domain-alias",
        }
    }

    /// Returns the member name in the request on stdin.
    pub fn member(self) -> &'static str {
        match self {
            Setting::Url => "url",
            Setting::InsecureAllowHttp => "insecureAllowHttp",
            Setting::InsecureSkipCertificateCheck => "insecureSkipCertificateCheck",
            Setting::CaFile => "caFile",
            Setting::PinSha256 => "pinSha256",
            Setting::Timeout => "timeoutSec",
            Setting::ConnectTimeout => "connectTimeoutSec",
            Setting::Proxy => "proxy",
            Setting::Form => "form",
            Setting::DomainField => "domainField",
            Setting::UsernameField => "usernameField",
            Setting::PasswordField => "passwordField",
            Setting::DomainAliases => "domainAliases",
        }
    }

    /// Finds the setting that `psr_client::Error::InvalidConfig` names.
    /// Other names, such as the proxy environment variables, stay as
    /// psr_client wrote them.
    fn from_client_name(name: &str) -> Option<Setting> {
        match name {
            "caFile" => Some(Setting::CaFile),
            "pinSha256" => Some(Setting::PinSha256),
            "timeout" => Some(Setting::Timeout),
            "connectTimeout" => Some(Setting::ConnectTimeout),
            "proxy" => Some(Setting::Proxy),
            "domainAliases" => Some(Setting::DomainAliases),
            _ => None,
        }
    }
}

/// The settings whose value came from the request on stdin. The others
/// came from flags, the environment or defaults.
#[derive(Clone, Debug, Default)]
pub struct Origins {
    from_request: Vec<Setting>,
}

impl Origins {
    /// Records that `setting` came from the request when `from_request`
    /// is true.
    pub fn record(&mut self, setting: Setting, from_request: bool) {
        if from_request && !self.from_request.contains(&setting) {
            self.from_request.push(setting);
        }
    }

    /// Tells whether `setting` came from the request.
    pub fn is_from_request(&self, setting: Setting) -> bool {
        self.from_request.contains(&setting)
    }

    /// Returns how a message names `setting`: `--ca-file`, or
    /// `request member "caFile"`.
    pub fn name(&self, setting: Setting) -> String {
        if self.is_from_request(setting) {
            format!("request member \"{}\"", setting.member())
        } else {
            setting.flag().to_owned()
        }
    }

    /// Returns the instruction to give `setting` a new value: `pass
    /// --form with VALUE`, or `set the request member "form" to VALUE`.
    fn instruction(&self, setting: Setting, value: &str) -> String {
        if self.is_from_request(setting) {
            format!("set the request member \"{}\" to {value}", setting.member())
        } else {
            format!("pass {} with {value}", setting.flag())
        }
    }
}

/// Builds the failure for a psr_client error of a run with `connection`
/// and, for lookups, `lookup`. Messages that name a setting name the flag
/// or member that set it; every other message is psr_client's own.
pub fn describe(error: &Error, connection: &Connection, lookup: Option<&Lookup>) -> Failure {
    let mut failure = Failure::client(error);
    if let Some(message) = rewrite(error, connection, lookup) {
        failure.message = message;
    }
    failure
}

fn rewrite(error: &Error, connection: &Connection, lookup: Option<&Lookup>) -> Option<String> {
    let origins = &connection.origins;
    let message = match error {
        Error::InsecureUrl { url } => {
            let switch = if origins.is_from_request(Setting::Url) {
                format!(
                    "set the request member \"{}\" to true",
                    Setting::InsecureAllowHttp.member()
                )
            } else {
                format!("pass {}", Setting::InsecureAllowHttp.flag())
            };
            format!(
                "refusing plain http:// URL '{url}': the API key and the password would \
                 travel unencrypted. Use https://, or {switch} for a local test server only"
            )
        }
        Error::NotTls { url, detail } => {
            let switch = if origins.is_from_request(Setting::Url) {
                format!(
                    "the request member \"{}\" set to true",
                    Setting::InsecureAllowHttp.member()
                )
            } else {
                Setting::InsecureAllowHttp.flag().to_owned()
            };
            format!(
                "{url} does not seem to speak TLS on that port: its reply is not a TLS \
                 handshake ({detail}). Check the port in the URL, or, for a plain-HTTP test \
                 server, use an http:// URL with {switch}"
            )
        }
        Error::InvalidConfig { setting, reason } => {
            let setting = Setting::from_client_name(setting)?;
            format!("invalid {}: {reason}", origins.name(setting))
        }
        Error::FormNotFound {
            form,
            url,
            available,
        } => format!(
            "form '{form}' not found at {url} (forms on the server: {available}). To use \
             another form, {}",
            origins.instruction(
                Setting::Form,
                "the name of the form that AD User entries use"
            )
        ),
        Error::FieldNotFound {
            form,
            field,
            available,
        } => {
            let names = &connection.config.form;
            let setting = if field == &names.domain_field {
                Setting::DomainField
            } else if field == &names.username_field {
                Setting::UsernameField
            } else {
                Setting::PasswordField
            };
            format!(
                "form '{form}' has no field '{field}' (fields: {available}). To use another \
                 field, {}",
                origins.instruction(setting, "the field label used on this server")
            )
        }
        Error::ReasonRequired { entry_id } => {
            let instruction = match lookup.map(|lookup| lookup.source) {
                Some(LookupSource::Request) => {
                    "set the request member \"reason\" to a non-empty audit reason, \
                     or pass --reason TEXT"
                }
                Some(LookupSource::BatchLine) => {
                    "add a non-empty \"reason\" member to this batch line"
                }
                Some(LookupSource::Flags) | None => "pass a non-empty audit reason with --reason",
            };
            format!("entry {entry_id} requires a reason for reading its password: {instruction}")
        }
        _ => return None,
    };
    Some(message)
}

/// Returns advice for a lookup of a DNS-named domain (`user@dns.suffix`)
/// that found nothing and has no `--domain-alias` for that domain:
/// entries often store the NetBIOS name instead.
pub fn alias_advice(
    identity: &Identity,
    aliases: &[DomainAlias],
    source: LookupSource,
) -> Option<String> {
    let domain = identity.domain();
    let is_dns_name = domain.contains('.');
    let has_alias = aliases.iter().any(|alias| {
        alias.dns_name.eq_ignore_ascii_case(domain)
            || alias.netbios_name.eq_ignore_ascii_case(domain)
    });
    if !is_dns_name || has_alias {
        return None;
    }
    let instruction = match source {
        LookupSource::Flags => format!("pass --domain-alias {domain}=NETBIOS"),
        LookupSource::Request | LookupSource::BatchLine => {
            format!("set the request member \"domainAliases\" to [\"{domain}=NETBIOS\"]")
        }
    };
    Some(format!(
        "if the entries store the NetBIOS name of {domain}, {instruction}, \
         with NETBIOS replaced by that name"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_name_flag_or_member() {
        let mut origins = Origins::default();
        origins.record(Setting::CaFile, true);
        origins.record(Setting::Form, false);
        assert_eq!(origins.name(Setting::CaFile), "request member \"caFile\"");
        assert_eq!(origins.name(Setting::Form), "--form");
        assert_eq!(
            origins.instruction(Setting::Form, "a name"),
            "pass --form with a name"
        );
    }

    #[test]
    fn alias_advice_only_for_dns_domains_without_alias() {
        let upn = Identity::parse("svc@corp.example.com").expect("valid identity");
        let advice = alias_advice(&upn, &[], LookupSource::Flags).expect("advice");
        assert!(
            advice.contains("--domain-alias corp.example.com=NETBIOS"),
            "{advice}"
        );
        let alias = DomainAlias {
            dns_name: "Corp.Example.com".into(),
            netbios_name: "CORP".into(),
        };
        assert_eq!(alias_advice(&upn, &[alias], LookupSource::Flags), None);
        let netbios = Identity::parse("CORP\\svc").expect("valid identity");
        assert_eq!(alias_advice(&netbios, &[], LookupSource::Flags), None);
        let advice = alias_advice(&upn, &[], LookupSource::Request).expect("advice");
        assert!(advice.contains("\"domainAliases\""), "{advice}");
    }
}
