//! Building the store from a fixture: key generation, API-key issuing and
//! encryption of every secret.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use psr_crypto::{KeyPair, KeyType, SecretBytes, SecretString};
use rand::Rng;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::keys::{self, Claims, KeySource};
use super::{
    ApiKeyRecord, ContainerRef, DataRight, Entry, Form, FormField, Item, ItemValue, Legitimate,
    Readers, RightKeys, Role, Secret, Store, TrigramIndex, User,
};
use crate::error::SimError;
use crate::fixture::{
    parse_expiry, FieldType, Fixture, FixtureEntry, FixtureKeyType, ItemFormat, ROLE_READER_PREFIX,
};
use crate::flags;

/// Validity of an API key whose fixture entry has no `expires`.
const DEFAULT_KEY_LIFETIME_SECONDS: i64 = 365 * 24 * 3600;

/// Domains that generated entries are spread over.
const GENERATED_DOMAINS: [&str; 4] = ["CORP", "LAB", "DEV", "EXAMPLE"];

/// Name of the form that generated entries use when the fixture has it.
const GENERATED_FORM: &str = "AD User";

/// Builds the store: generates every key pair, issues the API keys,
/// encrypts every secret of the fixture and adds `generate` random entries
/// that every user can read.
pub(crate) fn build(fixture: &Fixture, generate: usize) -> Result<Store, SimError> {
    fixture.validate()?;
    let now = OffsetDateTime::now_utc();
    let created = now
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "2025-01-01T00:00:00Z".to_owned());
    let mut key_source = KeySource::new(count_rsa_key_pairs(fixture))?;

    let mut role_private_keys = Vec::new();
    let mut roles = Vec::new();
    for spec in &fixture.roles {
        let pair = key_source.next(spec.key_type)?;
        roles.push(Role {
            id: fixed_or_random(&spec.id),
            name: spec.name.clone(),
            public_key: pair.public_key,
        });
        role_private_keys.push(pair.private_key);
    }

    let mut users = Vec::new();
    let mut user_private_keys = Vec::new();
    for spec in &fixture.users {
        let pair = key_source.next(spec.key_type)?;
        let role_indexes: Vec<usize> = spec
            .roles
            .iter()
            .filter_map(|name| roles.iter().position(|r| &r.name == name))
            .collect();
        let encrypted_role_keys = role_indexes
            .iter()
            .map(|&role| {
                let blob =
                    keys::encrypt_to(&pair.public_key, role_private_keys[role].expose_secret())?;
                Ok((role, blob))
            })
            .collect::<Result<Vec<_>, SimError>>()?;
        users.push(User {
            id: fixed_or_random(&spec.id),
            name: spec.name.clone(),
            key_type: key_type(spec.key_type),
            public_key: pair.public_key,
            roles: role_indexes,
            encrypted_role_keys,
            locked: spec.locked,
        });
        user_private_keys.push(pair.private_key);
    }

    let api_keys = issue_api_keys(fixture, &user_private_keys, &mut key_source, now)?;

    let forms: Vec<Form> = fixture.forms.iter().map(build_form).collect();

    let readers_of = |spec: &FixtureEntry| -> Vec<Legitimate> {
        spec.readers
            .iter()
            .filter_map(|reader| match reader.strip_prefix(ROLE_READER_PREFIX) {
                Some(role) => roles
                    .iter()
                    .position(|r| r.name == role)
                    .map(Legitimate::Role),
                None => users
                    .iter()
                    .position(|u| u.name.eq_ignore_ascii_case(reader))
                    .map(Legitimate::User),
            })
            .collect()
    };
    let public_key_of = |legitimate: Legitimate| -> &[u8] {
        match legitimate {
            Legitimate::User(index) => &users[index].public_key,
            Legitimate::Role(index) => &roles[index].public_key,
        }
    };

    let mut entries = Vec::new();
    for spec in &fixture.entries {
        let form_index = forms
            .iter()
            .position(|f| f.name == spec.form)
            .ok_or_else(|| SimError::InvalidFixture(format!("unknown form {:?}", spec.form)))?;
        let readers = readers_of(spec);
        let entry = build_entry(
            spec,
            form_index,
            &forms[form_index],
            readers,
            &public_key_of,
            &mut key_source,
        )?;
        entries.push(entry);
    }

    let escrow_key = SecretBytes::new(keys::random_bytes(32));
    if generate > 0 {
        let form_index = generated_form(&forms)?;
        entries.reserve(generate);
        for number in 0..generate {
            entries.push(generate_entry(
                number,
                form_index,
                &forms[form_index],
                &escrow_key,
            )?);
        }
    }

    let mut containers = HashMap::with_capacity(forms.len() + entries.len());
    let mut items = HashMap::new();
    for (index, form) in forms.iter().enumerate() {
        containers.insert(form.id.clone(), ContainerRef::Form(index));
    }
    for (index, entry) in entries.iter().enumerate() {
        containers.insert(entry.id.clone(), ContainerRef::Entry(index));
        for (position, item) in entry.items.iter().enumerate() {
            items.insert(item.id.clone(), (index, position));
        }
    }
    let jwts = api_keys
        .iter()
        .enumerate()
        .map(|(index, key)| (key.jwt.clone(), index))
        .collect();
    let key_names = api_keys
        .iter()
        .enumerate()
        .map(|(index, key)| (format!("{}/{}", users[key.user].name, key.name), index))
        .collect::<BTreeMap<_, _>>();

    let entry_index = TrigramIndex::build(entries.iter().map(|entry| entry.search_text.as_str()));
    Ok(Store {
        database: fixture.database.clone(),
        users,
        roles,
        forms,
        entries,
        entry_index,
        api_keys,
        created,
        challenge_key: psr_crypto::generate_ecc_key_pair(),
        escrow_key,
        containers,
        items,
        jwts,
        key_names,
    })
}

