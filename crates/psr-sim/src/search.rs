//! `ContainerListFilter` evaluation for `GetContainerList` and
//! `GetContainerCount`.
//!
//! Semantics (the real server's are undocumented, these are deterministic):
//! * Only containers the user can read and whose state is in `DataStates`
//!   are returned; every simulated container is active (1).
//! * A content search object is active when `FilterActive` is true
//!   (include) or null (exclude); false or absent leaves it inactive. An
//!   active object with fewer than 3 characters fails with 550000.
//! * A container matches a search when one of its plain item values
//!   contains the text, case-insensitively (`ExactSearch`: equals it).
//!   Encrypted values are never searched. Forms match on their name and
//!   field labels. `ExtendedSearch` `"<form id>|<field label>"` restricts
//!   the search to that field of containers built from that form.
//! * Form groups (`FormFilters`) restrict password containers to forms.
//! * Within a group all active objects must match, and a group without an
//!   active object is ignored. Groups combine with AND when
//!   `AndLinkedGroup` is true, otherwise with OR.
//! * `DataId` restricts the result to one container; `First` > 0 caps the
//!   result; `PageSize` > 0 pages it by zero-based `Page`, in fixture order.
//! * Group types are recognised by `$type` substring or by their list
//!   member, so short and missing `$type` names work.

use serde_json::Value;

use crate::store::{ContainerRef, Entry, ItemValue, Store};
use crate::wire::container_type;

/// Minimum number of characters of an active content search.
pub(crate) const MIN_SEARCH_CHARACTERS: usize = 3;

/// A content search that is too short.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SearchTooShort;

/// A parsed filter.
#[derive(Debug, Default)]
pub(crate) struct Query {
    data_states: i64,
    data_id: Option<String>,
    groups: Vec<Group>,
    first: usize,
    page: usize,
    page_size: usize,
}

#[derive(Debug)]
struct Group {
    and_linked: bool,
    conditions: Vec<Condition>,
}

#[derive(Debug)]
struct Condition {
    negate: bool,
    test: Test,
}

#[derive(Debug)]
enum Test {
    Content {
        needle: String,
        /// The needle enclosed in NUL bytes, for exact matches.
        delimited: String,
        exact: bool,
        field: Option<(String, String)>,
    },
    Form {
        form_id: String,
    },
}

impl Query {
    /// Parses a filter object; `null` or a missing filter means the default
    /// filter.
    pub fn parse(filter: Option<&Value>) -> Result<Query, SearchTooShort> {
        let Some(filter) = filter.filter(|f| f.is_object()) else {
            return Ok(Query {
                data_states: 1,
                ..Query::default()
            });
        };
        let mut query = Query {
            data_states: filter
                .get("DataStates")
                .and_then(Value::as_i64)
                .unwrap_or(1),
            data_id: filter
                .get("DataId")
                .and_then(Value::as_str)
                .filter(|id| !id.is_empty())
                .map(str::to_lowercase),
            groups: Vec::new(),
            first: count(filter.get("First")),
            page: count(filter.get("Page")),
            page_size: count(filter.get("PageSize")),
        };
        let groups = filter.get("FilterGroups").and_then(Value::as_array);
        for group in groups.into_iter().flatten() {
            if let Some(parsed) = parse_group(group)? {
                query.groups.push(parsed);
            }
        }
        Ok(query)
    }

    /// Returns the matching containers of a type visible to `user`, before
    /// paging.
    pub fn matches(&self, store: &Store, user: usize, kind: i64) -> Vec<ContainerRef> {
        if self.data_states & crate::wire::STATE_ACTIVE == 0 {
            return Vec::new();
        }
        let mut found = Vec::new();
        match kind {
            container_type::PASSWORD => {
                let mut consider = |index: usize| {
                    let entry = &store.entries[index];
                    if self.id_allowed(&entry.id)
                        && store.can_read(user, entry)
                        && self.entry_matches(store, entry)
                    {
                        found.push(ContainerRef::Entry(index));
                    }
                };
                match self.narrowest_candidates(store) {
                    Some(candidates) => {
                        for &index in candidates {
                            consider(index as usize);
                        }
                    }
                    None => (0..store.entries.len()).for_each(consider),
                }
            }
            container_type::FORM => {
                for (index, form) in store.forms.iter().enumerate() {
                    if self.id_allowed(&form.id)
                        && self.evaluate(|test| match test {
                            Test::Content {
                                needle,
                                delimited,
                                exact,
                                ..
                            } => text_matches(&form.search_text, needle, delimited, *exact),
                            Test::Form { form_id } => *form_id == form.id,
                        })
                    {
                        found.push(ContainerRef::Form(index));
                    }
                }
            }
            _ => {}
        }
        if self.first > 0 {
            found.truncate(self.first);
        }
        found
    }

