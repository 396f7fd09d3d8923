//! Normalisation of the configured base URL.

use ureq::http::Uri;

use crate::config::redact_userinfo;
use crate::error::Error;

/// Normalises a base URL: trims it and ends it with exactly one `/`, so
/// that `<base>Auth/...` keeps every path segment of the base.
///
/// Rejects a URL without a scheme, because the client requires https://
/// and does not guess it. Also rejects `http://` unless
/// `allow_insecure_http` is set, other schemes, user information, queries,
/// fragments, ports outside 1 to 65535, URLs without a host and numeric
/// hosts other than dotted-quad IPv4 addresses. Errors show the URL with
/// its user information replaced by `***`.
pub(crate) fn normalize_base_url(url: &str, allow_insecure_http: bool) -> Result<String, Error> {
    let invalid = |reason: &str| Error::InvalidUrl {
        url: redact_userinfo(url),
        reason: reason.to_string(),
    };
    let trimmed = url.trim();
    if trimmed.is_empty() {
        return Err(invalid("the URL is empty"));
    }

    let (scheme, rest) = split_scheme(trimmed);
    let scheme = match scheme.map(|s| s.to_ascii_lowercase()) {
        None => return Err(invalid("it has no scheme, and only https:// is accepted")),
        Some(s) if s == "https" => s,
        Some(s) if s == "http" => {
            if !allow_insecure_http {
                return Err(Error::InsecureUrl {
                    url: redact_userinfo(url),
                });
            }
            s
        }
        Some(_) => return Err(invalid("only https:// URLs are supported")),
    };

    if rest.contains('?') || rest.contains('#') {
        return Err(invalid("a base URL cannot have a query or fragment"));
    }
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.contains('@') {
        return Err(invalid("credentials in the URL are not supported"));
    }
    if authority.is_empty() {
        return Err(invalid("the URL has no host name"));
    }

    let normalized = format!("{scheme}://{}/", rest.trim_end_matches('/'));
    let uri: Uri = normalized
        .parse()
        .map_err(|e| invalid(&format!("cannot parse it ({e})")))?;
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid("the URL has no host name"));
    }
    // `Uri` accepts any text after the host's colon and then reports no
    // port, so "host:99999" would silently connect to the default port.
    // It also reads "+443" as port 443, because it parses with `u16`.
    let after_host = authority.rsplit(']').next().unwrap_or_default();
    if let Some((_, port)) = after_host.rsplit_once(':') {
        let digits_only = !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
        if !digits_only || uri.port_u16().is_none_or(|number| number == 0) {
            return Err(invalid(&format!(
                "the port '{port}' is not a number from 1 to 65535"
            )));
        }
    }
    if let Some(host) = uri.host() {
        check_numeric_host(host).map_err(|reason| invalid(&reason))?;
    }
    Ok(normalized)
}

/// Rejects a host that is an IPv4 address in a form other than four
/// decimal numbers, such as `127.1`, `2130706433` or `0x7f.0.0.1`.
///
/// A DNS name cannot end in an all-numeric label, so the system resolver
/// reads such a host as an IPv4 address, while TLS accepts only the
/// dotted-quad form as an IP address. The error gives the address in
/// that form where the host parses as `inet_aton` reads it.
fn check_numeric_host(host: &str) -> Result<(), String> {
    let last_label = host
        .strip_suffix('.')
        .unwrap_or(host)
        .rsplit('.')
        .next()
        .unwrap_or_default();
    if !is_ipv4_number(last_label) || host.parse::<std::net::Ipv4Addr>().is_ok() {
        return Ok(());
    }
    let suggestion = match legacy_ipv4(host.strip_suffix('.').unwrap_or(host)) {
        Some(address) => format!("Write it as {address}"),
        None => "Write an IPv4 address as four decimal numbers, such as 127.0.0.1".to_string(),
    };
    Err(format!(
        "the host '{host}' ends in a number but is not an IPv4 address in dotted-decimal \
         form (four numbers from 0 to 255). {suggestion}"
    ))
}