fn count_rsa_key_pairs(fixture: &Fixture) -> usize {
    let roles = fixture
        .roles
        .iter()
        .filter(|r| r.key_type == FixtureKeyType::Rsa)
        .count();
    let users: usize = fixture
        .users
        .iter()
        .filter(|u| u.key_type == FixtureKeyType::Rsa)
        .map(|u| 1 + u.api_keys.len())
        .sum();
    let legacy_items: usize = fixture
        .entries
        .iter()
        .filter(|e| e.item_format == ItemFormat::Legacy)
        .map(|e| {
            fixture
                .forms
                .iter()
                .find(|f| f.name == e.form)
                .map_or(0, |f| {
                    f.fields
                        .iter()
                        .filter(|field| {
                            field.field_type.is_encrypted() && e.fields.contains_key(&field.name)
                        })
                        .count()
                })
        })
        .sum();
    roles + users + legacy_items
}

fn key_type(fixture_type: FixtureKeyType) -> KeyType {
    match fixture_type {
        FixtureKeyType::Ecc => KeyType::Ecc,
        FixtureKeyType::Rsa => KeyType::Rsa,
    }
}

fn fixed_or_random(id: &Option<String>) -> String {
    id.as_ref()
        .map_or_else(keys::random_guid, |id| id.to_lowercase())
}

/// Issues every API key: a key pair of the user's key type, a JWT, and the
/// user's private key encrypted to the API key's public key.
fn issue_api_keys(
    fixture: &Fixture,
    user_private_keys: &[SecretBytes],
    key_source: &mut KeySource,
    now: OffsetDateTime,
) -> Result<Vec<ApiKeyRecord>, SimError> {
    let mut api_keys = Vec::new();
    let now = now.unix_timestamp();
    for (user_index, spec) in fixture.users.iter().enumerate() {
        for key_spec in &spec.api_keys {
            let rights = flags::parse_rights(&key_spec.rights).map_err(SimError::InvalidFixture)?;
            let scopes = flags::parse_scopes(&key_spec.scopes).map_err(SimError::InvalidFixture)?;
            let expires_at = match &key_spec.expires {
                Some(text) => parse_expiry(text).map_err(SimError::InvalidFixture)?,
                None => now + DEFAULT_KEY_LIFETIME_SECONDS,
            };
            // A key that expired already was issued a day before it expired.
            let issued_at = now.min(expires_at - 24 * 3600);
            let pair: KeyPair = key_source.next(spec.key_type)?;
            let jwt = keys::issue_jwt(&Claims {
                username: &spec.name,
                database: &fixture.database,
                issued_at,
                expires_at,
                rights_text: &rights.text,
                scopes_text: &scopes.text,
            });
            let user_key = keys::encrypt_to(
                &pair.public_key,
                user_private_keys[user_index].expose_secret(),
            )?;
            let text =
                SecretString::new(keys::api_key_text(&jwt, pair.private_key.expose_secret()));
            api_keys.push(ApiKeyRecord {
                user: user_index,
                name: key_spec.name.clone(),
                jwt,
                text,
                expires_at,
                rights: rights.value,
                scopes: scopes.value,
                user_key,
            });
        }
    }
    Ok(api_keys)
}

