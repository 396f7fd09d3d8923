//! API keys: `<JWT>:<base64 of the API key's private key>`.

use std::fmt;

use serde_json::{Map, Value};

use crate::base64::decode_lenient;
use crate::error::ApiKeyError;
use crate::secret::{SecretBytes, SecretString};

/// Flag values of the `acr` and `acs` claims.
pub mod access {
    /// Access right `Audit`.
    pub const RIGHT_AUDIT: u32 = 0;
    /// Access right `Read`.
    pub const RIGHT_READ: u32 = 1;
    /// Access right `ReadWrite`.
    pub const RIGHT_READ_WRITE: u32 = 3;
    /// Access right `ReadWriteManage`.
    pub const RIGHT_READ_WRITE_MANAGE: u32 = 7;
    /// Access scope `None`.
    pub const SCOPE_NONE: u32 = 0;
    /// Access scope `Passwords`.
    pub const SCOPE_PASSWORDS: u32 = 1;
    /// Access scope `Forms`.
    pub const SCOPE_FORMS: u32 = 2;
    /// Access scope `Documents`.
    pub const SCOPE_DOCUMENTS: u32 = 4;
    /// Access scope `OrganisationalUnits`.
    pub const SCOPE_ORGANISATIONAL_UNITS: u32 = 8;
    /// Access scope `Roles`.
    pub const SCOPE_ROLES: u32 = 16;
    /// Access scope `Unrestricted`.
    pub const SCOPE_UNRESTRICTED: u32 = 2_147_483_647;
}

/// Claims of the API key's JWT payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyClaims {
    /// User name (`usrn`).
    pub username: String,
    /// Database name (`dbn`).
    pub database: String,
    /// Issue time (`iat`), seconds since 1970-01-01 UTC.
    pub issued_at: i64,
    /// Expiry time (`exp`), seconds since 1970-01-01 UTC.
    pub expires_at: i64,
    /// OR of the access rights named by `acr`.
    pub access_rights: u32,
    /// OR of the access scopes named by `acs`.
    pub access_scopes: u32,
    /// `acr` as written in the JWT, for example `ReadWrite`.
    pub access_rights_text: String,
    /// `acs` as written in the JWT, for example `Passwords, Forms`.
    pub access_scopes_text: String,
}

/// A parsed API key.
///
/// `Debug` shows the claims only, never the JWT or the private key.
#[derive(Clone)]
pub struct ApiKey {
    jwt: SecretString,
    private_key: SecretBytes,
    claims: ApiKeyClaims,
}

