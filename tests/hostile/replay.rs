//! Recorded simulator responses replayed through psr-client's `Exchange`
//! seam, with one part of one response changed.
//!
//! A recording is the list of response bodies of one genuine `psvault get`
//! through the proxy. Replaying it drives `login::log_in`,
//! `search::resolve_form`, `search::find_entries` and
//! `secret::read_secret`, the functions behind `psvault get`, so a
//! changed response takes the same code path as over HTTP, thousands of
//! times faster than one process per case.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, OnceLock};

use psr_client::login::{log_in, ClientInformation};
use psr_client::search::{find_entries, resolve_form};
use psr_client::secret::read_secret;
use psr_client::{parse_response_body, ApiMethod, Error, Exchange, FormNames, Identity, KeyRing};
use psr_crypto::{ApiKey, SecretBytes};
use serde_json::Value;

use crate::proxy::Proxy;
use crate::support::{http_vault, Psvault, ECC_KEY, RSA_KEY};

/// Every method of the lookup, by name.
const METHODS: [ApiMethod; 8] = [
    ApiMethod::AuthenticateApiKey,
    ApiMethod::AuthenticateUserKeySignatureCredential,
    ApiMethod::GetContainerListFilter,
    ApiMethod::GetContainerList,
    ApiMethod::GetContainerCount,
    ApiMethod::GetLegitimateDataRights,
    ApiMethod::GetContainerItemWithSecretValue,
    ApiMethod::CloseSession,
];

/// One genuine lookup: the API key, the identity, the expected password
/// and every response body in order.
pub struct Recording {
    /// Name for failure reports, e.g. `ECC user, current item`.
    pub name: &'static str,
    /// The API key used.
    pub api_key: ApiKey,
    /// The identity looked up.
    pub identity: Identity,
    /// The password the lookup returned.
    pub password: String,
    /// Id of the API key's user, from a replayed login.
    pub user_id: String,
    /// Response bodies as `(method, JSON)`; `Value::Null` for an empty body.
    pub responses: Vec<(ApiMethod, Value)>,
}

/// Returns the recordings of the ECC user reading a current item and the
/// RSA user reading a legacy item, made once per test binary.
pub fn recordings() -> &'static [Recording] {
    static RECORDINGS: OnceLock<Vec<Recording>> = OnceLock::new();
    RECORDINGS.get_or_init(|| {
        vec![
            record(
                "ECC user, current item",
                ECC_KEY,
                "CORP\\svc_current",
                "Hostile-Current-Pa55!",
            ),
            record(
                "RSA user, legacy item",
                RSA_KEY,
                "CORP\\svc_legacy",
                "Hostile-Legacy-Pa55!",
            ),
        ]
    })
}

fn record(name: &'static str, key: &str, identity: &str, password: &str) -> Recording {
    let vault = http_vault();
    let proxy = Proxy::start(vault.sim.port(), Arc::new(|_, body| body));
    let key_text = vault.api_key(key);
    let result = Psvault::new(["get", identity, "--insecure-allow-http", "-q"])
        .args(["--url", &proxy.url()])
        .env("PSVAULT_API_KEY", &key_text)
        .expect(0, &[]);
    if let Err(message) = result {
        panic!("recording {name}: {message}");
    }
    let responses = proxy
        .recorded()
        .into_iter()
        .map(|recorded| {
            let method = METHODS
                .into_iter()
                .find(|m| m.name() == recorded.method)
                .unwrap_or_else(|| panic!("unknown method {}", recorded.method));
            let value = if recorded.body.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(&recorded.body).expect("recorded body is JSON")
            };
            (method, value)
        })
        .collect::<Vec<_>>();
    let api_key = ApiKey::parse(&key_text).expect("API key parses");
    let ring = log_in_replayed(&api_key, &responses).expect("recorded login replays");
    Recording {
        name,
        identity: Identity::parse(identity).expect("identity parses"),
        password: password.to_owned(),
        user_id: ring.user_id().to_owned(),
        api_key,
        responses,
    }
}

