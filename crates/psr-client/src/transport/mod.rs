//! HTTP transport: one agent per session, JSON requests, status mapping,
//! retries and the overall deadline.
//!
//! Logging contract: each request logs its method name, status, elapsed
//! time and session id at debug level, and each retry at info level.
//! Bodies, header values, keys and tokens are never logged.

pub(crate) mod deadline;
mod proxy;
pub(crate) mod tls;
mod url;

use std::time::{Duration, Instant};

use psr_crypto::SecretString;
use serde_json::Value;
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{ConnectProxyConnector, Connector, TcpConnector};
use ureq::Agent;
use zeroize::Zeroizing;

use crate::api::ApiMethod;
use crate::config::ClientConfig;
use crate::error::{shorten, Error};
use deadline::Deadline;
use tls::{hex, PinMismatch, TlsConnector};

/// Retries after the first attempt, for idempotent requests only.
const MAX_RETRIES: usize = 2;
/// Pause before the first and the second retry.
const RETRY_BACKOFF: [Duration; MAX_RETRIES] =
    [Duration::from_millis(200), Duration::from_millis(600)];
/// Maximum length of a server-provided message in an error.
const MAX_MESSAGE_CHARS: usize = 300;

/// The headers that authenticate `WebService` requests after login.
pub(crate) struct SessionHeaders {
    /// Session id, logged with each request (not a secret).
    pub(crate) session_id: String,
    /// Value of the `token2` header: base64 of the session-token JSON.
    pub(crate) token2: SecretString,
    /// Value of the `ApiKeyToken` header: the JWT.
    pub(crate) api_key_token: SecretString,
    /// Value of the `CSRF-Token` header.
    pub(crate) csrf_token: SecretString,
}

/// Sends API requests to one server.
pub(crate) struct HttpClient {
    agent: Agent,
    base_url: String,
    connect_timeout: Duration,
    max_response_bytes: u64,
    /// `host:port` of the proxy in use, named in connection errors.
    proxy_address: Option<String>,
}

impl HttpClient {
    /// Validates the URL, TLS and proxy settings and builds the agent.
    pub(crate) fn new(config: &ClientConfig) -> Result<HttpClient, Error> {
        let base_url = url::normalize_base_url(&config.url, config.allow_insecure_http)?;
        if config.timeout.is_zero() {
            return Err(Error::InvalidConfig {
                setting: "timeout",
                reason: "the timeout is 0 seconds and must be greater than zero".to_string(),
            });
        }
        if config.connect_timeout.is_zero() {
            return Err(Error::InvalidConfig {
                setting: "connectTimeout",
                reason: "the connect timeout is 0 seconds and must be greater than zero"
                    .to_string(),
            });
        }
        let host = url::host_of(&base_url);
        let proxy =
            proxy::select_proxy(&config.proxy, config.no_proxy.as_deref(), &base_url, &host)?;
        let proxy_address = proxy
            .as_ref()
            .map(|proxy| format!("{}:{}", proxy.host(), proxy.port()));
        let tls_config = if base_url.starts_with("https://") {
            Some(tls::client_config(&config.tls)?)
        } else {
            None
        };

        let agent_config = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(proxy)
            .user_agent(format!("{}/{}", config.client_type, config.client_version))
            .timeout_connect(Some(config.connect_timeout))
            .build();
        let connector =
            ().chain(ConnectProxyConnector::default())
                .chain(TcpConnector::default())
                .chain(TlsConnector { config: tls_config });
        let agent = Agent::with_parts(agent_config, connector, DefaultResolver::default());

        Ok(HttpClient {
            agent,
            base_url,
            connect_timeout: config.connect_timeout,
            max_response_bytes: config.max_response_bytes,
            proxy_address,
        })
    }

    /// Returns the normalised base URL, ending in `/`.
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Returns the full URL of a method.
    pub(crate) fn url_for(&self, method: ApiMethod) -> String {
        format!("{}{}", self.base_url, method.path())
    }

