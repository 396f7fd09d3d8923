//! Chains 2 to 6: MessagePack framing and AES-256-GCM.
//!
//! ```text
//! chain 2:    [epk, salt(32), iv(12), ct||tag]   ECDH P-521 + HKDF-SHA256
//! chain 3, 5: [salt(16), iv(12), ct||tag]        PBKDF2-HMAC-SHA256
//! chain 4, 6: [iv(12), ct||tag]                  32-byte key
//! ```
//!
//! Chains 5 and 6 pad the plaintext to a multiple of 128 bytes before
//! encryption. GCM uses no associated data and a 16-byte tag.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::{random_bytes, Chain};
use crate::error::{DecryptError, EncryptError};
use crate::keys;
use crate::msgpack;

const KEY_LEN: usize = 32;
const IV_LEN: usize = 12;
const TAG_LEN: usize = 16;
const ECDH_SALT_LEN: usize = 32;
const PASSWORD_SALT_LEN: usize = 16;
const PADDING_BLOCK_LEN: usize = 128;

/// Whether the chain pads the plaintext.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Variant {
    /// Chains 2, 3 and 4.
    Plain,
    /// Chains 5 and 6.
    Padded,
}

impl Variant {
    fn of(chain: Chain) -> Self {
        match chain {
            Chain::Pbkdf2Sha256AesGcmPadded | Chain::AesGcmPadded => Variant::Padded,
            _ => Variant::Plain,
        }
    }

    fn pbkdf2_iterations(self) -> u32 {
        match self {
            Variant::Plain => 1000,
            Variant::Padded => 610_005,
        }
    }
}

/// Decrypts a chain 2 payload with a P-521 private key.
pub(super) fn decrypt_ecdh(key: &[u8], payload: &[u8]) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
    let private = keys::parse_ecc_private_scalar(key).map_err(|_| DecryptError::WrongKeyType)?;
    let items = msgpack::read_bin_array(payload).map_err(|_| DecryptError::Framing)?;
    let [ephemeral, salt, iv, ciphertext] = items.as_slice() else {
        return Err(DecryptError::Framing);
    };
    check_gcm_lengths(iv, ciphertext)?;

    // An ephemeral key that is not a valid curve point is treated like a
    // tampered tag: the blob does not decrypt.
    let ephemeral =
        keys::parse_ecc_public_key(ephemeral).map_err(|_| DecryptError::Authentication)?;
    let scalar = Zeroizing::new(private.to_nonzero_scalar());
    let shared = p521::ecdh::diffie_hellman(&*scalar, ephemeral.as_affine());
    let aes_key = derive_ecdh_key(shared.raw_secret_bytes(), salt);
    gcm_decrypt(&aes_key, iv, ciphertext)
}

/// Decrypts a chain 3 or 5 payload with a password.
pub(super) fn decrypt_password(
    password: &[u8],
    payload: &[u8],
    variant: Variant,
) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
    let items = msgpack::read_bin_array(payload).map_err(|_| DecryptError::Framing)?;
    let [salt, iv, ciphertext] = items.as_slice() else {
        return Err(DecryptError::Framing);
    };
    check_gcm_lengths(iv, ciphertext)?;
    let aes_key = derive_password_key(password, salt, variant);
    let plaintext = gcm_decrypt(&aes_key, iv, ciphertext)?;
    unpad(plaintext, variant)
}

/// Decrypts a chain 4 or 6 payload with a 32-byte key.
pub(super) fn decrypt_with_key(
    key: &[u8],
    payload: &[u8],
    variant: Variant,
) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
    let aes_key: &[u8; KEY_LEN] = key.try_into().map_err(|_| DecryptError::WrongKeyType)?;
    let items = msgpack::read_bin_array(payload).map_err(|_| DecryptError::Framing)?;
    let [iv, ciphertext] = items.as_slice() else {
        return Err(DecryptError::Framing);
    };
    check_gcm_lengths(iv, ciphertext)?;
    let plaintext = gcm_decrypt(aes_key, iv, ciphertext)?;
    unpad(plaintext, variant)
}

/// Encrypts to a P-521 public key with a fresh ephemeral key (chain 2).
pub(super) fn encrypt_ecdh(
    recipient: &p521::PublicKey,
    plaintext: &[u8],
) -> Result<Vec<u8>, EncryptError> {
    let ephemeral = p521::ecdh::EphemeralSecret::random(&mut rand::rngs::OsRng);
    let ephemeral_public = keys::write_ecc_public_key(&ephemeral.public_key())
        .map_err(|_| EncryptError::OperationFailed)?;
    let shared = ephemeral.diffie_hellman(recipient);
    let salt = random_bytes(ECDH_SALT_LEN)?;
    let iv = random_bytes(IV_LEN)?;
    let aes_key = derive_ecdh_key(shared.raw_secret_bytes(), &salt);
    let ciphertext = gcm_encrypt(&aes_key, &iv, plaintext)?;
    frame(
        Chain::EcdhHkdfSha256AesGcm,
        &[&ephemeral_public, &salt, &iv, &ciphertext],
    )
}