/// An `Exchange` that returns the next recorded response of the called
/// method, and an empty body once those are used up.
struct Replay {
    queue: VecDeque<(ApiMethod, Vec<u8>)>,
}

impl Replay {
    fn new(responses: &[(ApiMethod, Value)]) -> Replay {
        let queue = responses
            .iter()
            .map(|(method, value)| {
                let bytes = match value {
                    Value::Null => Vec::new(),
                    other => serde_json::to_vec(other).expect("JSON serialises"),
                };
                (*method, bytes)
            })
            .collect();
        Replay { queue }
    }
}

impl Exchange for Replay {
    fn call(&mut self, method: ApiMethod, _body: &Value) -> Result<Option<Value>, Error> {
        let url = self.url_for(method);
        match self.queue.iter().position(|(m, _)| *m == method) {
            Some(index) => {
                let (_, body) = self.queue.remove(index).expect("index is valid");
                parse_response_body(&url, &body)
            }
            None => Ok(None),
        }
    }

    fn url_for(&self, method: ApiMethod) -> String {
        format!("http://replay.invalid/api/{}", method.path())
    }
}

/// What a replayed lookup produced.
#[derive(Debug)]
pub enum Outcome {
    /// A credential with this user name and password.
    Found(String, String),
    /// No entry matched.
    NotFound,
    /// The lookup failed.
    Failed(Error),
    /// The lookup panicked.
    Panicked,
}

/// Logs in over `responses` and returns the key ring.
pub fn log_in_replayed(
    api_key: &ApiKey,
    responses: &[(ApiMethod, Value)],
) -> Result<KeyRing, Error> {
    let mut replay = Replay::new(responses);
    let client = ClientInformation::new("psvault", "hostile");
    log_in(&mut replay, api_key, &client).map(|login| login.key_ring)
}

/// Copies a key ring, so that one genuine login serves many replays.
pub fn copy_ring(ring: &KeyRing) -> KeyRing {
    let mut entries = ring.iter();
    let (user_id, user_key) = entries.next().expect("a ring has the user's key");
    let mut copy = KeyRing::new(user_id.to_owned(), user_key.clone());
    for (id, key) in entries {
        copy.push(
            id.to_owned(),
            SecretBytes::new(key.expose_secret().to_vec()),
        );
    }
    copy
}

/// Replays a whole lookup. With `ring` set, the login responses are
/// skipped and that key ring is used.
pub fn replay(
    recording: &Recording,
    responses: &[(ApiMethod, Value)],
    ring: Option<&KeyRing>,
) -> Outcome {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let key_ring = match ring {
            Some(ring) => copy_ring(ring),
            None => log_in_replayed(&recording.api_key, responses)?,
        };
        let without_login: Vec<(ApiMethod, Value)> = responses
            .iter()
            .filter(|(method, _)| !method.is_login_step())
            .cloned()
            .collect();
        let mut replay = Replay::new(&without_login);
        let form = resolve_form(&mut replay, &FormNames::default())?;
        let mut entries = find_entries(&mut replay, &form, &recording.identity, &[])?;
        let Some(entry) = entries.pop() else {
            return Ok(None);
        };
        if !entries.is_empty() {
            return Err(Error::Ambiguous {
                identity: recording.identity.to_string(),
                entry_ids: vec![entry.id],
            });
        }
        let password = read_secret(
            &mut replay,
            &key_ring,
            &entry.id,
            &entry.password_item_id,
            "hostile replay",
        )?;
        Ok(Some((entry.username, password.expose_secret().to_owned())))
    }));
    match result {
        Ok(Ok(Some((username, password)))) => Outcome::Found(username, password),
        Ok(Ok(None)) => Outcome::NotFound,
        Ok(Err(error)) => Outcome::Failed(error),
        Err(_) => Outcome::Panicked,
    }
}
