//! The server methods this client calls and the [`Exchange`] seam that
//! sends them.

use serde_json::Value;

use crate::error::Error;

/// Sends API calls for the protocol functions of [`login`](crate::login),
/// [`search`](crate::search) and [`secret`](crate::secret).
///
/// [`Session`](crate::Session) implements it over HTTP. Tests and tools can
/// implement it over recorded responses to drive the protocol logic
/// without a server.
pub trait Exchange {
    /// Sends one call with the argument object `body` (ignored for GET
    /// methods) and returns the parsed JSON response, `None` for an empty
    /// body or JSON `null`.
    fn call(&mut self, method: ApiMethod, body: &Value) -> Result<Option<Value>, Error>;

    /// Returns the URL of `method`, used in error messages.
    fn url_for(&self, method: ApiMethod) -> String;
}

/// Parses the body of a successful (HTTP 200) response exactly as the
/// HTTP transport does: one leading byte-order mark is removed, an empty
/// body or JSON `null` gives `None`, and HTML or other non-JSON bodies are
/// errors that name `url`.
pub fn parse_response_body(url: &str, body: &[u8]) -> Result<Option<Value>, Error> {
    crate::transport::interpret_response(url, 200, None, None, body)
}

/// One server method of the Password Secure web API.
///
/// Each method belongs to an area (`Auth` or `WebService`) and is called
/// as `<base URL><area>/<name>`. Session headers go only to `WebService`
/// methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ApiMethod {
    /// Login step 1: sends the JWT, returns a signature requirement.
    AuthenticateApiKey,
    /// Login step 2: sends the signed challenge, returns the session.
    AuthenticateUserKeySignatureCredential,
    /// Returns the default list filter for a container type.
    GetContainerListFilter,
    /// Returns one page of containers for a filter.
    GetContainerList,
    /// Returns the number of containers for a filter.
    GetContainerCount,
    /// Returns the data rights of an item.
    GetLegitimateDataRights,
    /// Returns an item with its encrypted value and writes a logbook entry.
    GetContainerItemWithSecretValue,
    /// Ends the session.
    CloseSession,
}

impl ApiMethod {
    /// Returns the method name as it appears in the URL.
    pub fn name(self) -> &'static str {
        match self {
            ApiMethod::AuthenticateApiKey => "AuthenticateApiKey",
            ApiMethod::AuthenticateUserKeySignatureCredential => {
                "AuthenticateUserKeySignatureCredential"
            }
            ApiMethod::GetContainerListFilter => "GetContainerListFilter",
            ApiMethod::GetContainerList => "GetContainerList",
            ApiMethod::GetContainerCount => "GetContainerCount",
            ApiMethod::GetLegitimateDataRights => "GetLegitimateDataRights",
            ApiMethod::GetContainerItemWithSecretValue => "GetContainerItemWithSecretValue",
            ApiMethod::CloseSession => "CloseSession",
        }
    }

    /// Returns the path below the base URL, such as `Auth/AuthenticateApiKey`.
    pub fn path(self) -> String {
        format!("{}/{}", self.area(), self.name())
    }

    /// Returns `Auth` for the login steps and `WebService` for the rest.
    pub fn area(self) -> &'static str {
        if self.is_login_step() {
            "Auth"
        } else {
            "WebService"
        }
    }

    /// Tells whether the method belongs to the `Auth` area, which is called
    /// without session headers.
    pub fn is_login_step(self) -> bool {
        matches!(
            self,
            ApiMethod::AuthenticateApiKey | ApiMethod::AuthenticateUserKeySignatureCredential
        )
    }

    /// Tells whether the method is sent as POST with a JSON body (all but
    /// `CloseSession`, which is a GET).
    pub fn is_post(self) -> bool {
        !matches!(self, ApiMethod::CloseSession)
    }

    /// Tells whether the request may be repeated after a failed connection
    /// or a 502/503 response.
    ///
    /// Login steps are not repeatable because a challenge is valid once.
    /// `GetContainerItemWithSecretValue` is not repeatable because every
    /// call writes a logbook entry.
    pub fn is_idempotent(self) -> bool {
        matches!(
            self,
            ApiMethod::GetContainerListFilter
                | ApiMethod::GetContainerList
                | ApiMethod::GetContainerCount
                | ApiMethod::GetLegitimateDataRights
                | ApiMethod::CloseSession
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_use_area_and_name() {
        assert_eq!(
            ApiMethod::AuthenticateApiKey.path(),
            "Auth/AuthenticateApiKey"
        );
        assert_eq!(ApiMethod::CloseSession.path(), "WebService/CloseSession");
    }

    #[test]
    fn secret_read_and_login_are_not_retried() {
        assert!(!ApiMethod::GetContainerItemWithSecretValue.is_idempotent());
        assert!(!ApiMethod::AuthenticateApiKey.is_idempotent());
        assert!(ApiMethod::GetContainerList.is_idempotent());
    }
}
