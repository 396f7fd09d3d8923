//! Base64 helpers shared by the key parsers and the API-key reader.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

/// Standard alphabet; padding optional on input, always written on output.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Encodes `bytes` as standard base64 with padding.
pub(crate) fn encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decodes standard base64, ignoring ASCII whitespace and missing padding.
///
/// Returns `None` for any other character or an impossible length.
pub(crate) fn decode_lenient(text: &[u8]) -> Option<Vec<u8>> {
    let compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|byte| !byte.is_ascii_whitespace())
        .collect();
    LENIENT.decode(compact).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_lenient_accepts_whitespace_and_missing_padding() {
        assert_eq!(decode_lenient(b" QU\nJD "), Some(b"ABC".to_vec()));
        assert_eq!(decode_lenient(b"QUI"), Some(b"AB".to_vec()));
        assert_eq!(decode_lenient(b"QUI="), Some(b"AB".to_vec()));
        assert_eq!(decode_lenient(b""), Some(Vec::new()));
    }

    #[test]
    fn decode_lenient_rejects_other_characters() {
        assert_eq!(decode_lenient(b"<RSA"), None);
        assert_eq!(decode_lenient(b"QU-D"), None);
    }
}
