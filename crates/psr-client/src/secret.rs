//! Reading a password: rights, key choice, the logged secret request and
//! decryption.
//!
//! The item key is the right key of one of the item's rights, decrypted
//! with the private key of the right's legitimate (the user or one of its
//! roles). The password is the item's `Value`, decrypted with the item key
//! and decoded as strict UTF-8.

use base64::prelude::{Engine, BASE64_STANDARD};
use psr_crypto::{SecretBytes, SecretString};
use serde_json::{json, Value};

use crate::api::{ApiMethod, Exchange};
use crate::error::Error;
use crate::json::{guid_eq, is_empty_guid, non_empty_str, str_member};
use crate::keyring::KeyRing;

/// Exception code `ItemSecretNoReason`.
const CODE_REASON_REQUIRED: i64 = 20019;
/// Exception code `RightInsufficientRight`.
const CODE_INSUFFICIENT_RIGHT: i64 = 30003;
/// Exception codes `PasswordIsSealed` and `ContainerItemIsSealed`.
const CODES_SEALED: [i64; 2] = [20047, 1300001];
/// Exception codes `RightNoKey` and `RightKeyMissing`.
const CODES_NO_KEY: [i64; 2] = [30011, 30015];

/// One data right on an item, as far as key choice needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataRight {
    /// Id of the user or role holding the right.
    pub legitimate_id: String,
    /// Base64 of the item key encrypted for the legitimate, if any.
    pub right_key: Option<String>,
    /// Id of the seal protecting the right, if any.
    pub seal_id: Option<String>,
    /// Whether the right only allows auto-fill, not revealing the secret.
    pub secured_data: bool,
}

impl DataRight {
    /// Tells whether a real seal protects the right. A missing, empty or
    /// all-zero `SealId` means "not sealed".
    pub fn is_sealed(&self) -> bool {
        self.seal_id.as_deref().is_some_and(|id| !is_empty_guid(id))
    }
}

/// Parses the response of `GetLegitimateDataRights`. An empty response means
/// no rights; rights without a `LegitimateId` are skipped.
pub fn parse_rights(response: Option<&Value>, url: &str) -> Result<Vec<DataRight>, Error> {
    let rights = match response {
        None => return Ok(Vec::new()),
        Some(Value::Array(rights)) => rights,
        Some(_) => {
            return Err(Error::UnexpectedResponse {
                url: url.to_string(),
                detail: "the data rights are not a JSON array".to_string(),
            })
        }
    };
    let mut parsed = Vec::with_capacity(rights.len());
    for right in rights {
        if !right.is_object() {
            return Err(Error::UnexpectedResponse {
                url: url.to_string(),
                detail: "a data right is not a JSON object".to_string(),
            });
        }
        let Some(legitimate_id) = non_empty_str(right, "LegitimateId") else {
            continue;
        };
        parsed.push(DataRight {
            legitimate_id: legitimate_id.to_string(),
            right_key: non_empty_str(right, "RightKey").map(str::to_string),
            seal_id: str_member(right, "SealId").map(str::to_string),
            secured_data: right.get("SecuredData") == Some(&Value::Bool(true)),
        });
    }
    Ok(parsed)
}

/// Chooses and decrypts the item key.
///
/// A right is usable when it is not sealed, not secured, carries a right
/// key and belongs to a legitimate in the key ring. Usable rights are tried
/// in server order; the first whose right key decrypts gives the item key.
///
/// Errors: `Secured` when the only candidates are secured rights, `Sealed`
/// when no right is usable and some right is sealed, `NoKey` when no right
/// is usable otherwise, `DecryptFailed` when no usable right decrypts.
pub fn choose_item_key(
    rights: &[DataRight],
    key_ring: &KeyRing,
    entry_id: &str,
) -> Result<SecretBytes, Error> {
    let mut usable = Vec::new();
    let mut any_sealed = false;
    let mut any_secured = false;
    for right in rights {
        if right.is_sealed() {
            any_sealed = true;
            continue;
        }
        let (Some(right_key), Some(private_key)) =
            (&right.right_key, key_ring.get(&right.legitimate_id))
        else {
            continue;
        };
        if right.secured_data {
            any_secured = true;
            continue;
        }
        usable.push((right, right_key, private_key));
    }

    if usable.is_empty() {
        let entry_id = entry_id.to_string();
        return Err(if any_secured {
            Error::Secured { entry_id }
        } else if any_sealed {
            Error::Sealed { entry_id }
        } else {
            Error::NoKey { entry_id }
        });
    }

    for (right, right_key, private_key) in usable {
        let item_key = BASE64_STANDARD
            .decode(right_key.trim())
            .ok()
            .and_then(|blob| psr_crypto::decrypt(private_key.expose_secret(), &blob).ok());
        match item_key {
            Some(item_key) => {
                tracing::trace!(
                    entry_id,
                    legitimate_id = right.legitimate_id.as_str(),
                    "item key decrypted with this right"
                );
                return Ok(item_key);
            }
            None => tracing::debug!(
                entry_id,
                legitimate_id = right.legitimate_id.as_str(),
                "right key does not decrypt; trying the next right"
            ),
        }
    }
    Err(Error::DecryptFailed {
        entry_id: entry_id.to_string(),
        part: "item key",
    })
}

