//! End-to-end tests of lookups against a mockito server: happy paths for
//! RSA and ECC users and every failure the client must report.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::*;
use mockito::Matcher;
use psr_client::{
    lookup, ClientConfig, DomainAlias, Error, ErrorClass, Identity, ProxySetting, Session,
};
use serde_json::json;

const REASON: &str = "integration test";

fn identity(text: &str) -> Identity {
    Identity::parse(text).expect("valid identity")
}

fn run(vault: &Vault) -> Result<Option<psr_client::Credential>, Error> {
    run_with(vault, &vault.config(), "CORP\\svc-backup")
}

fn run_with(
    vault: &Vault,
    config: &ClientConfig,
    who: &str,
) -> Result<Option<psr_client::Credential>, Error> {
    lookup(config, &vault.account.api_key(), &identity(who), REASON)
}

#[test]
fn ecc_user_gets_password() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let mocks = happy_path(&mut vault, PASSWORD.as_bytes());

    let credential = run(&vault).expect("lookup succeeds").expect("entry found");

    assert_eq!(credential.password.expose_secret(), PASSWORD);
    assert_eq!(credential.id, entry_id(1));
    assert_eq!(credential.domain, "CORP");
    assert_eq!(credential.username, "svc-backup");
    assert_eq!(credential.name, "Entry 1");
    mocks.assert();
}

#[test]
fn rsa_user_gets_password() {
    let mut vault = Vault::new(KeyKind::Rsa);
    let mocks = happy_path(&mut vault, PASSWORD.as_bytes());

    let credential = run(&vault).expect("lookup succeeds").expect("entry found");

    assert_eq!(credential.password.expose_secret(), PASSWORD);
    mocks.assert();
}

#[test]
fn secret_request_carries_reason() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _mocks = happy_path(&mut vault, PASSWORD.as_bytes());

    run(&vault).expect("lookup succeeds");

    let bodies = vault.seen_bodies.lock().expect("lock").clone();
    let secret_request = bodies
        .iter()
        .find(|body| body.contains("\"itemId\""))
        .expect("secret request sent");
    let secret_request: serde_json::Value =
        serde_json::from_str(secret_request).expect("JSON body");
    assert_eq!(secret_request["itemId"], json!(password_item_id(1)));
    assert_eq!(secret_request["reason"], json!(REASON));
}

#[test]
fn search_fills_default_filter() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _mocks = happy_path(&mut vault, PASSWORD.as_bytes());

    run(&vault).expect("lookup succeeds");

    let bodies = vault.seen_bodies.lock().expect("lock").clone();
    let list_request = bodies
        .iter()
        .find(|body| body.contains("\"containerType\":0,\"filter\""))
        .expect("password list request sent");
    let list_request: serde_json::Value = serde_json::from_str(list_request).expect("JSON");
    let search = &list_request["filter"]["FilterGroups"][0]["SearchList"][0];
    assert_eq!(search["Search"], json!("svc-backup"));
    assert_eq!(search["FilterActive"], json!(true));
    assert!(list_request["filter"]["FilterGroups"][0]
        .get("Expanded")
        .is_some());
    assert!(list_request.get("behaviours").is_none());
}

#[test]
fn short_user_name_leaves_search_inactive() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _login = vault.mock_login();
    let _forms = vault.mock_forms();
    let _filter = vault.mock_password_filter(0);
    let _list = vault.mock_password_list(json!([container(1, "CORP", "sa")]));
    let _rights = vault.mock_rights(json!([right(
        &password_item_id(1),
        &vault.account.user_id,
        &vault.account.user.public_key,
        &ITEM_KEY
    )]));
    let _secret = vault.mock_secret(secret_item(&password_item_id(1), &ITEM_KEY, b"pw"));
    let _close = vault.mock_close();

    let credential = run_with(&vault, &vault.config(), "CORP\\sa")
        .expect("lookup succeeds")
        .expect("entry found");

    assert_eq!(credential.password.expose_secret(), "pw");
    let bodies = vault.seen_bodies.lock().expect("lock").clone();
    let list_request = bodies
        .iter()
        .find(|body| body.contains("\"containerType\":0,\"filter\""))
        .expect("password list request sent");
    let list_request: serde_json::Value = serde_json::from_str(list_request).expect("JSON");
    let search = &list_request["filter"]["FilterGroups"][0]["SearchList"][0];
    assert_eq!(search["FilterActive"], json!(false));
    assert_eq!(search["Search"], json!(""));
}

