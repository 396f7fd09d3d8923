//! The seven encryption chains ("MTO encryption") and their envelope.

use crate::error::{DecryptError, EncryptError};
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

impl TryFrom<u8> for Chain {
    type Error = DecryptError;

    fn try_from(id: u8) -> Result<Self, Self::Error> {
        match id {
            0 => Ok(Chain::RsaPbkdf2Sha1AesCbc),
            1 => Ok(Chain::Pbkdf2Sha1AesCbc),
            2 => Ok(Chain::EcdhHkdfSha256AesGcm),
            3 => Ok(Chain::Pbkdf2Sha256AesGcm),
            4 => Ok(Chain::AesGcm),
            5 => Ok(Chain::Pbkdf2Sha256AesGcmPadded),
            6 => Ok(Chain::AesGcmPadded),
            other => Err(DecryptError::UnknownChain(other)),
        }
    }
}

/// Decrypts a blob; its first byte selects the chain.
pub fn decrypt(key: &[u8], blob: &[u8]) -> Result<SecretBytes, DecryptError> {
    let (&id, _payload) = blob.split_first().ok_or(DecryptError::Framing)?;
    let _chain = Chain::try_from(id)?;
    let _ = key;
    Err(DecryptError::Framing)
}

/// Encrypts `plaintext` with the given chain.
pub fn encrypt(chain: Chain, key: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, EncryptError> {
    let _ = (chain, key, plaintext);
    Err(EncryptError::OperationFailed)
}

/// Encrypts `plaintext` to a public key: chain 0 for RSA, chain 2 for P-521.
pub fn encrypt_to_public_key(public_key: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, EncryptError> {
    let _ = (public_key, plaintext);
    Err(EncryptError::WrongKeyType)
}
