//! The shared simulators, a psvault runner with a process timeout, and
//! the checks every hostile case shares: exit code, the bad value named
//! on stderr, no panic, no hang and no secret in the output.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use psr_sim::{Fixture, Simulator, SimulatorOptions};
use serde_json::{json, Value};

/// The fixture: an ECC and an RSA user, a current and a legacy entry.
const FIXTURE: &str = include_str!("fixture.json");

/// API key of the ECC user, as `<user>/<key name>`.
pub const ECC_KEY: &str = "nps-ecc/main";

/// API key of the RSA user.
pub const RSA_KEY: &str = "nps-rsa/main";

/// Passwords of the fixture; none may appear on stderr.
pub const PASSWORDS: [&str; 2] = ["Hostile-Current-Pa55!", "Hostile-Legacy-Pa55!"];

/// Time after which a psvault process is killed and its case fails.
const PROCESS_TIMEOUT: Duration = Duration::from_secs(30);

/// Number of cases of one table that run at the same time.
const WORKERS: usize = 4;

/// Secrets shorter than this are not searched for in the output, because
/// short strings such as `abc` occur in ordinary messages.
const MIN_SECRET_CHARS: usize = 12;

/// Environment variables that would change how psvault connects.
const CLEARED_VARIABLES: &[&str] = &[
    "PSVAULT_API_KEY",
    "PSVAULT_URL",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "RUST_LOG",
];

/// A simulator shared by the cases of this binary. Cases only read from
/// it, so sharing does not couple them.
pub struct Vault {
    /// The simulator.
    pub sim: Simulator,
    /// SHA-256 pin of its certificate as hex (TLS only).
    pub pin: Option<String>,
}

/// Returns the shared TLS simulator.
pub fn tls_vault() -> &'static Vault {
    static VAULT: OnceLock<Vault> = OnceLock::new();
    VAULT.get_or_init(|| start(true))
}

/// Returns the shared plain-HTTP simulator, the upstream of the
/// response-mangling proxy.
pub fn http_vault() -> &'static Vault {
    static VAULT: OnceLock<Vault> = OnceLock::new();
    VAULT.get_or_init(|| start(false))
}

fn start(tls: bool) -> Vault {
    let fixture = Fixture::from_json_str(FIXTURE).expect("hostile fixture is valid");
    let options = SimulatorOptions {
        tls,
        ..SimulatorOptions::default()
    };
    let sim = Simulator::start(fixture, options).expect("simulator starts");
    let pin = sim
        .certificate_sha256()
        .map(|digest| digest.iter().map(|b| format!("{b:02x}")).collect());
    Vault { sim, pin }
}

impl Vault {
    /// Returns the API key text of `user/name`.
    pub fn api_key(&self, user_slash_name: &str) -> String {
        self.sim
            .api_key(user_slash_name)
            .unwrap_or_else(|| panic!("fixture has API key {user_slash_name}"))
    }

    /// Returns `--url URL` plus `--pin-sha256 PIN` (TLS) or
    /// `--insecure-allow-http` (plain HTTP).
    pub fn connection_args(&self) -> Vec<String> {
        let mut args = vec!["--url".to_owned(), self.sim.url()];
        match &self.pin {
            Some(pin) => args.extend(["--pin-sha256".to_owned(), pin.clone()]),
            None => args.push("--insecure-allow-http".to_owned()),
        }
        args
    }

    /// Returns every API key of the fixture with its JWT and private key
    /// parts, for the secret checks.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets: Vec<String> = PASSWORDS.iter().map(|p| (*p).to_owned()).collect();
        for key in self.sim.api_keys().values() {
            secrets.push(key.clone());
            if let Some((jwt, private_key)) = key.split_once(':') {
                secrets.push(jwt.to_owned());
                secrets.push(private_key.to_owned());
            }
        }
        secrets
    }
}

/// Builds an API key `<JWT>:<private key>` whose JWT payload is `claims`;
/// header and signature are placeholders because psvault never checks
/// the signature.
pub fn api_key_with_claims(claims: &Value, private_key_b64: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"ES512","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signature = URL_SAFE_NO_PAD.encode([7u8; 64]);
    format!("{header}.{payload}.{signature}:{private_key_b64}")
}

/// Returns claims that parse and pass the local checks.
pub fn valid_claims() -> Value {
    json!({
        "usrn": "nps-ecc", "dbn": "hostile", "iat": 1_700_000_000,
        "exp": 4_070_908_800_i64, "acr": "Read", "acs": "Passwords, Forms"
    })
}

/// Returns a well-formed API key with a fresh ECC private key; it parses
/// but the simulator does not know it.
pub fn offline_api_key() -> String {
    let pair = psr_crypto::generate_ecc_key_pair();
    let private_key = STANDARD.encode(pair.private_key.expose_secret());
    api_key_with_claims(&valid_claims(), &private_key)
}

