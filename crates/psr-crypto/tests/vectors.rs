//! Runs the shared known-answer vectors, plus every vector file in the
//! folder named by `PSR_VECTORS_DIR`.

mod common;

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::{run_dir, Report, Verdict};
use psr_crypto::{encrypt, Chain};

/// Returns the shared vector folder, which sits next to the repository.
fn shared_vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors")
}

#[test]
fn vectors_pass() {
    let shared = shared_vectors_dir();
    assert!(
        shared.is_dir(),
        "vector folder {} is missing; the repository must sit next to a folder \
         named shared that contains vectors/",
        shared.display()
    );

    let mut report = Report::default();
    run_dir(&shared, &mut report);
    if let Some(extra) = std::env::var_os("PSR_VECTORS_DIR") {
        run_dir(Path::new(&extra), &mut report);
    }
    println!("{report}");

    // The C# SDK cases come from the vendor's own code: all of them must
    // have run and passed.
    let csharp_passed = |kind: &str| {
        report
            .outcomes
            .iter()
            .filter(|outcome| outcome.file.ends_with("csharp-sdk.json"))
            .filter(|outcome| outcome.kind == kind && outcome.verdict == Verdict::Passed)
            .count()
    };
    assert!(
        csharp_passed("decrypt") >= 13,
        "C# SDK decrypt cases passed: {}",
        csharp_passed("decrypt")
    );
    assert!(
        csharp_passed("verify") >= 2,
        "C# SDK verify cases passed: {}",
        csharp_passed("verify")
    );
    assert!(
        csharp_passed("sign") >= 1,
        "C# SDK sign cases passed: {}",
        csharp_passed("sign")
    );

    let mut problems = report.failures();
    problems.extend(report.file_errors.iter().cloned());
    assert!(
        problems.is_empty(),
        "{} vector problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn runner_picks_up_dropped_in_folder() {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("psr-vectors-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp folder");

    let key = [7u8; 32];
    let plaintext = "dropped-in plaintext ✓".as_bytes();
    let blob = encrypt(Chain::AesGcmPadded, &key, plaintext).expect("encrypt");
    let mut tampered = blob.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let document = serde_json::json!({
        "schema": "psvault-vectors/1",
        "source": "written by the runner test",
        "cases": [
            {
                "id": "dropped-decrypt",
                "kind": "decrypt",
                "chain": 6,
                "key_b64": STANDARD.encode(key),
                "ciphertext_b64": STANDARD.encode(&blob),
                "plaintext_b64": STANDARD.encode(plaintext),
            },
            {
                "id": "dropped-decrypt-error",
                "kind": "decrypt_error",
                "key_b64": STANDARD.encode(key),
                "ciphertext_b64": STANDARD.encode(&tampered),
                "why": "tampered GCM tag",
            },
            {
                "id": "dropped-login",
                "kind": "login",
            },
            {
                "id": "dropped-unknown",
                "kind": "encrypt_roundtrip",
            },
        ],
    });
    let file = dir.join("dropped.json");
    std::fs::write(
        &file,
        serde_json::to_vec_pretty(&document).expect("serialise"),
    )
    .expect("write vector file");
    std::fs::write(dir.join("ignored.txt"), "not a vector file").expect("write other file");

    let mut report = Report::default();
    run_dir(&dir, &mut report);
    std::fs::remove_dir_all(&dir).expect("remove temp folder");
    println!("{report}");

    let verdict = |id: &str| {
        report
            .outcomes
            .iter()
            .find(|outcome| outcome.id == id)
            .map(|outcome| outcome.verdict.clone())
    };
    assert!(report.file_errors.is_empty(), "{:?}", report.file_errors);
    assert_eq!(report.outcomes.len(), 4);
    assert_eq!(verdict("dropped-decrypt"), Some(Verdict::Passed));
    assert_eq!(verdict("dropped-decrypt-error"), Some(Verdict::Passed));
    assert_eq!(verdict("dropped-login"), Some(Verdict::Delegated));
    assert_eq!(verdict("dropped-unknown"), Some(Verdict::UnknownKind));
    let failures = report.failures();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].starts_with("dropped-unknown:"), "{failures:?}");
}
