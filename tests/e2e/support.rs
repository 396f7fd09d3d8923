//! Simulator setup and a psvault runner that checks every run for leaked
//! secrets.
//!
//! Every run built here asserts that no API key (nor its JWT or private
//! key part) appears in the process's arguments, and that neither an API
//! key nor a fixture password of eight or more characters appears on
//! stderr. Shorter passwords such as `true` are skipped because they
//! occur in ordinary log text.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use psr_sim::{FaultRule, Fixture, Simulator, SimulatorOptions};
use serde_json::Value;
use tempfile::TempDir;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The fixture shared by the end-to-end tests.
pub const FIXTURE: &str = include_str!("fixtures/e2e.json");

/// Maximum time one psvault run may take before the test fails.
const RUN_TIMEOUT: Duration = Duration::from_secs(90);

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

/// A running simulator with the e2e fixture and its certificate on disk.
pub struct Vault {
    /// The simulator.
    pub sim: Simulator,
    /// PEM file of the simulator's certificate; `None` without TLS.
    pub ca_file: Option<PathBuf>,
    directory: TempDir,
}

/// How to start a dedicated simulator.
#[derive(Default)]
pub struct Setup {
    /// Serve plain HTTP instead of HTTPS.
    pub plain_http: bool,
    /// Faults to inject from the start.
    pub faults: Vec<FaultRule>,
}

/// Returns the simulator shared by tests that neither inject faults nor
/// count requests.
pub fn shared() -> &'static Vault {
    static SHARED: OnceLock<Vault> = OnceLock::new();
    SHARED.get_or_init(|| start(Setup::default()))
}

/// Starts a dedicated simulator.
pub fn start(setup: Setup) -> Vault {
    let fixture = Fixture::from_json_str(&fixture_json()).expect("e2e fixture is valid");
    let options = SimulatorOptions {
        tls: !setup.plain_http,
        faults: setup.faults,
        ..SimulatorOptions::default()
    };
    let sim = Simulator::start(fixture, options).expect("simulator starts");
    let directory = tempfile::tempdir().expect("temporary directory");
    let ca_file = sim.certificate_pem().map(|pem| {
        let path = directory.path().join("ca.pem");
        std::fs::write(&path, pem).expect("certificate written");
        path
    });
    Vault {
        sim,
        ca_file,
        directory,
    }
}

/// Returns the fixture text with an API key `nps-ecc/soon` added that
/// expires in ten days, because a fixed date would not stay "soon".
fn fixture_json() -> String {
    let mut fixture: Value = serde_json::from_str(FIXTURE).expect("fixture is JSON");
    let soon = OffsetDateTime::now_utc() + time::Duration::days(10);
    let soon = soon.format(&Rfc3339).expect("formattable date");
    let user = fixture["users"]
        .as_array_mut()
        .and_then(|users| users.iter_mut().find(|user| user["name"] == "nps-ecc"))
        .expect("fixture has user nps-ecc");
    user["apiKeys"]
        .as_array_mut()
        .expect("nps-ecc has apiKeys")
        .push(serde_json::json!({
            "name": "soon", "rights": "Read", "scopes": "Passwords, Forms", "expires": soon
        }));
    fixture.to_string()
}

/// Returns the passwords of the fixture, every field named like a
/// password.
pub fn fixture_passwords() -> Vec<String> {
    let fixture: Value = serde_json::from_str(FIXTURE).expect("fixture is JSON");
    let mut passwords = Vec::new();
    for entry in fixture["entries"].as_array().expect("entries") {
        for label in ["Password", "Kennwort"] {
            if let Some(password) = entry["fields"][label].as_str() {
                passwords.push(password.to_owned());
            }
        }
    }
    passwords
}

impl Vault {
    /// Returns the API URL.
    pub fn url(&self) -> String {
        self.sim.url()
    }

    /// Returns the API key text `<JWT>:<key>` of `user/name`.
    pub fn api_key(&self, user_slash_name: &str) -> String {
        self.sim
            .api_key(user_slash_name)
            .unwrap_or_else(|| panic!("fixture has API key {user_slash_name}"))
    }

    /// Returns the path of the simulator's certificate.
    pub fn ca_path(&self) -> &Path {
        self.ca_file.as_deref().expect("simulator runs with TLS")
    }

    /// Returns a file in this vault's temporary directory.
    pub fn temp_path(&self, name: &str) -> PathBuf {
        self.directory.path().join(name)
    }

