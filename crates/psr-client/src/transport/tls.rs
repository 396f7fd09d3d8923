//! TLS on rustls: certificate verification modes and the ureq connector
//! that applies them.

use std::fmt;
use std::io::{Read, Write};
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::{
    CertificateError, ClientConnection, DigitallySignedStruct, OtherError, RootCertStore,
    StreamOwned,
};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use rustls_platform_verifier::Verifier as PlatformVerifier;
use sha2::{Digest, Sha256};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
    TransportAdapter,
};

use crate::config::TlsOptions;
use crate::error::Error;

/// Whether rustls-platform-verifier 0.7.1 verifies with WebPKI over the
/// operating system's certificate files plus the extra roots, as its
/// `verification/others.rs` does on Unix systems other than Android and
/// Apple's. Only there does trying the CA file's roots alone first give
/// the same result as the platform verifier.
const PLATFORM_VERIFIER_IS_WEBPKI: bool = cfg!(all(
    unix,
    not(target_os = "android"),
    not(target_vendor = "apple"),
    not(target_arch = "wasm32")
));

/// Builds the rustls client configuration for the given options, with the
/// ring crypto provider.
pub(crate) fn client_config(options: &TlsOptions) -> Result<Arc<rustls::ClientConfig>, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = certificate_verifier(options, &provider)?;
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::InvalidConfig {
            setting: "tls",
            reason: format!("cannot configure TLS: {e}"),
        })?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn certificate_verifier(
    options: &TlsOptions,
    provider: &Arc<CryptoProvider>,
) -> Result<CertificateVerifier, Error> {
    let mode = if !options.pin_sha256.is_empty() {
        if options.dangerous_skip_certificate_check {
            tracing::warn!(
                "certificate pins are configured, so the request to skip certificate \
                 checks is ignored and the pins are enforced"
            );
        }
        VerifyMode::Pinned(options.pin_sha256.clone())
    } else if options.dangerous_skip_certificate_check {
        VerifyMode::Unchecked
    } else {
        let extra_roots = match &options.ca_file {
            Some(path) => read_ca_file(path)?,
            None => Vec::new(),
        };
        let invalid = |e: String| Error::InvalidConfig {
            setting: "caFile",
            reason: format!("cannot set up certificate verification: {e}"),
        };
        if extra_roots.is_empty() {
            let verifier =
                PlatformVerifier::new(provider.clone()).map_err(|e| invalid(e.to_string()))?;
            VerifyMode::Platform(Arc::new(verifier))
        } else if PLATFORM_VERIFIER_IS_WEBPKI {
            VerifyMode::CaFileFirst(Box::new(
                CaFileFirst::new(extra_roots, provider).map_err(invalid)?,
            ))
        } else {
            let verifier = PlatformVerifier::new_with_extra_roots(extra_roots, provider.clone())
                .map_err(|e| invalid(e.to_string()))?;
            VerifyMode::Platform(Arc::new(verifier))
        }
    };
    Ok(CertificateVerifier {
        mode,
        algorithms: provider.signature_verification_algorithms,
    })
}

/// Largest CA file read, in bytes. Operating-system bundles with every
/// public root are well under 1 MiB, and the cap keeps a wrong path (a
/// disk image, a log) from filling memory.
const MAX_CA_FILE_BYTES: u64 = 8 << 20;

fn read_ca_file(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>, Error> {
    let invalid = |reason: String| Error::InvalidConfig {
        setting: "caFile",
        reason: format!("{}: {reason}", path.display()),
    };
    let file = std::fs::File::open(path).map_err(|e| invalid(format!("cannot open it ({e})")))?;
    let mut pem = Vec::new();
    file.take(MAX_CA_FILE_BYTES + 1)
        .read_to_end(&mut pem)
        .map_err(|e| invalid(format!("cannot read it ({e})")))?;
    if pem.len() as u64 > MAX_CA_FILE_BYTES {
        return Err(invalid(format!(
            "is larger than {} MiB; give a file with only the CA certificates to trust",
            MAX_CA_FILE_BYTES >> 20
        )));
    }
    let certificates = rustls_pemfile::certs(&mut pem.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("cannot read PEM certificates ({e})")))?;
    if certificates.is_empty() {
        return Err(invalid(
            "contains no PEM certificate (BEGIN CERTIFICATE)".to_string(),
        ));
    }
    check_trust_anchors(&certificates).map_err(invalid)?;
    Ok(certificates)
}