#[test]
fn upn_identity_matches_netbios_entry_via_alias() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let mocks = happy_path(&mut vault, PASSWORD.as_bytes());
    let mut config = vault.config();
    config.domain_aliases = vec![DomainAlias::parse("corp.example.com=CORP").expect("alias")];

    let credential = run_with(&vault, &config, "SVC-BACKUP@corp.example.com")
        .expect("lookup succeeds")
        .expect("entry found");

    assert_eq!(credential.id, entry_id(1));
    mocks.assert();
}

#[test]
fn every_response_with_bom_parses() {
    let mut vault = Vault::new(KeyKind::Ecc);
    vault.bom = true;
    let mocks = happy_path(&mut vault, PASSWORD.as_bytes());

    let credential = run(&vault).expect("lookup succeeds").expect("entry found");

    assert_eq!(credential.password.expose_secret(), PASSWORD);
    mocks.assert();
}

#[test]
fn secret_keeps_leading_bom() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _mocks = happy_path(&mut vault, "\u{feff}pw".as_bytes());

    let credential = run(&vault).expect("lookup succeeds").expect("entry found");

    assert_eq!(credential.password.expose_secret(), "\u{feff}pw");
}

#[test]
fn paging_continues_until_short_page() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _login = vault.mock_login();
    let _forms = vault.mock_forms();
    let _filter = vault.mock_password_filter(2);
    let page0 = vault
        .web_service("GetContainerList")
        .match_body(Matcher::PartialJson(
            json!({"containerType": 0, "filter": {"Page": 0}}),
        ))
        .with_body(
            json!([container(1, "CORP", "x-one"), container(2, "CORP", "x-two")]).to_string(),
        )
        .expect(1)
        .create();
    let page1 = vault
        .web_service("GetContainerList")
        .match_body(Matcher::PartialJson(
            json!({"containerType": 0, "filter": {"Page": 1}}),
        ))
        .with_body(json!([container(3, "CORP", "svc-backup")]).to_string())
        .expect(1)
        .create();
    let _rights = vault.mock_rights(json!([right(
        &password_item_id(3),
        &vault.account.user_id,
        &vault.account.user.public_key,
        &ITEM_KEY
    )]));
    let _secret = vault.mock_secret(secret_item(&password_item_id(3), &ITEM_KEY, b"paged"));
    let _close = vault.mock_close();

    let credential = run(&vault).expect("lookup succeeds").expect("entry found");

    assert_eq!(credential.id, entry_id(3));
    page0.assert();
    page1.assert();
}

#[test]
fn forms_forbidden_falls_back_to_form_name() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _login = vault.mock_login();
    let forms_filter = vault
        .web_service("GetContainerListFilter")
        .match_body(Matcher::PartialJson(json!({"containerType": 1})))
        .with_status(403)
        .create();
    let _filter = vault.mock_password_filter(0);
    let mut unlinked = container(1, "CORP", "svc-backup");
    unlinked["BaseContainerId"] = json!(null);
    for item in unlinked["Items"].as_array_mut().expect("items") {
        item["BaseContainerItemId"] = json!(null);
    }
    let _list = vault.mock_password_list(json!([unlinked]));
    let _rights = vault.mock_rights(json!([right(
        &password_item_id(1),
        &vault.account.user_id,
        &vault.account.user.public_key,
        &ITEM_KEY
    )]));
    let _secret = vault.mock_secret(secret_item(&password_item_id(1), &ITEM_KEY, b"fallback"));
    let _close = vault.mock_close();

    let credential = run(&vault).expect("lookup succeeds").expect("entry found");

    assert_eq!(credential.password.expose_secret(), "fallback");
    forms_filter.assert();
}

