//! Finding AD User entries: the form, the server's default filter, paging
//! and the exact client-side match.

use std::collections::HashSet;

use serde_json::{json, Map, Value};

use crate::api::{ApiMethod, Exchange};
use crate::config::{DomainAlias, FormNames};
use crate::error::{shorten, Error};
use crate::identity::{equal_ignoring_case, Identity};
use crate::json::{
    guid_eq, int_member, int_value, is_active, non_empty_str, str_member, type_contains,
};

/// `PsrContainerType` of password containers.
const CONTAINER_TYPE_PASSWORD: i64 = 0;
/// `PsrContainerType` of forms.
const CONTAINER_TYPE_FORM: i64 = 1;
/// `PsrContainerItemType` of a password field.
const ITEM_TYPE_PASSWORD: i64 = 1;
/// `PsrContainerItemType` of a user name field.
const ITEM_TYPE_USER_NAME: i64 = 13;
/// The server rejects an active content search shorter than this.
const MIN_SEARCH_CHARS: usize = 3;
/// Upper bound on pages fetched for one search, against a server that
/// never returns a short page.
const MAX_PAGES: i64 = 10_000;

/// A field of the AD User form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormField {
    /// The label matched in entries (configured, or the form's own label).
    pub label: String,
    /// Id of the form field; `None` when forms could not be listed.
    pub id: Option<String>,
    /// `ContainerItemType` of the form field, when known.
    pub item_type: Option<i64>,
}

/// The form that AD User entries are created from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormInfo {
    /// The form name.
    pub name: String,
    /// Id of the form; `None` in fallback mode.
    pub id: Option<String>,
    /// The domain field.
    pub domain_field: FormField,
    /// The user name field.
    pub username_field: FormField,
    /// The password field.
    pub password_field: FormField,
    /// Reason the form list was unavailable, set in fallback mode. Entries
    /// are then recognised by `Info.BaseContainerName` and fields by label.
    pub fallback_reason: Option<String>,
}

/// A password container that matches the identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Id of the password container.
    pub id: String,
    /// Display name of the container.
    pub name: String,
    /// Value of the domain field.
    pub domain: String,
    /// Value of the user name field.
    pub username: String,
    /// Id of the password item.
    pub password_item_id: String,
    /// Whether reading the password requires a non-empty reason.
    pub reason_required: bool,
}

/// Finds the form and its field ids by name.
///
/// When the form list is refused (403, or a 500 that is not a session
/// error), returns a fallback [`FormInfo`] without ids.
pub fn resolve_form(exchange: &mut dyn Exchange, names: &FormNames) -> Result<FormInfo, Error> {
    let forms = match list_containers(exchange, CONTAINER_TYPE_FORM, None) {
        Ok(forms) => forms,
        Err(error @ (Error::Forbidden { .. } | Error::ServerError { .. })) => {
            tracing::debug!(
                error = %error,
                "forms cannot be listed; recognising entries by their form name instead"
            );
            return Ok(fallback_form(names, error.to_string()));
        }
        Err(error) => return Err(error),
    };
    let url = exchange.url_for(ApiMethod::GetContainerList);

    let mut candidates = forms.iter().filter(|form| {
        int_member(form, "ContainerType").is_none_or(|t| t == CONTAINER_TYPE_FORM)
            && str_member(form, "Name").is_some_and(|name| same_label(name, &names.form))
    });
    let Some(form) = candidates.next() else {
        let available: Vec<&str> = forms.iter().filter_map(|f| str_member(f, "Name")).collect();
        return Err(Error::FormNotFound {
            form: names.form.clone(),
            url,
            available: list_for_message(&available),
        });
    };
    if candidates.next().is_some() {
        tracing::warn!(
            form = names.form.as_str(),
            "several forms have this name; using the first one"
        );
    }
    let form_id = non_empty_str(form, "Id").ok_or_else(|| Error::UnexpectedResponse {
        url: url.clone(),
        detail: format!("form '{}' has no Id", names.form),
    })?;

    let items = items_of(form);
    let field = |label: &str, fallback_type: Option<i64>| -> Result<FormField, Error> {
        let item = items
            .iter()
            .find(|item| str_member(item, "Name").is_some_and(|name| same_label(name, label)))
            .or_else(|| {
                fallback_type.and_then(|wanted| {
                    items
                        .iter()
                        .find(|item| int_member(item, "ContainerItemType") == Some(wanted))
                })
            });
        match item {
            Some(item) => Ok(FormField {
                label: str_member(item, "Name").unwrap_or(label).trim().to_string(),
                id: non_empty_str(item, "Id").map(str::to_string),
                item_type: int_member(item, "ContainerItemType"),
            }),
            None => {
                let labels: Vec<&str> =
                    items.iter().filter_map(|i| str_member(i, "Name")).collect();
                Err(Error::FieldNotFound {
                    form: names.form.clone(),
                    field: label.to_string(),
                    available: list_for_message(&labels),
                })
            }
        }
    };

    Ok(FormInfo {
        name: str_member(form, "Name")
            .unwrap_or(&names.form)
            .trim()
            .to_string(),
        id: Some(form_id.to_string()),
        domain_field: field(&names.domain_field, None)?,
        username_field: field(&names.username_field, Some(ITEM_TYPE_USER_NAME))?,
        password_field: field(&names.password_field, Some(ITEM_TYPE_PASSWORD))?,
        fallback_reason: None,
    })
}

