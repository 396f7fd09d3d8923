//! JSON shapes the simulator sends: `$type` names, containers, items,
//! rights, the default list filter and error bodies.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use crate::store::{DataRight, Entry, Form, ItemValue, Legitimate, Store};

/// Full .NET type names emitted in `$type`. Clients match them by
/// substring; the namespaces of most of them are not documented, so these
/// are plausible values.
pub(crate) mod types {
    pub const CONTAINER: &str = "PsrDataLayer.Structure.MtoContainer, PsrDataLayer";
    pub const CONTAINER_ITEM: &str = "PsrDataLayer.Structure.MtoContainerItem, PsrDataLayer";
    pub const CONTAINER_INFO: &str = "PsrDataLayer.Structure.MtoContainerInfo, PsrDataLayer";
    pub const DATA_RIGHT: &str = "PsrDataLayer.Structure.MtoDataRight, PsrDataLayer";
    pub const ORGANISATION_UNIT: &str = "PsrDataLayer.Structure.MtoOrganisationUnit, PsrDataLayer";
    pub const CONTAINER_LIST_FILTER: &str =
        "PsrDataLayer.FilterObjects.ContainerListFilter, PsrDataLayer";
    pub const GROUP_CONTENT: &str =
        "PsrDataLayer.FilterObjects.ListFilterGroupContent, PsrDataLayer";
    pub const OBJECT_CONTENT: &str =
        "PsrDataLayer.FilterObjects.ListFilterObjectContent, PsrDataLayer";
    pub const SIGNATURE_REQUIREMENT: &str = "PsrAuthenticationObjectLib.Authentication.AuthenticationUserKeySignatureRequirement, PsrAuthenticationObjectLib";
    pub const RESULT_COMPLETED: &str = "PsrAuthenticationObjectLib.Authentication.AuthenticationResultCompleted, PsrAuthenticationObjectLib";
    pub const RESULT_LOGIN_FAILED: &str = "PsrAuthenticationObjectLib.Authentication.AuthenticationResultLoginFailed, PsrAuthenticationObjectLib";
    pub const LOGIN_LOCK: &str =
        "PsrAuthenticationObjectLib.Authentication.LoginLock, PsrAuthenticationObjectLib";
    pub const ROLE_KEY_DICTIONARY: &str = "System.Collections.Generic.Dictionary`2[[System.Guid, mscorlib],[System.Byte[], mscorlib]], mscorlib";
}

/// `PsrContainerType` values.
pub(crate) mod container_type {
    pub const PASSWORD: i64 = 0;
    pub const FORM: i64 = 1;
}

/// `PsrDataStates::StateActive`; every simulated object is active.
pub(crate) const STATE_ACTIVE: i64 = 1;

/// `PsrRights::RightRead`, the right every reader holds.
const RIGHT_READ: i64 = 1;

const EMPTY_GUID: &str = "00000000-0000-0000-0000-000000000000";

/// Builds an error body `{"ExceptionCode":n,"Message":"…","txt":"…"}`.
pub(crate) fn error_body(code: i64, message: &str) -> Value {
    json!({"ExceptionCode": code, "Message": message, "txt": message})
}

/// Builds the default `ContainerListFilter` of a container type: active
/// objects only, no paging, one inactive content search.
pub(crate) fn default_filter(container_type: i64) -> Value {
    json!({
        "$type": types::CONTAINER_LIST_FILTER,
        "ContainerType": container_type,
        "DataId": null,
        "DataStates": STATE_ACTIVE,
        "ExcludeDataState": null,
        "First": 0,
        "Page": 0,
        "PageSize": 0,
        "PageOrder": null,
        "PageOrderAsc": true,
        "SaveFilter": false,
        "OrderFieldName": null,
        "OrderFieldAsc": true,
        "OrderFieldType": null,
        "TimeStampUtcFrom": null,
        "TimeStampUtcTo": null,
        "ValidTimeStampUtcFrom": null,
        "ValidTimeStampUtcTo": null,
        "FilterGroups": [{
            "$type": types::GROUP_CONTENT,
            "SearchList": [{
                "$type": types::OBJECT_CONTENT,
                "Search": "",
                "SearchOrganisationUnits": false,
                "SearchTags": true,
                "ExactSearch": false,
                "ExtendedSearch": null,
                "FilterActive": false,
                "Ident": null,
                "ForceShowRemoveButton": false
            }],
            "Expanded": true,
            "AndLinkedGroup": true
        }]
    })
}

