use std::sync::OnceLock;

use super::*;
use crate::base64::encode;
use crate::msgpack;

fn rsa_pair() -> &'static KeyPair {
    static PAIR: OnceLock<KeyPair> = OnceLock::new();
    PAIR.get_or_init(|| generate_rsa_key_pair(1024).expect("generate RSA key"))
}

fn xml_of(pf_text: &[u8]) -> String {
    String::from_utf8(decode_lenient(pf_text).expect("base64")).expect("UTF-8")
}

/// Decoded length of the content of `<name>` in an RSA XML document.
fn element_len(xml: &str, name: &str) -> usize {
    let start = xml.find(&format!("<{name}>")).expect("element present") + name.len() + 2;
    let end = start + xml[start..].find(&format!("</{name}>")).expect("closed");
    decode_lenient(&xml.as_bytes()[start..end])
        .expect("base64")
        .len()
}

/// Re-encodes a P-521 MessagePack key with `change` applied to each item.
fn reencode(key: &[u8], change: impl Fn(usize, &[u8]) -> Vec<u8>) -> Vec<u8> {
    let items = msgpack::read_bin_array(key).expect("valid key");
    let changed: Vec<Vec<u8>> = items
        .iter()
        .enumerate()
        .map(|(index, item)| change(index, item))
        .collect();
    let slices: Vec<&[u8]> = changed.iter().map(Vec::as_slice).collect();
    msgpack::write_bin_array(&slices).expect("encodable")
}

#[test]
fn detection_by_prefix() {
    assert_eq!(
        detect_public_key_type(b"PFJTQUtleVZhbHVlPg=="),
        Some(KeyType::Rsa)
    );
    assert_eq!(
        detect_private_key_type(b"PFJTQUtleVZhbHVlPg=="),
        Some(KeyType::Rsa)
    );
    assert_eq!(
        detect_public_key_type(&[0x92, 0xC4, 0x42]),
        Some(KeyType::Ecc)
    );
    assert_eq!(detect_private_key_type(&[0x92, 0xC4, 0x42]), None);
    assert_eq!(detect_public_key_type(&[0x93, 0xC4, 0x42]), None);
    assert_eq!(
        detect_private_key_type(&[0x93, 0xC4, 0x42]),
        Some(KeyType::Ecc)
    );
}

#[test]
fn detection_decodes_one_base64_layer() {
    let public = encode(&[0x92, 0xC4, 0x42, 0x00]);
    assert_eq!(
        detect_public_key_type(public.as_bytes()),
        Some(KeyType::Ecc)
    );
    let rsa_twice = encode(b"PFJTQUtleVZhbHVlPg==");
    assert_eq!(
        detect_private_key_type(rsa_twice.as_bytes()),
        Some(KeyType::Rsa)
    );
    let rsa_three_times = encode(rsa_twice.as_bytes());
    assert_eq!(detect_private_key_type(rsa_three_times.as_bytes()), None);
}

#[test]
fn detection_rejects_raw_xml_and_symmetric_keys() {
    assert_eq!(detect_public_key_type(b"<RSAKeyValue></RSAKeyValue>"), None);
    assert_eq!(detect_private_key_type(&[0xAB; 32]), None);
    assert_eq!(detect_private_key_type(b""), None);
    assert_eq!(detect_public_key_type(b"P"), None);
}

#[test]
fn rsa_generation_writes_canonical_lengths() {
    let private_xml = xml_of(rsa_pair().private_key.expose_secret());
    assert!(private_xml.starts_with("<RSAKeyValue><Modulus>"));
    for (name, len) in [
        ("Modulus", 128),
        ("Exponent", 3),
        ("P", 64),
        ("Q", 64),
        ("DP", 64),
        ("DQ", 64),
        ("InverseQ", 64),
        ("D", 128),
    ] {
        assert_eq!(element_len(&private_xml, name), len, "element {name}");
    }
    let public_xml = xml_of(&rsa_pair().public_key);
    assert!(!public_xml.contains("<D>"));
    assert_eq!(element_len(&public_xml, "Modulus"), 128);
}

