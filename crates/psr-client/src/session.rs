//! A logged-in session and the one-shot [`lookup`].

use std::time::{Duration, SystemTime};

use psr_crypto::{ApiKey, SecretString};
use serde_json::{json, Value};

use crate::api::{ApiMethod, Exchange};
use crate::api_key::validate_api_key;
use crate::config::ClientConfig;
use crate::error::Error;
use crate::identity::Identity;
use crate::keyring::KeyRing;
use crate::login::{log_in, ClientInformation};
use crate::search::{find_entries, resolve_form, FormInfo};
use crate::secret::read_secret;
use crate::transport::deadline::Deadline;
use crate::transport::{HttpClient, SessionHeaders};

/// Time granted to `CloseSession` when the lookup's deadline has already
/// passed, and to the best-effort close on drop.
const CLOSE_GRACE: Duration = Duration::from_millis(500);

/// A credential found for an identity.
#[derive(Debug)]
pub struct Credential {
    /// Value of the entry's domain field.
    pub domain: String,
    /// Value of the entry's user name field.
    pub username: String,
    /// The decrypted password, every byte kept.
    pub password: SecretString,
    /// Id of the password container.
    pub id: String,
    /// Display name of the password container.
    pub name: String,
}

/// A logged-in session for one or more lookups.
///
/// [`Session::close`] ends the session on the server; dropping an open
/// session does the same on a best-effort basis. All keys and tokens are
/// wiped when the session is dropped.
pub struct Session {
    http: HttpClient,
    config: ClientConfig,
    headers: Option<SessionHeaders>,
    key_ring: KeyRing,
    form: Option<FormInfo>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("url", &self.http.base_url())
            .field("user_id", &self.key_ring.user_id())
            .field(
                "session_id",
                &self
                    .headers
                    .as_ref()
                    .map(|headers| headers.session_id.as_str()),
            )
            .finish_non_exhaustive()
    }
}

/// [`Exchange`] over HTTP with the session headers and one deadline.
struct Channel<'a> {
    http: &'a HttpClient,
    headers: Option<&'a SessionHeaders>,
    deadline: Deadline,
}

impl Exchange for Channel<'_> {
    fn call(&mut self, method: ApiMethod, body: &Value) -> Result<Option<Value>, Error> {
        self.http.call(method, body, self.headers, &self.deadline)
    }

    fn url_for(&self, method: ApiMethod) -> String {
        self.http.url_for(method)
    }
}

impl Session {
    /// Validates the API key, then logs in within `config.timeout`.
    pub fn open(config: &ClientConfig, api_key: &ApiKey) -> Result<Session, Error> {
        validate_api_key(api_key, SystemTime::now())?;
        let http = HttpClient::new(config)?;
        Session::log_in(http, config, api_key, Deadline::after(config.timeout))
    }

    fn log_in(
        http: HttpClient,
        config: &ClientConfig,
        api_key: &ApiKey,
        deadline: Deadline,
    ) -> Result<Session, Error> {
        let client = ClientInformation::new(&config.client_type, &config.client_version);
        let mut channel = Channel {
            http: &http,
            headers: None,
            deadline,
        };
        let login = log_in(&mut channel, api_key, &client)?;
        tracing::debug!(
            user_id = login.user_id.as_str(),
            session_id = login.session_id.as_str(),
            keys = login.key_ring.len(),
            encryption_version = login.encryption_version,
            "logged in"
        );

        let timestamp = psr_crypto::csrf_timestamp(SystemTime::now());
        let csrf_token = psr_crypto::csrf_header_value(
            &login.session_id,
            &timestamp,
            login.key_ring.user_private_key().expose_secret(),
        );
        let mut session = Session {
            headers: Some(SessionHeaders {
                session_id: login.session_id.clone(),
                token2: login.session_token.header_value(),
                api_key_token: api_key.jwt().clone(),
                csrf_token: SecretString::new(String::new()),
            }),
            http,
            config: config.clone(),
            key_ring: login.key_ring,
            form: None,
        };
        match (csrf_token, session.headers.as_mut()) {
            (Ok(csrf_token), Some(headers)) => headers.csrf_token = csrf_token,
            _ => {
                let error = Error::UserKeyUnusable {
                    url: session
                        .http
                        .url_for(ApiMethod::AuthenticateUserKeySignatureCredential),
                    reason: "the user's private key cannot sign the CSRF token",
                };
                session.close_within(closing_deadline(deadline));
                return Err(error);
            }
        }
        Ok(session)
    }

    /// Looks up the credential of `identity` within `config.timeout`.
    ///
    /// Returns `Ok(None)` when no entry matches and
    /// [`Error::Ambiguous`] when several do. `reason` is recorded in the
    /// server's logbook when the password is read.
    pub fn find_credential(
        &mut self,
        identity: &Identity,
        reason: &str,
    ) -> Result<Option<Credential>, Error> {
        let deadline = Deadline::after(self.config.timeout);
        self.find_within(identity, reason, deadline)
    }

