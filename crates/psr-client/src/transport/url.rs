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
/// fragments, ports outside 1 to 65535 and URLs without a host. Errors
/// show the URL with its user information replaced by `***`.
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
    Ok(normalized)
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