    /// Applies `Page` and `PageSize` to a result.
    pub fn page<T>(&self, found: Vec<T>) -> Vec<T> {
        if self.page_size == 0 {
            return found;
        }
        found
            .into_iter()
            .skip(self.page.saturating_mul(self.page_size))
            .take(self.page_size)
            .collect()
    }

    /// Returns the smallest candidate list that the entry index gives for
    /// a content search every match must pass, or `None` when no such
    /// search narrows the result (the caller then reads every entry).
    ///
    /// A group's searches are required when the group cannot be bypassed:
    /// it is the first group or AND-linked, and every later group is
    /// AND-linked too. A negated search is never required.
    fn narrowest_candidates<'s>(&self, store: &'s Store) -> Option<&'s [u32]> {
        let mut narrowest: Option<&[u32]> = None;
        for (position, group) in self.groups.iter().enumerate() {
            let bypassable = (position > 0 && !group.and_linked)
                || self.groups[position + 1..]
                    .iter()
                    .any(|later| !later.and_linked);
            if bypassable {
                continue;
            }
            for condition in group.conditions.iter().filter(|c| !c.negate) {
                let Test::Content { needle, .. } = &condition.test else {
                    continue;
                };
                let Some(candidates) = store.entry_index.candidates(needle) else {
                    continue;
                };
                match narrowest {
                    Some(current) if current.len() <= candidates.len() => {}
                    _ => narrowest = Some(candidates),
                }
            }
        }
        narrowest
    }

    fn id_allowed(&self, id: &str) -> bool {
        match &self.data_id {
            None => true,
            Some(wanted) => wanted == id,
        }
    }

    fn entry_matches(&self, store: &Store, entry: &Entry) -> bool {
        let form = &store.forms[entry.form];
        self.evaluate(|test| match test {
            Test::Content {
                needle,
                exact,
                field: Some((form_id, label)),
                ..
            } => {
                *form_id == form.id
                    && form.fields.iter().zip(&entry.items).any(|(field, item)| {
                        field.name.to_lowercase() == *label
                            && match &item.value {
                                ItemValue::Plain(Some(value)) => {
                                    let value = value.to_lowercase();
                                    if *exact {
                                        value == *needle
                                    } else {
                                        value.contains(needle.as_str())
                                    }
                                }
                                _ => false,
                            }
                    })
            }
            Test::Content {
                needle,
                delimited,
                exact,
                ..
            } => text_matches(&entry.search_text, needle, delimited, *exact),
            Test::Form { form_id } => *form_id == form.id,
        })
    }

    fn evaluate(&self, test: impl Fn(&Test) -> bool) -> bool {
        let mut result: Option<bool> = None;
        for group in &self.groups {
            let matched = group
                .conditions
                .iter()
                .all(|condition| test(&condition.test) != condition.negate);
            result = Some(match result {
                None => matched,
                Some(previous) if group.and_linked => previous && matched,
                Some(previous) => previous || matched,
            });
        }
        result.unwrap_or(true)
    }
}

/// Tests a NUL-delimited lower-case text (`\0v1\0v2\0`) for a lower-case
/// needle. A needle containing NUL never matches.
fn text_matches(text: &str, needle: &str, delimited: &str, exact: bool) -> bool {
    if needle.contains('\0') {
        return false;
    }
    if exact {
        text.contains(delimited)
    } else {
        text.contains(needle)
    }
}

/// Reads a non-negative count; anything else is 0.
fn count(value: Option<&Value>) -> usize {
    value
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0)
}

