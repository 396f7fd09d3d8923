//! Faulty HTTP responses: 500 with exception codes, 502 and 503, HTML,
//! truncated and oversized bodies, and a session that expires mid-lookup.

use psr_sim::{Fault, FaultRule};

use crate::support::{run_cases, Case, Sessions};

fn rule(fault: Fault, method: &str) -> FaultRule {
    FaultRule::new(fault).method(method)
}

fn server_error(code: i64, method: &str) -> Vec<FaultRule> {
    vec![rule(Fault::ServerError { code }, method)]
}

const SECRET: &str = "GetContainerItemWithSecretValue";

#[test]
fn status_500_by_code() {
    run_cases(vec![
        // Session loss codes are authentication failures (exit 4).
        Case::new("110002", server_error(110_002, "GetContainerList"), 4)
            .messages(&["session no longer valid", "exception code 110002"]),
        Case::new("110012", server_error(110_012, "GetContainerList"), 4)
            .messages(&["exception code 110012"]),
        Case::new("540007", server_error(540_007, "GetContainerListFilter"), 4)
            .messages(&["exception code 540007"]),
        Case::new(
            "1300004",
            server_error(1_300_004, "GetContainerListFilter"),
            4,
        )
        .messages(&["401 Unauthorized"]),
        // A missing read right on the item makes it not releasable.
        Case::new("30003", server_error(30_003, SECRET), 5)
            .messages(&["no read right", "server code 30003"]),
        // Codes without a mapping of their own are server errors (exit 7).
        Case::new("20039", server_error(20_039, SECRET), 7).messages(&["exception code 20039"]),
        Case::new("251020", server_error(251_020, SECRET), 7).messages(&["exception code 251020"]),
        Case::new("unknown code", server_error(987_654_321, SECRET), 7)
            .messages(&["exception code 987654321"]),
        Case::new("login", server_error(251_020, "AuthenticateApiKey"), 7)
            .messages(&["exception code 251020"])
            .sessions(Sessions::NeverOpened),
        // Codes of the secret read that name the reason.
        Case::new("30011", server_error(30_011, SECRET), 5).messages(&["no usable key"]),
        Case::new("20047", server_error(20_047, "GetLegitimateDataRights"), 5)
            .messages(&["sealed"]),
        Case::new("20019", server_error(20_019, SECRET), 2).messages(&["requires a reason"]),
    ]);
}

#[test]
fn status_502_and_503() {
    let list = "GetContainerList";
    run_cases(vec![
        // The form list fails once; its retry and the search succeed.
        Case::new("502 once", vec![rule(Fault::BadGateway, list).times(1)], 0).requests(list, 3),
        // One attempt and two retries, then the error.
        Case::new("502 always", vec![rule(Fault::BadGateway, list)], 7)
            .messages(&["returned 502", "{host}"])
            .requests(list, 3),
        // Secret reads write a logbook entry, so they are never repeated.
        Case::new("502 secret read", vec![rule(Fault::BadGateway, SECRET)], 7)
            .messages(&["returned 502"])
            .requests(SECRET, 1),
        Case::new(
            "502 login",
            vec![rule(Fault::BadGateway, "AuthenticateApiKey").times(1)],
            7,
        )
        .messages(&["returned 502"])
        .sessions(Sessions::NeverOpened)
        .requests("AuthenticateApiKey", 1),
        Case::new(
            "503 once",
            vec![rule(Fault::ServiceUnavailable, "GetContainerListFilter").times(1)],
            0,
        )
        .requests("GetContainerListFilter", 3),
        Case::new(
            "503 always",
            vec![rule(Fault::ServiceUnavailable, "GetContainerListFilter")],
            7,
        )
        .messages(&["returned 503"])
        .requests("GetContainerListFilter", 3),
    ]);
}

#[test]
fn broken_bodies() {
    run_cases(vec![
        Case::new(
            "html list",
            vec![rule(Fault::Html, "GetContainerListFilter")],
            7,
        )
        .messages(&["an HTML page instead of JSON", "/api/", "{host}"]),
        Case::new(
            "html login",
            vec![rule(Fault::Html, "AuthenticateApiKey")],
            7,
        )
        .messages(&["an HTML page instead of JSON", "/api/"])
        .sessions(Sessions::NeverOpened),
        // A body shorter than its Content-Length is a broken connection.
        Case::new(
            "truncated list",
            vec![rule(Fault::Truncated, "GetContainerList")],
            6,
        )
        .messages(&["ended before the response was complete", "{host}"])
        .requests("GetContainerList", 3),
        Case::new("truncated secret", vec![rule(Fault::Truncated, SECRET)], 6)
            .messages(&["ended before the response was complete"])
            .requests(SECRET, 1),
        Case::new(
            "truncated login",
            vec![rule(Fault::Truncated, "AuthenticateApiKey")],
            6,
        )
        .sessions(Sessions::NeverOpened),
        // 512 MiB of body against the default limit of 16 MiB, under a
        // 256 MiB address-space limit: the client must stop reading.
        Case::new(
            "oversized",
            vec![rule(
                Fault::Oversized(512 * 1024 * 1024),
                "GetContainerList",
            )],
            7,
        )
        .messages(&[
            "exceeds the maximum of 16777216 bytes",
            "not a normal Password Secure API response",
            "{host}",
        ])
        .memory_limit_kib(256 * 1024),
    ]);
}

#[test]
fn session_expires_mid_lookup() {
    let expire = |method| vec![rule(Fault::ExpireSession, method)];
    run_cases(vec![
        Case::new("filter", expire("GetContainerListFilter"), 4)
            .messages(&["401 Unauthorized", "{host}"])
            .sessions(Sessions::Ended),
        Case::new(
            "search",
            vec![rule(Fault::ExpireSession, "GetContainerList").skip(1)],
            4,
        )
        .messages(&["401 Unauthorized"])
        .sessions(Sessions::Ended),
        Case::new("rights", expire("GetLegitimateDataRights"), 4)
            .messages(&["401 Unauthorized"])
            .sessions(Sessions::Ended),
        Case::new("secret read", expire(SECRET), 4)
            .messages(&["401 Unauthorized"])
            .sessions(Sessions::Ended),
    ]);
}