fn fallback_form(names: &FormNames, reason: String) -> FormInfo {
    let field = |label: &str, item_type: Option<i64>| FormField {
        label: label.to_string(),
        id: None,
        item_type,
    };
    FormInfo {
        name: names.form.clone(),
        id: None,
        domain_field: field(&names.domain_field, None),
        username_field: field(&names.username_field, Some(ITEM_TYPE_USER_NAME)),
        password_field: field(&names.password_field, Some(ITEM_TYPE_PASSWORD)),
        fallback_reason: Some(reason),
    }
}

/// Searches password containers for `identity` and returns every entry
/// whose form, domain and user name match exactly (trimmed,
/// case-insensitive, with domain aliases).
///
/// The server's default filter is used with its content search set to the
/// user name, when the name has at least 3 characters. Results are paged
/// until a short page and deduplicated by id.
pub fn find_entries(
    exchange: &mut dyn Exchange,
    form: &FormInfo,
    identity: &Identity,
    aliases: &[DomainAlias],
) -> Result<Vec<Entry>, Error> {
    let containers = list_containers(exchange, CONTAINER_TYPE_PASSWORD, Some(identity.user()))?;
    let url = exchange.url_for(ApiMethod::GetContainerList);
    let mut entries = Vec::new();
    for container in &containers {
        if let Some(entry) = match_entry(container, form, identity, aliases, &url)? {
            entries.push(entry);
        }
    }
    Ok(entries)
}

/// Lists all containers of a type with the server's default filter,
/// optionally with a content search, following pages.
fn list_containers(
    exchange: &mut dyn Exchange,
    container_type: i64,
    search: Option<&str>,
) -> Result<Vec<Value>, Error> {
    let filter_url = exchange.url_for(ApiMethod::GetContainerListFilter);
    let filter = exchange.call(
        ApiMethod::GetContainerListFilter,
        &json!({"containerType": container_type, "defaultFilter": true}),
    )?;
    let mut filter = match filter {
        Some(Value::Object(filter)) => filter,
        _ => {
            return Err(Error::UnexpectedResponse {
                url: filter_url,
                detail: "the default filter is not a JSON object".to_string(),
            })
        }
    };
    if let Some(search) = search {
        set_content_search(&mut filter, search);
    }

    let list_url = exchange.url_for(ApiMethod::GetContainerList);
    let page_size = filter.get("PageSize").and_then(int_value).unwrap_or(0);
    let first_page = filter.get("Page").and_then(int_value).unwrap_or(0);
    let mut seen = HashSet::new();
    let mut containers = Vec::new();
    for offset in 0..MAX_PAGES {
        // A hostile Page near i64::MAX must not overflow.
        let page = first_page.saturating_add(offset);
        if page_size > 0 {
            filter.insert("Page".to_string(), json!(page));
        }
        let body =
            json!({"containerType": container_type, "filter": Value::Object(filter.clone())});
        let response = exchange.call(ApiMethod::GetContainerList, &body)?;
        let batch = match response {
            None => Vec::new(),
            Some(Value::Array(batch)) => batch,
            Some(_) => {
                return Err(Error::UnexpectedResponse {
                    url: list_url,
                    detail: "the container list is not a JSON array".to_string(),
                })
            }
        };
        let batch_len = batch.len();
        tracing::trace!(
            container_type,
            page,
            page_size,
            containers = batch_len,
            "list page read"
        );
        for container in batch {
            let id = non_empty_str(&container, "Id")
                .unwrap_or("")
                .to_ascii_lowercase();
            if id.is_empty() || seen.insert(id) {
                containers.push(container);
            }
        }
        if page_size <= 0 || (batch_len as i64) < page_size {
            return Ok(containers);
        }
    }
    Err(Error::UnexpectedResponse {
        url: list_url,
        detail: format!("the server returned more than {MAX_PAGES} full pages"),
    })
}

