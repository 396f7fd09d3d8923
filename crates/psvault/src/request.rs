//! The JSON request read from stdin by `--request -` and by `batch`.
//!
//! The PowerShell module sends everything secret or user-controlled this
//! way, so nothing is ever quoted into a command line. Parsing is strict:
//! the input must be one UTF-8 JSON object (one leading BOM is ignored),
//! unknown, misplaced and duplicate members are rejected by name, and a
//! member of the wrong JSON type is named with the type found. A member
//! whose value is `null` counts as absent, because PowerShell's
//! `ConvertTo-Json` writes `$null` properties that way.
//!
//! Error messages never quote member values, so a misplaced API key is
//! not echoed to stderr.

use std::collections::HashSet;
use std::fmt;
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::settings::{parse_domain_alias, parse_pin, seconds_to_duration};

/// Maximum size of a request, and of one batch line, in bytes.
///
/// A request with every member set is a few kilobytes; the limit only
/// stops a runaway producer from exhausting memory.
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// Where a request appears, which decides the members it may contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// `psvault get --request -`: connection and lookup members.
    Get,
    /// `psvault check --request -`: connection members.
    Check,
    /// `psvault key inspect --request -`: `apiKey` and `format`.
    KeyInspect,
    /// The first line of `psvault batch`: connection and lookup members
    /// and `tag`.
    BatchFirstLine,
    /// Any later line of `psvault batch`: lookup members and `tag`.
    BatchLine,
}

impl Context {
    fn command_name(self) -> &'static str {
        match self {
            Context::Get => "psvault get",
            Context::Check => "psvault check",
            Context::KeyInspect => "psvault key inspect",
            Context::BatchFirstLine => "the first line of psvault batch",
            Context::BatchLine => "batch lines after the first",
        }
    }
}

/// What a member is for, which decides where it may appear.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// The API key and the output format: everywhere except later batch
    /// lines.
    KeyOrFormat,
    /// Server, TLS, timeout, proxy and form settings.
    Connection,
    /// The account to look up and the audit reason.
    Lookup,
    /// A caller's value echoed back in batch results.
    Tag,
}

/// Every request member: its JSON name and role.
const MEMBERS: &[(&str, Role)] = &[
    ("url", Role::Connection),
    ("apiKey", Role::KeyOrFormat),
    ("identity", Role::Lookup),
    ("domain", Role::Lookup),
    ("user", Role::Lookup),
    ("reason", Role::Lookup),
    ("format", Role::KeyOrFormat),
    ("insecureSkipCertificateCheck", Role::Connection),
    ("insecureAllowHttp", Role::Connection),
    ("caFile", Role::Connection),
    ("pinSha256", Role::Connection),
    ("timeoutSec", Role::Connection),
    ("connectTimeoutSec", Role::Connection),
    ("proxy", Role::Connection),
    ("noProxy", Role::Connection),
    ("form", Role::Connection),
    ("domainField", Role::Connection),
    ("usernameField", Role::Connection),
    ("passwordField", Role::Connection),
    ("domainAliases", Role::Connection),
    ("tag", Role::Tag),
];

fn allows(context: Context, role: Role) -> bool {
    match context {
        Context::Get => role != Role::Tag,
        Context::Check => matches!(role, Role::KeyOrFormat | Role::Connection),
        Context::KeyInspect => role == Role::KeyOrFormat,
        Context::BatchFirstLine => true,
        Context::BatchLine => matches!(role, Role::Lookup | Role::Tag),
    }
}