    fn find_within(
        &mut self,
        identity: &Identity,
        reason: &str,
        deadline: Deadline,
    ) -> Result<Option<Credential>, Error> {
        let form = self.form_within(deadline)?;
        let mut channel = self.channel(deadline)?;
        let mut entries = find_entries(&mut channel, &form, identity, &self.config.domain_aliases)?;
        tracing::debug!(identity = %identity, matches = entries.len(), "search finished");
        let entry = match entries.len() {
            0 => return Ok(None),
            1 => entries.remove(0),
            _ => {
                return Err(Error::Ambiguous {
                    identity: identity.to_string(),
                    entry_ids: entries.into_iter().map(|entry| entry.id).collect(),
                })
            }
        };
        if entry.reason_required && reason.trim().is_empty() {
            return Err(Error::ReasonRequired { entry_id: entry.id });
        }

        let password = read_secret(
            &mut channel,
            &self.key_ring,
            &entry.id,
            &entry.password_item_id,
            reason,
        )?;
        tracing::debug!(entry_id = entry.id.as_str(), "password read");
        Ok(Some(Credential {
            domain: entry.domain,
            username: entry.username,
            password,
            id: entry.id,
            name: entry.name,
        }))
    }

    /// Resolves the AD User form and its fields, for `psvault check`.
    pub fn check_form(&mut self) -> Result<FormInfo, Error> {
        self.form = None;
        self.form_within(Deadline::after(self.config.timeout))
    }

    fn form_within(&mut self, deadline: Deadline) -> Result<FormInfo, Error> {
        if let Some(form) = &self.form {
            return Ok(form.clone());
        }
        let mut channel = self.channel(deadline)?;
        let form = resolve_form(&mut channel, &self.config.form)?;
        tracing::debug!(
            form = form.name.as_str(),
            fallback = form.fallback_reason.is_some(),
            "form resolved"
        );
        self.form = Some(form.clone());
        Ok(form)
    }

    fn channel(&self, deadline: Deadline) -> Result<Channel<'_>, Error> {
        match &self.headers {
            Some(headers) => Ok(Channel {
                http: &self.http,
                headers: Some(headers),
                deadline,
            }),
            None => Err(Error::SessionInvalid {
                url: self.http.base_url().to_string(),
                code: 0,
            }),
        }
    }

    /// Ends the session on the server with `CloseSession`. The keys are
    /// wiped whether or not the call succeeds.
    pub fn close(mut self) -> Result<(), Error> {
        let deadline = Deadline::after(self.config.timeout);
        self.close_inner(deadline)
    }

    fn close_inner(&mut self, deadline: Deadline) -> Result<(), Error> {
        let Some(headers) = self.headers.take() else {
            return Ok(());
        };
        let result = self
            .http
            .call(
                ApiMethod::CloseSession,
                &json!({}),
                Some(&headers),
                &deadline,
            )
            .map(|_| ());
        match &result {
            Ok(()) => tracing::debug!(session_id = headers.session_id.as_str(), "session closed"),
            Err(error) => tracing::debug!(
                session_id = headers.session_id.as_str(),
                error = %error,
                "closing the session failed"
            ),
        }
        result
    }

    /// Closes the session and ignores a failure, which is logged.
    fn close_within(&mut self, deadline: Deadline) {
        let _ = self.close_inner(deadline);
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.headers.is_some() {
            let grace = CLOSE_GRACE.min(self.config.timeout);
            self.close_within(Deadline::after(grace));
        }
    }
}

/// Returns the deadline for closing after a lookup: what is left of the
/// lookup's deadline, or a short grace period when little is left, so that
/// the session is closed even after a timeout.
fn closing_deadline(deadline: Deadline) -> Deadline {
    if deadline.remaining() >= CLOSE_GRACE {
        deadline
    } else {
        Deadline::after(CLOSE_GRACE)
    }
}

/// Logs in, looks up one identity and closes the session, all within
/// `config.timeout` (closing after a timeout may take up to half a second
/// more).
///
/// The session is closed after an error too. A failed close after a
/// successful lookup is logged and does not discard the credential.
pub fn lookup(
    config: &ClientConfig,
    api_key: &ApiKey,
    identity: &Identity,
    reason: &str,
) -> Result<Option<Credential>, Error> {
    validate_api_key(api_key, SystemTime::now())?;
    let http = HttpClient::new(config)?;
    let deadline = Deadline::after(config.timeout);
    let mut session = Session::log_in(http, config, api_key, deadline)?;
    let result = session.find_within(identity, reason, deadline);
    session.close_within(closing_deadline(deadline));
    result
}
