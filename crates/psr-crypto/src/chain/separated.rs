//! Chains 0 and 1: fields separated by `01 05 00 05`, AES-256-CBC.
//!
//! ```text
//! chain 0: SEP salt SEP rsa_ct SEP iv(16) SEP cbc_ct
//! chain 1: SEP salt SEP iv(16) SEP cbc_ct
//! ```
//!
//! The AES key is PBKDF2-HMAC-SHA1 (1000 iterations, 32 bytes) of the
//! RSA-decrypted secret (chain 0) or of the password (chain 1). The 32 bytes
//! are used directly as the key. (The vendor's JavaScript client wrongly runs
//! them through a base64 decoder and cannot work at all.)

use aes::Aes256;
use cbc::cipher::block_padding::{NoPadding, Pkcs7};
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use rand::rngs::OsRng;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey, RsaPublicKey};
use sha1::Sha1;
use zeroize::Zeroizing;

use super::{random_bytes, Chain};
use crate::error::{DecryptError, EncryptError, KeyError};
use crate::keys;

/// Field separator of chains 0 and 1.
pub(super) const SEPARATOR: [u8; 4] = [0x01, 0x05, 0x00, 0x05];

const IV_LEN: usize = 16;
const BLOCK_LEN: usize = 16;
const SECRET_LEN: usize = 32;
/// Salt length written for chain 0 (the C# SDK writes 16; any is accepted).
const RSA_SALT_LEN: usize = 32;
/// Salt length written for chain 1 (any is accepted).
const PASSWORD_SALT_LEN: usize = 16;
const PBKDF2_ITERATIONS: u32 = 1000;

/// Upper bound on the field layouts tried when the split on the separator
/// is ambiguous, so a crafted blob cannot cause many RSA decryptions.
const MAX_LAYOUTS: usize = 4;

/// Encryption attempts made to avoid a separator inside a random field,
/// which clients that only split on it cannot read. One attempt produces
/// such a field with a chance of about (blob length) / 2^32.
const MAX_ENCRYPT_ATTEMPTS: usize = 8;

/// Fields of a chain 0 or chain 1 payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Fields<'a> {
    pub(super) salt: &'a [u8],
    /// RSA ciphertext; `None` for chain 1.
    pub(super) rsa_ciphertext: Option<&'a [u8]>,
    pub(super) iv: &'a [u8],
    pub(super) ciphertext: &'a [u8],
}

/// Decrypts a chain 0 payload with an RSA private key.
pub(super) fn decrypt_rsa(key: &[u8], payload: &[u8]) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
    let private = keys::parse_rsa_private_key(key).map_err(|_| DecryptError::WrongKeyType)?;
    let layouts = split_fields(payload, Some(private.size()));
    try_layouts(&layouts, |fields| {
        let rsa_ciphertext = fields.rsa_ciphertext.ok_or(DecryptError::Framing)?;
        let secret = rsa_decrypt(&private, rsa_ciphertext)?;
        let aes_key = derive_key(&secret, fields.salt);
        cbc_decrypt(&aes_key, fields.iv, fields.ciphertext)
    })
}

/// Decrypts a chain 1 payload with a password.
pub(super) fn decrypt_password(
    password: &[u8],
    payload: &[u8],
) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
    let layouts = split_fields(payload, None);
    try_layouts(&layouts, |fields| {
        let aes_key = derive_key(password, fields.salt);
        cbc_decrypt(&aes_key, fields.iv, fields.ciphertext)
    })
}

/// Encrypts `plaintext` to an RSA public key (chain 0).
pub(super) fn encrypt_rsa(
    public: &RsaPublicKey,
    plaintext: &[u8],
) -> Result<Vec<u8>, EncryptError> {
    let mut blob = Vec::new();
    for _ in 0..MAX_ENCRYPT_ATTEMPTS {
        let secret = random_bytes(SECRET_LEN)?;
        let salt = random_bytes(RSA_SALT_LEN)?;
        let iv = random_bytes(IV_LEN)?;
        blob = encrypt_rsa_with(public, &secret, &salt, &iv, plaintext)?;
        if is_unambiguous(&blob, 4) {
            break;
        }
    }
    Ok(blob)
}

