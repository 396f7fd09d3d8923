//! Fault injection: rules that make chosen requests slow, fail or break the
//! connection.

use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

/// A fault the simulator injects instead of (or before) a normal response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Wait this long, then respond normally. Latency rules add up and do
    /// not stop other rules from firing.
    Latency(Duration),
    /// Read the request and never respond; the connection stays open until
    /// the client closes it or the simulator shuts down.
    Hang,
    /// Close the connection with a TCP reset instead of responding.
    Reset,
    /// HTTP 500 with an error body carrying this `ExceptionCode`.
    ServerError {
        /// The `ExceptionCode` of the error body.
        code: i64,
    },
    /// HTTP 502 with an HTML body, as a reverse proxy sends it.
    BadGateway,
    /// HTTP 503 with an HTML body.
    ServiceUnavailable,
    /// HTTP 200 with an HTML page instead of JSON.
    Html,
    /// The real response with a `Content-Length` larger than the body
    /// sent; the connection closes after half of the body.
    Truncated,
    /// HTTP 200 streaming this many bytes of JSON-like text.
    Oversized(u64),
    /// End the session the request belongs to and respond 401. Only
    /// `WebService` calls count, so with `skip = N` the session ends on its
    /// call N + 1 after login.
    ExpireSession,
    /// Delay the TLS handshake of new connections by this long. The rule's
    /// method is ignored; skip and times count connections.
    SlowTlsHandshake(Duration),
}

/// When and how often a fault fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// Method name the rule applies to, for example `GetContainerList`
    /// (compared case-insensitively); `None` applies to every request.
    pub method: Option<String>,
    /// The fault to inject.
    pub fault: Fault,
    /// Number of matching requests to let through before the first fault.
    pub skip: u32,
    /// Maximum number of faults; `None` means every matching request after
    /// the skipped ones.
    pub times: Option<u32>,
}

impl FaultRule {
    /// Creates a rule that injects `fault` on every request.
    pub fn new(fault: Fault) -> FaultRule {
        FaultRule {
            method: None,
            fault,
            skip: 0,
            times: None,
        }
    }

    /// Restricts the rule to one method, for example `GetContainerList`.
    pub fn method(mut self, method: impl Into<String>) -> FaultRule {
        self.method = Some(method.into());
        self
    }

    /// Lets `count` matching requests through before the first fault.
    pub fn skip(mut self, count: u32) -> FaultRule {
        self.skip = count;
        self
    }

    /// Limits the rule to `count` faults.
    pub fn times(mut self, count: u32) -> FaultRule {
        self.times = Some(count);
        self
    }

    fn applies_to(&self, method: &str) -> bool {
        match self.method.as_deref() {
            None | Some("*") => true,
            Some(name) => name.eq_ignore_ascii_case(method),
        }
    }
}

/// Error of [`FaultRule::from_str`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultParseError(String);

impl fmt::Display for FaultParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FaultParseError {}

impl FromStr for FaultRule {
    type Err = FaultParseError;