/// A psvault command line with its environment and stdin.
pub struct Psvault {
    args: Vec<OsString>,
    env: Vec<(String, OsString)>,
    stdin: Vec<u8>,
    secrets: Vec<String>,
}

/// One finished psvault process.
pub struct Run {
    /// Exit code; `None` when the process was killed.
    pub code: Option<i32>,
    /// stdout, lossily decoded.
    pub stdout: String,
    /// stderr, lossily decoded.
    pub stderr: String,
    /// Wall time of the process.
    pub elapsed: Duration,
}

impl Psvault {
    /// Creates `psvault ARGS` with a cleaned environment.
    pub fn new<I, S>(args: I) -> Psvault
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        Psvault {
            args: args.into_iter().map(Into::into).collect(),
            env: Vec::new(),
            stdin: Vec::new(),
            secrets: Vec::new(),
        }
    }

    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> Psvault
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, name: &str, value: impl Into<OsString>) -> Psvault {
        self.env.push((name.to_owned(), value.into()));
        self
    }

    /// Sets the bytes written to stdin.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Psvault {
        self.stdin = bytes.into();
        self
    }

    /// Adds texts that must appear neither on stdout nor on stderr.
    pub fn secrets<I, S>(mut self, secrets: I) -> Psvault
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.secrets.extend(secrets.into_iter().map(Into::into));
        self
    }

    /// Runs the process, killing it after `PROCESS_TIMEOUT`.
    pub fn run(self) -> Result<(Run, Vec<String>), String> {
        let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_psvault"));
        for variable in CLEARED_VARIABLES {
            command.env_remove(variable);
        }
        for (name, value) in &self.env {
            command.env(name, value);
        }
        command
            .args(&self.args)
            .write_stdin(self.stdin)
            .timeout(PROCESS_TIMEOUT);
        let started = Instant::now();
        let output = command.output().map_err(|e| format!("psvault: {e}"))?;
        let run = Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            elapsed: started.elapsed(),
        };
        Ok((run, self.secrets))
    }

    /// Runs the process and checks the exit code, that stderr contains
    /// every text of `names`, and the common rules.
    pub fn expect(self, code: i32, names: &[&str]) -> Result<Run, String> {
        let (run, secrets) = self.run()?;
        let mut problems = String::new();
        let mut fail = |text: String| {
            let _ = writeln!(problems, "- {text}");
        };
        if run.code != Some(code) {
            fail(format!("exit code {:?}, expected {code}", run.code));
        }
        for name in names {
            if !run.stderr.contains(name) {
                fail(format!("stderr lacks {name:?}"));
            }
        }
        if code != 0 && !run.stdout.is_empty() {
            fail("stdout is not empty after a failure".to_owned());
        }
        for marker in ["panicked", "RUST_BACKTRACE", "internal error"] {
            if run.stderr.contains(marker) {
                fail(format!("stderr contains {marker:?}"));
            }
        }
        for secret in secrets
            .iter()
            .filter(|s| s.chars().count() >= MIN_SECRET_CHARS)
        {
            if run.stderr.contains(secret.as_str()) {
                fail(format!("stderr contains the secret {}", excerpt(secret)));
            }
            // A found credential carries its password on stdout.
            let expected_on_stdout = code == 0 && PASSWORDS.contains(&secret.as_str());
            if run.stdout.contains(secret.as_str()) && !expected_on_stdout {
                fail(format!("stdout contains the secret {}", excerpt(secret)));
            }
        }
        if problems.is_empty() {
            Ok(run)
        } else {
            Err(format!(
                "{problems}exit {:?} after {:.2} s\nstdout: {}\nstderr: {}",
                run.code,
                run.elapsed.as_secs_f64(),
                excerpt(&run.stdout),
                excerpt(&run.stderr)
            ))
        }
    }
}

/// Shortens text for a failure report.
pub fn excerpt(text: &str) -> String {
    const LIMIT: usize = 600;
    if text.chars().count() <= LIMIT {
        return text.to_owned();
    }
    let head: String = text.chars().take(LIMIT).collect();
    format!("{head}... ({} bytes)", text.len())
}

/// Runs `check` on every case, `WORKERS` at a time, and fails with the
/// list of every case that went wrong. `name` labels a case in the list.
pub fn run_table<T: Sync>(
    cases: &[T],
    name: impl Fn(&T) -> String + Sync,
    check: impl Fn(&T) -> Result<(), String> + Sync,
) {
    let next = Mutex::new(0usize);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| loop {
                let index = {
                    let mut next = next.lock().expect("case index");
                    let index = *next;
                    *next += 1;
                    index
                };
                let Some(case) = cases.get(index) else { break };
                if let Err(message) = check(case) {
                    failures
                        .lock()
                        .expect("failure list")
                        .push(format!("case {}: {message}", name(case)));
                }
            });
        }
    });
    let failures = failures.into_inner().expect("failure list");
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
