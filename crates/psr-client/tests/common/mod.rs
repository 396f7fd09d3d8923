//! A mock Password Secure server for the integration tests: accounts with
//! real keys, encrypted login responses, forms, entries, rights and secrets.

#![allow(dead_code)]

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use base64::prelude::{Engine, BASE64_STANDARD, BASE64_URL_SAFE_NO_PAD};
use mockito::{Matcher, Mock, Request, ServerGuard};
use psr_client::{ClientConfig, ProxySetting};
use psr_crypto::{ApiKey, Chain, KeyPair};
use serde_json::{json, Value};

pub const FORM_ID: &str = "33333333-3333-3333-3333-333333333333";
pub const DOMAIN_FIELD_ID: &str = "33333333-0000-0000-0000-000000000002";
pub const USERNAME_FIELD_ID: &str = "33333333-0000-0000-0000-000000000003";
pub const PASSWORD_FIELD_ID: &str = "33333333-0000-0000-0000-000000000004";
pub const SESSION_ID: &str = "55555555-5555-5555-5555-555555555555";
pub const SESSION_KEY: &str = "c2Vzc2lvbi1rZXktZm9yLXRlc3Rz";
pub const DATABASE: &str = "PSR_Test";
pub const USERNAME: &str = "max.muster";
pub const PASSWORD: &str = "S3cr€t “Pässwort” \\ 😀 'q' \"dq\"";

/// Key algorithm of an account's API key, user and role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Rsa,
    Ecc,
}

/// A user with an API key and one role, all with real key pairs.
pub struct Account {
    pub kind: KeyKind,
    pub api_key_text: String,
    pub jwt: String,
    pub api: KeyPair,
    pub user_id: String,
    pub user: KeyPair,
    pub role_id: String,
    pub role: KeyPair,
}

impl Account {
    pub fn api_key(&self) -> ApiKey {
        ApiKey::parse(&self.api_key_text).expect("test API key parses")
    }

    /// Returns the key pair that has rights for a legitimate id.
    pub fn key_for(&self, legitimate_id: &str) -> &KeyPair {
        if legitimate_id == self.user_id {
            &self.user
        } else {
            &self.role
        }
    }
}

fn generate(kind: KeyKind) -> KeyPair {
    match kind {
        KeyKind::Ecc => psr_crypto::generate_ecc_key_pair(),
        KeyKind::Rsa => psr_crypto::generate_rsa_key_pair(1024).expect("RSA key generation"),
    }
}

/// Returns the shared account of a key kind (RSA generation is slow, so
/// accounts are made once per test binary).
pub fn account(kind: KeyKind) -> &'static Account {
    static ECC: OnceLock<Account> = OnceLock::new();
    static RSA: OnceLock<Account> = OnceLock::new();
    let cell = match kind {
        KeyKind::Ecc => &ECC,
        KeyKind::Rsa => &RSA,
    };
    cell.get_or_init(|| {
        let api = generate(kind);
        let jwt = jwt(
            USERNAME,
            DATABASE,
            far_future(),
            "ReadWrite",
            "Passwords, Forms",
        );
        let api_key_text = format!(
            "{jwt}:{}",
            BASE64_STANDARD.encode(api.private_key.expose_secret())
        );
        Account {
            kind,
            api_key_text,
            jwt,
            api,
            user_id: "11111111-1111-1111-1111-111111111111".into(),
            user: generate(kind),
            role_id: "22222222-2222-2222-2222-222222222222".into(),
            role: generate(kind),
        }
    })
}

pub fn far_future() -> i64 {
    4_102_444_800 // 2100-01-01
}

