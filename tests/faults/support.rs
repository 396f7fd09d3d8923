//! A TLS simulator per case, a psvault runner with a process timeout, and
//! the checks that every fault case shares.

use std::fmt::Write as _;
use std::process::Output;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use psr_sim::{FaultRule, Fixture, Simulator, SimulatorOptions};

/// The fixture: one ECC user with one API key and one AD User entry.
const FIXTURE: &str = include_str!("fixture.json");

/// The API key every case uses, as `<user>/<key name>`.
const KEY: &str = "nps/main";

/// The identity every case looks up.
pub const IDENTITY: &str = "CORP\\svc_sql";

/// The password of that entry, which must reach stdout only on success.
pub const PASSWORD: &str = "Fault-Suite-Pa55!";

/// Time after which a psvault process is killed and its case fails. It is
/// far above every case's own bound, so it only stops a hung suite.
const PROCESS_TIMEOUT: Duration = Duration::from_secs(30);

/// Number of cases of one table that run at the same time. Most cases
/// wait on a timeout, so more workers than cores keep the suite short.
const WORKERS: usize = 4;

/// Environment variables that would change where psvault connects.
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

/// What the simulator's session counters must show after the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sessions {
    /// The login never completed: no session is open and none was closed.
    NeverOpened,
    /// The login completed and psvault closed the session.
    Closed,
    /// The server ended the session itself: none is open, none closed.
    Ended,
    /// The server sent no response to `CloseSession`, so nothing is checked.
    Unchecked,
}

/// One fault case: the faults, the extra arguments and what must happen.
pub struct Case {
    /// Short name shown when the case fails.
    pub name: &'static str,
    /// Fault rules active from the simulator's start.
    pub faults: Vec<FaultRule>,
    /// Arguments after `get IDENTITY --url URL --pin-sha256 PIN`.
    pub args: &'static [&'static str],
    /// Expected exit code.
    pub exit: i32,
    /// Texts that stderr must contain; `{host}` stands for `127.0.0.1:PORT`.
    pub messages: &'static [&'static str],
    /// Upper bound on the process's wall time, in seconds.
    pub max_seconds: f64,
    /// Expected session counters after the run.
    pub sessions: Sessions,
    /// Expected number of requests of one method, e.g. after retries.
    pub requests: Option<(&'static str, u64)>,
    /// Maximum address space of the process in KiB (`ulimit -v`), to prove
    /// bounded memory.
    pub memory_limit_kib: Option<u64>,
}

impl Case {
    /// Creates a case with no extra arguments, messages or counts.
    pub fn new(name: &'static str, faults: Vec<FaultRule>, exit: i32) -> Case {
        Case {
            name,
            faults,
            args: &["--timeout", "2"],
            exit,
            messages: &[],
            max_seconds: 4.0,
            sessions: Sessions::Closed,
            requests: None,
            memory_limit_kib: None,
        }
    }

    /// Sets the extra arguments and the wall-time bound.
    pub fn args(mut self, args: &'static [&'static str], max_seconds: f64) -> Case {
        self.args = args;
        self.max_seconds = max_seconds;
        self
    }

    /// Sets the texts that stderr must contain.
    pub fn messages(mut self, messages: &'static [&'static str]) -> Case {
        self.messages = messages;
        self
    }

    /// Sets the expected session counters.
    pub fn sessions(mut self, sessions: Sessions) -> Case {
        self.sessions = sessions;
        self
    }

    /// Sets the expected request count of one method.
    pub fn requests(mut self, method: &'static str, count: u64) -> Case {
        self.requests = Some((method, count));
        self
    }

    /// Runs the process under an address-space limit.
    pub fn memory_limit_kib(mut self, kib: u64) -> Case {
        self.memory_limit_kib = Some(kib);
        self
    }
}

/// One finished psvault process.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs every case, `WORKERS` at a time, and fails with the list of every
/// case that went wrong.
pub fn run_cases(cases: Vec<Case>) {
    let queue = Mutex::new(cases.into_iter());
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| loop {
                let next = queue.lock().expect("case queue").next();
                let Some(case) = next else { break };
                if let Err(message) = run_case(&case) {
                    failures
                        .lock()
                        .expect("failure list")
                        .push(format!("case {}: {message}", case.name));
                }
            });
        }
    });
    let failures = failures.into_inner().expect("failure list");
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// Starts a TLS simulator with the case's faults, runs `psvault get`
/// against it and checks the outcome.
fn run_case(case: &Case) -> Result<(), String> {
    let fixture = Fixture::from_json_str(FIXTURE).map_err(|e| format!("fixture: {e}"))?;
    let options = SimulatorOptions {
        tls: true,
        faults: case.faults.clone(),
        ..SimulatorOptions::default()
    };
    let sim = Simulator::start(fixture, options).map_err(|e| format!("simulator: {e}"))?;
    let run = run_psvault(&sim, case)?;
    let outcome = check(&sim, case, &run);
    sim.shutdown();
    outcome.map_err(|message| {
        format!(
            "{message}\nexit {:?} after {:.2} s\nstdout: {}\nstderr: {}",
            run.code,
            run.elapsed.as_secs_f64(),
            run.stdout,
            run.stderr
        )
    })
}

