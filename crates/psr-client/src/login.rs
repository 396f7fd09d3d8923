//! API-key login: the two `Auth` calls, the user key and the key ring.
//!
//! Step 1 sends the JWT and receives a signature requirement with a
//! challenge and the user's private key encrypted for the API key. Step 2
//! sends the challenge signed with the user's key and receives the session
//! id, the session key and the role keys encrypted for the user.

use base64::prelude::{Engine, BASE64_STANDARD};
use psr_crypto::{ApiKey, SecretBytes, SecretString};
use serde_json::{json, Map, Value};

use crate::api::{ApiMethod, Exchange};
use crate::error::{shorten, Error};
use crate::json::{int_member, non_empty_str, str_member, type_contains, type_name};
use crate::keyring::{KeyRing, SessionToken};

const REQUIREMENT_TYPE: &str = "AuthenticationUserKeySignatureRequirement";
const COMPLETED_TYPE: &str = "AuthenticationResultCompleted";
const LOGIN_FAILED_TYPE: &str = "AuthenticationResultLoginFailed";

/// Server exception codes of a login step that reject the API key or its
/// user, with the code's name, what it means for the key and what to do.
/// The codes and names come from the server's `PsrApiExceptionCode`
/// enumeration.
// NOTE: which code a server sends for which key state is not documented,
// so each text covers every likely cause.
const ACCOUNT_REJECTIONS: [(i64, &str, &str, &str); 4] = [
    (
        540012,
        "AuthenticationUserDoesNotExist",
        "the server does not know this API key or its user, or the key was revoked",
        "Create a new API key in Password Secure and use it instead",
    ),
    (
        251008,
        "UnknownUserName",
        "the server does not know the API key's user, or the key was revoked",
        "Create a new API key in Password Secure and use it instead",
    ),
    (
        540024,
        "AuthenticationUserIsDeactivatedOrExpired",
        "the API key's user is deactivated or its account has expired",
        "Ask a Password Secure administrator to reactivate the user or extend its validity",
    ),
    (
        510001,
        "LightUserApiNotAllowed",
        "the API key's user is a light user, and light users are not allowed to use the API",
        "Ask a Password Secure administrator to make the user a full user, \
         or create the API key for a full user",
    ),
];

/// The `ClientInformation` object sent with both login steps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientInformation {
    /// `ClientType`, for example `psvault`.
    pub client_type: String,
    /// `ClientVersion`, for example `0.1.0`.
    pub client_version: String,
    /// `ClientInstanceId`: a random lower-case UUID, the same in both steps.
    pub client_instance_id: String,
}

impl ClientInformation {
    /// Creates client information with a fresh random instance id.
    pub fn new(client_type: &str, client_version: &str) -> ClientInformation {
        ClientInformation {
            client_type: client_type.to_string(),
            client_version: client_version.to_string(),
            client_instance_id: uuid::Uuid::new_v4().to_string(),
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "ClientType": self.client_type,
            "ClientVersion": self.client_version,
            "ClientInstanceId": self.client_instance_id,
        })
    }
}

/// The outcome of a successful login.
#[derive(Debug)]
pub struct LoginResult {
    /// `UserId` of the completed result.
    pub user_id: String,
    /// The session id used in the session token and the CSRF token.
    pub session_id: String,
    /// The user's key first, then the role keys that decrypted.
    pub key_ring: KeyRing,
    /// The token for the `token2` header.
    pub session_token: SessionToken,
    /// `EncryptionVersion` of the requirement (0 or 1); 0 when the server
    /// completed the login without a challenge.
    pub encryption_version: i64,
}

/// The signature requirement of login step 1.
struct SignatureRequirement {
    session_id: String,
    challenge: String,
    challenge_signature: Value,
    user_key: Option<String>,
    encryption_version: i64,
}

