//! Parses arbitrary text as an API key (`<JWT>:<base64 private key>`).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(key) = psr_crypto::ApiKey::parse(text) {
            // Formatting must not panic and must not reveal the key.
            let _ = format!("{key:?}");
        }
    }
});
