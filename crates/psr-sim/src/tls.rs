//! The self-signed certificate and the rustls server configuration.

use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};

use crate::error::SimError;

/// Host names and addresses the certificate is valid for.
const SUBJECT_ALT_NAMES: [&str; 3] = ["127.0.0.1", "::1", "localhost"];

/// A generated certificate with the server configuration that uses it.
pub(crate) struct TlsIdentity {
    pub certificate_pem: String,
    pub certificate_sha256: [u8; 32],
    pub config: Arc<ServerConfig>,
}

/// Generates a self-signed ECDSA P-256 certificate for 127.0.0.1, ::1 and
/// localhost, and a server configuration (ring provider, TLS 1.2 and 1.3).
pub(crate) fn self_signed() -> Result<TlsIdentity, SimError> {
    let names: Vec<String> = SUBJECT_ALT_NAMES.iter().map(|&n| n.to_owned()).collect();
    let certified =
        rcgen::generate_simple_self_signed(names).map_err(|e| SimError::Tls(e.to_string()))?;
    let certificate_der = certified.cert.der().to_vec();
    let key_der = certified.signing_key.serialize_der();

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SimError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(certificate_der.clone())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_der)),
        )
        .map_err(|e| SimError::Tls(e.to_string()))?;

    Ok(TlsIdentity {
        certificate_pem: certified.cert.pem(),
        certificate_sha256: Sha256::digest(&certificate_der).into(),
        config: Arc::new(config),
    })
}