/// Logs in with an API key over `exchange`.
///
/// A role key that does not decrypt with the user's key is skipped and
/// logged at debug level. Refused logins, locked accounts and unexpected
/// result types give distinct errors.
pub fn log_in(
    exchange: &mut dyn Exchange,
    api_key: &ApiKey,
    client: &ClientInformation,
) -> Result<LoginResult, Error> {
    let claims = api_key.claims();
    let mut step1_body = json!({
        "credential": {
            "JsonWebToken": api_key.jwt().expose_secret(),
            "ClientInformation": client.to_json(),
        }
    });
    let step1 = call_non_empty(exchange, ApiMethod::AuthenticateApiKey, &step1_body);
    wipe_string_at(&mut step1_body, "/credential/JsonWebToken");
    let (mut step1, step1_url) = step1.map_err(|e| account_rejection(e, &claims.username))?;

    match classify(&step1, &step1_url, &claims.username)? {
        Step::Completed => {
            let result = complete_login(
                &step1,
                &step1_url,
                api_key.private_key().clone(),
                None,
                &claims.database,
            );
            wipe_string_at(&mut step1, "/SessionKey");
            result
        }
        Step::Requirement => {
            tracing::trace!("the server asks for the signed challenge (second login step)");
            let requirement = read_requirement(&step1, &step1_url)?;
            let user_private_key = decrypt_user_key(api_key, &requirement, &step1_url)?;
            let step2_body = signature_credential(
                &requirement,
                &user_private_key,
                &claims.database,
                &claims.username,
                client,
                &step1_url,
            )?;
            let (mut step2, step2_url) = call_non_empty(
                exchange,
                ApiMethod::AuthenticateUserKeySignatureCredential,
                &step2_body,
            )
            .map_err(|e| account_rejection(e, &claims.username))?;
            if let Step::Requirement = classify(&step2, &step2_url, &claims.username)? {
                return Err(Error::UnexpectedAuthenticationResult {
                    url: step2_url,
                    type_name: shorten(type_name(&step2).unwrap_or("(none)"), 200),
                });
            }
            let result = complete_login(
                &step2,
                &step2_url,
                user_private_key,
                Some(&requirement),
                &claims.database,
            );
            wipe_string_at(&mut step2, "/SessionKey");
            result
        }
    }
}

/// Sends a login step and returns its response with the URL used.
fn call_non_empty(
    exchange: &mut dyn Exchange,
    method: ApiMethod,
    body: &Value,
) -> Result<(Value, String), Error> {
    let url = exchange.url_for(method);
    match exchange.call(method, body)? {
        Some(response) => Ok((response, url)),
        None => Err(Error::UnexpectedResponse {
            url,
            detail: "the login response is empty".to_string(),
        }),
    }
}

/// Turns a server error of a login step whose exception code rejects the
/// API key or its user into [`Error::AccountRejected`]; other errors pass
/// through unchanged.
fn account_rejection(error: Error, username: &str) -> Error {
    let Error::ServerError {
        url,
        code: Some(code),
        ..
    } = &error
    else {
        return error;
    };
    match ACCOUNT_REJECTIONS.iter().find(|(known, ..)| known == code) {
        Some(&(code, code_name, problem, action)) => Error::AccountRejected {
            url: url.clone(),
            username: username.to_string(),
            code,
            code_name,
            problem,
            action,
        },
        None => error,
    }
}

/// Overwrites a secret string inside a JSON value (the JWT of the step-1
/// body, the session key of the completed response) once it is used.
fn wipe_string_at(value: &mut Value, pointer: &str) {
    use zeroize::Zeroize;
    if let Some(Value::String(text)) = value.pointer_mut(pointer) {
        text.zeroize();
    }
}

enum Step {
    Requirement,
    Completed,
}

/// Classifies an authentication response by the substring of its `$type`.
/// `username` names the API key's user in the error for a locked account.
fn classify(response: &Value, url: &str, username: &str) -> Result<Step, Error> {
    if !response.is_object() {
        return Err(Error::UnexpectedResponse {
            url: url.to_string(),
            detail: "the login response is not a JSON object".to_string(),
        });
    }
    if type_contains(response, REQUIREMENT_TYPE) {
        return Ok(Step::Requirement);
    }
    if type_contains(response, COMPLETED_TYPE) {
        return Ok(Step::Completed);
    }
    if type_contains(response, LOGIN_FAILED_TYPE) {
        return Err(
            match response.get("LoginLock").filter(|lock| !lock.is_null()) {
                Some(_) => Error::LoginLocked {
                    url: url.to_string(),
                    username: username.to_string(),
                },
                None => Error::LoginRejected {
                    url: url.to_string(),
                },
            },
        );
    }
    // Without a `$type`, an `IsCompleted` flag still marks a finished login.
    if type_name(response).is_none() && response.get("IsCompleted") == Some(&Value::Bool(true)) {
        return Ok(Step::Completed);
    }
    Err(Error::UnexpectedAuthenticationResult {
        url: url.to_string(),
        type_name: shorten(type_name(response).unwrap_or("(none)"), 200),
    })
}

