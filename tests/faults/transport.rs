//! Faults below HTTP: hanging requests, resets, slow TLS handshakes and
//! latency. Connection failures and passed deadlines exit 6. One-time
//! failures of idempotent reads are retried, so the lookup succeeds.

use std::time::Duration;

use psr_sim::{Fault, FaultRule};

use crate::support::{run_cases, Case, Sessions};

fn rule(fault: Fault, method: &str) -> FaultRule {
    FaultRule::new(fault).method(method)
}

/// A hung lookup must end within its --timeout plus one second: the
/// client spends at most half a second closing the session after the
/// deadline, which leaves room for process start and exit.
const HANG_ARGS: &[&str] = &["--timeout", "2"];
const HANG_MAX_SECONDS: f64 = 3.0;

#[test]
fn hang_ends_at_deadline() {
    let deadline_message = &["did not respond within the deadline", "{host}"];
    run_cases(vec![
        Case::new("login", vec![rule(Fault::Hang, "AuthenticateApiKey")], 6)
            .messages(deadline_message)
            .sessions(Sessions::NeverOpened)
            .args(HANG_ARGS, HANG_MAX_SECONDS),
        Case::new("every request", vec![FaultRule::new(Fault::Hang)], 6)
            .messages(deadline_message)
            .sessions(Sessions::NeverOpened)
            .args(HANG_ARGS, HANG_MAX_SECONDS),
        Case::new("form list", vec![rule(Fault::Hang, "GetContainerList")], 6)
            .messages(deadline_message)
            .args(HANG_ARGS, HANG_MAX_SECONDS),
        Case::new(
            "search",
            vec![rule(Fault::Hang, "GetContainerList").skip(1)],
            6,
        )
        .messages(deadline_message)
        .args(HANG_ARGS, HANG_MAX_SECONDS),
        Case::new(
            "secret read",
            vec![rule(Fault::Hang, "GetContainerItemWithSecretValue")],
            6,
        )
        .messages(deadline_message)
        .args(HANG_ARGS, HANG_MAX_SECONDS),
        // The credential is already read when CloseSession hangs, so the
        // lookup succeeds; the session stays open on the server.
        Case::new("close", vec![rule(Fault::Hang, "CloseSession")], 0)
            .sessions(Sessions::Unchecked),
        Case::new(
            "request timeout",
            vec![rule(Fault::Hang, "GetContainerListFilter")],
            6,
        )
        .messages(deadline_message)
        .args(&["--timeout", "3"], 4.0),
    ]);
}

#[test]
fn reset_is_connection_failure() {
    run_cases(vec![
        Case::new("login", vec![rule(Fault::Reset, "AuthenticateApiKey")], 6)
            .messages(&["cannot reach", "{host}"])
            .sessions(Sessions::NeverOpened),
        Case::new(
            "list always",
            vec![rule(Fault::Reset, "GetContainerList")],
            6,
        )
        .messages(&["cannot reach", "{host}"])
        .requests("GetContainerList", 3),
        Case::new(
            "list once",
            vec![rule(Fault::Reset, "GetContainerList").times(1)],
            0,
        )
        .requests("GetContainerList", 3),
        Case::new(
            "secret read",
            vec![rule(Fault::Reset, "GetContainerItemWithSecretValue")],
            6,
        )
        .messages(&["cannot reach", "{host}"])
        .requests("GetContainerItemWithSecretValue", 1),
    ]);
}

#[test]
fn slow_tls_handshake() {
    let slow = |millis| FaultRule::new(Fault::SlowTlsHandshake(Duration::from_millis(millis)));
    run_cases(vec![
        Case::new("over connect timeout", vec![slow(6_000)], 6)
            .args(&["--connect-timeout", "1", "--timeout", "3"], 4.0)
            .messages(&["{host}"])
            .sessions(Sessions::NeverOpened),
        Case::new("below connect timeout", vec![slow(300)], 0)
            .args(&["--connect-timeout", "2", "--timeout", "3"], 5.0),
    ]);
}

#[test]
fn latency_against_deadline() {
    let latency = |millis| Fault::Latency(Duration::from_millis(millis));
    run_cases(vec![
        Case::new("below deadline", vec![FaultRule::new(latency(150))], 0)
            .args(&["--timeout", "4"], 6.0),
        Case::new(
            "over deadline",
            vec![rule(latency(5_000), "GetContainerListFilter")],
            6,
        )
        .messages(&["did not respond within the deadline", "{host}"]),
    ]);
}
