//! `psvault check`: key report, login, form, logout.

use crate::support::{shared, start, Setup};

#[test]
fn check_prints_text_report() {
    let run = shared().psvault("nps-ecc/main", &["check"], &[]).run();
    run.expect_code(0);

    let expected_lines = [
        "user:      nps-ecc",
        "database:  e2e",
        "rights:    Read",
        "scopes:    Passwords, Forms",
        "login:     ok",
        "logout:    ok",
    ];
    for line in expected_lines {
        assert!(
            run.stdout.lines().any(|l| l == line),
            "{line}\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout.contains("form:      AD User ("),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Domain, Username, Password"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn check_prints_json_report() {
    let vault = shared();
    let run = vault
        .psvault("nps-rsa/main", &["check"], &["--format", "json"])
        .run();
    run.expect_code(0);
    let report = run.json();

    assert_eq!(report["key"]["user"], "nps-rsa");
    assert_eq!(report["key"]["database"], "e2e");
    assert_eq!(report["key"]["usable"], true);
    assert_eq!(report["url"], vault.url());
    assert_eq!(report["login"], "ok");
    assert_eq!(report["form"]["name"], "AD User");
    assert_eq!(report["form"]["domainField"], "Domain");
    assert_eq!(report["form"]["usernameField"], "Username");
    assert_eq!(report["form"]["passwordField"], "Password");
    assert!(report["form"]["id"].as_str().is_some());
    assert_eq!(report["form"]["checked"], true);
    assert_eq!(report["logout"], "ok");
}

#[test]
fn check_logs_out() {
    let vault = start(Setup::default());
    vault
        .psvault("nps-ecc/main", &["check"], &[])
        .run()
        .expect_code(0);

    assert_eq!(vault.count("AuthenticateApiKey"), 1);
    assert_eq!(vault.count("CloseSession"), 1);
    assert_eq!(vault.sim.closed_sessions(), 1);
    assert_eq!(vault.sim.open_sessions(), 0);
}

#[test]
fn check_warns_when_key_expires_soon() {
    let run = shared().psvault("nps-ecc/soon", &["check"], &[]).run();
    run.expect_code(0);
    assert!(run.stderr.contains("expires in"), "{}", run.stderr);
    assert!(run.stdout.contains("logout:    ok"), "{}", run.stdout);
}

#[test]
fn check_with_expired_key_exits_4() {
    let run = shared().psvault("nps-ecc/expired", &["check"], &[]).run();
    run.expect_code(4);
    assert!(run.stdout.contains("(expired)"), "{}", run.stdout);
    assert!(!run.stdout.contains("login:"), "{}", run.stdout);
}

#[test]
fn check_with_unknown_form_fails() {
    let run = shared()
        .psvault("nps-ecc/main", &["check"], &["--form", "No Such Form"])
        .run();
    run.expect_code(2);
    assert!(run.stderr.contains("No Such Form"), "{}", run.stderr);
    assert!(run.stderr.contains("pass --form"), "{}", run.stderr);
}

#[test]
fn check_works_for_user_without_entries() {
    let run = shared()
        .psvault("outsider/main", &["check"], &["--format", "json"])
        .run();
    run.expect_code(0);
    assert_eq!(run.json()["key"]["user"], "outsider");
}

#[test]
fn check_without_forms_scope_says_form_not_checked() {
    let vault = shared();
    let run = vault
        .psvault("nps-ecc/passwords-only", &["check"], &[])
        .run();
    run.expect_code(0);
    let form_line = run
        .stdout
        .lines()
        .find(|line| line.starts_with("form:"))
        .expect("report has a form line");
    assert!(form_line.contains("not checked"), "{form_line}");
    assert!(form_line.contains("lacks the Forms scope"), "{form_line}");
    assert!(!form_line.contains("id unknown"), "{form_line}");
    assert!(run.stderr.contains("Lookups still work"), "{}", run.stderr);

    let json = vault
        .psvault("nps-ecc/passwords-only", &["check"], &["--format", "json"])
        .run();
    json.expect_code(0);
    let report = json.json();
    assert_eq!(report["form"]["checked"], false);
    assert!(
        report["form"]["fallbackReason"]
            .as_str()
            .is_some_and(|reason| reason.contains("Forms scope")),
        "{report}"
    );

    // The report's promise: lookups work without the Forms scope.
    let get = vault
        .get(
            "nps-ecc/passwords-only",
            &["CORP\\svc_sql", "--format", "password"],
        )
        .run();
    get.expect_code(0);
    assert_eq!(get.stdout, "Sql-Pa55word!");
}