fn type_contains(object: &Value, name: &str) -> bool {
    object
        .get("$type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.contains(name))
}

/// Parses one filter group; groups of other kinds (tags, organisational
/// units) return `None` and do not restrict the result.
fn parse_group(group: &Value) -> Result<Option<Group>, SearchTooShort> {
    let and_linked = group
        .get("AndLinkedGroup")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let content_list = group
        .get("SearchList")
        .or_else(|| group.get("StringListFilters"))
        .and_then(Value::as_array);
    let form_list = group.get("FormFilters").and_then(Value::as_array);

    let mut conditions = Vec::new();
    if content_list.is_some() || type_contains(group, "ListFilterGroupContent") {
        for object in content_list.into_iter().flatten() {
            let Some(negate) = activity(object) else {
                continue;
            };
            let search = object.get("Search").and_then(Value::as_str).unwrap_or("");
            if search.chars().count() < MIN_SEARCH_CHARACTERS {
                return Err(SearchTooShort);
            }
            let field = object
                .get("ExtendedSearch")
                .and_then(Value::as_str)
                .and_then(|text| text.split_once('|'))
                .map(|(form, label)| (form.trim().to_lowercase(), label.trim().to_lowercase()));
            conditions.push(Condition {
                negate,
                test: Test::Content {
                    needle: search.to_lowercase(),
                    delimited: format!("\0{}\0", search.to_lowercase()),
                    exact: object
                        .get("ExactSearch")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    field,
                },
            });
        }
    } else if form_list.is_some() || type_contains(group, "ListFilterGroupForm") {
        for object in form_list.into_iter().flatten() {
            let Some(negate) = activity(object) else {
                continue;
            };
            let form_id = object
                .get("Form")
                .and_then(|form| form.get("Id"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_lowercase();
            conditions.push(Condition {
                negate,
                test: Test::Form { form_id },
            });
        }
    }
    if conditions.is_empty() {
        return Ok(None);
    }
    Ok(Some(Group {
        and_linked,
        conditions,
    }))
}

/// Reads the tri-state `FilterActive`: `Some(false)` include, `Some(true)`
/// exclude (null), `None` inactive (false or absent).
fn activity(object: &Value) -> Option<bool> {
    match object.get("FilterActive") {
        Some(Value::Bool(true)) => Some(false),
        Some(Value::Null) => Some(true),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn content_filter(search: &str, active: Value, exact: bool) -> Value {
        json!({
            "DataStates": 1,
            "FilterGroups": [{"SearchList": [{
                "Search": search, "FilterActive": active, "ExactSearch": exact
            }]}]
        })
    }

    #[test]
    fn short_active_search_is_rejected() {
        let filter = content_filter("ab", json!(true), false);
        assert_eq!(Query::parse(Some(&filter)).err(), Some(SearchTooShort));
        let filter = content_filter("", json!(null), false);
        assert_eq!(Query::parse(Some(&filter)).err(), Some(SearchTooShort));
    }

    #[test]
    fn inactive_short_search_is_ignored() {
        let filter = content_filter("", json!(false), false);
        let query = Query::parse(Some(&filter)).expect("inactive search is valid");
        assert!(query.groups.is_empty());
    }

    #[test]
    fn default_filter_parses_to_no_groups() {
        let filter = crate::wire::default_filter(0);
        let query = Query::parse(Some(&filter)).expect("default filter is valid");
        assert!(query.groups.is_empty());
        assert_eq!(query.data_states, 1);
        assert_eq!(query.page_size, 0);
    }

    #[test]
    fn text_matching_is_substring_or_exact() {
        let text = "\0corp\0svc_sql\0";
        let matches =
            |needle: &str, exact| text_matches(text, needle, &format!("\0{needle}\0"), exact);
        assert!(matches("svc", false));
        assert!(!matches("svc", true));
        assert!(matches("svc_sql", true));
        assert!(!matches("corp\0svc", false));
    }

    #[test]
    fn excluded_search_negates() {
        let filter = content_filter("svc", json!(null), false);
        let query = Query::parse(Some(&filter)).expect("valid filter");
        assert!(!query.evaluate(|_| true));
        assert!(query.evaluate(|_| false));
    }

    #[test]
    fn groups_link_with_and_or_or() {
        let filter = json!({"FilterGroups": [
            {"SearchList": [{"Search": "aaa", "FilterActive": true}]},
            {"AndLinkedGroup": false, "SearchList": [{"Search": "bbb", "FilterActive": true}]}
        ]});
        let query = Query::parse(Some(&filter)).expect("valid filter");
        let only_b = |test: &Test| matches!(test, Test::Content { needle, .. } if needle == "bbb");
        assert!(query.evaluate(only_b));
    }

    #[test]
    fn paging_splits_results() {
        let filter = json!({"Page": 1, "PageSize": 2});
        let query = Query::parse(Some(&filter)).expect("valid filter");
        assert_eq!(query.page(vec![1, 2, 3, 4, 5]), vec![3, 4]);
        let query = Query::parse(None).expect("default");
        assert_eq!(query.page(vec![1, 2, 3]), vec![1, 2, 3]);
    }
}
