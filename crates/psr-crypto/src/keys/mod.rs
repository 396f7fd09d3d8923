//! Key formats: RSA XML keys, P-521 MessagePack keys, key-type detection and
//! key generation.

use crate::error::KeyError;
use crate::secret::SecretBytes;

/// Asymmetric key family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// RSA, carried as base64 of a .NET `<RSAKeyValue>` XML document.
    Rsa,
    /// ECC on NIST P-521, carried as a MessagePack array.
    Ecc,
}

/// A freshly generated key pair in protocol encoding.
#[derive(Debug, Clone)]
pub struct KeyPair {
    /// Private key bytes (RSA `PF...` text or P-521 `[d, x, y]`).
    pub private_key: SecretBytes,
    /// Public key bytes (RSA `PF...` text or P-521 `[x, y]`).
    pub public_key: Vec<u8>,
}

/// Detects the type of a public key from its leading bytes.
///
/// `PF` is RSA and `92 C4` is ECC. Other bytes that are base64 text are
/// decoded once and checked again. Returns `None` for anything else,
/// including raw XML, a 32-byte symmetric key and a P-521 private key.
pub fn detect_public_key_type(key: &[u8]) -> Option<KeyType> {
    let _ = key;
    None
}

/// Detects the type of a private key from its leading bytes.
///
/// `PF` is RSA and `93 C4` is ECC, with the same single base64 retry as
/// [`detect_public_key_type`].
pub fn detect_private_key_type(key: &[u8]) -> Option<KeyType> {
    let _ = key;
    None
}

/// Generates an RSA key pair with public exponent 65537.
///
/// Both keys are `PF...` text with .NET-canonical element lengths.
pub fn generate_rsa_key_pair(bits: usize) -> Result<KeyPair, KeyError> {
    Err(KeyError::UnsupportedKeySize(bits))
}

/// Generates a P-521 key pair with 66-byte components.
pub fn generate_ecc_key_pair() -> KeyPair {
    KeyPair {
        private_key: SecretBytes::default(),
        public_key: Vec::new(),
    }
}

/// Derives the public key, in protocol encoding, from a private key.
pub fn public_key_from_private(private_key: &[u8]) -> Result<Vec<u8>, KeyError> {
    let _ = private_key;
    Err(KeyError::UnknownKeyType)
}
