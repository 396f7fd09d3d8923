//! `--request -`: every member of the stdin request, precedence over
//! flags and environment, and strict parsing.

use std::time::{Duration, Instant};

use psr_sim::{Fault, FaultRule};
use serde_json::{json, Value};

use crate::support::{closed_port, hex, shared, start, Psvault, Run, Setup, Vault};

/// Runs `psvault get --request -` with `request` on stdin and nothing in
/// the environment.
fn get_request(vault: &Vault, request: &Value, args: &[&str]) -> Run {
    let mut command = Psvault::new(vault);
    command
        .args(&["get", "--request", "-", "--error-format", "json"])
        .args(args)
        .stdin(request.to_string())
        .run()
}

/// Builds the minimal complete request for `identity` with API key `key`.
fn request(vault: &Vault, key: &str, identity: &str) -> Value {
    json!({
        "url": vault.url(),
        "apiKey": vault.api_key(key),
        "identity": identity,
        "caFile": vault.ca_path(),
    })
}

#[test]
fn request_carries_url_key_identity_and_ca() {
    let vault = shared();
    let run = get_request(vault, &request(vault, "nps-ecc/main", "CORP\\svc_sql"), &[]);
    run.expect_code(0);
    assert_eq!(run.json()["password"], "Sql-Pa55word!");
}

#[test]
fn request_takes_domain_and_user() {
    let vault = shared();
    let mut body = request(vault, "nps-ecc/main", "");
    body["identity"] = Value::Null;
    body["domain"] = json!("MÜNCHEN");
    body["user"] = json!("jörg.müller");
    let run = get_request(vault, &body, &[]);
    run.expect_code(0);
    assert_eq!(
        run.json()["password"],
        "Pä$$wörd \"quoted\" \\back\\slash 🔑 ünïcödé"
    );
}

#[test]
fn request_reason_reaches_logbook() {
    let vault = shared();
    let reason = "request reason: Änderung #42 \"quoted\"";
    let mut body = request(vault, "nps-ecc/main", "CORP\\svc_audited");
    body["reason"] = json!(reason);
    get_request(vault, &body, &[]).expect_code(0);
    assert!(vault
        .sim
        .logbook()
        .iter()
        .any(|entry| entry.reason == reason));
}

#[test]
fn request_format_overrides_flag() {
    let vault = shared();
    let mut body = request(vault, "nps-ecc/main", "CORP\\svc_number");
    body["format"] = json!("json-base64");
    let run = get_request(vault, &body, &["--format", "password"]);
    run.expect_code(0);
    assert_eq!(run.json()["password"], "MDAxMjM=");

    body["format"] = json!("password");
    let run = get_request(vault, &body, &[]);
    run.expect_code(0);
    assert_eq!(run.stdout, "00123");
}

#[test]
fn request_overrides_flags_and_environment() {
    let vault = shared();
    let wrong_url = format!("https://127.0.0.1:{}/api/", closed_port());
    let body = request(vault, "nps-ecc/main", "CORP\\svc_sql");
    let mut command = Psvault::new(vault);
    let run = command
        .args(&["get", "--request", "-", "--url", &wrong_url])
        .env("PSVAULT_URL", &wrong_url)
        .env("PSVAULT_API_KEY", &vault.api_key("nps-ecc/expired"))
        .stdin(body.to_string())
        .run();
    run.expect_code(0);
    assert_eq!(run.json()["username"], "svc_sql");
}

#[test]
fn account_in_request_and_flags_is_rejected() {
    let vault = shared();
    let body = request(vault, "nps-ecc/main", "CORP\\svc_sql");
    let run = get_request(vault, &body, &["CORP\\svc_role"]);
    run.expect_code(2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("in one place"), "{}", run.stderr);
}

#[test]
fn request_flags_fill_missing_members() {
    let vault = shared();
    let body = json!({"apiKey": vault.api_key("nps-ecc/main")});
    let ca = vault.ca_path().to_str().expect("UTF-8 path");
    let run = get_request(
        vault,
        &body,
        &["--url", &vault.url(), "--ca-file", ca, "CORP\\svc_role"],
    );
    run.expect_code(0);
    assert_eq!(run.json()["password"], "role-Pa55");
}

#[test]
fn request_insecure_skip_warns() {
    let vault = shared();
    let mut body = request(vault, "nps-ecc/main", "CORP\\svc_sql");
    body["caFile"] = Value::Null;
    body["insecureSkipCertificateCheck"] = json!(true);
    let run = get_request(vault, &body, &[]);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("warning: request member \"insecureSkipCertificateCheck\" is set"),
        "{}",
        run.stderr
    );
}

