//! The fixture: a JSON description of the database that a simulator serves.
//!
//! The format is documented in the crate's `README.md`. A fixture contains
//! plain text secrets, which the simulator encrypts on start; afterwards it
//! keeps only the ciphertext.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::flags;

/// A whole simulated database: forms, roles, users with API keys, and
/// password entries.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fixture {
    /// Database name, issued as the `dbn` claim of every API key.
    pub database: String,
    /// Forms (templates) that entries are built from.
    #[serde(default)]
    pub forms: Vec<FixtureForm>,
    /// Roles; their members read entries whose readers name `role:NAME`.
    #[serde(default)]
    pub roles: Vec<FixtureRole>,
    /// Users and their API keys.
    #[serde(default)]
    pub users: Vec<FixtureUser>,
    /// Password entries.
    #[serde(default)]
    pub entries: Vec<FixtureEntry>,
}

/// A form (template) with its field definitions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FixtureForm {
    /// Fixed GUID of the form; a random one when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// Form name as the server lists it, for example `AD User`.
    pub name: String,
    /// Fields in display order. Labels may be localised, for example
    /// `Benutzername` instead of `Username`.
    pub fields: Vec<FixtureField>,
}

/// One field of a form.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FixtureField {
    /// Fixed GUID of the field; derived from the form id when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// Field label.
    pub name: String,
    /// Field type, for example `text`, `username` or `password`.
    #[serde(rename = "type")]
    pub field_type: FieldType,
}

/// A role. Role key pairs are generated on start.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FixtureRole {
    /// Fixed GUID of the role; a random one when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// Role name, referenced by users and by `role:NAME` readers.
    pub name: String,
    /// Type of the role key pair (default `ecc`).
    #[serde(default)]
    pub key_type: FixtureKeyType,
}

/// A user with its API keys.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FixtureUser {
    /// Fixed GUID of the user; a random one when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// User name, issued as the `usrn` claim.
    pub name: String,
    /// Type of the user key pair; it also decides the encryption version
    /// that the login reports (ECC 1, RSA 0). Default `ecc`.
    #[serde(default)]
    pub key_type: FixtureKeyType,
    /// Names of the roles the user is a member of.
    #[serde(default)]
    pub roles: Vec<String>,
    /// API keys issued for the user.
    #[serde(default)]
    pub api_keys: Vec<FixtureApiKey>,
    /// When true, every login of the user fails with a `LoginLock` object.
    #[serde(default)]
    pub locked: bool,
}

/// An API key issued for a user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FixtureApiKey {
    /// Key name, unique per user; the key is published as `<user>/<name>`.
    pub name: String,
    /// Access rights as .NET flag text, for example `Read` (the default).
    #[serde(default = "default_rights")]
    pub rights: String,
    /// Access scopes as .NET flag text, for example `Passwords, Forms`
    /// (default `Passwords`).
    #[serde(default = "default_scopes")]
    pub scopes: String,
    /// Expiry time in RFC 3339, possibly in the past. Default: one year
    /// after the simulator starts.
    #[serde(default)]
    pub expires: Option<String>,
}

fn default_rights() -> String {
    "Read".to_owned()
}

fn default_scopes() -> String {
    "Passwords".to_owned()
}

/// A password entry (a password container built from a form).
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FixtureEntry {
    /// Fixed GUID of the container; a random one when absent. Item ids are
    /// derived from a fixed container id, so they are fixed too.
    #[serde(default)]
    pub id: Option<String>,
    /// Name of the form the entry is built from.
    pub form: String,
    /// Field values by field label. Fields left out have no value.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Users (`NAME`) and roles (`role:NAME`) that hold a read right.
    #[serde(default)]
    pub readers: Vec<String>,
    /// When true, every right carries a seal and the secret cannot be read.
    #[serde(default)]
    pub sealed: bool,
    /// When true, every right is marked as secured data (auto-fill only)
    /// and the secret cannot be revealed.
    #[serde(default)]
    pub secured: bool,
    /// When true, reading the secret requires a non-empty reason.
    #[serde(default)]
    pub require_reason: bool,
    /// How the secret items are encrypted (default `current`).
    #[serde(default)]
    pub item_format: ItemFormat,
}

