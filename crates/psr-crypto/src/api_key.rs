//! API keys: `<JWT>:<base64 of the API key's private key>`.

use std::fmt;

use crate::error::ApiKeyError;
use crate::secret::{SecretBytes, SecretString};

/// Flag values of the `acr` and `acs` claims.
pub mod access {
    /// Access right `Audit`.
    pub const RIGHT_AUDIT: u32 = 0;
    /// Access right `Read`.
    pub const RIGHT_READ: u32 = 1;
    /// Access right `ReadWrite`.
    pub const RIGHT_READ_WRITE: u32 = 3;
    /// Access right `ReadWriteManage`.
    pub const RIGHT_READ_WRITE_MANAGE: u32 = 7;
    /// Access scope `None`.
    pub const SCOPE_NONE: u32 = 0;
    /// Access scope `Passwords`.
    pub const SCOPE_PASSWORDS: u32 = 1;
    /// Access scope `Forms`.
    pub const SCOPE_FORMS: u32 = 2;
    /// Access scope `Documents`.
    pub const SCOPE_DOCUMENTS: u32 = 4;
    /// Access scope `OrganisationalUnits`.
    pub const SCOPE_ORGANISATIONAL_UNITS: u32 = 8;
    /// Access scope `Roles`.
    pub const SCOPE_ROLES: u32 = 16;
    /// Access scope `Unrestricted`.
    pub const SCOPE_UNRESTRICTED: u32 = 2_147_483_647;
}

/// Claims of the API key's JWT payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyClaims {
    /// User name (`usrn`).
    pub username: String,
    /// Database name (`dbn`).
    pub database: String,
    /// Issue time (`iat`), seconds since 1970-01-01 UTC.
    pub issued_at: i64,
    /// Expiry time (`exp`), seconds since 1970-01-01 UTC.
    pub expires_at: i64,
    /// OR of the access rights named by `acr`.
    pub access_rights: u32,
    /// OR of the access scopes named by `acs`.
    pub access_scopes: u32,
    /// `acr` as written in the JWT, for example `ReadWrite`.
    pub access_rights_text: String,
    /// `acs` as written in the JWT, for example `Passwords, Forms`.
    pub access_scopes_text: String,
}

/// A parsed API key.
#[derive(Clone)]
pub struct ApiKey {
    jwt: SecretString,
    private_key: SecretBytes,
    claims: ApiKeyClaims,
}

impl ApiKey {
    /// Parses an API key; surrounding whitespace is ignored.
    pub fn parse(text: &str) -> Result<ApiKey, ApiKeyError> {
        let _ = text;
        Err(ApiKeyError::Empty)
    }

    /// Returns the JWT, sent verbatim in the `ApiKeyToken` header.
    pub fn jwt(&self) -> &SecretString {
        &self.jwt
    }

    /// Returns the API key's private key bytes.
    pub fn private_key(&self) -> &SecretBytes {
        &self.private_key
    }

    /// Returns the claims of the JWT payload.
    pub fn claims(&self) -> &ApiKeyClaims {
        &self.claims
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}
