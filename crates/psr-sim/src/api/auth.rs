//! The two login steps and the session checks of `WebService` calls.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::{short_id, string_argument, ApiError, Service};
use crate::http::Request;
use crate::session::OpenSession;
use crate::store::{random_guid, ApiKeyRecord};
use crate::wire::types;

/// `UnknownUserName`: the credential names no user.
const CODE_UNKNOWN_USER_NAME: i64 = 251_008;
/// `AuthenticationNonExistingSession`: step 2 names no pending login.
const CODE_NON_EXISTING_SESSION: i64 = 540_007;
/// `AuthenticationUserDoesNotExist`: the JWT was never issued.
const CODE_USER_DOES_NOT_EXIST: i64 = 540_012;
/// `AuthenticationUserIsDeactivatedOrExpired`: the API key has expired.
const CODE_USER_EXPIRED: i64 = 540_024;
/// `MultiFactorAuthenticationFailed`: the challenge signature is wrong.
const CODE_SIGNATURE_FAILED: i64 = 1_300_006;
/// `CsrfTokenFailed`.
const CODE_CSRF_FAILED: i64 = 110_011;

/// Number of random challenge bytes per login.
const CHALLENGE_BYTES: usize = 64;

/// The session a `WebService` request belongs to.
pub(crate) struct SessionContext {
    pub session_id: String,
    pub user: usize,
    pub api_key: usize,
}

impl Service {
    /// `Auth/AuthenticateApiKey`: checks the JWT and responds with a
    /// signature requirement carrying a fresh challenge and the encrypted
    /// user key.
    pub(super) fn authenticate_api_key(&self, body: &Value) -> Result<Value, ApiError> {
        let credential = body.get("credential").unwrap_or(&Value::Null);
        let Some(jwt) = string_argument(credential, "JsonWebToken") else {
            return Err(ApiError::server(
                super::CODE_UNKNOWN_ERROR,
                "credential.JsonWebToken is missing.",
            ));
        };
        let Some(key_index) = self.store.api_key_by_jwt(jwt) else {
            tracing::info!("login rejected: unknown API key");
            return Err(ApiError::server(
                CODE_USER_DOES_NOT_EXIST,
                "The API key is unknown or has been revoked.",
            ));
        };
        let key = &self.store.api_keys[key_index];
        let user = &self.store.users[key.user];
        if key.expires_at <= OffsetDateTime::now_utc().unix_timestamp() {
            tracing::info!(user = %user.name, key = %key.name, "login rejected: API key expired");
            return Err(ApiError::server(
                CODE_USER_EXPIRED,
                "The API key has expired.",
            ));
        }
        if user.locked {
            tracing::info!(user = %user.name, "login rejected: user locked");
            return Ok(login_failed(&user.name));
        }

        let challenge = crate::store::random_bytes(CHALLENGE_BYTES);
        let signature = psr_crypto::sign(
            self.store.challenge_key.private_key.expose_secret(),
            &challenge,
        )
        .map_err(|e| ApiError::server(super::CODE_UNKNOWN_ERROR, format!("Signing failed: {e}")))?;
        let session_id = random_guid();
        let response = json!({
            "$type": types::SIGNATURE_REQUIREMENT,
            "IsCompleted": false,
            "SessionId": session_id,
            "Challenge": STANDARD.encode(&challenge),
            "ChallengeSignature": STANDARD.encode(&signature),
            "UserKey": STANDARD.encode(&key.user_key),
            "EncryptionVersion": user.encryption_version(),
        });
        self.sessions()
            .add_pending(session_id, key_index, challenge, signature);
        Ok(response)
    }

    /// `Auth/AuthenticateUserKeySignatureCredential`: verifies the signed
    /// challenge with the user's public key and opens the session.
    pub(super) fn authenticate_signature(&self, body: &Value) -> Result<Value, ApiError> {
        let credential = body.get("credential").unwrap_or(&Value::Null);
        let session_id = string_argument(credential, "SessionId").unwrap_or_default();
        let Some(pending) = self.sessions().take_pending(session_id) else {
            return Err(ApiError::server(
                CODE_NON_EXISTING_SESSION,
                "No login is waiting for this session id.",
            ));
        };
        let key = &self.store.api_keys[pending.api_key];
        let user = &self.store.users[key.user];

        let echoed = |name: &str| string_argument(credential, name).and_then(decode_base64);
        if echoed("Challenge").as_deref() != Some(pending.challenge.as_slice())
            || echoed("ChallengeSignature").as_deref()
                != Some(pending.challenge_signature.as_slice())
        {
            tracing::info!(user = %user.name, "login rejected: challenge not echoed unchanged");
            return Err(ApiError::server(
                CODE_SIGNATURE_FAILED,
                "Challenge or ChallengeSignature differs from the issued one.",
            ));
        }
        let signature = echoed("UserKeyChallengeSignature").unwrap_or_default();
        if !psr_crypto::verify(&user.public_key, &pending.challenge, &signature) {
            tracing::info!(user = %user.name, "login rejected: invalid challenge signature");
            return Err(ApiError::server(
                CODE_SIGNATURE_FAILED,
                "The challenge signature is invalid.",
            ));
        }
        if let Some(database) = string_argument(credential, "Database") {
            if database != self.store.database {
                return Err(ApiError::server(
                    CODE_UNKNOWN_USER_NAME,
                    format!("Unknown database {database:?}."),
                ));
            }
        }
        if let Some(username) = string_argument(credential, "Username") {
            if !username.eq_ignore_ascii_case(&user.name) {
                return Err(ApiError::server(
                    CODE_UNKNOWN_USER_NAME,
                    "The user name does not match the API key.",
                ));
            }
        }

        let session_key = STANDARD.encode(crate::store::random_bytes(32));
        let mut role_keys = serde_json::Map::new();
        role_keys.insert("$type".to_owned(), json!(types::ROLE_KEY_DICTIONARY));
        for (role, blob) in &user.encrypted_role_keys {
            role_keys.insert(
                self.store.roles[*role].id.clone(),
                json!(STANDARD.encode(blob)),
            );
        }
        let response = json!({
            "$type": types::RESULT_COMPLETED,
            "IsCompleted": true,
            "UserId": user.id,
            "SessionId": session_id,
            "SessionKey": session_key,
            "Database": self.store.database,
            "UserName": user.name,
            "EncryptedRoleRightKey": role_keys,
        });
        tracing::info!(user = %user.name, key = %key.name, session = %short_id(session_id), "session opened");
        self.sessions().open(
            session_id.to_owned(),
            OpenSession {
                api_key: pending.api_key,
                user: key.user,
                session_key,
                verified_csrf: None,
            },
        );
        Ok(response)
    }

