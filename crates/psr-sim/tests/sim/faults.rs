//! Fault injection, counters and the command-line binary.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use psr_sim::{Fault, FaultRule, Simulator, SimulatorOptions};
use serde_json::{json, Value};

use crate::client::{login, Client};
use crate::start_small;

fn logged_in(simulator: &Simulator) -> (Client, String) {
    let client = Client::new(simulator);
    let key = simulator.api_key("alice/full").expect("key");
    (client, key)
}

/// Sends one raw request with the session headers and returns everything
/// the server sends until it closes the connection (or an I/O error).
fn raw_exchange(
    simulator: &Simulator,
    method: &str,
    headers: &[(&'static str, String)],
) -> (Vec<u8>, std::io::Result<()>) {
    let mut stream = TcpStream::connect(("127.0.0.1", simulator.port())).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let body = json!({"containerType": 0}).to_string();
    let mut request = format!(
        "POST /api/WebService/{method} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream.write_all(request.as_bytes()).expect("request sent");
    let mut received = Vec::new();
    let result = stream.read_to_end(&mut received).map(|_| ());
    (received, result)
}

fn content_length(response: &[u8]) -> usize {
    let text = String::from_utf8_lossy(response);
    let line = text
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("content-length:"))
        .expect("Content-Length header");
    line[15..].trim().parse().expect("number")
}

fn body_length(response: &[u8]) -> usize {
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    response.len() - end - 4
}

#[test]
fn first_list_fails_with_502_only_once() {
    let simulator = start_small(SimulatorOptions::default());
    let (client, key) = logged_in(&simulator);
    let session = login(&client, &key).expect("login");
    simulator.set_faults(vec![FaultRule::new(Fault::BadGateway)
        .method("GetContainerList")
        .times(1)]);
    let filter = session.default_filter(0);
    let first = session.list_reply(0, &filter);
    assert_eq!(first.status, 502);
    assert!(first.content_type.starts_with("text/html"));
    assert_eq!(session.list(0, &filter).len(), 1);
    assert_eq!(simulator.request_counts().get("GetContainerList"), Some(&2));
    assert_eq!(
        simulator.request_counts().get("GetContainerListFilter"),
        Some(&1)
    );
}

#[test]
fn server_error_html_and_503_faults() {
    let simulator = start_small(SimulatorOptions {
        faults: vec![
            "GetContainerListFilter:error:110002,times=1"
                .parse()
                .expect("rule"),
            "GetContainerListFilter:html,times=1".parse().expect("rule"),
            "GetContainerListFilter:unavailable,times=1"
                .parse()
                .expect("rule"),
        ],
        ..SimulatorOptions::default()
    });
    let (client, key) = logged_in(&simulator);
    let session = login(&client, &key).expect("login");
    let body = json!({"containerType": 0, "defaultFilter": true});

    let error = session.call("GetContainerListFilter", body.clone());
    assert_eq!(error.status, 500);
    assert_eq!(error.exception_code(), Some(110_002));
    let html = session.call("GetContainerListFilter", body.clone());
    assert_eq!(html.status, 200);
    assert!(html.content_type.starts_with("text/html"));
    assert!(String::from_utf8_lossy(&html.body).contains("<html>"));
    let unavailable = session.call("GetContainerListFilter", body.clone());
    assert_eq!(unavailable.status, 503);
    assert_eq!(session.call("GetContainerListFilter", body).status, 200);
}

#[test]
fn latency_delays_answers() {
    let simulator = start_small(SimulatorOptions::default());
    let (client, key) = logged_in(&simulator);
    let session = login(&client, &key).expect("login");
    simulator.set_faults(vec![FaultRule::new(Fault::Latency(Duration::from_millis(
        300,
    )))]);
    let started = Instant::now();
    assert_eq!(
        session.call("GetContainerListFilter", json!({})).status,
        200
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn hang_never_answers() {
    let simulator = start_small(SimulatorOptions::default());
    let (_, key) = logged_in(&simulator);
    simulator.set_faults(vec![
        FaultRule::new(Fault::Hang).method("AuthenticateApiKey")
    ]);
    let impatient = Client::with_timeout(&simulator, Duration::from_millis(500));
    let started = Instant::now();
    let jwt = key.split_once(':').expect("colon").0;
    let result = impatient.post(
        "Auth/AuthenticateApiKey",
        &json!({"credential": {"JsonWebToken": jwt}}),
        &[],
    );
    assert!(result.is_err(), "expected a timeout, got {result:?}");
    assert!(started.elapsed() >= Duration::from_millis(450));
    simulator.shutdown();
}

#[test]
fn reset_breaks_connection() {
    let simulator = start_small(SimulatorOptions {
        faults: vec![FaultRule::new(Fault::Reset)],
        ..SimulatorOptions::default()
    });
    let (received, result) = raw_exchange(&simulator, "GetContainerListFilter", &[]);
    assert!(received.is_empty());
    let error = result.expect_err("connection reset");
    assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset);
}

#[test]
fn truncated_body_is_shorter_than_announced() {
    let simulator = start_small(SimulatorOptions::default());
    let (client, key) = logged_in(&simulator);
    let session = login(&client, &key).expect("login");
    simulator.set_faults(vec![FaultRule::new(Fault::Truncated)]);
    let (received, _) = raw_exchange(&simulator, "GetContainerListFilter", &session.headers());
    assert!(received.starts_with(b"HTTP/1.1 200"));
    assert!(body_length(&received) < content_length(&received));
    assert!(body_length(&received) > 0);
}

#[test]
fn oversized_body_streams_announced_size() {
    let simulator = start_small(SimulatorOptions {
        faults: vec!["*:oversized:3000000".parse().expect("rule")],
        ..SimulatorOptions::default()
    });
    let (received, result) = raw_exchange(&simulator, "GetContainerList", &[]);
    result.expect("read to the end");
    assert_eq!(content_length(&received), 3_000_000);
    assert_eq!(body_length(&received), 3_000_000);
    assert!(received.windows(2).any(|w| w == b"[{"));
}

#[test]
fn session_expires_after_calls() {
    let simulator = start_small(SimulatorOptions {
        faults: vec!["*:expire-session,skip=2,times=1".parse().expect("rule")],
        ..SimulatorOptions::default()
    });
    let (client, key) = logged_in(&simulator);
    let session = login(&client, &key).expect("login calls do not count");
    assert_eq!(
        session.call("GetContainerListFilter", json!({})).status,
        200
    );
    assert_eq!(
        session.call("GetContainerListFilter", json!({})).status,
        200
    );
    assert_eq!(
        session.call("GetContainerListFilter", json!({})).status,
        401
    );
    assert_eq!(
        session.call("GetContainerListFilter", json!({})).status,
        401,
        "session is gone"
    );
    assert_eq!(simulator.open_sessions(), 0);
    assert_eq!(simulator.closed_sessions(), 0);
    assert!(login(&client, &key).is_ok(), "a new login works");
}

#[test]
fn slow_tls_handshake_delays_connection() {
    let simulator = start_small(SimulatorOptions {
        tls: true,
        faults: vec![FaultRule::new(Fault::SlowTlsHandshake(Duration::from_millis(400))).times(1)],
        ..SimulatorOptions::default()
    });
    let client = Client::new(&simulator);
    let started = Instant::now();
    let reply = client
        .post("Auth/AuthenticateApiKey", &json!({}), &[])
        .expect("answered");
    assert_eq!(reply.status, 500, "no JsonWebToken");
    assert!(started.elapsed() >= Duration::from_millis(400));
}

#[test]
fn bom_prefixes_bodies() {
    let simulator = start_small(SimulatorOptions {
        bom: true,
        ..SimulatorOptions::default()
    });
    let (client, key) = logged_in(&simulator);
    let session = login(&client, &key).expect("login uses BOM-prefixed bodies");
    let reply = session.call("GetContainerListFilter", json!({}));
    assert!(reply.body.starts_with("\u{feff}{".as_bytes()));
}

#[test]
fn prefix_option_moves_api() {
    let simulator = start_small(SimulatorOptions {
        prefix: "pws/API".to_owned(),
        ..SimulatorOptions::default()
    });
    assert!(simulator.url().ends_with("/pws/API/"));
    let (client, key) = logged_in(&simulator);
    assert!(login(&client, &key).is_ok());
}

#[test]
fn binary_serves_fixture_until_stdin_closes() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let fixture_path = directory.path().join("fixture.json");
    let fixture = serde_json::to_string(&crate::small_fixture()).expect("serialisable");
    std::fs::write(&fixture_path, fixture).expect("fixture written");
    let keys_path = directory.path().join("keys.json");
    let port_path = directory.path().join("port");

    let mut child = Command::new(env!("CARGO_BIN_EXE_psr-sim"))
        .arg("--fixture")
        .arg(&fixture_path)
        .arg("--api-keys-out")
        .arg(&keys_path)
        .arg("--port-file")
        .arg(&port_path)
        .arg("--exit-on-stdin-eof")
        .arg("--fault")
        .arg("GetContainerList:bad-gateway,times=1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("psr-sim starts");
    let mut url = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut url)
        .expect("URL line");
    let port: u16 = std::fs::read_to_string(&port_path)
        .expect("port file")
        .trim()
        .parse()
        .expect("port number");
    assert_eq!(url.trim(), format!("http://127.0.0.1:{port}/api/"));

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&keys_path)
            .expect("keys file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let keys: Value =
        serde_json::from_str(&std::fs::read_to_string(&keys_path).expect("keys")).expect("JSON");
    let key = keys["alice/full"].as_str().expect("alice/full key");

    let client = Client::for_url(url.trim(), None, Duration::from_secs(30));
    let session = login(&client, key).expect("login with a key from the keys file");
    assert_eq!(
        session.list_reply(0, &session.default_filter(0)).status,
        502,
        "--fault applies"
    );
    assert_eq!(
        session.find_password("svc_small")["Info"]["BaseContainerName"],
        "AD User"
    );
    assert_eq!(session.close().status, 200);

    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "psr-sim did not exit after stdin closed"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success());
}

#[test]
fn binary_refuses_remote_listen() {
    let output = Command::new(env!("CARGO_BIN_EXE_psr-sim"))
        .args(["--fixture", "/nonexistent.json", "--listen", "0.0.0.0:0"])
        .output()
        .expect("psr-sim runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--allow-remote"));
}
