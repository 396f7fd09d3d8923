//! Loader and runner for the known-answer vectors (schema
//! `psvault-vectors/1`).
//!
//! The runner loads every `*.json` file of a folder, runs each case by its
//! `kind` and records one outcome per case. A panic inside a case is caught
//! and recorded as a failure of that case.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use psr_crypto::{
    csrf_header_value, decrypt, detect_private_key_type, detect_public_key_type, mto_hash,
    public_key_from_private, sign, verify, verify_csrf_header_value, ApiKey, KeyType,
};
use serde_json::{Map, Value};

/// Schema name every vector file must declare.
pub const SCHEMA: &str = "psvault-vectors/1";

/// Kinds that belong to the protocol layer; the psr-client vector test
/// runs them.
pub const DELEGATED_KINDS: &[&str] = &["login", "item_secret"];

/// Result of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The case ran and passed.
    Passed,
    /// The case ran and failed, with the reason.
    Failed(String),
    /// The case belongs to another crate's runner.
    Delegated,
    /// The runner does not know the case's kind.
    UnknownKind,
}

/// Outcome of one case.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// File the case came from.
    pub file: PathBuf,
    /// Case id.
    pub id: String,
    /// Case kind.
    pub kind: String,
    /// What happened.
    pub verdict: Verdict,
    /// Time the case took.
    pub elapsed: Duration,
}

/// Outcomes of every case of one or more folders.
#[derive(Debug, Default)]
pub struct Report {
    /// One entry per case, in file and case order.
    pub outcomes: Vec<Outcome>,
    /// Problems that are not tied to a case: unreadable files, wrong schema,
    /// duplicate ids.
    pub file_errors: Vec<String>,
}

impl Report {
    /// Returns the ids of failed cases and cases of unknown kind, with the
    /// reason.
    pub fn failures(&self) -> Vec<String> {
        self.outcomes
            .iter()
            .filter_map(|outcome| match &outcome.verdict {
                Verdict::Failed(reason) => Some(format!("{}: {reason}", outcome.id)),
                Verdict::UnknownKind => {
                    Some(format!("{}: unknown kind {:?}", outcome.id, outcome.kind))
                }
                Verdict::Passed | Verdict::Delegated => None,
            })
            .collect()
    }

    /// Returns the number of cases that ran, per kind (delegated and
    /// unknown kinds excluded).
    pub fn run_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for outcome in &self.outcomes {
            if matches!(outcome.verdict, Verdict::Passed | Verdict::Failed(_)) {
                *counts.entry(outcome.kind.clone()).or_insert(0) += 1;
            }
        }
        counts
    }

    /// Returns the number of delegated cases, per kind.
    pub fn delegated_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for outcome in &self.outcomes {
            if outcome.verdict == Verdict::Delegated {
                *counts.entry(outcome.kind.clone()).or_insert(0) += 1;
            }
        }
        counts
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for outcome in &self.outcomes {
            let verdict = match &outcome.verdict {
                Verdict::Passed => "ok".to_owned(),
                Verdict::Failed(reason) => format!("FAILED: {reason}"),
                Verdict::Delegated => "delegated to psr-client".to_owned(),
                Verdict::UnknownKind => "FAILED: unknown kind".to_owned(),
            };
            let file = outcome
                .file
                .file_name()
                .unwrap_or_default()
                .to_string_lossy();
            writeln!(
                f,
                "{file:<18} {:<14} {:<50} {:>6} ms  {verdict}",
                outcome.kind,
                outcome.id,
                outcome.elapsed.as_millis()
            )?;
        }
        for error in &self.file_errors {
            writeln!(f, "FILE ERROR: {error}")?;
        }
        writeln!(f, "cases run per kind: {:?}", self.run_counts())?;
        writeln!(f, "cases delegated per kind: {:?}", self.delegated_counts())
    }
}

/// Runs every `*.json` file of `dir`, in file-name order, into `report`.
pub fn run_dir(dir: &Path, report: &mut Report) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            report.file_errors.push(format!(
                "cannot read vector folder {}: {error}",
                dir.display()
            ));
            return;
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        report
            .file_errors
            .push(format!("no *.json files in {}", dir.display()));
    }
    for file in files {
        run_file(&file, report);
    }
}