    /// Checks the session headers of a `WebService` request. `token2` must
    /// name an open session of this database with its key, and `ApiKeyToken`
    /// must be the JWT the session was opened with. A `CSRF-Token`, when
    /// present or required, must be signed by the user for this session.
    pub(super) fn check_session(&self, request: &Request) -> Result<SessionContext, ApiError> {
        let unauthorized = |message: &str| ApiError::Unauthorized(message.to_owned());
        let token = request
            .header("token2")
            .ok_or_else(|| unauthorized("The token2 header is missing."))?;
        let token =
            parse_token(token).ok_or_else(|| unauthorized("The token2 header is invalid."))?;
        let session = self
            .sessions()
            .get(&token.session_id)
            .cloned()
            .ok_or_else(|| unauthorized("The session does not exist or has ended."))?;
        if !constant_time_eq(token.session_key.as_bytes(), session.session_key.as_bytes())
            || token.database != self.store.database
        {
            return Err(unauthorized("The session key or database does not match."));
        }
        let key: &ApiKeyRecord = &self.store.api_keys[session.api_key];
        if request.header("ApiKeyToken") != Some(key.jwt.as_str()) {
            return Err(unauthorized(
                "The ApiKeyToken header is not the API key of this session.",
            ));
        }
        match request.header("CSRF-Token") {
            Some(value) if session.verified_csrf.as_deref() == Some(value.trim()) => {}
            Some(value) => {
                let value = value.trim();
                let user = &self.store.users[session.user];
                let valid = psr_crypto::verify_csrf_header_value(value, &user.public_key)
                    .is_some_and(|csrf| csrf.session_id == token.session_id);
                if !valid {
                    return Err(ApiError::server(
                        CODE_CSRF_FAILED,
                        "The CSRF token is invalid.",
                    ));
                }
                self.sessions().set_verified_csrf(&token.session_id, value);
            }
            None if self.config.require_csrf => {
                return Err(ApiError::server(
                    CODE_CSRF_FAILED,
                    "The CSRF-Token header is missing.",
                ));
            }
            None => {}
        }
        Ok(SessionContext {
            session_id: token.session_id,
            user: session.user,
            api_key: session.api_key,
        })
    }
}

/// Returns the session id named by a request's `token2` header.
pub(super) fn session_id_of(request: &Request) -> Option<String> {
    request
        .header("token2")
        .and_then(parse_token)
        .map(|token| token.session_id)
}

struct SessionToken {
    database: String,
    session_id: String,
    session_key: String,
}

/// Decodes `token2`: Base64 of `{"Database","SessionId","SessionKey"}`.
fn parse_token(header: &str) -> Option<SessionToken> {
    let json = decode_base64(header.trim())?;
    let token: Value = serde_json::from_slice(&json).ok()?;
    let field = |name: &str| token.get(name).and_then(Value::as_str).map(str::to_owned);
    Some(SessionToken {
        database: field("Database").unwrap_or_default(),
        session_id: field("SessionId")?,
        session_key: field("SessionKey")?,
    })
}

/// Decodes standard Base64, with or without padding.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let trimmed = text.trim().trim_end_matches('=');
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(trimmed)
        .ok()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn login_failed(user_name: &str) -> Value {
    json!({
        "$type": types::RESULT_LOGIN_FAILED,
        "IsCompleted": false,
        "LoginLock": {
            "$type": types::LOGIN_LOCK,
            "UserName": user_name,
            "Reason": "The user account is locked.",
            "LockedUntilUtc": null
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_parses_with_and_without_padding() {
        let json = r#"{"Database":"demo","SessionId":"s1","SessionKey":"k"}"#;
        let encoded = STANDARD.encode(json);
        let token = parse_token(&encoded).expect("valid token");
        assert_eq!(token.database, "demo");
        assert_eq!(token.session_id, "s1");
        let token = parse_token(encoded.trim_end_matches('=')).expect("valid without padding");
        assert_eq!(token.session_key, "k");
    }

    #[test]
    fn invalid_tokens_are_rejected() {
        assert!(parse_token("not base64!").is_none());
        assert!(parse_token(&STANDARD.encode("[]")).is_none());
        assert!(parse_token(&STANDARD.encode(r#"{"SessionId":"s"}"#)).is_none());
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
