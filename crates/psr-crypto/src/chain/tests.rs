use std::sync::OnceLock;

use super::gcm::{pad, unpad, Variant};
use super::separated::{encrypt_password_with, encrypt_rsa_with, split_fields, SEPARATOR};
use super::*;
use crate::keys::{generate_ecc_key_pair, generate_rsa_key_pair, KeyPair};

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

fn rsa_pair() -> &'static KeyPair {
    static PAIR: OnceLock<KeyPair> = OnceLock::new();
    PAIR.get_or_init(|| generate_rsa_key_pair(2048).expect("generate RSA key"))
}

fn ecc_pair() -> &'static KeyPair {
    static PAIR: OnceLock<KeyPair> = OnceLock::new();
    PAIR.get_or_init(generate_ecc_key_pair)
}

fn rsa_public() -> rsa::RsaPublicKey {
    keys::parse_rsa_public_key(&rsa_pair().public_key).expect("valid key")
}

#[test]
fn chain_ids_map_to_chains() {
    for (id, chain) in Chain::ALL.iter().enumerate() {
        assert_eq!(Chain::try_from(id as u8), Ok(*chain));
        assert_eq!(chain.id(), id as u8);
    }
    assert_eq!(Chain::try_from(7), Err(DecryptError::UnknownChain(7)));
    assert_eq!(Chain::try_from(148), Err(DecryptError::UnknownChain(148)));
}

#[test]
fn decrypt_rejects_empty_blob() {
    assert_eq!(decrypt(&[0; 32], &[]), Err(DecryptError::Framing));
}

#[test]
fn decrypt_rejects_unknown_chain() {
    assert_eq!(
        decrypt(&[0; 32], &[7, 0x92]),
        Err(DecryptError::UnknownChain(7))
    );
}

