//! A minimal client that follows the wire protocol, for testing the
//! simulator. It uses psr-crypto for every cryptographic step and ureq for
//! HTTP, so none of the simulator's own code takes part on this side.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use psr_crypto::{ApiKey, SecretBytes};
use psr_sim::Simulator;
use serde_json::{json, Value};

/// Status and body of one HTTP exchange.
#[derive(Debug, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Reply {
    /// Parses the body as JSON after one optional byte-order mark.
    pub fn json(&self) -> Value {
        let body = self
            .body
            .strip_prefix("\u{feff}".as_bytes())
            .unwrap_or(&self.body);
        serde_json::from_slice(body).unwrap_or_else(|e| {
            panic!(
                "status {} body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Returns the `ExceptionCode` of an error body.
    pub fn exception_code(&self) -> Option<i64> {
        self.json().get("ExceptionCode").and_then(Value::as_i64)
    }
}

/// An HTTP client bound to one simulator.
pub struct Client {
    agent: ureq::Agent,
    pub base: String,
}

impl Client {
    pub fn new(simulator: &Simulator) -> Client {
        Client::with_timeout(simulator, Duration::from_secs(30))
    }

    pub fn with_timeout(simulator: &Simulator, timeout: Duration) -> Client {
        Client::for_url(
            &simulator.url(),
            simulator.certificate_pem().as_deref(),
            timeout,
        )
    }

    /// Creates a client for a base URL, trusting `certificate_pem` for TLS.
    pub fn for_url(base: &str, certificate_pem: Option<&str>, timeout: Duration) -> Client {
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(timeout));
        if let Some(pem) = certificate_pem {
            let certificate = ureq::tls::Certificate::from_pem(pem.as_bytes())
                .expect("simulator certificate is PEM");
            let tls = ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::new_with_certs(&[certificate]))
                .build();
            config = config.tls_config(tls);
        }
        Client {
            agent: config.build().into(),
            base: base.to_owned(),
        }
    }

    /// POSTs a JSON body to `<base><path>`.
    pub fn post(
        &self,
        path: &str,
        body: &Value,
        headers: &[(&str, String)],
    ) -> Result<Reply, ureq::Error> {
        let mut request = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/json");
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        let response = request.send(body.to_string())?;
        read_reply(response)
    }

    /// Sends a GET to `<base><path>`.
    pub fn get(&self, path: &str, headers: &[(&str, String)]) -> Result<Reply, ureq::Error> {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        read_reply(request.call()?)
    }
}

fn read_reply(mut response: ureq::http::Response<ureq::Body>) -> Result<Reply, ureq::Error> {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_vec()?;
    Ok(Reply {
        status,
        content_type,
        body,
    })
}

/// Why a login did not produce a session.
#[derive(Debug)]
pub enum LoginFailure {
    /// A step returned a status other than 200.
    Status(Reply),
    /// A step returned 200 with an unexpected result object.
    Result(Value),
}

/// An open session with its key ring.
pub struct Session<'c> {
    pub client: &'c Client,
    pub jwt: String,
    pub database: String,
    pub session_id: String,
    pub session_key: String,
    pub user_id: String,
    pub encryption_version: i64,
    /// (legitimate id, private key): the user first, then its roles.
    pub key_ring: Vec<(String, SecretBytes)>,
    pub csrf: Option<String>,
    /// The raw responses of the two login steps.
    pub requirement: Value,
    pub completed: Value,
}

/// Signs a login challenge; tests replace it to send bad signatures.
pub type Signer = dyn Fn(&[u8], &[u8]) -> Vec<u8>;

/// Logs in with an API key text, following the two login steps.
pub fn login<'c>(client: &'c Client, api_key: &str) -> Result<Session<'c>, LoginFailure> {
    login_with_signer(client, api_key, &|key, challenge| {
        psr_crypto::sign(key, challenge).expect("user key signs")
    })
}