fn build_form(spec: &crate::fixture::FixtureForm) -> Form {
    let id = fixed_or_random(&spec.id);
    let fields: Vec<FormField> = spec
        .fields
        .iter()
        .enumerate()
        .map(|(position, field)| FormField {
            id: match (&field.id, &spec.id) {
                (Some(field_id), _) => field_id.to_lowercase(),
                (None, Some(_)) => keys::derived_guid(&id, &position.to_string()),
                (None, None) => keys::random_guid(),
            },
            name: field.name.clone(),
            field_type: field.field_type,
        })
        .collect();
    let search_text = search_text(
        std::iter::once(spec.name.as_str()).chain(fields.iter().map(|f| f.name.as_str())),
    );
    Form {
        id,
        name: spec.name.clone(),
        fields,
        search_text,
    }
}

/// Joins lower-case values into `\0v1\0v2\0`.
fn search_text<'a>(values: impl Iterator<Item = &'a str>) -> String {
    let mut text = String::from("\0");
    for value in values.filter(|v| !v.is_empty()) {
        text.push_str(&value.to_lowercase());
        text.push('\0');
    }
    text
}

/// A seal on every right of an entry: its id and the key that the right
/// keys are encrypted under instead of the legitimate's public key.
struct Seal {
    id: String,
    key: SecretBytes,
}

fn build_entry<'k>(
    spec: &FixtureEntry,
    form_index: usize,
    form: &Form,
    readers: Vec<Legitimate>,
    public_key_of: &dyn Fn(Legitimate) -> &'k [u8],
    key_source: &mut KeySource,
) -> Result<Entry, SimError> {
    let id = fixed_or_random(&spec.id);
    let seal = spec.sealed.then(|| Seal {
        id: keys::random_guid(),
        key: SecretBytes::new(keys::random_bytes(32)),
    });
    let mut items = Vec::with_capacity(form.fields.len());
    for (position, field) in form.fields.iter().enumerate() {
        let item_id = if spec.id.is_some() {
            keys::derived_guid(&id, &position.to_string())
        } else {
            keys::random_guid()
        };
        let value = spec.fields.get(&field.name);
        let value = match value {
            Some(text) if field.field_type.is_encrypted() => {
                let secret = encrypt_secret(
                    text.as_bytes(),
                    spec,
                    &readers,
                    seal.as_ref(),
                    public_key_of,
                    key_source,
                )?;
                ItemValue::Secret(Box::new(secret))
            }
            _ => ItemValue::Plain(value.cloned()),
        };
        items.push(Item { id: item_id, value });
    }
    let search_text = entry_search_text(&items);
    Ok(Entry {
        id,
        form: form_index,
        items,
        readers: Readers::Listed(readers),
        require_reason: spec.require_reason,
        search_text,
    })
}

fn entry_search_text(items: &[Item]) -> String {
    search_text(items.iter().filter_map(|item| match &item.value {
        ItemValue::Plain(Some(text)) => Some(text.as_str()),
        _ => None,
    }))
}