#[test]
fn annotated_chain3_example_decrypts_to_empty() {
    let blob = hex("03 93 c4 10 7e6ef487e5d4ada421b230351591da67
            c4 0c 463e9c30bb41cdc6b862f0d4
            c4 10 da816b7a148408d38106ae4a614f1f71");
    assert_eq!(blob.len(), 52);
    let plaintext = decrypt("Pässwört-€-😀".as_bytes(), &blob).expect("decrypts");
    assert!(plaintext.is_empty());
}

#[test]
fn annotated_chain1_example_decrypts_to_empty() {
    let blob = hex("01 01050005 3d664de5377c43027d5d086aca684721
            01050005 d67a75391d55f7e030dbd203493a0d09
            01050005 d274ac21a929d02c2a504ef7e5664df0");
    assert_eq!(blob.len(), 61);
    let plaintext = decrypt(b"correct horse battery staple", &blob).expect("decrypts");
    assert!(plaintext.is_empty());
}

#[test]
fn chain4_layout_matches_annotated_example() {
    let blob = encrypt(Chain::AesGcm, &[0x11; 32], &[b'a'; 55]).expect("encrypts");
    assert_eq!(blob.len(), 89);
    assert_eq!(&blob[..4], &[0x04, 0x92, 0xC4, 0x0C]);
    assert_eq!(&blob[16..18], &[0xC4, 0x47]);
}

#[test]
fn chain2_layout_and_size() {
    let plaintext = [b'x'; 40];
    let blob = encrypt(
        Chain::EcdhHkdfSha256AesGcm,
        &ecc_pair().public_key,
        &plaintext,
    )
    .expect("encrypts");
    assert_eq!(blob.len(), 207 + plaintext.len());
    assert_eq!(&blob[..7], &[0x02, 0x94, 0xC4, 0x89, 0x92, 0xC4, 0x42]);
}

#[test]
fn chain0_size_for_55_bytes() {
    let blob = encrypt(
        Chain::RsaPbkdf2Sha1AesCbc,
        &rsa_pair().public_key,
        &[b'p'; 55],
    )
    .expect("encrypts");
    assert_eq!(blob.len(), 385);
    assert_eq!(&blob[..5], &[0x00, 0x01, 0x05, 0x00, 0x05]);
}

#[test]
fn every_chain_round_trips_empty_plaintext() {
    let cases: [(Chain, &[u8], &[u8]); 7] = [
        (
            Chain::RsaPbkdf2Sha1AesCbc,
            &rsa_pair().public_key,
            rsa_pair().private_key.expose_secret(),
        ),
        (Chain::Pbkdf2Sha1AesCbc, b"pw", b"pw"),
        (
            Chain::EcdhHkdfSha256AesGcm,
            &ecc_pair().public_key,
            ecc_pair().private_key.expose_secret(),
        ),
        (Chain::Pbkdf2Sha256AesGcm, b"pw", b"pw"),
        (Chain::AesGcm, &[3; 32], &[3; 32]),
        (Chain::Pbkdf2Sha256AesGcmPadded, b"pw", b"pw"),
        (Chain::AesGcmPadded, &[4; 32], &[4; 32]),
    ];
    for (chain, encrypt_key, decrypt_key) in cases {
        let blob = encrypt(chain, encrypt_key, b"").expect("encrypts");
        assert_eq!(blob[0], chain.id());
        let plaintext = decrypt(decrypt_key, &blob).expect("decrypts");
        assert!(plaintext.is_empty(), "chain {chain:?}");
    }
}

#[test]
fn public_key_encryption_picks_chain() {
    let rsa_blob = encrypt_to_public_key(&rsa_pair().public_key, b"k").expect("encrypts");
    assert_eq!(rsa_blob[0], 0);
    let ecc_blob = encrypt_to_public_key(&ecc_pair().public_key, b"k").expect("encrypts");
    assert_eq!(ecc_blob[0], 2);
    let plaintext = decrypt(ecc_pair().private_key.expose_secret(), &ecc_blob).expect("decrypts");
    assert_eq!(plaintext.expose_secret(), b"k");
}

#[test]
fn encrypt_to_public_key_accepts_one_base64_layer() {
    let text = crate::base64::encode(&ecc_pair().public_key);
    let blob = encrypt_to_public_key(text.as_bytes(), b"k").expect("encrypts");
    assert_eq!(blob[0], 2);
}

#[test]
fn encrypt_to_public_key_rejects_other_keys() {
    assert_eq!(
        encrypt_to_public_key(&[5; 32], b"k"),
        Err(EncryptError::WrongKeyType)
    );
    let private = ecc_pair().private_key.expose_secret();
    assert_eq!(
        encrypt_to_public_key(private, b"k"),
        Err(EncryptError::WrongKeyType)
    );
}

#[test]
fn encrypt_rejects_wrong_key_types() {
    assert_eq!(
        encrypt(Chain::AesGcm, &[0; 31], b""),
        Err(EncryptError::WrongKeyType)
    );
    assert_eq!(
        encrypt(Chain::AesGcmPadded, &[0; 33], b""),
        Err(EncryptError::WrongKeyType)
    );
    assert_eq!(
        encrypt(Chain::RsaPbkdf2Sha1AesCbc, &ecc_pair().public_key, b""),
        Err(EncryptError::WrongKeyType)
    );
    assert_eq!(
        encrypt(Chain::EcdhHkdfSha256AesGcm, &rsa_pair().public_key, b""),
        Err(EncryptError::WrongKeyType)
    );
}

#[test]
fn decrypt_rejects_wrong_key_types() {
    let ecc_blob = encrypt(Chain::EcdhHkdfSha256AesGcm, &ecc_pair().public_key, b"s").unwrap();
    let rsa_private = rsa_pair().private_key.expose_secret();
    assert_eq!(
        decrypt(rsa_private, &ecc_blob),
        Err(DecryptError::WrongKeyType)
    );
    assert_eq!(
        decrypt(&ecc_pair().public_key, &ecc_blob),
        Err(DecryptError::WrongKeyType)
    );

    let rsa_blob = encrypt(Chain::RsaPbkdf2Sha1AesCbc, &rsa_pair().public_key, b"s").unwrap();
    let ecc_private = ecc_pair().private_key.expose_secret();
    assert_eq!(
        decrypt(ecc_private, &rsa_blob),
        Err(DecryptError::WrongKeyType)
    );
    assert_eq!(
        decrypt(&rsa_pair().public_key, &rsa_blob),
        Err(DecryptError::WrongKeyType)
    );

    let aes_blob = encrypt(Chain::AesGcm, &[1; 32], b"s").unwrap();
    assert_eq!(
        decrypt(&[1; 16], &aes_blob),
        Err(DecryptError::WrongKeyType)
    );
}

#[test]
fn decrypt_rejects_wrong_key_as_authentication() {
    let blob = encrypt(Chain::AesGcmPadded, &[1; 32], b"secret").unwrap();
    assert_eq!(decrypt(&[2; 32], &blob), Err(DecryptError::Authentication));
    let blob = encrypt(Chain::Pbkdf2Sha1AesCbc, b"right", b"secret").unwrap();
    // The lenient CBC check passes a wrong key with a chance of 1/16, so the
    // result is either an authentication error or garbage.
    if let Ok(plaintext) = decrypt(b"wrong", &blob) {
        assert_ne!(plaintext.expose_secret(), b"secret");
    }
}

#[test]
fn padding_lengths_at_block_edges() {
    for (len, padded_len) in [
        (0, 128),
        (1, 128),
        (127, 128),
        (128, 256),
        (129, 256),
        (255, 256),
    ] {
        let padded = pad(&vec![0xAB; len], Variant::Padded).expect("random bytes");
        assert_eq!(padded.len(), padded_len, "plaintext length {len}");
        assert_eq!(usize::from(padded[padded_len - 1]), padded_len - len - 1);
        let unpadded = unpad(padded, Variant::Padded).expect("valid padding");
        assert_eq!(unpadded.as_slice(), vec![0xAB; len].as_slice());
    }
}

#[test]
fn padding_127_ends_with_single_zero() {
    let padded = pad(&[1; 127], Variant::Padded).expect("random bytes");
    assert_eq!(padded.len(), 128);
    assert_eq!(padded[127], 0);
}

#[test]
fn padding_128_adds_full_block() {
    let padded = pad(&[1; 128], Variant::Padded).expect("random bytes");
    assert_eq!(padded.len(), 256);
    assert_eq!(padded[255], 0x7F);
}

#[test]
fn unpad_rejects_length_beyond_data() {
    let mut padded = Zeroizing::new(vec![0u8; 128]);
    padded[127] = 0xFF;
    assert_eq!(unpad(padded, Variant::Padded), Err(DecryptError::Framing));
    let padded = Zeroizing::new(vec![0u8; 128].into_iter().chain([128]).collect::<Vec<_>>());
    assert_eq!(unpad(padded, Variant::Padded).map(|p| p.len()), Ok(0));
    assert_eq!(
        unpad(Zeroizing::new(Vec::new()), Variant::Padded),
        Err(DecryptError::Framing)
    );
}

#[test]
fn unpadded_variant_keeps_data() {
    let data = Zeroizing::new(vec![9u8; 5]);
    assert_eq!(unpad(data, Variant::Plain).map(|p| p.len()), Ok(5));
    assert_eq!(pad(&[9; 5], Variant::Plain).map(|p| p.len()), Ok(5));
}

#[test]
fn chain1_salt_containing_separator_uses_fallback() {
    let salt = hex("01050005 01050005 aabbccdd 01050005");
    let iv = hex("00112233445566778899aabbccddeeff");
    let blob = encrypt_password_with(b"pw", &salt, &iv, b"separator in the salt").unwrap();
    assert!(split_fields(&blob[1..], None).len() == 1);
    let plaintext = decrypt(b"pw", &blob).expect("positional fallback");
    assert_eq!(plaintext.expose_secret(), b"separator in the salt");
}

#[test]
fn chain1_iv_containing_separator_uses_fallback() {
    let salt = [0x42; 16];
    let iv = hex("01050005 01050005 01050005 01050005");
    let blob = encrypt_password_with(b"pw", &salt, &iv, b"separator in the IV").unwrap();
    let plaintext = decrypt(b"pw", &blob).expect("positional fallback");
    assert_eq!(plaintext.expose_secret(), b"separator in the IV");
}

#[test]
fn chain0_salt_containing_separator_uses_fallback() {
    let salt = [&SEPARATOR[..], &[7; 12], &SEPARATOR[..]].concat();
    let iv = [0x24; 16];
    let blob = encrypt_rsa_with(&rsa_public(), &[9; 32], &salt, &iv, b"rsa fallback").unwrap();
    let plaintext = decrypt(rsa_pair().private_key.expose_secret(), &blob).expect("fallback");
    assert_eq!(plaintext.expose_secret(), b"rsa fallback");
}

#[test]
fn chain0_accepts_16_byte_salt() {
    let blob =
        encrypt_rsa_with(&rsa_public(), &[9; 32], &[1; 16], &[2; 16], b"short salt").unwrap();
    let plaintext = decrypt(rsa_pair().private_key.expose_secret(), &blob).expect("decrypts");
    assert_eq!(plaintext.expose_secret(), b"short salt");
}

#[test]
fn chain0_accepts_raw_xml_and_extra_base64_layers() {
    let blob = encrypt(
        Chain::RsaPbkdf2Sha1AesCbc,
        &rsa_pair().public_key,
        b"layers",
    )
    .unwrap();
    let pf_text = rsa_pair().private_key.expose_secret();
    let raw_xml = crate::base64::decode_lenient(pf_text).unwrap();
    let mut wrapped = pf_text.to_vec();
    for layers in 1..=3 {
        wrapped = crate::base64::encode(&wrapped).into_bytes();
        let plaintext = decrypt(&wrapped, &blob).unwrap_or_else(|_| panic!("{layers} layers"));
        assert_eq!(plaintext.expose_secret(), b"layers");
    }
    let plaintext = decrypt(&raw_xml, &blob).expect("raw XML");
    assert_eq!(plaintext.expose_secret(), b"layers");
    // Five layers on top of the XML are too many.
    let too_deep = crate::base64::encode(&wrapped).into_bytes();
    assert_eq!(decrypt(&too_deep, &blob), Err(DecryptError::WrongKeyType));
}

#[test]
fn chain1_missing_leading_separator_is_framing() {
    let blob = encrypt(Chain::Pbkdf2Sha1AesCbc, b"pw", b"data").unwrap();
    let mut damaged = vec![blob[0]];
    damaged.extend_from_slice(&blob[5..]);
    assert_eq!(decrypt(b"pw", &damaged), Err(DecryptError::Framing));
}

#[test]
fn chain1_truncated_ciphertext_is_framing() {
    let blob = encrypt(Chain::Pbkdf2Sha1AesCbc, b"pw", b"data").unwrap();
    assert_eq!(
        decrypt(b"pw", &blob[..blob.len() - 1]),
        Err(DecryptError::Framing)
    );
}

#[test]
fn cbc_accepts_iso10126_padding() {
    use aes::Aes256;
    use cbc::cipher::block_padding::NoPadding;
    use cbc::cipher::{BlockEncryptMut, KeyIvInit};

    let salt = [3u8; 16];
    let iv = [4u8; 16];
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(b"pw", &salt, 1000, &mut key);
    // "abc", 12 random-looking bytes, then the padding length 13.
    let mut padded = b"abc".to_vec();
    padded.extend_from_slice(&[
        0x5A, 0x11, 0xC3, 0x00, 0x7E, 0x99, 0x01, 0x02, 0xEE, 0x10, 0x42, 0x42,
    ]);
    padded.push(13);
    let ciphertext = cbc::Encryptor::<Aes256>::new_from_slices(&key, &iv)
        .unwrap()
        .encrypt_padded_vec_mut::<NoPadding>(&padded);
    let blob = [
        &[1u8][..],
        &SEPARATOR,
        &salt,
        &SEPARATOR,
        &iv,
        &SEPARATOR,
        &ciphertext,
    ]
    .concat();
    let plaintext = decrypt(b"pw", &blob).expect("lenient padding check");
    assert_eq!(plaintext.expose_secret(), b"abc");
}

#[test]
fn cbc_rejects_padding_byte_outside_1_to_16() {
    use aes::Aes256;
    use cbc::cipher::block_padding::NoPadding;
    use cbc::cipher::{BlockEncryptMut, KeyIvInit};

    let salt = [3u8; 16];
    let iv = [4u8; 16];
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(b"pw", &salt, 1000, &mut key);
    for last in [0u8, 17, 0xFF] {
        let mut padded = [0x61u8; 16];
        padded[15] = last;
        let ciphertext = cbc::Encryptor::<Aes256>::new_from_slices(&key, &iv)
            .unwrap()
            .encrypt_padded_vec_mut::<NoPadding>(&padded);
        let blob = [
            &[1u8][..],
            &SEPARATOR,
            &salt,
            &SEPARATOR,
            &iv,
            &SEPARATOR,
            &ciphertext,
        ]
        .concat();
        assert_eq!(
            decrypt(b"pw", &blob),
            Err(DecryptError::Authentication),
            "last byte {last}"
        );
    }
}

#[test]
fn gcm_chains_reject_trailing_bytes() {
    let mut blob = encrypt(Chain::AesGcm, &[1; 32], b"data").unwrap();
    blob.push(0);
    assert_eq!(decrypt(&[1; 32], &blob), Err(DecryptError::Framing));
}

#[test]
fn gcm_chains_reject_short_iv() {
    // array(2), bin8(11) IV, bin8(16) tag only.
    let blob = [&[4u8, 0x92, 0xC4, 11][..], &[0; 11], &[0xC4, 16], &[0; 16]].concat();
    assert_eq!(decrypt(&[1; 32], &blob), Err(DecryptError::Framing));
}

#[test]
fn chain2_rejects_ephemeral_key_off_curve() {
    let mut blob = encrypt(Chain::EcdhHkdfSha256AesGcm, &ecc_pair().public_key, b"s").unwrap();
    // The last byte of the ephemeral y coordinate: 1 chain byte, 3 bytes of
    // array and bin8 headers, 137 bytes of key.
    blob[4 + 136] ^= 1;
    let private = ecc_pair().private_key.expose_secret();
    assert_eq!(decrypt(private, &blob), Err(DecryptError::Authentication));
}
