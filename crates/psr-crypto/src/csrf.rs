//! The `CSRF-Token` header value.

use std::time::SystemTime;

use crate::error::KeyError;
use crate::secret::SecretString;

/// Session id and timestamp of a verified CSRF token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfToken {
    /// Session id the token was made for.
    pub session_id: String,
    /// Timestamp text, as signed.
    pub timestamp: String,
}

/// Formats `now` as UTC `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn csrf_timestamp(now: SystemTime) -> String {
    let _ = now;
    String::new()
}

/// Computes the `CSRF-Token` header value.
pub fn csrf_header_value(
    session_id: &str,
    timestamp: &str,
    user_private_key: &[u8],
) -> Result<SecretString, KeyError> {
    let _ = (session_id, timestamp, user_private_key);
    Err(KeyError::UnknownKeyType)
}

/// Verifies a `CSRF-Token` header value against the user's public key.
pub fn verify_csrf_header_value(header_value: &str, user_public_key: &[u8]) -> Option<CsrfToken> {
    let _ = (header_value, user_public_key);
    None
}