impl fmt::Debug for FixtureEntry {
    // Field values may be passwords, so only the labels are printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FixtureEntry")
            .field("id", &self.id)
            .field("form", &self.form)
            .field("fields", &self.fields.keys().collect::<Vec<_>>())
            .field("readers", &self.readers)
            .field("sealed", &self.sealed)
            .field("secured", &self.secured)
            .field("require_reason", &self.require_reason)
            .field("item_format", &self.item_format)
            .finish()
    }
}

/// Type of a user or role key pair.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FixtureKeyType {
    /// NIST P-521, encryption version 1.
    #[default]
    Ecc,
    /// RSA-2048, encryption version 0.
    Rsa,
}

/// How the secret items of an entry are stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemFormat {
    /// A random 32-byte item key. The value is a chain-6 blob under that
    /// key, and each right key is the item key encrypted to the reader.
    #[default]
    Current,
    /// An RSA item key pair. The value is encrypted to the item public key
    /// (chain 0), and each right key is the item private key encrypted to
    /// the reader.
    Legacy,
}

/// Field type of a form field, with its `ContainerItemType` number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum FieldType {
    /// Plain text (0).
    Text,
    /// Password (1), encrypted.
    Password,
    /// Date (2).
    Date,
    /// Check box (3).
    Check,
    /// URL (4).
    Url,
    /// E-mail address (5).
    Email,
    /// Phone number (6).
    Phone,
    /// List (7).
    List,
    /// Header (8).
    Header,
    /// Multi-line text (9).
    Memo,
    /// Multi-line password (10), encrypted.
    PasswordMemo,
    /// Integer (11).
    Int,
    /// Decimal (12).
    Decimal,
    /// User name (13).
    Username,
    /// IP address (14).
    Ip,
    /// Host name (15).
    Hostname,
    /// One-time-password seed (16), encrypted.
    Otp,
}

const FIELD_TYPE_NAMES: [(&str, FieldType); 17] = [
    ("text", FieldType::Text),
    ("password", FieldType::Password),
    ("date", FieldType::Date),
    ("check", FieldType::Check),
    ("url", FieldType::Url),
    ("email", FieldType::Email),
    ("phone", FieldType::Phone),
    ("list", FieldType::List),
    ("header", FieldType::Header),
    ("memo", FieldType::Memo),
    ("passwordMemo", FieldType::PasswordMemo),
    ("int", FieldType::Int),
    ("decimal", FieldType::Decimal),
    ("username", FieldType::Username),
    ("ip", FieldType::Ip),
    ("hostname", FieldType::Hostname),
    ("otp", FieldType::Otp),
];

impl FieldType {
    /// Returns the `PsrContainerItemType` number sent on the wire.
    pub fn item_type(self) -> u8 {
        FIELD_TYPE_NAMES
            .iter()
            .position(|(_, t)| *t == self)
            .map_or(0, |index| index as u8)
    }

    /// Reports whether values of this type are stored encrypted.
    pub fn is_encrypted(self) -> bool {
        matches!(
            self,
            FieldType::Password | FieldType::PasswordMemo | FieldType::Otp
        )
    }

    /// Returns the fixture name of the type, for example `username`.
    pub fn name(self) -> &'static str {
        FIELD_TYPE_NAMES
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("text", |(name, _)| name)
    }
}

impl FromStr for FieldType {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        FIELD_TYPE_NAMES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(text))
            .map(|(_, field_type)| *field_type)
            .ok_or_else(|| {
                let names: Vec<&str> = FIELD_TYPE_NAMES.iter().map(|(name, _)| *name).collect();
                format!(
                    "unknown field type {text:?}, expected one of {}",
                    names.join(", ")
                )
            })
    }
}

