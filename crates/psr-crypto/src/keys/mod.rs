//! Key formats: RSA XML keys, P-521 MessagePack keys, key-type detection and
//! key generation.

mod ecc;
mod rsa_xml;

use std::ops::Deref;

use rand::rngs::OsRng;
use zeroize::Zeroizing;

use crate::base64::decode_lenient;
use crate::error::KeyError;
use crate::secret::SecretBytes;

pub(crate) use ecc::COMPONENT_LEN as ECC_COMPONENT_LEN;

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

/// Half of a key pair that detection looks for.
#[derive(Clone, Copy)]
enum Half {
    Public,
    Private,
}

/// Detects the type of a public key from its leading bytes.
///
/// `PF` is RSA and `92 C4` is ECC. Other bytes that are base64 text are
/// decoded once and checked again. Returns `None` for anything else,
/// including raw XML, a 32-byte symmetric key and a P-521 private key.
pub fn detect_public_key_type(key: &[u8]) -> Option<KeyType> {
    detect(key, Half::Public).map(|(key_type, _)| key_type)
}

/// Detects the type of a private key from its leading bytes.
///
/// `PF` is RSA and `93 C4` is ECC, with the same single base64 retry as
/// [`detect_public_key_type`]. An RSA public key is also reported as RSA,
/// because detection looks only at the prefix.
pub fn detect_private_key_type(key: &[u8]) -> Option<KeyType> {
    detect(key, Half::Private).map(|(key_type, _)| key_type)
}

/// Generates an RSA key pair with public exponent 65537.
///
/// `bits` must be a multiple of 8 from 1024 to 4096; the protocol uses 2048.
/// Both keys are `PF...` text with .NET-canonical element lengths.
pub fn generate_rsa_key_pair(bits: usize) -> Result<KeyPair, KeyError> {
    if !(1024..=4096).contains(&bits) || !bits.is_multiple_of(8) {
        return Err(KeyError::UnsupportedKeySize(bits));
    }
    let private =
        rsa::RsaPrivateKey::new(&mut OsRng, bits).map_err(|_| KeyError::OperationFailed)?;
    let private_key = rsa_xml::write_private(&private)?;
    Ok(KeyPair {
        private_key: SecretBytes::new(private_key.to_vec()),
        public_key: rsa_xml::write_public(&private.to_public_key()),
    })
}

/// Generates a P-521 key pair with 66-byte components.
///
/// # Panics
///
/// Panics if the operating system's random number generator fails.
pub fn generate_ecc_key_pair() -> KeyPair {
    let secret = p521::SecretKey::random(&mut OsRng);
    // The writers fail only for the identity point or components longer
    // than 66 bytes, and a generated key has neither.
    let private_key = ecc::write_private(&secret).unwrap_or_default();
    let public_key = ecc::write_public(&secret.public_key()).unwrap_or_default();
    KeyPair {
        private_key: SecretBytes::new(private_key.to_vec()),
        public_key,
    }
}

/// Derives the public key, in protocol encoding, from a private key.
///
/// The private key type is detected as in [`detect_private_key_type`]. An
/// RSA result is `PF...` text with the modulus and exponent only; a P-521
/// result is `[x, y]` with 66-byte components.
pub fn public_key_from_private(private_key: &[u8]) -> Result<Vec<u8>, KeyError> {
    match parse_private_key(private_key)? {
        PrivateKey::Rsa(key) => Ok(rsa_xml::write_public(&key.to_public_key())),
        PrivateKey::Ecc(key) => ecc::write_public(&key.public_key()),
    }
}

/// A parsed public key.
pub(crate) enum PublicKey {
    Rsa(rsa::RsaPublicKey),
    Ecc(p521::PublicKey),
}

/// A parsed private key.
pub(crate) enum PrivateKey {
    Rsa(Box<rsa::RsaPrivateKey>),
    Ecc(p521::SecretKey),
}

/// Parses a public key whose type is found by detection.
pub(crate) fn parse_public_key(key: &[u8]) -> Result<PublicKey, KeyError> {
    match detect(key, Half::Public).ok_or(KeyError::UnknownKeyType)? {
        (KeyType::Rsa, bytes) => rsa_xml::parse_public(&bytes).map(PublicKey::Rsa),
        (KeyType::Ecc, bytes) => ecc::parse_public(&bytes).map(PublicKey::Ecc),
    }
}

