//! Password hashes sent at interactive login ("MTO password hashes").

use sha1::Sha1;
use sha2::Sha256;

use crate::error::HashError;

/// Computes the login password hash: PBKDF2 over the UTF-8 password and
/// `salt`, 32 bytes of output.
///
/// `algorithm` is the server's `HashAlgorithm`: 0 is HMAC-SHA1 with 100000
/// iterations, 1 is HMAC-SHA256 with 100000 iterations, 2 is HMAC-SHA256
/// with 623420 iterations. Any other number returns
/// [`HashError::UnknownAlgorithm`].
pub fn mto_hash(algorithm: u32, password: &str, salt: &[u8]) -> Result<[u8; 32], HashError> {
    let mut out = [0u8; 32];
    let password = password.as_bytes();
    match algorithm {
        0 => pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, 100_000, &mut out),
        1 => pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, 100_000, &mut out),
        2 => pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, 623_420, &mut out),
        other => return Err(HashError::UnknownAlgorithm(other)),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mto_hash_rejects_unknown_algorithm() {
        assert_eq!(
            mto_hash(3, "pw", b"salt"),
            Err(HashError::UnknownAlgorithm(3))
        );
    }
}
