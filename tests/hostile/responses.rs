//! Hostile server responses: misspelled `$type`s, wrong JSON types in
//! every member, base64 with junk, and every chain byte 0-255 in the
//! right key and the password value.
//!
//! The sweeps replay recorded responses through psr-client (see
//! `replay`). The CLI table sends a handful of the same changes through
//! the proxy, to show the exit codes of the real binary.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use psr_client::{ApiMethod, ErrorClass};
use serde_json::{json, Value};

use crate::proxy::Proxy;
use crate::replay::{log_in_replayed, recordings, replay, Outcome, Recording};
use crate::support::{http_vault, run_table, Psvault, ECC_KEY};

/// What a changed response may lead to.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Exactly the recorded credential.
    Same,
    /// An error of this class.
    Error(ErrorClass),
    /// The recorded credential or an error of this class.
    SameOr(ErrorClass),
    /// The recorded user name with an empty password, which is what an
    /// item without a `Value` holds.
    EmptyPassword,
    /// Anything but a panic, a different credential or a connection error.
    NoHarm,
}

/// One changed response: which response, and the new value at each JSON
/// pointer (`None` removes the member).
struct Change {
    recording: usize,
    response: usize,
    edits: Vec<(String, Option<Value>)>,
    expect: Expect,
    label: String,
}

/// Returns a JSON pointer token for a member name.
fn token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// Lists the JSON pointer of every member and array element below `value`.
fn pointers(value: &Value, prefix: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (name, member) in map {
                let pointer = format!("{prefix}/{}", token(name));
                found.push(pointer.clone());
                pointers(member, &pointer, found);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let pointer = format!("{prefix}/{index}");
                found.push(pointer.clone());
                pointers(item, &pointer, found);
            }
        }
        _ => {}
    }
}

/// Returns values of every JSON type other than `current`'s, plus edge
/// values of the same type for numbers and strings.
fn hostile_values(current: &Value) -> Vec<Value> {
    let mut values = vec![
        Value::Null,
        json!(true),
        json!(0),
        json!("hostile"),
        json!([]),
        json!({}),
        json!([{"$type": "x"}]),
    ];
    values.retain(|value| std::mem::discriminant(value) != std::mem::discriminant(current));
    match current {
        Value::Number(_) => values.extend([
            json!(-1),
            json!(i64::MAX),
            json!(i64::MIN),
            json!(u64::MAX),
            json!(1e300),
            json!(0.5),
        ]),
        Value::String(_) => values.extend([json!(""), json!(" "), json!("\u{0}\u{202e}")]),
        _ => {}
    }
    values
}

/// Applies one change to a copy of the recording's responses.
fn apply(recording: &Recording, change: &Change) -> Vec<(ApiMethod, Value)> {
    let mut responses = recording.responses.clone();
    let body = &mut responses[change.response].1;
    for (pointer, value) in &change.edits {
        match value {
            Some(value) if pointer.is_empty() => *body = value.clone(),
            Some(value) => {
                if let Some(slot) = body.pointer_mut(pointer) {
                    *slot = value.clone();
                }
            }
            None => remove(body, pointer),
        }
    }
    responses
}

/// Removes the object member that `pointer` names.
fn remove(body: &mut Value, pointer: &str) {
    let Some((parent, name)) = pointer.rsplit_once('/') else {
        return;
    };
    let name = name.replace("~1", "/").replace("~0", "~");
    if let Some(Value::Object(map)) = body.pointer_mut(parent) {
        map.remove(&name);
    }
}

/// Replays one change and checks the outcome against its expectation.
fn check_change(change: &Change, rings: &[psr_client::KeyRing]) -> Result<(), String> {
    let recording = &recordings()[change.recording];
    let responses = apply(recording, change);
    let login = recording.responses[change.response].0.is_login_step();
    let ring = if login {
        None
    } else {
        Some(&rings[change.recording])
    };
    let outcome = replay(recording, &responses, ring);
    judge(recording, change.expect, &outcome)
}

