//! Decrypts arbitrary blobs with each kind of key the protocol uses.
//!
//! The first input byte picks the key: an RSA private key, an ECC private
//! key, a 32-byte symmetric key or a password. The rest is the blob, whose
//! own first byte selects the encryption chain.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

struct Keys {
    rsa: Vec<u8>,
    ecc: Vec<u8>,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        // A small modulus keeps key generation fast; parsing and
        // decryption do not depend on the size.
        rsa: psr_crypto::generate_rsa_key_pair(1024)
            .expect("generate RSA key")
            .private_key
            .expose_secret()
            .to_vec(),
        ecc: psr_crypto::generate_ecc_key_pair()
            .private_key
            .expose_secret()
            .to_vec(),
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((selector, blob)) = data.split_first() else {
        return;
    };
    // Chains 1, 3 and 5 derive the key with PBKDF2 (up to 610,005
    // iterations); skip them for password keys to keep the fuzzer fast.
    // Their framing is the same as that of chains 0, 4 and 6.
    let symmetric = [7u8; 32];
    let key: &[u8] = match selector % 4 {
        0 => &keys().rsa,
        1 => &keys().ecc,
        2 => &symmetric,
        _ => {
            if matches!(blob.first(), Some(1 | 3 | 5)) {
                return;
            }
            b"password"
        }
    };
    let _ = psr_crypto::decrypt(key, blob);
});