#[test]
fn no_match_returns_none_without_secret_calls() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _login = vault.mock_login();
    let _forms = vault.mock_forms();
    let _filter = vault.mock_password_filter(0);
    let _list = vault.mock_password_list(json!([container(2, "CORP", "svc-backup2")]));
    let rights = vault.mock_rights(json!([])).expect(0);
    let close = vault.mock_close();

    let result = run(&vault).expect("lookup succeeds");

    assert!(result.is_none());
    rights.assert();
    close.assert();
}

#[test]
fn empty_list_body_returns_none() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _login = vault.mock_login();
    let _forms = vault.mock_forms();
    let _filter = vault.mock_password_filter(0);
    let _list = vault
        .web_service("GetContainerList")
        .match_body(Matcher::PartialJson(json!({"containerType": 0})))
        .with_body("")
        .create();
    let _close = vault.mock_close();

    assert!(run(&vault).expect("lookup succeeds").is_none());
}

#[test]
fn two_matches_are_ambiguous() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _login = vault.mock_login();
    let _forms = vault.mock_forms();
    let _filter = vault.mock_password_filter(0);
    let _list = vault.mock_password_list(json!([
        container(1, "CORP", "svc-backup"),
        container(2, "corp", "SVC-BACKUP "),
    ]));
    let rights = vault.mock_rights(json!([])).expect(0);
    let close = vault.mock_close();

    let error = run(&vault).expect_err("ambiguous");

    match &error {
        Error::Ambiguous { entry_ids, .. } => {
            assert_eq!(entry_ids, &vec![entry_id(1), entry_id(2)]);
        }
        other => panic!("expected Ambiguous, got {other:?}"),
    }
    assert_eq!(error.class(), ErrorClass::Ambiguous);
    rights.assert();
    close.assert();
}

/// Installs login, forms and the search returning entry 1.
fn search_finds_entry_one(vault: &mut Vault) {
    let login = vault.mock_login();
    let forms = vault.mock_forms();
    let filter = vault.mock_password_filter(0);
    let list = vault.mock_password_list(json!([container(1, "CORP", "svc-backup")]));
    std::mem::forget((login, forms, filter, list));
}

#[test]
fn sealed_entry_is_not_releasable() {
    let mut vault = Vault::new(KeyKind::Ecc);
    search_finds_entry_one(&mut vault);
    let mut sealed = right(
        &password_item_id(1),
        &vault.account.user_id,
        &vault.account.user.public_key,
        &ITEM_KEY,
    );
    sealed["SealId"] = json!("99999999-9999-9999-9999-999999999999");
    let _rights = vault.mock_rights(json!([sealed]));
    let secret = vault.mock_secret(json!({})).expect(0);
    let close = vault.mock_close();

    let error = run(&vault).expect_err("sealed");

    assert!(
        matches!(error, Error::Sealed { ref entry_id } if *entry_id == common::entry_id(1)),
        "{error:?}"
    );
    assert_eq!(error.class(), ErrorClass::NotReleasable);
    secret.assert();
    close.assert();
}

#[test]
fn foreign_right_only_is_no_key() {
    let mut vault = Vault::new(KeyKind::Ecc);
    search_finds_entry_one(&mut vault);
    let stranger = psr_crypto::generate_ecc_key_pair();
    let _rights = vault.mock_rights(json!([right(
        &password_item_id(1),
        "88888888-8888-8888-8888-888888888888",
        &stranger.public_key,
        &ITEM_KEY
    )]));
    let secret = vault.mock_secret(json!({})).expect(0);
    let _close = vault.mock_close();

    let error = run(&vault).expect_err("no key");

    assert!(matches!(error, Error::NoKey { .. }), "{error:?}");
    assert!(error.to_string().contains(&entry_id(1)), "{error}");
    secret.assert();
}

#[test]
fn secured_right_is_not_revealed() {
    let mut vault = Vault::new(KeyKind::Ecc);
    search_finds_entry_one(&mut vault);
    let mut secured = right(
        &password_item_id(1),
        &vault.account.role_id,
        &vault.account.role.public_key,
        &ITEM_KEY,
    );
    secured["SecuredData"] = json!(true);
    let _rights = vault.mock_rights(json!([secured]));
    let secret = vault.mock_secret(json!({})).expect(0);
    let _close = vault.mock_close();

    let error = run(&vault).expect_err("secured");

    assert!(matches!(error, Error::Secured { .. }), "{error:?}");
    assert_eq!(error.class(), ErrorClass::NotReleasable);
    secret.assert();
}