/// Builds a form container with its field templates.
pub(crate) fn form_json(store: &Store, form: &Form) -> Value {
    let items: Vec<Value> = form
        .fields
        .iter()
        .enumerate()
        .map(|(position, field)| {
            json!({
                "$type": types::CONTAINER_ITEM,
                "Id": field.id,
                "ContainerId": form.id,
                "Name": field.name,
                "ContainerItemType": field.field_type.item_type(),
                "Position": position,
                "Value": null,
                "BaseContainerItemId": null,
                "Mandatory": false,
                "SecretValueRequiredReason": false,
                "NoPermission": false,
                "PublicKey": null,
                "DataStates": STATE_ACTIVE,
                "TimeStampUtc": store.created,
            })
        })
        .collect();
    json!({
        "$type": types::CONTAINER,
        "Id": form.id,
        "ContainerType": container_type::FORM,
        "Name": form.name,
        "Description": null,
        "BaseContainerId": null,
        "DataStates": STATE_ACTIVE,
        "DataTags": [],
        "Info": {
            "$type": types::CONTAINER_INFO,
            "BaseContainerName": null,
            "ContainerName": form.name,
            "ContainerInfo": "",
            "ContainerInfoFields": []
        },
        "Items": items,
        "PublicKey": null,
        "TimeStampUtc": store.created,
        "ValidTimeStampUtc": store.created,
        "IsFavorite": false,
    })
}

/// Builds a password container as lists return it: plain values filled in,
/// encrypted values null.
pub(crate) fn entry_json(store: &Store, entry: &Entry) -> Value {
    let form = &store.forms[entry.form];
    let items: Vec<Value> = (0..entry.items.len())
        .map(|position| item_json(store, entry, position, None))
        .collect();
    let (name, info) = display_texts(entry);
    json!({
        "$type": types::CONTAINER,
        "Id": entry.id,
        "ContainerType": container_type::PASSWORD,
        "Name": null,
        "Description": null,
        "BaseContainerId": form.id,
        "DataStates": STATE_ACTIVE,
        "DataTags": [],
        "Info": {
            "$type": types::CONTAINER_INFO,
            "BaseContainerName": form.name,
            "ContainerName": name,
            "ContainerInfo": info,
            "ContainerInfoFields": []
        },
        "Items": items,
        "PublicKey": null,
        "TimeStampUtc": store.created,
        "ValidTimeStampUtc": store.created,
        "IsFavorite": false,
    })
}

/// Returns the display name of an entry (its first non-empty plain value)
/// and a summary of its other plain values.
fn display_texts(entry: &Entry) -> (String, String) {
    let mut values = entry.items.iter().filter_map(|item| match &item.value {
        ItemValue::Plain(Some(text)) if !text.is_empty() => Some(text.as_str()),
        _ => None,
    });
    let name = values.next().unwrap_or_default().to_owned();
    let info = values.collect::<Vec<_>>().join(", ");
    (name, info)
}

/// Builds one item of an entry. `secret_value` is the Base64 ciphertext
/// for `GetContainerItemWithSecretValue`; without it encrypted values are
/// null.
pub(crate) fn item_json(
    store: &Store,
    entry: &Entry,
    position: usize,
    secret_value: Option<String>,
) -> Value {
    let item = &entry.items[position];
    let field = &store.forms[entry.form].fields[position];
    let (value, public_key) = match &item.value {
        ItemValue::Plain(text) => (json!(text), Value::Null),
        ItemValue::Secret(secret) => (
            json!(secret_value),
            json!(secret.public_key.as_ref().map(|key| STANDARD.encode(key))),
        ),
    };
    json!({
        "$type": types::CONTAINER_ITEM,
        "Id": item.id,
        "ContainerId": entry.id,
        "Name": field.name,
        "ContainerItemType": field.field_type.item_type(),
        "Position": position,
        "Value": value,
        "BaseContainerItemId": field.id,
        "SecretValueRequiredReason": field.field_type.is_encrypted() && entry.require_reason,
        "NoPermission": false,
        "PublicKey": public_key,
        "DataStates": STATE_ACTIVE,
        "TimeStampUtc": store.created,
    })
}

/// Builds a data right. `right` carries the key of a secret item; rights
/// on containers and plain items have none.
pub(crate) fn right_json(
    store: &Store,
    data_id: &str,
    legitimate: Legitimate,
    right: Option<&DataRight>,
) -> Value {
    let right_key = right.map(|r| STANDARD.encode(&r.right_key));
    json!({
        "$type": types::DATA_RIGHT,
        "DataId": data_id,
        "LegitimateId": store.legitimate_id(legitimate),
        "Rights": RIGHT_READ,
        "OwnerRight": false,
        "SecuredData": right.is_some_and(|r| r.secured),
        "RightKey": right_key,
        "HasRightKey": right.is_some(),
        "LegitimatePublicKey": STANDARD.encode(store.legitimate_public_key(legitimate)),
        "SealId": right.and_then(|r| r.seal_id.clone()),
        "Seal": null,
        "IncludeDataRightKey": false,
        "ValidFromUtc": null,
        "ValidToUtc": null,
        "Legitimate": null,
        "Data": null,
        "TimeStampUtc": store.created,
        "TransactionId": EMPTY_GUID,
        "SyncOperation": 0,
    })
}