/// Runs every case of one vector file into `report`.
pub fn run_file(file: &Path, report: &mut Report) {
    let document: Value = match std::fs::read_to_string(file)
        .map_err(|error| error.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|error| error.to_string()))
    {
        Ok(document) => document,
        Err(error) => {
            report
                .file_errors
                .push(format!("{}: cannot load: {error}", file.display()));
            return;
        }
    };
    if document.get("schema").and_then(Value::as_str) != Some(SCHEMA) {
        report
            .file_errors
            .push(format!("{}: schema is not {SCHEMA}", file.display()));
        return;
    }
    let Some(cases) = document.get("cases").and_then(Value::as_array) else {
        report
            .file_errors
            .push(format!("{}: no \"cases\" array", file.display()));
        return;
    };

    let mut seen: BTreeSet<String> = report.outcomes.iter().map(|o| o.id.clone()).collect();
    let mut pending = Vec::with_capacity(cases.len());
    for (index, case) in cases.iter().enumerate() {
        let id = case
            .get("id")
            .and_then(Value::as_str)
            .map_or_else(|| format!("{}#{index}", file.display()), str::to_owned);
        let kind = case
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("<missing>")
            .to_owned();
        if !seen.insert(id.clone()) {
            report.file_errors.push(format!("duplicate case id {id}"));
        }
        pending.push((id, kind, case));
    }

    let results = run_parallel(&pending, |(_, kind, case)| {
        let started = Instant::now();
        let verdict = match case.as_object() {
            Some(fields) => run_case(kind, fields),
            None => Verdict::Failed("case is not a JSON object".to_owned()),
        };
        (verdict, started.elapsed())
    });
    for ((id, kind, _), (verdict, elapsed)) in pending.into_iter().zip(results) {
        report.outcomes.push(Outcome {
            file: file.to_owned(),
            id,
            kind,
            verdict,
            elapsed,
        });
    }
}

/// Applies `work` to every item on all available cores, keeping the order.
/// Slow cases (PBKDF2 with 610005 iterations) dominate the run time.
fn run_parallel<T, R, F>(items: &[T], work: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len().max(1));
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(index) else {
                            break done;
                        };
                        done.push((index, work(item)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("run_case catches panics"))
            .collect()
    });
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

/// Runs one case, turning a panic into a failure.
pub fn run_case(kind: &str, case: &Map<String, Value>) -> Verdict {
    if DELEGATED_KINDS.contains(&kind) {
        return Verdict::Delegated;
    }
    let check: fn(&Map<String, Value>) -> Result<(), String> = match kind {
        "decrypt" => check_decrypt,
        "decrypt_error" => check_decrypt_error,
        "verify" => check_verify,
        "sign" => check_sign,
        "key_type" => check_key_type,
        "mto_hash" => check_mto_hash,
        "api_key" => check_api_key,
        "csrf" => check_csrf,
        _ => return Verdict::UnknownKind,
    };
    match panic::catch_unwind(AssertUnwindSafe(|| check(case))) {
        Ok(Ok(())) => Verdict::Passed,
        Ok(Err(reason)) => Verdict::Failed(reason),
        Err(_) => Verdict::Failed("panicked".to_owned()),
    }
}

fn field<'a>(case: &'a Map<String, Value>, name: &str) -> Result<&'a Value, String> {
    case.get(name)
        .ok_or_else(|| format!("missing field {name:?}"))
}

fn text<'a>(case: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    field(case, name)?
        .as_str()
        .ok_or_else(|| format!("field {name:?} is not a string"))
}

fn bytes(case: &Map<String, Value>, name: &str) -> Result<Vec<u8>, String> {
    STANDARD
        .decode(text(case, name)?)
        .map_err(|error| format!("field {name:?} is not base64: {error}"))
}

fn boolean(case: &Map<String, Value>, name: &str) -> Result<bool, String> {
    field(case, name)?
        .as_bool()
        .ok_or_else(|| format!("field {name:?} is not a boolean"))
}

fn integer(case: &Map<String, Value>, name: &str) -> Result<i64, String> {
    field(case, name)?
        .as_i64()
        .ok_or_else(|| format!("field {name:?} is not an integer"))
}

fn key_type_name(key_type: Option<KeyType>) -> Value {
    match key_type {
        Some(KeyType::Rsa) => Value::from("rsa"),
        Some(KeyType::Ecc) => Value::from("ecc"),
        None => Value::Null,
    }
}

fn check_decrypt(case: &Map<String, Value>) -> Result<(), String> {
    let key = bytes(case, "key_b64")?;
    let blob = bytes(case, "ciphertext_b64")?;
    let expected = bytes(case, "plaintext_b64")?;
    let chain = integer(case, "chain")?;
    if blob.first().map(|&id| i64::from(id)) != Some(chain) {
        return Err(format!(
            "field \"chain\" {chain} is not the first ciphertext byte"
        ));
    }
    if let Some(Value::String(text)) = case.get("plaintext_utf8") {
        if text.as_bytes() != expected.as_slice() {
            return Err("plaintext_utf8 and plaintext_b64 differ".to_owned());
        }
    }
    let plaintext = decrypt(&key, &blob).map_err(|error| format!("chain {chain}: {error}"))?;
    if plaintext.expose_secret() != expected.as_slice() {
        return Err(format!(
            "chain {chain}: plaintext differs ({} bytes, expected {})",
            plaintext.len(),
            expected.len()
        ));
    }
    Ok(())
}

fn check_decrypt_error(case: &Map<String, Value>) -> Result<(), String> {
    let key = bytes(case, "key_b64")?;
    let blob = bytes(case, "ciphertext_b64")?;
    match decrypt(&key, &blob) {
        Ok(plaintext) => Err(format!(
            "decryption succeeded ({} bytes) but must fail: {}",
            plaintext.len(),
            text(case, "why").unwrap_or("?")
        )),
        Err(_) => Ok(()),
    }
}