#[test]
fn invalid_utf8_secret_names_entry() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _mocks = happy_path(&mut vault, b"abc\xff\xfe");

    let error = run(&vault).expect_err("invalid UTF-8");

    assert!(
        matches!(error, Error::InvalidUtf8Secret { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains(&entry_id(1)), "{error}");
}

#[test]
fn reason_required_without_reason_fails_early() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _login = vault.mock_login();
    let _forms = vault.mock_forms();
    let _filter = vault.mock_password_filter(0);
    let mut entry = container(1, "CORP", "svc-backup");
    entry["Items"][3]["SecretValueRequiredReason"] = json!(true);
    let _list = vault.mock_password_list(json!([entry]));
    let rights = vault.mock_rights(json!([])).expect(0);
    let _close = vault.mock_close();

    let error = lookup(
        &vault.config(),
        &vault.account.api_key(),
        &identity("CORP\\svc-backup"),
        "  ",
    )
    .expect_err("reason required");

    assert!(matches!(error, Error::ReasonRequired { .. }), "{error:?}");
    assert_eq!(error.class(), ErrorClass::InvalidInput);
    rights.assert();
}

#[test]
fn login_401_is_authentication_error() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _step1 = vault
        .server
        .mock("POST", path("AuthenticateApiKey").as_str())
        .with_status(401)
        .create();
    let close = vault
        .server
        .mock("GET", path("CloseSession").as_str())
        .expect(0)
        .create();

    let error = run(&vault).expect_err("unauthorized");

    assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
    assert_eq!(error.class(), ErrorClass::Authentication);
    assert!(
        error.to_string().contains("/api/Auth/AuthenticateApiKey"),
        "{error}"
    );
    close.assert();
}

#[test]
fn list_403_is_forbidden() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _login = vault.mock_login();
    let _forms = vault.mock_forms();
    let _filter = vault.mock_password_filter(0);
    let _list = vault
        .web_service("GetContainerList")
        .match_body(Matcher::PartialJson(json!({"containerType": 0})))
        .with_status(403)
        .create();
    let close = vault.mock_close();

    let error = run(&vault).expect_err("forbidden");

    assert!(matches!(error, Error::Forbidden { .. }), "{error:?}");
    close.assert();
}

#[test]
fn server_error_500_reports_code_and_message() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _login = vault.mock_login();
    let _forms = vault.mock_forms();
    let _filter = vault.mock_password_filter(0);
    let _list = vault
        .web_service("GetContainerList")
        .match_body(Matcher::PartialJson(json!({"containerType": 0})))
        .with_status(500)
        .with_body(r#"{"ExceptionCode":550000,"Message":"The content filter requires at least 3 characters.","txt":"x"}"#)
        .create();
    let close = vault.mock_close();

    let error = run(&vault).expect_err("server error");

    match &error {
        Error::ServerError { code, message, .. } => {
            assert_eq!(*code, Some(550000));
            assert_eq!(
                message.as_deref(),
                Some("The content filter requires at least 3 characters.")
            );
        }
        other => panic!("expected ServerError, got {other:?}"),
    }
    assert_eq!(error.class(), ErrorClass::Server);
    close.assert();
}

#[test]
fn session_lost_500_is_session_invalid() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _login = vault.mock_login();
    let _forms = vault.mock_forms();
    let _filter = vault.mock_password_filter(0);
    let _list = vault
        .web_service("GetContainerList")
        .match_body(Matcher::PartialJson(json!({"containerType": 0})))
        .with_status(500)
        .with_body(r#"{"ExceptionCode":110002,"message":"Session lost"}"#)
        .create();
    let _close = vault.mock_close();

    let error = run(&vault).expect_err("session invalid");

    assert!(
        matches!(error, Error::SessionInvalid { code: 110002, .. }),
        "{error:?}"
    );
    assert_eq!(error.class(), ErrorClass::Authentication);
}