/// Fills the content search of a default filter in place.
///
/// The first content group (by `$type`, or by having a `SearchList`) gets
/// `SearchList[0].Search` set and activated when the text has at least 3
/// characters, because the server rejects shorter searches. Shorter text
/// leaves the search inactive. A filter without a content group gets one
/// appended, with `$type` as its first member.
pub(crate) fn set_content_search(filter: &mut Map<String, Value>, text: &str) {
    let text = text.trim();
    let active = text.chars().count() >= MIN_SEARCH_CHARS;

    let groups = filter
        .entry("FilterGroups")
        .or_insert_with(|| Value::Array(Vec::new()));
    if !groups.is_array() {
        *groups = Value::Array(Vec::new());
    }
    let Value::Array(groups) = groups else {
        return;
    };
    let content_object = groups
        .iter_mut()
        .filter(|group| {
            type_contains(group, "ListFilterGroupContent") || group.get("SearchList").is_some()
        })
        .find_map(|group| match group.get_mut("SearchList") {
            Some(Value::Array(list)) => list.first_mut().filter(|object| object.is_object()),
            _ => None,
        });

    match content_object {
        Some(Value::Object(object)) => {
            if active {
                object.insert("Search".to_string(), json!(text));
                object.insert("SearchTags".to_string(), json!(false));
                object.insert("SearchOrganisationUnits".to_string(), json!(false));
            }
            object.insert("FilterActive".to_string(), json!(active));
        }
        _ if active => groups.push(json!({
            "$type": "PsrDataLayer.FilterObjects.ListFilterGroupContent, PsrDataLayer",
            "SearchList": [{
                "$type": "PsrDataLayer.FilterObjects.ListFilterObjectContent, PsrDataLayer",
                "Search": text,
                "SearchOrganisationUnits": false,
                "SearchTags": false,
                "ExactSearch": false,
                "ExtendedSearch": "",
                "FilterActive": true,
                "Ident": "content",
                "ForceShowRemoveButton": false
            }],
            "Expanded": true,
            "AndLinkedGroup": true
        })),
        _ => {}
    }
}

/// Returns the entry for a container that matches form, domain and user.
fn match_entry(
    container: &Value,
    form: &FormInfo,
    identity: &Identity,
    aliases: &[DomainAlias],
    url: &str,
) -> Result<Option<Entry>, Error> {
    if !is_active(container)
        || int_member(container, "ContainerType").is_some_and(|t| t != CONTAINER_TYPE_PASSWORD)
        || !built_from_form(container, form)
    {
        return Ok(None);
    }
    let items: Vec<&Value> = items_of(container)
        .into_iter()
        .filter(|item| is_active(item))
        .collect();
    let value_of = |field: &FormField| -> Option<&str> {
        find_item(&items, field).map(|item| str_member(item, "Value").unwrap_or(""))
    };
    let (Some(domain), Some(username)) =
        (value_of(&form.domain_field), value_of(&form.username_field))
    else {
        return Ok(None);
    };
    if !identity.matches(aliases, domain, username) {
        return Ok(None);
    }

    let id = non_empty_str(container, "Id").ok_or_else(|| Error::UnexpectedResponse {
        url: url.to_string(),
        detail: "a matching entry has no Id".to_string(),
    })?;
    let password_item =
        find_item(&items, &form.password_field).ok_or_else(|| Error::UnexpectedResponse {
            url: url.to_string(),
            detail: format!("entry {id} has no field '{}'", form.password_field.label),
        })?;
    let password_item_id =
        non_empty_str(password_item, "Id").ok_or_else(|| Error::UnexpectedResponse {
            url: url.to_string(),
            detail: format!("the password field of entry {id} has no Id"),
        })?;
    Ok(Some(Entry {
        id: id.to_string(),
        name: display_name(container, &items),
        domain: domain.trim().to_string(),
        username: username.trim().to_string(),
        password_item_id: password_item_id.to_string(),
        reason_required: password_item.get("SecretValueRequiredReason") == Some(&Value::Bool(true)),
    }))
}