#[test]
fn rsa_generation_rejects_unsupported_sizes() {
    for bits in [0, 512, 1000, 1023, 4104, 8192] {
        assert_eq!(
            generate_rsa_key_pair(bits).map(|_| ()),
            Err(KeyError::UnsupportedKeySize(bits))
        );
    }
}

#[test]
fn rsa_public_from_private_matches_generated_public() {
    let public = public_key_from_private(rsa_pair().private_key.expose_secret()).expect("valid");
    assert_eq!(public, rsa_pair().public_key);
}

#[test]
fn rsa_public_key_cannot_act_as_private_key() {
    let public = &rsa_pair().public_key;
    assert_eq!(
        public_key_from_private(public).map(|_| ()),
        Err(KeyError::NotPrivateKey)
    );
}

#[test]
fn rsa_empty_private_elements_mean_public_key() {
    let xml = xml_of(&rsa_pair().public_key).replace(
        "</RSAKeyValue>",
        "<P></P><Q></Q><DP></DP><DQ></DQ><InverseQ></InverseQ><D></D></RSAKeyValue>",
    );
    let text = encode(xml.as_bytes());
    assert!(parse_rsa_public_key(text.as_bytes()).is_ok());
    assert_eq!(
        parse_rsa_private_key(text.as_bytes()).map(|_| ()),
        Err(KeyError::NotPrivateKey)
    );
}

#[test]
fn rsa_parser_accepts_any_element_order_and_whitespace() {
    let xml = xml_of(rsa_pair().private_key.expose_secret());
    let start = xml.find("<D>").unwrap();
    let end = xml.find("</D>").unwrap() + 4;
    let d_element = &xml[start..end];
    let content = &d_element[3..d_element.len() - 4];
    let spaced: String = content
        .chars()
        .enumerate()
        .flat_map(|(i, c)| if i % 10 == 9 { vec![c, '\n'] } else { vec![c] })
        .collect();
    let reordered = format!(
        "<RSAKeyValue><D>{spaced}</D>{}",
        xml.replace(d_element, "")
            .trim_start_matches("<RSAKeyValue>")
    );
    let text = encode(reordered.as_bytes());
    assert!(parse_rsa_private_key(text.as_bytes()).is_ok());
}

#[test]
fn rsa_parser_rejects_inconsistent_numbers() {
    let xml = xml_of(rsa_pair().private_key.expose_secret());
    let start = xml.find("<P>").unwrap() + 3;
    let end = xml.find("</P>").unwrap();
    let mut p = decode_lenient(&xml.as_bytes()[start..end]).unwrap();
    let last = p.len() - 1;
    p[last] ^= 2;
    let broken = format!("{}{}{}", &xml[..start], encode(&p), &xml[end..]);
    assert_eq!(
        parse_rsa_private_key(broken.as_bytes()).map(|_| ()),
        Err(KeyError::InvalidRsaKey)
    );
}

#[test]
fn rsa_parser_rejects_missing_modulus_and_bad_base64() {
    let no_modulus = "<RSAKeyValue><Exponent>AQAB</Exponent></RSAKeyValue>";
    assert!(parse_rsa_public_key(no_modulus.as_bytes()).is_err());
    let bad = "<RSAKeyValue><Modulus>!!</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>";
    assert!(parse_rsa_public_key(bad.as_bytes()).is_err());
    let unclosed = "<RSAKeyValue><Modulus>AQAB";
    assert!(parse_rsa_public_key(unclosed.as_bytes()).is_err());
}

#[test]
fn rsa_parser_rejects_small_modulus() {
    // A 256-bit modulus with e = 3.
    let xml = format!(
        "<RSAKeyValue><Modulus>{}</Modulus><Exponent>Aw==</Exponent></RSAKeyValue>",
        encode(&[0xC5; 32])
    );
    assert_eq!(
        parse_rsa_public_key(xml.as_bytes()).map(|_| ()),
        Err(KeyError::InvalidRsaKey)
    );
}

