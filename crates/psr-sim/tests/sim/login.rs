//! Login steps, session headers and their rejections.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use psr_crypto::KeyType;
use psr_sim::SimulatorOptions;
use serde_json::{json, Value};

use crate::client::{login, login_with_signer, Client, LoginFailure};
use crate::{demo, demo_key, ids, start_small};

fn expect_status(result: Result<crate::client::Session<'_>, LoginFailure>) -> crate::client::Reply {
    match result {
        Err(LoginFailure::Status(reply)) => reply,
        Err(LoginFailure::Result(value)) => panic!("expected an HTTP error, got {value}"),
        Ok(_) => panic!("login succeeded"),
    }
}

#[test]
fn ecc_login_opens_session() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login succeeds");
    assert_eq!(session.user_id, ids::NPS_SVC);
    assert_eq!(session.encryption_version, 1);
    assert_eq!(
        psr_crypto::detect_private_key_type(session.key_ring[0].1.expose_secret()),
        Some(KeyType::Ecc)
    );
    let role_ids: Vec<&str> = session.key_ring[1..]
        .iter()
        .map(|(id, _)| id.as_str())
        .collect();
    assert_eq!(role_ids, [ids::NPS_READERS]);

    let reply = client
        .get("WebService/GetCurrentOrganisationUnit", &session.headers())
        .expect("answered");
    assert_eq!(reply.status, 200);
    let user = reply.json();
    assert_eq!(user["Id"], ids::NPS_SVC);
    assert_eq!(user["UserName"], "nps-svc");
    assert_eq!(session.close().status, 200);
}

#[test]
fn rsa_login_opens_session() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("legacy-svc/legacy")).expect("login succeeds");
    assert_eq!(session.encryption_version, 0);
    assert!(session.key_ring[0].1.expose_secret().starts_with(b"PF"));
    assert_eq!(session.key_ring.len(), 2, "user key and one role key");
    assert_eq!(session.close().status, 200);
}

#[test]
fn challenge_signature_verifies() {
    let simulator = demo();
    let client = Client::new(simulator);
    let key = psr_crypto::ApiKey::parse(&demo_key("nps-svc/nps")).expect("key parses");
    let reply = client
        .post(
            "Auth/AuthenticateApiKey",
            &json!({"credential": {"JsonWebToken": key.jwt().expose_secret()}}),
            &[],
        )
        .expect("answered");
    assert_eq!(reply.status, 200);
    let requirement = reply.json();
    let challenge = STANDARD
        .decode(requirement["Challenge"].as_str().expect("text"))
        .expect("b64");
    let signature = STANDARD
        .decode(requirement["ChallengeSignature"].as_str().expect("text"))
        .expect("b64");
    assert_eq!(signature.len(), 132, "raw P-521 r||s");
    assert!(psr_crypto::verify(
        &simulator.challenge_public_key(),
        &challenge,
        &signature
    ));

    let user_key = STANDARD
        .decode(requirement["UserKey"].as_str().expect("text"))
        .expect("b64");
    assert_eq!(
        user_key[0], 2,
        "UserKey of an ECC API key is a chain-2 blob"
    );
}

#[test]
fn bad_signature_is_rejected() {
    let client = Client::new(demo());
    let reply = expect_status(login_with_signer(
        &client,
        &demo_key("nps-svc/nps"),
        &|key, challenge| {
            let mut other = challenge.to_vec();
            other[0] ^= 1;
            psr_crypto::sign(key, &other).expect("signs")
        },
    ));
    assert_eq!(reply.status, 500);
    assert_eq!(reply.exception_code(), Some(1_300_006));
}

#[test]
fn unknown_jwt_is_rejected() {
    let client = Client::new(demo());
    let key = demo_key("nps-svc/nps");
    let (jwt, private) = key.split_once(':').expect("key has a colon");
    let (head, signature) = jwt.rsplit_once('.').expect("JWT has segments");
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    let forged = format!("{head}.{flipped}{}:{private}", &signature[1..]);
    let reply = expect_status(login(&client, &forged));
    assert_eq!(reply.status, 500);
    assert_eq!(reply.exception_code(), Some(540_012));
}

#[test]
fn expired_key_is_rejected() {
    let client = Client::new(demo());
    let reply = expect_status(login(&client, &demo_key("nps-svc/expired")));
    assert_eq!(reply.status, 500);
    assert_eq!(reply.exception_code(), Some(540_024));
}

#[test]
fn locked_user_gets_login_lock() {
    let client = Client::new(demo());
    match login(&client, &demo_key("locked-svc/locked")) {
        Err(LoginFailure::Result(value)) => {
            let kind = value["$type"].as_str().unwrap_or_default();
            assert!(kind.contains("AuthenticationResultLoginFailed"), "{kind}");
            assert!(value["LoginLock"].is_object());
        }
        other => panic!("expected a LoginFailed result, got {:?}", other.err()),
    }
}