    /// Sends one API call and returns the parsed JSON body (`None` for an
    /// empty body or JSON `null`).
    ///
    /// Session headers go only to `WebService` methods. Idempotent methods
    /// are retried up to twice after a connection failure or a 502/503
    /// response, never past the deadline.
    pub(crate) fn call(
        &self,
        method: ApiMethod,
        body: &Value,
        session: Option<&SessionHeaders>,
        deadline: &Deadline,
    ) -> Result<Option<Value>, Error> {
        let url = self.url_for(method);
        let session = if method.is_login_step() {
            None
        } else {
            session
        };
        let body_bytes = if method.is_post() {
            let bytes = serde_json::to_vec(body).map_err(|e| Error::UnexpectedResponse {
                url: url.clone(),
                detail: format!("cannot serialise the request body: {e}"),
            })?;
            Some(Zeroizing::new(bytes))
        } else {
            None
        };

        let mut retries = 0;
        loop {
            let result = self.send_once(
                method,
                &url,
                body_bytes.as_ref().map(|bytes| bytes.as_slice()),
                session,
                deadline,
            );
            match result {
                Err(error)
                    if method.is_idempotent() && error.is_retryable() && retries < MAX_RETRIES =>
                {
                    let backoff = RETRY_BACKOFF[retries];
                    if deadline.remaining() <= backoff {
                        return Err(error);
                    }
                    retries += 1;
                    tracing::info!(
                        method = method.name(),
                        retry = retries,
                        backoff_ms = backoff.as_millis() as u64,
                        error = %error,
                        "retrying request"
                    );
                    std::thread::sleep(backoff);
                }
                other => return other,
            }
        }
    }

    fn send_once(
        &self,
        method: ApiMethod,
        url: &str,
        body: Option<&[u8]>,
        session: Option<&SessionHeaders>,
        deadline: &Deadline,
    ) -> Result<Option<Value>, Error> {
        let remaining = deadline.remaining();
        if remaining.is_zero() {
            return Err(Error::Timeout {
                url: url.to_string(),
                timeout: deadline.budget(),
            });
        }
        let connect_timeout = self.connect_timeout.min(remaining);
        let session_id = session.map(|s| s.session_id.as_str()).unwrap_or("");
        let started = Instant::now();

        let result = match body {
            Some(body) => {
                let request = with_headers(self.agent.post(url), session)
                    .config()
                    .timeout_global(Some(remaining))
                    .timeout_connect(Some(connect_timeout))
                    .build();
                request.send(body)
            }
            None => {
                let request = with_headers(self.agent.get(url), session)
                    .config()
                    .timeout_global(Some(remaining))
                    .timeout_connect(Some(connect_timeout))
                    .build();
                request.call()
            }
        };
        let mut response = match result {
            Ok(response) => response,
            Err(error) => {
                let error = map_ureq_error(error, url, deadline, self);
                tracing::debug!(
                    method = method.name(),
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    session_id,
                    error = %error,
                    "request failed"
                );
                return Err(error);
            }
        };

        let status = response.status().as_u16();
        let content_type = header_text(&response, "content-type");
        let location = header_text(&response, "location");
        let body = response
            .body_mut()
            .with_config()
            .limit(self.max_response_bytes)
            .read_to_vec()
            .map(Zeroizing::new)
            .map_err(|error| map_ureq_error(error, url, deadline, self));
        tracing::debug!(
            method = method.name(),
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            session_id,
            "request finished"
        );
        let body = body?;
        tracing::trace!(
            method = method.name(),
            response_bytes = body.len(),
            content_type = content_type.as_deref().unwrap_or(""),
            "response body read"
        );
        interpret_response(url, status, content_type.as_deref(), location, &body)
    }
}

fn with_headers<B>(
    request: ureq::RequestBuilder<B>,
    session: Option<&SessionHeaders>,
) -> ureq::RequestBuilder<B> {
    let request = request
        .header("Content-Type", "application/json")
        .header("Accept", "application/json");
    match session {
        Some(headers) => request
            .header("token2", headers.token2.expose_secret())
            .header("ApiKeyToken", headers.api_key_token.expose_secret())
            .header("CSRF-Token", headers.csrf_token.expose_secret()),
        None => request,
    }
}

fn header_text(response: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(|value| shorten(value, MAX_MESSAGE_CHARS))
}