fn read_requirement(response: &Value, url: &str) -> Result<SignatureRequirement, Error> {
    let missing = |member: &str| Error::UnexpectedResponse {
        url: url.to_string(),
        detail: format!("the signature requirement has no {member}"),
    };
    let encryption_version = match response.get("EncryptionVersion") {
        None | Some(Value::Null) => 0,
        Some(_) => int_member(response, "EncryptionVersion")
            .ok_or_else(|| missing("integer EncryptionVersion"))?,
    };
    if !(0..=1).contains(&encryption_version) {
        return Err(Error::UnexpectedResponse {
            url: url.to_string(),
            detail: format!(
                "EncryptionVersion {encryption_version} is not supported (expected 0 or 1)"
            ),
        });
    }
    Ok(SignatureRequirement {
        session_id: non_empty_str(response, "SessionId")
            .ok_or_else(|| missing("SessionId"))?
            .to_string(),
        challenge: non_empty_str(response, "Challenge")
            .ok_or_else(|| missing("Challenge"))?
            .to_string(),
        challenge_signature: response
            .get("ChallengeSignature")
            .cloned()
            .unwrap_or(Value::Null),
        user_key: non_empty_str(response, "UserKey").map(str::to_string),
        encryption_version,
    })
}

/// Returns the user's private key: `UserKey` decrypted with the API key's
/// private key, or the API key's private key itself when `UserKey` is
/// absent.
fn decrypt_user_key(
    api_key: &ApiKey,
    requirement: &SignatureRequirement,
    url: &str,
) -> Result<SecretBytes, Error> {
    let Some(user_key) = &requirement.user_key else {
        return Ok(api_key.private_key().clone());
    };
    let blob = BASE64_STANDARD
        .decode(user_key.trim())
        .map_err(|_| Error::UnexpectedResponse {
            url: url.to_string(),
            detail: "UserKey is not valid base64".to_string(),
        })?;
    psr_crypto::decrypt(api_key.private_key().expose_secret(), &blob).map_err(|_| {
        Error::UserKeyUnusable {
            url: url.to_string(),
            reason: "the user key does not decrypt with the API key's private key",
        }
    })
}

/// Builds the step-2 body: the challenge and the server's signature echoed
/// unchanged, plus the challenge signed with the user's private key.
fn signature_credential(
    requirement: &SignatureRequirement,
    user_private_key: &SecretBytes,
    database: &str,
    username: &str,
    client: &ClientInformation,
    url: &str,
) -> Result<Value, Error> {
    let challenge = BASE64_STANDARD
        .decode(requirement.challenge.trim())
        .map_err(|_| Error::UnexpectedResponse {
            url: url.to_string(),
            detail: "Challenge is not valid base64".to_string(),
        })?;
    let signature =
        psr_crypto::sign(user_private_key.expose_secret(), &challenge).map_err(|_| {
            Error::UserKeyUnusable {
                url: url.to_string(),
                reason: "the user's private key cannot sign the login challenge",
            }
        })?;
    Ok(json!({
        "credential": {
            "Database": database,
            "Username": username,
            "SessionId": requirement.session_id,
            "OperationMode": 0,
            "ClientInformation": client.to_json(),
            "Challenge": requirement.challenge,
            "ChallengeSignature": requirement.challenge_signature,
            "UserKeyChallengeSignature": BASE64_STANDARD.encode(signature),
        }
    }))
}

/// Reads the completed result and builds the key ring and session token.
fn complete_login(
    completed: &Value,
    url: &str,
    user_private_key: SecretBytes,
    requirement: Option<&SignatureRequirement>,
    database: &str,
) -> Result<LoginResult, Error> {
    let missing = |member: &str| Error::UnexpectedResponse {
        url: url.to_string(),
        detail: format!("the completed login has no {member}"),
    };
    let user_id = non_empty_str(completed, "UserId")
        .ok_or_else(|| missing("UserId"))?
        .to_string();
    let session_id = non_empty_str(completed, "SessionId")
        .map(str::to_string)
        .or_else(|| requirement.map(|r| r.session_id.clone()))
        .ok_or_else(|| missing("SessionId"))?;
    let session_key = str_member(completed, "SessionKey")
        .filter(|key| !key.is_empty())
        .map(|key| SecretString::new(key.to_string()))
        .ok_or_else(|| missing("SessionKey"))?;

    let mut key_ring = KeyRing::new(user_id.clone(), user_private_key);
    if let Some(role_keys) = completed.get("EncryptedRoleRightKey") {
        add_role_keys(&mut key_ring, role_keys, url)?;
    }

    Ok(LoginResult {
        session_token: SessionToken::new(database.to_string(), session_id.clone(), session_key),
        user_id,
        session_id,
        key_ring,
        encryption_version: requirement.map_or(0, |r| r.encryption_version),
    })
}

