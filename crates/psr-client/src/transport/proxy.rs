//! Proxy selection from the configuration and the environment.

use ureq::{Proxy, ProxyProtocol};

use crate::config::{redact_userinfo, ProxySetting};
use crate::error::Error;

/// Selects the proxy for requests to `base_url` (already normalised).
///
/// `no_proxy` replaces the `NO_PROXY` environment variable. Loopback hosts
/// are always reached directly from the environment's proxy, because a
/// proxy cannot reach this machine's loopback interface. Only HTTP CONNECT
/// proxies are supported, so a SOCKS proxy is a configuration error.
pub(crate) fn select_proxy(
    setting: &ProxySetting,
    no_proxy: Option<&str>,
    base_url: &str,
    host: &str,
) -> Result<Option<Proxy>, Error> {
    match setting {
        ProxySetting::None => Ok(None),
        ProxySetting::Url(url) => {
            if no_proxy.is_some_and(|list| no_proxy_matches(list, host)) {
                return Ok(None);
            }
            parse_proxy("proxy", url).map(Some)
        }
        ProxySetting::FromEnvironment => {
            if is_loopback(host) {
                return Ok(None);
            }
            let https = base_url.starts_with("https://");
            let names: &[&'static str] = if https {
                &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
            } else {
                &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
            };
            let Some((name, value)) = first_set_variable(names) else {
                return Ok(None);
            };
            let no_proxy = match no_proxy {
                Some(list) => list.to_string(),
                None => std::env::var("NO_PROXY")
                    .or_else(|_| std::env::var("no_proxy"))
                    .unwrap_or_default(),
            };
            if no_proxy_matches(&no_proxy, host) {
                tracing::debug!(host, "NO_PROXY lists the host; connecting directly");
                return Ok(None);
            }
            parse_proxy(name, &value).map(Some)
        }
    }
}

fn first_set_variable(names: &[&'static str]) -> Option<(&'static str, String)> {
    names.iter().find_map(|name| {
        std::env::var(name)
            .ok()
            .filter(|value| !value.trim().is_empty())
            .map(|value| (*name, value))
    })
}

fn parse_proxy(setting: &'static str, value: &str) -> Result<Proxy, Error> {
    let value = value.trim();
    let with_scheme = if value.contains("://") {
        value.to_string()
    } else {
        format!("http://{value}")
    };
    let proxy = Proxy::new(&with_scheme).map_err(|e| Error::InvalidConfig {
        setting,
        reason: format!("cannot use proxy '{}': {e}", redact_userinfo(value)),
    })?;
    if !matches!(proxy.protocol(), ProxyProtocol::Http | ProxyProtocol::Https) {
        return Err(Error::InvalidConfig {
            setting,
            reason: format!(
                "proxy '{}' is a SOCKS proxy; only HTTP proxies are supported",
                redact_userinfo(value)
            ),
        });
    }
    Ok(proxy)
}

fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

/// Tells whether a `NO_PROXY` list names `host`.
///
/// Entries are comma separated. `*` matches every host. `.example.com` and
/// `*.example.com` match subdomains of example.com, and `example.com`
/// matches example.com and its subdomains. A port in an entry is ignored.
pub(crate) fn no_proxy_matches(list: &str, host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    list.split(',')
        .map(|entry| entry.trim().to_ascii_lowercase())
        .filter(|entry| !entry.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let entry = strip_port(&entry);
            let entry = entry.strip_prefix('*').unwrap_or(entry);
            match entry.strip_prefix('.') {
                Some(suffix) => host == suffix || host.ends_with(&format!(".{suffix}")),
                None => host == entry || host.ends_with(&format!(".{entry}")),
            }
        })
}

fn strip_port(entry: &str) -> &str {
    if let Some(rest) = entry.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match entry.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            host
        }
        _ => entry,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_matches_hosts_and_suffixes() {
        let list = "localhost, .corp.example.com,*.lab.test, pws.example.org:443,[::1]";
        assert!(no_proxy_matches(list, "localhost"));
        assert!(no_proxy_matches(list, "a.corp.example.com"));
        assert!(no_proxy_matches(list, "corp.example.com"));
        assert!(no_proxy_matches(list, "x.lab.test"));
        assert!(no_proxy_matches(list, "pws.example.org"));
        assert!(no_proxy_matches(list, "sub.pws.example.org"));
        assert!(no_proxy_matches(list, "::1"));
        assert!(!no_proxy_matches(list, "example.com"));
        assert!(!no_proxy_matches(list, "badpws.example.org"));
        assert!(no_proxy_matches("*", "anything"));
        assert!(!no_proxy_matches("", "anything"));
    }

    #[test]
    fn explicit_proxy_is_used_and_none_disables() {
        let proxy = select_proxy(
            &ProxySetting::Url("proxy.example.com:3128".into()),
            None,
            "https://pws.example.com/api/",
            "pws.example.com",
        )
        .expect("valid proxy")
        .expect("a proxy");
        assert_eq!(proxy.host(), "proxy.example.com");
        assert_eq!(proxy.port(), 3128);
        let none = select_proxy(
            &ProxySetting::None,
            None,
            "https://pws.example.com/api/",
            "pws.example.com",
        )
        .expect("no error");
        assert!(none.is_none());
    }

    #[test]
    fn configured_no_proxy_exempts_explicit_proxy() {
        let result = select_proxy(
            &ProxySetting::Url("proxy.example.com:3128".into()),
            Some("pws.example.com"),
            "https://pws.example.com/api/",
            "pws.example.com",
        );
        assert!(matches!(result, Ok(None)), "{result:?}");
    }

    #[test]
    fn socks_proxy_is_rejected() {
        let result = select_proxy(
            &ProxySetting::Url("socks5://proxy.example.com:1080".into()),
            None,
            "https://pws.example.com/api/",
            "pws.example.com",
        );
        assert!(
            matches!(result, Err(Error::InvalidConfig { .. })),
            "{result:?}"
        );
    }

    /// The only test that sets proxy variables, so no other test observes
    /// them.
    #[test]
    fn environment_proxy_respects_no_proxy() {
        let base = "https://pws.example.com/api/";
        std::env::set_var("HTTPS_PROXY", "proxy.example.com:3128");
        std::env::set_var("NO_PROXY", ".internal.test");
        let proxied = select_proxy(
            &ProxySetting::FromEnvironment,
            None,
            base,
            "pws.example.com",
        );
        let excluded = select_proxy(
            &ProxySetting::FromEnvironment,
            None,
            "https://pws.internal.test/api/",
            "pws.internal.test",
        );
        std::env::remove_var("HTTPS_PROXY");
        std::env::remove_var("NO_PROXY");

        let proxy = proxied.expect("valid proxy").expect("a proxy");
        assert_eq!(proxy.host(), "proxy.example.com");
        assert!(matches!(excluded, Ok(None)), "{excluded:?}");
    }

    #[test]
    fn loopback_hosts_bypass_environment_proxy() {
        let result = select_proxy(
            &ProxySetting::FromEnvironment,
            None,
            "https://127.0.0.1:8443/api/",
            "127.0.0.1",
        );
        assert!(matches!(result, Ok(None)), "{result:?}");
    }
}
