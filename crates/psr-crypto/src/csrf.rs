//! The `CSRF-Token` header value.
//!
//! ```text
//! T    = UTC time, YYYY-MM-DDTHH:MM:SS.mmmZ
//! H    = lower-case hex of SHA-256(UTF-8(session_id ";" T))
//! M    = ASCII bytes of base64(ASCII bytes of H)
//! csrf = base64(sign(user private key, M)) ";" session_id ";" T
//! header value = base64(UTF-8(csrf))
//! ```

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::base64::{decode_lenient, encode};
use crate::error::KeyError;
use crate::secret::SecretString;
use crate::sign::{sign, verify};

/// Session id and timestamp of a verified CSRF token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfToken {
    /// Session id the token was made for.
    pub session_id: String,
    /// Timestamp text, exactly as signed.
    pub timestamp: String,
}

/// Formats `now` as UTC `YYYY-MM-DDTHH:MM:SS.mmmZ`, like JavaScript's
/// `Date.prototype.toJSON`, truncating to milliseconds.
pub fn csrf_timestamp(now: SystemTime) -> String {
    let millis: i128 = match now.duration_since(UNIX_EPOCH) {
        Ok(after) => i128::try_from(after.as_millis()).unwrap_or(i128::MAX),
        Err(before) => -i128::try_from(before.duration().as_millis()).unwrap_or(i128::MAX),
    };
    let days = millis.div_euclid(86_400_000);
    let millis_of_day = millis.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        millis_of_day / 3_600_000,
        millis_of_day / 60_000 % 60,
        millis_of_day / 1000 % 60,
        millis_of_day % 1000,
    )
}

/// Computes the `CSRF-Token` header value from the session id, the
/// timestamp text (used as given) and the user's private key.
///
/// With an RSA key the value is deterministic; with a P-521 key it differs
/// on every call. Fails if the key cannot sign.
pub fn csrf_header_value(
    session_id: &str,
    timestamp: &str,
    user_private_key: &[u8],
) -> Result<SecretString, KeyError> {
    let signature = sign(user_private_key, &signed_message(session_id, timestamp))?;
    let csrf = format!("{};{session_id};{timestamp}", encode(&signature));
    Ok(SecretString::new(encode(csrf.as_bytes())))
}

/// Verifies a `CSRF-Token` header value against the user's public key and
/// returns the session id and timestamp it carries.
///
/// Returns `None` if the value is not base64 of UTF-8 text with three
/// `;`-separated parts, or if the signature does not verify. The session id
/// is the text between the first and the last `;`. The caller must still
/// compare the session id with the session's own and judge the timestamp.
pub fn verify_csrf_header_value(header_value: &str, user_public_key: &[u8]) -> Option<CsrfToken> {
    let decoded = decode_lenient(header_value.as_bytes())?;
    let csrf = String::from_utf8(decoded).ok()?;
    let (signature, rest) = csrf.split_once(';')?;
    let (session_id, timestamp) = rest.rsplit_once(';')?;
    let signature = decode_lenient(signature.as_bytes())?;
    let message = signed_message(session_id, timestamp);
    if !verify(user_public_key, &message, &signature) {
        return None;
    }
    Some(CsrfToken {
        session_id: session_id.to_owned(),
        timestamp: timestamp.to_owned(),
    })
}

