//! The simulated database after setup: users, roles, API keys, forms and
//! entries, with secrets held only as ciphertext.

mod keys;
mod setup;
mod trigrams;

pub(crate) use trigrams::TrigramIndex;

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use psr_crypto::{KeyType, SecretBytes, SecretString};

use crate::error::SimError;
use crate::fixture::FieldType;

pub(crate) use keys::{random_bytes, random_guid};
pub(crate) use setup::build;

/// Holder of a right: a user or a role, by index into the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Legitimate {
    User(usize),
    Role(usize),
}

/// A user with its public key and its role keys encrypted to that key.
pub(crate) struct User {
    pub id: String,
    pub name: String,
    pub key_type: KeyType,
    pub public_key: Vec<u8>,
    pub roles: Vec<usize>,
    /// Each role's private key encrypted to the user's public key.
    pub encrypted_role_keys: Vec<(usize, Vec<u8>)>,
    pub locked: bool,
}

impl User {
    /// Returns the encryption version the login reports: 1 for ECC users
    /// (P-521 keys, AES item keys), 0 for RSA users.
    pub fn encryption_version(&self) -> u8 {
        match self.key_type {
            KeyType::Ecc => 1,
            KeyType::Rsa => 0,
        }
    }
}

/// A role with its public key; the private key exists only encrypted to
/// each member.
pub(crate) struct Role {
    pub id: String,
    pub name: String,
    pub public_key: Vec<u8>,
}

/// An issued API key.
pub(crate) struct ApiKeyRecord {
    pub user: usize,
    pub name: String,
    pub jwt: String,
    /// The whole key, `<JWT>:<base64 private key>`, as handed to clients.
    pub text: SecretString,
    pub expires_at: i64,
    pub rights: u32,
    pub scopes: u32,
    /// The user's private key encrypted to the API key's public key.
    pub user_key: Vec<u8>,
}

/// A form (template).
pub(crate) struct Form {
    pub id: String,
    pub name: String,
    pub fields: Vec<FormField>,
    /// Lower-case form name and field labels, each enclosed in NUL bytes.
    pub search_text: String,
}

/// A field of a form.
pub(crate) struct FormField {
    pub id: String,
    pub name: String,
    pub field_type: FieldType,
}

/// A password container. Its items follow the form's fields one to one.
pub(crate) struct Entry {
    pub id: String,
    pub form: usize,
    pub items: Vec<Item>,
    pub readers: Readers,
    pub require_reason: bool,
    /// Lower-case plain item values, each enclosed in NUL bytes, so both a
    /// substring and an exact search are one `contains` call.
    pub search_text: String,
}

/// Legitimates with a read right on an entry.
pub(crate) enum Readers {
    /// Every user of the fixture, each through a right of its own.
    AllUsers,
    /// The listed users and roles.
    Listed(Vec<Legitimate>),
}

/// A container item.
pub(crate) struct Item {
    pub id: String,
    pub value: ItemValue,
}

/// Value of an item: plain text, or a secret with its rights.
pub(crate) enum ItemValue {
    Plain(Option<String>),
    Secret(Box<Secret>),
}

/// An encrypted value with the right keys that unlock it.
pub(crate) struct Secret {
    /// The value blob (chain 6 under the item key, or chain 0 to the item
    /// public key for legacy items).
    pub value: Vec<u8>,
    /// The item public key of a legacy item.
    pub public_key: Option<Vec<u8>>,
    pub rights: RightKeys,
}

/// Right keys of a secret, computed at setup or on first use.
pub(crate) enum RightKeys {
    Ready(Vec<DataRight>),
    /// Used by generated entries: encrypting an item key to every user is
    /// the expensive part of setup, so it waits until a client asks for the
    /// rights. Until then the item key is held encrypted under the store's
    /// escrow key.
    Deferred {
        escrowed_item_key: Vec<u8>,
        rights: OnceLock<Vec<DataRight>>,
    },
}

/// A read right of one legitimate on one secret item.
pub(crate) struct DataRight {
    pub legitimate: Legitimate,
    /// The item key encrypted to the legitimate's public key, or under the
    /// seal key when the right is sealed.
    pub right_key: Vec<u8>,
    pub seal_id: Option<String>,
    pub secured: bool,
}

/// A container found by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContainerRef {
    Form(usize),
    Entry(usize),
}

