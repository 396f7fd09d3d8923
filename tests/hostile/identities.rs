//! Hostile identities. Malformed ones exit 2 before any request; odd but
//! well-formed ones reach the simulator and exit 1 (not found). Either
//! way stderr names the identity, with control and bidirectional
//! characters escaped and long values cut.

use serde_json::json;

use crate::support::{run_table, tls_vault, Psvault, ECC_KEY};

/// Maximum stderr size in bytes for any case, so that a 10 KB identity
/// cannot be echoed in full.
const MAX_STDERR_BYTES: usize = 2048;

/// Characters that must never reach stderr unescaped: they move the
/// cursor, change colours or reorder the displayed text.
const RAW_FORBIDDEN: [char; 8] = [
    '\u{0}', '\u{7}', '\u{1b}', '\r', '\u{202e}', '\u{200f}', '\u{2066}', '\u{2028}',
];

struct Case {
    name: &'static str,
    identity: String,
    exit: i32,
    names: Vec<String>,
}

fn case(name: &'static str, identity: impl Into<String>, exit: i32, names: &[&str]) -> Case {
    Case {
        name,
        identity: identity.into(),
        exit,
        names: names.iter().map(|n| (*n).to_owned()).collect(),
    }
}

fn cases() -> Vec<Case> {
    let long_user = "a".repeat(10 * 1024);
    vec![
        case(
            "empty domain",
            "\\user",
            2,
            &["\\user", "domain before '\\' is empty"],
        ),
        case("empty user", "CORP\\", 2, &["CORP\\", "user name is empty"]),
        case(
            "double backslash",
            "CORP\\\\user",
            2,
            &["CORP\\\\user", "more than one"],
        ),
        case(
            "two backslashes",
            "A\\B\\c",
            2,
            &["A\\B\\c", "more than one"],
        ),
        case(
            "empty user at",
            "@corp.example",
            2,
            &["@corp.example", "user name is empty"],
        ),
        case(
            "empty domain at",
            "user@",
            2,
            &["user@", "domain after '@' is empty"],
        ),
        case(
            "bare user",
            "svc_current",
            2,
            &["svc_current", "domain is missing"],
        ),
        case("dot domain", ".\\admin", 2, &[".\\admin", "this computer"]),
        case("empty", "", 2, &["domain is missing"]),
        case("whitespace only", " \t  ", 2, &["domain is missing"]),
        case(
            "bell",
            "CORP\\svc\u{7}sql",
            2,
            &["CORP\\svc\\u{7}sql", "control characters"],
        ),
        case(
            "line break",
            "CORP\\svc\nforged",
            2,
            &["CORP\\svc\\nforged", "control"],
        ),
        case(
            "escape sequence",
            "CORP\\\u{1b}[31mred",
            2,
            &["\\u{1b}[31mred", "control"],
        ),
        case(
            "NUL",
            "CORP\\svc\u{0}x",
            2,
            &["CORP\\svc\\u{0}x", "control characters"],
        ),
        case(
            "10 KB without domain",
            long_user.clone(),
            2,
            &["aaaaaaaaaaaaaaaa", "domain is missing"],
        ),
        // Windows account names cannot contain '@', so a second one is a typo.
        case(
            "two at signs",
            "a@b@c",
            2,
            &["a@b@c", "more than one domain separator"],
        ),
        case(
            "10 KB user",
            format!("CORP\\{long_user}"),
            1,
            &["CORP\\aaaaaaaa"],
        ),
        case(
            "10 KB domain",
            format!("{long_user}\\svc"),
            1,
            &["aaaaaaaaaaaaaaaa"],
        ),
        case(
            "right-to-left override",
            "CORP\\svc\u{202e}tnerruc",
            1,
            &["CORP\\svc\\u{202e}tnerruc"],
        ),
        case(
            "right-to-left mark",
            "\u{200f}CORP\\svc_current",
            1,
            &["\\u{200f}CORP\\svc_current"],
        ),
        case(
            "bidi isolate",
            "CORP\\svc\u{2066}x\u{2069}",
            1,
            &["\\u{2066}x\\u{2069}"],
        ),
        case("line separator", "CORP\\svc\u{2028}x", 1, &["\\u{2028}x"]),
        case(
            "zero-width space",
            "CORP\\svc\u{200b}_current",
            1,
            &["svc\u{200b}_current"],
        ),
    ]
}

/// Runs one identity through `--request -`, the only way to pass NUL.
fn check(case: &Case) -> Result<(), String> {
    let vault = tls_vault();
    let names: Vec<&str> = case.names.iter().map(String::as_str).collect();
    let request = json!({"identity": case.identity, "timeoutSec": 10});
    let run = Psvault::new(["get", "--request", "-"])
        .args(vault.connection_args())
        .env("PSVAULT_API_KEY", vault.api_key(ECC_KEY))
        .stdin(request.to_string())
        .secrets(vault.secrets())
        .expect(case.exit, &names)?;
    if run.stderr.len() > MAX_STDERR_BYTES {
        return Err(format!("stderr has {} bytes", run.stderr.len()));
    }
    if let Some(c) = run.stderr.chars().find(|c| RAW_FORBIDDEN.contains(c)) {
        return Err(format!("stderr contains the raw character {c:?}"));
    }
    Ok(())
}

#[test]
fn hostile_identity_table() {
    let cases = cases();
    run_table(&cases, |case| case.name.to_owned(), check);
}

/// The same identities as a command-line argument and as `--user`,
/// except NUL, which no argument can carry.
#[test]
fn hostile_identity_flags() {
    let vault = tls_vault();
    let cases: Vec<Case> = cases()
        .into_iter()
        .filter(|case| !case.identity.contains('\u{0}'))
        .collect();
    run_table(
        &cases,
        |case| format!("{} as argument", case.name),
        |case| {
            let names: Vec<&str> = case.names.iter().map(String::as_str).collect();
            Psvault::new(["get", "--timeout", "10"])
                .args(vault.connection_args())
                .args(["--", &case.identity])
                .env("PSVAULT_API_KEY", vault.api_key(ECC_KEY))
                .secrets(vault.secrets())
                .expect(case.exit, &names)
                .map(|_| ())
        },
    );
}

#[test]
fn conflicting_domain_exits_2() {
    let vault = tls_vault();
    let result = Psvault::new(["get", "--domain", "CORP", "--user", "OTHER\\svc"])
        .args(vault.connection_args())
        .env("PSVAULT_API_KEY", vault.api_key(ECC_KEY))
        .expect(2, &["CORP\\OTHER\\svc", "different domain"]);
    if let Err(message) = result {
        panic!("{message}");
    }
}

/// An API key pasted into the identity must not be echoed in full.
#[test]
fn key_as_identity_not_echoed() {
    let vault = tls_vault();
    let key = vault.api_key(ECC_KEY);
    let request = json!({"identity": key});
    let result = Psvault::new(["get", "--request", "-"])
        .args(vault.connection_args())
        .env("PSVAULT_API_KEY", &key)
        .stdin(request.to_string())
        .secrets(vault.secrets())
        .expect(2, &["invalid identity"]);
    if let Err(message) = result {
        panic!("{message}");
    }
}
