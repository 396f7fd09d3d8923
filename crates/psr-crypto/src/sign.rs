//! Signatures: RSASSA-PKCS1-v1_5 with SHA-512, and ECDSA P-521 with SHA-256.
//!
//! ECDSA signatures are the raw concatenation `r || s`, each 66 bytes
//! (IEEE P1363), never DER.

use ecdsa::hazmat::{bits2field, sign_prehashed};
use p521::ecdsa::signature::hazmat::PrehashVerifier;
use p521::ecdsa::{Signature, VerifyingKey};
use p521::elliptic_curve::Field;
use p521::NistP521;
use rand::rngs::OsRng;
use rsa::Pkcs1v15Sign;
use sha2::{Digest, Sha256, Sha512};
use zeroize::Zeroizing;

use crate::error::KeyError;
use crate::keys::{self, PrivateKey, PublicKey, ECC_COMPONENT_LEN};

/// Length of a raw P-521 ECDSA signature.
pub const ECDSA_SIGNATURE_LEN: usize = 2 * ECC_COMPONENT_LEN;

/// Signs `data` with a private key; the key type picks the algorithm.
///
/// An RSA key (`PF...` text) gives a deterministic PKCS#1 v1.5 signature
/// over SHA-512, as long as the modulus. A P-521 key (`93 C4 ...`) gives a
/// randomised ECDSA signature over SHA-256, 132 bytes `r || s`. The key type
/// is detected as in [`crate::detect_private_key_type`], so raw XML and
/// symmetric keys are rejected.
pub fn sign(private_key: &[u8], data: &[u8]) -> Result<Vec<u8>, KeyError> {
    match keys::parse_signing_key(private_key)? {
        PrivateKey::Rsa(key) => {
            let digest = Sha512::digest(data);
            key.sign_with_rng(&mut OsRng, Pkcs1v15Sign::new::<Sha512>(), &digest)
                .map_err(|_| KeyError::InvalidRsaKey)
        }
        PrivateKey::Ecc(key) => sign_ecdsa(&key, data),
    }
}

/// Signs with the secret scalar and a random nonce, as p521 0.13's
/// `SigningKey` does. `SigningKey` also derives the verifying key when it
/// is built, which would cost a second scalar multiplication per signature.
fn sign_ecdsa(key: &p521::SecretKey, data: &[u8]) -> Result<Vec<u8>, KeyError> {
    let field =
        bits2field::<NistP521>(&ecdsa_prehash(data)).map_err(|_| KeyError::OperationFailed)?;
    let nonce = p521::Scalar::random(&mut OsRng);
    // `SigningKey` wiped its copy of d on drop, so this copy is wiped too.
    let scalar = Zeroizing::new(key.to_nonzero_scalar());
    let (signature, _) = sign_prehashed::<NistP521, _>(scalar.as_ref(), nonce, &field)
        .map_err(|_| KeyError::OperationFailed)?;
    Ok(signature.to_bytes().to_vec())
}

/// Verifies a signature over `data` with a public key; the key type picks
/// the algorithm as in [`sign`].
///
/// Returns `false` for an invalid signature and for every malformed input:
/// an unrecognised or invalid key, an RSA signature not exactly as long as
/// the modulus, or an ECDSA signature that is not 132 bytes (DER is
/// rejected).
pub fn verify(public_key: &[u8], data: &[u8], signature: &[u8]) -> bool {
    match keys::parse_public_key(public_key) {
        Ok(PublicKey::Rsa(key)) => {
            let digest = Sha512::digest(data);
            key.verify(Pkcs1v15Sign::new::<Sha512>(), &digest, signature)
                .is_ok()
        }
        Ok(PublicKey::Ecc(key)) => {
            if signature.len() != ECDSA_SIGNATURE_LEN {
                return false;
            }
            let Ok(signature) = Signature::from_slice(signature) else {
                return false;
            };
            let Ok(verifying_key) = VerifyingKey::from_affine(*key.as_affine()) else {
                return false;
            };
            verifying_key
                .verify_prehash(&ecdsa_prehash(data), &signature)
                .is_ok()
        }
        Err(_) => false,
    }
}

