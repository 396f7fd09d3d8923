//! P-521 keys as MessagePack arrays of `bin` items.
//!
//! A public key is `[x, y]` and a private key `[d, x, y]`, each component an
//! unsigned big-endian integer. Writers emit 66-byte components. Readers
//! left-pad shorter components (some peers strip leading zeros) and strip
//! excess leading zero bytes from longer ones.

use p521::elliptic_curve::sec1::{FromEncodedPoint, ToEncodedPoint};
use p521::{EncodedPoint, FieldBytes, PublicKey, SecretKey};
use zeroize::Zeroizing;

use crate::error::KeyError;
use crate::msgpack;

/// Length of a P-521 coordinate or scalar in bytes.
pub(crate) const COMPONENT_LEN: usize = 66;

/// Parses a public key `[x, y]` and checks that the point is on the curve.
pub(crate) fn parse_public(key: &[u8]) -> Result<PublicKey, KeyError> {
    let items = msgpack::read_bin_array(key).map_err(|_| KeyError::InvalidEccKey)?;
    let [x, y] = items.as_slice() else {
        return Err(KeyError::InvalidEccKey);
    };
    point(x, y)
}

/// Parses a private key `[d, x, y]`.
///
/// The scalar must be in 1..n, the point must be on the curve, and it must
/// equal d·G.
pub(crate) fn parse_private(key: &[u8]) -> Result<SecretKey, KeyError> {
    let (secret, public) = parse_private_parts(key)?;
    if secret.public_key() != public {
        return Err(KeyError::InvalidEccKey);
    }
    Ok(secret)
}

/// Parses a private key `[d, x, y]` for signing or ECDH, which use only d.
///
/// The scalar must be in 1..n and the point must be on the curve, but the
/// point is not compared with d·G. That comparison costs one scalar
/// multiplication, as much as the signature or key agreement itself, and a
/// key whose point does not match still signs and agrees as d.
pub(crate) fn parse_private_scalar(key: &[u8]) -> Result<SecretKey, KeyError> {
    parse_private_parts(key).map(|(secret, _)| secret)
}

fn parse_private_parts(key: &[u8]) -> Result<(SecretKey, PublicKey), KeyError> {
    let items = msgpack::read_bin_array(key).map_err(|_| KeyError::InvalidEccKey)?;
    let [d, x, y] = items.as_slice() else {
        return Err(KeyError::InvalidEccKey);
    };
    let d = Zeroizing::new(component(d)?);
    let secret = SecretKey::from_bytes(&FieldBytes::clone_from_slice(d.as_slice()))
        .map_err(|_| KeyError::InvalidEccKey)?;
    Ok((secret, point(x, y)?))
}

/// Writes a public key as `[x, y]` with 66-byte components.
pub(crate) fn write_public(key: &PublicKey) -> Result<Vec<u8>, KeyError> {
    let encoded = key.to_encoded_point(false);
    let (Some(x), Some(y)) = (encoded.x(), encoded.y()) else {
        return Err(KeyError::InvalidEccKey);
    };
    msgpack::write_bin_array(&[x.as_slice(), y.as_slice()]).map_err(|_| KeyError::InvalidEccKey)
}

/// Writes a private key as `[d, x, y]` with 66-byte components.
pub(crate) fn write_private(key: &SecretKey) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let d = Zeroizing::new(key.to_bytes());
    let encoded = key.public_key().to_encoded_point(false);
    let (Some(x), Some(y)) = (encoded.x(), encoded.y()) else {
        return Err(KeyError::InvalidEccKey);
    };
    msgpack::write_bin_array(&[d.as_slice(), x.as_slice(), y.as_slice()])
        .map(Zeroizing::new)
        .map_err(|_| KeyError::InvalidEccKey)
}

/// Builds a curve point from coordinates; fails if it is not on the curve.
fn point(x: &[u8], y: &[u8]) -> Result<PublicKey, KeyError> {
    let x = component(x)?;
    let y = component(y)?;
    let encoded = EncodedPoint::from_affine_coordinates(
        FieldBytes::from_slice(&x),
        FieldBytes::from_slice(&y),
        false,
    );
    Option::from(PublicKey::from_encoded_point(&encoded)).ok_or(KeyError::InvalidEccKey)
}

/// Normalises a component to exactly 66 bytes.
fn component(bytes: &[u8]) -> Result<[u8; COMPONENT_LEN], KeyError> {
    let first_significant = bytes
        .iter()
        .position(|&byte| byte != 0)
        .unwrap_or(bytes.len());
    let significant = &bytes[first_significant..];
    if significant.len() > COMPONENT_LEN {
        return Err(KeyError::InvalidEccKey);
    }
    let mut out = [0u8; COMPONENT_LEN];
    out[COMPONENT_LEN - significant.len()..].copy_from_slice(significant);
    Ok(out)
}
