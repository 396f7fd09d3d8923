//! A loopback reverse proxy in front of the plain-HTTP simulator. It
//! records every response body and can rewrite the body of one method.
//! psvault then meets hostile server responses over the real HTTP path,
//! while login and decryption stay genuine.
//!
//! It speaks just enough HTTP/1.1 for psvault: one request per
//! connection, `Content-Length` bodies, `Connection: close` both ways.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Rewrites a response body: gets the method name and the body as the
/// simulator sent it, returns the body to send instead.
pub type Rewrite = Arc<dyn Fn(&str, Vec<u8>) -> Vec<u8> + Send + Sync>;

/// One response body the simulator sent, before any rewrite.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// Method name, the last path segment, e.g. `GetContainerList`.
    pub method: String,
    /// Body bytes.
    pub body: Vec<u8>,
}

/// A running proxy; it stops when dropped.
pub struct Proxy {
    port: u16,
    recorded: Arc<Mutex<Vec<Recorded>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

/// Limit on the time one socket operation may block.
const IO_TIMEOUT: Duration = Duration::from_secs(20);

impl Proxy {
    /// Starts a proxy that forwards to `127.0.0.1:upstream_port` and
    /// rewrites the bodies of status-200 responses with `rewrite`.
    pub fn start(upstream_port: u16, rewrite: Rewrite) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy binds");
        let port = listener.local_addr().expect("proxy address").port();
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let recorded = Arc::clone(&recorded);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let recorded = Arc::clone(&recorded);
                    let rewrite = Arc::clone(&rewrite);
                    std::thread::spawn(move || {
                        // A broken connection only fails the psvault run
                        // that used it, which its test reports.
                        let _ = serve(stream, upstream_port, &rewrite, &recorded);
                    });
                }
            })
        };
        Proxy {
            port,
            recorded,
            stop,
            accept: Some(accept),
        }
    }

    /// Returns the API URL through the proxy.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/api/", self.port)
    }

    /// Returns the responses recorded so far, oldest first.
    pub fn recorded(&self) -> Vec<Recorded> {
        self.recorded.lock().expect("recorded responses").clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept() so that the thread reads the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// A request or response head: the first line and the header lines.
struct Head {
    first_line: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn content_length(&self) -> usize {
        self.headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.trim().parse().ok())
            .unwrap_or(0)
    }
}

fn read_head(reader: &mut impl BufRead) -> std::io::Result<Head> {
    let mut first_line = String::new();
    reader.read_line(&mut first_line)?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    Ok(Head {
        first_line: first_line.trim_end().to_owned(),
        headers,
    })
}

fn serve(
    client: TcpStream,
    upstream_port: u16,
    rewrite: &Rewrite,
    recorded: &Mutex<Vec<Recorded>>,
) -> std::io::Result<()> {
    client.set_read_timeout(Some(IO_TIMEOUT))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let request = read_head(&mut reader)?;
    if request.first_line.is_empty() {
        return Ok(());
    }
    let mut body = vec![0; request.content_length()];
    reader.read_exact(&mut body)?;
    let path = request.first_line.split(' ').nth(1).unwrap_or_default();
    let method = path
        .split('?')
        .next()
        .unwrap_or_default()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();

    let mut upstream = TcpStream::connect(("127.0.0.1", upstream_port))?;
    upstream.set_read_timeout(Some(IO_TIMEOUT))?;
    let mut forwarded = format!("{}\r\n", request.first_line);
    for (name, value) in &request.headers {
        if !name.eq_ignore_ascii_case("connection") {
            forwarded.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    forwarded.push_str("Connection: close\r\n\r\n");
    upstream.write_all(forwarded.as_bytes())?;
    upstream.write_all(&body)?;

    let mut upstream_reader = BufReader::new(upstream);
    let response = read_head(&mut upstream_reader)?;
    let mut response_body = vec![0; response.content_length()];
    upstream_reader.read_exact(&mut response_body)?;
    let status: u16 = response
        .first_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    recorded.lock().expect("recorded responses").push(Recorded {
        method: method.clone(),
        body: response_body.clone(),
    });
    if status == 200 {
        response_body = rewrite(&method, response_body);
    }

    let mut writer = client;
    let head = format!(
        "HTTP/1.1 {status} Proxied\r\nContent-Type: application/json; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        response_body.len()
    );
    writer.write_all(head.as_bytes())?;
    writer.write_all(&response_body)?;
    writer.flush()?;
    writer.shutdown(Shutdown::Write)
}