fn judge(recording: &Recording, expect: Expect, outcome: &Outcome) -> Result<(), String> {
    let user = recording.identity.user();
    let found = |password: &str| {
        matches!(outcome, Outcome::Found(name, found)
            if name.eq_ignore_ascii_case(user) && found == password)
    };
    let same = found(&recording.password);
    let empty = found("");
    let class = match outcome {
        Outcome::Failed(error) => Some(error.class()),
        _ => None,
    };
    if let Outcome::Failed(error) = outcome {
        let text = error.to_string();
        if text.contains(&recording.password) {
            return Err(format!("the error message contains the password: {text}"));
        }
    }
    let fine = match (expect, outcome) {
        (_, Outcome::Panicked) => false,
        (Expect::EmptyPassword, _) => empty,
        (_, Outcome::Found(..)) if !same => false,
        (Expect::Same, _) => same,
        (Expect::Error(wanted), _) => class == Some(wanted),
        (Expect::SameOr(wanted), _) => same || class == Some(wanted),
        (Expect::NoHarm, _) => class != Some(ErrorClass::Connection),
    };
    if fine {
        Ok(())
    } else {
        Err(format!("expected {expect:?}, got {outcome:?}"))
    }
}

/// Logs in once per recording, for replays that change later responses.
fn genuine_rings() -> Vec<psr_client::KeyRing> {
    recordings()
        .iter()
        .map(|recording| {
            log_in_replayed(&recording.api_key, &recording.responses).expect("genuine login")
        })
        .collect()
}

fn run_changes(changes: &[Change]) {
    let rings = genuine_rings();
    run_table(
        changes,
        |change| change.label.clone(),
        |change| check_change(change, &rings),
    );
}

fn label(recording: &Recording, method: ApiMethod, pointer: &str, what: &str) -> String {
    format!("{} / {}{pointer} = {what}", recording.name, method.name())
}

#[test]
fn misspelled_type_sweep() {
    let mut changes = Vec::new();
    for (r, recording) in recordings().iter().enumerate() {
        for (response, (method, body)) in recording.responses.iter().enumerate() {
            let mut found = Vec::new();
            pointers(body, "", &mut found);
            for pointer in found.iter().filter(|p| p.ends_with("/$type")) {
                let Some(Value::String(name)) = body.pointer(pointer) else {
                    continue;
                };
                // The login steps are classified by their `$type`; every
                // other `$type` is ignored by the client.
                let expect = if method.is_login_step() && pointer == "/$type" {
                    Expect::Error(ErrorClass::Authentication)
                } else {
                    Expect::Same
                };
                for misspelled in [name.to_lowercase(), name.replace('e', "3"), String::new()] {
                    changes.push(Change {
                        recording: r,
                        response,
                        label: label(recording, *method, pointer, &format!("{misspelled:?}")),
                        edits: vec![(pointer.clone(), Some(Value::String(misspelled)))],
                        expect,
                    });
                }
            }
        }
    }
    assert!(changes.len() >= 30, "only {} $type members", changes.len());
    run_changes(&changes);
}

#[test]
fn wrong_type_sweep() {
    let mut changes = Vec::new();
    for (r, recording) in recordings().iter().enumerate() {
        for (response, (method, body)) in recording.responses.iter().enumerate() {
            let mut found = vec![String::new()];
            pointers(body, "", &mut found);
            for pointer in found {
                let current = if pointer.is_empty() {
                    body
                } else {
                    body.pointer(&pointer).expect("listed pointer")
                };
                let mut values: Vec<Option<Value>> =
                    hostile_values(current).into_iter().map(Some).collect();
                if is_member(body, &pointer) {
                    values.push(None);
                }
                for value in values {
                    let shown = value
                        .as_ref()
                        .map_or("removed".to_owned(), Value::to_string);
                    // An item whose Value is missing, null or empty
                    // contains the empty password.
                    let secret_value = *method == ApiMethod::GetContainerItemWithSecretValue
                        && pointer == "/Value";
                    let no_value =
                        matches!(&value, None | Some(Value::Null)) || value == Some(json!(""));
                    let expect = if secret_value && no_value {
                        Expect::EmptyPassword
                    } else {
                        Expect::NoHarm
                    };
                    changes.push(Change {
                        recording: r,
                        response,
                        label: label(recording, *method, &pointer, &shown),
                        edits: vec![(pointer.clone(), value)],
                        expect,
                    });
                }
            }
        }
    }
    run_changes(&changes);
}