#[test]
fn ecc_generation_writes_66_byte_components() {
    let pair = generate_ecc_key_pair();
    assert_eq!(pair.private_key.len(), 205);
    assert_eq!(&pair.private_key.expose_secret()[..3], &[0x93, 0xC4, 0x42]);
    assert_eq!(pair.public_key.len(), 137);
    assert_eq!(&pair.public_key[..3], &[0x92, 0xC4, 0x42]);
    let derived = public_key_from_private(pair.private_key.expose_secret()).expect("valid");
    assert_eq!(derived, pair.public_key);
    assert_eq!(
        &pair.private_key.expose_secret()[69..],
        &pair.public_key[1..]
    );
}

#[test]
fn ecc_reader_strips_excess_leading_zeros() {
    let pair = generate_ecc_key_pair();
    let padded = reencode(&pair.public_key, |_, item| [&[0u8, 0][..], item].concat());
    let parsed = parse_ecc_public_key(&padded).expect("zeros stripped");
    assert_eq!(
        write_ecc_public_key(&parsed).expect("encodable"),
        pair.public_key
    );

    let too_long = reencode(&pair.public_key, |index, item| {
        if index == 0 {
            [&[1u8][..], item].concat()
        } else {
            item.to_vec()
        }
    });
    assert_eq!(
        parse_ecc_public_key(&too_long).map(|_| ()),
        Err(KeyError::InvalidEccKey)
    );
}

#[test]
fn ecc_reader_left_pads_short_components() {
    // About one key in 128 has a coordinate with a leading zero byte.
    let pair = (0..5000)
        .map(|_| generate_ecc_key_pair())
        .find(|pair| pair.public_key[3] == 0 || pair.public_key[3 + 66 + 2] == 0)
        .expect("a key with a leading zero byte");
    let stripped = reencode(&pair.public_key, |_, item| {
        let first = item
            .iter()
            .position(|&byte| byte != 0)
            .unwrap_or(item.len());
        item[first..].to_vec()
    });
    assert!(stripped.len() < pair.public_key.len());
    let parsed = parse_ecc_public_key(&stripped).expect("left-padded");
    assert_eq!(
        write_ecc_public_key(&parsed).expect("encodable"),
        pair.public_key
    );
}

#[test]
fn ecc_reader_rejects_point_off_curve() {
    let pair = generate_ecc_key_pair();
    let mut damaged = pair.public_key.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    assert_eq!(
        parse_ecc_public_key(&damaged).map(|_| ()),
        Err(KeyError::InvalidEccKey)
    );
}

#[test]
fn ecc_reader_rejects_private_key_with_foreign_point() {
    let first = generate_ecc_key_pair();
    let second = generate_ecc_key_pair();
    let mixed = reencode(first.private_key.expose_secret(), |index, item| {
        if index == 0 {
            item.to_vec()
        } else {
            msgpack::read_bin_array(&second.public_key).unwrap()[index - 1].to_vec()
        }
    });
    assert_eq!(
        parse_ecc_private_key(&mixed).map(|_| ()),
        Err(KeyError::InvalidEccKey)
    );
}

#[test]
fn ecc_signing_uses_scalar_only() {
    let first = generate_ecc_key_pair();
    let second = generate_ecc_key_pair();
    let mixed = reencode(first.private_key.expose_secret(), |index, item| {
        if index == 0 {
            item.to_vec()
        } else {
            msgpack::read_bin_array(&second.public_key).unwrap()[index - 1].to_vec()
        }
    });
    let signature = crate::sign::sign(&mixed, b"data").expect("signs with d");
    assert!(crate::sign::verify(&first.public_key, b"data", &signature));
    assert!(!crate::sign::verify(
        &second.public_key,
        b"data",
        &signature
    ));
}

#[test]
fn ecc_reader_rejects_zero_scalar() {
    let pair = generate_ecc_key_pair();
    let zero = reencode(pair.private_key.expose_secret(), |index, item| {
        if index == 0 {
            vec![0; 66]
        } else {
            item.to_vec()
        }
    });
    assert_eq!(
        parse_ecc_private_key(&zero).map(|_| ()),
        Err(KeyError::InvalidEccKey)
    );
}

#[test]
fn ecc_reader_rejects_wrong_item_count() {
    let pair = generate_ecc_key_pair();
    assert!(parse_ecc_public_key(pair.private_key.expose_secret()).is_err());
    assert!(parse_ecc_private_key(&pair.public_key).is_err());
}
