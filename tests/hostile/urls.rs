//! Hostile base URLs. Every URL here either fails validation (exit 2) or
//! points at a loopback address, so no case sends traffic elsewhere.

use crate::support::{http_vault, run_table, tls_vault, Psvault, ECC_KEY};

/// A password inside a URL's user information; it must never be echoed.
const URL_PASSWORD: &str = "Url-Userinfo-S3cret";

struct Case {
    name: &'static str,
    url: String,
    extra: &'static [&'static str],
    exit: i32,
    names: Vec<String>,
}

fn case(name: &'static str, url: impl Into<String>, exit: i32, names: &[&str]) -> Case {
    Case {
        name,
        url: url.into(),
        extra: &[],
        exit,
        names: names.iter().map(|n| (*n).to_owned()).collect(),
    }
}

fn cases() -> Vec<Case> {
    let vault = tls_vault();
    let port = vault.sim.port();
    let api = format!("127.0.0.1:{port}/api/");
    let mut insecure = case(
        "http with switch",
        format!("http://{api}"),
        7,
        &[
            "--insecure-allow-http is set",
            "is malformed",
            "use an https:// URL if the server expects TLS",
        ],
    );
    insecure.extra = &["--insecure-allow-http"];
    vec![
        // psvault requires https:// and does not add a missing scheme.
        case(
            "no scheme",
            api.clone(),
            2,
            &["no scheme", &api, "https://pws.example.com/api/"],
        ),
        case("surrounding spaces", format!("  https://{api} \t"), 0, &[]),
        case(
            "http without switch",
            format!("http://{api}"),
            2,
            &["refusing plain http:// URL", "127.0.0.1"],
        ),
        insecure,
        case(
            "space in host",
            format!("https://127.0 .0.1:{port}/api/"),
            2,
            &["invalid API URL", "127.0 .0.1"],
        ),
        case(
            "userinfo with password",
            format!("https://admin:{URL_PASSWORD}@{api}"),
            2,
            &["credentials in the URL", "127.0.0.1"],
        ),
        case(
            "http userinfo",
            format!("http://admin:{URL_PASSWORD}@{api}"),
            2,
            &["127.0.0.1"],
        ),
        case(
            "userinfo without password",
            format!("https://admin@{api}"),
            2,
            &["credentials in the URL"],
        ),
        case(
            "fragment",
            format!("https://{api}#top"),
            2,
            &["query or fragment", "#top"],
        ),
        case(
            "query",
            format!("https://{api}?x=1"),
            2,
            &["query or fragment", "?x=1"],
        ),
        case(
            "ftp",
            format!("ftp://{api}"),
            2,
            &["only https://", "ftp://"],
        ),
        case("file", "file:///etc/passwd", 2, &["only https://"]),
        case("no host", "https:///api/", 2, &["no host name"]),
        case("empty", "", 2, &["no server URL given"]),
        case("blank", "   ", 2, &["no server URL given"]),
        case(
            "line break",
            format!("https://127.0.0.1\n.evil:{port}/api/"),
            2,
            &["127.0.0.1\\n.evil"],
        ),
        case("bad port", "https://127.0.0.1:99999/api/", 2, &["99999"]),
        case("port zero", "https://127.0.0.1:0/api/", 2, &["port '0'"]),
        case(
            "port with plus sign",
            "https://127.0.0.1:+443/api/",
            2,
            &["port '+443'"],
        ),
        case(
            "short IPv4 host",
            format!("https://127.1:{port}/api/"),
            2,
            &["host '127.1'", "Write it as 127.0.0.1"],
        ),
        case(
            "integer IPv4 host",
            format!("https://2130706433:{port}/api/"),
            2,
            &["host '2130706433'", "Write it as 127.0.0.1"],
        ),
        case("scheme only", "https://", 2, &["invalid API URL"]),
        case(
            "port not a number",
            "https://127.0.0.1:alert(1)/api/",
            2,
            &["127.0.0.1:alert(1)", "port"],
        ),
        case(
            "port without scheme",
            "127.0.0.1:alert(1)/api/",
            2,
            &["127.0.0.1:alert(1)", "no scheme"],
        ),
    ]
}

fn check(case: &Case) -> Result<(), String> {
    let vault = tls_vault();
    let pin = vault.pin.clone().unwrap_or_default();
    let names: Vec<&str> = case.names.iter().map(String::as_str).collect();
    let run = Psvault::new(["get", "CORP\\svc_current", "--timeout", "10"])
        .args(["--url", &case.url, "--pin-sha256", &pin])
        .args(case.extra)
        .env("PSVAULT_API_KEY", vault.api_key(ECC_KEY))
        .secrets(vault.secrets())
        .secrets([URL_PASSWORD])
        .expect(case.exit, &names)?;
    if run.stderr.contains('\n') && run.stderr.lines().any(|l| !l.starts_with("psvault: ")) {
        return Err("a stderr line does not start with \"psvault: \"".to_owned());
    }
    Ok(())
}

#[test]
fn hostile_url_table() {
    let cases = cases();
    run_table(&cases, |case| case.name.to_owned(), check);
}

/// A proxy URL with a password must not be echoed either.
#[test]
fn proxy_password_not_echoed() {
    let vault = tls_vault();
    let result = Psvault::new(["get", "CORP\\svc_current", "--timeout", "5"])
        .args(vault.connection_args())
        .args([
            "--proxy",
            &format!("socks5://user:{URL_PASSWORD}@127.0.0.1:1"),
        ])
        .env("PSVAULT_API_KEY", vault.api_key(ECC_KEY))
        .secrets([URL_PASSWORD])
        .expect(2, &["SOCKS", "127.0.0.1"]);
    if let Err(message) = result {
        panic!("{message}");
    }
}

/// An https:// URL on the port of a plain-HTTP server is a connection
/// failure whose message points at the port, not at the CA.
#[test]
fn https_url_on_plain_http_port() {
    let vault = http_vault();
    let url = format!("https://127.0.0.1:{}/api/", vault.sim.port());
    let run = Psvault::new(["get", "CORP\\svc_current", "--timeout", "10"])
        .args(["--url", &url])
        .env("PSVAULT_API_KEY", vault.api_key(ECC_KEY))
        .secrets(vault.secrets())
        .expect(
            6,
            &[
                &url,
                "does not seem to speak TLS on that port",
                "http:// URL with --insecure-allow-http",
            ],
        )
        .unwrap_or_else(|message| panic!("{message}"));
    assert!(!run.stderr.contains("issuing CA"), "{}", run.stderr);
    assert!(!run.stderr.contains("hint:"), "{}", run.stderr);
}