#[test]
fn secret_no_key_code_is_no_key() {
    let mut vault = Vault::new(KeyKind::Ecc);
    search_finds_entry_one(&mut vault);
    let _rights = vault.mock_rights(json!([right(
        &password_item_id(1),
        &vault.account.user_id,
        &vault.account.user.public_key,
        &ITEM_KEY
    )]));
    let _secret = vault
        .web_service("GetContainerItemWithSecretValue")
        .with_status(500)
        .with_body(r#"{"ExceptionCode":30011,"Message":"No right key available for this item."}"#)
        .create();
    let _close = vault.mock_close();

    let error = run(&vault).expect_err("no key");

    assert!(matches!(error, Error::NoKey { .. }), "{error:?}");
}

#[test]
fn bad_gateway_once_is_retried() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let failing = vault
        .web_service("GetContainerList")
        .match_body(Matcher::PartialJson(json!({"containerType": 0})))
        .with_status(502)
        .expect(1)
        .create();
    let mocks = happy_path(&mut vault, PASSWORD.as_bytes());

    let credential = run(&vault).expect("lookup succeeds").expect("entry found");

    assert_eq!(credential.password.expose_secret(), PASSWORD);
    failing.assert();
    mocks.assert();
}

#[test]
fn bad_gateway_retries_are_bounded() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _login = vault.mock_login();
    let _forms = vault.mock_forms();
    let _filter = vault.mock_password_filter(0);
    let failing = vault
        .web_service("GetContainerList")
        .match_body(Matcher::PartialJson(json!({"containerType": 0})))
        .with_status(503)
        .expect(3)
        .create();
    let close = vault.mock_close();

    let error = run(&vault).expect_err("unavailable");

    assert!(
        matches!(error, Error::ServerUnavailable { status: 503, .. }),
        "{error:?}"
    );
    failing.assert();
    close.assert();
}

#[test]
fn secret_read_is_never_retried() {
    let mut vault = Vault::new(KeyKind::Ecc);
    search_finds_entry_one(&mut vault);
    let _rights = vault.mock_rights(json!([right(
        &password_item_id(1),
        &vault.account.user_id,
        &vault.account.user.public_key,
        &ITEM_KEY
    )]));
    let secret = vault
        .web_service("GetContainerItemWithSecretValue")
        .with_status(502)
        .expect(1)
        .create();
    let _close = vault.mock_close();

    let error = run(&vault).expect_err("bad gateway");

    assert!(
        matches!(error, Error::ServerUnavailable { status: 502, .. }),
        "{error:?}"
    );
    secret.assert();
}

#[test]
fn login_is_never_retried() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let step1 = vault
        .server
        .mock("POST", path("AuthenticateApiKey").as_str())
        .with_status(502)
        .expect(1)
        .create();

    let error = run(&vault).expect_err("bad gateway");

    assert!(
        matches!(error, Error::ServerUnavailable { .. }),
        "{error:?}"
    );
    step1.assert();
}

#[test]
fn html_page_hints_at_api_path() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _step1 = vault
        .server
        .mock("POST", path("AuthenticateApiKey").as_str())
        .with_header("content-type", "text/html")
        .with_body("<!DOCTYPE html><html><body>Password Secure</body></html>")
        .create();

    let error = run(&vault).expect_err("HTML");

    assert!(
        matches!(error, Error::NotJson { html: true, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("/api/"), "{error}");
}

#[test]
fn truncated_json_is_invalid_json() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _login = vault.mock_login();
    let _forms = vault.mock_forms();
    let _filter = vault.mock_password_filter(0);
    let full = json!([container(1, "CORP", "svc-backup")]).to_string();
    let _list = vault
        .web_service("GetContainerList")
        .match_body(Matcher::PartialJson(json!({"containerType": 0})))
        .with_body(&full[..full.len() / 2])
        .create();
    let _close = vault.mock_close();

    let error = run(&vault).expect_err("truncated");

    assert!(matches!(error, Error::InvalidJson { .. }), "{error:?}");
    assert!(error.to_string().contains("GetContainerList"), "{error}");
}

#[test]
fn unknown_login_type_is_rejected() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _step1 = vault.mock_step1(json!({
        "$type": "PsrAuthenticationObjectLib.Authentication.PossibleAuthCredentialRequirements, PsrAuthenticationObjectLib"
    }));

    let error = run(&vault).expect_err("unexpected type");

    match &error {
        Error::UnexpectedAuthenticationResult { type_name, .. } => {
            assert!(type_name.contains("PossibleAuthCredentialRequirements"));
        }
        other => panic!("expected UnexpectedAuthenticationResult, got {other:?}"),
    }
}

