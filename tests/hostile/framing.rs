//! Malformed HTTP framing from a reachable server: a bad status line,
//! conflicting `Content-Length` headers, headers over the size limit and
//! a bad chunk size. The connection worked, so each is a protocol error
//! (exit 7), not a connection failure.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use crate::support::{offline_api_key, run_table, Psvault};

/// Starts a loopback server that sends `reply` after each request and
/// closes the connection, and returns its port. The thread ends with the
/// test process.
fn start_server(reply: Vec<u8>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("server binds");
    let port = listener.local_addr().expect("server address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            // A broken connection only fails the psvault run that used
            // it, which its case reports.
            let _ = respond(stream, &reply);
        }
    });
    port
}

fn respond(mut stream: TcpStream, reply: &[u8]) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if line.trim().is_empty() {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    stream.write_all(reply)?;
    stream.flush()
}

struct Case {
    name: &'static str,
    reply: Vec<u8>,
    detail: &'static str,
}

fn cases() -> Vec<Case> {
    let mut oversized = b"HTTP/1.1 200 OK\r\nX-Padding: ".to_vec();
    oversized.extend(std::iter::repeat_n(b'a', 100 * 1024));
    oversized.extend_from_slice(b"\r\nContent-Length: 2\r\n\r\n{}");
    vec![
        Case {
            name: "bad status line",
            reply: b"HTTX/1.1 2OO OK\r\nContent-Length: 2\r\n\r\n{}".to_vec(),
            detail: "invalid HTTP version",
        },
        Case {
            name: "conflicting Content-Length",
            reply: b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}".to_vec(),
            detail: "conflicting content-length headers",
        },
        Case {
            name: "headers over the limit",
            reply: oversized,
            detail: "exceed 65536 bytes",
        },
        Case {
            name: "bad chunk size",
            reply: b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
                .to_vec(),
            detail: "chunk length",
        },
    ]
}

#[test]
fn malformed_framing_exits_7() {
    let key = offline_api_key();
    let cases = cases();
    run_table(
        &cases,
        |case| case.name.to_owned(),
        |case| {
            let port = start_server(case.reply.clone());
            let url = format!("http://127.0.0.1:{port}/api/");
            let run = Psvault::new(["get", "CORP\\svc", "--insecure-allow-http"])
                .args(["--url", &url, "--timeout", "10"])
                .env("PSVAULT_API_KEY", &key)
                .secrets([key.clone()])
                .expect(
                    7,
                    &["HTTP response from", &url, "is malformed", case.detail],
                )?;
            if run.stderr.contains("cannot reach") || run.stderr.contains("DNS") {
                return Err(format!(
                    "stderr reads as a connection failure: {}",
                    run.stderr
                ));
            }
            Ok(())
        },
    );
}