/// Logs in, signing the challenge with `signer(user_private_key, challenge)`.
pub fn login_with_signer<'c>(
    client: &'c Client,
    api_key: &str,
    signer: &Signer,
) -> Result<Session<'c>, LoginFailure> {
    let key = ApiKey::parse(api_key).expect("API key parses");
    let jwt = key.jwt().expose_secret().to_owned();
    let claims = key.claims().clone();
    let information = json!({
        "ClientType": "psr-sim-tests",
        "ClientVersion": "1.0.0",
        "ClientInstanceId": "9b0d2c3e-7a41-4d5b-9a8e-2f6c1d0e4b7a"
    });

    let step1 = client
        .post(
            "Auth/AuthenticateApiKey",
            &json!({"credential": {"JsonWebToken": jwt, "ClientInformation": information}}),
            &[],
        )
        .expect("step 1 is answered");
    if step1.status != 200 {
        return Err(LoginFailure::Status(step1));
    }
    let requirement = step1.json();
    let kind = requirement["$type"].as_str().unwrap_or_default();
    if !kind.contains("AuthenticationUserKeySignatureRequirement") {
        return Err(LoginFailure::Result(requirement));
    }
    let user_key_blob = STANDARD
        .decode(requirement["UserKey"].as_str().expect("UserKey present"))
        .expect("UserKey is Base64");
    let user_private = psr_crypto::decrypt(key.private_key().expose_secret(), &user_key_blob)
        .expect("UserKey decrypts with the API key");
    let challenge = STANDARD
        .decode(
            requirement["Challenge"]
                .as_str()
                .expect("Challenge present"),
        )
        .expect("Challenge is Base64");
    let signature = signer(user_private.expose_secret(), &challenge);

    let step2 = client
        .post(
            "Auth/AuthenticateUserKeySignatureCredential",
            &json!({"credential": {
                "Database": claims.database,
                "Username": claims.username,
                "SessionId": requirement["SessionId"],
                "OperationMode": 0,
                "ClientInformation": information,
                "Challenge": requirement["Challenge"],
                "ChallengeSignature": requirement["ChallengeSignature"],
                "UserKeyChallengeSignature": STANDARD.encode(signature),
            }}),
            &[],
        )
        .expect("step 2 is answered");
    if step2.status != 200 {
        return Err(LoginFailure::Status(step2));
    }
    let completed = step2.json();
    if !completed["$type"]
        .as_str()
        .unwrap_or_default()
        .contains("AuthenticationResultCompleted")
    {
        return Err(LoginFailure::Result(completed));
    }

    let user_id = completed["UserId"].as_str().expect("UserId").to_owned();
    let session_id = completed["SessionId"]
        .as_str()
        .expect("SessionId")
        .to_owned();
    let mut key_ring = vec![(user_id.clone(), user_private.clone())];
    if let Some(roles) = completed["EncryptedRoleRightKey"].as_object() {
        for (role_id, blob) in roles.iter().filter(|(id, _)| id.as_str() != "$type") {
            let blob = STANDARD
                .decode(blob.as_str().expect("role key text"))
                .expect("Base64");
            let role_key = psr_crypto::decrypt(user_private.expose_secret(), &blob)
                .expect("role key decrypts with the user key");
            key_ring.push((role_id.clone(), role_key));
        }
    }
    let timestamp = psr_crypto::csrf_timestamp(std::time::SystemTime::now());
    let csrf = psr_crypto::csrf_header_value(&session_id, &timestamp, user_private.expose_secret())
        .expect("CSRF token")
        .expose_secret()
        .to_owned();
    Ok(Session {
        client,
        jwt,
        database: claims.database,
        session_id,
        session_key: completed["SessionKey"]
            .as_str()
            .expect("SessionKey")
            .to_owned(),
        user_id,
        encryption_version: requirement["EncryptionVersion"].as_i64().unwrap_or(0),
        key_ring,
        csrf: Some(csrf),
        requirement,
        completed,
    })
}

