//! `psvault key inspect` and keys that cannot read passwords.

use crate::support::shared;

fn inspect(key: &str, args: &[&str]) -> crate::support::Run {
    shared().psvault(key, &["key", "inspect"], args).run()
}

#[test]
fn inspect_prints_claims_in_text() {
    let run = inspect("nps-ecc/main", &[]);
    run.expect_code(0);

    assert!(
        run.stdout.contains("user:      nps-ecc\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("database:  e2e\n"), "{}", run.stdout);
    assert!(
        run.stdout.contains("expires:   2099-01-01T00:00:00Z ("),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("rights:    Read\n"), "{}", run.stdout);
    assert!(
        run.stdout.contains("scopes:    Passwords, Forms\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("issued:    20"), "{}", run.stdout);
}

#[test]
fn inspect_prints_claims_in_json() {
    let run = inspect("nps-ecc/main", &["--format", "json"]);
    run.expect_code(0);
    let report = run.json();

    assert_eq!(report["user"], "nps-ecc");
    assert_eq!(report["database"], "e2e");
    assert_eq!(report["expiresAt"], "2099-01-01T00:00:00Z");
    assert!(report["issuedAt"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    assert!(report["daysLeft"].as_i64().is_some_and(|days| days > 365));
    assert_eq!(report["rights"], "Read");
    assert_eq!(report["scopes"], "Passwords, Forms");
    assert_eq!(report["expired"], false);
    assert_eq!(report["usable"], true);
}

#[test]
fn inspect_never_prints_jwt_or_private_key() {
    let vault = shared();
    let key = vault.api_key("nps-ecc/main");
    let (jwt, private_key) = key.split_once(':').expect("JWT:key");

    for format in ["text", "json"] {
        let run = inspect("nps-ecc/main", &["--format", format]);
        run.expect_code(0);
        assert!(!run.stdout.contains(jwt), "{format}");
        assert!(!run.stdout.contains(private_key), "{format}");
        let payload = jwt.split('.').nth(1).expect("JWT payload");
        assert!(!run.stdout.contains(payload), "{format}");
    }
}

#[test]
fn inspect_reads_key_file() {
    let vault = shared();
    let path = vault.temp_path("inspect-key.txt");
    std::fs::write(&path, format!("{}\r\n", vault.api_key("nps-rsa/main"))).expect("key file");

    let run = inspect("", &["--api-key-file", path.to_str().expect("UTF-8 path")]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("user:      nps-rsa\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn inspect_reads_key_from_request() {
    let vault = shared();
    let request = serde_json::json!({
        "apiKey": vault.api_key("nps-ecc/main"),
        "format": "json",
    });
    let run = vault
        .psvault("", &["key", "inspect"], &["--request", "-"])
        .stdin(request.to_string())
        .run();
    run.expect_code(0);
    assert_eq!(run.json()["user"], "nps-ecc");
}

#[test]
fn expired_key_is_reported_and_exits_4() {
    let run = inspect("nps-ecc/expired", &[]);
    run.expect_code(4);
    assert!(run.stdout.contains("(expired)"), "{}", run.stdout);
    assert!(
        run.stderr.contains("expired at 2020-01-01T00:00:00Z"),
        "{}",
        run.stderr
    );
}

#[test]
fn key_without_passwords_scope_exits_4() {
    let run = inspect("nps-ecc/forms-only", &[]);
    run.expect_code(4);
    assert!(run.stderr.contains("Passwords scope"), "{}", run.stderr);
}

#[test]
fn key_without_read_right_exits_4() {
    let run = inspect("nps-ecc/audit", &[]);
    run.expect_code(4);
    assert!(
        run.stderr.contains("lacks the Read access right"),
        "{}",
        run.stderr
    );
}

#[test]
fn key_expiring_soon_warns() {
    let run = inspect("nps-ecc/soon", &[]);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("warning: the API key of user nps-ecc expires in"),
        "{}",
        run.stderr
    );
}

#[test]
fn quiet_silences_expiry_warning() {
    let run = inspect("nps-ecc/soon", &["-q"]);
    run.expect_code(0);
    assert_eq!(run.stderr, "");
}

#[test]
fn get_with_expired_key_exits_4() {
    let run = shared().get("nps-ecc/expired", &["CORP\\svc_sql"]).run();
    run.expect_code(4);
    assert_eq!(run.stdout, "");
}

#[test]
fn get_with_under_scoped_keys_exits_4() {
    for key in ["nps-ecc/forms-only", "nps-ecc/audit"] {
        let run = shared().get(key, &["CORP\\svc_sql"]).run();
        run.expect_code(4);
        assert_eq!(run.stdout, "", "{key}");
    }
}

#[test]
fn malformed_key_is_invalid_input() {
    let vault = shared();
    let run = vault
        .get("", &["CORP\\svc_sql"])
        .env("PSVAULT_API_KEY", "not-a-key-SECRETMARKER")
        .run();
    run.expect_code(2);
    assert!(
        run.stderr.contains("PSVAULT_API_KEY is malformed"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("SECRETMARKER"), "{}", run.stderr);
}

#[test]
fn missing_key_is_invalid_input() {
    let run = shared().get("", &["CORP\\svc_sql"]).run();
    run.expect_code(2);
    assert!(run.stderr.contains("no API key given"), "{}", run.stderr);
}

#[test]
fn malformed_key_message_says_malformed_once() {
    let run = shared()
        .get("", &["CORP\\svc_sql"])
        .env("PSVAULT_API_KEY", "no-separator-here")
        .run();
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("PSVAULT_API_KEY is malformed: missing ':'"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.matches("malformed").count(), 1, "{}", run.stderr);
}

#[test]
fn expired_key_message_is_the_same_everywhere() {
    let key = "nps-ecc/expired";
    let vault = shared();
    let first_line = |run: &crate::support::Run| {
        run.stderr
            .lines()
            .next()
            .expect("stderr has a message")
            .to_owned()
    };
    let get = vault.get(key, &["CORP\\svc_sql"]).run();
    get.expect_code(4);
    let inspect = inspect(key, &[]);
    inspect.expect_code(4);
    let check = vault.psvault(key, &["check"], &[]).run();
    check.expect_code(4);

    let message = first_line(&get);
    assert!(
        message.contains("expired at 2020-01-01T00:00:00Z"),
        "{message}"
    );
    assert_eq!(first_line(&inspect), message);
    assert_eq!(first_line(&check), message);
}
