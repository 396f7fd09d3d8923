//! Secret hygiene: the API key and the password stay off argv and stderr,
//! also at the most verbose log level.
//!
//! `support::Psvault::run` already checks every run of the suite; these
//! tests aim the check at the riskiest paths.

use serde_json::json;

use crate::support::{shared, Psvault};

const PASSWORD: &str = "Pä$$wörd \"quoted\" \\back\\slash 🔑 ünïcödé";

#[test]
fn trace_log_has_no_key_or_password() {
    let vault = shared();
    let key = vault.api_key("nps-ecc/main");
    let run = vault
        .get("nps-ecc/main", &["MÜNCHEN\\jörg.müller", "-vv"])
        .run();
    run.expect_code(0);

    assert!(run.stderr.contains("psvault: debug:"), "{}", run.stderr);
    assert!(run.stderr.contains("psvault: trace:"), "{}", run.stderr);
    assert!(!run.stderr.contains(&key));
    for part in key.split(':') {
        assert!(!run.stderr.contains(part));
    }
    assert!(!run.stderr.contains(PASSWORD));
    assert!(!run.stderr.contains("ünïcödé"));
}

#[test]
fn single_v_logs_debug_only() {
    let run = shared()
        .get("nps-ecc/main", &["MÜNCHEN\\jörg.müller", "-v"])
        .run();
    run.expect_code(0);

    assert!(run.stderr.contains("psvault: debug:"), "{}", run.stderr);
    assert!(!run.stderr.contains("psvault: trace:"), "{}", run.stderr);
}

#[test]
fn trace_log_of_failures_has_no_key() {
    let vault = shared();
    for identity in ["CORP\\svc_sealed", "CORP\\svc_dup", "CORP\\nobody"] {
        let run = vault.get("nps-rsa/main", &[identity, "-vv"]).run();
        assert_ne!(run.code, 0, "{identity}");
    }
}

#[test]
fn key_goes_through_environment_not_argv() {
    let vault = shared();
    let command = vault.get("nps-ecc/main", &["CORP\\svc_sql"]);
    let key = vault.api_key("nps-ecc/main");
    for arg in command.argv() {
        assert!(!arg.contains(&key), "{arg}");
    }
}

#[test]
fn key_file_is_passed_by_path() {
    let vault = shared();
    let path = vault.temp_path("get-key.txt");
    std::fs::write(&path, vault.api_key("nps-ecc/main")).expect("key file");

    let mut command = vault.get(
        "",
        &[
            "CORP\\svc_sql",
            "--api-key-file",
            path.to_str().expect("path"),
        ],
    );
    let run = command.run();
    run.expect_code(0);
    assert_eq!(run.json()["password"], "Sql-Pa55word!");
}

#[test]
fn key_file_beats_environment() {
    let vault = shared();
    let path = vault.temp_path("rsa-key.txt");
    std::fs::write(&path, vault.api_key("nps-rsa/main")).expect("key file");

    let run = vault
        .get(
            "nps-ecc/expired",
            &[
                "CORP\\svc_sql",
                "--api-key-file",
                path.to_str().expect("path"),
            ],
        )
        .run();
    run.expect_code(0);
    assert_eq!(run.json()["user"], "nps-rsa");
}

#[test]
fn missing_key_file_is_invalid_input() {
    let run = shared()
        .get("", &["CORP\\svc_sql", "--api-key-file", "/nonexistent/key"])
        .run();
    run.expect_code(2);
    assert!(run.stderr.contains("/nonexistent/key"), "{}", run.stderr);
}

#[test]
fn key_through_stdin_request_stays_off_argv() {
    let vault = shared();
    let body = json!({
        "apiKey": vault.api_key("nps-ecc/main"),
        "identity": "CORP\\svc_sql",
        "url": vault.url(),
        "caFile": vault.ca_path(),
    });
    let mut command = Psvault::new(vault);
    command
        .args(&["get", "--request", "-", "-vv"])
        .stdin(body.to_string());
    let run = command.run();
    run.expect_code(0);
}

#[test]
fn no_option_takes_the_key() {
    let vault = shared();
    for option in ["--api-key", "--key", "--apikey"] {
        let mut command = Psvault::new(vault);
        let run = command
            .args(&["get", "CORP\\svc_sql", option, "placeholder"])
            .run();
        run.expect_code(2);
    }

    let mut command = Psvault::new(vault);
    let help = command.args(&["get", "--help"]).run();
    help.expect_code(0);
    assert!(
        help.stdout.contains("No option takes the API key"),
        "{}",
        help.stdout
    );
}

#[test]
fn malformed_key_text_is_not_echoed() {
    let vault = shared();
    let key = vault.api_key("nps-ecc/main");
    let broken = format!("{key}:extra");
    let run = vault
        .get("", &["CORP\\svc_sql"])
        .env("PSVAULT_API_KEY", &broken)
        .run();
    run.expect_code(2);
    assert!(!run.stderr.contains("extra"), "{}", run.stderr);
}
