//! A small HTTP/1.1 server: a thread per connection, keep-alive,
//! `Content-Length` and chunked request bodies, optional TLS, and the
//! connection-level faults (hang, reset, truncated and oversized bodies).
//!
//! It is hand-written instead of built on a framework so that faults can
//! break the protocol on purpose.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustls::{ServerConfig, ServerConnection, StreamOwned};

use crate::api::Service;
use crate::error::SimError;

/// Maximum size of a request line plus headers.
const MAX_HEADER_BYTES: u64 = 64 * 1024;
/// Maximum size of a request body.
const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Time a keep-alive connection may stay idle, and the limit of one read.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Time a client has to send one whole request once it started.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Limit of one write; a client that stops reading is dropped after it.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Read timeout while a hang fault waits for the client to give up.
const HANG_POLL: Duration = Duration::from_millis(100);
/// Maximum number of open connections. Further connections get a 503
/// response and are closed.
const MAX_CONNECTIONS: usize = 512;

/// A parsed HTTP request.
pub(crate) struct Request {
    pub method: String,
    pub path: String,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    keep_alive: bool,
}

impl Request {
    /// Returns the first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// A complete response.
pub(crate) struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

/// Next step of a connection after a request.
pub(crate) enum Outcome {
    Respond(Response),
    /// Send no response and wait until the client closes.
    Hang,
    /// Close with a TCP reset.
    Reset,
    /// Send the response with a `Content-Length` larger than the body,
    /// then close after half of the body.
    Truncated(Response),
    /// Stream this many bytes of JSON-like text.
    Oversized(u64),
}

/// Failure to read a request.
enum ReadError {
    /// Malformed request: respond 400 and close.
    BadRequest(&'static str),
    /// Headers or body over the limit: respond with this status and close.
    TooLarge(u16),
    /// Connection closed, timed out or broken: close silently.
    Io,
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> ReadError {
        ReadError::Io
    }
}

/// A plain or TLS connection.
enum Transport {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ServerConnection, TcpStream>>),
}

impl Read for Transport {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        match self {
            Transport::Plain(stream) => stream.read(buffer),
            Transport::Tls(stream) => stream.read(buffer),
        }
    }
}

impl Write for Transport {
    fn write(&mut self, buffer: &[u8]) -> io::Result<usize> {
        match self {
            Transport::Plain(stream) => stream.write(buffer),
            Transport::Tls(stream) => stream.write(buffer),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Transport::Plain(stream) => stream.flush(),
            Transport::Tls(stream) => stream.flush(),
        }
    }
}

/// A running server: the accept thread and the open connections.
pub(crate) struct Server {
    local_addr: SocketAddr,
    service: Arc<Service>,
    connections: Arc<Mutex<HashMap<u64, TcpStream>>>,
    accept_thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts accepting connections on `listener`, bound to `local_addr`.
    pub fn start(
        listener: TcpListener,
        local_addr: SocketAddr,
        service: Arc<Service>,
        tls: Option<Arc<ServerConfig>>,
    ) -> Result<Server, SimError> {
        let connections: Arc<Mutex<HashMap<u64, TcpStream>>> = Arc::default();
        let accept_thread = {
            let service = Arc::clone(&service);
            let connections = Arc::clone(&connections);
            std::thread::Builder::new()
                .name("psr-sim-accept".to_owned())
                .spawn(move || accept_loop(&listener, &service, &connections, tls.as_ref()))
                .map_err(SimError::Thread)?
        };
        Ok(Server {
            local_addr,
            service,
            connections,
            accept_thread: Some(accept_thread),
        })
    }