/// Tells whether a host label is a number as `inet_aton` reads it:
/// decimal digits, or `0x` followed by hexadecimal digits.
fn is_ipv4_number(label: &str) -> bool {
    let hex = label
        .strip_prefix("0x")
        .or_else(|| label.strip_prefix("0X"));
    match hex {
        Some(digits) => digits.bytes().all(|b| b.is_ascii_hexdigit()),
        None => !label.is_empty() && label.bytes().all(|b| b.is_ascii_digit()),
    }
}

/// Parses an IPv4 address as `inet_aton` does: one to four numbers, where
/// the last number fills the remaining bytes. Returns `None` for anything
/// else, including a trailing dot.
fn legacy_ipv4(host: &str) -> Option<std::net::Ipv4Addr> {
    let parts: Vec<&str> = host.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let numbers = parts
        .iter()
        .map(|part| inet_number(part))
        .collect::<Option<Vec<u32>>>()?;
    let (last, leading) = numbers.split_last()?;
    if leading.iter().any(|number| *number > 255) {
        return None;
    }
    let last_bits = 8 * (4 - leading.len() as u32);
    if last_bits < 32 && *last >= 1 << last_bits {
        return None;
    }
    let mut address = *last;
    for (index, number) in leading.iter().enumerate() {
        address |= number << (24 - 8 * index as u32);
    }
    Some(std::net::Ipv4Addr::from(address))
}

/// Parses one number of an `inet_aton` address: hexadecimal after `0x`,
/// octal after a leading `0`, decimal otherwise.
fn inet_number(part: &str) -> Option<u32> {
    if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
        return u32::from_str_radix(hex, 16).ok();
    }
    if part.len() > 1 && part.starts_with('0') {
        return u32::from_str_radix(&part[1..], 8).ok();
    }
    part.parse().ok()
}

/// Splits `scheme://rest` into the scheme and the rest; a string without
/// `://` has no scheme.
fn split_scheme(url: &str) -> (Option<&str>, &str) {
    match url.find("://") {
        Some(index) => (Some(&url[..index]), &url[index + 3..]),
        None => (None, url),
    }
}