impl ApiKey {
    /// Parses `<JWT>:<base64 of the private key>`; surrounding whitespace
    /// (including a trailing newline) is ignored.
    ///
    /// The key must contain exactly one `:`. The JWT must be a compact JWS of
    /// three base64url segments; its signature is never checked. The payload
    /// must carry non-empty strings `usrn` and `dbn`, numbers `iat` and `exp`
    /// (seconds since 1970-01-01 UTC, fractions truncated), and flag texts
    /// `acr` and `acs` whose names are joined by exactly `", "` and all
    /// known. The private key is standard base64 (padding optional); its
    /// type is not checked here.
    pub fn parse(text: &str) -> Result<ApiKey, ApiKeyError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ApiKeyError::Empty);
        }
        let (jwt, private_key) = text.split_once(':').ok_or(ApiKeyError::MissingSeparator)?;
        if private_key.contains(':') {
            return Err(ApiKeyError::ExtraSeparator);
        }

        let claims = parse_claims(jwt)?;
        let private_key = SecretBytes::new(
            decode_lenient(private_key.as_bytes()).ok_or(ApiKeyError::MalformedPrivateKey)?,
        );
        if private_key.is_empty() {
            return Err(ApiKeyError::MalformedPrivateKey);
        }

        Ok(ApiKey {
            jwt: SecretString::from(jwt),
            private_key,
            claims,
        })
    }

    /// Returns the JWT, sent verbatim in the `ApiKeyToken` header.
    pub fn jwt(&self) -> &SecretString {
        &self.jwt
    }

    /// Returns the API key's private key bytes (RSA `PF...` text or P-521
    /// `[d, x, y]` MessagePack in practice).
    pub fn private_key(&self) -> &SecretBytes {
        &self.private_key
    }

    /// Returns the claims of the JWT payload.
    pub fn claims(&self) -> &ApiKeyClaims {
        &self.claims
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

/// Names and values of `PsrApiKeyAccessRights`.
const ACCESS_RIGHTS: &[(&str, u32)] = &[
    ("Audit", access::RIGHT_AUDIT),
    ("Read", access::RIGHT_READ),
    ("ReadWrite", access::RIGHT_READ_WRITE),
    ("ReadWriteManage", access::RIGHT_READ_WRITE_MANAGE),
];

/// Names and values of `PsrApiKeyAccessScopes`.
const ACCESS_SCOPES: &[(&str, u32)] = &[
    ("None", access::SCOPE_NONE),
    ("Passwords", access::SCOPE_PASSWORDS),
    ("Forms", access::SCOPE_FORMS),
    ("Documents", access::SCOPE_DOCUMENTS),
    ("OrganisationalUnits", access::SCOPE_ORGANISATIONAL_UNITS),
    ("Roles", access::SCOPE_ROLES),
    ("Unrestricted", access::SCOPE_UNRESTRICTED),
];

fn parse_claims(jwt: &str) -> Result<ApiKeyClaims, ApiKeyError> {
    // The JWT goes verbatim into an HTTP header, so only the base64url
    // alphabet, '=' and the segment dots are allowed.
    let is_jwt_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '=' | '.');
    if !jwt.chars().all(is_jwt_char) {
        return Err(ApiKeyError::MalformedJwt("invalid character"));
    }
    let segments: Vec<&str> = jwt.split('.').collect();
    let [_header, payload, _signature] = segments.as_slice() else {
        return Err(ApiKeyError::MalformedJwt("expected three segments"));
    };
    if payload.is_empty() {
        return Err(ApiKeyError::MalformedJwt("empty payload"));
    }

    let standard: String = payload
        .chars()
        .filter(|&c| c != '=')
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            other => other,
        })
        .collect();
    let json = decode_lenient(standard.as_bytes())
        .ok_or(ApiKeyError::MalformedJwt("payload is not base64url"))?;
    let payload: Map<String, Value> = serde_json::from_slice(&json)
        .map_err(|_| ApiKeyError::MalformedJwt("payload is not a JSON object"))?;

    let access_rights_text = text_claim(&payload, "acr")?;
    let access_scopes_text = text_claim(&payload, "acs")?;
    Ok(ApiKeyClaims {
        username: text_claim(&payload, "usrn")?,
        database: text_claim(&payload, "dbn")?,
        issued_at: time_claim(&payload, "iat")?,
        expires_at: time_claim(&payload, "exp")?,
        access_rights: flags(&access_rights_text, "acr", ACCESS_RIGHTS)?,
        access_scopes: flags(&access_scopes_text, "acs", ACCESS_SCOPES)?,
        access_rights_text,
        access_scopes_text,
    })
}

/// Reads a claim that must be a non-empty string.
fn text_claim(payload: &Map<String, Value>, claim: &'static str) -> Result<String, ApiKeyError> {
    match payload.get(claim) {
        Some(Value::String(text)) if !text.is_empty() => Ok(text.clone()),
        _ => Err(ApiKeyError::MissingClaim(claim)),
    }
}

/// Reads a time claim: a JSON number of seconds, truncated toward negative
/// infinity if it has a fraction.
fn time_claim(payload: &Map<String, Value>, claim: &'static str) -> Result<i64, ApiKeyError> {
    let invalid = |reason: &str| ApiKeyError::InvalidClaim {
        claim,
        reason: reason.to_owned(),
    };
    let Some(Value::Number(number)) = payload.get(claim) else {
        return Err(invalid("missing or not a number"));
    };
    if let Some(seconds) = number.as_i64() {
        return Ok(seconds);
    }
    // JSON numbers parsed by serde_json are always finite.
    let seconds = number.as_f64().map(f64::floor).unwrap_or(f64::NAN);
    if seconds.is_finite() && seconds >= i64::MIN as f64 && seconds < i64::MAX as f64 {
        // The range check above makes the conversion exact.
        Ok(seconds as i64)
    } else {
        Err(invalid("out of range"))
    }
}

/// ORs the values of a .NET flag-enum text such as `"Passwords, Forms"`.
fn flags(text: &str, claim: &'static str, table: &[(&str, u32)]) -> Result<u32, ApiKeyError> {
    let mut value = 0;
    let mut names = 0;
    for name in text.split(", ").filter(|name| !name.is_empty()) {
        let Some(&(_, flag)) = table.iter().find(|(known, _)| *known == name) else {
            return Err(ApiKeyError::InvalidClaim {
                claim,
                reason: format!("unknown name {name:?}"),
            });
        };
        value |= flag;
        names += 1;
    }
    if names == 0 {
        return Err(ApiKeyError::InvalidClaim {
            claim,
            reason: "names no value".to_owned(),
        });
    }
    Ok(value)
}