    /// Parses `METHOD:KIND[:ARG][,skip=N][,times=N]`, where METHOD is a
    /// method name or `*`, and KIND is one of `latency:MS`, `hang`, `reset`,
    /// `error:CODE`, `bad-gateway` (or `502`), `unavailable` (or `503`),
    /// `html`, `truncated`, `oversized[:BYTES]`, `expire-session`,
    /// `slow-tls:MS`.
    fn from_str(spec: &str) -> Result<FaultRule, FaultParseError> {
        let error = |message: String| FaultParseError(format!("invalid fault {spec:?}: {message}"));
        let mut options = spec.split(',');
        let rule = options.next().unwrap_or_default();
        let mut parts = rule.splitn(3, ':');
        let method = parts.next().unwrap_or_default().trim();
        let kind = parts.next().map(str::trim).unwrap_or_default();
        let argument = parts.next().map(str::trim);
        if method.is_empty() || kind.is_empty() {
            return Err(error("expected METHOD:KIND[:ARG]".to_owned()));
        }
        let number = |what: &str| -> Result<u64, FaultParseError> {
            argument
                .ok_or_else(|| error(format!("{kind} needs {what}")))?
                .parse()
                .map_err(|_| error(format!("{what} must be a non-negative integer")))
        };

        let fault = match kind.to_ascii_lowercase().as_str() {
            "latency" => Fault::Latency(Duration::from_millis(number("milliseconds")?)),
            "hang" => Fault::Hang,
            "reset" => Fault::Reset,
            "error" | "500" => Fault::ServerError {
                code: match argument {
                    Some(code) => code
                        .parse()
                        .map_err(|_| error("the exception code must be an integer".to_owned()))?,
                    None => UNKNOWN_ERROR_CODE,
                },
            },
            "bad-gateway" | "502" => Fault::BadGateway,
            "unavailable" | "503" => Fault::ServiceUnavailable,
            "html" => Fault::Html,
            "truncated" => Fault::Truncated,
            "oversized" => match argument {
                Some(_) => Fault::Oversized(number("a byte count")?),
                None => Fault::Oversized(DEFAULT_OVERSIZED_BYTES),
            },
            "expire-session" => Fault::ExpireSession,
            "slow-tls" => Fault::SlowTlsHandshake(Duration::from_millis(number("milliseconds")?)),
            other => return Err(error(format!("unknown fault kind {other:?}"))),
        };

        let mut parsed = FaultRule::new(fault);
        if method != "*" {
            parsed = parsed.method(method);
        }
        for option in options {
            let (name, value) = option
                .split_once('=')
                .ok_or_else(|| error(format!("option {option:?} is not NAME=VALUE")))?;
            let value: u32 = value
                .trim()
                .parse()
                .map_err(|_| error(format!("{name} must be a non-negative integer")))?;
            match name.trim() {
                "skip" => parsed.skip = value,
                "times" => parsed.times = Some(value),
                other => return Err(error(format!("unknown option {other:?}"))),
            }
        }
        Ok(parsed)
    }
}

/// `UnknownError`, the exception code of `error` faults without a code.
const UNKNOWN_ERROR_CODE: i64 = 251_020;

/// Size of an `oversized` body when the rule names none: 64 MiB.
const DEFAULT_OVERSIZED_BYTES: u64 = 64 * 1024 * 1024;

/// Faults planned for one request.
#[derive(Debug, Default)]
pub(crate) struct FaultPlan {
    /// Added delay before anything else happens.
    pub latency: Duration,
    /// The fault replacing the normal response, if any.
    pub fault: Option<Fault>,
}

struct RuleState {
    rule: FaultRule,
    seen: u32,
    fired: u32,
}

impl RuleState {
    /// Counts one matching event and reports whether the rule fires on it.
    fn fires(&mut self) -> bool {
        self.seen = self.seen.saturating_add(1);
        if self.seen <= self.rule.skip {
            return false;
        }
        if self.rule.times.is_some_and(|times| self.fired >= times) {
            return false;
        }
        self.fired += 1;
        true
    }
}

/// The active rules with their counters.
pub(crate) struct FaultEngine {
    rules: Mutex<Vec<RuleState>>,
}

impl FaultEngine {
    pub fn new(rules: Vec<FaultRule>) -> FaultEngine {
        let engine = FaultEngine {
            rules: Mutex::new(Vec::new()),
        };
        engine.replace(rules);
        engine
    }

    /// Replaces every rule and resets the counters.
    pub fn replace(&self, rules: Vec<FaultRule>) {
        let states = rules
            .into_iter()
            .map(|rule| RuleState {
                rule,
                seen: 0,
                fired: 0,
            })
            .collect();
        *self.lock() = states;
    }

