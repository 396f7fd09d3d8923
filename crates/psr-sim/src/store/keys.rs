//! Key generation, encryption helpers and API-key issuing.

use std::sync::Mutex;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use psr_crypto::{Chain, KeyPair};
use rand::RngCore;

use crate::error::SimError;
use crate::fixture::FixtureKeyType;

/// Modulus size of every RSA key the simulator generates.
const RSA_BITS: usize = 2048;

/// RSA key pairs generated so far in this process. Generating a 2048-bit
/// key takes from a tenth of a second to over a second, so simulators in the
/// same process (a test binary starting several) reuse the pairs. Within one
/// simulator every pair is used once.
static RSA_POOL: Mutex<Vec<KeyPair>> = Mutex::new(Vec::new());

/// Returns `count` distinct RSA-2048 key pairs, generating the ones the
/// process-wide pool lacks on all available cores.
pub(crate) fn rsa_key_pairs(count: usize) -> Result<Vec<KeyPair>, SimError> {
    let mut pool = RSA_POOL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let missing = count.saturating_sub(pool.len());
    if missing > 0 {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(missing);
        let generated: Vec<Result<Vec<KeyPair>, SimError>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|worker| {
                    let share = missing / threads + usize::from(worker < missing % threads);
                    scope.spawn(move || {
                        (0..share)
                            .map(|_| {
                                psr_crypto::generate_rsa_key_pair(RSA_BITS)
                                    .map_err(|e| SimError::Crypto(e.to_string()))
                            })
                            .collect::<Result<Vec<_>, _>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|worker| {
                    worker.join().unwrap_or_else(|_| {
                        Err(SimError::Crypto("RSA key generation panicked".into()))
                    })
                })
                .collect()
        });
        for batch in generated {
            pool.extend(batch?);
        }
    }
    Ok(pool[..count].to_vec())
}

/// Hands out key pairs of either type: RSA pairs from a batch generated up
/// front, ECC pairs on demand.
pub(crate) struct KeySource {
    rsa: std::vec::IntoIter<KeyPair>,
}

impl KeySource {
    /// Prepares `rsa_count` RSA key pairs.
    pub(crate) fn new(rsa_count: usize) -> Result<KeySource, SimError> {
        Ok(KeySource {
            rsa: rsa_key_pairs(rsa_count)?.into_iter(),
        })
    }

    /// Returns a fresh key pair of the given type.
    pub(crate) fn next(&mut self, key_type: FixtureKeyType) -> Result<KeyPair, SimError> {
        match key_type {
            FixtureKeyType::Ecc => Ok(psr_crypto::generate_ecc_key_pair()),
            FixtureKeyType::Rsa => self
                .rsa
                .next()
                .ok_or_else(|| SimError::Crypto("too few RSA key pairs were prepared".into())),
        }
    }
}

/// Encrypts `plaintext` to a public key (chain 0 for RSA, 2 for ECC).
pub(crate) fn encrypt_to(public_key: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, SimError> {
    psr_crypto::encrypt_to_public_key(public_key, plaintext)
        .map_err(|e| SimError::Crypto(e.to_string()))
}

/// Encrypts `plaintext` under a 32-byte symmetric key (chain 6).
pub(crate) fn encrypt_symmetric(key: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, SimError> {
    psr_crypto::encrypt(Chain::AesGcmPadded, key, plaintext)
        .map_err(|e| SimError::Crypto(e.to_string()))
}

/// Returns `len` random bytes.
pub(crate) fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes
}

/// Returns a random lower-case GUID (version 4). It draws from the
/// thread-local generator rather than the operating system, because setup
/// creates hundreds of thousands of ids for generated entries.
pub(crate) fn random_guid() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// Derives a stable lower-case GUID from a parent id and a label, so items
/// and form fields of fixed-id containers get fixed ids too.
pub(crate) fn derived_guid(parent: &str, label: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{}/{label}", parent.to_lowercase()).as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// The claims of an API key as the simulator issues them.
pub(crate) struct Claims<'a> {
    pub username: &'a str,
    pub database: &'a str,
    pub issued_at: i64,
    pub expires_at: i64,
    pub rights_text: &'a str,
    pub scopes_text: &'a str,
}

/// Builds a compact JWT with the claims and a random signature segment.
/// Nothing verifies the signature: the simulator accepts a JWT only when it
/// is byte-identical to one it issued.
pub(crate) fn issue_jwt(claims: &Claims<'_>) -> String {
    let header = serde_json::json!({"alg": "HS256", "typ": "JWT"});
    let payload = serde_json::json!({
        "usrn": claims.username,
        "dbn": claims.database,
        "iat": claims.issued_at,
        "exp": claims.expires_at,
        "acr": claims.rights_text,
        "acs": claims.scopes_text,
    });
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        URL_SAFE_NO_PAD.encode(random_bytes(32)),
    )
}

/// Formats an API key as `<JWT>:<base64 of the private key bytes>`.
pub(crate) fn api_key_text(jwt: &str, private_key: &[u8]) -> String {
    format!("{jwt}:{}", STANDARD.encode(private_key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_guids_are_stable_and_distinct() {
        let parent = "44444444-4444-4444-4444-444444444444";
        assert_eq!(
            derived_guid(parent, "0"),
            derived_guid(&parent.to_uppercase(), "0")
        );
        assert_ne!(derived_guid(parent, "0"), derived_guid(parent, "1"));
        assert!(uuid::Uuid::parse_str(&derived_guid(parent, "0")).is_ok());
    }

    #[test]
    fn jwt_payload_carries_claims() {
        let jwt = issue_jwt(&Claims {
            username: "nps-svc",
            database: "demo",
            issued_at: 1,
            expires_at: 2,
            rights_text: "Read",
            scopes_text: "Passwords, Forms",
        });
        let segments: Vec<&str> = jwt.split('.').collect();
        assert_eq!(segments.len(), 3);
        let payload = URL_SAFE_NO_PAD
            .decode(segments[1])
            .expect("base64url payload");
        let payload: serde_json::Value = serde_json::from_slice(&payload).expect("JSON payload");
        assert_eq!(payload["usrn"], "nps-svc");
        assert_eq!(payload["acs"], "Passwords, Forms");
        assert_eq!(payload["exp"], 2);
    }
}