fn run_psvault(sim: &Simulator, case: &Case) -> Result<Run, String> {
    let pin = sim
        .certificate_sha256()
        .ok_or("the simulator has no certificate")?;
    let pin: String = pin.iter().map(|b| format!("{b:02x}")).collect();
    let api_key = sim.api_key(KEY).ok_or("the fixture has no API key")?;

    let binary = env!("CARGO_BIN_EXE_psvault");
    let mut command = match case.memory_limit_kib {
        // `ulimit -v` caps the address space; a process that buffers a
        // huge body then fails to allocate and aborts.
        Some(kib) => {
            let mut command = assert_cmd::Command::new("sh");
            command.args([
                "-c",
                &format!("ulimit -v {kib} && exec \"$0\" \"$@\""),
                binary,
            ]);
            command
        }
        None => assert_cmd::Command::new(binary),
    };
    for variable in CLEARED_VARIABLES {
        command.env_remove(variable);
    }
    command
        .args(["get", IDENTITY, "--url", &sim.url(), "--pin-sha256", &pin])
        .args(case.args)
        .env("PSVAULT_API_KEY", &api_key)
        .timeout(PROCESS_TIMEOUT);

    let started = Instant::now();
    let output: Output = command.output().map_err(|e| format!("psvault: {e}"))?;
    Ok(Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed: started.elapsed(),
    })
}

/// Returns every violated expectation of one run, or `Ok`.
fn check(sim: &Simulator, case: &Case, run: &Run) -> Result<(), String> {
    let mut problems = String::new();
    let mut fail = |text: String| {
        let _ = writeln!(problems, "- {text}");
    };

    if run.code != Some(case.exit) {
        fail(format!("exit code {:?}, expected {}", run.code, case.exit));
    }
    if run.elapsed.as_secs_f64() > case.max_seconds {
        fail(format!(
            "took {:.2} s, more than {} s",
            run.elapsed.as_secs_f64(),
            case.max_seconds
        ));
    }
    for marker in ["panicked", "RUST_BACKTRACE", "internal error"] {
        if run.stderr.contains(marker) {
            fail(format!("stderr contains {marker:?}"));
        }
    }

    let host = format!("127.0.0.1:{}", sim.port());
    for message in case.messages {
        let message = message.replace("{host}", &host);
        if !run.stderr.contains(&message) {
            fail(format!("stderr lacks {message:?}"));
        }
    }

    if case.exit == 0 {
        match serde_json::from_str::<serde_json::Value>(&run.stdout) {
            Ok(value) if value["password"] == PASSWORD => {}
            _ => fail("stdout is not the credential JSON".to_owned()),
        }
    } else if !run.stdout.is_empty() {
        fail("stdout is not empty after a failure".to_owned());
    }

    let api_key = sim.api_key(KEY).unwrap_or_default();
    let (jwt, private_key) = api_key.split_once(':').unwrap_or_default();
    for (what, secret) in [
        ("the API key", api_key.as_str()),
        ("the JWT", jwt),
        ("the private key", private_key),
        ("the password", PASSWORD),
    ] {
        if !secret.is_empty() && run.stderr.contains(secret) {
            fail(format!("stderr contains {what}"));
        }
    }

    let (open, closed) = (sim.open_sessions(), sim.closed_sessions());
    let expected = match case.sessions {
        Sessions::NeverOpened | Sessions::Ended => Some((0, 0)),
        Sessions::Closed => Some((0, 1)),
        Sessions::Unchecked => None,
    };
    if let Some((want_open, want_closed)) = expected {
        if (open, closed) != (want_open, want_closed) {
            fail(format!(
                "{open} open and {closed} closed sessions, expected {want_open} and \
                 {want_closed} ({:?})",
                case.sessions
            ));
        }
    }

    if let Some((method, count)) = case.requests {
        let seen = sim.request_counts().get(method).copied().unwrap_or(0);
        if seen != count {
            fail(format!("{seen} {method} requests, expected {count}"));
        }
    }

    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}
