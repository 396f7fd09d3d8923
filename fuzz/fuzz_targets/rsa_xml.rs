//! Reads arbitrary bytes as a key: RSA XML in its text and base64 forms,
//! and ECC MessagePack keys, through every public entry point that parses
//! key bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = psr_crypto::detect_public_key_type(data);
    let _ = psr_crypto::detect_private_key_type(data);
    let _ = psr_crypto::public_key_from_private(data);
    let _ = psr_crypto::verify(data, b"data", &[0u8; 132]);
    // Wrap the input the way keys travel: as XML text inside base64.
    if let Ok(text) = std::str::from_utf8(data) {
        let xml = format!("<RSAKeyValue>{text}</RSAKeyValue>");
        let _ = psr_crypto::public_key_from_private(xml.as_bytes());
    }
});
