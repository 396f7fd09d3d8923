//! Known-answer vectors: every `login` and `item_secret` case of the
//! shared vector folder (and of `PSR_VECTORS_DIR` when set) runs through
//! this crate's login and secret code with a fake transport.
//!
//! The folder must exist: a missing folder fails the test rather than
//! silently running nothing.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use base64::prelude::{Engine, BASE64_STANDARD};
use psr_client::login::{log_in, ClientInformation};
use psr_client::secret::read_secret;
use psr_client::{parse_response_body, ApiMethod, Error, Exchange, KeyRing};
use psr_crypto::{ApiKey, SecretBytes};
use serde_json::Value;

/// Kinds run by this crate.
const CLIENT_KINDS: [&str; 2] = ["login", "item_secret"];
/// Kinds run by psr-crypto's vector tests.
const CRYPTO_KINDS: [&str; 8] = [
    "decrypt",
    "decrypt_error",
    "verify",
    "sign",
    "key_type",
    "mto_hash",
    "api_key",
    "csrf",
];

struct Case {
    file: PathBuf,
    value: Value,
}

impl Case {
    fn id(&self) -> &str {
        self.value["id"].as_str().unwrap_or("(no id)")
    }

    fn kind(&self) -> &str {
        self.value["kind"].as_str().unwrap_or("(no kind)")
    }
}

fn vector_dirs() -> Vec<PathBuf> {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors");
    assert!(
        shared.is_dir(),
        "vector folder {} is missing; the repository expects shared/vectors beside it",
        shared.display()
    );
    let mut dirs = vec![shared];
    if let Some(extra) = std::env::var_os("PSR_VECTORS_DIR") {
        let extra = PathBuf::from(extra);
        assert!(
            extra.is_dir(),
            "PSR_VECTORS_DIR={} is not a folder",
            extra.display()
        );
        dirs.push(extra);
    }
    dirs
}

fn load_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for dir in vector_dirs() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
        files.sort();
        assert!(
            !files.is_empty(),
            "no *.json vector files in {}",
            dir.display()
        );
        for file in files {
            let text = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
            let document: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()));
            assert_eq!(
                document["schema"],
                "psvault-vectors/1",
                "{} has an unknown schema",
                file.display()
            );
            let list = document["cases"]
                .as_array()
                .unwrap_or_else(|| panic!("{} has no cases array", file.display()));
            for value in list {
                cases.push(Case {
                    file: file.clone(),
                    value: value.clone(),
                });
            }
        }
    }
    cases
}

fn decode(text: &Value, what: &str) -> Vec<u8> {
    let text = text
        .as_str()
        .unwrap_or_else(|| panic!("{what} is not a string"));
    BASE64_STANDARD
        .decode(text)
        .unwrap_or_else(|e| panic!("{what} is not base64: {e}"))
}

/// A transport that returns scripted responses and records the requests.
struct ScriptedExchange {
    responses: VecDeque<(ApiMethod, Value)>,
    requests: Vec<(ApiMethod, Value)>,
}

impl ScriptedExchange {
    fn new(responses: Vec<(ApiMethod, Value)>) -> ScriptedExchange {
        ScriptedExchange {
            responses: responses.into(),
            requests: Vec::new(),
        }
    }

    fn called(&self, method: ApiMethod) -> bool {
        self.requests.iter().any(|(called, _)| *called == method)
    }
}

impl Exchange for ScriptedExchange {
    fn call(&mut self, method: ApiMethod, body: &Value) -> Result<Option<Value>, Error> {
        self.requests.push((method, body.clone()));
        let (expected, response) = self
            .responses
            .pop_front()
            .unwrap_or_else(|| panic!("unexpected extra call of {}", method.name()));
        assert_eq!(expected, method, "calls out of order");
        // Serialise the vector's JSON and parse it as a real body would be.
        let bytes = serde_json::to_vec(&response).expect("serialise response");
        parse_response_body(&self.url_for(method), &bytes)
    }

    fn url_for(&self, method: ApiMethod) -> String {
        format!("vector://server/api/{}", method.path())
    }
}