/// Decrypts the `Value` of the item returned by
/// `GetContainerItemWithSecretValue`. A missing, null or empty value is
/// the empty password. The bytes are decoded as strict UTF-8 and every
/// byte is kept, including a leading byte-order mark.
pub fn decrypt_secret_value(
    item: &Value,
    item_key: &SecretBytes,
    entry_id: &str,
) -> Result<SecretString, Error> {
    let decrypt_failed = || Error::DecryptFailed {
        entry_id: entry_id.to_string(),
        part: "password value",
    };
    let value = match item.get("Value") {
        None | Some(Value::Null) => "",
        Some(Value::String(value)) => value.as_str(),
        Some(_) => return Err(decrypt_failed()),
    };
    if value.is_empty() {
        return Ok(SecretString::new(String::new()));
    }
    let blob = BASE64_STANDARD
        .decode(value.trim())
        .map_err(|_| decrypt_failed())?;
    let plaintext =
        psr_crypto::decrypt(item_key.expose_secret(), &blob).map_err(|_| decrypt_failed())?;
    SecretString::from_utf8(plaintext).map_err(|_| Error::InvalidUtf8Secret {
        entry_id: entry_id.to_string(),
    })
}

/// Reads and decrypts the password item `item_id` of entry `entry_id`.
///
/// The key is chosen before `GetContainerItemWithSecretValue` is called,
/// so an entry whose secret cannot be released leaves no logbook entry.
/// `reason` is the audit reason recorded by the server.
pub fn read_secret(
    exchange: &mut dyn Exchange,
    key_ring: &KeyRing,
    entry_id: &str,
    item_id: &str,
    reason: &str,
) -> Result<SecretString, Error> {
    let rights_body = json!({"dataId": item_id, "checkRights": false, "showDeletedNames": false});
    let rights_url = exchange.url_for(ApiMethod::GetLegitimateDataRights);
    let rights = exchange
        .call(ApiMethod::GetLegitimateDataRights, &rights_body)
        .map_err(|error| refine_server_error(error, entry_id))?;
    let rights = parse_rights(rights.as_ref(), &rights_url)?;
    let item_key = choose_item_key(&rights, key_ring, entry_id)?;

    let secret_body = json!({"itemId": item_id, "reason": reason});
    let secret_url = exchange.url_for(ApiMethod::GetContainerItemWithSecretValue);
    let item = exchange
        .call(ApiMethod::GetContainerItemWithSecretValue, &secret_body)
        .map_err(|error| refine_server_error(error, entry_id))?
        .ok_or_else(|| Error::UnexpectedResponse {
            url: secret_url.clone(),
            detail: format!("the item {item_id} came back empty"),
        })?;
    // Anything but an object would read as an item without a Value, which
    // is the empty password.
    if !item.is_object() {
        return Err(Error::UnexpectedResponse {
            url: secret_url,
            detail: format!("the item {item_id} is not a JSON object"),
        });
    }
    if let Some(returned_id) = non_empty_str(&item, "Id") {
        if !guid_eq(returned_id, item_id) {
            return Err(Error::UnexpectedResponse {
                url: secret_url,
                detail: format!("asked for item {item_id} but received item {returned_id}"),
            });
        }
    }
    decrypt_secret_value(&item, &item_key, entry_id)
}