impl TryFrom<String> for FieldType {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<FieldType> for String {
    fn from(field_type: FieldType) -> String {
        field_type.name().to_owned()
    }
}

/// Prefix of a reader that names a role instead of a user.
pub const ROLE_READER_PREFIX: &str = "role:";

impl Fixture {
    /// Reads and validates a fixture file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Fixture, SimError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| SimError::ReadFixture {
            path: path.to_path_buf(),
            source,
        })?;
        Fixture::from_json_str(&text).map_err(|error| match error {
            SimError::InvalidFixture(message) => {
                SimError::InvalidFixture(format!("{}: {message}", path.display()))
            }
            other => other,
        })
    }

    /// Parses and validates a fixture from JSON text. One leading byte-order
    /// mark is ignored.
    pub fn from_json_str(text: &str) -> Result<Fixture, SimError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let fixture: Fixture = serde_json::from_str(text)
            .map_err(|error| SimError::InvalidFixture(error.to_string()))?;
        fixture.validate()?;
        Ok(fixture)
    }

    /// Checks the references and values that serde cannot check: unique
    /// names, known roles, forms, fields and readers, GUID syntax, access
    /// flag names and expiry times.
    pub fn validate(&self) -> Result<(), SimError> {
        let invalid = |message: String| Err(SimError::InvalidFixture(message));

        if self.database.trim().is_empty() {
            return invalid("\"database\" must not be empty".to_owned());
        }

        let mut ids = HashSet::new();
        let mut check_id = |id: &Option<String>, what: &str| -> Result<(), SimError> {
            if let Some(id) = id {
                let parsed = uuid::Uuid::parse_str(id).map_err(|_| {
                    SimError::InvalidFixture(format!("{what}: {id:?} is not a GUID"))
                })?;
                if !ids.insert(parsed) {
                    return Err(SimError::InvalidFixture(format!(
                        "{what}: id {id} is used twice"
                    )));
                }
            }
            Ok(())
        };

        let mut form_names = HashSet::new();
        for form in &self.forms {
            check_id(&form.id, &format!("form {:?}", form.name))?;
            if !form_names.insert(form.name.to_lowercase()) {
                return invalid(format!("form {:?} is defined twice", form.name));
            }
            let mut labels = HashSet::new();
            for field in &form.fields {
                check_id(
                    &field.id,
                    &format!("field {:?} of form {:?}", field.name, form.name),
                )?;
                if !labels.insert(field.name.as_str()) {
                    return invalid(format!(
                        "form {:?} has two fields named {:?}",
                        form.name, field.name
                    ));
                }
            }
        }

        let mut role_names = HashSet::new();
        for role in &self.roles {
            check_id(&role.id, &format!("role {:?}", role.name))?;
            if !role_names.insert(role.name.as_str()) {
                return invalid(format!("role {:?} is defined twice", role.name));
            }
        }

        let mut user_names = HashSet::new();
        for user in &self.users {
            check_id(&user.id, &format!("user {:?}", user.name))?;
            if user.name.is_empty() || user.name.contains('/') {
                return invalid(format!(
                    "user name {:?} must be non-empty and contain no '/'",
                    user.name
                ));
            }
            if !user_names.insert(user.name.to_lowercase()) {
                return invalid(format!("user {:?} is defined twice", user.name));
            }
            for role in &user.roles {
                if !role_names.contains(role.as_str()) {
                    return invalid(format!("user {:?}: unknown role {role:?}", user.name));
                }
            }
            let mut key_names = HashSet::new();
            for key in &user.api_keys {
                let what = format!("API key {:?} of user {:?}", key.name, user.name);
                if !key_names.insert(key.name.as_str()) {
                    return invalid(format!("{what} is defined twice"));
                }
                flags::parse_rights(&key.rights)
                    .map_err(|e| SimError::InvalidFixture(format!("{what}: {e}")))?;
                flags::parse_scopes(&key.scopes)
                    .map_err(|e| SimError::InvalidFixture(format!("{what}: {e}")))?;
                if let Some(expires) = &key.expires {
                    parse_expiry(expires)
                        .map_err(|e| SimError::InvalidFixture(format!("{what}: {e}")))?;
                }
            }
        }

        for (index, entry) in self.entries.iter().enumerate() {
            let what = format!("entry {index}");
            check_id(&entry.id, &what)?;
            let Some(form) = self.forms.iter().find(|f| f.name == entry.form) else {
                return invalid(format!("{what}: unknown form {:?}", entry.form));
            };
            for label in entry.fields.keys() {
                if !form.fields.iter().any(|field| &field.name == label) {
                    return invalid(format!(
                        "{what}: form {:?} has no field {label:?}",
                        form.name
                    ));
                }
            }
            for reader in &entry.readers {
                let known = match reader.strip_prefix(ROLE_READER_PREFIX) {
                    Some(role) => role_names.contains(role),
                    None => user_names.contains(&reader.to_lowercase()),
                };
                if !known {
                    return invalid(format!("{what}: unknown reader {reader:?}"));
                }
            }
        }
        Ok(())
    }
}

