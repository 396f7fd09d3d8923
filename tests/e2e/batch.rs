//! `psvault batch`: JSON lines in, one result line per lookup, one login.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;

use crate::support::{shared, start, Setup};

#[test]
fn batch_answers_each_line_in_one_session() {
    let vault = start(Setup::default());
    let input = [
        json!({"identity": "CORP\\svc_sql", "tag": "first"}).to_string(),
        json!({"domain": "CORP", "user": "svc_legacy", "tag": 2}).to_string(),
        String::new(),
        json!({"identity": "CORP\\nobody"}).to_string(),
        json!({"identity": "CORP\\svc_sealed", "tag": {"n": 4}}).to_string(),
        json!({"identity": "CORP\\svc_audited", "reason": "batch reason ✓"}).to_string(),
        "{not json".to_owned(),
        json!({"identity": "CORP\\svc_dup"}).to_string(),
    ]
    .join("\n");

    let run = vault
        .psvault("nps-ecc/main", &["batch"], &[])
        .stdin(input)
        .run();
    run.expect_code(0);
    let lines = run.json_lines();
    assert_eq!(lines.len(), 7, "{}", run.stdout);

    assert_eq!(lines[0]["line"], 1);
    assert_eq!(lines[0]["tag"], "first");
    assert_eq!(lines[0]["status"], "found");
    assert_eq!(lines[0]["exitCode"], 0);
    assert_eq!(lines[0]["password"], "Sql-Pa55word!");
    assert_eq!(lines[0]["database"], "e2e");

    assert_eq!(lines[1]["line"], 2);
    assert_eq!(lines[1]["tag"], 2);
    assert_eq!(lines[1]["password"], "legacy-Pa55");

    assert_eq!(lines[2]["line"], 4);
    assert_eq!(lines[2]["status"], "not_found");
    assert_eq!(lines[2]["exitCode"], 1);
    assert!(lines[2].get("password").is_none());

    assert_eq!(lines[3]["line"], 5);
    assert_eq!(lines[3]["tag"], json!({"n": 4}));
    assert_eq!(lines[3]["status"], "error");
    assert_eq!(lines[3]["exitCode"], 5);
    assert_eq!(lines[3]["errorId"], "VaultCredentialNotReleasable");

    assert_eq!(lines[4]["line"], 6);
    assert_eq!(lines[4]["password"], "audited-Pa55");

    assert_eq!(lines[5]["line"], 7);
    assert_eq!(lines[5]["exitCode"], 2);
    assert_eq!(lines[5]["errorId"], "VaultInvalidInput");

    assert_eq!(lines[6]["line"], 8);
    assert_eq!(lines[6]["exitCode"], 3);
    assert_eq!(lines[6]["errorId"], "VaultCredentialAmbiguous");

    assert_eq!(vault.count("AuthenticateApiKey"), 1);
    assert_eq!(vault.count("AuthenticateUserKeySignatureCredential"), 1);
    assert_eq!(vault.count("CloseSession"), 1);
    assert_eq!(vault.sim.open_sessions(), 0);
    assert!(vault
        .sim
        .logbook()
        .iter()
        .any(|entry| entry.reason == "batch reason ✓"));
}

#[test]
fn batch_line_without_reason_names_member() {
    let input = json!({"identity": "CORP\\svc_audited"}).to_string();
    let run = shared()
        .psvault("nps-ecc/main", &["batch"], &[])
        .stdin(input)
        .run();
    run.expect_code(0);
    let lines = run.json_lines();
    assert_eq!(lines[0]["exitCode"], 2, "{}", run.stdout);
    let message = lines[0]["message"].as_str().expect("message");
    assert!(message.contains("\"reason\" member"), "{message}");
}

#[test]
fn batch_header_line_carries_connection() {
    let vault = shared();
    let header = json!({
        "url": vault.url(),
        "apiKey": vault.api_key("nps-rsa/main"),
        "caFile": vault.ca_path(),
        "format": "json-base64",
    });
    let input = format!(
        "{header}\n{}\n{}\n",
        json!({"identity": "CORP\\svc_sql"}),
        json!({"identity": "CORP\\svc_rsarole"})
    );

    let mut command = crate::support::Psvault::new(vault);
    let run = command.args(&["batch"]).stdin(input).run();
    run.expect_code(0);
    let lines = run.json_lines();
    assert_eq!(lines.len(), 2, "{}", run.stdout);

    let decode = |value: &serde_json::Value| {
        let bytes = STANDARD
            .decode(value.as_str().expect("string"))
            .expect("base64");
        String::from_utf8(bytes).expect("UTF-8")
    };
    assert_eq!(lines[0]["line"], 2);
    assert_eq!(decode(&lines[0]["password"]), "Sql-Pa55word!");
    assert_eq!(decode(&lines[0]["username"]), "svc_sql");
    assert_eq!(lines[0]["user"], "nps-rsa");
    assert_eq!(lines[1]["line"], 3);
    assert_eq!(decode(&lines[1]["password"]), "rsa-role-Pa55");
}

#[test]
fn batch_first_line_may_combine_connection_and_lookup() {
    let vault = shared();
    let first = json!({
        "apiKey": vault.api_key("nps-ecc/main"),
        "identity": "CORP\\svc_role",
        "tag": "combined",
    });
    let run = vault
        .psvault("", &["batch"], &[])
        .stdin(format!("{first}\n"))
        .run();
    run.expect_code(0);
    let lines = run.json_lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["tag"], "combined");
    assert_eq!(lines[0]["password"], "role-Pa55");
}

#[test]
fn batch_rejects_connection_members_after_first_line() {
    let vault = shared();
    let input = format!(
        "{}\n{}\n",
        json!({"identity": "CORP\\svc_sql"}),
        json!({"identity": "CORP\\svc_sql", "url": vault.url()})
    );
    let run = vault
        .psvault("nps-ecc/main", &["batch"], &[])
        .stdin(input)
        .run();
    run.expect_code(0);
    let lines = run.json_lines();
    assert_eq!(lines[0]["status"], "found");
    assert_eq!(lines[1]["status"], "error");
    assert!(lines[1]["message"]
        .as_str()
        .is_some_and(|m| m.contains("\"url\"")));
}

#[test]
fn batch_stops_when_login_fails() {
    let vault = shared();
    let run = vault
        .psvault("nps-ecc/expired", &["batch"], &["--error-format", "json"])
        .stdin(json!({"identity": "CORP\\svc_sql"}).to_string())
        .run();
    run.expect_code(4);
    assert_eq!(run.stdout, "");
    assert_eq!(run.error_record()["errorId"], "VaultAuthenticationFailed");
}

#[test]
fn batch_without_lines_is_invalid_input() {
    let run = shared()
        .psvault("nps-ecc/main", &["batch"], &[])
        .stdin("\n\n")
        .run();
    run.expect_code(2);
}

#[test]
fn batch_rejects_request_flag() {
    let run = shared()
        .psvault("nps-ecc/main", &["batch"], &["--request", "-"])
        .run();
    run.expect_code(2);
}