    /// Returns the bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, closes every open connection and waits for the
    /// accept thread.
    pub fn stop(&mut self) {
        let Some(thread) = self.accept_thread.take() else {
            return;
        };
        self.service.shutdown.store(true, Ordering::SeqCst);
        // Wake the blocking accept() with a connection of our own.
        let mut wake = self.local_addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(match wake {
                SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
        let _ = thread.join();
        let open = lock(&self.connections);
        for stream in open.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn accept_loop(
    listener: &TcpListener,
    service: &Arc<Service>,
    connections: &Arc<Mutex<HashMap<u64, TcpStream>>>,
    tls: Option<&Arc<ServerConfig>>,
) {
    let next_id = AtomicU64::new(0);
    for stream in listener.incoming() {
        if service.shutdown.load(Ordering::SeqCst) {
            break;
        }
        let stream = match stream {
            Ok(stream) => stream,
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                // Out of file descriptors and similar: back off briefly.
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        let id = next_id.fetch_add(1, Ordering::Relaxed);
        {
            let mut open = lock(connections);
            if open.len() >= MAX_CONNECTIONS {
                tracing::warn!(
                    limit = MAX_CONNECTIONS,
                    "too many connections, responding 503"
                );
                let mut stream = stream;
                let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
                let _ = write_head(&mut stream, 503, "text/plain", 0, false);
                continue;
            }
            match stream.try_clone() {
                Ok(clone) => {
                    open.insert(id, clone);
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot track connection");
                    continue;
                }
            }
        }
        let service = Arc::clone(service);
        let connections_for_thread = Arc::clone(connections);
        let tls = tls.cloned();
        let spawned = std::thread::Builder::new()
            .name("psr-sim-connection".to_owned())
            .spawn(move || {
                serve_connection(stream, &service, tls);
                lock(&connections_for_thread).remove(&id);
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "cannot start a connection thread");
            lock(connections).remove(&id);
        }
    }
}

fn serve_connection(stream: TcpStream, service: &Service, tls: Option<Arc<ServerConfig>>) {
    let peer = stream
        .peer_addr()
        .map_or_else(|_| "unknown".to_owned(), |a| a.to_string());
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let Ok(control) = stream.try_clone() else {
        return;
    };

    let transport = match tls {
        None => Transport::Plain(stream),
        Some(config) => match handshake(stream, config, service) {
            Some(tls_stream) => Transport::Tls(Box::new(tls_stream)),
            None => return,
        },
    };
    let mut reader = BufReader::new(transport);

    loop {
        let request = match read_request(&mut reader) {
            Ok(Some(request)) => request,
            Ok(None) | Err(ReadError::Io) => break,
            Err(ReadError::BadRequest(why)) => {
                tracing::info!(%peer, why, "bad request");
                let _ = write_response(reader.get_mut(), &plain(400, why), false);
                break;
            }
            Err(ReadError::TooLarge(status)) => {
                tracing::info!(%peer, status, "request too large");
                let _ =
                    write_response(reader.get_mut(), &plain(status, "request too large"), false);
                break;
            }
        };
        if service.shutdown.load(Ordering::SeqCst) {
            break;
        }
        let started = Instant::now();
        let path = request
            .path
            .split('?')
            .next()
            .unwrap_or_default()
            .to_owned();
        let outcome = service.handle(&request);
        let elapsed_ms = started.elapsed().as_millis();
        match outcome {
            Outcome::Respond(response) => {
                tracing::info!(method = %request.method, %path, status = response.status, elapsed_ms, "request");
                if write_response(reader.get_mut(), &response, request.keep_alive).is_err()
                    || !request.keep_alive
                {
                    break;
                }
            }
            Outcome::Hang => {
                tracing::info!(method = %request.method, %path, "fault: hanging");
                hang(&mut reader, &control, service);
                return;
            }
            Outcome::Reset => {
                tracing::info!(method = %request.method, %path, "fault: resetting connection");
                let _ = socket2::SockRef::from(&control).set_linger(Some(Duration::ZERO));
                return;
            }
            Outcome::Truncated(response) => {
                tracing::info!(method = %request.method, %path, "fault: truncated body");
                // An empty body still announces bytes that never come.
                let declared = response.body.len().max(16) as u64;
                let half = response.body.len() / 2;
                let writer = reader.get_mut();
                let _ = write_head(
                    writer,
                    response.status,
                    response.content_type,
                    declared,
                    true,
                )
                .and_then(|()| writer.write_all(&response.body[..half]))
                .and_then(|()| writer.flush());
                // Close without a TLS close_notify, like a dropped link.
                let _ = control.shutdown(Shutdown::Both);
                return;
            }
            Outcome::Oversized(bytes) => {
                tracing::info!(method = %request.method, %path, bytes, "fault: oversized body");
                let _ = write_oversized(reader.get_mut(), bytes);
                let _ = control.shutdown(Shutdown::Both);
                return;
            }
        }
    }
    if let Transport::Tls(stream) = reader.get_mut() {
        stream.conn.send_close_notify();
        let _ = stream.flush();
    }
}

/// Completes the TLS handshake, delayed when a slow-handshake fault fires.
fn handshake(
    mut stream: TcpStream,
    config: Arc<ServerConfig>,
    service: &Service,
) -> Option<StreamOwned<ServerConnection, TcpStream>> {
    let delay = service.faults.plan_handshake();
    if !delay.is_zero() {
        tracing::info!(delay_ms = delay.as_millis(), "fault: slow TLS handshake");
        std::thread::sleep(delay);
    }
    let mut connection = match ServerConnection::new(config) {
        Ok(connection) => connection,
        Err(error) => {
            tracing::warn!(%error, "cannot create a TLS connection");
            return None;
        }
    };
    while connection.is_handshaking() {
        if let Err(error) = connection.complete_io(&mut stream) {
            tracing::info!(%error, "TLS handshake failed");
            return None;
        }
    }
    Some(StreamOwned::new(connection, stream))
}

/// Keeps the connection open without responding until the client closes it
/// or the simulator shuts down. Whatever the client sends is discarded.
fn hang(reader: &mut BufReader<Transport>, control: &TcpStream, service: &Service) {
    let _ = control.set_read_timeout(Some(HANG_POLL));
    let mut buffer = [0u8; 4096];
    while !service.shutdown.load(Ordering::SeqCst) {
        match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(_) => {}
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(_) => break,
        }
    }
}

/// Reads one request. `Ok(None)` means the client closed the connection
/// between requests.
fn read_request(reader: &mut BufReader<Transport>) -> Result<Option<Request>, ReadError> {
    let mut header_budget = MAX_HEADER_BYTES;
    // Empty lines before a request line are allowed.
    let request_line = loop {
        let Some(line) = read_line(reader, &mut header_budget)? else {
            return Ok(None);
        };
        if !line.is_empty() {
            break line;
        }
    };
    let started = Instant::now();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::BadRequest("malformed request line"));
    };
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(ReadError::BadRequest("unsupported HTTP version")),
    };
    if method.is_empty() || !target.starts_with('/') {
        return Err(ReadError::BadRequest("malformed request line"));
    }

    let mut headers = Vec::new();
    loop {
        if started.elapsed() > REQUEST_TIMEOUT {
            return Err(ReadError::Io);
        }
        let line = read_line(reader, &mut header_budget)?.ok_or(ReadError::Io)?;
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadError::BadRequest("malformed header line"));
        };
        if name.is_empty() || name.contains(|c: char| c.is_ascii_whitespace()) {
            return Err(ReadError::BadRequest("malformed header name"));
        }
        headers.push((name.to_owned(), value.trim().to_owned()));
    }

    let header = |name: &str| {
        headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    let connection = header("Connection").join(",").to_ascii_lowercase();
    let keep_alive = if http10 {
        connection.contains("keep-alive")
    } else {
        !connection.contains("close")
    };
    let chunked = header("Transfer-Encoding")
        .iter()
        .any(|v| v.to_ascii_lowercase().contains("chunked"));
    let lengths = header("Content-Length");
    let expect_continue = header("Expect")
        .iter()
        .any(|v| v.eq_ignore_ascii_case("100-continue"));

    let body_length = if chunked {
        None
    } else {
        match lengths.as_slice() {
            [] => Some(0),
            [first, rest @ ..] if rest.iter().all(|v| v == first) => Some(
                first
                    .parse::<usize>()
                    .map_err(|_| ReadError::BadRequest("invalid Content-Length"))?,
            ),
            _ => return Err(ReadError::BadRequest("conflicting Content-Length headers")),
        }
    };
    if body_length.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(ReadError::TooLarge(413));
    }
    if expect_continue && body_length != Some(0) {
        let writer = reader.get_mut();
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        writer.flush()?;
    }
    let body = match body_length {
        Some(length) => {
            let mut body = vec![0; length];
            reader.read_exact(&mut body)?;
            body
        }
        None => read_chunked(reader, started)?,
    };

    Ok(Some(Request {
        method: method.to_owned(),
        path: target.to_owned(),
        headers,
        body,
        keep_alive,
    }))
}