    /// Builds `psvault <subcommand...> --ca-file CA <args>` with the URL
    /// and the API key of `key` (none when empty) in the environment.
    /// `key inspect` gets no `--ca-file`, because it does not connect.
    pub fn psvault(&self, key: &str, subcommand: &[&str], args: &[&str]) -> Psvault {
        let mut run = Psvault::new(self);
        run.args(subcommand);
        let connects = subcommand.first() != Some(&"key");
        if let (true, Some(ca_file)) = (connects, &self.ca_file) {
            run.arg("--ca-file");
            run.arg(ca_file.to_str().expect("UTF-8 path"));
        }
        run.args(args);
        run.env("PSVAULT_URL", &self.url());
        if !key.is_empty() {
            run.env("PSVAULT_API_KEY", &self.api_key(key));
        }
        run
    }

    /// Builds `psvault get ... IDENTITY-AND-ARGS` for API key `key`.
    pub fn get(&self, key: &str, args: &[&str]) -> Psvault {
        self.psvault(key, &["get"], args)
    }

    /// Returns the number of calls of `method` the simulator served.
    pub fn count(&self, method: &str) -> u64 {
        self.sim
            .request_counts()
            .get(method)
            .copied()
            .unwrap_or_default()
    }
}

/// A psvault command line under construction.
pub struct Psvault {
    command: Command,
    stdin: Vec<u8>,
    secrets: Vec<String>,
}

/// The result of one psvault run.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// stdout as UTF-8.
    pub stdout: String,
    /// stderr as UTF-8.
    pub stderr: String,
}

impl Psvault {
    /// Creates a bare command with a cleaned environment.
    pub fn new(vault: &Vault) -> Psvault {
        let mut command = Command::new(env!("CARGO_BIN_EXE_psvault"));
        for variable in CLEARED_VARIABLES {
            command.env_remove(variable);
        }
        let mut secrets: Vec<String> = Vec::new();
        for key in vault.sim.api_keys().values() {
            secrets.push(key.clone());
            if let Some((jwt, private_key)) = key.split_once(':') {
                secrets.push(jwt.to_owned());
                secrets.push(private_key.to_owned());
            }
        }
        Psvault {
            command,
            stdin: Vec::new(),
            secrets,
        }
    }

    /// Appends one argument.
    pub fn arg(&mut self, arg: &str) -> &mut Psvault {
        self.command.arg(arg);
        self
    }

    /// Appends arguments.
    pub fn args(&mut self, args: &[&str]) -> &mut Psvault {
        self.command.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env(&mut self, name: &str, value: &str) -> &mut Psvault {
        self.command.env(name, value);
        self
    }

    /// Sets the bytes written to stdin.
    pub fn stdin(&mut self, bytes: impl Into<Vec<u8>>) -> &mut Psvault {
        self.stdin = bytes.into();
        self
    }

    /// Returns the arguments as they will be passed to the process.
    pub fn argv(&self) -> Vec<String> {
        self.command
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect()
    }

    /// Runs psvault and checks that no secret is in its arguments or on
    /// its stderr.
    pub fn run(&mut self) -> Run {
        for arg in self.argv() {
            for secret in &self.secrets {
                assert!(
                    !arg.contains(secret.as_str()),
                    "an API key is on the command line: {arg}"
                );
            }
        }

        let command = std::mem::replace(&mut self.command, Command::new("true"));
        let output = assert_cmd::Command::from_std(command)
            .write_stdin(std::mem::take(&mut self.stdin))
            .timeout(RUN_TIMEOUT)
            .output()
            .expect("psvault runs");
        let run = Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        };

        for secret in &self.secrets {
            assert!(
                !run.stderr.contains(secret.as_str()),
                "an API key appears on stderr:\n{}",
                run.stderr
            );
        }
        for password in fixture_passwords() {
            if password.chars().count() >= 8 {
                assert!(
                    !run.stderr.contains(&password),
                    "a password appears on stderr:\n{}",
                    run.stderr
                );
            }
        }
        run
    }
}

impl Run {
    /// Asserts the exit code, showing stderr on failure.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "unexpected exit code\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    /// Parses stdout as one JSON line.
    pub fn json(&self) -> Value {
        assert!(self.stdout.ends_with('\n'), "stdout: {:?}", self.stdout);
        assert_eq!(self.stdout.lines().count(), 1, "stdout: {}", self.stdout);
        serde_json::from_str(&self.stdout).expect("stdout is JSON")
    }

    /// Parses each stdout line as JSON.
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).expect("stdout line is JSON"))
            .collect()
    }

    /// Parses the last stderr line as the JSON error record.
    pub fn error_record(&self) -> Value {
        let last = self.stderr.lines().last().expect("stderr has a line");
        serde_json::from_str(last).expect("last stderr line is JSON")
    }
}

/// Returns a loopback port on which nothing listens.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().expect("local address").port();
    drop(listener);
    port
}

/// Formats a SHA-256 digest as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