/// Tells whether `pointer` names an object member (not an array element).
fn is_member(body: &Value, pointer: &str) -> bool {
    pointer
        .rsplit_once('/')
        .is_some_and(|(parent, _)| matches!(body.pointer(parent), Some(Value::Object(_))))
        && !pointer.is_empty()
}

/// Returns junk variants of a base64 text.
fn junk_variants(text: &str) -> Vec<String> {
    let middle = text.len() / 2;
    let with = |insert: &str| format!("{}{insert}{}", &text[..middle], &text[middle..]);
    vec![
        format!("{text}!"),
        format!("*{text}"),
        with(" "),
        with("\n"),
        with("é"),
        with("%"),
        with("\u{0}"),
        format!("{text}==="),
        text[..text.len() - 1].to_owned(),
        text[..text.len() / 3].to_owned(),
        text.replace('+', "-").replace('/', "_"),
        "====".to_owned(),
        "A".to_owned(),
        "AAAA".to_owned(),
    ]
}

/// Returns the pointer of the right key that belongs to `user_id` in a
/// rights response. The client skips the rights of other legitimates, so
/// changing theirs would prove nothing.
fn user_right_key(body: &Value, user_id: &str) -> Vec<String> {
    let rights = body.as_array().map(Vec::as_slice).unwrap_or_default();
    let index = rights.iter().position(|right| {
        right["LegitimateId"]
            .as_str()
            .is_some_and(|id| id.eq_ignore_ascii_case(user_id))
    });
    let index = index.expect("the user holds a right on the recorded item");
    vec![format!("/{index}/RightKey")]
}

/// Returns the base64 members the client decodes, each as the pointers
/// changed together, with what junk there may lead to.
fn base64_members(
    recording: &Recording,
    method: ApiMethod,
    body: &Value,
) -> Vec<(Vec<String>, Expect)> {
    match method {
        ApiMethod::AuthenticateApiKey => vec![
            (vec!["/UserKey".to_owned()], Expect::NoHarm),
            (
                vec!["/Challenge".to_owned()],
                Expect::SameOr(ErrorClass::Server),
            ),
        ],
        // A role key that does not decrypt is skipped, and these entries
        // are readable through the user's own right.
        ApiMethod::AuthenticateUserKeySignatureCredential => body
            .get("EncryptedRoleRightKey")
            .and_then(Value::as_object)
            .map(|keys| {
                keys.keys()
                    .filter(|name| *name != "$type")
                    .map(|name| {
                        let pointer = format!("/EncryptedRoleRightKey/{}", token(name));
                        (vec![pointer], Expect::Same)
                    })
                    .collect()
            })
            .unwrap_or_default(),
        ApiMethod::GetLegitimateDataRights => vec![(
            user_right_key(body, &recording.user_id),
            Expect::SameOr(ErrorClass::Server),
        )],
        ApiMethod::GetContainerItemWithSecretValue => vec![(
            vec!["/Value".to_owned()],
            Expect::SameOr(ErrorClass::Server),
        )],
        _ => Vec::new(),
    }
}