/// Parses an RFC 3339 expiry time into seconds since the Unix epoch.
pub(crate) fn parse_expiry(text: &str) -> Result<i64, String> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|e| format!("\"expires\" {text:?} is not an RFC 3339 time: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{
        "database": "demo",
        "forms": [{"name": "AD User", "fields": [
            {"name": "Domain", "type": "text"},
            {"name": "Username", "type": "username"},
            {"name": "Password", "type": "password"}]}],
        "roles": [{"name": "NPS Readers"}],
        "users": [{"name": "nps-svc", "roles": ["NPS Readers"],
                   "apiKeys": [{"name": "nps", "expires": "2031-01-01T00:00:00Z"}]}],
        "entries": [{"form": "AD User", "fields": {"Domain": "CORP", "Password": "x"},
                     "readers": ["nps-svc", "role:NPS Readers"]}]
    }"#;

    #[test]
    fn minimal_fixture_parses() {
        let fixture = Fixture::from_json_str(MINIMAL).expect("valid fixture");
        assert_eq!(fixture.users[0].key_type, FixtureKeyType::Ecc);
        assert_eq!(fixture.users[0].api_keys[0].rights, "Read");
        assert_eq!(fixture.entries[0].item_format, ItemFormat::Current);
        assert_eq!(fixture.forms[0].fields[1].field_type.item_type(), 13);
    }

    #[test]
    fn entry_debug_hides_values() {
        let fixture = Fixture::from_json_str(MINIMAL).expect("valid fixture");
        let debug = format!("{:?}", fixture.entries[0]);
        assert!(debug.contains("Domain"));
        assert!(!debug.contains("CORP"));
    }

    #[test]
    fn field_type_names_are_case_insensitive() {
        assert_eq!(
            "PasswordMemo".parse::<FieldType>(),
            Ok(FieldType::PasswordMemo)
        );
        assert_eq!("USERNAME".parse::<FieldType>(), Ok(FieldType::Username));
        assert_eq!(FieldType::Otp.item_type(), 16);
        assert!("secret".parse::<FieldType>().is_err());
    }

    #[test]
    fn invalid_references_are_rejected() {
        let cases = [
            (
                r#""readers": ["nps-svc", "role:NPS Readers"]"#,
                r#""readers": ["nobody"]"#,
            ),
            (
                r#""readers": ["nps-svc", "role:NPS Readers"]"#,
                r#""readers": ["role:Nobody"]"#,
            ),
            (r#""Domain": "CORP""#, r#""Domäne": "CORP""#),
            (r#""roles": ["NPS Readers"]"#, r#""roles": ["Admins"]"#),
            (
                r#""expires": "2031-01-01T00:00:00Z""#,
                r#""expires": "tomorrow""#,
            ),
            (
                r#""name": "nps", "#,
                r#""name": "nps", "scopes": "Passwords, Secrets", "#,
            ),
            (
                r#""form": "AD User""#,
                r#""form": "AD User", "id": "not-a-guid""#,
            ),
        ];
        for (from, to) in cases {
            let text = MINIMAL.replace(from, to);
            assert_ne!(text, MINIMAL, "replacement {from:?} did not apply");
            let result = Fixture::from_json_str(&text);
            assert!(
                matches!(result, Err(SimError::InvalidFixture(_))),
                "{to:?} was accepted"
            );
        }
    }

    #[test]
    fn unknown_members_are_rejected() {
        let text = MINIMAL.replace(
            r#""database": "demo","#,
            r#""database": "demo", "extra": 1,"#,
        );
        assert!(Fixture::from_json_str(&text).is_err());
    }
}