#[test]
fn every_kind_is_known() {
    let cases = load_cases();
    let unknown: Vec<String> = cases
        .iter()
        .filter(|case| !CLIENT_KINDS.contains(&case.kind()) && !CRYPTO_KINDS.contains(&case.kind()))
        .map(|case| {
            format!(
                "{} in {}: kind '{}'",
                case.id(),
                case.file.display(),
                case.kind()
            )
        })
        .collect();
    assert!(
        unknown.is_empty(),
        "cases of unknown kinds:\n{}",
        unknown.join("\n")
    );
}

#[test]
fn login_cases_pass() {
    let cases: Vec<Case> = load_cases()
        .into_iter()
        .filter(|case| case.kind() == "login")
        .collect();
    assert!(!cases.is_empty(), "no login cases found");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            run_login(&case.value)
                .err()
                .map(|e| format!("{}: {e}", case.id()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "failed login cases:\n{}",
        failures.join("\n")
    );
    eprintln!("{} login cases passed", cases.len());
}

fn run_login(case: &Value) -> Result<(), String> {
    let api_key_text = case["api_key"].as_str().ok_or("api_key is not a string")?;
    let api_key = ApiKey::parse(api_key_text).map_err(|e| format!("API key rejected: {e}"))?;
    let step1 = case["authenticate_api_key_response"].clone();
    let step2 = case["authenticate_user_key_signature_credential_response"].clone();
    let mut exchange = ScriptedExchange::new(vec![
        (ApiMethod::AuthenticateApiKey, step1.clone()),
        (ApiMethod::AuthenticateUserKeySignatureCredential, step2),
    ]);
    let client = ClientInformation::new("psvault", "0.0.0");

    let login =
        log_in(&mut exchange, &api_key, &client).map_err(|e| format!("login failed: {e}"))?;

    let expected_user_key = decode(&case["expected_user_private_key_b64"], "expected user key");
    if login.key_ring.user_private_key().expose_secret() != expected_user_key.as_slice() {
        return Err("user private key differs".into());
    }

    let expected_ring = case["expected_key_ring"]
        .as_array()
        .ok_or("no expected_key_ring")?;
    let ring: Vec<(&str, &SecretBytes)> = login.key_ring.iter().collect();
    if ring.len() != expected_ring.len() {
        return Err(format!(
            "key ring has {} keys, expected {}",
            ring.len(),
            expected_ring.len()
        ));
    }
    for (index, ((id, key), expected)) in ring.iter().zip(expected_ring).enumerate() {
        if expected["id"].as_str() != Some(*id) {
            return Err(format!(
                "key ring entry {index} has id {id}, expected {}",
                expected["id"]
            ));
        }
        if key.expose_secret() != decode(&expected["private_key_b64"], "ring key").as_slice() {
            return Err(format!("key ring entry {index} ({id}) has the wrong key"));
        }
    }

    let expected_token =
        serde_json::to_string(&case["expected_token2_json"]).map_err(|e| e.to_string())?;
    if login.session_token.json().expose_secret() != expected_token {
        return Err("session token JSON differs".into());
    }
    let token2 = BASE64_STANDARD.encode(&expected_token);
    if login.session_token.header_value().expose_secret() != token2 {
        return Err("token2 header value differs".into());
    }

    let (first_method, first) = &exchange.requests[0];
    if *first_method != ApiMethod::AuthenticateApiKey {
        return Err("first request is not AuthenticateApiKey".into());
    }
    let jwt = api_key_text.trim().split(':').next().unwrap_or_default();
    if first["credential"]["JsonWebToken"].as_str() != Some(jwt) {
        return Err("step 1 does not send the JWT".into());
    }

    let (_, second) = exchange
        .requests
        .get(1)
        .ok_or("the second login step was not sent")?;
    let credential = &second["credential"];
    if credential["Challenge"] != step1["Challenge"] {
        return Err("step 2 does not echo Challenge".into());
    }
    if credential["ChallengeSignature"] != step1["ChallengeSignature"] {
        return Err("step 2 does not echo ChallengeSignature".into());
    }
    if credential["SessionId"] != step1["SessionId"] {
        return Err("step 2 does not send the requirement's SessionId".into());
    }
    if credential["ClientInformation"]["ClientInstanceId"]
        != first["credential"]["ClientInformation"]["ClientInstanceId"]
    {
        return Err("the two steps use different ClientInstanceIds".into());
    }
    let challenge = decode(&step1["Challenge"], "Challenge");
    let signature = decode(
        &credential["UserKeyChallengeSignature"],
        "UserKeyChallengeSignature",
    );
    let user_public_key = decode(&case["user_public_key_b64"], "user public key");
    if !psr_crypto::verify(&user_public_key, &challenge, &signature) {
        return Err("UserKeyChallengeSignature does not verify with the user's public key".into());
    }
    Ok(())
}

#[test]
fn item_secret_cases_pass() {
    let cases: Vec<Case> = load_cases()
        .into_iter()
        .filter(|case| case.kind() == "item_secret")
        .collect();
    assert!(!cases.is_empty(), "no item_secret cases found");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            run_item_secret(&case.value)
                .err()
                .map(|e| format!("{}: {e}", case.id()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "failed item_secret cases:\n{}",
        failures.join("\n")
    );
    eprintln!("{} item_secret cases passed", cases.len());
}

fn run_item_secret(case: &Value) -> Result<(), String> {
    let entries = case["key_ring"].as_array().ok_or("no key_ring")?;
    let (first, rest) = entries.split_first().ok_or("empty key_ring")?;
    let id = |entry: &Value| entry["id"].as_str().unwrap_or_default().to_string();
    let key = |entry: &Value| SecretBytes::new(decode(&entry["private_key_b64"], "ring key"));
    let mut key_ring = KeyRing::new(id(first), key(first));
    for entry in rest {
        key_ring.push(id(entry), key(entry));
    }

    let secret_item = case["secret_item"].clone();
    let item_id = secret_item["Id"]
        .as_str()
        .or_else(|| case["rights"][0]["DataId"].as_str())
        .unwrap_or("00000000-0000-0000-0000-000000000000")
        .to_string();
    let mut exchange = ScriptedExchange::new(vec![
        (ApiMethod::GetLegitimateDataRights, case["rights"].clone()),
        (ApiMethod::GetContainerItemWithSecretValue, secret_item),
    ]);

    let result = read_secret(
        &mut exchange,
        &key_ring,
        "vector-entry",
        &item_id,
        "vector test",
    );

    let rights_request = &exchange.requests[0].1;
    if rights_request["dataId"].as_str() != Some(item_id.as_str()) {
        return Err("GetLegitimateDataRights was not asked for the item id".into());
    }
    let fetched = exchange.called(ApiMethod::GetContainerItemWithSecretValue);
    match (
        case.get("expected_plaintext_utf8"),
        case["expected_error"].as_str(),
    ) {
        (Some(expected), None) => {
            let secret = result.map_err(|e| format!("expected a secret, got error: {e}"))?;
            if Some(secret.expose_secret()) != expected.as_str() {
                return Err("the decrypted secret differs".into());
            }
            Ok(())
        }
        (None, Some(expected)) => {
            let error = match result {
                Ok(_) => return Err(format!("expected error {expected}, got a secret")),
                Err(error) => error,
            };
            let name = match error {
                Error::Sealed { .. } => "sealed",
                Error::NoKey { .. } => "no_key",
                Error::DecryptFailed { .. } => "decrypt_failed",
                other => return Err(format!("expected {expected}, got {other:?}")),
            };
            if name != expected {
                return Err(format!("expected {expected}, got {name}"));
            }
            if matches!(name, "sealed" | "no_key") && fetched {
                return Err(format!(
                    "the secret was fetched although the result is {name}"
                ));
            }
            Ok(())
        }
        _ => Err("the case has neither expected_plaintext_utf8 nor expected_error".into()),
    }
}
