//! Hostile request JSON on stdin (`--request -`): every case exits 2
//! before any request, names the member or the position involved, and
//! never echoes the API key sent in the same request.

use serde_json::json;

use crate::support::{offline_api_key, run_table, Psvault};

struct Case {
    name: &'static str,
    stdin: Vec<u8>,
    names: Vec<&'static str>,
}

fn case(name: &'static str, stdin: impl Into<Vec<u8>>, names: &[&'static str]) -> Case {
    Case {
        name,
        stdin: stdin.into(),
        names: names.to_vec(),
    }
}

/// Returns `{"apiKey": KEY, "url": "https://127.0.0.1:1/api/", MEMBERS}`,
/// so that every case carries a key that must not leak.
fn with_key(key: &str, members: &str) -> Vec<u8> {
    let mut text = format!(r#"{{"apiKey":"{key}","url":"https://127.0.0.1:1/api/""#);
    if !members.is_empty() {
        text.push(',');
        text.push_str(members);
    }
    text.push('}');
    text.into_bytes()
}

fn cases(key: &str) -> Vec<Case> {
    let full = String::from_utf8(with_key(key, r#""identity":"CORP\\svc""#)).expect("UTF-8");
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let mut ten_megabytes = with_key(key, r#""reason":""#);
    ten_megabytes.truncate(ten_megabytes.len() - 1);
    ten_megabytes.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    ten_megabytes.extend(b"\"}");

    let mut cases = vec![
        case("empty", "", &["request is empty"]),
        case("whitespace", " \r\n\t", &["request is empty"]),
        case(
            "truncated",
            &full.as_bytes()[..full.len() - 9],
            &["not valid JSON", "EOF"],
        ),
        case(
            "cut after key",
            &full.as_bytes()[..40],
            &["not valid JSON", "line 1"],
        ),
        case(
            "duplicate identity",
            with_key(key, r#""identity":"CORP\\a","identity":"CORP\\b""#),
            &["\"identity\" appears more than once"],
        ),
        case(
            "duplicate key",
            with_key(key, &format!(r#""identity":"CORP\\svc","apiKey":"{key}""#)),
            &["\"apiKey\" appears more than once"],
        ),
        case("array", "[]", &["must be a JSON object, found an array"]),
        case(
            "string",
            r#""CORP\\svc""#,
            &["must be a JSON object, found a string"],
        ),
        case("number", "42", &["must be a JSON object, found a number"]),
        case("null", "null", &["must be a JSON object, found null"]),
        case(
            "two objects",
            r#"{"identity":"CORP\\a"}{"identity":"CORP\\b"}"#,
            &["not valid JSON", "trailing"],
        ),
        case(
            "deep nesting",
            format!(r#"{{"identity":{deep}}}"#),
            &["not valid JSON", "recursion"],
        ),
        case("10 MB", ten_megabytes, &["larger than 1048576 bytes"]),
        case(
            "NUL byte in string",
            b"{\"identity\":\"CORP\\\\svc\0x\"}".to_vec(),
            &["not valid JSON", "control character"],
        ),
        case(
            "NUL before object",
            b"\0{\"identity\":\"CORP\\\\svc\"}".to_vec(),
            &["not valid JSON", "line 1 column 1"],
        ),
        case(
            "escaped NUL",
            with_key(key, r#""identity":"CORP\\svc\u0000x""#),
            &["control characters", "CORP\\svc\\u{0}x"],
        ),
        case(
            "invalid UTF-8",
            b"{\"identity\":\"CORP\\\\sv\xff\xfec\"}".to_vec(),
            &["not valid JSON", "invalid unicode code point"],
        ),
        case(
            "lone surrogate",
            with_key(key, r#""identity":"CORP\\\ud800""#),
            &["not valid JSON", "line 1"],
        ),
        case("UTF-16 BOM", b"\xff\xfe{\0}\0".to_vec(), &["UTF-16"]),
        case(
            "two BOMs",
            b"\xef\xbb\xbf\xef\xbb\xbf{}".to_vec(),
            &["not valid JSON"],
        ),
        case(
            "unknown member",
            with_key(key, r#""identity":"CORP\\svc","passwrd":"x""#),
            &["unknown request member \"passwrd\""],
        ),
        case(
            "escaped member name",
            with_key(key, r#""ident\nity":"CORP\\svc""#),
            &["unknown request member \"ident\\nity\""],
        ),
        case(
            "tag in get",
            with_key(key, r#""identity":"CORP\\svc","tag":1"#),
            &["\"tag\" is not used by psvault get"],
        ),
        case(
            "identity and user",
            with_key(key, r#""identity":"CORP\\svc","user":"x""#),
            &["both identity and domain/user"],
        ),
        case(
            "domain without user",
            with_key(key, r#""domain":"CORP""#),
            &["domain is given without a user"],
        ),
        case("no identity", with_key(key, ""), &["no identity given"]),
        case(
            "zero timeout",
            with_key(key, r#""identity":"CORP\\svc","timeoutSec":0"#),
            &["\"timeoutSec\"", "positive"],
        ),
        case(
            "negative timeout",
            with_key(key, r#""identity":"CORP\\svc","timeoutSec":-5"#),
            &["\"timeoutSec\"", "positive"],
        ),
        case(
            "sub-nanosecond timeout",
            with_key(key, r#""identity":"CORP\\svc","timeoutSec":1e-10"#),
            &["\"timeoutSec\"", "1e-10 seconds"],
        ),
        case(
            "sub-nanosecond connect timeout",
            with_key(key, r#""identity":"CORP\\svc","connectTimeoutSec":1e-10"#),
            &["\"connectTimeoutSec\"", "1e-10 seconds"],
        ),
        case(
            "huge timeout",
            with_key(key, r#""identity":"CORP\\svc","timeoutSec":1e300"#),
            &["\"timeoutSec\"", "larger than"],
        ),
        case(
            "overflowing number",
            with_key(key, r#""identity":"CORP\\svc","timeoutSec":1e999"#),
            &["not valid JSON", "out of range"],
        ),
        case(
            "bad pin",
            with_key(key, r#""identity":"CORP\\svc","pinSha256":["abcd"]"#),
            &["\"pinSha256\"", "\"abcd\""],
        ),
        case(
            "bad alias",
            with_key(key, r#""identity":"CORP\\svc","domainAliases":["corp"]"#),
            &["\"domainAliases\"", "\"corp\""],
        ),
        case(
            "bad format",
            with_key(key, r#""identity":"CORP\\svc","format":"xml""#),
            &["\"format\" must be json"],
        ),
        case(
            "missing CA file",
            with_key(
                key,
                r#""identity":"CORP\\svc","caFile":"/nonexistent/ca.pem""#,
            ),
            &["/nonexistent/ca.pem"],
        ),
        case(
            "empty form",
            with_key(key, r#""identity":"CORP\\svc","form":"  ""#),
            &["form name is empty"],
        ),
        case(
            "proxy and noProxy",
            with_key(
                key,
                r#""identity":"CORP\\svc","proxy":"http://127.0.0.1:1","noProxy":true"#,
            ),
            &["both proxy and noProxy"],
        ),
    ];

    // Every member with a value of each wrong JSON type.
    let members: [(&str, &[&str]); 19] = [
        ("url", &["1", "true", "[]", "{}"]),
        ("identity", &["1", "false", "[\"CORP\\\\svc\"]", "{}"]),
        ("domain", &["1", "true", "[]", "{}"]),
        ("user", &["1", "true", "[]", "{}"]),
        ("reason", &["1", "true", "[]", "{}"]),
        ("format", &["1", "true", "[]", "{}"]),
        (
            "insecureSkipCertificateCheck",
            &["1", "\"true\"", "[]", "{}"],
        ),
        ("insecureAllowHttp", &["0", "\"yes\"", "[]", "{}"]),
        ("caFile", &["1", "true", "[]", "{}"]),
        ("pinSha256", &["1", "true", "{}", "[1]"]),
        ("timeoutSec", &["\"3\"", "true", "[]", "{}"]),
        ("connectTimeoutSec", &["\"3\"", "true", "[]", "{}"]),
        ("proxy", &["1", "true", "[]", "{}"]),
        ("noProxy", &["1", "\"true\"", "[]", "{}"]),
        ("form", &["1", "true", "[]", "{}"]),
        ("domainField", &["1", "true", "[]", "{}"]),
        ("usernameField", &["1", "true", "[]", "{}"]),
        ("passwordField", &["1", "true", "[]", "{}"]),
        ("domainAliases", &["1", "\"a=b\"", "{}", "[1]"]),
    ];
    for (member, values) in members {
        for value in values {
            // The request carries each member once: the case's value
            // replaces the default url or identity.
            let mut request = json!({"apiKey": key, "url": "https://127.0.0.1:1/api/"});
            if !matches!(member, "identity" | "domain" | "user") {
                request["identity"] = json!("CORP\\svc");
            }
            request[member] = serde_json::from_str(value).expect("case value is JSON");
            let mut case = case("wrong type", request.to_string(), &[]);
            case.names = vec![member, "must be"];
            cases.push(case);
        }
    }
    for value in ["1", "true", "[]", "{}"] {
        let text = format!(r#"{{"apiKey":{value},"identity":"CORP\\svc"}}"#);
        cases.push(case("wrong type", text, &["\"apiKey\" must be a string"]));
    }
    cases
}

#[test]
fn hostile_request_table() {
    let key = offline_api_key();
    let cases = cases(&key);
    run_table(
        &cases,
        |case| format!("{} {}", case.name, case.names.first().unwrap_or(&"")),
        |case| {
            let run = Psvault::new(["get", "--request", "-"])
                .stdin(case.stdin.clone())
                .secrets([key.clone()])
                .expect(2, &case.names)?;
            if run.stderr.len() > 4096 {
                return Err(format!("stderr has {} bytes", run.stderr.len()));
            }
            Ok(())
        },
    );
}

/// The timeout flags go through the same check as the request members:
/// a value below 1 nanosecond is rejected, and the message names it.
#[test]
fn sub_nanosecond_timeout_flags() {
    let key = offline_api_key();
    let flags = ["--timeout", "--connect-timeout"];
    run_table(
        &flags,
        |flag| (*flag).to_owned(),
        |flag| {
            Psvault::new(["get", "CORP\\svc", "--url", "https://127.0.0.1:1/api/"])
                .args([*flag, "1e-10"])
                .env("PSVAULT_API_KEY", &key)
                .secrets([key.clone()])
                .expect(2, &[flag, "1e-10 seconds", "shorter than 1 nanosecond"])
                .map(|_| ())
        },
    );
}