/// Encrypts with a password (chains 3 and 5).
pub(super) fn encrypt_password(
    chain: Chain,
    password: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, EncryptError> {
    let variant = Variant::of(chain);
    let salt = random_bytes(PASSWORD_SALT_LEN)?;
    let iv = random_bytes(IV_LEN)?;
    let aes_key = derive_password_key(password, &salt, variant);
    let padded = pad(plaintext, variant)?;
    let ciphertext = gcm_encrypt(&aes_key, &iv, &padded)?;
    frame(chain, &[&salt, &iv, &ciphertext])
}

/// Encrypts with a 32-byte key (chains 4 and 6).
pub(super) fn encrypt_with_key(
    chain: Chain,
    key: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, EncryptError> {
    let aes_key: &[u8; KEY_LEN] = key.try_into().map_err(|_| EncryptError::WrongKeyType)?;
    let iv = random_bytes(IV_LEN)?;
    let padded = pad(plaintext, Variant::of(chain))?;
    let ciphertext = gcm_encrypt(aes_key, &iv, &padded)?;
    frame(chain, &[&iv, &ciphertext])
}

fn check_gcm_lengths(iv: &[u8], ciphertext: &[u8]) -> Result<(), DecryptError> {
    if iv.len() == IV_LEN && ciphertext.len() >= TAG_LEN {
        Ok(())
    } else {
        Err(DecryptError::Framing)
    }
}

/// HKDF-SHA256 over the ECDH x coordinate with all leading zero bytes
/// removed (the vendor's clients strip them, about half of all secrets have
/// at least one), empty info, 32 bytes of output.
fn derive_ecdh_key(shared_x: &[u8], salt: &[u8]) -> Zeroizing<[u8; KEY_LEN]> {
    let first_nonzero = shared_x
        .iter()
        .position(|&byte| byte != 0)
        .unwrap_or(shared_x.len());
    let ikm = &shared_x[first_nonzero..];
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    // 32 bytes is far below HKDF-SHA256's output limit of 8160 bytes.
    let _ = Hkdf::<Sha256>::new(Some(salt), ikm).expand(&[], key.as_mut());
    key
}

fn derive_password_key(password: &[u8], salt: &[u8], variant: Variant) -> Zeroizing<[u8; KEY_LEN]> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, variant.pbkdf2_iterations(), key.as_mut());
    key
}

fn gcm_decrypt(
    key: &[u8; KEY_LEN],
    iv: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
    Aes256Gcm::new(key.into())
        .decrypt(Nonce::from_slice(iv), ciphertext)
        .map(Zeroizing::new)
        .map_err(|_| DecryptError::Authentication)
}

fn gcm_encrypt(key: &[u8; KEY_LEN], iv: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, EncryptError> {
    if iv.len() != IV_LEN {
        return Err(EncryptError::OperationFailed);
    }
    Aes256Gcm::new(key.into())
        .encrypt(Nonce::from_slice(iv), plaintext)
        .map_err(|_| EncryptError::PlaintextTooLong)
}

fn frame(chain: Chain, items: &[&[u8]]) -> Result<Vec<u8>, EncryptError> {
    let array = msgpack::write_bin_array(items).map_err(|_| EncryptError::PlaintextTooLong)?;
    let mut blob = Vec::with_capacity(1 + array.len());
    blob.push(chain.id());
    blob.extend_from_slice(&array);
    Ok(blob)
}

/// Pads to the next multiple of 128 bytes strictly above the length:
/// `plaintext || (p - 1 random bytes) || byte(p - 1)` with p in 1..=128.
pub(super) fn pad(plaintext: &[u8], variant: Variant) -> Result<Zeroizing<Vec<u8>>, EncryptError> {
    let mut padded = Zeroizing::new(Vec::with_capacity(plaintext.len() + PADDING_BLOCK_LEN));
    padded.extend_from_slice(plaintext);
    if variant == Variant::Padded {
        let padding_len = PADDING_BLOCK_LEN - plaintext.len() % PADDING_BLOCK_LEN;
        padded.extend_from_slice(&random_bytes(padding_len - 1)?);
        // padding_len is at most 128, so padding_len - 1 fits in a byte.
        padded.push((padding_len - 1) as u8);
    }
    Ok(padded)
}

/// Removes the padding of chains 5 and 6. The last byte L means that the
/// last L + 1 bytes are padding, and a value larger than the data is
/// rejected.
pub(super) fn unpad(
    mut padded: Zeroizing<Vec<u8>>,
    variant: Variant,
) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
    if variant == Variant::Plain {
        return Ok(padded);
    }
    let padding_len = match padded.last() {
        Some(&last) => usize::from(last) + 1,
        None => return Err(DecryptError::Framing),
    };
    let len = padded
        .len()
        .checked_sub(padding_len)
        .ok_or(DecryptError::Framing)?;
    padded.truncate(len);
    Ok(padded)
}
