//! Error types of the crate.
//!
//! None of them carries key bytes, plaintext, passwords or the JWT of an API
//! key, so every error can be logged as it is.

use thiserror::Error;

/// Failure to decrypt a blob.
///
/// The variants name only a class of cause. In particular,
/// [`DecryptError::Authentication`] covers every failure that depends on the
/// key or on secret data: a GCM tag mismatch, RSA or CBC padding, a wrong
/// key, or an invalid ephemeral public key. The error therefore does not
/// tell an attacker which check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum DecryptError {
    /// The blob is empty, truncated, or does not have the framing of its
    /// chain (separators, MessagePack layout, field lengths, or the padding
    /// of chains 5 and 6 after a successful tag check).
    #[error("decryption failed: malformed ciphertext")]
    Framing,
    /// The first byte of the blob names no known encryption chain.
    #[error("decryption failed: unknown encryption chain {0}")]
    UnknownChain(u8),
    /// The blob does not decrypt under the given key.
    #[error("decryption failed: wrong key or tampered ciphertext")]
    Authentication,
    /// The key is not a valid key of the type the chain needs: an RSA
    /// private key for chain 0, a P-521 private key for chain 2, or 32 bytes
    /// for chains 4 and 6.
    #[error("decryption failed: the key does not fit the encryption chain")]
    WrongKeyType,
}

/// Invalid, unrecognised or unusable key bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum KeyError {
    /// The key type cannot be determined from the leading bytes.
    #[error("key type could not be determined (expected RSA \"PF...\" text or P-521 MessagePack)")]
    UnknownKeyType,
    /// The RSA XML key is malformed or its numbers do not form a valid key.
    #[error("invalid RSA key")]
    InvalidRsaKey,
    /// The P-521 key is malformed, a component is too long, or the point is
    /// not on the curve.
    #[error("invalid P-521 key")]
    InvalidEccKey,
    /// A private key was needed, but the key holds only public parts.
    #[error("the key is not a private key")]
    NotPrivateKey,
    /// The requested RSA modulus size is not supported.
    #[error("unsupported RSA key size {0} bits (expected 1024 to 4096, a multiple of 8)")]
    UnsupportedKeySize(usize),
    /// The random number generator or the underlying library failed.
    #[error("key operation failed")]
    OperationFailed,
}

/// Failure to encrypt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum EncryptError {
    /// The key does not fit the chain: chains 0 and 2 need an RSA or P-521
    /// public key, chains 4 and 6 a 32-byte key.
    #[error("encryption failed: the key does not fit the encryption chain")]
    WrongKeyType,
    /// The key has the right type but is invalid.
    #[error("encryption failed: invalid key: {0}")]
    InvalidKey(KeyError),
    /// The plaintext is too long for the MessagePack framing (4 GiB).
    #[error("encryption failed: plaintext too long")]
    PlaintextTooLong,
    /// The random number generator or a primitive failed.
    #[error("encryption failed: internal error")]
    OperationFailed,
}

/// Failure to compute a password hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum HashError {
    /// The hash algorithm number is not 0, 1 or 2.
    #[error("unknown password hash algorithm {0} (expected 0, 1 or 2)")]
    UnknownAlgorithm(u32),
}

/// Malformed MessagePack data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum MsgpackError {
    /// The data ends inside a header or an item.
    #[error("MessagePack data is truncated")]
    Truncated,
    /// A byte where an array header was expected is not one.
    #[error("expected a MessagePack array, found type byte 0x{0:02x}")]
    NotArray(u8),
    /// An array element is not of type `bin`.
    #[error("expected a MessagePack bin item, found type byte 0x{0:02x}")]
    NotBin(u8),
    /// Bytes follow the end of the array.
    #[error("unexpected bytes after the MessagePack array")]
    TrailingBytes,
    /// An item is too long to encode (more than 2^32 - 1 bytes or elements).
    #[error("MessagePack item too long to encode")]
    TooLong,
}

/// Failure to parse an API key.
///
/// Messages name the claim or part that is wrong, never the JWT or the
/// private key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApiKeyError {
    /// The API key is empty or only whitespace.
    #[error("API key is empty")]
    Empty,
    /// The API key has no `:` between the JWT and the private key.
    #[error("malformed API key: missing ':' between the JWT and the private key")]
    MissingSeparator,
    /// The API key has more than one `:`.
    #[error("malformed API key: more than one ':'")]
    ExtraSeparator,
    /// The JWT is not a three-part compact JWS or its payload is not
    /// base64url-encoded UTF-8 JSON.
    #[error("malformed API key: the JWT is invalid ({0})")]
    MalformedJwt(&'static str),
    /// The private-key part is empty or not valid base64.
    #[error("malformed API key: the private key part is not valid base64")]
    MalformedPrivateKey,
    /// A text claim is missing, not a string, or empty.
    #[error("the API key does not contain a valid '{0}' claim")]
    MissingClaim(&'static str),
    /// A claim has an invalid value: `iat`/`exp` not a number in range, or
    /// `acr`/`acs` naming no value or an unknown one.
    #[error("the API key's '{claim}' claim is invalid: {reason}")]
    InvalidClaim {
        /// Claim name, for example `acr`.
        claim: &'static str,
        /// Reason the value is invalid.
        reason: String,
    },
}