/// Reads a line without its CR LF, charging it to `budget`. `Ok(None)`
/// means end of stream before the first byte.
fn read_line(reader: &mut impl BufRead, budget: &mut u64) -> Result<Option<String>, ReadError> {
    let mut line = Vec::new();
    let read = reader.by_ref().take(*budget).read_until(b'\n', &mut line)?;
    if read == 0 {
        return if *budget == 0 {
            Err(ReadError::TooLarge(431))
        } else {
            Ok(None)
        };
    }
    *budget -= read as u64;
    if line.last() != Some(&b'\n') {
        return Err(if *budget == 0 {
            ReadError::TooLarge(431)
        } else {
            ReadError::Io
        });
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| ReadError::BadRequest("header is not UTF-8"))
}

/// Reads a chunked body, trailers included, up to the body limit.
fn read_chunked(reader: &mut BufReader<Transport>, started: Instant) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    let mut budget = MAX_HEADER_BYTES;
    loop {
        if started.elapsed() > REQUEST_TIMEOUT {
            return Err(ReadError::Io);
        }
        let line = read_line(reader, &mut budget)?.ok_or(ReadError::Io)?;
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| ReadError::BadRequest("invalid chunk size"))?;
        if size == 0 {
            // Trailer lines up to the empty line.
            while !read_line(reader, &mut budget)?
                .ok_or(ReadError::Io)?
                .is_empty()
            {}
            return Ok(body);
        }
        if body.len() + size > MAX_BODY_BYTES {
            return Err(ReadError::TooLarge(413));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf)?;
        if &crlf != b"\r\n" {
            return Err(ReadError::BadRequest("chunk not followed by CR LF"));
        }
    }
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

