//! Signatures: RSASSA-PKCS1-v1_5 with SHA-512, and ECDSA P-521 with SHA-256.

use crate::error::KeyError;

/// Signs `data` with a private key; the key type picks the algorithm.
pub fn sign(private_key: &[u8], data: &[u8]) -> Result<Vec<u8>, KeyError> {
    let _ = (private_key, data);
    Err(KeyError::UnknownKeyType)
}

/// Verifies a signature over `data`; malformed input returns `false`.
pub fn verify(public_key: &[u8], data: &[u8], signature: &[u8]) -> bool {
    let _ = (public_key, data, signature);
    false
}