#[test]
fn locked_account_is_reported() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _step1 = vault.mock_step1(json!({
        "$type": "PsrAuthenticationObjectLib.Authentication.AuthenticationResultLoginFailed, PsrAuthenticationObjectLib",
        "LoginLock": {"Reason": "TooManyAttempts", "LockedUntilUtc": "2030-01-01T00:00:00Z"}
    }));

    let error = run(&vault).expect_err("locked");

    assert!(matches!(error, Error::LoginLocked { .. }), "{error:?}");
    assert_eq!(error.class(), ErrorClass::Authentication);
    let message = error.to_string();
    assert!(message.contains("is locked"), "{message}");
    assert!(message.contains("unlock"), "{message}");
    assert!(!message.contains("TooManyAttempts"), "{message}");
    assert!(!message.contains("LockedUntilUtc"), "{message}");
}

#[test]
fn login_exception_540012_is_authentication_error() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _step1 = vault
        .server
        .mock("POST", path("AuthenticateApiKey").as_str())
        .with_status(500)
        .with_body(r#"{"ExceptionCode":540012,"Message":"User does not exist"}"#)
        .create();

    let error = run(&vault).expect_err("unknown user");

    match &error {
        Error::AccountRejected { code, .. } => assert_eq!(*code, 540012),
        other => panic!("expected AccountRejected, got {other:?}"),
    }
    assert_eq!(error.class(), ErrorClass::Authentication);
    let message = error.to_string();
    assert!(message.contains("revoked"), "{message}");
    assert!(message.contains("Create a new API key"), "{message}");
    assert!(!message.contains("/api/ "), "{message}");
}

#[test]
fn login_step2_exception_540024_is_authentication_error() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _step1 = vault.mock_step1(vault.requirement(1));
    let _step2 = vault
        .server
        .mock(
            "POST",
            path("AuthenticateUserKeySignatureCredential").as_str(),
        )
        .with_status(500)
        .with_body(r#"{"ExceptionCode":540024}"#)
        .create();

    let error = run(&vault).expect_err("deactivated user");

    assert!(
        matches!(error, Error::AccountRejected { code: 540024, .. }),
        "{error:?}"
    );
    assert_eq!(error.class(), ErrorClass::Authentication);
    assert!(error.to_string().contains("deactivated"), "{error}");
}

#[test]
fn refused_login_is_reported() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _step1 = vault.mock_step1(json!({
        "$type": "PsrAuthenticationObjectLib.Authentication.AuthenticationResultLoginFailed, PsrAuthenticationObjectLib"
    }));

    let error = run(&vault).expect_err("refused");

    assert!(matches!(error, Error::LoginRejected { .. }), "{error:?}");
}

#[test]
fn foreign_user_key_is_unusable() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let mut requirement = vault.requirement(1);
    let stranger = psr_crypto::generate_ecc_key_pair();
    requirement["UserKey"] = json!(encrypt_to(
        &stranger.public_key,
        vault.account.user.private_key.expose_secret()
    ));
    let _step1 = vault.mock_step1(requirement);

    let error = run(&vault).expect_err("undecryptable user key");

    assert!(matches!(error, Error::UserKeyUnusable { .. }), "{error:?}");
}