#[test]
fn base64_junk_sweep() {
    let mut changes = Vec::new();
    for (r, recording) in recordings().iter().enumerate() {
        for (response, (method, body)) in recording.responses.iter().enumerate() {
            for (pointers, expect) in base64_members(recording, *method, body) {
                let texts: Vec<&str> = pointers
                    .iter()
                    .filter_map(|pointer| body.pointer(pointer).and_then(Value::as_str))
                    .collect();
                let Some(first) = texts.first() else {
                    continue;
                };
                for (index, _) in junk_variants(first).iter().enumerate() {
                    let edits = pointers
                        .iter()
                        .zip(&texts)
                        .map(|(pointer, text)| {
                            let junk = junk_variants(text).swap_remove(index);
                            (pointer.clone(), Some(Value::String(junk)))
                        })
                        .collect();
                    changes.push(Change {
                        recording: r,
                        response,
                        label: label(recording, *method, &pointers[0], &format!("junk {index}")),
                        edits,
                        expect,
                    });
                }
            }
        }
    }
    assert!(changes.len() >= 80, "only {} junk cases", changes.len());
    run_changes(&changes);
}

/// Replaces the chain byte (the first byte) of a base64 blob and returns
/// the new text and the original chain byte.
fn with_chain_byte(text: &str, chain: u8) -> (String, u8) {
    let mut blob = STANDARD.decode(text).expect("recorded blob is base64");
    let original = blob[0];
    blob[0] = chain;
    (STANDARD.encode(blob), original)
}

#[test]
fn chain_byte_sweep() {
    let mut changes = Vec::new();
    for (r, recording) in recordings().iter().enumerate() {
        for (response, (method, body)) in recording.responses.iter().enumerate() {
            let pointers = match method {
                ApiMethod::GetLegitimateDataRights => user_right_key(body, &recording.user_id),
                ApiMethod::GetContainerItemWithSecretValue => vec!["/Value".to_owned()],
                _ => continue,
            };
            for chain in 0..=255u8 {
                let mut edits = Vec::new();
                let mut originals = Vec::new();
                for pointer in &pointers {
                    let text = body.pointer(pointer).and_then(Value::as_str);
                    let (blob, original) = with_chain_byte(text.expect("recorded blob"), chain);
                    edits.push((pointer.clone(), Some(Value::String(blob))));
                    originals.push(original);
                }
                let expect = if originals.iter().all(|original| *original == chain) {
                    Expect::Same
                } else {
                    Expect::Error(ErrorClass::Server)
                };
                changes.push(Change {
                    recording: r,
                    response,
                    label: label(recording, *method, &pointers[0], &format!("chain {chain}")),
                    edits,
                    expect,
                });
            }
        }
    }
    assert!(
        changes.len() >= 4 * 256,
        "only {} chain cases",
        changes.len()
    );
    run_changes(&changes);
}

/// A change of one response member for the CLI table.
struct CliCase {
    name: &'static str,
    method: &'static str,
    pointer: &'static str,
    value: Value,
    exit: i32,
    names: &'static [&'static str],
}

fn cli_case(
    name: &'static str,
    method: &'static str,
    pointer: &'static str,
    value: Value,
    exit: i32,
    names: &'static [&'static str],
) -> CliCase {
    CliCase {
        name,
        method,
        pointer,
        value,
        exit,
        names,
    }
}