/// Parses each certificate as a trust anchor. Doing this while reading
/// the file, instead of when the verifier is built, lets the error name
/// the file and the position of the damaged certificate.
fn check_trust_anchors(certificates: &[CertificateDer<'static>]) -> Result<(), String> {
    let count = certificates.len();
    for (index, certificate) in certificates.iter().enumerate() {
        let parsed = RootCertStore::empty().add(CertificateDer::from(certificate.as_ref()));
        if let Err(error) = parsed {
            let detail = match error {
                rustls::Error::InvalidCertificate(reason) => format!("{reason:?}"),
                other => other.to_string(),
            };
            return Err(format!(
                "certificate {} of {count} in it could not be parsed ({detail}). Replace it \
                 with an intact PEM copy of the CA certificate",
                index + 1
            ));
        }
    }
    Ok(())
}

/// The certificate of the server matched none of the configured pins.
#[derive(Debug)]
pub(crate) struct PinMismatch {
    /// SHA-256 of the server's end-entity certificate.
    pub(crate) found: [u8; 32],
}

impl fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "server certificate SHA-256 {} matches no pin",
            hex(&self.found)
        )
    }
}

impl std::error::Error for PinMismatch {}

/// Formats bytes as lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

enum VerifyMode {
    /// The operating system's trust store plus extra roots.
    Platform(Arc<PlatformVerifier>),
    /// The CA file's roots alone, then the platform verifier with the
    /// operating system's trust store plus the CA file's roots.
    CaFileFirst(Box<CaFileFirst>),
    /// A matching SHA-256 pin is required and sufficient.
    Pinned(Vec<[u8; 32]>),
    /// Any certificate is accepted, with a warning per handshake.
    Unchecked,
}

struct CertificateVerifier {
    mode: VerifyMode,
    algorithms: WebPkiSupportedAlgorithms,
}

impl fmt::Debug for CertificateVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = match &self.mode {
            VerifyMode::Platform(_) => "platform",
            VerifyMode::CaFileFirst(_) => "ca-file-first",
            VerifyMode::Pinned(_) => "pinned",
            VerifyMode::Unchecked => "unchecked",
        };
        f.debug_struct("CertificateVerifier")
            .field("mode", &mode)
            .finish()
    }
}

impl ServerCertVerifier for CertificateVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match &self.mode {
            VerifyMode::Platform(verifier) => verifier.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ),
            VerifyMode::CaFileFirst(mode) => {
                mode.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            }
            VerifyMode::Pinned(pins) => {
                let found: [u8; 32] = Sha256::digest(end_entity.as_ref()).into();
                if pins.contains(&found) {
                    tracing::debug!(
                        server = %server_name.to_str(),
                        "server certificate matches a configured pin"
                    );
                    Ok(ServerCertVerified::assertion())
                } else {
                    Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                        OtherError(Arc::new(PinMismatch { found })),
                    )))
                }
            }
            VerifyMode::Unchecked => {
                tracing::warn!(
                    server = %server_name.to_str(),
                    "TLS certificate check skipped on request: the server's identity is \
                     not verified"
                );
                Ok(ServerCertVerified::assertion())
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        match &self.mode {
            VerifyMode::Platform(verifier) => verifier.verify_tls12_signature(message, cert, dss),
            _ => rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms),
        }
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        match &self.mode {
            VerifyMode::Platform(verifier) => verifier.verify_tls13_signature(message, cert, dss),
            _ => rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms),
        }
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        match &self.mode {
            VerifyMode::Platform(verifier) => verifier.supported_verify_schemes(),
            _ => self.algorithms.supported_schemes(),
        }
    }
}

