//! TLS on rustls: certificate verification modes and the ureq connector
//! that applies them.

use std::fmt;
use std::io::{BufReader, Read, Write};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::{CertificateError, ClientConnection, DigitallySignedStruct, OtherError, StreamOwned};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use sha2::{Digest, Sha256};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
    TransportAdapter,
};

use crate::config::TlsOptions;
use crate::error::Error;

/// Builds the rustls client configuration for the given options, with the
/// ring crypto provider.
pub(crate) fn client_config(options: &TlsOptions) -> Result<Arc<rustls::ClientConfig>, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
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
        let verifier = if extra_roots.is_empty() {
            rustls_platform_verifier::Verifier::new(provider.clone())
        } else {
            rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider.clone())
        }
        .map_err(|e| Error::InvalidConfig {
            setting: "caFile",
            reason: format!("cannot set up certificate verification: {e}"),
        })?;
        VerifyMode::Platform(Arc::new(verifier))
    };

    let verifier = CertificateVerifier {
        mode,
        algorithms: provider.signature_verification_algorithms,
    };
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

fn read_ca_file(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>, Error> {
    let invalid = |reason: String| Error::InvalidConfig {
        setting: "caFile",
        reason: format!("{}: {reason}", path.display()),
    };
    let file = std::fs::File::open(path).map_err(|e| invalid(format!("cannot open it ({e})")))?;
    let certificates = rustls_pemfile::certs(&mut BufReader::new(file))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("cannot read PEM certificates ({e})")))?;
    if certificates.is_empty() {
        return Err(invalid(
            "contains no PEM certificate (BEGIN CERTIFICATE)".to_string(),
        ));
    }
    Ok(certificates)
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
    Platform(Arc<rustls_platform_verifier::Verifier>),
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
                    "TLS certificate check skipped (dangerous_skip_certificate_check): \
                     the server's identity is not verified"
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