/// Maps the exception codes of secret reads to the matching errors.
fn refine_server_error(error: Error, entry_id: &str) -> Error {
    let Error::ServerError {
        code: Some(code), ..
    } = &error
    else {
        return error;
    };
    let entry_id = entry_id.to_string();
    match *code {
        CODE_REASON_REQUIRED => Error::ReasonRequired { entry_id },
        CODE_INSUFFICIENT_RIGHT => Error::InsufficientRight { entry_id },
        code if CODES_SEALED.contains(&code) => Error::Sealed { entry_id },
        code if CODES_NO_KEY.contains(&code) => Error::NoKey { entry_id },
        _ => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn right(id: &str, key: Option<&str>, seal: Option<&str>, secured: bool) -> DataRight {
        DataRight {
            legitimate_id: id.into(),
            right_key: key.map(str::to_string),
            seal_id: seal.map(str::to_string),
            secured_data: secured,
        }
    }

    fn ring() -> KeyRing {
        KeyRing::new("user".into(), SecretBytes::new(vec![7; 32]))
    }

    #[test]
    fn seal_id_forms() {
        assert!(!right("u", None, None, false).is_sealed());
        assert!(!right("u", None, Some(""), false).is_sealed());
        assert!(!right(
            "u",
            None,
            Some("00000000-0000-0000-0000-000000000000"),
            false
        )
        .is_sealed());
        assert!(right(
            "u",
            None,
            Some("9f0e0000-0000-0000-0000-000000000001"),
            false
        )
        .is_sealed());
    }

    #[test]
    fn no_rights_is_no_key() {
        let result = choose_item_key(&[], &ring(), "E");
        assert!(matches!(result, Err(Error::NoKey { .. })), "{result:?}");
    }

    #[test]
    fn sealed_only_is_sealed() {
        let rights = [right("user", Some("AA=="), Some("1-2"), false)];
        let result = choose_item_key(&rights, &ring(), "E");
        assert!(matches!(result, Err(Error::Sealed { .. })), "{result:?}");
    }

    #[test]
    fn secured_only_is_secured() {
        let rights = [right("USER", Some("AA=="), None, true)];
        let result = choose_item_key(&rights, &ring(), "E");
        assert!(matches!(result, Err(Error::Secured { .. })), "{result:?}");
    }

    #[test]
    fn undecryptable_right_is_decrypt_failed() {
        let rights = [right("user", Some("not base64!"), None, false)];
        let result = choose_item_key(&rights, &ring(), "E");
        assert!(
            matches!(
                result,
                Err(Error::DecryptFailed {
                    part: "item key",
                    ..
                })
            ),
            "{result:?}"
        );
    }

    #[test]
    fn parse_rights_reads_members() {
        let response = json!([
            {"$type": "R", "LegitimateId": "u", "RightKey": "AA==", "SealId": null, "SecuredData": false},
            {"$type": "R", "RightKey": "AA=="},
            {"LegitimateId": "r", "RightKey": "", "SealId": "s", "SecuredData": true}
        ]);
        let rights = parse_rights(Some(&response), "u").expect("valid");
        assert_eq!(rights.len(), 2);
        assert_eq!(rights[0].right_key.as_deref(), Some("AA=="));
        assert_eq!(rights[1].right_key, None);
        assert!(rights[1].secured_data);
        assert!(parse_rights(Some(&json!({})), "u").is_err());
        assert!(parse_rights(None, "u").expect("empty").is_empty());
    }

    #[test]
    fn empty_value_is_empty_password() {
        let key = SecretBytes::new(vec![0; 32]);
        for item in [json!({"Value": null}), json!({"Value": ""}), json!({})] {
            let secret = decrypt_secret_value(&item, &key, "E").expect("empty");
            assert_eq!(secret.expose_secret(), "");
        }
    }

    #[test]
    fn server_codes_map_to_release_errors() {
        let server = |code| Error::ServerError {
            url: "u".into(),
            code: Some(code),
            message: None,
        };
        assert!(matches!(
            refine_server_error(server(20019), "E"),
            Error::ReasonRequired { .. }
        ));
        assert!(matches!(
            refine_server_error(server(20047), "E"),
            Error::Sealed { .. }
        ));
        assert!(matches!(
            refine_server_error(server(30011), "E"),
            Error::NoKey { .. }
        ));
        assert!(matches!(
            refine_server_error(server(1), "E"),
            Error::ServerError { .. }
        ));
    }
}
