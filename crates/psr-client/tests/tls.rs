//! TLS verification modes against a local rustls server: certificate
//! pins, an extra CA file, the operating system's trust store, and the
//! dangerous skip option with its warning.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use psr_client::{lookup, ClientConfig, Error, ErrorClass, Identity, ProxySetting, TlsOptions};
use psr_crypto::ApiKey;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};

/// A server certificate and its issuing CA (self-signed when `ca_pem` is
/// `None`).
struct ServerIdentity {
    certificate: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    ca_pem: Option<String>,
}

fn self_signed() -> ServerIdentity {
    let key = KeyPair::generate().expect("key");
    let params = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .expect("params");
    let certificate = params.self_signed(&key).expect("certificate");
    ServerIdentity {
        certificate: certificate.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        ca_pem: None,
    }
}

fn issued_by_private_ca() -> ServerIdentity {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "psvault test CA");
    let ca_certificate = ca_params.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca_params, ca_key);

    let key = KeyPair::generate().expect("key");
    let params = CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("params");
    let certificate = params.signed_by(&key, &issuer).expect("certificate");
    ServerIdentity {
        certificate: certificate.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        ca_pem: Some(ca_certificate.pem()),
    }
}

/// The reply of the test server to every request.
const UNAUTHORIZED: &[u8] =
    b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// Starts a TLS server on 127.0.0.1 that responds to every request with 401
/// and returns its port. The thread ends with the test process.
fn start_server(identity: &ServerIdentity) -> u16 {
    start_server_replying(identity, UNAUTHORIZED)
}

/// Starts a TLS server on 127.0.0.1 that sends `reply` after each request
/// and returns its port.
fn start_server_replying(identity: &ServerIdentity, reply: &'static [u8]) -> u16 {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_no_client_auth()
    .with_single_cert(vec![identity.certificate.clone()], identity.key.clone_key())
    .expect("server certificate");
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let Ok(connection) = rustls::ServerConnection::new(config.clone()) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(connection, stream);
            let _ = respond(&mut tls, reply);
        }
    });
    port
}

fn respond(stream: &mut impl ReadWrite, reply: &[u8]) -> std::io::Result<()> {
    let mut reader = BufReader::new(&mut *stream);
    let mut content_length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; content_length];
    reader.read_exact(&mut body)?;
    drop(reader);
    stream.write_all(reply)?;
    stream.flush()
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

fn api_key() -> ApiKey {
    use base64::prelude::{Engine, BASE64_STANDARD, BASE64_URL_SAFE_NO_PAD};
    let payload = r#"{"usrn":"u","dbn":"d","iat":1700000000,"exp":4102444800,"acr":"Read","acs":"Passwords"}"#;
    let jwt = format!(
        "eyJhbGciOiJIUzUxMiJ9.{}.c2ln",
        BASE64_URL_SAFE_NO_PAD.encode(payload)
    );
    let key = psr_crypto::generate_ecc_key_pair();
    let text = format!(
        "{jwt}:{}",
        BASE64_STANDARD.encode(key.private_key.expose_secret())
    );
    ApiKey::parse(&text).expect("API key")
}

fn config(port: u16, tls: TlsOptions) -> ClientConfig {
    ClientConfig {
        url: format!("https://127.0.0.1:{port}/api/"),
        proxy: ProxySetting::None,
        timeout: Duration::from_secs(10),
        tls,
        ..ClientConfig::default()
    }
}

fn attempt(config: &ClientConfig) -> Error {
    let identity = Identity::parse("CORP\\svc").expect("identity");
    lookup(config, &api_key(), &identity, "tls test").expect_err("the server returns 401")
}

#[test]
fn matching_pin_accepts_self_signed() {
    let identity = self_signed();
    let port = start_server(&identity);
    let pin: [u8; 32] = Sha256::digest(identity.certificate.as_ref()).into();
    let tls = TlsOptions {
        pin_sha256: vec![[0; 32], pin],
        ..TlsOptions::default()
    };

    let error = attempt(&config(port, tls));

    assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
}

#[test]
fn wrong_pin_is_rejected_with_fingerprint() {
    let identity = self_signed();
    let port = start_server(&identity);
    let tls = TlsOptions {
        pin_sha256: vec![[0; 32]],
        dangerous_skip_certificate_check: true,
        ..TlsOptions::default()
    };

    let error = attempt(&config(port, tls));

    let expected: String = Sha256::digest(identity.certificate.as_ref())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    match &error {
        Error::CertificatePinMismatch { found, .. } => assert_eq!(found, &expected),
        other => panic!("expected CertificatePinMismatch, got {other:?}"),
    }
    assert_eq!(error.class(), ErrorClass::Connection);
}

#[test]
fn untrusted_certificate_fails_handshake() {
    let identity = self_signed();
    let port = start_server(&identity);

    let error = attempt(&config(port, TlsOptions::default()));

    assert!(matches!(error, Error::Tls { .. }), "{error:?}");
    assert_eq!(error.class(), ErrorClass::Connection);
}

#[test]
fn malformed_response_over_tls() {
    let identity = self_signed();
    let pin: [u8; 32] = Sha256::digest(identity.certificate.as_ref()).into();
    let port = start_server_replying(
        &identity,
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}",
    );
    let tls = TlsOptions {
        pin_sha256: vec![pin],
        ..TlsOptions::default()
    };

    let error = attempt(&config(port, tls));

    assert!(
        matches!(error, Error::MalformedResponse { .. }),
        "{error:?}"
    );
    assert_eq!(error.class(), ErrorClass::Server);
    let message = error.to_string();
    assert!(
        message.contains("HTTP response from https://127.0.0.1:"),
        "{message}"
    );
    assert!(message.contains("is malformed"), "{message}");
    assert!(message.contains("content-length"), "{message}");
    assert!(!message.contains("https:// URL"), "{message}");
}

#[test]
fn ca_file_trusts_private_ca() {
    let identity = issued_by_private_ca();
    let port = start_server(&identity);
    let ca_file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ca-{port}.pem"));
    std::fs::write(&ca_file, identity.ca_pem.as_deref().expect("CA")).expect("write CA file");
    let tls = TlsOptions {
        ca_file: Some(ca_file.clone()),
        ..TlsOptions::default()
    };

    let error = attempt(&config(port, tls));

    let _ = std::fs::remove_file(&ca_file);
    assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
}

#[test]
fn ca_file_without_certificates_is_invalid() {
    let ca_file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("empty-ca.pem");
    std::fs::write(&ca_file, "not a certificate\n").expect("write file");
    let tls = TlsOptions {
        ca_file: Some(ca_file),
        ..TlsOptions::default()
    };

    let error = attempt(&config(9, tls));

    assert!(
        matches!(
            error,
            Error::InvalidConfig {
                setting: "caFile",
                ..
            }
        ),
        "{error:?}"
    );
}

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

#[test]
fn skipped_check_warns_on_each_handshake() {
    let identity = self_signed();
    let port = start_server(&identity);
    let tls = TlsOptions {
        dangerous_skip_certificate_check: true,
        ..TlsOptions::default()
    };
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();

    let errors = tracing::subscriber::with_default(subscriber, || {
        [
            attempt(&config(port, tls.clone())),
            attempt(&config(port, tls.clone())),
        ]
    });

    for error in &errors {
        assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
    }
    let log = String::from_utf8_lossy(&capture.0.lock().expect("lock")).into_owned();
    let warnings = log.matches("TLS certificate check skipped").count();
    assert_eq!(warnings, 2, "{log}");
    assert!(log.contains("WARN"), "{log}");
}
