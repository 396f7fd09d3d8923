//! The seven encryption chains ("MTO encryption") and their envelope.
//!
//! A blob is one chain byte followed by the chain's payload. Chains 0 and 1
//! (legacy) separate their fields with the bytes `01 05 00 05` and use
//! AES-256-CBC; chains 2 to 6 frame their fields as a MessagePack array of
//! `bin` items and use AES-256-GCM with a 12-byte IV and a 16-byte tag.

mod gcm;
mod separated;

use rand::rngs::OsRng;
use rand::RngCore;
use zeroize::Zeroizing;

use crate::error::{DecryptError, EncryptError, KeyError};
use crate::keys;
use crate::secret::SecretBytes;

/// Encryption chain, named by the first byte of every blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Chain {
    /// RSA PKCS#1 v1.5 + PBKDF2-HMAC-SHA1 + AES-256-CBC (legacy asymmetric).
    RsaPbkdf2Sha1AesCbc = 0,
    /// PBKDF2-HMAC-SHA1 + AES-256-CBC (legacy password).
    Pbkdf2Sha1AesCbc = 1,
    /// ECDH on P-521 + HKDF-SHA256 + AES-256-GCM (current asymmetric).
    EcdhHkdfSha256AesGcm = 2,
    /// PBKDF2-HMAC-SHA256 with 1000 iterations + AES-256-GCM.
    Pbkdf2Sha256AesGcm = 3,
    /// AES-256-GCM with a 32-byte key.
    AesGcm = 4,
    /// PBKDF2-HMAC-SHA256 with 610005 iterations + padding + AES-256-GCM.
    Pbkdf2Sha256AesGcmPadded = 5,
    /// Padding + AES-256-GCM with a 32-byte key.
    AesGcmPadded = 6,
}

impl Chain {
    /// All chains, in order of their ids.
    pub const ALL: [Chain; 7] = [
        Chain::RsaPbkdf2Sha1AesCbc,
        Chain::Pbkdf2Sha1AesCbc,
        Chain::EcdhHkdfSha256AesGcm,
        Chain::Pbkdf2Sha256AesGcm,
        Chain::AesGcm,
        Chain::Pbkdf2Sha256AesGcmPadded,
        Chain::AesGcmPadded,
    ];

    /// Returns the chain id, the first byte of a blob.
    pub fn id(self) -> u8 {
        self as u8
    }
}

impl TryFrom<u8> for Chain {
    type Error = DecryptError;

    fn try_from(id: u8) -> Result<Self, Self::Error> {
        Chain::ALL
            .get(usize::from(id))
            .copied()
            .ok_or(DecryptError::UnknownChain(id))
    }
}

/// Decrypts a blob; its first byte selects the chain.
///
/// `key` is what the chain needs: an RSA private key (chain 0), a password
/// as UTF-8 bytes (chains 1, 3, 5), a P-521 private key (chain 2) or a
/// 32-byte key (chains 4, 6). The result is raw bytes; whether they are text
/// or a key depends on the context.
///
/// An empty blob is rejected with [`DecryptError::Framing`], although the
/// vendor's JavaScript client returns empty output for it: callers that
/// treat an empty value as an empty secret must check for it first.
pub fn decrypt(key: &[u8], blob: &[u8]) -> Result<SecretBytes, DecryptError> {
    let (&id, payload) = blob.split_first().ok_or(DecryptError::Framing)?;
    let mut plaintext = match Chain::try_from(id)? {
        Chain::RsaPbkdf2Sha1AesCbc => separated::decrypt_rsa(key, payload)?,
        Chain::Pbkdf2Sha1AesCbc => separated::decrypt_password(key, payload)?,
        Chain::EcdhHkdfSha256AesGcm => gcm::decrypt_ecdh(key, payload)?,
        Chain::Pbkdf2Sha256AesGcm => gcm::decrypt_password(key, payload, gcm::Variant::Plain)?,
        Chain::AesGcm => gcm::decrypt_with_key(key, payload, gcm::Variant::Plain)?,
        Chain::Pbkdf2Sha256AesGcmPadded => {
            gcm::decrypt_password(key, payload, gcm::Variant::Padded)?
        }
        Chain::AesGcmPadded => gcm::decrypt_with_key(key, payload, gcm::Variant::Padded)?,
    };
    Ok(SecretBytes::new(std::mem::take(&mut *plaintext)))
}

/// Encrypts `plaintext` with the given chain.
///
/// `key` is the recipient's public key for chains 0 (RSA, any encoding the
/// RSA parser accepts) and 2 (P-521 `[x, y]`), the password as UTF-8 bytes
/// for chains 1, 3 and 5, and a 32-byte key for chains 4 and 6. An empty
/// plaintext is encrypted like any other.
pub fn encrypt(chain: Chain, key: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, EncryptError> {
    match chain {
        Chain::RsaPbkdf2Sha1AesCbc => {
            let public = keys::parse_rsa_public_key(key).map_err(|_| EncryptError::WrongKeyType)?;
            separated::encrypt_rsa(&public, plaintext)
        }
        Chain::Pbkdf2Sha1AesCbc => separated::encrypt_password(key, plaintext),
        Chain::EcdhHkdfSha256AesGcm => {
            let public = keys::parse_ecc_public_key(key).map_err(|_| EncryptError::WrongKeyType)?;
            gcm::encrypt_ecdh(&public, plaintext)
        }
        Chain::Pbkdf2Sha256AesGcm => gcm::encrypt_password(chain, key, plaintext),
        Chain::AesGcm => gcm::encrypt_with_key(chain, key, plaintext),
        Chain::Pbkdf2Sha256AesGcmPadded => gcm::encrypt_password(chain, key, plaintext),
        Chain::AesGcmPadded => gcm::encrypt_with_key(chain, key, plaintext),
    }
}

/// Encrypts `plaintext` to a public key: chain 0 for RSA, chain 2 for P-521.
///
/// The key type is detected from the leading bytes (`PF` or `92 C4`, or the
/// same after one base64 decoding), as the vendor's clients do.
pub fn encrypt_to_public_key(public_key: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, EncryptError> {
    match keys::parse_public_key(public_key) {
        Ok(keys::PublicKey::Rsa(public)) => separated::encrypt_rsa(&public, plaintext),
        Ok(keys::PublicKey::Ecc(public)) => gcm::encrypt_ecdh(&public, plaintext),
        Err(KeyError::UnknownKeyType) => Err(EncryptError::WrongKeyType),
        Err(error) => Err(EncryptError::InvalidKey(error)),
    }
}

/// Returns `len` bytes from the operating system's CSPRNG.
fn random_bytes(len: usize) -> Result<Zeroizing<Vec<u8>>, EncryptError> {
    let mut bytes = Zeroizing::new(vec![0u8; len]);
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|_| EncryptError::OperationFailed)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests;