#[test]
fn oversized_body_is_rejected() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _login = vault.mock_login();
    let _forms = vault.mock_forms();
    let _filter = vault.mock_password_filter(0);
    let many: Vec<_> = (1..=40).map(|n| container(n, "CORP", "someone")).collect();
    let _list = vault.mock_password_list(json!(many));
    let close = vault.mock_close();
    let mut config = vault.config();
    config.max_response_bytes = 16 * 1024;

    let error = run_with(&vault, &config, "CORP\\svc-backup").expect_err("too large");

    assert!(
        matches!(error, Error::ResponseTooLarge { limit: 16384, .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("maximum of 16384 bytes"), "{message}");
    assert!(
        message.contains("not a normal Password Secure API response"),
        "{message}"
    );
    assert!(!message.contains("Raise"), "{message}");
    close.assert();
}

#[test]
fn slow_server_stops_at_deadline() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _login = vault.mock_login();
    let _forms = vault.mock_forms();
    let _filter = vault.mock_password_filter(0);
    let _list = vault
        .web_service("GetContainerList")
        .match_body(Matcher::PartialJson(json!({"containerType": 0})))
        .with_chunked_body(|writer| {
            // Small steps, so that the mock server notices the client
            // leaving and can still respond to CloseSession.
            for _ in 0..40 {
                std::thread::sleep(Duration::from_millis(100));
                writer.write_all(b" ")?;
            }
            writer.write_all(b"[]")
        })
        .create();
    let close = vault.mock_close();
    let mut config = vault.config();
    config.timeout = Duration::from_millis(1500);

    let started = Instant::now();
    let error = run_with(&vault, &config, "CORP\\svc-backup").expect_err("timeout");
    let elapsed = started.elapsed();

    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert_eq!(error.class(), ErrorClass::Connection);
    // The deadline plus the one-second grace for CloseSession plus slack.
    assert!(
        elapsed < Duration::from_millis(1500 + 1000 + 1000),
        "{elapsed:?}"
    );
    close.assert();
}

#[test]
fn refused_connection_is_connection_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    let account = account(KeyKind::Ecc);
    let config = ClientConfig {
        url: format!("http://127.0.0.1:{port}/api/"),
        allow_insecure_http: true,
        proxy: ProxySetting::None,
        ..ClientConfig::default()
    };

    let error =
        lookup(&config, &account.api_key(), &identity("CORP\\svc"), REASON).expect_err("refused");

    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
    assert_eq!(error.class(), ErrorClass::Connection);
}