fn check_verify(case: &Map<String, Value>) -> Result<(), String> {
    let public_key = bytes(case, "public_key_b64")?;
    let data = bytes(case, "data_b64")?;
    let signature = bytes(case, "signature_b64")?;
    let valid = boolean(case, "valid")?;
    let verdict = verify(&public_key, &data, &signature);
    if verdict == valid {
        Ok(())
    } else {
        Err(format!("verify returned {verdict}, expected {valid}"))
    }
}

fn check_sign(case: &Map<String, Value>) -> Result<(), String> {
    let private_key = bytes(case, "private_key_b64")?;
    let data = bytes(case, "data_b64")?;
    let expected = bytes(case, "signature_b64")?;
    let signature = sign(&private_key, &data).map_err(|error| format!("sign failed: {error}"))?;
    match detect_private_key_type(&private_key) {
        // ECDSA is randomised: check the new signature with the verifier.
        Some(KeyType::Ecc) => {
            let public_key = public_key_from_private(&private_key)
                .map_err(|error| format!("public key: {error}"))?;
            if verify(&public_key, &data, &signature) && verify(&public_key, &data, &expected) {
                Ok(())
            } else {
                Err("ECDSA signature does not verify".to_owned())
            }
        }
        _ if signature == expected => Ok(()),
        _ => Err("signature differs from the expected bytes".to_owned()),
    }
}

fn check_key_type(case: &Map<String, Value>) -> Result<(), String> {
    let key = bytes(case, "key_b64")?;
    let as_public = key_type_name(detect_public_key_type(&key));
    let as_private = key_type_name(detect_private_key_type(&key));
    let expected_public = field(case, "as_public")?;
    let expected_private = field(case, "as_private")?;
    if &as_public != expected_public {
        return Err(format!(
            "as public: {as_public}, expected {expected_public}"
        ));
    }
    if &as_private != expected_private {
        return Err(format!(
            "as private: {as_private}, expected {expected_private}"
        ));
    }
    Ok(())
}

fn check_mto_hash(case: &Map<String, Value>) -> Result<(), String> {
    let algorithm = u32::try_from(integer(case, "algorithm")?)
        .map_err(|_| "field \"algorithm\" is negative".to_owned())?;
    let password = text(case, "password_utf8")?;
    let salt = bytes(case, "salt_b64")?;
    let expected = bytes(case, "hash_b64")?;
    let hash = mto_hash(algorithm, password, &salt).map_err(|error| error.to_string())?;
    if hash.as_slice() == expected.as_slice() {
        Ok(())
    } else {
        Err("hash differs".to_owned())
    }
}

fn check_api_key(case: &Map<String, Value>) -> Result<(), String> {
    let text_value = text(case, "api_key")?;
    let parsed = ApiKey::parse(text_value);
    if !boolean(case, "valid")? {
        return match parsed {
            Ok(_) => Err(format!(
                "parsed, but must fail: {}",
                text(case, "why").unwrap_or("?")
            )),
            Err(_) => Ok(()),
        };
    }

    let key = parsed.map_err(|error| format!("parse failed: {error}"))?;
    let claims = key.claims();
    let mut mismatches = Vec::new();
    if claims.username != text(case, "username")? {
        mismatches.push("username");
    }
    if claims.database != text(case, "database")? {
        mismatches.push("database");
    }
    if claims.issued_at != integer(case, "issued_at")? {
        mismatches.push("issued_at");
    }
    if claims.expires_at != integer(case, "expires_at")? {
        mismatches.push("expires_at");
    }
    if i64::from(claims.access_rights) != integer(case, "access_rights")? {
        mismatches.push("access_rights");
    }
    if i64::from(claims.access_scopes) != integer(case, "access_scopes")? {
        mismatches.push("access_scopes");
    }
    if key.private_key().expose_secret() != bytes(case, "private_key_b64")?.as_slice() {
        mismatches.push("private_key");
    }
    let jwt = text_value.trim().split(':').next().unwrap_or_default();
    if key.jwt().expose_secret() != jwt {
        mismatches.push("jwt");
    }
    if mismatches.is_empty() {
        Ok(())
    } else {
        Err(format!("fields differ: {}", mismatches.join(", ")))
    }
}

fn check_csrf(case: &Map<String, Value>) -> Result<(), String> {
    let session_id = text(case, "session_id")?;
    let timestamp = text(case, "timestamp")?;
    let private_key = bytes(case, "private_key_b64")?;
    let public_key = bytes(case, "public_key_b64")?;
    let expected = text(case, "header_value")?;

    let header = csrf_header_value(session_id, timestamp, &private_key)
        .map_err(|error| format!("cannot compute: {error}"))?;
    let header = header.expose_secret();
    let deterministic = detect_private_key_type(&private_key) == Some(KeyType::Rsa);
    if deterministic && header != expected {
        return Err("RSA header value differs from the expected one".to_owned());
    }

    for (label, value) in [("computed", header), ("expected", expected)] {
        let token = verify_csrf_header_value(value, &public_key)
            .ok_or_else(|| format!("{label} header value does not verify"))?;
        if token.session_id != session_id || token.timestamp != timestamp {
            return Err(format!(
                "{label} header value carries other session id or time"
            ));
        }
    }
    Ok(())
}