fn map_ureq_error(
    error: ureq::Error,
    url: &str,
    deadline: &Deadline,
    client: &HttpClient,
) -> Error {
    if let Some(proxy) = &client.proxy_address {
        if let Some((detail, retryable)) = proxy_failure(&error, deadline, client) {
            return Error::ProxyConnect {
                url: url.to_string(),
                proxy: proxy.clone(),
                detail,
                retryable,
            };
        }
    }
    let connect = |detail: String| Error::Connect {
        url: url.to_string(),
        detail,
    };
    // The requests carry a validated URL and header values of base64
    // characters, so a protocol error comes from parsing the reply.
    let malformed = |detail: String| Error::MalformedResponse {
        url: url.to_string(),
        proxy: client.proxy_address.clone(),
        detail,
    };
    match error {
        ureq::Error::Timeout(ureq::Timeout::Connect) if !deadline.remaining().is_zero() => {
            connect(format!(
                "no connection within the connect timeout of {:.1} s",
                client.connect_timeout.as_secs_f64()
            ))
        }
        ureq::Error::Timeout(_) => Error::Timeout {
            url: url.to_string(),
            timeout: deadline.budget(),
        },
        ureq::Error::HostNotFound => connect("host name not found (DNS)".to_string()),
        ureq::Error::ConnectionFailed => connect("connection failed".to_string()),
        ureq::Error::Protocol(error) => malformed(error.to_string()),
        ureq::Error::LargeResponseHeader(_, limit) => {
            malformed(format!("the status line and headers exceed {limit} bytes"))
        }
        ureq::Error::BodyExceedsLimit(_) => Error::ResponseTooLarge {
            url: url.to_string(),
            limit: client.max_response_bytes,
        },
        ureq::Error::Rustls(error) => tls_error(url, &error),
        ureq::Error::Tls(message) => Error::Tls {
            url: url.to_string(),
            detail: message.to_string(),
        },
        ureq::Error::Io(error) => io_error(url, error, deadline),
        other => connect(other.to_string()),
    }
}

/// Describes an error that happened while connecting to the proxy or
/// opening the tunnel through it, and returns whether a retry may help.
/// Every TCP connection goes to the proxy when one is set, so a failed
/// connect is the proxy's. Returns `None` for errors after the tunnel is
/// open.
fn proxy_failure(
    error: &ureq::Error,
    deadline: &Deadline,
    client: &HttpClient,
) -> Option<(String, bool)> {
    if let ureq::Error::ConnectProxyFailed(reason) = error {
        let detail = format!(
            "the proxy did not open a tunnel to the server ({})",
            shorten(reason, MAX_MESSAGE_CHARS)
        );
        return Some((detail, !is_client_error_status(reason)));
    }
    let detail = match error {
        // The connect timeout also covers the CONNECT exchange and the TLS
        // handshake through the tunnel, so the server may be the slow one.
        ureq::Error::Timeout(ureq::Timeout::Connect) if !deadline.remaining().is_zero() => format!(
            "no connection to or through the proxy within the connect timeout of {:.1} s",
            client.connect_timeout.as_secs_f64()
        ),
        ureq::Error::HostNotFound => "the proxy's host name was not found (DNS)".to_string(),
        ureq::Error::ConnectionFailed => "the connection to the proxy failed".to_string(),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "the proxy refused the connection".to_string()
        }
        _ => return None,
    };
    Some((detail, true))
}

/// Tells whether ureq's CONNECT failure text, `proxy server responded
/// 407/407` in ureq 3.5, carries a 4xx status.
fn is_client_error_status(reason: &str) -> bool {
    reason
        .strip_prefix("proxy server responded ")
        .and_then(|rest| rest.split('/').next())
        .and_then(|status| status.parse::<u16>().ok())
        .is_some_and(|status| (400..500).contains(&status))
}

fn io_error(url: &str, error: std::io::Error, deadline: &Deadline) -> Error {
    if let Some(tls) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return tls_error(url, tls);
    }
    use std::io::ErrorKind;
    let detail = match error.kind() {
        ErrorKind::TimedOut | ErrorKind::WouldBlock => {
            return Error::Timeout {
                url: url.to_string(),
                timeout: deadline.budget(),
            }
        }
        ErrorKind::ConnectionRefused => "connection refused".to_string(),
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => {
            "the server closed the connection".to_string()
        }
        ErrorKind::UnexpectedEof => {
            "the connection ended before the response was complete".to_string()
        }
        _ => error.to_string(),
    };
    Error::Connect {
        url: url.to_string(),
        detail,
    }
}