#[test]
fn expired_api_key_fails_before_any_request() {
    let account = account(KeyKind::Ecc);
    let api_key = api_key_with_claims(account, 1_600_000_000, "Read", "Passwords");
    let config = unreachable_config();

    let error = lookup(&config, &api_key, &identity("CORP\\svc"), REASON).expect_err("expired");

    assert!(matches!(error, Error::ApiKeyExpired { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains(USERNAME), "{message}");
    assert!(message.contains(DATABASE), "{message}");
    assert!(message.contains("2020-09-13"), "{message}");
}

#[test]
fn api_key_without_read_fails_early() {
    let account = account(KeyKind::Ecc);
    let api_key = api_key_with_claims(account, far_future(), "Audit", "Passwords");

    let error = lookup(
        &unreachable_config(),
        &api_key,
        &identity("CORP\\svc"),
        REASON,
    )
    .expect_err("no read right");

    assert!(
        matches!(error, Error::ApiKeyMissingReadRight { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("Audit"), "{error}");
}

#[test]
fn api_key_without_passwords_scope_fails_early() {
    let account = account(KeyKind::Ecc);
    let api_key = api_key_with_claims(account, far_future(), "Read", "Forms, Documents");

    let error = lookup(
        &unreachable_config(),
        &api_key,
        &identity("CORP\\svc"),
        REASON,
    )
    .expect_err("no passwords scope");

    assert!(
        matches!(error, Error::ApiKeyMissingPasswordsScope { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("Passwords"), "{error}");
}

/// Returns a configuration whose server does not exist. Any request would
/// end in a connection error, so a different error proves no request was
/// sent.
fn unreachable_config() -> ClientConfig {
    ClientConfig {
        url: "http://127.0.0.1:9/api/".to_string(),
        allow_insecure_http: true,
        proxy: ProxySetting::None,
        ..ClientConfig::default()
    }
}

#[test]
fn plain_http_needs_opt_in() {
    let account = account(KeyKind::Ecc);
    let mut config = unreachable_config();
    config.allow_insecure_http = false;

    let error = lookup(&config, &account.api_key(), &identity("CORP\\svc"), REASON)
        .expect_err("insecure URL");

    assert!(matches!(error, Error::InsecureUrl { .. }), "{error:?}");
    assert_eq!(error.class(), ErrorClass::InvalidInput);
}

#[test]
fn session_serves_several_lookups() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let login = vault.mock_login();
    let forms = vault.mock_forms();
    let filter = vault.mock_password_filter(0).expect(2);
    let list = vault
        .mock_password_list(json!([container(1, "CORP", "svc-backup")]))
        .expect(2);
    let _rights = vault.mock_rights(json!([right(
        &password_item_id(1),
        &vault.account.role_id,
        &vault.account.role.public_key,
        &ITEM_KEY
    )]));
    let _secret = vault.mock_secret(secret_item(&password_item_id(1), &ITEM_KEY, b"batch"));
    let close = vault.mock_close().expect(1);

    let mut session = Session::open(&vault.config(), &vault.account.api_key()).expect("login");
    let first = session
        .find_credential(&identity("CORP\\svc-backup"), REASON)
        .expect("first lookup");
    let second = session
        .find_credential(&identity("CORP\\nobody-here"), REASON)
        .expect("second lookup");
    let form = session.check_form().expect("form");
    session.close().expect("close");

    assert_eq!(first.expect("found").password.expose_secret(), "batch");
    assert!(second.is_none());
    assert_eq!(form.id.as_deref(), Some(FORM_ID));
    assert_eq!(form.username_field.id.as_deref(), Some(USERNAME_FIELD_ID));
    login.0.assert();
    login.1.assert();
    forms.0.expect(2).assert();
    forms.1.expect(2).assert();
    filter.assert();
    list.assert();
    close.assert();
}

#[test]
fn dropped_session_is_closed() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _login = vault.mock_login();
    let close = vault.mock_close().expect(1);

    let session = Session::open(&vault.config(), &vault.account.api_key()).expect("login");
    drop(session);

    close.assert();
}

#[test]
fn form_not_found_names_available_forms() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let _login = vault.mock_login();
    let _forms = vault.mock_forms();
    let _close = vault.mock_close();
    let mut config = vault.config();
    config.form.form = "Windows Account".to_string();

    let error = run_with(&vault, &config, "CORP\\svc-backup").expect_err("form missing");

    assert!(matches!(error, Error::FormNotFound { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("Windows Account"), "{message}");
    assert!(message.contains("AD User"), "{message}");
}

/// Starts an HTTP CONNECT proxy that tunnels to any target and records
/// the CONNECT request lines. The thread ends with the test process.
fn start_tunnel_proxy() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader};
    use std::net::{TcpListener, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let recorded = seen.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let recorded = recorded.clone();
            std::thread::spawn(move || -> std::io::Result<()> {
                let mut reader = BufReader::new(client.try_clone()?);
                let mut request_line = String::new();
                reader.read_line(&mut request_line)?;
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line)?;
                    if line.trim().is_empty() {
                        break;
                    }
                }
                recorded
                    .lock()
                    .expect("lock")
                    .push(request_line.trim().to_string());
                let target = request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
                let upstream = TcpStream::connect(target)?;
                let mut client_writer = client.try_clone()?;
                client_writer.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
                let mut upstream_reader = upstream.try_clone()?;
                let mut upstream_writer = upstream;
                std::thread::spawn(move || std::io::copy(&mut reader, &mut upstream_writer));
                std::io::copy(&mut upstream_reader, &mut client_writer)?;
                Ok(())
            });
        }
    });
    (port, seen)
}

#[test]
fn explicit_proxy_tunnels_requests() {
    let mut vault = Vault::new(KeyKind::Ecc);
    let mocks = happy_path(&mut vault, PASSWORD.as_bytes());
    let (proxy_port, seen) = start_tunnel_proxy();
    let mut config = vault.config();
    config.proxy = ProxySetting::Url(format!("http://127.0.0.1:{proxy_port}"));

    let credential = run_with(&vault, &config, "CORP\\svc-backup")
        .expect("lookup succeeds")
        .expect("entry found");

    assert_eq!(credential.password.expose_secret(), PASSWORD);
    let target = vault.server.host_with_port();
    let connects = seen.lock().expect("lock").clone();
    assert!(!connects.is_empty(), "the proxy saw no request");
    assert!(
        connects
            .iter()
            .all(|line| line.starts_with(&format!("CONNECT {target} "))),
        "{connects:?}"
    );
    mocks.assert();
}