/// SHA-256 of `data`, left-padded with zeros to the 66-byte field size.
///
/// The protocol uses the 32-byte digest as the integer directly. Padding
/// keeps that value, and the `ecdsa` crate rejects prehashes shorter than
/// half the field size.
fn ecdsa_prehash(data: &[u8]) -> [u8; ECC_COMPONENT_LEN] {
    let digest = Sha256::digest(data);
    let mut prehash = [0u8; ECC_COMPONENT_LEN];
    prehash[ECC_COMPONENT_LEN - digest.len()..].copy_from_slice(&digest);
    prehash
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use super::*;
    use crate::keys::{generate_ecc_key_pair, generate_rsa_key_pair, KeyPair};

    fn rsa_pair() -> &'static KeyPair {
        static PAIR: OnceLock<KeyPair> = OnceLock::new();
        PAIR.get_or_init(|| generate_rsa_key_pair(1024).expect("generate RSA key"))
    }

    /// DER encoding of a raw `r || s` signature.
    fn to_der(raw: &[u8]) -> Vec<u8> {
        let integer = |value: &[u8]| {
            let first = value
                .iter()
                .position(|&byte| byte != 0)
                .unwrap_or(value.len() - 1);
            let mut body = value[first..].to_vec();
            if body[0] & 0x80 != 0 {
                body.insert(0, 0);
            }
            [&[0x02, body.len() as u8][..], &body].concat()
        };
        let body = [integer(&raw[..66]), integer(&raw[66..])].concat();
        [&[0x30, 0x81, body.len() as u8][..], &body].concat()
    }

    #[test]
    fn rsa_signature_is_deterministic_and_verifies() {
        let pair = rsa_pair();
        let first = sign(pair.private_key.expose_secret(), b"challenge").expect("signs");
        let second = sign(pair.private_key.expose_secret(), b"challenge").expect("signs");
        assert_eq!(first, second);
        assert_eq!(first.len(), 128);
        assert!(verify(&pair.public_key, b"challenge", &first));
        assert!(!verify(&pair.public_key, b"challengE", &first));
    }

    #[test]
    fn rsa_signature_of_wrong_length_is_invalid() {
        let pair = rsa_pair();
        let signature = sign(pair.private_key.expose_secret(), b"data").expect("signs");
        let longer = [&[0u8][..], &signature].concat();
        assert!(!verify(&pair.public_key, b"data", &longer));
        assert!(!verify(&pair.public_key, b"data", &signature[1..]));
        assert!(!verify(&pair.public_key, b"data", &[]));
    }

    #[test]
    fn ecdsa_signature_is_raw_132_bytes_and_verifies() {
        let pair = generate_ecc_key_pair();
        let signature = sign(pair.private_key.expose_secret(), b"challenge").expect("signs");
        assert_eq!(signature.len(), ECDSA_SIGNATURE_LEN);
        assert!(verify(&pair.public_key, b"challenge", &signature));
        assert!(!verify(&pair.public_key, b"other", &signature));
    }

    #[test]
    fn ecdsa_rejects_der_and_wrong_lengths() {
        let pair = generate_ecc_key_pair();
        let signature = sign(pair.private_key.expose_secret(), b"data").expect("signs");
        assert!(!verify(&pair.public_key, b"data", &to_der(&signature)));
        assert!(!verify(&pair.public_key, b"data", &signature[..131]));
        let longer = [&signature[..], &[0]].concat();
        assert!(!verify(&pair.public_key, b"data", &longer));
    }

    #[test]
    fn ecdsa_rejects_swapped_r_and_s() {
        let pair = generate_ecc_key_pair();
        let signature = sign(pair.private_key.expose_secret(), b"data").expect("signs");
        let swapped = [&signature[66..], &signature[..66]].concat();
        assert!(!verify(&pair.public_key, b"data", &swapped));
    }

    #[test]
    fn verify_rejects_private_key_and_unknown_keys() {
        let pair = generate_ecc_key_pair();
        let signature = sign(pair.private_key.expose_secret(), b"data").expect("signs");
        assert!(!verify(
            pair.private_key.expose_secret(),
            b"data",
            &signature
        ));
        assert!(!verify(&[0; 32], b"data", &signature));
    }

    #[test]
    fn sign_rejects_public_and_unknown_keys() {
        let pair = generate_ecc_key_pair();
        assert_eq!(
            sign(&pair.public_key, b"data"),
            Err(KeyError::UnknownKeyType)
        );
        assert_eq!(sign(&[1; 32], b"data"), Err(KeyError::UnknownKeyType));
        assert_eq!(
            sign(&rsa_pair().public_key, b"data"),
            Err(KeyError::NotPrivateKey)
        );
    }

    #[test]
    fn sign_rejects_raw_xml_like_the_vendor_clients() {
        let xml = crate::base64::decode_lenient(rsa_pair().private_key.expose_secret()).unwrap();
        assert_eq!(sign(&xml, b"data"), Err(KeyError::UnknownKeyType));
    }
}
