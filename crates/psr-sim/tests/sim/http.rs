//! HTTP-level behaviour: keep-alive, chunked bodies and request limits.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use psr_sim::SimulatorOptions;

use crate::start_small;

fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream
}

/// Reads one response with a Content-Length body; returns the status line
/// and the body.
fn read_response(stream: &mut TcpStream) -> (String, Vec<u8>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let read = stream.read(&mut byte).expect("response bytes");
        assert_eq!(read, 1, "connection closed inside the headers");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).expect("ASCII headers");
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().expect("number"))
        })
        .expect("Content-Length");
    let mut body = vec![0; length];
    stream.read_exact(&mut body).expect("body");
    (head.lines().next().unwrap_or_default().to_owned(), body)
}

const AUTH: &str = "/api/Auth/AuthenticateApiKey";

#[test]
fn keep_alive_serves_several_requests() {
    let simulator = start_small(SimulatorOptions::default());
    let mut stream = connect(simulator.port());
    for _ in 0..3 {
        let body = r#"{"credential":{"JsonWebToken":"a.b.c"}}"#;
        write!(
            stream,
            "POST {AUTH} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .expect("request sent");
        let (status, body) = read_response(&mut stream);
        assert_eq!(status, "HTTP/1.1 500 Internal Server Error");
        assert!(String::from_utf8_lossy(&body).contains("540012"));
    }
}

#[test]
fn chunked_body_is_accepted() {
    let simulator = start_small(SimulatorOptions::default());
    let mut stream = connect(simulator.port());
    let request = "POST /api/Auth/AuthenticateApiKey HTTP/1.1\r\nHost: x\r\n\
                   Transfer-Encoding: chunked\r\n\r\n\
                   10\r\n{\"credential\":{\"\r\n\
                   15\r\nJsonWebToken\":\"a.b.c\"\r\n\
                   2\r\n}}\r\n0\r\n\r\n";
    stream.write_all(request.as_bytes()).expect("request sent");
    let (status, body) = read_response(&mut stream);
    assert_eq!(status, "HTTP/1.1 500 Internal Server Error");
    assert!(
        String::from_utf8_lossy(&body).contains("540012"),
        "the JWT was read"
    );
}

#[test]
fn oversized_request_body_is_refused() {
    let simulator = start_small(SimulatorOptions::default());
    let mut stream = connect(simulator.port());
    write!(
        stream,
        "POST {AUTH} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        64 * 1024 * 1024
    )
    .expect("request sent");
    let (status, _) = read_response(&mut stream);
    assert_eq!(status, "HTTP/1.1 413 Payload Too Large");
}

#[test]
fn oversized_headers_are_refused() {
    let simulator = start_small(SimulatorOptions::default());
    let mut stream = connect(simulator.port());
    let filler = "x".repeat(70 * 1024);
    // The server may close before reading everything, so ignore write errors.
    let _ = write!(stream, "GET {AUTH} HTTP/1.1\r\nX-Filler: {filler}\r\n\r\n");
    let (status, _) = read_response(&mut stream);
    assert_eq!(status, "HTTP/1.1 431 Request Header Fields Too Large");
}

#[test]
fn malformed_request_gets_400() {
    let simulator = start_small(SimulatorOptions::default());
    let mut stream = connect(simulator.port());
    stream.write_all(b"HELLO\r\n\r\n").expect("sent");
    let (status, _) = read_response(&mut stream);
    assert_eq!(status, "HTTP/1.1 400 Bad Request");
}

#[test]
fn unknown_path_gets_404() {
    let simulator = start_small(SimulatorOptions::default());
    let mut stream = connect(simulator.port());
    stream
        .write_all(b"GET /other/Auth/AuthenticateApiKey HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("sent");
    let (status, _) = read_response(&mut stream);
    assert_eq!(status, "HTTP/1.1 404 Not Found");
}

#[test]
fn invalid_json_gets_error_body() {
    let simulator = start_small(SimulatorOptions::default());
    let mut stream = connect(simulator.port());
    write!(
        stream,
        "POST {AUTH} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n{{oops"
    )
    .expect("sent");
    let (status, body) = read_response(&mut stream);
    assert_eq!(status, "HTTP/1.1 500 Internal Server Error");
    assert!(String::from_utf8_lossy(&body).contains("251020"));
}
