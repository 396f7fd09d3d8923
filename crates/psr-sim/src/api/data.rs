//! The `WebService` data calls: filters, lists, counts, containers, rights,
//! secret values and the current user.
//!
//! API-key access rules (the real server's are undocumented): every data
//! call needs the `Read` right. Password containers, their rights and
//! secrets also need the `Passwords` scope, forms the `Forms` scope and
//! documents the `Documents` scope. A missing right or scope is HTTP 403.

use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use psr_crypto::access;
use serde_json::{json, Value};

use super::auth::SessionContext;
use super::{string_argument, ApiError, LogbookEntry, Service};
use crate::search::Query;
use crate::store::{ContainerRef, ItemValue};
use crate::wire::{self, container_type, types};

/// `FilterContentFilterRequires3CharactersAtLeast`.
const CODE_SEARCH_TOO_SHORT: i64 = 550_000;
/// `ContainerNotFound`.
const CODE_CONTAINER_NOT_FOUND: i64 = 20_039;
/// `MtoDataNotFound`.
const CODE_DATA_NOT_FOUND: i64 = 360_001;
/// `ItemSecretNoReason`.
const CODE_REASON_REQUIRED: i64 = 20_019;
/// `RightInsufficientRight`.
const CODE_INSUFFICIENT_RIGHT: i64 = 30_003;
/// `ContainerItemIsSealed`.
const CODE_SEALED: i64 = 1_300_001;
/// `PsrContainerType::Document`.
const CONTAINER_TYPE_DOCUMENT: i64 = 2;

impl Service {
    /// `GetContainerListFilter`: returns the default filter of the container
    /// type for either value of `defaultFilter`, because the simulator saves
    /// no filters.
    pub(super) fn get_container_list_filter(&self, body: &Value) -> Result<Value, ApiError> {
        let kind = body
            .get("containerType")
            .and_then(Value::as_i64)
            .unwrap_or(container_type::PASSWORD);
        Ok(wire::default_filter(kind))
    }

    /// `GetContainerList`: the visible containers matching the filter, one
    /// page of them when the filter pages.
    pub(super) fn get_container_list(
        &self,
        session: &SessionContext,
        body: &Value,
    ) -> Result<Value, ApiError> {
        let (kind, query) = self.list_query(session, body)?;
        let found = query.matches(&self.store, session.user, kind);
        let page = query.page(found);
        self.record_listed(kind, page.len());
        let containers: Vec<Value> = page.into_iter().map(|c| self.container_json(c)).collect();
        Ok(Value::Array(containers))
    }

    /// `GetContainerCount`: the number of visible containers matching the
    /// filter, ignoring paging.
    pub(super) fn get_container_count(
        &self,
        session: &SessionContext,
        body: &Value,
    ) -> Result<Value, ApiError> {
        let (kind, query) = self.list_query(session, body)?;
        Ok(json!(query.matches(&self.store, session.user, kind).len()))
    }

    fn list_query(&self, session: &SessionContext, body: &Value) -> Result<(i64, Query), ApiError> {
        let filter = body.get("filter");
        let kind = body
            .get("containerType")
            .and_then(Value::as_i64)
            .or_else(|| {
                filter
                    .and_then(|f| f.get("ContainerType"))
                    .and_then(Value::as_i64)
            })
            .unwrap_or(container_type::PASSWORD);
        self.require_access(session, kind)?;
        let query = Query::parse(filter).map_err(|_| {
            ApiError::server(
                CODE_SEARCH_TOO_SHORT,
                "The content filter requires at least 3 characters.",
            )
        })?;
        Ok((kind, query))
    }

    /// `GetContainer`: one form or password container by id.
    pub(super) fn get_container(
        &self,
        session: &SessionContext,
        body: &Value,
    ) -> Result<Value, ApiError> {
        let id = string_argument(body, "id").unwrap_or_default();
        let not_found =
            || ApiError::server(CODE_CONTAINER_NOT_FOUND, format!("No container {id}."));
        let container = self.store.container(id).ok_or_else(not_found)?;
        match container {
            ContainerRef::Form(_) => self.require_access(session, container_type::FORM)?,
            ContainerRef::Entry(index) => {
                self.require_access(session, container_type::PASSWORD)?;
                if !self
                    .store
                    .can_read(session.user, &self.store.entries[index])
                {
                    return Err(not_found());
                }
            }
        }
        Ok(self.container_json(container))
    }

    /// `GetLegitimateDataRights`: the rights on a secret item with their
    /// right keys, or the keyless rights on a container or plain item. A
    /// user without a right on the data gets an empty list.
    pub(super) fn get_rights(
        &self,
        session: &SessionContext,
        body: &Value,
    ) -> Result<Value, ApiError> {
        self.require_access(session, container_type::PASSWORD)?;
        let data_id = string_argument(body, "dataId").unwrap_or_default();
        let store = &self.store;
        if let Some((entry_index, position)) = store.item(data_id) {
            let entry = &store.entries[entry_index];
            if !store.can_read(session.user, entry) {
                return Ok(json!([]));
            }
            let item = &entry.items[position];
            let rights: Vec<Value> = match &item.value {
                ItemValue::Secret(secret) => store
                    .rights(secret)
                    .map_err(|e| ApiError::server(super::CODE_UNKNOWN_ERROR, e.to_string()))?
                    .iter()
                    .map(|right| wire::right_json(store, &item.id, right.legitimate, Some(right)))
                    .collect(),
                ItemValue::Plain(_) => store
                    .legitimates(entry)
                    .into_iter()
                    .map(|legitimate| wire::right_json(store, &item.id, legitimate, None))
                    .collect(),
            };
            return Ok(Value::Array(rights));
        }
        match store.container(data_id) {
            Some(ContainerRef::Entry(index)) => {
                let entry = &store.entries[index];
                if !store.can_read(session.user, entry) {
                    return Ok(json!([]));
                }
                let rights: Vec<Value> = store
                    .legitimates(entry)
                    .into_iter()
                    .map(|legitimate| wire::right_json(store, &entry.id, legitimate, None))
                    .collect();
                Ok(Value::Array(rights))
            }
            Some(ContainerRef::Form(_)) => Ok(json!([])),
            None => Err(ApiError::server(
                CODE_DATA_NOT_FOUND,
                format!("No data object {data_id}."),
            )),
        }
    }