fn write_head(
    writer: &mut impl Write,
    status: u16,
    content_type: &str,
    content_length: u64,
    keep_alive: bool,
) -> io::Result<()> {
    let connection = if keep_alive { "keep-alive" } else { "close" };
    write!(
        writer,
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {content_length}\r\nConnection: {connection}\r\nServer: psr-sim\r\n\r\n",
        reason_phrase(status)
    )
}

fn write_response(
    writer: &mut impl Write,
    response: &Response,
    keep_alive: bool,
) -> io::Result<()> {
    let mut bytes = Vec::with_capacity(response.body.len() + 160);
    write_head(
        &mut bytes,
        response.status,
        response.content_type,
        response.body.len() as u64,
        keep_alive,
    )?;
    bytes.extend_from_slice(&response.body);
    writer.write_all(&bytes)?;
    writer.flush()
}

fn plain(status: u16, text: &str) -> Response {
    Response {
        status,
        content_type: "text/plain; charset=utf-8",
        body: format!("{text}\n").into_bytes(),
    }
}

/// Streams `total` bytes: a JSON array of repeated objects, cut off at the
/// exact size, so a client that trusts the length reads a huge value.
fn write_oversized(writer: &mut impl Write, total: u64) -> io::Result<()> {
    write_head(writer, 200, "application/json; charset=utf-8", total, false)?;
    let element = br#"{"$type":"PsrDataLayer.Structure.MtoContainer, PsrDataLayer","Id":"00000000-0000-0000-0000-000000000000","Name":"padding"},"#;
    let mut block = Vec::with_capacity(64 * 1024);
    block.push(b'[');
    while block.len() + element.len() <= 64 * 1024 {
        block.extend_from_slice(element);
    }
    let mut sent = 0u64;
    let mut first = true;
    while sent < total {
        let chunk: &[u8] = if first { &block } else { &block[1..] };
        first = false;
        let take = (total - sent).min(chunk.len() as u64) as usize;
        writer.write_all(&chunk[..take])?;
        sent += take as u64;
    }
    writer.flush()
}
