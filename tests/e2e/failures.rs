//! Failures and their exit codes: one test at least for each of 0 to 7.

use std::time::{Duration, Instant};

use psr_sim::{Fault, FaultRule};

use crate::support::{closed_port, shared, start, Psvault, Setup};

const KEY: &str = "nps-ecc/main";

#[test]
fn found_exits_0() {
    let run = shared().get(KEY, &["CORP\\svc_sql"]).run();
    run.expect_code(0);
    assert_eq!(run.stderr, "");
}

#[test]
fn not_found_exits_1_with_empty_stdout() {
    let run = shared().get(KEY, &["CORP\\nobody"]).run();
    run.expect_code(1);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("no AD User entry matches"),
        "{}",
        run.stderr
    );
}

#[test]
fn user_without_rights_sees_nothing() {
    let run = shared().get("outsider/main", &["CORP\\svc_sql"]).run();
    run.expect_code(1);
    assert_eq!(run.stdout, "");
}

#[test]
fn unknown_option_exits_2() {
    let run = shared().get(KEY, &["CORP\\svc_sql", "--bogus"]).run();
    run.expect_code(2);
    assert_eq!(run.stdout, "");
}

#[test]
fn ambiguous_match_exits_3() {
    let run = shared()
        .get(KEY, &["CORP\\svc_dup", "--error-format", "json"])
        .run();
    run.expect_code(3);
    assert_eq!(run.stdout, "");
    let record = run.error_record();
    assert_eq!(record["errorId"], "VaultCredentialAmbiguous");
    assert_eq!(record["class"], "ambiguous");
    assert_eq!(record["exitCode"], 3);
}

#[test]
fn expired_key_exits_4() {
    let run = shared()
        .get(
            "nps-ecc/expired",
            &["CORP\\svc_sql", "--error-format", "json"],
        )
        .run();
    run.expect_code(4);
    assert_eq!(run.error_record()["errorId"], "VaultAuthenticationFailed");
}

#[test]
fn sealed_entry_exits_5() {
    let run = shared()
        .get(KEY, &["CORP\\svc_sealed", "--error-format", "json"])
        .run();
    run.expect_code(5);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.error_record()["errorId"],
        "VaultCredentialNotReleasable"
    );
}

#[test]
fn secured_entry_exits_5() {
    let run = shared().get(KEY, &["CORP\\svc_secured"]).run();
    run.expect_code(5);
    assert_eq!(run.stdout, "");
}

#[test]
fn refused_connection_exits_6() {
    let vault = shared();
    let url = format!("https://127.0.0.1:{}/api/", closed_port());
    let run = Psvault::new(vault)
        .args(&[
            "get",
            "CORP\\svc_sql",
            "--url",
            &url,
            "--error-format",
            "json",
        ])
        .env("PSVAULT_API_KEY", &vault.api_key(KEY))
        .run();
    run.expect_code(6);
    assert_eq!(run.error_record()["errorId"], "VaultConnectionFailed");
}

