//! Rights and secret retrieval: every storage format decrypts with the
//! independent psr-crypto routines, and every refusal has its code.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use psr_sim::{Simulator, SimulatorOptions};
use serde_json::{json, Value};

use crate::client::{item, login, Client, Session};
use crate::{demo, demo_key, ids, small_fixture};

fn password_item_id(session: &Session<'_>, username: &str, label: &str) -> String {
    let container = session.find_password(username);
    item(&container, label)["Id"]
        .as_str()
        .expect("item id")
        .to_owned()
}

fn rights(session: &Session<'_>, data_id: &str) -> Vec<Value> {
    let reply = session.call(
        "GetLegitimateDataRights",
        json!({"dataId": data_id, "checkRights": false, "showDeletedNames": false}),
    );
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.json().as_array().expect("array").clone()
}

fn first_byte(base64: &Value) -> u8 {
    STANDARD
        .decode(base64.as_str().expect("Base64 text"))
        .expect("Base64")[0]
}

#[test]
fn direct_right_reveals_current_item() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let item_id = password_item_id(&session, "svc_sql", "Password");

    let rights = rights(&session, &item_id);
    assert_eq!(rights.len(), 1);
    assert_eq!(rights[0]["LegitimateId"], ids::NPS_SVC);
    assert_eq!(rights[0]["DataId"], item_id.as_str());
    assert!(rights[0]["SealId"].is_null());
    assert_eq!(first_byte(&rights[0]["RightKey"]), 2, "ECDH right key");

    let reason = "direct-right test";
    assert_eq!(
        session.read_secret(&item_id, reason).as_deref(),
        Ok("example")
    );
    let secret = session.call(
        "GetContainerItemWithSecretValue",
        json!({"itemId": item_id, "reason": ""}),
    );
    assert_eq!(
        first_byte(&secret.json()["Value"]),
        6,
        "current items use chain 6"
    );

    let logged: Vec<_> = demo()
        .logbook()
        .into_iter()
        .filter(|entry| entry.reason == reason)
        .collect();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].entry_id, ids::SVC_SQL);
    assert_eq!(logged[0].item_id, item_id);
    assert_eq!(logged[0].user, "nps-svc");
    assert_eq!(logged[0].user_id, ids::NPS_SVC);
    assert_eq!(logged[0].api_key, "nps");
    session.close();
}

#[test]
fn role_right_reveals_unicode_password() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let item_id = password_item_id(&session, "svc_unicode", "Password");
    let rights = rights(&session, &item_id);
    assert_eq!(rights.len(), 1);
    assert_eq!(rights[0]["LegitimateId"], ids::NPS_READERS);
    assert_eq!(
        session.read_secret(&item_id, "").as_deref(),
        Ok("Pässwört-€-😀 \"quoted\" \\ end")
    );
    session.close();
}

#[test]
fn legacy_item_decrypts_through_item_key_pair() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let item_id = password_item_id(&session, "svc_print", "Password");
    let container = session.find_password("svc_print");
    assert!(
        item(&container, "Password")["PublicKey"].is_string(),
        "legacy items publish a key"
    );

    let rights = rights(&session, &item_id);
    assert_eq!(rights.len(), 2, "nps-svc and legacy-svc");
    let secret = session.call(
        "GetContainerItemWithSecretValue",
        json!({"itemId": item_id, "reason": ""}),
    );
    assert_eq!(
        first_byte(&secret.json()["Value"]),
        0,
        "value encrypted to the RSA item key"
    );
    assert_eq!(
        session.read_secret(&item_id, "").as_deref(),
        Ok("pr1nt-legacy")
    );
    session.close();

    let rsa = login(&client, &demo_key("legacy-svc/legacy")).expect("login");
    let rsa_right = rights
        .iter()
        .find(|r| r["LegitimateId"] == rsa.user_id.as_str())
        .expect("right of the RSA user");
    assert_eq!(
        first_byte(&rsa_right["RightKey"]),
        0,
        "RSA reader gets a chain-0 right key"
    );
    assert_eq!(rsa.read_secret(&item_id, "").as_deref(), Ok("pr1nt-legacy"));
    rsa.close();
}

#[test]
fn rsa_user_reads_current_item() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("legacy-svc/legacy")).expect("login");
    let item_id = password_item_id(&session, "svc_rsa", "Password");
    assert_eq!(
        session.read_secret(&item_id, "").as_deref(),
        Ok("rsa-reader-only")
    );
    let item_id = password_item_id(&session, "svc-backup", "Password");
    assert_eq!(
        session.read_secret(&item_id, "rotation").as_deref(),
        Ok("Backup#2025!")
    );
    session.close();
}

#[test]
fn localised_form_entry_reads() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let item_id = password_item_id(&session, "svc_datei", "Kennwort");
    assert_eq!(
        session.read_secret(&item_id, "").as_deref(),
        Ok("Schlüssel-42")
    );
    session.close();
}