/// Builds an unsigned JWT with the claims an API key carries.
pub fn jwt(username: &str, database: &str, exp: i64, acr: &str, acs: &str) -> String {
    let header = BASE64_URL_SAFE_NO_PAD.encode(br#"{"alg":"HS512","typ":"JWT"}"#);
    let payload = json!({
        "usrn": username, "dbn": database, "iat": 1_700_000_000, "exp": exp,
        "acr": acr, "acs": acs,
    });
    let payload = BASE64_URL_SAFE_NO_PAD.encode(payload.to_string());
    format!("{header}.{payload}.c2lnbmF0dXJl")
}

/// Builds an API key with other claims for the account's private key.
pub fn api_key_with_claims(account: &Account, exp: i64, acr: &str, acs: &str) -> ApiKey {
    let jwt = jwt(USERNAME, DATABASE, exp, acr, acs);
    let text = format!(
        "{jwt}:{}",
        BASE64_STANDARD.encode(account.api.private_key.expose_secret())
    );
    ApiKey::parse(&text).expect("test API key parses")
}

pub fn b64(bytes: &[u8]) -> String {
    BASE64_STANDARD.encode(bytes)
}

pub fn encrypt_to(public_key: &[u8], plaintext: &[u8]) -> String {
    b64(&psr_crypto::encrypt_to_public_key(public_key, plaintext).expect("encrypt to public key"))
}

/// Returns the expected `token2` header value.
pub fn token2() -> String {
    b64(format!(
        r#"{{"Database":"{DATABASE}","SessionId":"{SESSION_ID}","SessionKey":"{SESSION_KEY}"}}"#
    )
    .as_bytes())
}

/// A mock server with helpers to install the responses of each method.
pub struct Vault {
    pub server: ServerGuard,
    pub account: &'static Account,
    pub challenge: Vec<u8>,
    /// Every `CSRF-Token` value the server received.
    pub seen_csrf: Arc<Mutex<Vec<String>>>,
    /// Every request body the server received for WebService methods.
    pub seen_bodies: Arc<Mutex<Vec<String>>>,
    pub bom: bool,
}

pub fn path(method: &str) -> String {
    let area = if method.starts_with("Authenticate") {
        "Auth"
    } else {
        "WebService"
    };
    format!("/api/{area}/{method}")
}

impl Vault {
    pub fn new(kind: KeyKind) -> Vault {
        Vault {
            server: mockito::Server::new(),
            account: account(kind),
            challenge: (0u8..64).collect(),
            seen_csrf: Arc::new(Mutex::new(Vec::new())),
            seen_bodies: Arc::new(Mutex::new(Vec::new())),
            bom: false,
        }
    }

    pub fn config(&self) -> ClientConfig {
        ClientConfig {
            url: format!("{}/api", self.server.url()),
            allow_insecure_http: true,
            proxy: ProxySetting::None,
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(2),
            ..ClientConfig::default()
        }
    }

    fn body(&self, value: &Value) -> Vec<u8> {
        let mut body = if self.bom {
            b"\xEF\xBB\xBF".to_vec()
        } else {
            Vec::new()
        };
        body.extend_from_slice(value.to_string().as_bytes());
        body
    }

    /// Starts a mock for a WebService method that requires valid session
    /// headers and records the CSRF value and the body.
    pub fn web_service(&mut self, method: &str) -> Mock {
        let token2 = token2();
        let jwt = self.account.jwt.clone();
        let user_public = self.account.user.public_key.clone();
        let seen_csrf = self.seen_csrf.clone();
        let seen_bodies = self.seen_bodies.clone();
        let http_method = if method == "CloseSession" {
            "GET"
        } else {
            "POST"
        };
        self.server
            .mock(http_method, path(method).as_str())
            .match_request(move |request: &Request| {
                let header = |name: &str| {
                    request
                        .header(name)
                        .first()
                        .and_then(|value| value.to_str().ok())
                        .map(str::to_string)
                };
                let csrf = header("CSRF-Token");
                let csrf_ok = csrf
                    .as_deref()
                    .and_then(|value| psr_crypto::verify_csrf_header_value(value, &user_public))
                    .is_some_and(|token| token.session_id == SESSION_ID);
                if let Some(csrf) = csrf {
                    seen_csrf.lock().expect("lock").push(csrf);
                }
                if let Ok(body) = request.utf8_lossy_body() {
                    seen_bodies.lock().expect("lock").push(body.into_owned());
                }
                header("token2").as_deref() == Some(token2.as_str())
                    && header("ApiKeyToken").as_deref() == Some(jwt.as_str())
                    && csrf_ok
            })
    }

    /// Step 1 response: a signature requirement with the user key encrypted
    /// for the API key.
    pub fn requirement(&self, encryption_version: i64) -> Value {
        json!({
            "$type": "PsrAuthenticationObjectLib.Authentication.AuthenticationUserKeySignatureRequirement, PsrAuthenticationObjectLib",
            "IsCompleted": false,
            "SessionId": "66666666-6666-6666-6666-666666666666",
            "Challenge": b64(&self.challenge),
            "ChallengeSignature": "c2VydmVyLXNpZ25hdHVyZQ==",
            "UserKey": encrypt_to(&self.account.api.public_key, self.account.user.private_key.expose_secret()),
            "EncryptionVersion": encryption_version,
        })
    }

    /// Step 2 response: the completed login with one role key.
    pub fn completed(&self) -> Value {
        json!({
            "$type": "PsrAuthenticationObjectLib.Authentication.AuthenticationResultCompleted, PsrAuthenticationObjectLib",
            "IsCompleted": true,
            "UserId": self.account.user_id,
            "SessionId": SESSION_ID,
            "SessionKey": SESSION_KEY,
            "EncryptedRoleRightKey": {
                "$type": "System.Collections.Generic.Dictionary`2[[System.Guid, mscorlib],[System.Byte[], mscorlib]], mscorlib",
                (self.account.role_id.clone()): encrypt_to(&self.account.user.public_key, self.account.role.private_key.expose_secret()),
            },
        })
    }

    pub fn mock_step1(&mut self, response: Value) -> Mock {
        let body = self.body(&response);
        self.server
            .mock("POST", path("AuthenticateApiKey").as_str())
            .match_header("token2", Matcher::Missing)
            .match_header("CSRF-Token", Matcher::Missing)
            .match_body(Matcher::PartialJson(json!({
                "credential": {"JsonWebToken": self.account.jwt}
            })))
            .with_header("content-type", "application/json; charset=utf-8")
            .with_body(body)
            .create()
    }

    /// Step 2 mock that checks the echoed challenge and the signature.
    pub fn mock_step2(&mut self, response: Value) -> Mock {
        let body = self.body(&response);
        let user_public = self.account.user.public_key.clone();
        let challenge = self.challenge.clone();
        self.server
            .mock(
                "POST",
                path("AuthenticateUserKeySignatureCredential").as_str(),
            )
            .match_header("token2", Matcher::Missing)
            .match_request(move |request: &Request| {
                let Ok(body) = request.body() else {
                    return false;
                };
                let Ok(body) = serde_json::from_slice::<Value>(body) else {
                    return false;
                };
                let credential = &body["credential"];
                let signature = credential["UserKeyChallengeSignature"]
                    .as_str()
                    .and_then(|text| BASE64_STANDARD.decode(text).ok())
                    .unwrap_or_default();
                credential["Challenge"] == json!(b64(&challenge))
                    && credential["ChallengeSignature"] == json!("c2VydmVyLXNpZ25hdHVyZQ==")
                    && credential["Database"] == json!(DATABASE)
                    && credential["Username"] == json!(USERNAME)
                    && psr_crypto::verify(&user_public, &challenge, &signature)
            })
            .with_body(body)
            .create()
    }

    pub fn mock_login(&mut self) -> (Mock, Mock) {
        let version = match self.account.kind {
            KeyKind::Rsa => 0,
            KeyKind::Ecc => 1,
        };
        let requirement = self.requirement(version);
        let completed = self.completed();
        (self.mock_step1(requirement), self.mock_step2(completed))
    }

    pub fn default_filter(container_type: i64, page_size: i64) -> Value {
        json!({
            "$type": "PsrDataLayer.FilterObjects.ContainerListFilter, PsrDataLayer",
            "ContainerType": container_type, "DataId": null, "DataStates": 1,
            "ExcludeDataState": null, "First": 0, "Page": 0, "PageSize": page_size,
            "PageOrder": null, "PageOrderAsc": true, "SaveFilter": false,
            "FilterGroups": [{
                "$type": "PsrDataLayer.FilterObjects.ListFilterGroupContent, PsrDataLayer",
                "SearchList": [{
                    "$type": "PsrDataLayer.FilterObjects.ListFilterObjectContent, PsrDataLayer",
                    "Search": "", "SearchOrganisationUnits": false, "SearchTags": true,
                    "ExactSearch": false, "ExtendedSearch": null, "FilterActive": false,
                    "Ident": null, "ForceShowRemoveButton": false
                }],
                "Expanded": true, "AndLinkedGroup": true
            }]
        })
    }

    pub fn form() -> Value {
        let item = |id: &str, name: &str, item_type: i64, position: i64| {
            json!({"$type": "PsrDataLayer.Structure.MtoContainerItem, PsrDataLayer", "Id": id,
                   "ContainerId": FORM_ID, "Name": name, "ContainerItemType": item_type,
                   "Position": position, "Value": null, "DataStates": 1})
        };
        json!({
            "$type": "PsrDataLayer.Structure.MtoContainer, PsrDataLayer",
            "Id": FORM_ID, "ContainerType": 1, "Name": "AD User", "DataStates": 1,
            "Items": [
                item("33333333-0000-0000-0000-000000000001", "Description", 0, 0),
                item(DOMAIN_FIELD_ID, "Domain", 0, 1),
                item(USERNAME_FIELD_ID, "Username", 13, 2),
                item(PASSWORD_FIELD_ID, "Password", 1, 3),
            ]
        })
    }

    pub fn mock_forms(&mut self) -> (Mock, Mock) {
        let filter = self.body(&Self::default_filter(1, 0));
        let forms = self.body(&json!([
            {"$type": "PsrDataLayer.Structure.MtoContainer, PsrDataLayer",
             "Id": "77777777-7777-7777-7777-777777777777", "ContainerType": 1,
             "Name": "Website", "DataStates": 1, "Items": []},
            Self::form()
        ]));
        let filter_mock = self
            .web_service("GetContainerListFilter")
            .match_body(Matcher::PartialJson(
                json!({"containerType": 1, "defaultFilter": true}),
            ))
            .with_body(filter)
            .create();
        let list_mock = self
            .web_service("GetContainerList")
            .match_body(Matcher::PartialJson(json!({"containerType": 1})))
            .with_body(forms)
            .create();
        (filter_mock, list_mock)
    }

    pub fn mock_password_filter(&mut self, page_size: i64) -> Mock {
        let filter = self.body(&Self::default_filter(0, page_size));
        self.web_service("GetContainerListFilter")
            .match_body(Matcher::PartialJson(
                json!({"containerType": 0, "defaultFilter": true}),
            ))
            .with_body(filter)
            .create()
    }

    pub fn mock_password_list(&mut self, containers: Value) -> Mock {
        let body = self.body(&containers);
        self.web_service("GetContainerList")
            .match_body(Matcher::PartialJson(json!({"containerType": 0})))
            .with_body(body)
            .create()
    }

    pub fn mock_rights(&mut self, rights: Value) -> Mock {
        let body = self.body(&rights);
        self.web_service("GetLegitimateDataRights")
            .with_body(body)
            .create()
    }

    pub fn mock_secret(&mut self, item: Value) -> Mock {
        let body = self.body(&item);
        self.web_service("GetContainerItemWithSecretValue")
            .with_body(body)
            .create()
    }

    pub fn mock_close(&mut self) -> Mock {
        self.web_service("CloseSession").with_body("").create()
    }
}

/// Id of the n-th test entry and of its password item.
pub fn entry_id(n: u32) -> String {
    format!("44444444-4444-4444-4444-{n:012}")
}

pub fn password_item_id(n: u32) -> String {
    format!("44444444-0000-0000-0004-{n:012}")
}

/// Builds the n-th AD User password container.
pub fn container(n: u32, domain: &str, username: &str) -> Value {
    let id = entry_id(n);
    let item = |suffix: u32, name: &str, item_type: i64, value: Value, base: &str| {
        json!({"$type": "PsrDataLayer.Structure.MtoContainerItem, PsrDataLayer",
               "Id": format!("44444444-0000-0000-000{suffix}-{n:012}"), "ContainerId": id,
               "Name": name, "ContainerItemType": item_type, "Position": suffix - 1,
               "Value": value, "BaseContainerItemId": base,
               "SecretValueRequiredReason": false, "DataStates": 1})
    };
    json!({
        "$type": "PsrDataLayer.Structure.MtoContainer, PsrDataLayer",
        "Id": id, "ContainerType": 0, "Name": null, "BaseContainerId": FORM_ID,
        "DataStates": 1, "DataTags": [],
        "Info": {"$type": "PsrDataLayer.Structure.MtoContainerInfo, PsrDataLayer",
                 "BaseContainerName": "AD User", "ContainerName": format!("Entry {n}"),
                 "ContainerInfo": format!("{domain}\\{username}"), "ContainerInfoFields": []},
        "Items": [
            item(1, "Description", 0, json!(format!("Entry {n}")), "33333333-0000-0000-0000-000000000001"),
            item(2, "Domain", 0, json!(domain), DOMAIN_FIELD_ID),
            item(3, "Username", 13, json!(username), USERNAME_FIELD_ID),
            item(4, "Password", 1, Value::Null, PASSWORD_FIELD_ID),
        ]
    })
}

/// Builds a data right of `legitimate_id` whose right key is `item_key`
/// encrypted to `public_key`.
pub fn right(item_id: &str, legitimate_id: &str, public_key: &[u8], item_key: &[u8]) -> Value {
    json!({
        "$type": "PsrDataLayer.Structure.MtoDataRight, PsrDataLayer",
        "DataId": item_id, "LegitimateId": legitimate_id, "Rights": 1,
        "OwnerRight": false, "SecuredData": false,
        "RightKey": encrypt_to(public_key, item_key), "HasRightKey": true,
        "LegitimatePublicKey": b64(public_key), "SealId": null, "Seal": null,
    })
}

/// Builds the item returned by `GetContainerItemWithSecretValue`, its
/// value encrypted with chain 6 under `item_key`.
pub fn secret_item(item_id: &str, item_key: &[u8], plaintext: &[u8]) -> Value {
    let value =
        psr_crypto::encrypt(Chain::AesGcmPadded, item_key, plaintext).expect("encrypt value");
    json!({
        "$type": "PsrDataLayer.Structure.MtoContainerItem, PsrDataLayer",
        "Id": item_id, "Name": "Password", "ContainerItemType": 1, "Position": 3,
        "Value": b64(&value), "SecretValueRequiredReason": false, "DataStates": 1,
    })
}

pub const ITEM_KEY: [u8; 32] = [0x5a; 32];

/// Mocks of a complete successful lookup of CORP\svc-backup (entry 1).
pub struct HappyPath {
    pub login: (Mock, Mock),
    pub forms: (Mock, Mock),
    pub filter: Mock,
    pub list: Mock,
    pub rights: Mock,
    pub secret: Mock,
    pub close: Mock,
}

impl HappyPath {
    pub fn assert(&self) {
        self.login.0.assert();
        self.login.1.assert();
        self.forms.0.assert();
        self.forms.1.assert();
        self.filter.assert();
        self.list.assert();
        self.rights.assert();
        self.secret.assert();
        self.close.assert();
    }
}

pub fn happy_path(vault: &mut Vault, plaintext: &[u8]) -> HappyPath {
    let account = vault.account;
    let item_id = password_item_id(1);
    HappyPath {
        login: vault.mock_login(),
        forms: vault.mock_forms(),
        filter: vault.mock_password_filter(0),
        list: vault.mock_password_list(json!([
            container(1, "CORP", "svc-backup"),
            container(2, "CORP", "svc-backup2"),
            container(3, "OTHER", "svc-backup"),
        ])),
        rights: vault.mock_rights(json!([right(
            &item_id,
            &account.role_id,
            &account.role.public_key,
            &ITEM_KEY
        )])),
        secret: vault.mock_secret(secret_item(&item_id, &ITEM_KEY, plaintext)),
        close: vault.mock_close(),
    }
}
