//! `psvault key inspect`, and the key report that `check` shares.
//!
//! The report shows the API key's claims only: never the JWT, never the
//! private key.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use psr_crypto::access::{RIGHT_READ, SCOPE_FORMS, SCOPE_PASSWORDS};
use psr_crypto::ApiKey;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::cli::ReportFormat;
use crate::exit::{Failure, Outcome};
use crate::output::{json_line, write_lines, write_stdout, Reporter};
use crate::settings::InspectSettings;

/// Keys that expire within this many days get a warning.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

const SECONDS_PER_DAY: i64 = 86_400;

/// The claims of an API key, as `key inspect` and `check` print them.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyReport {
    /// User that owns the key.
    pub user: String,
    /// Database the key belongs to.
    pub database: String,
    /// Issue time, RFC 3339 in UTC.
    pub issued_at: String,
    /// Expiry time, RFC 3339 in UTC.
    pub expires_at: String,
    /// Whole days until expiry; negative once expired.
    pub days_left: i64,
    /// Access rights as Password Secure names them, e.g. `Read`.
    pub rights: String,
    /// Access scopes as Password Secure names them, e.g. `Passwords`.
    pub scopes: String,
    /// True when the expiry time has passed.
    pub expired: bool,
    /// True when the key can read passwords: not expired, with the Read
    /// right and the Passwords scope.
    pub usable: bool,
    /// True when the key has the Forms scope, which `check` needs to read
    /// the AD User form.
    #[serde(skip)]
    pub has_forms_scope: bool,
}

impl KeyReport {
    /// Builds the report of `api_key` as of `now`.
    pub fn new(api_key: &ApiKey, now: SystemTime) -> KeyReport {
        let claims = api_key.claims();
        let now = match now.duration_since(UNIX_EPOCH) {
            Ok(elapsed) => i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX),
            Err(_) => 0,
        };
        let expired = claims.expires_at <= now;
        let has_read_right = claims.access_rights & RIGHT_READ == RIGHT_READ;
        let has_passwords_scope = claims.access_scopes & SCOPE_PASSWORDS == SCOPE_PASSWORDS;
        let has_forms_scope = claims.access_scopes & SCOPE_FORMS == SCOPE_FORMS;

        KeyReport {
            user: claims.username.clone(),
            database: claims.database.clone(),
            issued_at: rfc3339(claims.issued_at),
            expires_at: rfc3339(claims.expires_at),
            days_left: claims
                .expires_at
                .saturating_sub(now)
                .div_euclid(SECONDS_PER_DAY),
            rights: claims.access_rights_text.clone(),
            scopes: claims.access_scopes_text.clone(),
            expired,
            usable: !expired && has_read_right && has_passwords_scope,
            has_forms_scope,
        }
    }

    /// Returns the lines of the text report.
    pub fn text_lines(&self) -> Vec<String> {
        let expiry = if self.expired {
            format!("{} (expired)", self.expires_at)
        } else {
            format!("{} ({} days left)", self.expires_at, self.days_left)
        };
        vec![
            format!("user:      {}", self.user),
            format!("database:  {}", self.database),
            format!("issued:    {}", self.issued_at),
            format!("expires:   {expiry}"),
            format!("rights:    {}", self.rights),
            format!("scopes:    {}", self.scopes),
        ]
    }

    /// Warns when the key expires within `EXPIRY_WARNING_DAYS`.
    pub fn warn_if_expiring(&self, reporter: &Reporter) {
        if !self.expired && self.days_left < EXPIRY_WARNING_DAYS {
            reporter.warn(&format!(
                "the API key of user {} expires in {} days, at {}; create a new \
                 key in Password Secure before then",
                self.user, self.days_left, self.expires_at
            ));
        }
    }
}

/// Fails when `api_key` cannot read passwords at `now`: expired, or
/// missing the Read right or the Passwords scope. The message is the one
/// that `get` prints for the same key.
pub fn check_usable(api_key: &ApiKey, now: SystemTime) -> Result<(), Failure> {
    psr_client::validate_api_key(api_key, now).map_err(|e| Failure::client(&e))
}

/// Formats seconds since the Unix epoch as RFC 3339 in UTC; values
/// outside the calendar's range are shown as the raw number.
fn rfc3339(seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|time| time.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("{seconds} (out of range)"))
}

/// Runs `psvault key inspect`: prints the report, then fails with exit
/// code 4 when the key cannot read passwords.
pub fn run(
    settings: &InspectSettings,
    stdout: &mut dyn Write,
    reporter: &Reporter,
) -> Result<Outcome, Failure> {
    let now = SystemTime::now();
    let report = KeyReport::new(&settings.api_key, now);
    write_report(&report, settings.format, stdout)?;
    report.warn_if_expiring(reporter);
    check_usable(&settings.api_key, now)?;
    Ok(Outcome::Success)
}

fn write_report(
    report: &KeyReport,
    format: ReportFormat,
    stdout: &mut dyn Write,
) -> Result<(), Failure> {
    match format {
        ReportFormat::Json => write_stdout(stdout, &json_line(report, 0)?),
        ReportFormat::Text => write_lines(stdout, &report.text_lines()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_is_utc() {
        assert_eq!(rfc3339(1_924_992_000), "2031-01-01T00:00:00Z");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert!(rfc3339(i64::MAX).contains("out of range"));
    }
}