/// A parsed request. Every member is optional here; `settings` decides
/// what is required and merges the members over flags and environment.
#[derive(Default)]
pub struct Request {
    /// `url`: base URL of the API.
    pub url: Option<String>,
    /// `apiKey`: the API key text, wiped on drop.
    pub api_key: Option<Zeroizing<String>>,
    /// `identity`: `DOMAIN\user`, `user@dns.suffix` or `HOST\user`.
    pub identity: Option<String>,
    /// `domain`: domain part, with `user`.
    pub domain: Option<String>,
    /// `user`: user name part.
    pub user: Option<String>,
    /// `reason`: audit reason.
    pub reason: Option<String>,
    /// `format`: output format name, checked by `settings`.
    pub format: Option<String>,
    /// `insecureSkipCertificateCheck`.
    pub insecure_skip_certificate_check: Option<bool>,
    /// `insecureAllowHttp`.
    pub insecure_allow_http: Option<bool>,
    /// `caFile`: path of a PEM file of extra CA certificates.
    pub ca_file: Option<PathBuf>,
    /// `pinSha256`: one hex string or an array of them.
    pub pin_sha256: Option<Vec<[u8; 32]>>,
    /// `timeoutSec`: deadline of the whole lookup.
    pub timeout: Option<Duration>,
    /// `connectTimeoutSec`: deadline of each connection.
    pub connect_timeout: Option<Duration>,
    /// `proxy`: proxy URL.
    pub proxy: Option<String>,
    /// `noProxy`: connect directly.
    pub no_proxy: Option<bool>,
    /// `form`: name of the AD User form.
    pub form: Option<String>,
    /// `domainField`: label of the domain field.
    pub domain_field: Option<String>,
    /// `usernameField`: label of the user name field.
    pub username_field: Option<String>,
    /// `passwordField`: label of the password field.
    pub password_field: Option<String>,
    /// `domainAliases`: array of `DNS=NETBIOS` strings.
    pub domain_aliases: Option<Vec<(String, String)>>,
    /// `tag`: any JSON value, echoed back by `batch`.
    pub tag: Option<Value>,
}

impl Request {
    /// Returns true when any connection, key or format member is present.
    pub fn has_connection_members(&self) -> bool {
        self.url.is_some()
            || self.api_key.is_some()
            || self.format.is_some()
            || self.insecure_skip_certificate_check.is_some()
            || self.insecure_allow_http.is_some()
            || self.ca_file.is_some()
            || self.pin_sha256.is_some()
            || self.timeout.is_some()
            || self.connect_timeout.is_some()
            || self.proxy.is_some()
            || self.no_proxy.is_some()
            || self.form.is_some()
            || self.domain_field.is_some()
            || self.username_field.is_some()
            || self.password_field.is_some()
            || self.domain_aliases.is_some()
    }

    /// Returns true when any lookup member is present.
    pub fn has_lookup_members(&self) -> bool {
        self.identity.is_some() || self.domain.is_some() || self.user.is_some()
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("url", &self.url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("identity", &self.identity)
            .field("domain", &self.domain)
            .field("user", &self.user)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// A request that could not be read or parsed; the message names the
/// member or the position involved, never a value.
#[derive(Debug, PartialEq, Eq)]
pub struct RequestError(pub String);

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads a whole request from `reader`, at most `MAX_REQUEST_BYTES`.
// NOTE: this waits for end of input without a deadline, because the
// lookup's --timeout starts after the request is read. A caller that
// keeps stdin open without writing makes psvault wait until it closes.
pub fn read_request(reader: impl Read) -> Result<Zeroizing<Vec<u8>>, RequestError> {
    let mut bytes = Zeroizing::new(Vec::new());
    let limit = MAX_REQUEST_BYTES as u64 + 1;
    reader
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| RequestError(format!("could not read the request from stdin: {e}")))?;
    if bytes.len() > MAX_REQUEST_BYTES {
        return Err(RequestError(format!(
            "the request on stdin is larger than {MAX_REQUEST_BYTES} bytes; \
             send one JSON object with the documented members"
        )));
    }
    Ok(bytes)
}

/// Parses one request: a UTF-8 JSON object, optionally after a BOM.
pub fn parse_request(bytes: &[u8], context: Context) -> Result<Request, RequestError> {
    let json = strip_bom(bytes)?;
    if json.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(RequestError(
            "the request is empty; send one JSON object such as \
             {\"identity\":\"CORP\\\\svc_sql\"}"
                .into(),
        ));
    }

    let members: RawMembers = serde_json::from_slice(json).map_err(|e| {
        if e.is_data() {
            // Valid JSON of another type than an object. MembersVisitor's
            // message names the type found, and the position would only
            // add noise.
            let message = e.to_string();
            let position = format!(" at line {} column {}", e.line(), e.column());
            RequestError(
                message
                    .strip_suffix(&position)
                    .unwrap_or(&message)
                    .to_owned(),
            )
        } else {
            RequestError(format!("the request is not valid JSON: {e}"))
        }
    })?;

    let mut seen = HashSet::new();
    let mut request = Request::default();
    for (name, value) in members.0 {
        // The type is checked before the duplicate, so that a duplicate of
        // the wrong type reports the more specific error.
        check_member(&name, context)?;
        apply_member(&mut request, &name, value)?;
        if !seen.insert(name.clone()) {
            return Err(RequestError(format!(
                "request member \"{name}\" appears more than once; send it once"
            )));
        }
    }
    Ok(request)
}

fn strip_bom(bytes: &[u8]) -> Result<&[u8], RequestError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(RequestError(
            "the request is UTF-16; send it as UTF-8 bytes".into(),
        ));
    }
    Ok(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
}

