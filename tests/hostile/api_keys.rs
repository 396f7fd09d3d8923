//! Malformed API keys: each is rejected with exit 2 before any request,
//! naming where the key came from and what is wrong with it, and never
//! echoing the key. A well-formed key whose private part is unusable
//! fails at login with exit 4.

use std::os::unix::ffi::OsStringExt;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Value};

use crate::support::{
    api_key_with_claims, offline_api_key, run_table, tls_vault, valid_claims, Psvault, ECC_KEY,
};

/// Where the test puts the key.
#[derive(Clone, Copy, Debug)]
enum Source {
    Environment,
    File,
    Request,
}

struct Case {
    name: &'static str,
    key: String,
    /// Texts stderr must contain besides the key's source.
    names: Vec<&'static str>,
}

fn case(name: &'static str, key: impl Into<String>, names: &[&'static str]) -> Case {
    Case {
        name,
        key: key.into(),
        names: names.to_vec(),
    }
}

fn claims_with(member: &str, value: Option<Value>) -> Value {
    let mut claims = valid_claims();
    let map = claims.as_object_mut().expect("claims object");
    match value {
        Some(value) => map.insert(member.to_owned(), value),
        None => map.remove(member),
    };
    claims
}

fn malformed_keys() -> Vec<Case> {
    let good = offline_api_key();
    let (jwt, private_key) = good.split_once(':').expect("colon");
    let payload = |bytes: &[u8]| {
        format!(
            "{}.{}.c2ln:{private_key}",
            URL_SAFE_NO_PAD.encode("{}"),
            URL_SAFE_NO_PAD.encode(bytes)
        )
    };
    let mut cases = vec![
        case("no colon", jwt, &["missing ':'"]),
        case(
            "three colons",
            format!("{jwt}:{private_key}:x:y"),
            &["more than one ':'"],
        ),
        case(
            "bad base64",
            format!("{jwt}:%%not*base64%%"),
            &["not valid base64"],
        ),
        case(
            "empty private key",
            format!("{jwt}:"),
            &["not valid base64"],
        ),
        case(
            "two segments",
            format!("abc.def:{private_key}"),
            &["JWT is invalid", "three segments"],
        ),
        case(
            "bad JWT character",
            format!("a$b.c.d:{private_key}"),
            &["invalid character"],
        ),
        case(
            "payload not base64url",
            format!("e30.x.c2ln:{private_key}"),
            &["not base64url"],
        ),
        case(
            "payload not JSON",
            payload(b"hello, world"),
            &["not a JSON object"],
        ),
        case("payload array", payload(b"[1,2]"), &["not a JSON object"]),
        case(
            "empty payload",
            format!("e30..c2ln:{private_key}"),
            &["JWT"],
        ),
        case("only colon", ":", &["JWT"]),
    ];
    for claim in ["usrn", "dbn", "iat", "exp", "acr", "acs"] {
        let key = api_key_with_claims(&claims_with(claim, None), private_key);
        cases.push(Case {
            name: "missing claim",
            key,
            names: vec![claim],
        });
    }
    let wrong_types = [
        ("usrn", json!(42)),
        ("usrn", json!("")),
        ("dbn", json!(["hostile"])),
        ("iat", json!("2024-01-01")),
        ("exp", json!(null)),
        ("exp", json!({"seconds": 1})),
        ("acr", json!(1)),
        ("acr", json!("Root")),
        ("acs", json!(true)),
        ("acs", json!("Passwords,Forms")),
    ];
    for (claim, value) in wrong_types {
        cases.push(Case {
            name: "wrong claim type",
            key: api_key_with_claims(&claims_with(claim, Some(value)), private_key),
            names: vec![claim],
        });
    }
    cases
}

fn source_name(source: Source) -> &'static str {
    match source {
        Source::Environment => "PSVAULT_API_KEY",
        Source::File => "--api-key-file",
        Source::Request => "apiKey member",
    }
}

/// Runs `psvault key inspect` with the key from `source`.
fn inspect(source: Source, key: &[u8], directory: &std::path::Path) -> Psvault {
    match source {
        Source::Environment => Psvault::new(["key", "inspect"]).env(
            "PSVAULT_API_KEY",
            std::ffi::OsString::from_vec(key.to_vec()),
        ),
        Source::File => {
            let path = directory.join(format!("key-{:016x}", fingerprint(key)));
            std::fs::write(&path, key).expect("key file written");
            Psvault::new(["key", "inspect", "--api-key-file"]).args([path])
        }
        Source::Request => {
            let text = String::from_utf8_lossy(key);
            Psvault::new(["key", "inspect", "--request", "-"])
                .stdin(json!({ "apiKey": text }).to_string())
        }
    }
}