/// Verification for a CA file where the platform verifier is WebPKI
/// (see [`PLATFORM_VERIFIER_IS_WEBPKI`]).
///
/// Loading and parsing the operating system's trust store costs a few
/// milliseconds of CPU per process, which is a large share of a one-shot
/// lookup. A certificate that chains to a CA file root is accepted by
/// WebPKI over those roots alone, and WebPKI over more roots would accept
/// it too. Any other certificate goes to the platform verifier, loaded on
/// first use, and its result is final. So the outcome is the platform
/// verifier's in every case.
struct CaFileFirst {
    ca_file: Arc<WebPkiServerVerifier>,
    extra_roots: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
    platform: OnceLock<Result<Arc<PlatformVerifier>, String>>,
}

impl CaFileFirst {
    fn new(
        extra_roots: Vec<CertificateDer<'static>>,
        provider: &Arc<CryptoProvider>,
    ) -> Result<CaFileFirst, String> {
        let mut roots = RootCertStore::empty();
        for certificate in &extra_roots {
            roots.add(certificate.clone()).map_err(|e| e.to_string())?;
        }
        let ca_file =
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| e.to_string())?;
        Ok(CaFileFirst {
            ca_file,
            extra_roots,
            provider: provider.clone(),
            platform: OnceLock::new(),
        })
    }

    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let by_ca_file = self.ca_file.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        if by_ca_file.is_ok() {
            return by_ca_file;
        }
        tracing::debug!(
            server = %server_name.to_str(),
            "server certificate does not chain to the CA file; checking the system trust store"
        );
        self.platform()?.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )
    }

    fn platform(&self) -> Result<&PlatformVerifier, rustls::Error> {
        let platform = self.platform.get_or_init(|| {
            PlatformVerifier::new_with_extra_roots(self.extra_roots.clone(), self.provider.clone())
                .map(Arc::new)
                .map_err(|e| e.to_string())
        });
        match platform {
            Ok(verifier) => Ok(verifier),
            Err(reason) => Err(rustls::Error::General(format!(
                "cannot load the system trust store: {reason}"
            ))),
        }
    }
}

/// A ureq connector that wraps the chained TCP transport in TLS with this
/// crate's rustls configuration (ureq's own TLS connector only offers its
/// built-in verification modes).
pub(crate) struct TlsConnector {
    /// The rustls configuration, `None` for a plain `http://` base URL.
    pub(crate) config: Option<Arc<rustls::ClientConfig>>,
}

impl fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConnector").finish()
    }
}

impl<In: Transport> Connector<In> for TlsConnector {
    type Out = Either<In, TlsTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else {
            return Ok(None);
        };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let Some(config) = &self.config else {
            return Err(ureq::Error::Tls(
                "TLS is not configured for a plain http:// base URL",
            ));
        };

        let host = details
            .uri
            .host()
            .unwrap_or_default()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let server_name =
            ServerName::try_from(host).map_err(|_| ureq::Error::Tls("invalid TLS server name"))?;
        let mut connection = ClientConnection::new(config.clone(), server_name)?;
        let boxed: Box<dyn Transport> = Box::new(transport);
        let mut adapter = TransportAdapter::new(boxed, details.current_time.clone());
        adapter.set_timeout(details.timeout);
        connection.complete_io(&mut adapter)?;

        let buffers = LazyBuffers::new(
            details.config.input_buffer_size(),
            details.config.output_buffer_size(),
        );
        Ok(Some(Either::B(TlsTransport {
            buffers,
            stream: StreamOwned::new(connection, adapter),
        })))
    }
}

/// An established TLS connection as a ureq transport.
pub(crate) struct TlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsTransport").finish()
    }
}

