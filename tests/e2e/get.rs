//! `psvault get`: output formats, item formats, users and rights.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;

use crate::support::shared;

fn get_json(key: &str, identity: &str) -> Value {
    let run = shared().get(key, &[identity]).run();
    run.expect_code(0);
    run.json()
}

#[test]
fn current_item_prints_credential_json() {
    let credential = get_json("nps-ecc/main", "CORP\\svc_sql");

    let members: Vec<&String> = credential.as_object().expect("object").keys().collect();
    assert_eq!(
        members,
        ["domain", "username", "password", "id", "name", "database", "user"]
    );
    assert_eq!(credential["domain"], "CORP");
    assert_eq!(credential["username"], "svc_sql");
    assert_eq!(credential["password"], "Sql-Pa55word!");
    assert_eq!(credential["name"], "SQL service");
    assert_eq!(credential["database"], "e2e");
    assert_eq!(credential["user"], "nps-ecc");
    assert!(!credential["id"].as_str().expect("id").is_empty());
}

#[test]
fn legacy_item_decrypts_for_ecc_user() {
    let credential = get_json("nps-ecc/main", "CORP\\svc_legacy");
    assert_eq!(credential["password"], "legacy-Pa55");
}

#[test]
fn current_item_decrypts_for_rsa_user() {
    let credential = get_json("nps-rsa/main", "CORP\\svc_sql");
    assert_eq!(credential["password"], "Sql-Pa55word!");
    assert_eq!(credential["user"], "nps-rsa");
}

#[test]
fn legacy_item_decrypts_for_rsa_user() {
    let credential = get_json("nps-rsa/main", "CORP\\svc_legacy");
    assert_eq!(credential["password"], "legacy-Pa55");
}

#[test]
fn ecc_role_right_releases_entry() {
    let credential = get_json("nps-ecc/main", "CORP\\svc_role");
    assert_eq!(credential["password"], "role-Pa55");
}

#[test]
fn rsa_role_right_releases_legacy_entry() {
    let credential = get_json("nps-rsa/main", "CORP\\svc_rsarole");
    assert_eq!(credential["password"], "rsa-role-Pa55");
}

#[test]
fn role_entry_is_hidden_from_non_members() {
    let run = shared().get("nps-rsa/main", &["CORP\\svc_role"]).run();
    run.expect_code(1);
    assert_eq!(run.stdout, "");
}

#[test]
fn password_format_prints_password_only() {
    let run = shared()
        .get("nps-ecc/main", &["CORP\\svc_sql", "--format", "password"])
        .run();
    run.expect_code(0);
    assert_eq!(run.stdout, "Sql-Pa55word!");
}

#[test]
fn unicode_names_and_password_round_trip() {
    let credential = get_json("nps-ecc/main", "MÜNCHEN\\jörg.müller");
    assert_eq!(credential["domain"], "MÜNCHEN");
    assert_eq!(credential["username"], "jörg.müller");
    assert_eq!(
        credential["password"],
        "Pä$$wörd \"quoted\" \\back\\slash 🔑 ünïcödé"
    );
    assert_eq!(credential["name"], "Zürich \"Kasse\" 🔑 C:\\tmp");
}

#[test]
fn unicode_password_format_is_byte_exact() {
    let run = shared()
        .get(
            "nps-ecc/main",
            &["MÜNCHEN\\jörg.müller", "--format", "password"],
        )
        .run();
    run.expect_code(0);
    assert_eq!(
        run.stdout.as_bytes(),
        "Pä$$wörd \"quoted\" \\back\\slash 🔑 ünïcödé".as_bytes()
    );
}

fn decode(value: &Value) -> String {
    let bytes = STANDARD
        .decode(value.as_str().expect("base64 string"))
        .expect("valid base64");
    String::from_utf8(bytes).expect("UTF-8")
}

#[test]
fn json_base64_encodes_text_members() {
    let cases = [
        ("CORP\\svc_date", "2024-01-31T08:00:00Z"),
        ("CORP\\svc_number", "00123"),
        ("CORP\\svc_bool", "true"),
        (
            "MÜNCHEN\\jörg.müller",
            "Pä$$wörd \"quoted\" \\back\\slash 🔑 ünïcödé",
        ),
    ];
    for (identity, password) in cases {
        let run = shared()
            .get("nps-ecc/main", &[identity, "--format", "json-base64"])
            .run();
        run.expect_code(0);
        let credential = run.json();

        assert_eq!(decode(&credential["password"]), password, "{identity}");
        let (domain, user) = identity.split_once('\\').expect("DOMAIN\\user");
        assert_eq!(decode(&credential["domain"]), domain);
        assert_eq!(decode(&credential["username"]), user);
        assert!(!decode(&credential["name"]).is_empty());
        assert!(credential["id"].as_str().is_some_and(|id| id.len() >= 32));
        assert_eq!(credential["database"], "e2e");
        assert_eq!(credential["user"], "nps-ecc");
    }
}

#[test]
fn localized_form_is_found_with_field_flags() {
    let run = shared()
        .get(
            "nps-ecc/main",
            &[
                "CORP\\svc_lokal",
                "--form",
                "AD-Benutzer",
                "--domain-field",
                "Domäne",
                "--username-field",
                "Benutzername",
                "--password-field",
                "Kennwort",
            ],
        )
        .run();
    run.expect_code(0);
    let credential = run.json();
    assert_eq!(credential["password"], "lokal-Pa55");
    assert_eq!(credential["name"], "Lokalisiertes Formular");
}

#[test]
fn reason_reaches_logbook() {
    let vault = shared();
    let reason = "ticket 4711: \"Wartung\" ✓ \\ nightly";
    vault
        .get("nps-ecc/main", &["CORP\\svc_audited", "--reason", reason])
        .run()
        .expect_code(0);

    let entries = vault.sim.logbook();
    let entry = entries
        .iter()
        .find(|entry| entry.reason == reason)
        .expect("logbook has the read with its reason");
    assert_eq!(entry.user, "nps-ecc");
}

#[test]
fn missing_required_reason_is_invalid_input() {
    let run = shared().get("nps-ecc/main", &["CORP\\svc_audited"]).run();
    run.expect_code(2);
    assert!(run.stderr.contains("requires a reason"), "{}", run.stderr);
    assert!(run.stderr.contains("--reason"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
}

#[test]
fn unknown_form_names_form_flag() {
    let run = shared()
        .get("nps-ecc/main", &["CORP\\svc_sql", "--form", "No Such Form"])
        .run();
    run.expect_code(2);
    assert!(run.stderr.contains("'No Such Form'"), "{}", run.stderr);
    assert!(run.stderr.contains("pass --form"), "{}", run.stderr);
}

#[test]
fn invalid_identity_names_domain_and_user_flags() {
    let run = shared().get("nps-ecc/main", &["svc_sql"]).run();
    run.expect_code(2);
    assert!(run.stderr.contains("domain is missing"), "{}", run.stderr);
    assert!(
        run.stderr.contains("--domain DOMAIN --user USER"),
        "{}",
        run.stderr
    );
}

#[test]
fn dns_domain_without_alias_suggests_alias() {
    let run = shared()
        .get("nps-ecc/main", &["svc_sql@corp.example.com"])
        .run();
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("--domain-alias corp.example.com=NETBIOS"),
        "{}",
        run.stderr
    );

    let netbios = shared().get("nps-ecc/main", &["CORP\\nobody"]).run();
    netbios.expect_code(1);
    assert!(
        !netbios.stderr.contains("--domain-alias"),
        "{}",
        netbios.stderr
    );
}