/// Encrypts one secret the way the server stores it and builds a right
/// per reader.
fn encrypt_secret<'k>(
    plaintext: &[u8],
    spec: &FixtureEntry,
    readers: &[Legitimate],
    seal: Option<&Seal>,
    public_key_of: &dyn Fn(Legitimate) -> &'k [u8],
    key_source: &mut KeySource,
) -> Result<Secret, SimError> {
    let (value, item_key, public_key) = match spec.item_format {
        ItemFormat::Current => {
            let item_key = SecretBytes::new(keys::random_bytes(32));
            let value = keys::encrypt_symmetric(item_key.expose_secret(), plaintext)?;
            (value, item_key, None)
        }
        ItemFormat::Legacy => {
            let pair = key_source.next(FixtureKeyType::Rsa)?;
            let value = keys::encrypt_to(&pair.public_key, plaintext)?;
            (value, pair.private_key, Some(pair.public_key))
        }
    };
    let rights = readers
        .iter()
        .map(|&legitimate| {
            let right_key = match seal {
                Some(seal) => {
                    keys::encrypt_symmetric(seal.key.expose_secret(), item_key.expose_secret())?
                }
                None => keys::encrypt_to(public_key_of(legitimate), item_key.expose_secret())?,
            };
            Ok(DataRight {
                legitimate,
                right_key,
                seal_id: seal.map(|s| s.id.clone()),
                secured: spec.secured,
            })
        })
        .collect::<Result<Vec<_>, SimError>>()?;
    Ok(Secret {
        value,
        public_key,
        rights: RightKeys::Ready(rights),
    })
}

/// Picks the form for generated entries: `AD User` if present, otherwise
/// the first form with an encrypted field.
fn generated_form(forms: &[Form]) -> Result<usize, SimError> {
    forms
        .iter()
        .position(|f| f.name.eq_ignore_ascii_case(GENERATED_FORM))
        .or_else(|| {
            forms
                .iter()
                .position(|f| f.fields.iter().any(|field| field.field_type.is_encrypted()))
        })
        .ok_or_else(|| {
            SimError::InvalidOption(
                "generating entries needs a form named \"AD User\" or a form with a password field"
                    .to_owned(),
            )
        })
}

/// Builds generated entry `number`: user name `gen-user-NNNNNN`, a domain
/// from a short list, a random password, readable by every user. Its right
/// keys are encrypted on first use.
fn generate_entry(
    number: usize,
    form_index: usize,
    form: &Form,
    escrow_key: &SecretBytes,
) -> Result<Entry, SimError> {
    let mut items = Vec::with_capacity(form.fields.len());
    for field in &form.fields {
        let value = match field.field_type {
            field_type if field_type.is_encrypted() => {
                let password = SecretString::new(random_password());
                let item_key = SecretBytes::new(keys::random_bytes(32));
                let value = keys::encrypt_symmetric(
                    item_key.expose_secret(),
                    password.expose_secret().as_bytes(),
                )?;
                let escrowed_item_key =
                    keys::encrypt_symmetric(escrow_key.expose_secret(), item_key.expose_secret())?;
                ItemValue::Secret(Box::new(Secret {
                    value,
                    public_key: None,
                    rights: RightKeys::Deferred {
                        escrowed_item_key,
                        rights: OnceLock::new(),
                    },
                }))
            }
            FieldType::Username => ItemValue::Plain(Some(format!("gen-user-{number:06}"))),
            FieldType::Text if field.name.to_lowercase().contains("domain") => ItemValue::Plain(
                Some(GENERATED_DOMAINS[number % GENERATED_DOMAINS.len()].to_owned()),
            ),
            FieldType::Text => ItemValue::Plain(Some(format!("Generated account {number}"))),
            _ => ItemValue::Plain(None),
        };
        items.push(Item {
            id: keys::random_guid(),
            value,
        });
    }
    let search_text = entry_search_text(&items);
    Ok(Entry {
        id: keys::random_guid(),
        form: form_index,
        items,
        readers: Readers::AllUsers,
        require_reason: false,
        search_text,
    })
}

fn random_password() -> String {
    const CHARACTERS: &[u8] =
        b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%&*+-=?@_";
    let mut rng = rand::thread_rng();
    (0..20)
        .map(|_| char::from(CHARACTERS[rng.gen_range(0..CHARACTERS.len())]))
        .collect()
}