/// The whole simulated database.
pub(crate) struct Store {
    pub database: String,
    pub users: Vec<User>,
    pub roles: Vec<Role>,
    pub forms: Vec<Form>,
    pub entries: Vec<Entry>,
    /// Index of the entries' `search_text`, by entry position.
    pub entry_index: TrigramIndex,
    pub api_keys: Vec<ApiKeyRecord>,
    /// Time of setup in RFC 3339, used as every object's time stamp.
    pub created: String,
    /// Key pair that signs login challenges.
    pub challenge_key: psr_crypto::KeyPair,
    escrow_key: SecretBytes,
    containers: HashMap<String, ContainerRef>,
    items: HashMap<String, (usize, usize)>,
    jwts: HashMap<String, usize>,
    key_names: BTreeMap<String, usize>,
}

impl Store {
    /// Finds the API key whose JWT is byte-identical to `jwt`.
    pub fn api_key_by_jwt(&self, jwt: &str) -> Option<usize> {
        self.jwts.get(jwt).copied()
    }

    /// Returns the API key texts by `<user>/<key name>`.
    pub fn api_key_texts(&self) -> BTreeMap<String, String> {
        self.key_names
            .iter()
            .map(|(name, &index)| {
                let text = self.api_keys[index].text.expose_secret().to_owned();
                (name.clone(), text)
            })
            .collect()
    }

    /// Returns one API key text by `<user>/<key name>`.
    pub fn api_key_text(&self, name: &str) -> Option<String> {
        self.key_names
            .get(name)
            .map(|&index| self.api_keys[index].text.expose_secret().to_owned())
    }

    /// Finds a form or entry by id, case-insensitively.
    pub fn container(&self, id: &str) -> Option<ContainerRef> {
        self.containers.get(&id.to_lowercase()).copied()
    }

    /// Finds an entry item by id, case-insensitively: (entry, item) indexes.
    pub fn item(&self, id: &str) -> Option<(usize, usize)> {
        self.items.get(&id.to_lowercase()).copied()
    }

    /// Reports whether `user` has a read right on an entry, directly or
    /// through a role.
    pub fn can_read(&self, user: usize, entry: &Entry) -> bool {
        match &entry.readers {
            Readers::AllUsers => true,
            Readers::Listed(readers) => readers.iter().any(|&l| self.holds(user, l)),
        }
    }

    /// Reports whether `legitimate` is `user` or one of its roles.
    pub fn holds(&self, user: usize, legitimate: Legitimate) -> bool {
        match legitimate {
            Legitimate::User(index) => index == user,
            Legitimate::Role(role) => self.users[user].roles.contains(&role),
        }
    }

    /// Returns the legitimates that hold a right on an entry, in order.
    pub fn legitimates(&self, entry: &Entry) -> Vec<Legitimate> {
        match &entry.readers {
            Readers::AllUsers => (0..self.users.len()).map(Legitimate::User).collect(),
            Readers::Listed(readers) => readers.clone(),
        }
    }

    /// Returns the GUID of a legitimate.
    pub fn legitimate_id(&self, legitimate: Legitimate) -> &str {
        match legitimate {
            Legitimate::User(index) => &self.users[index].id,
            Legitimate::Role(index) => &self.roles[index].id,
        }
    }

    /// Returns the public key bytes of a legitimate.
    pub fn legitimate_public_key(&self, legitimate: Legitimate) -> &[u8] {
        match legitimate {
            Legitimate::User(index) => &self.users[index].public_key,
            Legitimate::Role(index) => &self.roles[index].public_key,
        }
    }

    /// Returns the rights of a secret, encrypting deferred right keys on
    /// first use.
    pub fn rights<'a>(&self, secret: &'a Secret) -> Result<&'a [DataRight], SimError> {
        match &secret.rights {
            RightKeys::Ready(rights) => Ok(rights),
            RightKeys::Deferred {
                escrowed_item_key,
                rights,
            } => {
                if let Some(done) = rights.get() {
                    return Ok(done);
                }
                let computed = self.encrypt_deferred_rights(escrowed_item_key)?;
                // Two threads may race here; both results are valid and
                // the first one stored wins.
                Ok(rights.get_or_init(|| computed))
            }
        }
    }

    fn encrypt_deferred_rights(
        &self,
        escrowed_item_key: &[u8],
    ) -> Result<Vec<DataRight>, SimError> {
        let item_key = psr_crypto::decrypt(self.escrow_key.expose_secret(), escrowed_item_key)
            .map_err(|e| SimError::Crypto(e.to_string()))?;
        (0..self.users.len())
            .map(|user| {
                Ok(DataRight {
                    legitimate: Legitimate::User(user),
                    right_key: keys::encrypt_to(
                        &self.users[user].public_key,
                        item_key.expose_secret(),
                    )?,
                    seal_id: None,
                    secured: false,
                })
            })
            .collect()
    }
}
