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

    let username = text_claim(&payload, "usrn")?;
    let database = text_claim(&payload, "dbn")?;
    let issued_at = time_claim(&payload, "iat")?;
    let expires_at = time_claim(&payload, "exp")?;
    let access_rights_text = text_claim(&payload, "acr")?;
    let access_scopes_text = text_claim(&payload, "acs")?;
    Ok(ApiKeyClaims {
        username,
        database,
        issued_at,
        expires_at,
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

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use serde_json::json;

    use super::*;
    use crate::base64::encode;

    const PRIVATE_KEY: &[u8] = &[0x93, 0xC4, 0x42, 1, 2, 3];

    fn jwt(payload: &Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS512","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(payload).unwrap());
        format!("{header}.{body}.c2lnbmF0dXJl")
    }

    fn claims() -> Value {
        json!({
            "usrn": "max.muster",
            "dbn": "PSR_Production",
            "iat": 1_767_225_600,
            "exp": 1_798_761_600,
            "acr": "ReadWrite",
            "acs": "Passwords, Forms",
        })
    }

    fn key_with(payload: &Value) -> String {
        format!("{}:{}", jwt(payload), encode(PRIVATE_KEY))
    }

    fn with_claim(name: &str, value: Value) -> Value {
        let mut payload = claims();
        payload[name] = value;
        payload
    }

    fn without_claim(name: &str) -> Value {
        let mut payload = claims();
        payload.as_object_mut().unwrap().remove(name);
        payload
    }

    #[test]
    fn parse_reads_claims_and_private_key() {
        let key = ApiKey::parse(&key_with(&claims())).expect("valid");
        let claims = key.claims();
        assert_eq!(claims.username, "max.muster");
        assert_eq!(claims.database, "PSR_Production");
        assert_eq!(claims.issued_at, 1_767_225_600);
        assert_eq!(claims.expires_at, 1_798_761_600);
        assert_eq!(claims.access_rights, access::RIGHT_READ_WRITE);
        assert_eq!(
            claims.access_scopes,
            access::SCOPE_PASSWORDS | access::SCOPE_FORMS
        );
        assert_eq!(claims.access_rights_text, "ReadWrite");
        assert_eq!(claims.access_scopes_text, "Passwords, Forms");
        assert_eq!(key.private_key().expose_secret(), PRIVATE_KEY);
        assert_eq!(key.jwt().expose_secret(), jwt(&self::claims()));
    }

    #[test]
    fn parse_trims_surrounding_whitespace() {
        let text = format!("  {}\r\n", key_with(&claims()));
        assert!(ApiKey::parse(&text).is_ok());
    }

    #[test]
    fn parse_accepts_private_key_without_padding() {
        let text = format!(
            "{}:{}",
            jwt(&claims()),
            encode(PRIVATE_KEY).trim_end_matches('=')
        );
        let key = ApiKey::parse(&text).expect("valid");
        assert_eq!(key.private_key().expose_secret(), PRIVATE_KEY);
    }

    #[test]
    fn parse_rejects_separator_errors() {
        let jwt = jwt(&claims());
        assert_eq!(ApiKey::parse("").err(), Some(ApiKeyError::Empty));
        assert_eq!(ApiKey::parse(" \n").err(), Some(ApiKeyError::Empty));
        assert_eq!(
            ApiKey::parse(&jwt).err(),
            Some(ApiKeyError::MissingSeparator)
        );
        let two = format!("{jwt}:{}:extra", encode(PRIVATE_KEY));
        assert_eq!(ApiKey::parse(&two).err(), Some(ApiKeyError::ExtraSeparator));
    }

    #[test]
    fn parse_rejects_bad_private_key_part() {
        let jwt = jwt(&claims());
        assert_eq!(
            ApiKey::parse(&format!("{jwt}:")).err(),
            Some(ApiKeyError::MalformedPrivateKey)
        );
        assert_eq!(
            ApiKey::parse(&format!("{jwt}:not*base64")).err(),
            Some(ApiKeyError::MalformedPrivateKey)
        );
    }

    #[test]
    fn parse_rejects_malformed_jwt() {
        let private = encode(PRIVATE_KEY);
        for jwt in [
            "",
            "onlyone",
            "two.parts",
            "a.b.c.d",
            "a..c",
            "a.!!!.c",
            "a.e30.c",
        ] {
            let result = ApiKey::parse(&format!("{jwt}:{private}"));
            assert!(result.is_err(), "JWT {jwt:?} accepted");
        }
        // "e30" is "{}": valid JSON, but without claims.
        assert_eq!(
            ApiKey::parse(&format!("a.e30.c:{private}")).err(),
            Some(ApiKeyError::MissingClaim("usrn"))
        );
    }

    #[test]
    fn parse_rejects_missing_or_empty_text_claims() {
        for name in ["usrn", "dbn", "acr", "acs"] {
            let missing = ApiKey::parse(&key_with(&without_claim(name)));
            assert_eq!(missing.err(), Some(ApiKeyError::MissingClaim(name)));
            let empty = ApiKey::parse(&key_with(&with_claim(name, json!(""))));
            assert_eq!(empty.err(), Some(ApiKeyError::MissingClaim(name)));
            let number = ApiKey::parse(&key_with(&with_claim(name, json!(5))));
            assert_eq!(number.err(), Some(ApiKeyError::MissingClaim(name)));
        }
    }

    #[test]
    fn parse_rejects_non_numeric_times() {
        for name in ["iat", "exp"] {
            for value in [json!("1767225600"), json!(null), json!(true)] {
                let result = ApiKey::parse(&key_with(&with_claim(name, value.clone())));
                assert!(
                    matches!(result, Err(ApiKeyError::InvalidClaim { claim, .. }) if claim == name),
                    "{name} = {value}"
                );
            }
            let missing = ApiKey::parse(&key_with(&without_claim(name)));
            assert!(matches!(missing, Err(ApiKeyError::InvalidClaim { .. })));
        }
    }

    #[test]
    fn parse_truncates_fractional_times() {
        let key =
            ApiKey::parse(&key_with(&with_claim("iat", json!(1_767_225_600.75)))).expect("valid");
        assert_eq!(key.claims().issued_at, 1_767_225_600);
        let key = ApiKey::parse(&key_with(&with_claim("exp", json!(1e30))));
        assert!(key.is_err());
    }

    #[test]
    fn flag_texts_need_exact_separator() {
        let ok = |acs: &str| ApiKey::parse(&key_with(&with_claim("acs", json!(acs))));
        assert_eq!(
            ok("Unrestricted").unwrap().claims().access_scopes,
            access::SCOPE_UNRESTRICTED
        );
        assert_eq!(
            ok("Passwords, Forms, Documents, OrganisationalUnits, Roles")
                .unwrap()
                .claims()
                .access_scopes,
            31
        );
        assert_eq!(ok("None").unwrap().claims().access_scopes, 0);
        assert!(ok("Passwords,Forms").is_err());
        assert!(ok("Passwords ,Forms").is_err());
        assert!(ok("passwords").is_err());
        assert!(ok(", ").is_err());
        assert!(ok("Passwords, Unknown").is_err());
    }

    #[test]
    fn access_right_names_map_to_values() {
        for (text, value) in [
            ("Audit", 0),
            ("Read", 1),
            ("ReadWrite", 3),
            ("ReadWriteManage", 7),
        ] {
            let key = ApiKey::parse(&key_with(&with_claim("acr", json!(text)))).expect("valid");
            assert_eq!(key.claims().access_rights, value, "{text}");
        }
    }

    #[test]
    fn unicode_claims_survive_base64url() {
        let payload = with_claim("usrn", json!("jürgen.müller+ÄÖÜ?>>?"));
        let key = ApiKey::parse(&key_with(&payload)).expect("valid");
        assert_eq!(key.claims().username, "jürgen.müller+ÄÖÜ?>>?");
    }

    #[test]
    fn debug_shows_claims_but_no_secrets() {
        let text = key_with(&claims());
        let key = ApiKey::parse(&text).expect("valid");
        let debug = format!("{key:?}");
        let (jwt, private) = text.split_once(':').unwrap();
        assert!(debug.contains("max.muster"));
        assert!(!debug.contains(jwt));
        assert!(!debug.contains(jwt.split('.').nth(1).unwrap()));
        assert!(!debug.contains(private));
        assert!(!debug.contains("147, 196"));
    }

    #[test]
    fn errors_never_contain_the_key() {
        let text = format!("{}:{}:x", jwt(&claims()), encode(PRIVATE_KEY));
        let message = ApiKey::parse(&text).unwrap_err().to_string();
        assert!(!message.contains(&jwt(&claims())));
        assert!(!message.contains(&encode(PRIVATE_KEY)));
    }
}