fn check_member(name: &str, context: Context) -> Result<(), RequestError> {
    let Some(&(_, role)) = MEMBERS.iter().find(|(known, _)| *known == name) else {
        let known: Vec<&str> = MEMBERS
            .iter()
            .filter(|(_, role)| allows(context, *role))
            .map(|(known, _)| *known)
            .collect();
        return Err(RequestError(format!(
            "unknown request member \"{}\"; known members: {}",
            name.escape_debug(),
            known.join(", ")
        )));
    };
    if !allows(context, role) {
        return Err(RequestError(format!(
            "request member \"{name}\" is not used by {}; remove it",
            context.command_name()
        )));
    }
    Ok(())
}

fn apply_member(request: &mut Request, name: &str, value: RawValue) -> Result<(), RequestError> {
    let value = match value {
        RawValue::Secret(SecretText::Text(text)) => {
            request.api_key = Some(text);
            return Ok(());
        }
        RawValue::Secret(SecretText::Null) => return Ok(()),
        RawValue::Secret(SecretText::WrongType(found)) => {
            return Err(wrong_type(name, "a string", found));
        }
        RawValue::Json(Value::Null) => return Ok(()),
        RawValue::Json(value) => value,
    };

    match name {
        "url" => request.url = Some(string(name, value)?),
        "identity" => request.identity = Some(string(name, value)?),
        "domain" => request.domain = Some(string(name, value)?),
        "user" => request.user = Some(string(name, value)?),
        "reason" => request.reason = Some(string(name, value)?),
        "format" => request.format = Some(string(name, value)?),
        "insecureSkipCertificateCheck" => {
            request.insecure_skip_certificate_check = Some(boolean(name, value)?)
        }
        "insecureAllowHttp" => request.insecure_allow_http = Some(boolean(name, value)?),
        "caFile" => request.ca_file = Some(PathBuf::from(string(name, value)?)),
        "pinSha256" => request.pin_sha256 = Some(pins(name, value)?),
        "timeoutSec" => request.timeout = Some(seconds(name, value)?),
        "connectTimeoutSec" => request.connect_timeout = Some(seconds(name, value)?),
        "proxy" => request.proxy = Some(string(name, value)?),
        "noProxy" => request.no_proxy = Some(boolean(name, value)?),
        "form" => request.form = Some(string(name, value)?),
        "domainField" => request.domain_field = Some(string(name, value)?),
        "usernameField" => request.username_field = Some(string(name, value)?),
        "passwordField" => request.password_field = Some(string(name, value)?),
        "domainAliases" => request.domain_aliases = Some(aliases(name, value)?),
        "tag" => request.tag = Some(value),
        // check_member accepted only names listed in MEMBERS, and every
        // one of them has an arm above except apiKey, handled earlier.
        _ => return Err(RequestError(format!("unknown request member \"{name}\""))),
    }
    Ok(())
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn wrong_type(name: &str, expected: &str, found: &str) -> RequestError {
    RequestError(format!(
        "request member \"{name}\" must be {expected}, found {found}"
    ))
}

fn string(name: &str, value: Value) -> Result<String, RequestError> {
    match value {
        Value::String(text) => Ok(text),
        other => Err(wrong_type(name, "a string", json_type(&other))),
    }
}

fn boolean(name: &str, value: Value) -> Result<bool, RequestError> {
    match value {
        Value::Bool(flag) => Ok(flag),
        other => Err(wrong_type(name, "true or false", json_type(&other))),
    }
}

fn seconds(name: &str, value: Value) -> Result<Duration, RequestError> {
    let Value::Number(number) = &value else {
        return Err(wrong_type(name, "a number of seconds", json_type(&value)));
    };
    let seconds = number
        .as_f64()
        .ok_or_else(|| wrong_type(name, "a number of seconds", "an out-of-range number"))?;
    seconds_to_duration(seconds)
        .map_err(|e| RequestError(format!("request member \"{name}\": {e}")))
}

fn pins(name: &str, value: Value) -> Result<Vec<[u8; 32]>, RequestError> {
    let texts = match value {
        Value::String(text) => vec![text],
        Value::Array(items) => strings(name, items, "an array of hex strings")?,
        other => {
            return Err(wrong_type(
                name,
                "a hex string or an array of them",
                json_type(&other),
            ))
        }
    };
    texts
        .iter()
        .map(|text| {
            parse_pin(text).map_err(|e| RequestError(format!("request member \"{name}\": {e}")))
        })
        .collect()
}

fn aliases(name: &str, value: Value) -> Result<Vec<(String, String)>, RequestError> {
    let Value::Array(items) = value else {
        return Err(wrong_type(
            name,
            "an array of \"DNS=NETBIOS\" strings",
            json_type(&value),
        ));
    };
    strings(name, items, "an array of \"DNS=NETBIOS\" strings")?
        .iter()
        .map(|text| {
            parse_domain_alias(text)
                .map_err(|e| RequestError(format!("request member \"{name}\": {e}")))
        })
        .collect()
}

fn strings(name: &str, items: Vec<Value>, expected: &str) -> Result<Vec<String>, RequestError> {
    items
        .into_iter()
        .map(|item| match item {
            Value::String(text) => Ok(text),
            other => Err(wrong_type(
                name,
                expected,
                &format!("an element that is {}", json_type(&other)),
            )),
        })
        .collect()
}

/// The members of a JSON object in input order, duplicates kept, so that
/// `parse_request` can reject duplicates by name.
struct RawMembers(Vec<(String, RawValue)>);

enum RawValue {
    Json(Value),
    Secret(SecretText),
}

/// The value of `apiKey`, read straight into a zeroizing string.
enum SecretText {
    Text(Zeroizing<String>),
    Null,
    WrongType(&'static str),
}

impl<'de> Deserialize<'de> for RawMembers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(MembersVisitor)
    }
}