#[test]
fn hanging_server_exits_6_within_timeout() {
    let vault = start(Setup {
        faults: vec![FaultRule::new(Fault::Hang).method("GetContainerList")],
        ..Setup::default()
    });
    let started = Instant::now();
    let run = vault.get(KEY, &["CORP\\svc_sql", "--timeout", "2"]).run();
    run.expect_code(6);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn server_error_exits_7() {
    let vault = start(Setup {
        faults: vec![FaultRule::new(Fault::ServerError { code: 1 }).method("GetContainerList")],
        ..Setup::default()
    });
    let run = vault
        .get(KEY, &["CORP\\svc_sql", "--error-format", "json"])
        .run();
    run.expect_code(7);
    assert_eq!(run.stdout, "");
    let record = run.error_record();
    assert_eq!(record["errorId"], "VaultServerError");
    assert_eq!(record["exitCode"], 7);
}

#[test]
fn session_closes_after_failure() {
    let vault = start(Setup::default());
    vault.get(KEY, &["CORP\\svc_sealed"]).run().expect_code(5);
    assert_eq!(vault.count("CloseSession"), 1);
    assert_eq!(vault.sim.open_sessions(), 0);
}

/// Exception codes of the login calls that reject the key or its user,
/// with a word that the message must contain.
const LOGIN_REJECTIONS: [(i64, &str); 4] = [
    (540_012, "revoked"),
    (251_008, "revoked"),
    (540_024, "deactivated"),
    (510_001, "light user"),
];

#[test]
fn login_rejection_codes_exit_4() {
    for (code, word) in LOGIN_REJECTIONS {
        let vault = start(Setup {
            faults: vec![FaultRule::new(Fault::ServerError { code }).method("AuthenticateApiKey")],
            ..Setup::default()
        });
        let run = vault
            .get(KEY, &["CORP\\svc_sql", "--error-format", "json"])
            .run();
        run.expect_code(4);
        let record = run.error_record();
        assert_eq!(record["errorId"], "VaultAuthenticationFailed", "{code}");
        assert_eq!(record["class"], "authentication", "{code}");
        let message = record["message"].as_str().expect("message");
        assert!(message.contains(&code.to_string()), "{message}");
        assert!(message.contains(word), "{code}: {message}");
        assert!(message.contains("nps-ecc"), "{code}: {message}");
        assert!(
            !run.stderr.contains("API path"),
            "{code}: the /api/ hint belongs to HTML and 404 answers only\n{}",
            run.stderr
        );
    }
}

#[test]
fn key_of_another_server_exits_4() {
    // The simulator rejects a JWT that it did not issue with exception
    // code 540012 (AuthenticationUserDoesNotExist).
    let other = start(Setup::default());
    let run = shared()
        .get("", &["CORP\\svc_sql", "--error-format", "json"])
        .env("PSVAULT_API_KEY", &other.api_key(KEY))
        .run();
    run.expect_code(4);
    let record = run.error_record();
    assert_eq!(record["errorId"], "VaultAuthenticationFailed");
    let message = record["message"].as_str().expect("message");
    assert!(message.contains("540012"), "{message}");
    assert!(message.contains("Create a new API key"), "{message}");
    assert!(!run.stderr.contains("API path"), "{}", run.stderr);
}

#[test]
fn html_answer_hints_at_api_path() {
    let vault = start(Setup {
        faults: vec![FaultRule::new(Fault::Html).method("AuthenticateApiKey")],
        ..Setup::default()
    });
    let run = vault.get(KEY, &["CORP\\svc_sql"]).run();
    run.expect_code(7);
    assert!(run.stderr.contains("/api/"), "{}", run.stderr);
}

#[test]
fn server_error_has_no_api_path_hint() {
    let vault = start(Setup {
        faults: vec![FaultRule::new(Fault::ServerError { code: 1 }).method("GetContainerList")],
        ..Setup::default()
    });
    let run = vault.get(KEY, &["CORP\\svc_sql"]).run();
    run.expect_code(7);
    assert!(!run.stderr.contains("API path"), "{}", run.stderr);
}

#[test]
fn locked_account_names_user_without_server_json() {
    let run = shared()
        .get(
            "locked-out/main",
            &["CORP\\svc_sql", "--error-format", "json"],
        )
        .run();
    run.expect_code(4);
    let record = run.error_record();
    assert_eq!(record["errorId"], "VaultAuthenticationFailed");
    let message = record["message"].as_str().expect("message");
    assert!(message.contains("'locked-out' is locked"), "{message}");
    assert!(message.contains("administrator to unlock"), "{message}");
    assert!(!message.contains('{'), "{message}");
    assert!(record.get("hint").is_none(), "{record}");
    assert!(!run.stderr.contains("key inspect"), "{}", run.stderr);
}

#[test]
fn refused_proxy_is_named() {
    let proxy_port = closed_port();
    let proxy = format!("http://127.0.0.1:{proxy_port}");
    let run = shared()
        .get(KEY, &["CORP\\svc_sql", "--proxy", &proxy])
        .run();
    run.expect_code(6);
    assert!(
        run.stderr
            .contains(&format!("through the proxy 127.0.0.1:{proxy_port}")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--no-proxy"), "{}", run.stderr);
}

#[test]
fn verbose_log_has_no_colour_codes() {
    let run = shared().get(KEY, &["CORP\\svc_sql", "-vv"]).run();
    run.expect_code(0);
    assert!(run.stderr.contains("psvault: debug:"), "{}", run.stderr);
    assert!(
        !run.stderr.contains('\u{1b}'),
        "stderr is not a terminal, so it must not carry ANSI codes: {:?}",
        run.stderr
    );
}

#[test]
fn ambiguous_match_suggests_removing_duplicates() {
    let run = shared().get(KEY, &["CORP\\svc_dup"]).run();
    run.expect_code(3);
    assert!(
        run.stderr.contains("Delete the duplicate entries"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("narrow"), "{}", run.stderr);
}
