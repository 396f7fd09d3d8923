//! TLS: the generated CA, certificate pins, the insecure switches.

use crate::support::{hex, shared, start, Psvault, Setup, Vault};

const KEY: &str = "nps-ecc/main";

/// `psvault get CORP\svc_sql` without `--ca-file`.
fn get_without_ca(vault: &Vault, args: &[&str]) -> Psvault {
    let mut run = Psvault::new(vault);
    run.args(&["get", "CORP\\svc_sql", "--format", "password"])
        .args(args)
        .env("PSVAULT_URL", &vault.url())
        .env("PSVAULT_API_KEY", &vault.api_key(KEY));
    run
}

#[test]
fn generated_ca_file_is_trusted() {
    let vault = shared();
    assert!(vault.url().starts_with("https://"), "{}", vault.url());
    let run = vault.get(KEY, &["CORP\\svc_sql"]).run();
    run.expect_code(0);
}

#[test]
fn untrusted_certificate_is_connection_failure() {
    let run = get_without_ca(shared(), &[]).run();
    run.expect_code(6);
    assert_eq!(run.stdout, "");
}

#[test]
fn matching_pin_is_accepted() {
    let vault = shared();
    let digest = vault.sim.certificate_sha256().expect("TLS certificate");
    let run = get_without_ca(vault, &["--pin-sha256", &hex(&digest)]).run();
    run.expect_code(0);
    assert_eq!(run.stdout, "Sql-Pa55word!");
}

#[test]
fn pin_with_colons_is_accepted() {
    let vault = shared();
    let digest = vault.sim.certificate_sha256().expect("TLS certificate");
    let pin: Vec<String> = digest.iter().map(|b| format!("{b:02X}")).collect();
    let run = get_without_ca(vault, &["--pin-sha256", &pin.join(":")]).run();
    run.expect_code(0);
}

#[test]
fn wrong_pin_is_connection_failure() {
    let vault = shared();
    let run = get_without_ca(vault, &["--pin-sha256", &"ab".repeat(32)]).run();
    run.expect_code(6);
    assert_eq!(run.stdout, "");

    let ca = vault.ca_path().to_str().expect("UTF-8 path");
    let with_ca = get_without_ca(vault, &["--ca-file", ca, "--pin-sha256", &"cd".repeat(32)]).run();
    with_ca.expect_code(6);
}

#[test]
fn malformed_pin_is_usage_error() {
    let run = get_without_ca(shared(), &["--pin-sha256", "abc"]).run();
    run.expect_code(2);
}

#[test]
fn insecure_switch_skips_check_and_warns() {
    let run = get_without_ca(shared(), &["--insecure-skip-certificate-check"]).run();
    run.expect_code(0);
    assert_eq!(run.stdout, "Sql-Pa55word!");
    assert!(
        run.stderr
            .contains("warning: --insecure-skip-certificate-check is set"),
        "{}",
        run.stderr
    );
}

#[test]
fn quiet_keeps_insecure_warning() {
    let run = get_without_ca(shared(), &["--insecure-skip-certificate-check", "-q"]).run();
    run.expect_code(0);
    assert!(
        run.stderr.contains("--insecure-skip-certificate-check"),
        "{}",
        run.stderr
    );
}

#[test]
fn missing_ca_file_is_invalid_input() {
    let run = get_without_ca(shared(), &["--ca-file", "/nonexistent/ca.pem"]).run();
    run.expect_code(2);
    assert!(run.stderr.contains("/nonexistent/ca.pem"), "{}", run.stderr);
}

#[test]
fn plain_http_needs_insecure_switch() {
    let vault = start(Setup {
        plain_http: true,
        ..Setup::default()
    });
    assert!(vault.url().starts_with("http://"), "{}", vault.url());

    let rejected = get_without_ca(&vault, &[]).run();
    rejected.expect_code(2);

    let allowed = get_without_ca(&vault, &["--insecure-allow-http"]).run();
    allowed.expect_code(0);
    assert_eq!(allowed.stdout, "Sql-Pa55word!");
    assert!(
        allowed
            .stderr
            .contains("warning: --insecure-allow-http is set"),
        "{}",
        allowed.stderr
    );
}

#[test]
fn plain_http_refusal_names_the_switch() {
    let vault = start(Setup {
        plain_http: true,
        ..Setup::default()
    });
    let run = get_without_ca(&vault, &[]).run();
    run.expect_code(2);
    assert!(
        run.stderr.contains("pass --insecure-allow-http"),
        "{}",
        run.stderr
    );
}

#[test]
fn ca_file_errors_name_the_flag() {
    let vault = shared();
    let missing = get_without_ca(vault, &["--ca-file", "/nonexistent/ca.pem"]).run();
    missing.expect_code(2);
    assert!(
        missing.stderr.contains("invalid --ca-file"),
        "{}",
        missing.stderr
    );

    let not_pem = vault.temp_path("not-a-certificate.pem");
    std::fs::write(&not_pem, "no certificate here\n").expect("file written");
    let path = not_pem.to_str().expect("UTF-8 path");
    let run = get_without_ca(vault, &["--ca-file", path]).run();
    run.expect_code(2);
    assert!(run.stderr.contains("invalid --ca-file"), "{}", run.stderr);
    assert!(!run.stderr.contains("caFile"), "{}", run.stderr);
}

#[test]
fn quiet_keeps_both_insecure_warnings() {
    let vault = start(Setup {
        plain_http: true,
        ..Setup::default()
    });
    let run = get_without_ca(
        &vault,
        &[
            "-q",
            "--insecure-allow-http",
            "--insecure-skip-certificate-check",
        ],
    )
    .run();
    run.expect_code(0);
    assert!(
        run.stderr.contains("warning: --insecure-allow-http is set"),
        "{}",
        run.stderr
    );

    let secure = get_without_ca(shared(), &["-q", "--insecure-skip-certificate-check"]).run();
    secure.expect_code(0);
    assert!(
        secure
            .stderr
            .contains("warning: --insecure-skip-certificate-check is set"),
        "{}",
        secure.stderr
    );
}
