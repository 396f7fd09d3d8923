//! Containers for secret bytes and text that are wiped on drop and never
//! printed.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Secret bytes (a private key, a decrypted secret, a derived key).
///
/// The buffer is overwritten with zeros when the value is dropped. `Debug`
/// prints only the length, and equality is checked in constant time.
#[derive(Clone, Default)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Wraps `bytes`, taking ownership of the buffer without copying it.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Returns the secret bytes. Callers must not log or print them.
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }

    /// Returns the number of secret bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Returns `true` if there are no secret bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self::new(bytes)
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes([REDACTED; {} bytes])", self.0.len())
    }
}

impl PartialEq for SecretBytes {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_slice().ct_eq(other.0.as_slice()).into()
    }
}

impl Eq for SecretBytes {}

/// Secret text (a password, a JWT, a decrypted secret value).
///
/// The buffer is overwritten with zeros when the value is dropped. `Debug`
/// prints a placeholder, and equality is checked in constant time.
#[derive(Clone, Default)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Wraps `text`, taking ownership of the buffer without copying it.
    pub fn new(text: String) -> Self {
        Self(Zeroizing::new(text))
    }

    /// Returns the secret text. Callers must not log or print it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Converts secret bytes into secret text if they are valid UTF-8.
    ///
    /// Decoding is strict: every byte is kept, including a leading byte-order
    /// mark, and invalid UTF-8 returns the unchanged bytes as the error. The
    /// buffer is moved, not copied, so no unwiped copy of the secret remains.
    pub fn from_utf8(mut bytes: SecretBytes) -> Result<SecretString, SecretBytes> {
        let buffer = std::mem::take(&mut *bytes.0);
        match String::from_utf8(buffer) {
            Ok(text) => Ok(Self::new(text)),
            Err(error) => Err(SecretBytes::new(error.into_bytes())),
        }
    }
}

impl From<String> for SecretString {
    fn from(text: String) -> Self {
        Self::new(text)
    }
}

impl From<&str> for SecretString {
    fn from(text: &str) -> Self {
        Self::new(text.to_owned())
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([REDACTED])")
    }
}

impl PartialEq for SecretString {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for SecretString {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_bytes_debug_is_redacted() {
        let secret = SecretBytes::new(b"hunter2".to_vec());
        let text = format!("{secret:?}");
        assert_eq!(text, "SecretBytes([REDACTED; 7 bytes])");
        assert!(!text.contains("hunter2"));
    }

    #[test]
    fn secret_string_debug_is_redacted() {
        let secret = SecretString::from("hunter2");
        let text = format!("{secret:?}");
        assert_eq!(text, "SecretString([REDACTED])");
        assert!(!text.contains("hunter2"));
    }

    #[test]
    fn secret_string_from_utf8_keeps_bom() {
        let bytes = SecretBytes::new(b"\xEF\xBB\xBFpw".to_vec());
        let text = SecretString::from_utf8(bytes).expect("valid UTF-8");
        assert_eq!(text.expose_secret(), "\u{FEFF}pw");
    }

    #[test]
    fn secret_string_from_invalid_utf8_returns_bytes() {
        let bytes = SecretBytes::new(vec![0x66, 0xFF]);
        let rejected = SecretString::from_utf8(bytes).expect_err("invalid UTF-8");
        assert_eq!(rejected.expose_secret(), &[0x66, 0xFF]);
    }

    #[test]
    fn secret_equality_compares_contents() {
        assert_eq!(SecretBytes::from(vec![1, 2]), SecretBytes::from(vec![1, 2]));
        assert_ne!(SecretBytes::from(vec![1, 2]), SecretBytes::from(vec![1, 3]));
        assert_ne!(SecretString::from("a"), SecretString::from("ab"));
    }
}
