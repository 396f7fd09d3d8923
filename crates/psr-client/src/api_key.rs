//! Local checks of an API key before any request is sent.

use std::time::{SystemTime, UNIX_EPOCH};

use psr_crypto::{access, ApiKey};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::Error;

/// Checks that an API key can read passwords at time `now`: it has not
/// expired, grants the `Read` access right and includes the `Passwords`
/// scope. The error names the user, the database and what is missing.
pub fn validate_api_key(api_key: &ApiKey, now: SystemTime) -> Result<(), Error> {
    let claims = api_key.claims();
    let now_seconds = match now.duration_since(UNIX_EPOCH) {
        Ok(elapsed) => i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX),
        Err(before_epoch) => -i64::try_from(before_epoch.duration().as_secs()).unwrap_or(i64::MAX),
    };
    if claims.expires_at <= now_seconds {
        let expired_at = OffsetDateTime::from_unix_timestamp(claims.expires_at)
            .ok()
            .and_then(|time| time.format(&Rfc3339).ok())
            .unwrap_or_else(|| format!("{} (seconds since 1970)", claims.expires_at));
        return Err(Error::ApiKeyExpired {
            username: claims.username.clone(),
            database: claims.database.clone(),
            expired_at,
        });
    }
    if claims.access_rights & access::RIGHT_READ == 0 {
        return Err(Error::ApiKeyMissingReadRight {
            username: claims.username.clone(),
            database: claims.database.clone(),
            access_rights: claims.access_rights_text.clone(),
        });
    }
    if claims.access_scopes & access::SCOPE_PASSWORDS == 0 {
        return Err(Error::ApiKeyMissingPasswordsScope {
            username: claims.username.clone(),
            database: claims.database.clone(),
            access_scopes: claims.access_scopes_text.clone(),
        });
    }
    Ok(())
}