impl Session<'_> {
    /// Returns the `token2` header value.
    pub fn token2(&self) -> String {
        let token = json!({
            "Database": self.database,
            "SessionId": self.session_id,
            "SessionKey": self.session_key,
        });
        STANDARD.encode(token.to_string())
    }

    /// Returns the session headers.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = vec![("token2", self.token2()), ("ApiKeyToken", self.jwt.clone())];
        if let Some(csrf) = &self.csrf {
            headers.push(("CSRF-Token", csrf.clone()));
        }
        headers
    }

    /// POSTs a `WebService` call with the session headers.
    pub fn call(&self, method: &str, body: Value) -> Reply {
        self.client
            .post(&format!("WebService/{method}"), &body, &self.headers())
            .expect("WebService call is answered")
    }

    /// Returns the default filter of a container type.
    pub fn default_filter(&self, container_type: i64) -> Value {
        let reply = self.call(
            "GetContainerListFilter",
            json!({"containerType": container_type, "defaultFilter": true}),
        );
        assert_eq!(
            reply.status, 200,
            "GetContainerListFilter failed: {reply:?}"
        );
        reply.json()
    }

    /// Builds a filter from the default one with the content search filled
    /// in (when given), and paging.
    pub fn filter(&self, container_type: i64, search: Option<&str>, exact: bool) -> Value {
        let mut filter = self.default_filter(container_type);
        if let Some(search) = search {
            let object = &mut filter["FilterGroups"][0]["SearchList"][0];
            object["Search"] = json!(search);
            object["FilterActive"] = json!(true);
            object["ExactSearch"] = json!(exact);
            object["SearchTags"] = json!(false);
        }
        filter
    }

    /// Lists containers with a filter; panics on a non-200 status.
    pub fn list(&self, container_type: i64, filter: &Value) -> Vec<Value> {
        let reply = self.list_reply(container_type, filter);
        assert_eq!(reply.status, 200, "GetContainerList failed: {reply:?}");
        reply.json().as_array().expect("list is an array").clone()
    }

    pub fn list_reply(&self, container_type: i64, filter: &Value) -> Reply {
        self.call(
            "GetContainerList",
            json!({"containerType": container_type, "filter": filter}),
        )
    }

    /// Finds the password container of an AD User form (English or German
    /// labels) with this user name value.
    pub fn find_password(&self, username: &str) -> Value {
        let found: Vec<Value> = self
            .list(0, &self.filter(0, Some(username), true))
            .into_iter()
            .filter(|c| {
                let form = c["Info"]["BaseContainerName"].as_str().unwrap_or_default();
                form == "AD User" || form == "AD-Benutzer"
            })
            .collect();
        assert_eq!(
            found.len(),
            1,
            "expected one container for {username}: {found:?}"
        );
        found[0].clone()
    }

    /// Reads and decrypts the secret of an item, as a client does: rights,
    /// then the value, then two decryptions.
    pub fn read_secret(&self, item_id: &str, reason: &str) -> Result<String, Reply> {
        let rights = self.call(
            "GetLegitimateDataRights",
            json!({"dataId": item_id, "checkRights": false, "showDeletedNames": false}),
        );
        if rights.status != 200 {
            return Err(rights);
        }
        let rights = rights.json();
        let item_key = rights
            .as_array()
            .expect("rights are an array")
            .iter()
            .filter(|right| right["SealId"].is_null() && right["RightKey"].is_string())
            .find_map(|right| {
                let legitimate = right["LegitimateId"].as_str()?;
                let (_, key) = self
                    .key_ring
                    .iter()
                    .find(|(id, _)| id.eq_ignore_ascii_case(legitimate))?;
                let blob = STANDARD.decode(right["RightKey"].as_str()?).ok()?;
                psr_crypto::decrypt(key.expose_secret(), &blob).ok()
            });
        let reply = self.call(
            "GetContainerItemWithSecretValue",
            json!({"itemId": item_id, "reason": reason}),
        );
        if reply.status != 200 {
            return Err(reply);
        }
        let item_key = item_key.expect("a right key decrypts with the key ring");
        let value = reply.json()["Value"]
            .as_str()
            .expect("Value is text")
            .to_owned();
        let blob = STANDARD.decode(value).expect("Value is Base64");
        let plain = psr_crypto::decrypt(item_key.expose_secret(), &blob).expect("value decrypts");
        Ok(String::from_utf8(plain.expose_secret().to_vec()).expect("secret is UTF-8"))
    }

    /// Closes the session.
    pub fn close(&self) -> Reply {
        self.client
            .get("WebService/CloseSession", &self.headers())
            .expect("CloseSession is answered")
    }
}

/// Returns the item of a container whose `Name` is `label`.
pub fn item<'a>(container: &'a Value, label: &str) -> &'a Value {
    container["Items"]
        .as_array()
        .expect("Items is an array")
        .iter()
        .find(|item| item["Name"] == label)
        .unwrap_or_else(|| panic!("no item {label} in {container}"))
}

/// Returns the value of the item `Username` (or another label).
pub fn value<'a>(container: &'a Value, label: &str) -> &'a str {
    item(container, label)["Value"].as_str().unwrap_or_default()
}