/// Parses a private key whose type is found by detection.
pub(crate) fn parse_private_key(key: &[u8]) -> Result<PrivateKey, KeyError> {
    parse_detected_private_key(key, ecc::parse_private)
}

/// Parses a private key whose type is found by detection, for signing: a
/// P-521 key's point is not compared with d·G (see
/// [`parse_ecc_private_scalar`]).
pub(crate) fn parse_signing_key(key: &[u8]) -> Result<PrivateKey, KeyError> {
    parse_detected_private_key(key, ecc::parse_private_scalar)
}

fn parse_detected_private_key(
    key: &[u8],
    parse_ecc: fn(&[u8]) -> Result<p521::SecretKey, KeyError>,
) -> Result<PrivateKey, KeyError> {
    match detect(key, Half::Private).ok_or(KeyError::UnknownKeyType)? {
        (KeyType::Rsa, bytes) => {
            rsa_xml::parse_private(&bytes).map(|key| PrivateKey::Rsa(Box::new(key)))
        }
        (KeyType::Ecc, bytes) => parse_ecc(&bytes).map(PrivateKey::Ecc),
    }
}

/// Parses an RSA private key in any accepted encoding (raw XML, `PF...`
/// text, or up to three more base64 layers), without detection.
pub(crate) fn parse_rsa_private_key(key: &[u8]) -> Result<rsa::RsaPrivateKey, KeyError> {
    rsa_xml::parse_private(key)
}

/// Parses an RSA public key in any accepted encoding, without detection.
pub(crate) fn parse_rsa_public_key(key: &[u8]) -> Result<rsa::RsaPublicKey, KeyError> {
    rsa_xml::parse_public(key)
}

/// Parses P-521 MessagePack `[d, x, y]`, without detection.
#[cfg(test)]
pub(crate) fn parse_ecc_private_key(key: &[u8]) -> Result<p521::SecretKey, KeyError> {
    ecc::parse_private(key)
}

/// Parses P-521 MessagePack `[d, x, y]` for signing or ECDH, without
/// detection and without comparing the point with d·G.
pub(crate) fn parse_ecc_private_scalar(key: &[u8]) -> Result<p521::SecretKey, KeyError> {
    ecc::parse_private_scalar(key)
}

/// Parses P-521 MessagePack `[x, y]`, without detection.
pub(crate) fn parse_ecc_public_key(key: &[u8]) -> Result<p521::PublicKey, KeyError> {
    ecc::parse_public(key)
}

/// Writes a P-521 public key as `[x, y]` with 66-byte components.
pub(crate) fn write_ecc_public_key(key: &p521::PublicKey) -> Result<Vec<u8>, KeyError> {
    ecc::write_public(key)
}

/// Key bytes found by detection: the input itself or its base64 decoding,
/// which is wiped on drop because it may be a private key.
enum KeyBytes<'a> {
    Borrowed(&'a [u8]),
    Decoded(Zeroizing<Vec<u8>>),
}

impl Deref for KeyBytes<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            KeyBytes::Borrowed(bytes) => bytes,
            KeyBytes::Decoded(bytes) => bytes,
        }
    }
}

/// Detects the key type and returns the bytes to parse: `key` itself, or
/// its base64 decoding if only that has a known prefix.
fn detect(key: &[u8], half: Half) -> Option<(KeyType, KeyBytes<'_>)> {
    if let Some(key_type) = prefix_type(key, half) {
        return Some((key_type, KeyBytes::Borrowed(key)));
    }
    let decoded = Zeroizing::new(decode_lenient(key)?);
    let key_type = prefix_type(&decoded, half)?;
    Some((key_type, KeyBytes::Decoded(decoded)))
}

fn prefix_type(key: &[u8], half: Half) -> Option<KeyType> {
    match (key, half) {
        ([b'P', b'F', ..], _) => Some(KeyType::Rsa),
        ([0x92, 0xC4, ..], Half::Public) => Some(KeyType::Ecc),
        ([0x93, 0xC4, ..], Half::Private) => Some(KeyType::Ecc),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