    /// `GetContainerItemWithSecretValue`: the item with its encrypted value,
    /// after checking the read right, secured data, seals and the reason
    /// requirement. Every successful read of a secret goes to the logbook.
    pub(super) fn get_secret(
        &self,
        session: &SessionContext,
        body: &Value,
    ) -> Result<Value, ApiError> {
        self.require_access(session, container_type::PASSWORD)?;
        let item_id = string_argument(body, "itemId").unwrap_or_default();
        let reason = string_argument(body, "reason").unwrap_or_default();
        let store = &self.store;
        let (entry_index, position) = store.item(item_id).ok_or_else(|| {
            ApiError::server(CODE_CONTAINER_NOT_FOUND, format!("No item {item_id}."))
        })?;
        let entry = &store.entries[entry_index];
        if !store.can_read(session.user, entry) {
            return Err(ApiError::server(
                CODE_INSUFFICIENT_RIGHT,
                "The user has no read right on this item.",
            ));
        }
        let ItemValue::Secret(secret) = &entry.items[position].value else {
            return Ok(wire::item_json(store, entry, position, None));
        };

        let rights = store
            .rights(secret)
            .map_err(|e| ApiError::server(super::CODE_UNKNOWN_ERROR, e.to_string()))?;
        let usable: Vec<_> = rights
            .iter()
            .filter(|right| store.holds(session.user, right.legitimate))
            .collect();
        if usable.is_empty() {
            return Err(ApiError::server(
                CODE_INSUFFICIENT_RIGHT,
                "The user holds no right on this item.",
            ));
        }
        if usable.iter().all(|right| right.secured) {
            return Err(ApiError::server(
                CODE_INSUFFICIENT_RIGHT,
                "The password is secured data: it may be used for auto-fill only, not revealed.",
            ));
        }
        if usable.iter().all(|right| right.seal_id.is_some()) {
            return Err(ApiError::server(
                CODE_SEALED,
                "The password is sealed; a seal release is required to read it.",
            ));
        }
        if entry.require_reason && reason.trim().is_empty() {
            return Err(ApiError::server(
                CODE_REASON_REQUIRED,
                "A reason is required to read this password.",
            ));
        }

        let user = &store.users[session.user];
        let key = &store.api_keys[session.api_key];
        self.record_read(LogbookEntry {
            entry_id: entry.id.clone(),
            item_id: entry.items[position].id.clone(),
            user: user.name.clone(),
            user_id: user.id.clone(),
            api_key: key.name.clone(),
            reason: reason.to_owned(),
            time: SystemTime::now(),
        });
        tracing::info!(
            user = %user.name,
            entry = %entry.id,
            item = %entry.items[position].id,
            "secret read"
        );
        let value = STANDARD.encode(&secret.value);
        Ok(wire::item_json(store, entry, position, Some(value)))
    }

    /// `GetCurrentOrganisationUnit`: the session's user.
    pub(super) fn current_user(&self, session: &SessionContext) -> Value {
        let user = &self.store.users[session.user];
        json!({
            "$type": types::ORGANISATION_UNIT,
            "Id": user.id,
            "Name": user.name,
            "UserName": user.name,
            "IsUser": true,
            "PublicKey": STANDARD.encode(&user.public_key),
            "EncryptionVersion": user.encryption_version(),
            "DataStates": wire::STATE_ACTIVE,
            "TimeStampUtc": self.store.created,
        })
    }

    /// Checks the API key's right and scope for a container type.
    fn require_access(&self, session: &SessionContext, kind: i64) -> Result<(), ApiError> {
        let key = &self.store.api_keys[session.api_key];
        if key.rights & access::RIGHT_READ == 0 {
            return Err(ApiError::Forbidden(
                "The API key has no Read access right.".to_owned(),
            ));
        }
        let (scope, name) = match kind {
            container_type::FORM => (access::SCOPE_FORMS, "Forms"),
            CONTAINER_TYPE_DOCUMENT => (access::SCOPE_DOCUMENTS, "Documents"),
            _ => (access::SCOPE_PASSWORDS, "Passwords"),
        };
        if key.scopes & scope == 0 {
            return Err(ApiError::Forbidden(format!(
                "The API key lacks the {name} access scope."
            )));
        }
        Ok(())
    }

    fn container_json(&self, container: ContainerRef) -> Value {
        match container {
            ContainerRef::Form(index) => wire::form_json(&self.store, &self.store.forms[index]),
            ContainerRef::Entry(index) => wire::entry_json(&self.store, &self.store.entries[index]),
        }
    }
}
