//! Captures every log line of full lookups at TRACE level, plus the
//! `Display` and `Debug` output of every error and value the lookups
//! produce, and checks that no secret appears in any of it.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use mockito::Matcher;
use psr_client::login::{log_in, ClientInformation};
use psr_client::{lookup, ApiMethod, Error, Exchange, Identity, Session};
use serde_json::{json, Value};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn install_capture() -> Capture {
    use tracing_subscriber::util::SubscriberInitExt;
    let capture = Capture::default();
    let writer = capture.clone();
    // The mock server's own logs contain the requests it receives, so its
    // crates are filtered out: only the client side is under test.
    let filter = tracing_subscriber::EnvFilter::new(
        "trace,mockito=off,hyper=off,hyper_util=off,tokio=off,h2=off,want=off",
    );
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish()
        .try_init()
        .expect("install the global subscriber");
    capture
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Text forms of one secret that must not appear anywhere.
fn forms(name: &str, bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut forms = vec![
        (format!("{name} (base64)"), b64(bytes).into_bytes()),
        (format!("{name} (hex)"), hex(bytes).into_bytes()),
    ];
    if bytes.len() >= 8 {
        forms.push((format!("{name} (raw)"), bytes.to_vec()));
    }
    forms
}

struct Scripted {
    responses: Vec<Value>,
}

impl Exchange for Scripted {
    fn call(&mut self, _method: ApiMethod, _body: &Value) -> Result<Option<Value>, Error> {
        Ok(Some(self.responses.remove(0)))
    }

    fn url_for(&self, method: ApiMethod) -> String {
        format!("scripted://api/{}", method.path())
    }
}

#[test]
fn no_secret_in_logs_or_errors() {
    let capture = install_capture();
    let mut outputs: Vec<String> = Vec::new();
    let mut secrets: Vec<(String, Vec<u8>)> = Vec::new();
    let record_error = |outputs: &mut Vec<String>, error: &Error| {
        outputs.push(error.to_string());
        outputs.push(format!("{error:?}"));
    };
    let identity = Identity::parse("CORP\\svc-backup").expect("identity");

    for kind in [KeyKind::Ecc, KeyKind::Rsa] {
        // A full successful lookup.
        let mut vault = Vault::new(kind);
        let mocks = happy_path(&mut vault, PASSWORD.as_bytes());
        let credential = lookup(
            &vault.config(),
            &vault.account.api_key(),
            &identity,
            "leak test",
        )
        .expect("lookup succeeds")
        .expect("entry found");
        mocks.assert();
        outputs.push(format!("{credential:?}"));
        outputs.push(format!("{:?}", vault.account.api_key()));

        // A session used for a lookup that ends in a sealed entry.
        let mut sealed = right(
            &password_item_id(1),
            &vault.account.user_id,
            &vault.account.user.public_key,
            &ITEM_KEY,
        );
        sealed["SealId"] = json!("99999999-9999-9999-9999-999999999999");
        let mut sealed_vault = Vault::new(kind);
        let _login = sealed_vault.mock_login();
        let _forms = sealed_vault.mock_forms();
        let _filter = sealed_vault.mock_password_filter(0);
        let _list = sealed_vault.mock_password_list(json!([container(1, "CORP", "svc-backup")]));
        let _rights = sealed_vault.mock_rights(json!([sealed]));
        let _close = sealed_vault.mock_close();
        let mut session =
            Session::open(&sealed_vault.config(), &sealed_vault.account.api_key()).expect("login");
        let error = session
            .find_credential(&identity, "leak test")
            .expect_err("sealed");
        record_error(&mut outputs, &error);
        outputs.push(format!("{session:?}"));
        session.close().expect("close");

        // Failures at every stage.
        let mut failing = Vault::new(kind);
        let _mocks = happy_path(&mut failing, b"\xff\xfe invalid");
        let error = lookup(
            &failing.config(),
            &failing.account.api_key(),
            &identity,
            "x",
        )
        .expect_err("invalid UTF-8");
        record_error(&mut outputs, &error);

        let mut locked = Vault::new(kind);
        let _step1 = locked.mock_step1(json!({
            "$type": "X.AuthenticationResultLoginFailed, X",
            "LoginLock": {"Reason": "locked"}
        }));
        let error = lookup(&locked.config(), &locked.account.api_key(), &identity, "x")
            .expect_err("locked");
        record_error(&mut outputs, &error);

        let mut broken = Vault::new(kind);
        let _login = broken.mock_login();
        let _forms = broken.mock_forms();
        let _filter = broken
            .web_service("GetContainerListFilter")
            .match_body(Matcher::PartialJson(json!({"containerType": 0})))
            .with_status(500)
            .with_body(r#"{"ExceptionCode":251020,"Message":"Unknown error"}"#)
            .create();
        let _close = broken.mock_close();
        let error = lookup(&broken.config(), &broken.account.api_key(), &identity, "x")
            .expect_err("server error");
        record_error(&mut outputs, &error);

        // The login building blocks and their Debug output.
        let scripted_vault = Vault::new(kind);
        let mut scripted = Scripted {
            responses: vec![scripted_vault.requirement(1), scripted_vault.completed()],
        };
        let login = log_in(
            &mut scripted,
            &scripted_vault.account.api_key(),
            &ClientInformation::new("psvault", "0"),
        )
        .expect("scripted login");
        outputs.push(format!("{login:?}"));

        let account = vault.account;
        secrets.push(("API key".into(), account.api_key_text.clone().into_bytes()));
        secrets.push(("JWT".into(), account.jwt.clone().into_bytes()));
        secrets.extend(forms(
            "API private key",
            account.api.private_key.expose_secret(),
        ));
        secrets.extend(forms(
            "user private key",
            account.user.private_key.expose_secret(),
        ));
        secrets.extend(forms(
            "role private key",
            account.role.private_key.expose_secret(),
        ));
        for seen in [&vault, &sealed_vault, &failing, &broken] {
            let csrf = seen.seen_csrf.lock().expect("lock").clone();
            assert!(!csrf.is_empty(), "no CSRF value was captured");
            secrets.extend(
                csrf.into_iter()
                    .map(|value| ("CSRF value".to_string(), value.into_bytes())),
            );
        }
    }
    secrets.push(("session key".into(), SESSION_KEY.as_bytes().to_vec()));
    secrets.push(("token2 value".into(), token2().into_bytes()));
    secrets.extend(forms("password", PASSWORD.as_bytes()));
    secrets.extend(forms("item key", &ITEM_KEY));

    let log = capture.0.lock().expect("lock").clone();
    let log_text = String::from_utf8_lossy(&log);
    assert!(
        log_text.contains("request finished"),
        "the capture recorded no request"
    );
    assert!(
        log_text.contains("GetContainerItemWithSecretValue"),
        "no secret request logged"
    );
    let mut everything = log.clone();
    for output in &outputs {
        everything.extend_from_slice(output.as_bytes());
        everything.push(b'\n');
    }

    let leaks: std::collections::BTreeSet<&str> = secrets
        .iter()
        .filter(|(_, secret)| contains(&everything, secret))
        .map(|(name, _)| name.as_str())
        .collect();
    assert!(
        leaks.is_empty(),
        "secrets found in logs or error output: {leaks:?}"
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|window| window == needle)
}