#[test]
fn signature_step_needs_pending_login() {
    let client = Client::new(demo());
    let reply = client
        .post(
            "Auth/AuthenticateUserKeySignatureCredential",
            &json!({"credential": {"SessionId": "00000000-0000-0000-0000-000000000000"}}),
            &[],
        )
        .expect("answered");
    assert_eq!(reply.status, 500);
    assert_eq!(reply.exception_code(), Some(540_007));
}

#[test]
fn closed_session_gets_401() {
    let simulator = start_small(SimulatorOptions::default());
    let client = Client::new(&simulator);
    let session = login(&client, &simulator.api_key("alice/full").expect("key")).expect("login");
    assert_eq!(simulator.open_sessions(), 1);
    assert_eq!(
        session
            .call("GetContainerListFilter", json!({"containerType": 0}))
            .status,
        200
    );

    let closed = session.close();
    assert_eq!(closed.status, 200);
    assert_eq!(simulator.open_sessions(), 0);
    assert_eq!(simulator.closed_sessions(), 1);
    let after = session.call("GetContainerListFilter", json!({"containerType": 0}));
    assert_eq!(after.status, 401);
}

#[test]
fn session_headers_are_checked() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let body = json!({"containerType": 0, "defaultFilter": true});
    let call = |headers: Vec<(&'static str, String)>| {
        client
            .post("WebService/GetContainerListFilter", &body, &headers)
            .expect("answered")
    };
    let without = |name: &str| -> Vec<(&'static str, String)> {
        session
            .headers()
            .into_iter()
            .filter(|(n, _)| *n != name)
            .collect()
    };
    let replace = |name: &str, value: String| -> Vec<(&'static str, String)> {
        session
            .headers()
            .into_iter()
            .map(|(n, v)| {
                if n == name {
                    (n, value.clone())
                } else {
                    (n, v)
                }
            })
            .collect()
    };

    assert_eq!(call(session.headers()).status, 200);
    assert_eq!(
        call(without("CSRF-Token")).status,
        200,
        "CSRF is optional by default"
    );
    assert_eq!(call(without("token2")).status, 401);
    assert_eq!(call(without("ApiKeyToken")).status, 401);
    assert_eq!(
        call(replace("token2", "bm90IGpzb24=".to_owned())).status,
        401
    );

    let other_jwt = demo_key("nps-svc/passwords-only");
    let other_jwt = other_jwt.split_once(':').expect("colon").0.to_owned();
    assert_eq!(call(replace("ApiKeyToken", other_jwt)).status, 401);

    let wrong_key = json!({"Database": session.database, "SessionId": session.session_id,
                           "SessionKey": "AAAA"});
    let wrong_key = STANDARD.encode(wrong_key.to_string());
    assert_eq!(call(replace("token2", wrong_key)).status, 401);

    let bad_csrf = call(replace(
        "CSRF-Token",
        STANDARD.encode("c2ln;wrong;2025-01-01T00:00:00.000Z"),
    ));
    assert_eq!(bad_csrf.status, 500);
    assert_eq!(bad_csrf.exception_code(), Some(110_011));
    session.close();
}

#[test]
fn csrf_from_other_session_is_rejected() {
    let client = Client::new(demo());
    let first = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let second = login(&client, &demo_key("nps-svc/nps")).expect("login");
    // The first session has verified its own token once, so a cached
    // verification must not carry over to the second session.
    let own = first.call("GetContainerListFilter", json!({"containerType": 0}));
    assert_eq!(own.status, 200);
    let mut headers = second.headers();
    for (name, value) in headers.iter_mut() {
        if *name == "CSRF-Token" {
            *value = first.csrf.clone().expect("csrf");
        }
    }
    let reply = client
        .post(
            "WebService/GetContainerListFilter",
            &json!({"containerType": 0}),
            &headers,
        )
        .expect("answered");
    assert_eq!(reply.status, 500);
    assert_eq!(reply.exception_code(), Some(110_011));
    first.close();
    second.close();
}

#[test]
fn required_csrf_rejects_missing_header() {
    let simulator = start_small(SimulatorOptions {
        require_csrf: true,
        ..SimulatorOptions::default()
    });
    let client = Client::new(&simulator);
    let mut session =
        login(&client, &simulator.api_key("alice/full").expect("key")).expect("login");
    assert_eq!(
        session.call("GetContainerListFilter", json!({})).status,
        200
    );
    session.csrf = None;
    let reply = session.call("GetContainerListFilter", json!({}));
    assert_eq!(reply.status, 500);
    assert_eq!(reply.exception_code(), Some(110_011));
}