/// Returns the host of a normalised base URL, without IPv6 brackets and in
/// lower case.
pub(crate) fn host_of(base_url: &str) -> String {
    let host = base_url
        .parse::<Uri>()
        .ok()
        .and_then(|uri| uri.host().map(str::to_string))
        .unwrap_or_default();
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_gets_one_trailing_slash() {
        let cases = [
            (
                "https://pws.example.com/api",
                "https://pws.example.com/api/",
            ),
            (
                "https://pws.example.com/api///",
                "https://pws.example.com/api/",
            ),
            (
                "  https://pws.example.com/api/ ",
                "https://pws.example.com/api/",
            ),
            ("HTTPS://pws.example.com", "https://pws.example.com/"),
            ("https://[::1]:8443/api", "https://[::1]:8443/api/"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize_base_url(input, false).expect(input), expected);
        }
    }

    #[test]
    fn url_without_scheme_is_rejected() {
        for input in [
            "pws.example.com/api",
            "127.0.0.1:8443/api/",
            "pws.example.com",
        ] {
            let error = normalize_base_url(input, false).unwrap_err();
            assert!(
                matches!(error, Error::InvalidUrl { .. }),
                "{input}: {error}"
            );
            let message = error.to_string();
            assert!(message.contains(input), "{message}");
            assert!(message.contains("no scheme"), "{message}");
            assert!(
                message.contains("https://pws.example.com/api/"),
                "{message}"
            );
        }
    }

    #[test]
    fn plain_http_needs_the_insecure_switch() {
        let error = normalize_base_url("http://127.0.0.1:8080/api", false).unwrap_err();
        assert!(matches!(error, Error::InsecureUrl { .. }), "{error}");
        let url = normalize_base_url("http://127.0.0.1:8080/api", true).expect("allowed");
        assert_eq!(url, "http://127.0.0.1:8080/api/");
    }

    #[test]
    fn malformed_base_urls_are_rejected() {
        for input in [
            "",
            "ftp://pws.example.com/",
            "https:///api",
            "https://pws.example.com/api?x=1",
            "https://pws.example.com/api#top",
            "https://user:pw@pws.example.com/api",
            "https://pws example.com/api",
            "https://pws.example.com:99999/api",
            "https://pws.example.com:https/api",
            "javascript:alert(1)",
        ] {
            let result = normalize_base_url(input, false);
            assert!(
                matches!(result, Err(Error::InvalidUrl { .. })),
                "{input}: {result:?}"
            );
        }
    }

    #[test]
    fn port_zero_and_signed_port_rejected() {
        for (input, port) in [
            ("https://127.0.0.1:0/api/", "'0'"),
            ("https://127.0.0.1:+443/api/", "'+443'"),
            ("https://127.0.0.1:00/api/", "'00'"),
            ("https://[::1]:+8443/api/", "'+8443'"),
            ("https://127.0.0.1:/api/", "''"),
        ] {
            let error = normalize_base_url(input, false).unwrap_err();
            assert!(
                matches!(error, Error::InvalidUrl { .. }),
                "{input}: {error}"
            );
            let message = error.to_string();
            assert!(message.contains(&format!("port {port}")), "{message}");
            assert!(message.contains("from 1 to 65535"), "{message}");
        }
        let url = normalize_base_url("https://127.0.0.1:1/api", false).expect("port 1");
        assert_eq!(url, "https://127.0.0.1:1/api/");
        let url = normalize_base_url("https://127.0.0.1:65535/api", false).expect("port 65535");
        assert_eq!(url, "https://127.0.0.1:65535/api/");
    }

    #[test]
    fn short_numeric_hosts_rejected() {
        for (input, host, address) in [
            ("https://127.1/api/", "127.1", Some("127.0.0.1")),
            ("https://2130706433/api/", "2130706433", Some("127.0.0.1")),
            (
                "https://0x7f.0.0.1:8443/api/",
                "0x7f.0.0.1",
                Some("127.0.0.1"),
            ),
            ("https://127.0.0.01/api/", "127.0.0.01", Some("127.0.0.1")),
            ("https://10.1.256/api/", "10.1.256", Some("10.1.1.0")),
            ("http://127.0.0.1./api/", "127.0.0.1.", Some("127.0.0.1")),
            ("https://1.2.3.4.5/api/", "1.2.3.4.5", None),
            ("https://127.0.0.08/api/", "127.0.0.08", None),
            ("https://256.0.0.1/api/", "256.0.0.1", None),
            ("https://pws.123/api/", "pws.123", None),
        ] {
            let error = normalize_base_url(input, true).unwrap_err();
            assert!(
                matches!(error, Error::InvalidUrl { .. }),
                "{input}: {error}"
            );
            let message = error.to_string();
            assert!(message.contains(&format!("host '{host}'")), "{message}");
            assert!(message.contains("dotted-decimal"), "{message}");
            let suggestion = match address {
                Some(address) => format!("Write it as {address}"),
                None => "such as 127.0.0.1".to_string(),
            };
            assert!(message.contains(&suggestion), "{message}");
            assert!(!message.contains("CA"), "{message}");
        }
    }

    #[test]
    fn names_with_digits_accepted() {
        for input in [
            "https://127.0.0.1/api/",
            "https://10.0.0.1:8443/api/",
            "https://pws01.example.com/api/",
            "https://123.example.com/api/",
            "https://pws.example.com./api/",
            "https://[::1]/api/",
            "https://[::ffff:127.0.0.1]/api/",
        ] {
            assert_eq!(normalize_base_url(input, false).expect(input), input);
        }
    }

    #[test]
    fn errors_hide_the_url_password() {
        for (input, insecure) in [
            ("https://user:hunter2@pws.example.com/api", false),
            ("http://user:hunter2@pws.example.com/api", false),
            ("http://user:hunter2@pws.example.com/api", true),
        ] {
            let error = normalize_base_url(input, insecure).unwrap_err();
            assert!(!error.to_string().contains("hunter2"), "{error}");
            assert!(error.to_string().contains("pws.example.com"), "{error}");
        }
    }

    #[test]
    fn host_strips_brackets_and_case() {
        assert_eq!(host_of("https://[::1]:8443/api/"), "::1");
        assert_eq!(host_of("https://PWS.Example.com/api/"), "pws.example.com");
    }
}