fn built_from_form(container: &Value, form: &FormInfo) -> bool {
    match &form.id {
        Some(form_id) => {
            str_member(container, "BaseContainerId").is_some_and(|id| guid_eq(id, form_id))
        }
        None => container
            .get("Info")
            .and_then(|info| str_member(info, "BaseContainerName"))
            .is_some_and(|name| same_label(name, &form.name)),
    }
}

/// Finds the item for a form field: by form-field id, then by label, then
/// by item type.
fn find_item<'a>(items: &[&'a Value], field: &FormField) -> Option<&'a Value> {
    let by_id = field.id.as_deref().and_then(|field_id| {
        items.iter().copied().find(|item| {
            str_member(item, "BaseContainerItemId").is_some_and(|id| guid_eq(id, field_id))
        })
    });
    by_id
        .or_else(|| {
            items.iter().copied().find(|item| {
                str_member(item, "Name").is_some_and(|name| same_label(name, &field.label))
            })
        })
        .or_else(|| {
            let wanted = field
                .item_type
                .filter(|t| [ITEM_TYPE_PASSWORD, ITEM_TYPE_USER_NAME].contains(t))?;
            items
                .iter()
                .copied()
                .find(|item| int_member(item, "ContainerItemType") == Some(wanted))
        })
}

fn items_of(container: &Value) -> Vec<&Value> {
    match container.get("Items") {
        Some(Value::Array(items)) => items.iter().filter(|item| item.is_object()).collect(),
        _ => Vec::new(),
    }
}

/// Returns `Info.ContainerName`, else the container's `Name`, else the
/// first non-empty text item.
fn display_name(container: &Value, items: &[&Value]) -> String {
    container
        .get("Info")
        .and_then(|info| non_empty_str(info, "ContainerName"))
        .or_else(|| non_empty_str(container, "Name"))
        .or_else(|| {
            items
                .iter()
                .filter(|item| int_member(item, "ContainerItemType") == Some(0))
                .find_map(|item| non_empty_str(item, "Value"))
        })
        .unwrap_or("")
        .trim()
        .to_string()
}

fn same_label(a: &str, b: &str) -> bool {
    equal_ignoring_case(a.trim(), b.trim())
}

fn list_for_message(names: &[&str]) -> String {
    if names.is_empty() {
        return "none".to_string();
    }
    shorten(&names.join(", "), 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_filter() -> Map<String, Value> {
        let value = json!({
            "$type": "PsrDataLayer.FilterObjects.ContainerListFilter, PsrDataLayer",
            "ContainerType": 0,
            "PageSize": 0,
            "FilterGroups": [{
                "$type": "PsrDataLayer.FilterObjects.ListFilterGroupContent, PsrDataLayer",
                "SearchList": [{
                    "$type": "PsrDataLayer.FilterObjects.ListFilterObjectContent, PsrDataLayer",
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
        });
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    #[test]
    fn content_search_is_filled_in_place() {
        let mut filter = default_filter();
        set_content_search(&mut filter, "svc-backup");
        let object = &filter["FilterGroups"][0]["SearchList"][0];
        assert_eq!(object["Search"], "svc-backup");
        assert_eq!(object["FilterActive"], true);
        assert_eq!(object["SearchTags"], false);
        let keys: Vec<&String> = object.as_object().expect("object").keys().collect();
        assert_eq!(keys[0], "$type");
        assert_eq!(keys[1], "Search");
        assert_eq!(filter["FilterGroups"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn short_search_stays_inactive() {
        let mut filter = default_filter();
        set_content_search(&mut filter, "sa");
        let object = &filter["FilterGroups"][0]["SearchList"][0];
        assert_eq!(object["Search"], "");
        assert_eq!(object["FilterActive"], false);
    }

    #[test]
    fn missing_content_group_is_appended_type_first() {
        let mut filter = default_filter();
        filter.insert("FilterGroups".into(), json!([]));
        set_content_search(&mut filter, "svc-backup");
        let group = &filter["FilterGroups"][0];
        let keys: Vec<&String> = group.as_object().expect("object").keys().collect();
        assert_eq!(keys[0], "$type");
        assert_eq!(group["SearchList"][0]["Search"], "svc-backup");

        let mut filter = default_filter();
        filter.insert("FilterGroups".into(), json!([]));
        set_content_search(&mut filter, "ab");
        assert_eq!(filter["FilterGroups"].as_array().map(Vec::len), Some(0));
    }
}