fn tls_error(url: &str, error: &rustls::Error) -> Error {
    // rustls reports bytes that do not start a TLS record, such as an HTTP
    // status line, as an invalid content type. Other invalid messages come
    // from a TLS peer and keep the general TLS error.
    if let rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType) = error {
        return Error::NotTls {
            url: url.to_string(),
            detail: error.to_string(),
        };
    }
    if let rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other)) = error {
        if let Some(mismatch) = other.0.downcast_ref::<PinMismatch>() {
            return Error::CertificatePinMismatch {
                url: url.to_string(),
                found: hex(&mismatch.found),
            };
        }
    }
    Error::Tls {
        url: url.to_string(),
        detail: error.to_string(),
    }
}

/// Removes one leading UTF-8 byte-order mark.
fn strip_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
}

/// Maps a status and body to the parsed JSON value or an error.
pub(crate) fn interpret_response(
    url: &str,
    status: u16,
    content_type: Option<&str>,
    location: Option<String>,
    body: &[u8],
) -> Result<Option<Value>, Error> {
    let body = strip_bom(body);
    match status {
        200 => parse_json(url, status, content_type, body),
        401 => Err(Error::Unauthorized {
            url: url.to_string(),
        }),
        403 => Err(Error::Forbidden {
            url: url.to_string(),
        }),
        500 => Err(server_exception(url, content_type, body)),
        502 | 503 => Err(Error::ServerUnavailable {
            url: url.to_string(),
            status,
        }),
        _ => Err(Error::UnexpectedStatus {
            url: url.to_string(),
            status,
            location: location.filter(|_| (300..400).contains(&status)),
        }),
    }
}

fn parse_json(
    url: &str,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Option<Value>, Error> {
    let Some(first) = body.iter().copied().find(|b| !b.is_ascii_whitespace()) else {
        return Ok(None);
    };
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Null) => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(error) => {
            let html = first == b'<'
                || content_type.is_some_and(|c| c.to_ascii_lowercase().contains("html"));
            let json_start = matches!(
                first,
                b'{' | b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n'
            );
            if html || !json_start {
                return Err(Error::NotJson {
                    url: url.to_string(),
                    status,
                    content_type: content_type.map(str::to_string),
                    html,
                });
            }
            let detail = if error.is_eof() {
                format!("the body ends early, it looks truncated ({error})")
            } else {
                error.to_string()
            };
            Err(Error::InvalidJson {
                url: url.to_string(),
                detail,
            })
        }
    }
}

/// Exception codes that mean the session is gone.
const SESSION_LOST_CODES: [i64; 3] = [110002, 110012, 540007];
/// Exception code `Unauthorized`.
const CODE_UNAUTHORIZED: i64 = 1300004;
/// Exception code `Forbidden`.
const CODE_FORBIDDEN: i64 = 1300007;