/// Decrypts the role keys of `EncryptedRoleRightKey` (role id to base64
/// blob, plus a `$type` member) in member order and adds them to the ring.
fn add_role_keys(key_ring: &mut KeyRing, role_keys: &Value, url: &str) -> Result<(), Error> {
    let role_keys: &Map<String, Value> = match role_keys {
        Value::Null => return Ok(()),
        Value::Object(map) => map,
        _ => {
            return Err(Error::UnexpectedResponse {
                url: url.to_string(),
                detail: "EncryptedRoleRightKey is not a JSON object".to_string(),
            })
        }
    };
    for (role_id, blob) in role_keys {
        if role_id == "$type" {
            continue;
        }
        let decrypted = blob
            .as_str()
            .and_then(|text| BASE64_STANDARD.decode(text.trim()).ok())
            .and_then(|blob| {
                psr_crypto::decrypt(key_ring.user_private_key().expose_secret(), &blob).ok()
            });
        match decrypted {
            Some(role_key) => {
                tracing::trace!(role_id = role_id.as_str(), "role key decrypted");
                key_ring.push(role_id.clone(), role_key);
            }
            None => tracing::debug!(
                role_id = role_id.as_str(),
                "skipping a role key that does not decrypt with the user's key"
            ),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_distinguishes_failures() {
        let url = "https://x/api/Auth/AuthenticateApiKey";
        let locked =
            json!({"$type": "A.AuthenticationResultLoginFailed, A", "LoginLock": {"Reason": "x"}});
        assert!(matches!(
            classify(&locked, url, "nps"),
            Err(Error::LoginLocked { .. })
        ));
        let refused = json!({"$type": "A.AuthenticationResultLoginFailed, A", "LoginLock": null});
        assert!(matches!(
            classify(&refused, url, "nps"),
            Err(Error::LoginRejected { .. })
        ));
        let other = json!({"$type": "A.PossibleAuthCredentialRequirements, A"});
        match classify(&other, url, "nps") {
            Err(Error::UnexpectedAuthenticationResult { type_name, .. }) => {
                assert_eq!(type_name, "A.PossibleAuthCredentialRequirements, A")
            }
            _ => panic!("expected UnexpectedAuthenticationResult"),
        }
        let untyped = json!({"IsCompleted": true});
        assert!(matches!(
            classify(&untyped, url, "nps"),
            Ok(Step::Completed)
        ));
        assert!(matches!(
            classify(&json!([1]), url, "nps"),
            Err(Error::UnexpectedResponse { .. })
        ));
    }

    #[test]
    fn locked_message_names_user_without_lock_data() {
        let url = "https://x/api/Auth/AuthenticateApiKey";
        let locked =
            json!({"$type": LOGIN_FAILED_TYPE, "LoginLock": {"Reason": "TooManyAttempts"}});
        let Err(error) = classify(&locked, url, "nps-svc") else {
            panic!("a locked account must fail");
        };
        let message = error.to_string();
        assert!(message.contains("'nps-svc' is locked"), "{message}");
        assert!(message.contains("administrator to unlock"), "{message}");
        assert!(!message.contains("TooManyAttempts"), "{message}");
        assert!(!message.contains('{'), "{message}");
    }

    #[test]
    fn rejecting_codes_become_account_rejected() {
        let url = "https://x/api/Auth/AuthenticateApiKey";
        for (code, name, _, _) in ACCOUNT_REJECTIONS {
            let error = account_rejection(
                Error::ServerError {
                    url: url.into(),
                    code: Some(code),
                    message: Some("raw server text".into()),
                },
                "nps-svc",
            );
            assert!(
                matches!(error, Error::AccountRejected { .. }),
                "{code}: {error:?}"
            );
            assert_eq!(error.class(), crate::ErrorClass::Authentication, "{code}");
            let message = error.to_string();
            assert!(message.contains(&code.to_string()), "{message}");
            assert!(message.contains(name), "{message}");
            assert!(message.contains("'nps-svc'"), "{message}");
            assert!(!message.contains("raw server text"), "{message}");
        }
    }

    #[test]
    fn other_codes_stay_server_errors() {
        let error = account_rejection(
            Error::ServerError {
                url: "u".into(),
                code: Some(251020),
                message: None,
            },
            "nps-svc",
        );
        assert!(matches!(error, Error::ServerError { .. }), "{error:?}");
    }

    #[test]
    fn requirement_rejects_unknown_encryption_version() {
        let response = json!({"$type": REQUIREMENT_TYPE, "SessionId": "s", "Challenge": "AA==", "EncryptionVersion": 2});
        assert!(matches!(
            read_requirement(&response, "u"),
            Err(Error::UnexpectedResponse { .. })
        ));
        let response = json!({"$type": REQUIREMENT_TYPE, "SessionId": "s", "Challenge": "AA=="});
        let requirement = read_requirement(&response, "u").expect("valid");
        assert_eq!(requirement.encryption_version, 0);
        assert!(requirement.user_key.is_none());
    }
}