/// Rejects anything but an object without quoting the value, because a
/// bare JSON string on stdin may well be an API key.
struct MembersVisitor;

impl MembersVisitor {
    fn not_an_object<E: de::Error>(found: &str) -> E {
        E::custom(format!("the request must be a JSON object, found {found}"))
    }
}

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = RawMembers;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawMembers, A::Error> {
        let mut members = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            let value = if name == "apiKey" {
                RawValue::Secret(map.next_value::<SecretText>()?)
            } else {
                RawValue::Json(map.next_value::<Value>()?)
            };
            members.push((name, value));
        }
        Ok(RawMembers(members))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<RawMembers, A::Error> {
        Err(Self::not_an_object("an array"))
    }

    fn visit_str<E: de::Error>(self, _v: &str) -> Result<RawMembers, E> {
        Err(Self::not_an_object("a string"))
    }

    fn visit_bool<E: de::Error>(self, _v: bool) -> Result<RawMembers, E> {
        Err(Self::not_an_object("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, _v: i64) -> Result<RawMembers, E> {
        Err(Self::not_an_object("a number"))
    }

    fn visit_u64<E: de::Error>(self, _v: u64) -> Result<RawMembers, E> {
        Err(Self::not_an_object("a number"))
    }

    fn visit_f64<E: de::Error>(self, _v: f64) -> Result<RawMembers, E> {
        Err(Self::not_an_object("a number"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<RawMembers, E> {
        Err(Self::not_an_object("null"))
    }
}

impl<'de> Deserialize<'de> for SecretText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SecretTextVisitor)
    }
}

/// Accepts a string without copying it into an unzeroized buffer, and
/// records the type of anything else without quoting it.
struct SecretTextVisitor;

impl<'de> Visitor<'de> for SecretTextVisitor {
    type Value = SecretText;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<SecretText, E> {
        Ok(SecretText::Text(Zeroizing::new(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<SecretText, E> {
        Ok(SecretText::Text(Zeroizing::new(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<SecretText, E> {
        Ok(SecretText::Null)
    }

    fn visit_bool<E: de::Error>(self, _v: bool) -> Result<SecretText, E> {
        Ok(SecretText::WrongType("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, _v: i64) -> Result<SecretText, E> {
        Ok(SecretText::WrongType("a number"))
    }

    fn visit_u64<E: de::Error>(self, _v: u64) -> Result<SecretText, E> {
        Ok(SecretText::WrongType("a number"))
    }

    fn visit_f64<E: de::Error>(self, _v: f64) -> Result<SecretText, E> {
        Ok(SecretText::WrongType("a number"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SecretText, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(SecretText::WrongType("an array"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SecretText, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(SecretText::WrongType("an object"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str, context: Context) -> Result<Request, RequestError> {
        parse_request(json.as_bytes(), context)
    }

    fn error(json: &str, context: Context) -> String {
        match parse(json, context) {
            Ok(_) => panic!("request was accepted: {json}"),
            Err(e) => e.0,
        }
    }

    #[test]
    fn every_member_is_parsed() {
        let json = r#"{"url":"https://h/api/","apiKey":"k.e.y:QUJD",
            "identity":"CORP\\svc","reason":"why","format":"json-base64",
            "insecureSkipCertificateCheck":true,"insecureAllowHttp":false,
            "caFile":"/tmp/ca.pem",
            "pinSha256":"00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF",
            "timeoutSec":2.5,"connectTimeoutSec":1,"proxy":"http://p:3128",
            "noProxy":false,"form":"AD-Benutzer","domainField":"Domäne",
            "usernameField":"Benutzer","passwordField":"Kennwort",
            "domainAliases":["corp.example.com=CORP"]}"#;
        let request = parse(json, Context::Get).expect("valid request");

        assert_eq!(request.url.as_deref(), Some("https://h/api/"));
        assert_eq!(
            request.api_key.as_deref().map(String::as_str),
            Some("k.e.y:QUJD")
        );
        assert_eq!(request.identity.as_deref(), Some("CORP\\svc"));
        assert_eq!(request.reason.as_deref(), Some("why"));
        assert_eq!(request.format.as_deref(), Some("json-base64"));
        assert_eq!(request.insecure_skip_certificate_check, Some(true));
        assert_eq!(request.insecure_allow_http, Some(false));
        assert_eq!(request.ca_file, Some(PathBuf::from("/tmp/ca.pem")));
        assert_eq!(request.pin_sha256.as_ref().map(Vec::len), Some(1));
        assert_eq!(request.timeout, Some(Duration::from_millis(2500)));
        assert_eq!(request.connect_timeout, Some(Duration::from_secs(1)));
        assert_eq!(request.proxy.as_deref(), Some("http://p:3128"));
        assert_eq!(request.no_proxy, Some(false));
        assert_eq!(request.form.as_deref(), Some("AD-Benutzer"));
        assert_eq!(request.domain_field.as_deref(), Some("Domäne"));
        assert_eq!(request.username_field.as_deref(), Some("Benutzer"));
        assert_eq!(request.password_field.as_deref(), Some("Kennwort"));
        assert_eq!(
            request.domain_aliases,
            Some(vec![("corp.example.com".into(), "CORP".into())])
        );
    }

    #[test]
    fn bom_is_ignored() {
        let request =
            parse_request(b"\xEF\xBB\xBF{\"user\":\"a\"}", Context::Get).expect("valid request");
        assert_eq!(request.user.as_deref(), Some("a"));
    }

    #[test]
    fn utf16_is_rejected() {
        let e = parse_request(b"\xFF\xFE{\x00}\x00", Context::Get).unwrap_err();
        assert!(e.0.contains("UTF-16"), "{e}");
    }

    #[test]
    fn null_counts_as_absent() {
        let request =
            parse(r#"{"caFile":null,"apiKey":null}"#, Context::Get).expect("valid request");
        assert!(request.ca_file.is_none());
        assert!(request.api_key.is_none());
    }

    #[test]
    fn unknown_member_is_named() {
        let e = error(r#"{"identiy":"x"}"#, Context::Get);
        assert!(e.contains("\"identiy\""), "{e}");
        assert!(e.contains("identity"), "{e}");
    }

    #[test]
    fn duplicate_member_is_named() {
        let e = error(r#"{"url":"a","url":"b"}"#, Context::Get);
        assert!(e.contains("\"url\" appears more than once"), "{e}");
    }

    #[test]
    fn wrong_type_is_named() {
        let e = error(r#"{"timeoutSec":"10"}"#, Context::Get);
        assert_eq!(
            e,
            "request member \"timeoutSec\" must be a number of seconds, found a string"
        );
        let e = error(r#"{"insecureSkipCertificateCheck":"true"}"#, Context::Get);
        assert!(e.contains("true or false, found a string"), "{e}");
        let e = error(r#"{"domainAliases":[1]}"#, Context::Get);
        assert!(e.contains("an element that is a number"), "{e}");
    }

    #[test]
    fn api_key_of_wrong_type_is_not_quoted() {
        let e = error(r#"{"apiKey":["secret-value"]}"#, Context::Get);
        assert!(
            e.contains("\"apiKey\" must be a string, found an array"),
            "{e}"
        );
        assert!(!e.contains("secret-value"), "{e}");
    }

    #[test]
    fn bare_string_is_not_quoted() {
        let e = error(r#""jwt.jwt.jwt:c2VjcmV0""#, Context::Get);
        assert!(e.contains("must be a JSON object, found a string"), "{e}");
        assert!(!e.contains("c2VjcmV0"), "{e}");
    }

    #[test]
    fn array_is_valid_json_but_not_an_object() {
        let e = error("[1]", Context::Get);
        assert_eq!(e, "the request must be a JSON object, found an array");
        let e = error(" 42 ", Context::Get);
        assert_eq!(e, "the request must be a JSON object, found a number");
    }

    #[test]
    fn syntax_errors_are_reported() {
        let e = error(r#"{"url":"a""#, Context::Get);
        assert!(e.contains("not valid JSON"), "{e}");
        let e = error("{\"url\":\"a\"} {}", Context::Get);
        assert!(e.contains("not valid JSON"), "{e}");
        let e = error("{\"url\":\"a\u{0}\"}", Context::Get);
        assert!(e.contains("not valid JSON"), "{e}");
    }

    #[test]
    fn empty_request_is_rejected() {
        let e = error(" \n", Context::Get);
        assert!(e.contains("empty"), "{e}");
    }

    #[test]
    fn members_are_checked_against_context() {
        let e = error(r#"{"identity":"a\\b"}"#, Context::Check);
        assert!(e.contains("not used by psvault check"), "{e}");
        let e = error(r#"{"url":"https://h/"}"#, Context::KeyInspect);
        assert!(e.contains("not used by psvault key inspect"), "{e}");
        let e = error(r#"{"url":"https://h/"}"#, Context::BatchLine);
        assert!(e.contains("not used by batch lines after the first"), "{e}");
        let e = error(r#"{"tag":1}"#, Context::Get);
        assert!(e.contains("not used by psvault get"), "{e}");
        assert!(parse(r#"{"tag":{"a":1},"user":"u"}"#, Context::BatchLine).is_ok());
    }

    #[test]
    fn oversized_request_is_rejected() {
        let big = vec![b' '; MAX_REQUEST_BYTES + 1];
        let e = read_request(big.as_slice()).unwrap_err();
        assert!(e.0.contains("larger than"), "{e}");
    }

    #[test]
    fn pin_accepts_string_or_array() {
        let pin = "ab".repeat(32);
        let one = parse(&format!(r#"{{"pinSha256":"{pin}"}}"#), Context::Get).unwrap();
        assert_eq!(one.pin_sha256, Some(vec![[0xab; 32]]));
        let two = parse(
            &format!(r#"{{"pinSha256":["{pin}","{pin}"]}}"#),
            Context::Get,
        )
        .unwrap();
        assert_eq!(two.pin_sha256.map(|p| p.len()), Some(2));
        let e = error(r#"{"pinSha256":"abc"}"#, Context::Get);
        assert!(e.contains("\"pinSha256\""), "{e}");
    }

    #[test]
    fn debug_hides_api_key() {
        let request = parse(r#"{"apiKey":"top-secret"}"#, Context::Get).unwrap();
        let debug = format!("{request:?}");
        assert!(!debug.contains("top-secret"), "{debug}");
    }
}