fn cli_cases() -> Vec<CliCase> {
    const LOGIN: &str = "AuthenticateApiKey";
    const LOGIN_2: &str = "AuthenticateUserKeySignatureCredential";
    const SECRET: &str = "GetContainerItemWithSecretValue";
    vec![
        cli_case(
            "login type",
            LOGIN,
            "/$type",
            json!("Psr.AuthenticationPending, Psr"),
            4,
            &["unexpected login result", "Psr.AuthenticationPending"],
        ),
        cli_case(
            "second login type",
            LOGIN_2,
            "/$type",
            json!("authenticationresultcompleted"),
            4,
            &["unexpected login result", "authenticationresultcompleted"],
        ),
        cli_case(
            "login not object",
            LOGIN,
            "",
            json!([1, 2]),
            7,
            &["not a JSON object"],
        ),
        cli_case(
            "session id number",
            LOGIN,
            "/SessionId",
            json!(42),
            7,
            &["has no SessionId"],
        ),
        cli_case(
            "encryption version",
            LOGIN,
            "/EncryptionVersion",
            json!(99),
            7,
            &["EncryptionVersion 99"],
        ),
        cli_case(
            "challenge junk",
            LOGIN,
            "/Challenge",
            json!("***"),
            7,
            &["Challenge is not valid base64"],
        ),
        cli_case(
            "user key junk",
            LOGIN,
            "/UserKey",
            json!("%%%%"),
            7,
            &["UserKey is not valid base64"],
        ),
        cli_case(
            "user key garbage",
            LOGIN,
            "/UserKey",
            json!("AAAAAAAAAAAA"),
            4,
            &["cannot be used with this API key"],
        ),
        cli_case(
            "session key missing",
            LOGIN_2,
            "/SessionKey",
            Value::Null,
            7,
            &["has no SessionKey"],
        ),
        cli_case(
            "role keys array",
            LOGIN_2,
            "/EncryptedRoleRightKey",
            json!([]),
            7,
            &["EncryptedRoleRightKey is not a JSON object"],
        ),
        cli_case(
            "filter array",
            "GetContainerListFilter",
            "",
            json!([]),
            7,
            &["default filter is not a JSON object"],
        ),
        cli_case(
            "list object",
            "GetContainerList",
            "",
            json!({"Items": []}),
            7,
            &["container list is not a JSON array"],
        ),
        cli_case(
            "rights object",
            "GetLegitimateDataRights",
            "",
            json!({}),
            7,
            &["data rights are not a JSON array"],
        ),
        cli_case(
            "right not object",
            "GetLegitimateDataRights",
            "/0",
            json!("right"),
            7,
            &["data right is not a JSON object"],
        ),
        cli_case(
            "right key junk",
            "GetLegitimateDataRights",
            "/0/RightKey",
            json!("!!"),
            7,
            &["cannot decrypt the item key"],
        ),
        cli_case(
            "value number",
            SECRET,
            "/Value",
            json!(12345),
            7,
            &["cannot decrypt the password value"],
        ),
        cli_case(
            "value chain 7",
            SECRET,
            "/Value",
            json!("BwAAAA=="),
            7,
            &["cannot decrypt the password value"],
        ),
        cli_case(
            "other item id",
            SECRET,
            "/Id",
            json!("00000000-0000-0000-0000-0000000000aa"),
            7,
            &["but received item 00000000-0000-0000-0000-0000000000aa"],
        ),
    ]
}

#[test]
fn hostile_response_cli() {
    let vault = http_vault();
    let key = vault.api_key(ECC_KEY);
    let cases = cli_cases();
    run_table(
        &cases,
        |case| case.name.to_owned(),
        |case| {
            let method = case.method;
            let pointer = case.pointer;
            let value = case.value.clone();
            let rewrite = Arc::new(move |called: &str, body: Vec<u8>| {
                if called != method {
                    return body;
                }
                let mut json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                if pointer.is_empty() {
                    json = value.clone();
                } else if let Some(slot) = json.pointer_mut(pointer) {
                    *slot = value.clone();
                } else if let Some((parent, name)) = pointer.rsplit_once('/') {
                    if let Some(Value::Object(map)) = json.pointer_mut(parent) {
                        map.insert(name.to_owned(), value.clone());
                    }
                }
                serde_json::to_vec(&json).unwrap_or_default()
            });
            let proxy = Proxy::start(vault.sim.port(), rewrite);
            Psvault::new(["get", "CORP\\svc_current", "--insecure-allow-http", "-q"])
                .args(["--url", &proxy.url(), "--timeout", "10"])
                .env("PSVAULT_API_KEY", &key)
                .secrets(vault.secrets())
                .expect(case.exit, case.names)
                .map(|_| ())
        },
    );
}
