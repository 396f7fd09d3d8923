//! RSA keys as .NET `<RSAKeyValue>` XML documents.
//!
//! On the wire an RSA key is the ASCII text of base64 of the XML, so it
//! starts with `PF` (base64 of `<RS`). Element contents are standard base64
//! of unsigned big-endian integers.

use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};
use zeroize::Zeroizing;

use crate::base64::{decode_lenient, encode};
use crate::error::KeyError;

/// Maximum number of base64 layers removed before the XML must appear:
/// raw XML, the usual `PF...` text, and three further layers.
const MAX_BASE64_LAYERS: usize = 4;

/// Smallest modulus accepted, in bits. The protocol uses 2048-bit keys and
/// the vendor's SDK tests use 1024 bits; smaller keys are broken anyway.
const MIN_MODULUS_BITS: usize = 512;

/// Largest modulus accepted, in bits (the limit of the `rsa` crate).
const MAX_MODULUS_BITS: usize = RsaPublicKey::MAX_SIZE;

/// Parses an RSA public key. A private key is accepted too; its public part
/// is returned.
pub(crate) fn parse_public(key: &[u8]) -> Result<RsaPublicKey, KeyError> {
    let xml = unwrap_base64_layers(key)?;
    let modulus = element(&xml, "Modulus")?.ok_or(KeyError::InvalidRsaKey)?;
    let exponent = element(&xml, "Exponent")?.ok_or(KeyError::InvalidRsaKey)?;
    public_key(&modulus, &exponent)
}

/// Parses an RSA private key. `P`, `Q` and `D` must all be present; the
/// CRT values in the XML are ignored and recomputed.
pub(crate) fn parse_private(key: &[u8]) -> Result<RsaPrivateKey, KeyError> {
    let xml = unwrap_base64_layers(key)?;
    let modulus = element(&xml, "Modulus")?.ok_or(KeyError::InvalidRsaKey)?;
    let exponent = element(&xml, "Exponent")?.ok_or(KeyError::InvalidRsaKey)?;
    let public = public_key(&modulus, &exponent)?;

    let (Some(d), Some(p), Some(q)) = (
        element(&xml, "D")?,
        element(&xml, "P")?,
        element(&xml, "Q")?,
    ) else {
        return Err(KeyError::NotPrivateKey);
    };

    // from_components checks that p * q = n and that d inverts e modulo
    // p - 1 and q - 1, so inconsistent numbers are rejected here.
    RsaPrivateKey::from_components(
        public.n().clone(),
        public.e().clone(),
        BigUint::from_bytes_be(&d),
        vec![BigUint::from_bytes_be(&p), BigUint::from_bytes_be(&q)],
    )
    .map_err(|_| KeyError::InvalidRsaKey)
}

/// Writes a public key as `PF...` text.
pub(crate) fn write_public(key: &RsaPublicKey) -> Vec<u8> {
    let xml = format!(
        "<RSAKeyValue><Modulus>{}</Modulus><Exponent>{}</Exponent></RSAKeyValue>",
        encode(&key.n().to_bytes_be()),
        encode(&key.e().to_bytes_be()),
    );
    encode(xml.as_bytes()).into_bytes()
}

/// Writes a private key as `PF...` text with .NET-canonical element lengths:
/// `Modulus` and `D` as long as the modulus, `P`, `Q`, `DP`, `DQ` and
/// `InverseQ` half as long (rounded up), `Exponent` without leading zeros.
pub(crate) fn write_private(key: &RsaPrivateKey) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let [p, q] = key.primes() else {
        return Err(KeyError::InvalidRsaKey);
    };
    let one = BigUint::from(1u8);
    let dp = Zeroizing::new(key.d() % (p - &one));
    let dq = Zeroizing::new(key.d() % (q - &one));
    let inverse_q = key.crt_coefficient().ok_or(KeyError::InvalidRsaKey)?;

    let full = key.size();
    let half = full.div_ceil(2);
    let fixed = |value: &BigUint, len: usize| -> Result<String, KeyError> {
        let bytes = Zeroizing::new(to_fixed_be(value, len)?);
        Ok(encode(&bytes))
    };

    let xml = Zeroizing::new(format!(
        "<RSAKeyValue><Modulus>{}</Modulus><Exponent>{}</Exponent><P>{}</P><Q>{}</Q>\
         <DP>{}</DP><DQ>{}</DQ><InverseQ>{}</InverseQ><D>{}</D></RSAKeyValue>",
        fixed(key.n(), full)?,
        encode(&key.e().to_bytes_be()),
        fixed(p, half)?,
        fixed(q, half)?,
        fixed(&dp, half)?,
        fixed(&dq, half)?,
        fixed(&inverse_q, half)?,
        fixed(key.d(), full)?,
    ));
    Ok(Zeroizing::new(encode(xml.as_bytes()).into_bytes()))
}

/// Builds and checks a public key from big-endian modulus and exponent.
fn public_key(modulus: &[u8], exponent: &[u8]) -> Result<RsaPublicKey, KeyError> {
    let n = BigUint::from_bytes_be(modulus);
    let bits = n.bits();
    if !(MIN_MODULUS_BITS..=MAX_MODULUS_BITS).contains(&bits) {
        return Err(KeyError::InvalidRsaKey);
    }
    RsaPublicKey::new(n, BigUint::from_bytes_be(exponent)).map_err(|_| KeyError::InvalidRsaKey)
}

/// Removes base64 layers until the text starts with `<`.
fn unwrap_base64_layers(key: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let mut text = Zeroizing::new(key.trim_ascii().to_vec());
    for _ in 0..MAX_BASE64_LAYERS {
        if text.starts_with(b"<") {
            return Ok(text);
        }
        let decoded = Zeroizing::new(decode_lenient(&text).ok_or(KeyError::InvalidRsaKey)?);
        text = Zeroizing::new(decoded.trim_ascii().to_vec());
    }
    if text.starts_with(b"<") {
        Ok(text)
    } else {
        Err(KeyError::InvalidRsaKey)
    }
}

/// Returns the decoded content of the first `<name>...</name>` element, or
/// `None` if the element is missing or empty.
fn element(xml: &[u8], name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyError> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let Some(start) = find(xml, open.as_bytes()) else {
        return Ok(None);
    };
    let content_start = start + open.len();
    let content_len =
        find(&xml[content_start..], close.as_bytes()).ok_or(KeyError::InvalidRsaKey)?;
    let content = &xml[content_start..content_start + content_len];
    let bytes = Zeroizing::new(decode_lenient(content).ok_or(KeyError::InvalidRsaKey)?);
    if bytes.is_empty() {
        Ok(None)
    } else {
        Ok(Some(bytes))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Big-endian bytes of `value`, left-padded with zeros to `len`.
fn to_fixed_be(value: &BigUint, len: usize) -> Result<Vec<u8>, KeyError> {
    let bytes = Zeroizing::new(value.to_bytes_be());
    if bytes.len() > len {
        return Err(KeyError::InvalidRsaKey);
    }
    let mut out = vec![0u8; len - bytes.len()];
    out.extend_from_slice(&bytes);
    Ok(out)
}