fn server_exception(url: &str, content_type: Option<&str>, body: &[u8]) -> Error {
    let value = match parse_json(url, 500, content_type, body) {
        Ok(Some(value)) => value,
        Ok(None) => {
            return Error::UnexpectedStatus {
                url: url.to_string(),
                status: 500,
                location: None,
            }
        }
        Err(error) => return error,
    };
    let code = value.get("ExceptionCode").and_then(|code| match code {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    });
    let message = ["Message", "message", "txt"]
        .iter()
        .find_map(|name| value.get(*name).and_then(Value::as_str))
        .filter(|text| !text.trim().is_empty())
        .map(|text| shorten(text, MAX_MESSAGE_CHARS));
    match code {
        Some(code) if SESSION_LOST_CODES.contains(&code) => Error::SessionInvalid {
            url: url.to_string(),
            code,
        },
        Some(CODE_UNAUTHORIZED) => Error::Unauthorized {
            url: url.to_string(),
        },
        Some(CODE_FORBIDDEN) => Error::Forbidden {
            url: url.to_string(),
        },
        _ => Error::ServerError {
            url: url.to_string(),
            code,
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// Starts an HTTP server that closes its first connection without a
    /// response and returns `7` on later ones. Returns the port and the
    /// number of accepted connections.
    fn flaky_server() -> (u16, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if counter.fetch_add(1, Ordering::SeqCst) == 0 {
                    drop(stream);
                    continue;
                }
                let _ = respond(stream);
            }
        });
        (port, accepted)
    }

    fn respond(mut stream: std::net::TcpStream) -> std::io::Result<()> {
        read_request(&stream)?;
        stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\n7")
    }

    /// Reads one request: the request line, the headers and a body of
    /// `Content-Length` bytes.
    fn read_request(stream: &std::net::TcpStream) -> std::io::Result<()> {
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            if line.trim().is_empty() {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)
    }

    /// Builds a client for an HTTPS server that nothing listens on, reached
    /// through the HTTP proxy at `proxy_port`.
    fn proxied_client(proxy_port: u16) -> HttpClient {
        HttpClient::new(&ClientConfig {
            url: "https://127.0.0.1:9/api/".into(),
            proxy: crate::ProxySetting::Url(format!("http://127.0.0.1:{proxy_port}")),
            ..ClientConfig::default()
        })
        .expect("client")
    }

    fn client(port: u16) -> HttpClient {
        HttpClient::new(&ClientConfig {
            url: format!("http://127.0.0.1:{port}/api/"),
            allow_insecure_http: true,
            proxy: crate::ProxySetting::None,
            ..ClientConfig::default()
        })
        .expect("client")
    }

    #[test]
    fn dropped_connection_is_retried_for_reads() {
        let (port, accepted) = flaky_server();
        let deadline = Deadline::after(Duration::from_secs(5));

        let value = client(port)
            .call(
                ApiMethod::GetContainerCount,
                &serde_json::json!({}),
                None,
                &deadline,
            )
            .expect("the retry succeeds");

        assert_eq!(value, Some(serde_json::json!(7)));
        assert_eq!(accepted.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn dropped_connection_is_final_for_secret_reads() {
        let (port, accepted) = flaky_server();
        let deadline = Deadline::after(Duration::from_secs(5));

        let result = client(port).call(
            ApiMethod::GetContainerItemWithSecretValue,
            &serde_json::json!({}),
            None,
            &deadline,
        );

        assert!(matches!(result, Err(Error::Connect { .. })), "{result:?}");
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn expired_deadline_sends_nothing() {
        let (port, accepted) = flaky_server();
        let deadline = Deadline::after(Duration::ZERO);

        let result = client(port).call(
            ApiMethod::GetContainerCount,
            &serde_json::json!({}),
            None,
            &deadline,
        );

        assert!(matches!(result, Err(Error::Timeout { .. })), "{result:?}");
        assert_eq!(accepted.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn proxy_auth_failure_is_not_retried() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let proxy_port = listener.local_addr().expect("address").port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                counter.fetch_add(1, Ordering::SeqCst);
                // The whole CONNECT request is read, so that closing the
                // socket afterwards does not reset the connection.
                let _ = read_request(&stream);
                let _ = stream.write_all(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n",
                );
            }
        });
        let http = proxied_client(proxy_port);
        let deadline = Deadline::after(Duration::from_secs(5));

        let error = http
            .call(
                ApiMethod::GetContainerCount,
                &serde_json::json!({}),
                None,
                &deadline,
            )
            .expect_err("the proxy rejects the tunnel");

        assert!(
            matches!(
                error,
                Error::ProxyConnect {
                    retryable: false,
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn proxy_status_text_is_read() {
        assert!(is_client_error_status("proxy server responded 407/407"));
        assert!(!is_client_error_status("proxy server responded 502/502"));
        assert!(!is_client_error_status("proxy server did not respond"));
    }

    #[test]
    fn refused_proxy_is_named() {
        let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
        let proxy_port = closed.local_addr().expect("address").port();
        drop(closed);
        let http = proxied_client(proxy_port);
        let deadline = Deadline::after(Duration::from_secs(5));

        let error = http
            .call(
                ApiMethod::AuthenticateApiKey,
                &serde_json::json!({}),
                None,
                &deadline,
            )
            .expect_err("the proxy port is closed");

        match &error {
            Error::ProxyConnect { proxy, detail, .. } => {
                assert_eq!(proxy, &format!("127.0.0.1:{proxy_port}"));
                assert!(detail.contains("refused"), "{detail}");
            }
            other => panic!("expected ProxyConnect, got {other:?}"),
        }
        let message = error.to_string();
        assert!(
            message.contains(&format!("proxy 127.0.0.1:{proxy_port}")),
            "{message}"
        );
        assert_eq!(error.class(), crate::ErrorClass::Connection);
    }

    /// Starts a server that sends `reply` after the first request on
    /// every connection, or after the first bytes when they are not an
    /// HTTP request (a TLS ClientHello). Returns the port.
    fn raw_server(reply: &'static [u8]) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut first = [0u8; 1];
                if stream.peek(&mut first).is_ok_and(|n| n == 1) && first[0] == 0x16 {
                    let mut hello = [0u8; 4096];
                    let _ = stream.read(&mut hello);
                } else {
                    let _ = read_request(&stream);
                }
                let _ = stream.write_all(reply);
            }
        });
        port
    }

    fn call_once(url: String) -> Error {
        let http = HttpClient::new(&ClientConfig {
            url,
            allow_insecure_http: true,
            proxy: crate::ProxySetting::None,
            ..ClientConfig::default()
        })
        .expect("client");
        let deadline = Deadline::after(Duration::from_secs(5));
        http.call(
            ApiMethod::AuthenticateApiKey,
            &serde_json::json!({}),
            None,
            &deadline,
        )
        .expect_err("the reply is not usable")
    }

    #[test]
    fn plain_http_on_https_url_is_not_tls() {
        let port = raw_server(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");

        let error = call_once(format!("https://127.0.0.1:{port}/api/"));

        assert!(matches!(error, Error::NotTls { .. }), "{error:?}");
        assert_eq!(error.class(), crate::ErrorClass::Connection);
        let message = error.to_string();
        assert!(message.contains("does not seem to speak TLS"), "{message}");
        assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
        assert!(message.contains("Check the port"), "{message}");
        assert!(message.contains("http:// URL"), "{message}");
        assert!(!message.contains("issuing CA"), "{message}");
    }

    #[test]
    fn malformed_framing_is_server_error() {
        let cases: [(&str, &'static [u8], &str); 4] = [
            (
                "bad status line",
                b"HTTX/1.1 2OO OK\r\nContent-Length: 2\r\n\r\n{}",
                "invalid HTTP version",
            ),
            (
                "conflicting Content-Length",
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}",
                "conflicting content-length headers",
            ),
            (
                "headers over the limit",
                OVERSIZED_HEADERS.as_slice(),
                "exceed 65536 bytes",
            ),
            (
                "bad chunk size",
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
                "chunk length",
            ),
        ];
        for (name, reply, detail) in cases {
            let port = raw_server(reply);

            let error = call_once(format!("http://127.0.0.1:{port}/api/"));

            assert!(
                matches!(error, Error::MalformedResponse { .. }),
                "{name}: {error:?}"
            );
            assert_eq!(error.class(), crate::ErrorClass::Server, "{name}");
            let message = error.to_string();
            let url = format!("http://127.0.0.1:{port}/api/Auth/AuthenticateApiKey");
            assert!(message.contains(&url), "{name}: {message}");
            assert!(message.contains("is malformed"), "{name}: {message}");
            assert!(message.contains(detail), "{name}: {message}");
            assert!(message.contains("use an https:// URL"), "{name}: {message}");
            assert!(!message.contains("DNS"), "{name}: {message}");
        }
    }

    #[test]
    fn garbled_proxy_reply_names_proxy() {
        let proxy_port = raw_server(b"SSH-2.0-OpenSSH_9.6\r\n\r\n");
        let http = proxied_client(proxy_port);
        let deadline = Deadline::after(Duration::from_secs(5));

        let error = http
            .call(
                ApiMethod::AuthenticateApiKey,
                &serde_json::json!({}),
                None,
                &deadline,
            )
            .expect_err("the proxy reply is not HTTP");

        assert!(
            matches!(error, Error::MalformedResponse { .. }),
            "{error:?}"
        );
        let message = error.to_string();
        let proxy = format!("received through the proxy 127.0.0.1:{proxy_port}");
        assert!(message.contains(&proxy), "{message}");
    }

    /// A response whose one header line is larger than ureq's default
    /// limit of 64 KiB for the status line and headers.
    static OVERSIZED_HEADERS: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
        let mut reply = b"HTTP/1.1 200 OK\r\nX-Padding: ".to_vec();
        reply.extend(std::iter::repeat_n(b'a', 100 * 1024));
        reply.extend_from_slice(b"\r\nContent-Length: 2\r\n\r\n{}");
        reply
    });

    #[test]
    fn zero_timeouts_name_value_and_unit() {
        let zero_timeout = ClientConfig {
            url: "https://127.0.0.1:9/api/".into(),
            timeout: Duration::ZERO,
            ..ClientConfig::default()
        };
        let zero_connect_timeout = ClientConfig {
            url: "https://127.0.0.1:9/api/".into(),
            connect_timeout: Duration::ZERO,
            ..ClientConfig::default()
        };
        for (config, setting) in [
            (zero_timeout, "timeout"),
            (zero_connect_timeout, "connectTimeout"),
        ] {
            let error = HttpClient::new(&config).err().expect("zero is rejected");
            assert!(
                matches!(&error, Error::InvalidConfig { setting: s, .. } if *s == setting),
                "{error:?}"
            );
            assert!(error.to_string().contains("is 0 seconds"), "{error}");
        }
    }

    const URL: &str = "https://pws.example.test/api/WebService/GetContainerList";

    fn interpret(status: u16, body: &str) -> Result<Option<Value>, Error> {
        interpret_response(URL, status, Some("application/json"), None, body.as_bytes())
    }

    #[test]
    fn ok_body_with_bom_parses() {
        let value = interpret(200, "\u{feff}{\"a\":1}").expect("parses");
        assert_eq!(value, Some(serde_json::json!({"a": 1})));
    }

    #[test]
    fn only_one_bom_is_stripped() {
        let result = interpret(200, "\u{feff}\u{feff}{}");
        assert!(matches!(result, Err(Error::NotJson { .. })), "{result:?}");
    }

    #[test]
    fn empty_and_null_bodies_are_none() {
        assert_eq!(interpret(200, "").expect("empty"), None);
        assert_eq!(interpret(200, " null ").expect("null"), None);
    }

    #[test]
    fn html_body_is_not_json_with_hint() {
        let error =
            interpret_response(URL, 200, Some("text/html"), None, b"<html></html>").unwrap_err();
        assert!(
            matches!(error, Error::NotJson { html: true, .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("/api/"), "{error}");
    }

    #[test]
    fn truncated_json_is_reported() {
        let error = interpret(200, "{\"Items\":[{\"Id\":").unwrap_err();
        assert!(matches!(error, Error::InvalidJson { .. }), "{error:?}");
        assert!(error.to_string().contains("truncated"), "{error}");
    }

    #[test]
    fn server_exception_reads_code_and_message() {
        for field in ["Message", "message", "txt"] {
            let body = format!("{{\"ExceptionCode\":30011,\"{field}\":\"No key\"}}");
            match interpret(500, &body) {
                Err(Error::ServerError { code, message, .. }) => {
                    assert_eq!(code, Some(30011));
                    assert_eq!(message.as_deref(), Some("No key"));
                }
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn session_loss_codes_map_to_session_invalid() {
        for code in SESSION_LOST_CODES {
            let body = format!("{{\"ExceptionCode\":{code}}}");
            let error = interpret(500, &body).unwrap_err();
            assert!(
                matches!(error, Error::SessionInvalid { .. }),
                "{code}: {error:?}"
            );
        }
        let error = interpret(500, "{\"ExceptionCode\":1300004}").unwrap_err();
        assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
        let error = interpret(500, "{\"ExceptionCode\":1300007}").unwrap_err();
        assert!(matches!(error, Error::Forbidden { .. }), "{error:?}");
    }

    #[test]
    fn empty_500_is_unexpected_status() {
        let error = interpret(500, "").unwrap_err();
        assert!(
            matches!(error, Error::UnexpectedStatus { status: 500, .. }),
            "{error:?}"
        );
    }

    #[test]
    fn statuses_map_to_errors() {
        assert!(matches!(
            interpret(401, "x"),
            Err(Error::Unauthorized { .. })
        ));
        assert!(matches!(interpret(403, ""), Err(Error::Forbidden { .. })));
        assert!(matches!(
            interpret(502, ""),
            Err(Error::ServerUnavailable { status: 502, .. })
        ));
        assert!(matches!(
            interpret(503, ""),
            Err(Error::ServerUnavailable { status: 503, .. })
        ));
        assert!(matches!(
            interpret(404, ""),
            Err(Error::UnexpectedStatus { status: 404, .. })
        ));
    }

    #[test]
    fn redirect_names_its_target() {
        let error = interpret_response(
            URL,
            301,
            None,
            Some("https://other.example.test/api/".into()),
            b"",
        )
        .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("https://other.example.test/api/"),
            "{error}"
        );
    }
}