/// Builds M, the bytes that are signed.
fn signed_message(session_id: &str, timestamp: &str) -> Vec<u8> {
    let digest = Sha256::digest(format!("{session_id};{timestamp}").as_bytes());
    let mut hex = String::with_capacity(2 * digest.len());
    for byte in digest {
        // Writing to a String cannot fail.
        let _ = write!(hex, "{byte:02x}");
    }
    encode(hex.as_bytes()).into_bytes()
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month,
/// day), using 400-year eras of 146097 days.
fn civil_from_days(days: i128) -> (i128, u32, u32) {
    let shifted = days + 719_468; // days since 0000-03-01
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i128::from(month <= 2);
    // day is in 1..=31 and month in 1..=12, so both fit in u32.
    (year, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn csrf_timestamp_formats_epoch() {
        assert_eq!(csrf_timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn csrf_timestamp_formats_milliseconds() {
        // 2026-04-23T12:34:56.789Z
        let time = UNIX_EPOCH + Duration::from_millis(1_776_947_696_789);
        assert_eq!(csrf_timestamp(time), "2026-04-23T12:34:56.789Z");
    }

    #[test]
    fn csrf_timestamp_truncates_below_milliseconds() {
        let time = UNIX_EPOCH + Duration::from_micros(1_999);
        assert_eq!(csrf_timestamp(time), "1970-01-01T00:00:00.001Z");
    }

    #[test]
    fn csrf_timestamp_handles_leap_day_and_year_end() {
        // 2024-02-29T00:00:00Z and 2023-12-31T23:59:59.999Z
        let leap_day = UNIX_EPOCH + Duration::from_secs(1_709_164_800);
        assert_eq!(csrf_timestamp(leap_day), "2024-02-29T00:00:00.000Z");
        let year_end = UNIX_EPOCH + Duration::from_millis(1_704_067_199_999);
        assert_eq!(csrf_timestamp(year_end), "2023-12-31T23:59:59.999Z");
    }

    #[test]
    fn csrf_timestamp_handles_time_before_epoch() {
        let time = UNIX_EPOCH - Duration::from_millis(1);
        assert_eq!(csrf_timestamp(time), "1969-12-31T23:59:59.999Z");
    }
}

#[cfg(test)]
mod signing_tests {
    use super::*;
    use crate::keys::{generate_ecc_key_pair, generate_rsa_key_pair};

    const SESSION: &str = "5f0e7c7e-2b59-4c1a-9c55-0d1f3a6e9b21";
    const TIME: &str = "2026-04-23T12:34:56.789Z";

    #[test]
    fn ecc_header_value_verifies() {
        let pair = generate_ecc_key_pair();
        let header =
            csrf_header_value(SESSION, TIME, pair.private_key.expose_secret()).expect("signs");
        let token =
            verify_csrf_header_value(header.expose_secret(), &pair.public_key).expect("verifies");
        assert_eq!(token.session_id, SESSION);
        assert_eq!(token.timestamp, TIME);
    }

    #[test]
    fn rsa_header_value_is_deterministic() {
        let pair = generate_rsa_key_pair(1024).expect("generate RSA key");
        let private = pair.private_key.expose_secret();
        let first = csrf_header_value(SESSION, TIME, private).expect("signs");
        let second = csrf_header_value(SESSION, TIME, private).expect("signs");
        assert_eq!(first, second);
        assert!(verify_csrf_header_value(first.expose_secret(), &pair.public_key).is_some());
    }

    #[test]
    fn header_value_layout() {
        let pair = generate_ecc_key_pair();
        let header =
            csrf_header_value(SESSION, TIME, pair.private_key.expose_secret()).expect("signs");
        let csrf =
            String::from_utf8(decode_lenient(header.expose_secret().as_bytes()).unwrap()).unwrap();
        let parts: Vec<&str> = csrf.split(';').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(decode_lenient(parts[0].as_bytes()).unwrap().len(), 132);
        assert_eq!(parts[1], SESSION);
        assert_eq!(parts[2], TIME);
    }

    #[test]
    fn changed_session_or_time_does_not_verify() {
        let pair = generate_ecc_key_pair();
        let header =
            csrf_header_value(SESSION, TIME, pair.private_key.expose_secret()).expect("signs");
        let csrf =
            String::from_utf8(decode_lenient(header.expose_secret().as_bytes()).unwrap()).unwrap();
        for changed in [
            csrf.replace(SESSION, "other-session"),
            csrf.replace(TIME, "2026-04-23T12:34:56.790Z"),
        ] {
            let value = encode(changed.as_bytes());
            assert_eq!(verify_csrf_header_value(&value, &pair.public_key), None);
        }
    }

    #[test]
    fn malformed_header_values_do_not_verify() {
        let pair = generate_ecc_key_pair();
        for value in [
            "",
            "not base64!",
            &encode(b"no separators"),
            &encode(b"a;b"),
        ] {
            assert_eq!(verify_csrf_header_value(value, &pair.public_key), None);
        }
    }

    #[test]
    fn signed_message_is_base64_of_hex_digest() {
        let message = signed_message("s", "t");
        assert_eq!(message.len(), 88);
        let hex = decode_lenient(&message).unwrap();
        assert_eq!(hex.len(), 64);
        assert!(hex
            .iter()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c)));
    }
}