fn fingerprint(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

#[test]
fn malformed_key_exits_2() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let mut cases = Vec::new();
    for case in malformed_keys() {
        for source in [Source::Environment, Source::File, Source::Request] {
            cases.push((source, case.name, case.key.clone(), case.names.clone()));
        }
    }
    run_table(
        &cases,
        |(source, name, _, _)| format!("{name} via {source:?}"),
        |(source, _, key, names)| {
            let mut expected = names.clone();
            expected.push(source_name(*source));
            expected.push("malformed");
            inspect(*source, key.as_bytes(), directory.path())
                .secrets([key.clone()])
                .expect(2, &expected)
                .map(|_| ())
        },
    );
}

#[test]
fn unreadable_key_exits_2() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let good = offline_api_key();
    let mut with_nul = good.clone().into_bytes();
    with_nul.insert(20, 0);
    let mut invalid_utf8 = good.clone().into_bytes();
    invalid_utf8.insert(20, 0xff);
    let huge = "A".repeat(100 * 1024);
    let cases: Vec<(&str, Source, Vec<u8>, Vec<&str>)> = vec![
        (
            "NUL in file",
            Source::File,
            with_nul,
            vec!["invalid character"],
        ),
        (
            "invalid UTF-8 file",
            Source::File,
            invalid_utf8.clone(),
            vec!["not UTF-8"],
        ),
        (
            "invalid UTF-8 variable",
            Source::Environment,
            invalid_utf8,
            vec!["not valid UTF-8"],
        ),
        (
            "100 KB file",
            Source::File,
            huge.into_bytes(),
            vec!["larger than 65536 bytes"],
        ),
        (
            "whitespace file",
            Source::File,
            b" \r\n\t ".to_vec(),
            vec!["is empty"],
        ),
        (
            "empty variable",
            Source::Environment,
            Vec::new(),
            vec!["no API key given"],
        ),
        (
            "blank variable",
            Source::Environment,
            b"  \n".to_vec(),
            vec!["no API key given"],
        ),
    ];
    run_table(
        &cases,
        |(name, _, _, _)| (*name).to_owned(),
        |(_, source, key, names)| {
            inspect(*source, key, directory.path())
                .secrets([good.clone()])
                .expect(2, names)
                .map(|_| ())
        },
    );

    let run = Psvault::new(["key", "inspect", "--request", "-"])
        .stdin(r#"{"apiKey": 12345}"#)
        .expect(2, &["\"apiKey\" must be a string, found a number"]);
    if let Err(message) = run {
        panic!("key of the wrong JSON type: {message}");
    }
}

/// Keys whose JWT the simulator accepts but whose private part cannot
/// decrypt the user key: login fails with exit 4 and a clear message.
#[test]
fn unusable_private_key_exits_4() {
    let vault = tls_vault();
    let real = vault.api_key(ECC_KEY);
    let (jwt, _) = real.split_once(':').expect("colon");
    let rsa = psr_crypto::generate_rsa_key_pair(1024).expect("RSA key");
    let ecc = psr_crypto::generate_ecc_key_pair();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("random bytes", (0u8..=255).cycle().take(300).collect()),
        ("one byte", vec![0x93]),
        ("RSA private key", rsa.private_key.expose_secret().to_vec()),
        ("ECC public key", ecc.public_key.clone()),
        ("other ECC key", ecc.private_key.expose_secret().to_vec()),
        (
            "XML garbage",
            b"<RSAKeyValue><Modulus>AA==</Modulus></RSAKeyValue>".to_vec(),
        ),
    ];
    let mut secrets = vault.secrets();
    secrets.push(STANDARD.encode(ecc.private_key.expose_secret()));
    run_table(
        &cases,
        |(name, _)| (*name).to_owned(),
        |(_, private_key)| {
            let key = format!("{jwt}:{}", STANDARD.encode(private_key));
            Psvault::new(["get", "CORP\\svc_current", "--timeout", "10"])
                .args(vault.connection_args())
                .env("PSVAULT_API_KEY", &key)
                .secrets(secrets.iter().cloned())
                .secrets([key.clone()])
                .expect(4, &["cannot be used with this API key"])
                .map(|_| ())
        },
    );
}

#[test]
fn report_escapes_claim_text() {
    let mut claims = valid_claims();
    claims["usrn"] = json!("evil\u{1b}[31mRED\nFAKE\u{202e}txt");
    claims["dbn"] = json!("db\r\u{2028}x");
    let pair = psr_crypto::generate_ecc_key_pair();
    let key = api_key_with_claims(&claims, &STANDARD.encode(pair.private_key.expose_secret()));
    let (run, _) = Psvault::new(["key", "inspect"])
        .env("PSVAULT_API_KEY", key)
        .run()
        .expect("psvault ran");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(!run.stdout.contains('\u{1b}'), "ESC in {:?}", run.stdout);
    assert!(!run.stdout.contains('\u{202e}'), "RLO in {:?}", run.stdout);
    assert!(!run.stdout.contains('\r'), "CR in {:?}", run.stdout);
    assert!(
        run.stdout.contains("evil\\u{1b}[31mRED\\nFAKE\\u{202e}txt"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.lines().count(), 6, "{}", run.stdout);
}