impl Transport for TlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = &self.buffers.output()[..amount];
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let amount = self.stream.read(input)?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

    /// Returns a CA certificate (PEM) and a certificate for 127.0.0.1 that
    /// it issued.
    fn ca_and_server_certificate() -> (String, CertificateDer<'static>) {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "psr-client unit test CA");
        let ca_certificate = ca_params.self_signed(&ca_key).expect("CA certificate");
        let issuer = Issuer::new(ca_params, ca_key);

        let key = KeyPair::generate().expect("key");
        let params = CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("params");
        let certificate = params.signed_by(&key, &issuer).expect("certificate");
        (ca_certificate.pem(), certificate.der().clone())
    }

    fn self_signed_certificate() -> CertificateDer<'static> {
        let key = KeyPair::generate().expect("key");
        let params = CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("params");
        params.self_signed(&key).expect("certificate").der().clone()
    }

    /// Builds the verifier for a CA file with `pem`, written to a file
    /// named after `test`.
    fn verifier_for_ca_file(test: &str, pem: &str) -> CertificateVerifier {
        let path =
            std::env::temp_dir().join(format!("psr-client-{test}-{}.pem", std::process::id()));
        std::fs::write(&path, pem).expect("write CA file");
        let options = TlsOptions {
            ca_file: Some(path.clone()),
            ..TlsOptions::default()
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = certificate_verifier(&options, &provider);
        let _ = std::fs::remove_file(&path);
        verifier.expect("verifier")
    }

    fn verify(verifier: &CertificateVerifier, certificate: &CertificateDer<'_>) -> bool {
        let server_name = ServerName::try_from("127.0.0.1").expect("server name");
        verifier
            .verify_server_cert(certificate, &[], &server_name, &[], UnixTime::now())
            .is_ok()
    }

    #[test]
    fn ca_file_chain_skips_system_store() {
        let (ca_pem, certificate) = ca_and_server_certificate();
        let verifier = verifier_for_ca_file("ca-first-accepts", &ca_pem);
        assert!(verify(&verifier, &certificate));
        let ca_file_first = matches!(verifier.mode, VerifyMode::CaFileFirst(_));
        assert_eq!(ca_file_first, PLATFORM_VERIFIER_IS_WEBPKI, "verify mode");
        if let VerifyMode::CaFileFirst(mode) = &verifier.mode {
            assert!(mode.platform.get().is_none(), "system store was loaded");
        }
    }

    #[test]
    fn oversized_ca_file_rejected() {
        let path = std::env::temp_dir().join(format!("psr-client-big-{}.pem", std::process::id()));
        std::fs::write(&path, vec![b'A'; (MAX_CA_FILE_BYTES + 1) as usize]).expect("write");
        let error = read_ca_file(&path).expect_err("too large");
        let _ = std::fs::remove_file(&path);
        assert!(error.to_string().contains("larger than 8 MiB"), "{error}");
    }

    #[test]
    fn damaged_ca_certificate_named() {
        let (ca_pem, _) = ca_and_server_certificate();
        let damaged =
            "-----BEGIN CERTIFICATE-----\nMIIBAAAAAAAAAAAAAAAAAAAA\n-----END CERTIFICATE-----\n";
        let path =
            std::env::temp_dir().join(format!("psr-client-damaged-{}.pem", std::process::id()));
        std::fs::write(&path, format!("{ca_pem}{damaged}")).expect("write CA file");
        let options = TlsOptions {
            ca_file: Some(path.clone()),
            ..TlsOptions::default()
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let result = certificate_verifier(&options, &provider);
        let _ = std::fs::remove_file(&path);

        let error = result.expect_err("the second certificate is damaged");
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
        let message = error.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(
            message.contains("certificate 2 of 2 in it could not be parsed"),
            "{message}"
        );
        assert!(message.contains("BadEncoding"), "{message}");
        assert!(!message.contains("peer"), "{message}");
    }

    #[test]
    fn ca_file_other_issuer_rejected() {
        let (ca_pem, _) = ca_and_server_certificate();
        let verifier = verifier_for_ca_file("ca-first-rejects", &ca_pem);
        assert!(!verify(&verifier, &self_signed_certificate()));
        if let VerifyMode::CaFileFirst(mode) = &verifier.mode {
            assert!(
                mode.platform.get().is_some(),
                "system store was not consulted"
            );
        }
    }
}