#[test]
fn missing_reason_is_rejected() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let container = session.find_password("svc-backup");
    assert_eq!(
        item(&container, "Password")["SecretValueRequiredReason"],
        true
    );
    let item_id = password_item_id(&session, "svc-backup", "Password");
    for reason in ["", "   "] {
        let rejected = session
            .read_secret(&item_id, reason)
            .expect_err("reason required");
        assert_eq!(rejected.status, 500);
        assert_eq!(rejected.exception_code(), Some(20_019));
    }
    let missing = session.call(
        "GetContainerItemWithSecretValue",
        json!({"itemId": item_id}),
    );
    assert_eq!(missing.exception_code(), Some(20_019));
    assert_eq!(
        session.read_secret(&item_id, "nightly backup").as_deref(),
        Ok("Backup#2025!")
    );
    session.close();
}

#[test]
fn sealed_entry_is_rejected() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let item_id = password_item_id(&session, "adm_sealed", "Password");
    let rights = rights(&session, &item_id);
    assert!(
        rights.iter().all(|r| r["SealId"].is_string()),
        "every right is sealed"
    );
    let rejected = session.read_secret(&item_id, "").expect_err("sealed");
    assert_eq!(rejected.status, 500);
    assert_eq!(rejected.exception_code(), Some(1_300_001));
    session.close();
}

#[test]
fn secured_entry_is_rejected() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let item_id = password_item_id(&session, "svc_kiosk", "Password");
    let rights = rights(&session, &item_id);
    assert_eq!(rights[0]["SecuredData"], true);
    let rejected = session.read_secret(&item_id, "").expect_err("secured");
    assert_eq!(rejected.status, 500);
    assert_eq!(rejected.exception_code(), Some(30_003));
    session.close();
}

#[test]
fn unreadable_item_is_rejected() {
    let client = Client::new(demo());
    let rsa = login(&client, &demo_key("legacy-svc/legacy")).expect("login");
    let item_id = password_item_id(&rsa, "svc_rsa", "Password");
    rsa.close();

    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    assert!(rights(&session, &item_id).is_empty());
    let rejected = session.call(
        "GetContainerItemWithSecretValue",
        json!({"itemId": item_id, "reason": ""}),
    );
    assert_eq!(rejected.status, 500);
    assert_eq!(rejected.exception_code(), Some(30_003));
    let unknown = session.call(
        "GetContainerItemWithSecretValue",
        json!({"itemId": "00000000-0000-0000-0000-00000000abcd", "reason": ""}),
    );
    assert_eq!(unknown.exception_code(), Some(20_039));
    let unknown_rights = session.call(
        "GetLegitimateDataRights",
        json!({"dataId": "00000000-0000-0000-0000-00000000abcd"}),
    );
    assert_eq!(unknown_rights.exception_code(), Some(360_001));
    session.close();
}

#[test]
fn container_rights_have_no_keys() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let rights = rights(&session, ids::SVC_SQL);
    assert_eq!(rights.len(), 1);
    assert_eq!(rights[0]["HasRightKey"], false);
    assert!(rights[0]["RightKey"].is_null());
    session.close();
}

#[test]
fn generated_entries_list_and_decrypt() {
    let simulator = Simulator::start(
        small_fixture(),
        SimulatorOptions {
            generate: 200,
            ..SimulatorOptions::default()
        },
    )
    .expect("simulator starts");
    let client = Client::new(&simulator);
    let session = login(&client, &simulator.api_key("alice/full").expect("key")).expect("login");
    let all = session.list(0, &session.default_filter(0));
    assert_eq!(all.len(), 201);

    let container = session.find_password("gen-user-000123");
    let domain = crate::client::value(&container, "Domain").to_owned();
    assert!(["CORP", "LAB", "DEV", "EXAMPLE"].contains(&domain.as_str()));
    let item_id = item(&container, "Password")["Id"]
        .as_str()
        .expect("id")
        .to_owned();
    let password = session.read_secret(&item_id, "").expect("readable");
    assert_eq!(password.chars().count(), 20);
    assert_eq!(
        session.read_secret(&item_id, "").as_deref(),
        Ok(password.as_str()),
        "stable"
    );
    let count = session.call(
        "GetContainerCount",
        json!({"containerType": 0, "filter": session.filter(0, Some("gen-user-0001"), false)}),
    );
    assert_eq!(count.json(), json!(100));
}

/// Measures start-up and one search with 100,000 generated entries. Run
/// with `cargo test -p psr-sim --release -- --ignored --nocapture`.
#[test]
#[ignore = "takes several seconds; run it to measure scale"]
fn scale_100k_search_is_fast() {
    let started = std::time::Instant::now();
    let simulator = Simulator::start(
        small_fixture(),
        SimulatorOptions {
            generate: 100_000,
            ..SimulatorOptions::default()
        },
    )
    .expect("simulator starts");
    let startup = started.elapsed();
    let client = Client::new(&simulator);
    let session = login(&client, &simulator.api_key("alice/full").expect("key")).expect("login");
    let started = std::time::Instant::now();
    let container = session.find_password("gen-user-099999");
    let search = started.elapsed();
    let item_id = item(&container, "Password")["Id"]
        .as_str()
        .expect("id")
        .to_owned();
    let started = std::time::Instant::now();
    let password = session.read_secret(&item_id, "").expect("readable");
    let read = started.elapsed();
    assert_eq!(password.chars().count(), 20);
    eprintln!(
        "100k entries: start-up {startup:?}, exact search {search:?}, first secret read {read:?}"
    );
    assert!(search < std::time::Duration::from_secs(2));
}
