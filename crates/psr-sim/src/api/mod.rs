//! The request pipeline: routing, counting, fault injection, session checks
//! and dispatch to the endpoint handlers.

mod auth;
mod data;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use crate::fault::{Fault, FaultEngine};
use crate::http::{Outcome, Request, Response};
use crate::session::Sessions;
use crate::store::Store;
use crate::wire::{self, container_type};

/// `UnknownError`, used for malformed requests.
const CODE_UNKNOWN_ERROR: i64 = 251_020;
/// `Unauthorized`, the code in 401 bodies.
const CODE_UNAUTHORIZED: i64 = 1_300_004;
/// `Forbidden`, the code in 403 bodies.
const CODE_FORBIDDEN: i64 = 1_300_007;

/// One secret read, as recorded by `GetContainerItemWithSecretValue`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogbookEntry {
    /// Id of the password container.
    pub entry_id: String,
    /// Id of the item whose secret was read.
    pub item_id: String,
    /// Name of the user of the session.
    pub user: String,
    /// Id of that user.
    pub user_id: String,
    /// Name of the API key the session was opened with.
    pub api_key: String,
    /// The reason the client gave (may be empty).
    pub reason: String,
    /// Time of the read.
    pub time: SystemTime,
}

/// The calls of the protocol subset, with their areas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    AuthenticateApiKey,
    AuthenticateUserKeySignatureCredential,
    GetContainerListFilter,
    GetContainerList,
    GetContainerCount,
    GetContainer,
    GetLegitimateDataRights,
    GetContainerItemWithSecretValue,
    CloseSession,
    GetCurrentOrganisationUnit,
}

const ENDPOINTS: [(&str, Endpoint); 10] = [
    ("AuthenticateApiKey", Endpoint::AuthenticateApiKey),
    (
        "AuthenticateUserKeySignatureCredential",
        Endpoint::AuthenticateUserKeySignatureCredential,
    ),
    ("GetContainerListFilter", Endpoint::GetContainerListFilter),
    ("GetContainerList", Endpoint::GetContainerList),
    ("GetContainerCount", Endpoint::GetContainerCount),
    ("GetContainer", Endpoint::GetContainer),
    ("GetLegitimateDataRights", Endpoint::GetLegitimateDataRights),
    (
        "GetContainerItemWithSecretValue",
        Endpoint::GetContainerItemWithSecretValue,
    ),
    ("CloseSession", Endpoint::CloseSession),
    (
        "GetCurrentOrganisationUnit",
        Endpoint::GetCurrentOrganisationUnit,
    ),
];

impl Endpoint {
    /// Returns the method name as the protocol spells it.
    pub fn name(self) -> &'static str {
        ENDPOINTS
            .iter()
            .find(|(_, endpoint)| *endpoint == self)
            .map_or("", |(name, _)| name)
    }

    fn is_auth(self) -> bool {
        matches!(
            self,
            Endpoint::AuthenticateApiKey | Endpoint::AuthenticateUserKeySignatureCredential
        )
    }

    /// Finds the endpoint of `<Area>/<Method>`, case-insensitively.
    fn route(area: &str, method: &str) -> Option<Endpoint> {
        let endpoint = ENDPOINTS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(method))
            .map(|(_, endpoint)| *endpoint)?;
        let expected_area = if endpoint.is_auth() {
            "Auth"
        } else {
            "WebService"
        };
        area.eq_ignore_ascii_case(expected_area).then_some(endpoint)
    }
}

/// A rejected call.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// HTTP 401: missing, invalid, expired or closed session.
    Unauthorized(String),
    /// HTTP 403: the API key lacks a right or scope.
    Forbidden(String),
    /// HTTP 500 with an `ExceptionCode`.
    Server { code: i64, message: String },
}

impl ApiError {
    pub fn server(code: i64, message: impl Into<String>) -> ApiError {
        ApiError::Server {
            code,
            message: message.into(),
        }
    }

    fn status_and_body(&self) -> (u16, Value) {
        match self {
            ApiError::Unauthorized(message) => (401, wire::error_body(CODE_UNAUTHORIZED, message)),
            ApiError::Forbidden(message) => (403, wire::error_body(CODE_FORBIDDEN, message)),
            ApiError::Server { code, message } => (500, wire::error_body(*code, message)),
        }
    }
}