    /// Decides the faults for one request to `method`. Every matching rule
    /// counts the request; latencies add up, and the first other rule that
    /// fires replaces the response. Session-expiry rules ignore requests
    /// without a session (`in_session` false, the login calls).
    pub fn plan_request(&self, method: &str, in_session: bool) -> FaultPlan {
        let mut plan = FaultPlan::default();
        for state in self.lock().iter_mut() {
            let skipped = match state.rule.fault {
                Fault::SlowTlsHandshake(_) => true,
                Fault::ExpireSession => !in_session,
                _ => false,
            };
            if skipped || !state.rule.applies_to(method) {
                continue;
            }
            match state.rule.fault.clone() {
                Fault::Latency(delay) => {
                    if state.fires() {
                        plan.latency += delay;
                    }
                }
                fault => {
                    if plan.fault.is_none() && state.fires() {
                        plan.fault = Some(fault);
                    }
                }
            }
        }
        plan
    }

    /// Returns the delay for the TLS handshake of a new connection.
    pub fn plan_handshake(&self) -> Duration {
        let mut delay = Duration::ZERO;
        for state in self.lock().iter_mut() {
            if let Fault::SlowTlsHandshake(wait) = state.rule.fault {
                if state.fires() {
                    delay += wait;
                }
            }
        }
        delay
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<RuleState>> {
        self.rules
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_text_parses() {
        let rule: FaultRule = "GetContainerList:bad-gateway,skip=1,times=2"
            .parse()
            .expect("valid rule");
        assert_eq!(rule.method.as_deref(), Some("GetContainerList"));
        assert_eq!(rule.fault, Fault::BadGateway);
        assert_eq!(rule.skip, 1);
        assert_eq!(rule.times, Some(2));

        let rule: FaultRule = "*:error:110002".parse().expect("valid rule");
        assert_eq!(rule.method, None);
        assert_eq!(rule.fault, Fault::ServerError { code: 110_002 });

        let rule: FaultRule = "*:latency:250".parse().expect("valid rule");
        assert_eq!(rule.fault, Fault::Latency(Duration::from_millis(250)));

        let rule: FaultRule = "GetContainer:oversized".parse().expect("valid rule");
        assert_eq!(rule.fault, Fault::Oversized(64 * 1024 * 1024));
    }

    #[test]
    fn bad_rule_text_is_rejected() {
        for spec in [
            "",
            "hang",
            "*:explode",
            "*:latency",
            "*:latency:x",
            "*:hang,often=2",
        ] {
            assert!(spec.parse::<FaultRule>().is_err(), "{spec:?} was accepted");
        }
    }

    #[test]
    fn skip_and_times_limit_firing() {
        let engine = FaultEngine::new(vec![FaultRule::new(Fault::BadGateway)
            .method("getcontainerlist")
            .skip(1)
            .times(1)]);
        let fired: Vec<bool> = (0..4)
            .map(|_| {
                engine
                    .plan_request("GetContainerList", true)
                    .fault
                    .is_some()
            })
            .collect();
        assert_eq!(fired, [false, true, false, false]);
        assert!(engine.plan_request("GetContainer", true).fault.is_none());
    }

    #[test]
    fn session_expiry_skips_login_calls() {
        let engine = FaultEngine::new(vec![FaultRule::new(Fault::ExpireSession).skip(1)]);
        assert!(engine
            .plan_request("AuthenticateApiKey", false)
            .fault
            .is_none());
        assert!(engine
            .plan_request("GetContainerList", true)
            .fault
            .is_none());
        assert_eq!(
            engine.plan_request("GetContainerList", true).fault,
            Some(Fault::ExpireSession)
        );
    }

    #[test]
    fn latency_adds_up_and_lets_faults_fire() {
        let engine = FaultEngine::new(vec![
            FaultRule::new(Fault::Latency(Duration::from_millis(5))),
            FaultRule::new(Fault::Latency(Duration::from_millis(7))),
            FaultRule::new(Fault::Html),
            FaultRule::new(Fault::Reset),
        ]);
        let plan = engine.plan_request("CloseSession", true);
        assert_eq!(plan.latency, Duration::from_millis(12));
        assert_eq!(plan.fault, Some(Fault::Html));
    }
}
