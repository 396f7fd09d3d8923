//! Client-side cryptography of Netwrix Password Secure ("PsrApi").
//!
//! The crate is pure: it performs no I/O and keeps no state. Every key
//! argument is the byte string as the protocol carries it:
//!
//! * RSA: the ASCII text of base64 of a .NET `<RSAKeyValue>` XML document,
//!   which starts with `PF`. Parsers also accept raw XML and up to three
//!   further base64 layers.
//! * ECC (NIST P-521): MessagePack `[x, y]` for a public key (`92 C4 ...`)
//!   and `[d, x, y]` for a private key (`93 C4 ...`).
//! * Symmetric item key: 32 raw bytes.
//! * Password: its UTF-8 bytes.
//!
//! Decryption errors are deliberately coarse (see [`DecryptError`]) and no
//! function panics on malformed input.

pub mod api_key;
mod base64;
pub mod chain;
pub mod csrf;
pub mod error;
pub mod hash;
pub mod keys;
pub mod msgpack;
pub mod secret;
pub mod sign;

pub use api_key::{access, ApiKey, ApiKeyClaims};
pub use chain::{decrypt, encrypt, encrypt_to_public_key, Chain};
pub use csrf::{csrf_header_value, csrf_timestamp, verify_csrf_header_value, CsrfToken};
pub use error::{ApiKeyError, DecryptError, EncryptError, HashError, KeyError, MsgpackError};
pub use hash::mto_hash;
pub use keys::{
    detect_private_key_type, detect_public_key_type, generate_ecc_key_pair, generate_rsa_key_pair,
    public_key_from_private, KeyPair, KeyType,
};
pub use secret::{SecretBytes, SecretString};
pub use sign::{sign, verify};