/// Builds a chain 0 blob from the given secret, salt and IV.
pub(super) fn encrypt_rsa_with(
    public: &RsaPublicKey,
    secret: &[u8],
    salt: &[u8],
    iv: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, EncryptError> {
    let rsa_ciphertext = public
        .encrypt(&mut OsRng, Pkcs1v15Encrypt, secret)
        .map_err(|_| EncryptError::InvalidKey(KeyError::InvalidRsaKey))?;
    let aes_key = derive_key(secret, salt);
    let ciphertext = cbc_encrypt(&aes_key, iv, plaintext)?;
    let fields = Fields {
        salt,
        rsa_ciphertext: Some(&rsa_ciphertext),
        iv,
        ciphertext: &ciphertext,
    };
    Ok(join_fields(Chain::RsaPbkdf2Sha1AesCbc, &fields))
}

/// Encrypts `plaintext` with a password (chain 1).
pub(super) fn encrypt_password(password: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, EncryptError> {
    let mut blob = Vec::new();
    for _ in 0..MAX_ENCRYPT_ATTEMPTS {
        let salt = random_bytes(PASSWORD_SALT_LEN)?;
        let iv = random_bytes(IV_LEN)?;
        blob = encrypt_password_with(password, &salt, &iv, plaintext)?;
        if is_unambiguous(&blob, 3) {
            break;
        }
    }
    Ok(blob)
}

/// Builds a chain 1 blob from the given salt and IV.
pub(super) fn encrypt_password_with(
    password: &[u8],
    salt: &[u8],
    iv: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, EncryptError> {
    let aes_key = derive_key(password, salt);
    let ciphertext = cbc_encrypt(&aes_key, iv, plaintext)?;
    let fields = Fields {
        salt,
        rsa_ciphertext: None,
        iv,
        ciphertext: &ciphertext,
    };
    Ok(join_fields(Chain::Pbkdf2Sha1AesCbc, &fields))
}

/// Finds the candidate field layouts of a payload.
///
/// The payload must start with the separator. Splitting on every separator
/// (what the vendor's clients do) gives the one layout if the number of
/// pieces is right and the IV and CBC lengths fit. Otherwise a random field
/// contains the separator, and the fields are located by their lengths
/// instead: the IV is 16 bytes, the RSA ciphertext is as long as the
/// modulus, the CBC ciphertext is a non-empty multiple of 16 bytes, and the
/// salt ends at one of the separators. All such layouts are returned, in
/// order of salt length, up to [`MAX_LAYOUTS`].
pub(super) fn split_fields(payload: &[u8], rsa_len: Option<usize>) -> Vec<Fields<'_>> {
    let Some(rest) = payload.strip_prefix(&SEPARATOR) else {
        return Vec::new();
    };

    let pieces = split_on_separator(rest);
    let split = match (rsa_len, pieces.as_slice()) {
        (None, [salt, iv, ciphertext]) => Some(Fields {
            salt,
            rsa_ciphertext: None,
            iv,
            ciphertext,
        }),
        (Some(_), [salt, rsa_ciphertext, iv, ciphertext]) => Some(Fields {
            salt,
            rsa_ciphertext: Some(rsa_ciphertext),
            iv,
            ciphertext,
        }),
        _ => None,
    };
    if let Some(fields) = split.filter(has_valid_cbc_lengths) {
        return vec![fields];
    }

    separator_positions(rest)
        .filter_map(|salt_len| layout_at(rest, salt_len, rsa_len))
        .take(MAX_LAYOUTS)
        .collect()
}

/// Reads the fields by length, with the salt ending at `salt_len`.
fn layout_at(rest: &[u8], salt_len: usize, rsa_len: Option<usize>) -> Option<Fields<'_>> {
    let (salt, tail) = rest.split_at(salt_len);
    let mut tail = tail.strip_prefix(&SEPARATOR)?;

    let rsa_ciphertext = match rsa_len {
        Some(len) => {
            if tail.len() < len {
                return None;
            }
            let (rsa_ciphertext, after) = tail.split_at(len);
            tail = after.strip_prefix(&SEPARATOR)?;
            Some(rsa_ciphertext)
        }
        None => None,
    };

    if tail.len() < IV_LEN {
        return None;
    }
    let (iv, after) = tail.split_at(IV_LEN);
    let ciphertext = after.strip_prefix(&SEPARATOR)?;

    Some(Fields {
        salt,
        rsa_ciphertext,
        iv,
        ciphertext,
    })
    .filter(has_valid_cbc_lengths)
}

fn has_valid_cbc_lengths(fields: &Fields<'_>) -> bool {
    fields.iv.len() == IV_LEN
        && !fields.ciphertext.is_empty()
        && fields.ciphertext.len().is_multiple_of(BLOCK_LEN)
}

/// Runs `decrypt` on each layout and returns the first success. Without any
/// layout the payload is malformed; if all fail, the last error is returned.
fn try_layouts<F>(
    layouts: &[Fields<'_>],
    mut decrypt: F,
) -> Result<Zeroizing<Vec<u8>>, DecryptError>
where
    F: FnMut(&Fields<'_>) -> Result<Zeroizing<Vec<u8>>, DecryptError>,
{
    let mut result = Err(DecryptError::Framing);
    for fields in layouts {
        result = decrypt(fields);
        if result.is_ok() {
            break;
        }
    }
    result
}

/// Splits on every separator, like a string split.
fn split_on_separator(data: &[u8]) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for position in separator_positions(data) {
        if position >= start {
            pieces.push(&data[start..position]);
            start = position + SEPARATOR.len();
        }
    }
    pieces.push(&data[start..]);
    pieces
}

/// Offsets at which the separator starts in `data`.
fn separator_positions(data: &[u8]) -> impl Iterator<Item = usize> + '_ {
    data.windows(SEPARATOR.len())
        .enumerate()
        .filter(|(_, window)| *window == SEPARATOR)
        .map(|(position, _)| position)
}

/// Returns `true` if the blob contains no separators besides the one in
/// front of each of its `field_count` fields, so that clients that only
/// split on the separator can read it.
fn is_unambiguous(blob: &[u8], field_count: usize) -> bool {
    separator_positions(blob).count() == field_count
}

fn join_fields(chain: Chain, fields: &Fields<'_>) -> Vec<u8> {
    let mut blob = vec![chain.id()];
    blob.extend_from_slice(&SEPARATOR);
    blob.extend_from_slice(fields.salt);
    if let Some(rsa_ciphertext) = fields.rsa_ciphertext {
        blob.extend_from_slice(&SEPARATOR);
        blob.extend_from_slice(rsa_ciphertext);
    }
    blob.extend_from_slice(&SEPARATOR);
    blob.extend_from_slice(fields.iv);
    blob.extend_from_slice(&SEPARATOR);
    blob.extend_from_slice(fields.ciphertext);
    blob
}

fn derive_key(secret: &[u8], salt: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<Sha1>(secret, salt, PBKDF2_ITERATIONS, key.as_mut());
    key
}

/// RSAES-PKCS1-v1_5 decryption of the chain-0 secret.
///
/// NOTE: the `rsa` crate 0.9 is not constant time (RUSTSEC-2023-0071, the
/// "Marvin" timing attack), and PKCS#1 v1.5 unpadding reports failure
/// directly instead of using implicit rejection. An attacker who can submit
/// many chosen ciphertexts to this code and time each decryption precisely
/// could in principle recover the plaintext of one RSA ciphertext. Here the
/// ciphertexts come from the server the user logged in to, and a client
/// decrypts only a handful per run with blinding enabled. That is not a
/// practical oracle, but it would be one in a long-running service that
/// decrypts chain-0 blobs on behalf of others. The protocol offers no
/// alternative for legacy chain-0 data.
fn rsa_decrypt(
    private: &RsaPrivateKey,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
    private
        .decrypt_blinded(&mut OsRng, Pkcs1v15Encrypt, ciphertext)
        .map(Zeroizing::new)
        .map_err(|_| DecryptError::Authentication)
}

/// AES-256-CBC decryption with a lenient padding check: the last byte must
/// be 1 to 16 and that many bytes are removed. Only the last byte is checked
/// because writers with ISO 10126 padding fill the rest with random bytes.
fn cbc_decrypt(
    key: &[u8; 32],
    iv: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
    let decryptor =
        cbc::Decryptor::<Aes256>::new_from_slices(key, iv).map_err(|_| DecryptError::Framing)?;
    let mut plaintext = Zeroizing::new(
        decryptor
            .decrypt_padded_vec_mut::<NoPadding>(ciphertext)
            .map_err(|_| DecryptError::Framing)?,
    );
    let padding_len = match plaintext.last() {
        Some(&last) if (1..=BLOCK_LEN as u8).contains(&last) => usize::from(last),
        _ => return Err(DecryptError::Authentication),
    };
    let len = plaintext.len() - padding_len;
    plaintext.truncate(len);
    Ok(plaintext)
}

/// AES-256-CBC encryption with PKCS#7 padding.
fn cbc_encrypt(key: &[u8; 32], iv: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, EncryptError> {
    let encryptor = cbc::Encryptor::<Aes256>::new_from_slices(key, iv)
        .map_err(|_| EncryptError::OperationFailed)?;
    Ok(encryptor.encrypt_padded_vec_mut::<Pkcs7>(plaintext))
}
