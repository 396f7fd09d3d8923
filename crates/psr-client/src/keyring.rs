//! The private keys a session can decrypt with, and the session token.

use std::fmt;

use base64::prelude::{Engine, BASE64_STANDARD};
use psr_crypto::{SecretBytes, SecretString};
use serde_json::{Map, Value};

use crate::json::guid_eq;

/// The private keys of the logged-in user and of its roles, each under the
/// id of its legitimate (user or role). The user's key comes first.
///
/// Keys are wiped when the ring is dropped. `Debug` shows ids only.
pub struct KeyRing {
    entries: Vec<(String, SecretBytes)>,
}

impl KeyRing {
    /// Creates a ring holding the user's private key.
    pub fn new(user_id: String, user_private_key: SecretBytes) -> KeyRing {
        KeyRing {
            entries: vec![(user_id, user_private_key)],
        }
    }

    /// Appends a role's private key.
    pub fn push(&mut self, legitimate_id: String, private_key: SecretBytes) {
        self.entries.push((legitimate_id, private_key));
    }

    /// Returns the user's id.
    pub fn user_id(&self) -> &str {
        &self.entries[0].0
    }

    /// Returns the user's private key, which signs the login challenge and
    /// the CSRF token.
    pub fn user_private_key(&self) -> &SecretBytes {
        &self.entries[0].1
    }

    /// Returns the key of a legitimate; GUIDs compare case-insensitively.
    pub fn get(&self, legitimate_id: &str) -> Option<&SecretBytes> {
        self.entries
            .iter()
            .find(|(id, _)| guid_eq(id, legitimate_id))
            .map(|(_, key)| key)
    }

    /// Iterates over `(legitimate id, private key)` in ring order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &SecretBytes)> {
        self.entries.iter().map(|(id, key)| (id.as_str(), key))
    }

    /// Returns the number of keys, at least 1.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Always `false`: a ring contains at least the user's key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field(
                "ids",
                &self.entries.iter().map(|(id, _)| id).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// The session token that authenticates `WebService` calls:
/// `{"Database":…,"SessionId":…,"SessionKey":…}`.
///
/// `Debug` hides the session key.
#[derive(Clone)]
pub struct SessionToken {
    database: String,
    session_id: String,
    session_key: SecretString,
}

impl SessionToken {
    /// Creates a token from the database name (the API key's `dbn` claim)
    /// and the session id and key of the completed login.
    pub fn new(database: String, session_id: String, session_key: SecretString) -> SessionToken {
        SessionToken {
            database,
            session_id,
            session_key,
        }
    }

    /// Returns the database name.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// Returns the session id.
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// Returns the compact JSON of the token, members in the order
    /// `Database`, `SessionId`, `SessionKey`.
    pub fn json(&self) -> SecretString {
        let mut token = Map::new();
        token.insert("Database".into(), Value::String(self.database.clone()));
        token.insert("SessionId".into(), Value::String(self.session_id.clone()));
        token.insert(
            "SessionKey".into(),
            Value::String(self.session_key.expose_secret().to_string()),
        );
        let mut value = Value::Object(token);
        let text = SecretString::new(value.to_string());
        wipe_strings(&mut value);
        text
    }

    /// Returns the `token2` header value: base64 of [`SessionToken::json`].
    pub fn header_value(&self) -> SecretString {
        SecretString::new(BASE64_STANDARD.encode(self.json().expose_secret()))
    }
}

/// Overwrites the string members of a JSON object, so that the copy of the
/// session key does not outlive the call.
fn wipe_strings(value: &mut Value) {
    use zeroize::Zeroize;
    if let Value::Object(map) = value {
        for member in map.values_mut() {
            if let Value::String(text) = member {
                text.zeroize();
            }
        }
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionToken")
            .field("database", &self.database)
            .field("session_id", &self.session_id)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_json_keeps_member_order() {
        let token = SessionToken::new("DB".into(), "S-1".into(), SecretString::from("K\"ey"));
        assert_eq!(
            token.json().expose_secret(),
            r#"{"Database":"DB","SessionId":"S-1","SessionKey":"K\"ey"}"#
        );
        let decoded = BASE64_STANDARD
            .decode(token.header_value().expose_secret())
            .expect("base64");
        assert_eq!(decoded, token.json().expose_secret().as_bytes());
    }

    #[test]
    fn debug_hides_keys() {
        let token = SessionToken::new("DB".into(), "S-1".into(), SecretString::from("topsecret"));
        assert!(!format!("{token:?}").contains("topsecret"));
        let ring = KeyRing::new("U".into(), SecretBytes::new(b"privatekey".to_vec()));
        assert!(!format!("{ring:?}").contains("privatekey"));
    }

    #[test]
    fn ring_lookup_ignores_guid_case() {
        let mut ring = KeyRing::new("AA-bb".into(), SecretBytes::new(vec![1]));
        ring.push("cc-DD".into(), SecretBytes::new(vec![2]));
        assert_eq!(
            ring.get("aa-BB").map(|k| k.expose_secret()),
            Some(&[1u8][..])
        );
        assert_eq!(
            ring.get("CC-dd").map(|k| k.expose_secret()),
            Some(&[2u8][..])
        );
        assert!(ring.get("ee").is_none());
        assert_eq!(ring.len(), 2);
    }
}