/// Settings of the request pipeline.
pub(crate) struct ServiceConfig {
    /// Path prefix, lower case, starting and ending with `/`.
    pub prefix: String,
    pub require_csrf: bool,
    pub bom: bool,
}

/// Everything a request handler needs, shared by all connections.
pub(crate) struct Service {
    pub store: Store,
    pub config: ServiceConfig,
    pub faults: FaultEngine,
    pub shutdown: AtomicBool,
    sessions: Mutex<Sessions>,
    logbook: Mutex<Vec<LogbookEntry>>,
    counts: Mutex<BTreeMap<String, u64>>,
    listed: Mutex<BTreeMap<String, u64>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Service {
    pub fn new(store: Store, config: ServiceConfig, faults: FaultEngine) -> Service {
        Service {
            store,
            config,
            faults,
            shutdown: AtomicBool::new(false),
            sessions: Mutex::new(Sessions::default()),
            logbook: Mutex::new(Vec::new()),
            counts: Mutex::new(BTreeMap::new()),
            listed: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn logbook(&self) -> Vec<LogbookEntry> {
        lock(&self.logbook).clone()
    }

    pub fn request_counts(&self) -> BTreeMap<String, u64> {
        lock(&self.counts).clone()
    }

    pub fn listed_containers(&self) -> BTreeMap<String, u64> {
        lock(&self.listed).clone()
    }

    /// Adds `count` containers of type `kind` to the listed totals.
    fn record_listed(&self, kind: i64, count: usize) {
        let name = match kind {
            container_type::PASSWORD => "password".to_owned(),
            container_type::FORM => "form".to_owned(),
            other => other.to_string(),
        };
        *lock(&self.listed).entry(name).or_default() += count as u64;
    }

    pub fn open_sessions(&self) -> usize {
        lock(&self.sessions).open_count()
    }

    pub fn closed_sessions(&self) -> usize {
        lock(&self.sessions).closed_count()
    }

    fn sessions(&self) -> MutexGuard<'_, Sessions> {
        lock(&self.sessions)
    }

    /// Handles one HTTP request.
    pub fn handle(&self, request: &Request) -> Outcome {
        let Some(endpoint) = self.route(&request.path) else {
            let body = wire::error_body(0, &format!("No endpoint at {}", request.path));
            return Outcome::Respond(self.json_response(404, &body));
        };
        *lock(&self.counts)
            .entry(endpoint.name().to_owned())
            .or_default() += 1;

        let plan = self
            .faults
            .plan_request(endpoint.name(), !endpoint.is_auth());
        if !plan.latency.is_zero() {
            self.sleep(plan.latency);
        }
        match plan.fault {
            None | Some(Fault::Latency(_)) | Some(Fault::SlowTlsHandshake(_)) => {}
            Some(Fault::Hang) => return Outcome::Hang,
            Some(Fault::Reset) => return Outcome::Reset,
            Some(Fault::ServerError { code }) => {
                let body = wire::error_body(code, "Injected server error.");
                return Outcome::Respond(self.json_response(500, &body));
            }
            Some(Fault::BadGateway) => return Outcome::Respond(html(502, "Bad Gateway")),
            Some(Fault::ServiceUnavailable) => {
                return Outcome::Respond(html(503, "Service Unavailable"))
            }
            Some(Fault::Html) => return Outcome::Respond(html(200, "Sign in")),
            Some(Fault::Oversized(bytes)) => return Outcome::Oversized(bytes),
            Some(Fault::ExpireSession) => {
                if let Some(session_id) = auth::session_id_of(request) {
                    if self.sessions().expire(&session_id) {
                        tracing::info!(session = %short_id(&session_id), "session expired by fault");
                    }
                }
                let error = ApiError::Unauthorized("The session has expired.".to_owned());
                return Outcome::Respond(self.error_response(&error));
            }
            Some(Fault::Truncated) => {
                return Outcome::Truncated(self.respond(endpoint, request));
            }
        }
        Outcome::Respond(self.respond(endpoint, request))
    }

    fn respond(&self, endpoint: Endpoint, request: &Request) -> Response {
        match self.dispatch(endpoint, request) {
            Ok(Some(body)) => self.json_response(200, &body),
            Ok(None) => self.json_bytes_response(200, Vec::new()),
            Err(error) => self.error_response(&error),
        }
    }

    fn dispatch(&self, endpoint: Endpoint, request: &Request) -> Result<Option<Value>, ApiError> {
        if request.method != "GET" && request.method != "POST" {
            return Err(ApiError::server(
                CODE_UNKNOWN_ERROR,
                format!("Method {} is not allowed; use GET or POST.", request.method),
            ));
        }
        let body = parse_body(&request.body)?;
        if endpoint.is_auth() {
            return match endpoint {
                Endpoint::AuthenticateApiKey => self.authenticate_api_key(&body).map(Some),
                _ => self.authenticate_signature(&body).map(Some),
            };
        }
        let session = self.check_session(request)?;
        match endpoint {
            Endpoint::GetContainerListFilter => self.get_container_list_filter(&body).map(Some),
            Endpoint::GetContainerList => self.get_container_list(&session, &body).map(Some),
            Endpoint::GetContainerCount => self.get_container_count(&session, &body).map(Some),
            Endpoint::GetContainer => self.get_container(&session, &body).map(Some),
            Endpoint::GetLegitimateDataRights => self.get_rights(&session, &body).map(Some),
            Endpoint::GetContainerItemWithSecretValue => self.get_secret(&session, &body).map(Some),
            Endpoint::GetCurrentOrganisationUnit => Ok(Some(self.current_user(&session))),
            Endpoint::CloseSession => {
                self.sessions().close(&session.session_id);
                Ok(None)
            }
            Endpoint::AuthenticateApiKey | Endpoint::AuthenticateUserKeySignatureCredential => {
                Ok(None)
            }
        }
    }

    /// Maps a path to an endpoint: the prefix (case-insensitive), then
    /// exactly `<Area>/<Method>`. A query string is ignored.
    fn route(&self, path: &str) -> Option<Endpoint> {
        let path = path.split('?').next().unwrap_or_default();
        let prefix = &self.config.prefix;
        if path.len() < prefix.len() || !path.is_char_boundary(prefix.len()) {
            return None;
        }
        let (head, rest) = path.split_at(prefix.len());
        if !head.eq_ignore_ascii_case(prefix) {
            return None;
        }
        let (area, method) = rest.split_once('/')?;
        Endpoint::route(area, method)
    }

    fn json_response(&self, status: u16, body: &Value) -> Response {
        self.json_bytes_response(status, body.to_string().into_bytes())
    }

    fn json_bytes_response(&self, status: u16, body: Vec<u8>) -> Response {
        let body = if self.config.bom {
            let mut prefixed = "\u{feff}".as_bytes().to_vec();
            prefixed.extend_from_slice(&body);
            prefixed
        } else {
            body
        };
        Response {
            status,
            content_type: "application/json; charset=utf-8",
            body,
        }
    }

    fn error_response(&self, error: &ApiError) -> Response {
        let (status, body) = error.status_and_body();
        tracing::debug!(status, ?error, "request rejected");
        self.json_response(status, &body)
    }

    /// Sleeps in short steps so that shutdown is not held up.
    fn sleep(&self, duration: Duration) {
        let deadline = Instant::now() + duration;
        while !self.shutdown.load(Ordering::Relaxed) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            std::thread::sleep(left.min(Duration::from_millis(50)));
        }
    }

    fn record_read(&self, entry: LogbookEntry) {
        lock(&self.logbook).push(entry);
    }
}

/// Parses a request body as JSON whatever the content type. An empty body
/// is `{}` and one leading byte-order mark is skipped.
fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    let body = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(body).map_err(|error| {
        ApiError::server(
            CODE_UNKNOWN_ERROR,
            format!("The request body is not valid JSON: {error}"),
        )
    })
}

fn html(status: u16, title: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html>\n<html><head><title>{title}</title></head>\
         <body><h1>{title}</h1><p>psr-sim injected this page.</p></body></html>\n"
    );
    Response {
        status,
        content_type: "text/html; charset=utf-8",
        body: body.into_bytes(),
    }
}

/// Returns the first 8 characters of a session id, enough to correlate
/// log lines without logging the whole id.
pub(crate) fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// Reads a string argument; absent, null or non-string is `None`.
fn string_argument<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.get(name).and_then(Value::as_str)
}