#[test]
fn request_insecure_allow_http() {
    let vault = start(Setup {
        plain_http: true,
        ..Setup::default()
    });
    let mut body = json!({
        "url": vault.url(),
        "apiKey": vault.api_key("nps-ecc/main"),
        "identity": "CORP\\svc_sql",
    });
    let rejected = get_request(&vault, &body, &[]);
    rejected.expect_code(2);
    assert!(
        rejected
            .stderr
            .contains("set the request member \"insecureAllowHttp\" to true"),
        "{}",
        rejected.stderr
    );

    body["insecureAllowHttp"] = json!(true);
    let allowed = get_request(&vault, &body, &[]);
    allowed.expect_code(0);
    assert!(
        allowed
            .stderr
            .contains("warning: request member \"insecureAllowHttp\" is set"),
        "{}",
        allowed.stderr
    );
    assert!(
        !allowed.stderr.contains("--insecure-allow-http"),
        "{}",
        allowed.stderr
    );
}

#[test]
fn request_https_on_plain_http_names_member() {
    let vault = start(Setup {
        plain_http: true,
        ..Setup::default()
    });
    let url = vault.url().replacen("http://", "https://", 1);
    let body = json!({
        "url": url,
        "apiKey": vault.api_key("nps-ecc/main"),
        "identity": "CORP\\svc_sql",
    });
    let run = get_request(&vault, &body, &[]);
    run.expect_code(6);
    assert!(
        run.stderr.contains("does not seem to speak TLS"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("the request member \"insecureAllowHttp\" set to true"),
        "{}",
        run.stderr
    );
}

#[test]
fn request_ca_file_error_names_member() {
    let vault = shared();
    let mut body = request(vault, "nps-ecc/main", "CORP\\svc_sql");
    body["caFile"] = json!("/nonexistent/ca.pem");
    let run = get_request(vault, &body, &[]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("invalid request member \"caFile\""),
        "{}",
        run.stderr
    );
}

#[test]
fn request_without_reason_names_member() {
    let vault = shared();
    let body = request(vault, "nps-ecc/main", "CORP\\svc_audited");
    let run = get_request(vault, &body, &[]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("request member \"reason\""),
        "{}",
        run.stderr
    );
}

#[test]
fn request_array_is_not_called_invalid_json() {
    let vault = shared();
    let mut command = Psvault::new(vault);
    let run = command.args(&["get", "--request", "-"]).stdin("[1]").run();
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("the request must be a JSON object, found an array"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("not valid JSON"), "{}", run.stderr);
}

#[test]
fn request_pin_as_string_and_array() {
    let vault = shared();
    let pin = hex(&vault.sim.certificate_sha256().expect("certificate"));
    let mut body = request(vault, "nps-ecc/main", "CORP\\svc_sql");
    body["caFile"] = Value::Null;

    body["pinSha256"] = json!(pin);
    get_request(vault, &body, &[]).expect_code(0);

    body["pinSha256"] = json!(["00".repeat(32), pin]);
    get_request(vault, &body, &[]).expect_code(0);

    body["pinSha256"] = json!(["00".repeat(32)]);
    let wrong = get_request(vault, &body, &[]);
    wrong.expect_code(6);
    assert_eq!(wrong.error_record()["errorId"], "VaultConnectionFailed");
}

#[test]
fn request_timeout_bounds_a_hang() {
    let vault = start(Setup {
        faults: vec![FaultRule::new(Fault::Hang).method("GetLegitimateDataRights")],
        ..Setup::default()
    });
    let mut body = request(&vault, "nps-ecc/main", "CORP\\svc_sql");
    body["timeoutSec"] = json!(1.5);
    body["connectTimeoutSec"] = json!(1);
    let started = Instant::now();
    let run = get_request(&vault, &body, &["--timeout", "60"]);
    run.expect_code(6);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn request_timeouts_are_validated() {
    let vault = shared();
    for (member, value) in [
        ("timeoutSec", json!(0)),
        ("timeoutSec", json!("30")),
        ("connectTimeoutSec", json!(-1)),
    ] {
        let mut body = request(vault, "nps-ecc/main", "CORP\\svc_sql");
        body[member] = value;
        let run = get_request(vault, &body, &[]);
        run.expect_code(2);
        assert!(run.stderr.contains(member), "{member}: {}", run.stderr);
    }
}

#[test]
fn request_proxy_is_used() {
    let vault = shared();
    let mut body = request(vault, "nps-ecc/main", "CORP\\svc_sql");
    body["proxy"] = json!(format!("http://127.0.0.1:{}", closed_port()));
    let run = get_request(vault, &body, &[]);
    run.expect_code(6);
}

#[test]
fn request_no_proxy_overrides_proxy_flag() {
    // psr-client never sends loopback traffic through an environment
    // proxy, so the test uses an explicit --proxy, which it does honour.
    let vault = shared();
    let dead_proxy = format!("http://127.0.0.1:{}", closed_port());
    let mut body = request(vault, "nps-ecc/main", "CORP\\svc_sql");

    let proxied = get_request(vault, &body, &["--proxy", &dead_proxy]);
    proxied.expect_code(6);

    body["noProxy"] = json!(true);
    let direct = get_request(vault, &body, &["--proxy", &dead_proxy]);
    direct.expect_code(0);
    assert_eq!(direct.json()["username"], "svc_sql");
}

#[test]
fn request_rejects_proxy_with_no_proxy() {
    let vault = shared();
    let mut body = request(vault, "nps-ecc/main", "CORP\\svc_sql");
    body["proxy"] = json!("http://127.0.0.1:3128");
    body["noProxy"] = json!(true);
    let run = get_request(vault, &body, &[]);
    run.expect_code(2);
}

#[test]
fn request_form_and_field_names() {
    let vault = shared();
    let mut body = request(vault, "nps-ecc/main", "CORP\\svc_lokal");
    body["form"] = json!("AD-Benutzer");
    body["domainField"] = json!("Domäne");
    body["usernameField"] = json!("Benutzername");
    body["passwordField"] = json!("Kennwort");
    let run = get_request(vault, &body, &[]);
    run.expect_code(0);
    assert_eq!(run.json()["password"], "lokal-Pa55");
}

#[test]
fn request_domain_aliases() {
    let vault = shared();
    let mut body = request(vault, "nps-ecc/main", "svc_sql@corp.example.com");
    body["domainAliases"] = json!(["corp.example.com=CORP"]);
    let run = get_request(vault, &body, &[]);
    run.expect_code(0);
    assert_eq!(run.json()["password"], "Sql-Pa55word!");
}

#[test]
fn request_with_bom_is_accepted() {
    let vault = shared();
    let body = request(vault, "nps-ecc/main", "CORP\\svc_sql");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(body.to_string().as_bytes());
    let mut command = Psvault::new(vault);
    let run = command.args(&["get", "--request", "-"]).stdin(bytes).run();
    run.expect_code(0);
}

#[test]
fn request_rejects_unknown_member_by_name() {
    let vault = shared();
    let mut body = request(vault, "nps-ecc/main", "CORP\\svc_sql");
    body["identiy"] = json!("typo");
    let run = get_request(vault, &body, &[]);
    run.expect_code(2);
    let record = run.error_record();
    assert_eq!(record["errorId"], "VaultInvalidInput");
    assert_eq!(record["class"], "invalid_input");
    assert_eq!(record["exitCode"], 2);
    assert!(record["message"]
        .as_str()
        .is_some_and(|m| m.contains("\"identiy\"")));
}

#[test]
fn request_rejects_duplicate_member() {
    let vault = shared();
    let text = format!(
        r#"{{"url":"{0}","url":"{0}","identity":"CORP\\svc_sql"}}"#,
        vault.url()
    );
    let mut command = Psvault::new(vault);
    let run = command
        .args(&["get", "--request", "-"])
        .env("PSVAULT_API_KEY", &vault.api_key("nps-ecc/main"))
        .stdin(text)
        .run();
    run.expect_code(2);
    assert!(
        run.stderr.contains("\"url\" appears more than once"),
        "{}",
        run.stderr
    );
}

#[test]
fn request_names_wrong_type() {
    let vault = shared();
    let mut body = request(vault, "nps-ecc/main", "CORP\\svc_sql");
    body["insecureSkipCertificateCheck"] = json!("yes");
    let run = get_request(vault, &body, &[]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("\"insecureSkipCertificateCheck\" must be true or false, found a string"),
        "{}",
        run.stderr
    );
}

#[test]
fn request_that_is_not_json_is_invalid_input() {
    let vault = shared();
    for input in [
        &b""[..],
        b"{",
        b"[]",
        b"\"just a string\"",
        b"{\"url\":\"a\"}\0",
    ] {
        let mut command = Psvault::new(vault);
        let run = command.args(&["get", "--request", "-"]).stdin(input).run();
        run.expect_code(2);
    }
}

#[test]
fn oversized_request_is_invalid_input() {
    let vault = shared();
    let mut input = b"{\"reason\":\"".to_vec();
    input.resize(2 * 1024 * 1024, b'x');
    let mut command = Psvault::new(vault);
    let run = command.args(&["get", "--request", "-"]).stdin(input).run();
    run.expect_code(2);
    assert!(run.stderr.contains("larger than"), "{}", run.stderr);
}

#[test]
fn auth_failure_in_request_gives_json_record() {
    let vault = shared();
    let run = get_request(
        vault,
        &request(vault, "nps-ecc/expired", "CORP\\svc_sql"),
        &[],
    );
    run.expect_code(4);
    let record = run.error_record();
    assert_eq!(record["errorId"], "VaultAuthenticationFailed");
    assert_eq!(record["class"], "authentication");
    assert_eq!(record["exitCode"], 4);
    assert!(record["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[test]
fn check_accepts_request() {
    let vault = shared();
    let body = json!({
        "url": vault.url(),
        "apiKey": vault.api_key("nps-ecc/main"),
        "caFile": vault.ca_path(),
        "format": "json",
    });
    let mut command = Psvault::new(vault);
    let run = command
        .args(&["check", "--request", "-"])
        .stdin(body.to_string())
        .run();
    run.expect_code(0);
    assert_eq!(run.json()["login"], "ok");
}