#[test]
fn tls_login_works() {
    let simulator = start_small(SimulatorOptions {
        tls: true,
        ..SimulatorOptions::default()
    });
    assert!(simulator.url().starts_with("https://127.0.0.1:"));
    let pem = simulator.certificate_pem().expect("TLS has a certificate");
    assert!(pem.contains("BEGIN CERTIFICATE"));
    assert!(simulator.certificate_sha256().is_some());
    let client = Client::new(&simulator);
    let session = login(&client, &simulator.api_key("alice/full").expect("key")).expect("login");
    let found = session.find_password("svc_small");
    let item = crate::client::item(&found, "Password")["Id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        session.read_secret(&item, "").as_deref(),
        Ok("small-secret")
    );
}

#[test]
fn api_keys_are_published() {
    let keys = demo().api_keys();
    assert!(keys.contains_key("nps-svc/nps"));
    assert!(keys.contains_key("legacy-svc/legacy"));
    let key = psr_crypto::ApiKey::parse(&keys["nps-svc/passwords-only"]).expect("parses");
    let claims = key.claims();
    assert_eq!(claims.username, "nps-svc");
    assert_eq!(claims.database, "demo");
    assert_eq!(claims.access_rights_text, "Read");
    assert_eq!(claims.access_scopes_text, "Passwords");
    assert!(claims.expires_at > claims.issued_at);
    let expired = psr_crypto::ApiKey::parse(&keys["nps-svc/expired"]).expect("parses");
    assert!(expired.claims().expires_at < expired.claims().issued_at + 2 * 86_400);
    let value: Value = serde_json::to_value(&keys).expect("serialisable");
    assert!(value.is_object());
}

/// Returns the JSON type name of a value, for shape comparisons.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[test]
fn login_responses_match_vector_shapes() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors/login.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("vector file {path} is missing ({e}); shared/ must lie beside the repository")
    });
    let vectors: Value = serde_json::from_str(&text).expect("vector JSON");
    let client = Client::new(demo());
    let ecc = login(&client, &demo_key("nps-svc/nps")).expect("ECC login");
    let rsa = login(&client, &demo_key("legacy-svc/legacy")).expect("RSA login");

    let cases = vectors["cases"].as_array().expect("cases");
    let logins: Vec<&Value> = cases.iter().filter(|c| c["kind"] == "login").collect();
    assert!(!logins.is_empty(), "no login vectors in {path}");
    for case in logins {
        let id = case["id"].as_str().unwrap_or_default();
        let steps = [
            (
                "authenticate_api_key_response",
                &ecc.requirement,
                &rsa.requirement,
            ),
            (
                "authenticate_user_key_signature_credential_response",
                &ecc.completed,
                &rsa.completed,
            ),
        ];
        for (step, ecc_response, rsa_response) in steps {
            let expected = case[step].as_object().expect("response object");
            for (name, value) in expected {
                for response in [ecc_response, rsa_response] {
                    let actual = response.get(name).unwrap_or_else(|| {
                        panic!("{id}: {step} member {name} is missing from {response}")
                    });
                    // A null in the vector (no UserKey) allows any value: the
                    // simulator always sends the user key.
                    if !value.is_null() {
                        assert_eq!(
                            json_type(actual),
                            json_type(value),
                            "{id}: {step} member {name}"
                        );
                    }
                }
            }
            let vector_type = expected["$type"].as_str().unwrap_or_default();
            let sim_type = ecc_response["$type"].as_str().unwrap_or_default();
            let short = |full: &str| {
                full.split(',')
                    .next()
                    .unwrap_or_default()
                    .rsplit('.')
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            };
            assert_eq!(short(sim_type), short(vector_type), "{id}: {step} $type");
        }

        // The simulator verifies with psr_crypto::verify, so a signature made
        // from the vector's user key in the client's format must pass it.
        let b64 = |field: &str| {
            STANDARD
                .decode(case[field].as_str().expect("Base64 field"))
                .expect("Base64")
        };
        let user_private = b64("expected_user_private_key_b64");
        let user_public = b64("user_public_key_b64");
        let challenge = STANDARD
            .decode(
                case["authenticate_api_key_response"]["Challenge"]
                    .as_str()
                    .expect("challenge"),
            )
            .expect("Base64");
        let signature = psr_crypto::sign(&user_private, &challenge).expect("vector key signs");
        assert!(
            psr_crypto::verify(&user_public, &challenge, &signature),
            "{id}: signature format"
        );
    }
    ecc.close();
    rsa.close();
}
