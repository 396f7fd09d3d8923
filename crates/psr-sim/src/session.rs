//! Login state: half-open logins waiting for the challenge signature, and
//! open sessions.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Time a client has to return the signed login challenge.
const CHALLENGE_LIFETIME: Duration = Duration::from_secs(300);

/// Number of pending logins above which expired ones are pruned.
const PENDING_PRUNE_THRESHOLD: usize = 1024;

/// A login after `AuthenticateApiKey`, waiting for the signed challenge.
pub(crate) struct PendingLogin {
    pub api_key: usize,
    pub challenge: Vec<u8>,
    pub challenge_signature: Vec<u8>,
    created: Instant,
}

/// An open session.
#[derive(Clone)]
pub(crate) struct OpenSession {
    pub api_key: usize,
    pub user: usize,
    pub session_key: String,
    /// The last `CSRF-Token` value whose signature verified for this
    /// session. A client sends the same value on every request, and a
    /// P-521 verification costs about as much as the rest of the request.
    pub verified_csrf: Option<String>,
}

/// Every pending login and open session, and the count of closed ones.
#[derive(Default)]
pub(crate) struct Sessions {
    pending: HashMap<String, PendingLogin>,
    open: HashMap<String, OpenSession>,
    closed: usize,
}

impl Sessions {
    /// Stores a pending login under a session id.
    pub fn add_pending(
        &mut self,
        session_id: String,
        api_key: usize,
        challenge: Vec<u8>,
        challenge_signature: Vec<u8>,
    ) {
        if self.pending.len() >= PENDING_PRUNE_THRESHOLD {
            self.pending
                .retain(|_, login| login.created.elapsed() < CHALLENGE_LIFETIME);
        }
        self.pending.insert(
            session_id,
            PendingLogin {
                api_key,
                challenge,
                challenge_signature,
                created: Instant::now(),
            },
        );
    }

    /// Removes and returns a pending login that has not expired. A login
    /// gets one attempt at the challenge.
    pub fn take_pending(&mut self, session_id: &str) -> Option<PendingLogin> {
        self.pending
            .remove(session_id)
            .filter(|login| login.created.elapsed() < CHALLENGE_LIFETIME)
    }

    /// Opens a session.
    pub fn open(&mut self, session_id: String, session: OpenSession) {
        self.open.insert(session_id, session);
    }

    /// Returns an open session.
    pub fn get(&self, session_id: &str) -> Option<&OpenSession> {
        self.open.get(session_id)
    }

    /// Records a `CSRF-Token` value that verified for an open session.
    pub fn set_verified_csrf(&mut self, session_id: &str, value: &str) {
        if let Some(session) = self.open.get_mut(session_id) {
            session.verified_csrf = Some(value.to_owned());
        }
    }

    /// Closes a session on the client's request.
    pub fn close(&mut self, session_id: &str) {
        if self.open.remove(session_id).is_some() {
            self.closed += 1;
        }
    }

    /// Ends a session without counting it as closed (injected expiry).
    pub fn expire(&mut self, session_id: &str) -> bool {
        self.open.remove(session_id).is_some()
    }

    /// Number of open sessions.
    pub fn open_count(&self) -> usize {
        self.open.len()
    }

    /// Number of sessions closed with `CloseSession`.
    pub fn closed_count(&self) -> usize {
        self.closed
    }
}
