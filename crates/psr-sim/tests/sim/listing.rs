//! Form and password listing: default filters, content search, paging,
//! visibility and scopes.

use serde_json::{json, Value};

use crate::client::{item, login, value, Client};
use crate::{demo, demo_key, ids};

fn usernames(containers: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = containers
        .iter()
        .map(|c| {
            c["Items"]
                .as_array()
                .expect("items")
                .iter()
                .find(|i| i["ContainerItemType"] == 13)
                .and_then(|i| i["Value"].as_str())
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn default_filter_is_served() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let filter = session.default_filter(0);
    assert!(filter["$type"]
        .as_str()
        .unwrap_or_default()
        .contains("ContainerListFilter"));
    assert_eq!(filter["ContainerType"], 0);
    assert_eq!(filter["DataStates"], 1);
    assert_eq!(filter["PageSize"], 0);
    let object = &filter["FilterGroups"][0]["SearchList"][0];
    assert_eq!(object["FilterActive"], false);
    assert_eq!(object["Search"], "");
    assert_eq!(session.default_filter(1)["ContainerType"], 1);
    session.close();
}

#[test]
fn forms_are_listed_with_fields() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let forms = session.list(1, &session.default_filter(1));
    let names: Vec<&str> = forms
        .iter()
        .map(|f| f["Name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["AD User", "AD-Benutzer", "Website"]);
    let ad_user = &forms[0];
    assert_eq!(ad_user["Id"], ids::AD_USER_FORM);
    assert_eq!(ad_user["ContainerType"], 1);
    let fields: Vec<(&str, i64)> = ad_user["Items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["Name"].as_str().unwrap_or_default(),
                i["ContainerItemType"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            ("Description", 0),
            ("Domain", 0),
            ("Username", 13),
            ("Password", 1)
        ]
    );

    let german = session.list(1, &session.filter(1, Some("benutzer"), false));
    assert_eq!(german.len(), 1);
    assert_eq!(german[0]["Name"], "AD-Benutzer");
    session.close();
}

#[test]
fn forms_need_forms_scope() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/passwords-only")).expect("login");
    let reply = session.list_reply(1, &session.default_filter(1));
    assert_eq!(reply.status, 403);
    assert_eq!(session.list(0, &session.default_filter(0)).len(), 8);
    session.close();
}

#[test]
fn passwords_need_passwords_scope() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/forms-only")).expect("login");
    assert_eq!(
        session.list_reply(0, &session.default_filter(0)).status,
        403
    );
    let count = session.call(
        "GetContainerCount",
        json!({"containerType": 0, "filter": session.default_filter(0)}),
    );
    assert_eq!(count.status, 403);
    let secret = session.call(
        "GetContainerItemWithSecretValue",
        json!({"itemId": ids::SVC_SQL, "reason": ""}),
    );
    assert_eq!(secret.status, 403);
    assert_eq!(session.list(1, &session.default_filter(1)).len(), 3);
    session.close();
}

#[test]
fn lists_show_only_readable_entries() {
    let client = Client::new(demo());
    let nps = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let all = nps.list(0, &nps.default_filter(0));
    assert_eq!(
        usernames(&all),
        [
            "adm_sealed",
            "svc-backup",
            "svc_datei",
            "svc_kiosk",
            "svc_print",
            "svc_sql",
            "svc_sql",
            "svc_unicode"
        ]
    );
    assert!(
        !usernames(&all).contains(&"svc_rsa".to_owned()),
        "svc_rsa is readable by legacy-svc only"
    );

    let web = login(&client, &demo_key("web-svc/web")).expect("login");
    let web_entries = web.list(0, &web.default_filter(0));
    assert_eq!(
        usernames(&web_entries),
        ["svc_sql"],
        "only the Website entry through the role"
    );
    assert_eq!(web_entries[0]["Info"]["BaseContainerName"], "Website");
    nps.close();
    web.close();
}

#[test]
fn list_entries_carry_plain_values_only() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let container = session.find_password("svc_sql");
    assert_eq!(container["Id"], ids::SVC_SQL);
    assert_eq!(container["BaseContainerId"], ids::AD_USER_FORM);
    assert_eq!(container["Info"]["BaseContainerName"], "AD User");
    assert_eq!(value(&container, "Domain"), "CORP");
    assert_eq!(value(&container, "Description"), "SQL service");
    let password = item(&container, "Password");
    assert!(password["Value"].is_null());
    assert_eq!(password["ContainerItemType"], 1);
    assert!(password["BaseContainerItemId"].is_string());
    assert!(container["$type"]
        .as_str()
        .unwrap_or_default()
        .contains("MtoContainer"));
    session.close();
}

#[test]
fn search_is_case_insensitive_substring() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let found = session.list(0, &session.filter(0, Some("SVC_SQL"), false));
    assert_eq!(
        usernames(&found),
        ["svc_sql", "svc_sql"],
        "AD User and Website entries"
    );
    let found = session.list(0, &session.filter(0, Some("lab"), false));
    assert_eq!(usernames(&found), ["svc_print"]);
    let found = session.list(0, &session.filter(0, Some("sealed-secret"), false));
    assert!(found.is_empty(), "encrypted values are not searched");
    let found = session.list(0, &session.filter(0, Some("Schlüssel"), false));
    assert!(found.is_empty());
    let found = session.list(0, &session.filter(0, Some("DATEI"), false));
    assert_eq!(
        usernames(&found),
        ["svc_datei"],
        "localised entries are searched too"
    );
    session.close();
}

#[test]
fn exact_search_matches_whole_values() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    assert!(session
        .list(0, &session.filter(0, Some("svc_sq"), true))
        .is_empty());
    assert_eq!(
        session
            .list(0, &session.filter(0, Some("SVC_SQL"), true))
            .len(),
        2
    );
    session.close();
}

#[test]
fn short_search_is_rejected() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    for search in ["", "ab", "äö"] {
        let reply = session.list_reply(0, &session.filter(0, Some(search), false));
        assert_eq!(reply.status, 500, "search {search:?}");
        assert_eq!(reply.exception_code(), Some(550_000), "search {search:?}");
    }
    assert_eq!(
        session
            .list(0, &session.filter(0, Some("äöü"), false))
            .len(),
        0
    );
    session.close();
}

#[test]
fn paging_splits_and_count_totals() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let all = session.list(0, &session.default_filter(0));
    let mut paged = Vec::new();
    for page in 0.. {
        let mut filter = session.default_filter(0);
        filter["PageSize"] = json!(3);
        filter["Page"] = json!(page);
        let chunk = session.list(0, &filter);
        let short = chunk.len() < 3;
        paged.extend(chunk);
        if short {
            break;
        }
    }
    let ids = |list: &[Value]| list.iter().map(|c| c["Id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&paged), ids(&all));

    let mut filter = session.default_filter(0);
    filter["PageSize"] = json!(3);
    let count = session.call(
        "GetContainerCount",
        json!({"containerType": 0, "filter": filter}),
    );
    assert_eq!(count.status, 200);
    assert_eq!(count.json(), json!(all.len()));

    let mut first = session.default_filter(0);
    first["First"] = json!(2);
    assert_eq!(session.list(0, &first).len(), 2);
    session.close();
}

#[test]
fn inactive_states_return_nothing() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let mut filter = session.default_filter(0);
    filter["DataStates"] = json!(4);
    assert!(session.list(0, &filter).is_empty());
    session.close();
}

#[test]
fn filters_with_short_or_no_type_names_work() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let short = json!({"$type": "ContainerListFilter", "DataStates": 1, "FilterGroups": [
        {"$type": "ListFilterGroupContent", "SearchList": [
            {"$type": "ListFilterObjectContent", "Search": "svc_print", "FilterActive": true}]}]});
    assert_eq!(usernames(&session.list(0, &short)), ["svc_print"]);
    let untyped =
        json!({"FilterGroups": [{"SearchList": [{"Search": "svc_print", "FilterActive": true}]}]});
    assert_eq!(usernames(&session.list(0, &untyped)), ["svc_print"]);
    let appended = {
        let mut filter = session.default_filter(0);
        filter["FilterGroups"]
            .as_array_mut()
            .expect("groups")
            .push(json!({
            "$type": "PsrDataLayer.FilterObjects.ListFilterGroupContent, PsrDataLayer",
            "SearchList": [{"Search": "corp", "FilterActive": true}], "AndLinkedGroup": true}));
        filter
    };
    assert_eq!(session.list(0, &appended).len(), 6);
    let no_filter = session.call("GetContainerList", json!({"containerType": 0}));
    assert_eq!(no_filter.status, 200);
    assert_eq!(no_filter.json().as_array().map(Vec::len), Some(8));
    session.close();
}

#[test]
fn or_linked_search_groups_widen() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let group = |search: &str, and_linked: bool| {
        json!({"SearchList": [{"Search": search, "FilterActive": true}],
               "AndLinkedGroup": and_linked})
    };
    let either = json!({"FilterGroups": [group("svc_sql", false), group("svc_print", false)]});
    let mut found = usernames(&session.list(0, &either));
    found.sort();
    found.dedup();
    assert_eq!(found, ["svc_print", "svc_sql"]);
    let both = json!({"FilterGroups": [group("svc_sql", true), group("corp", true)]});
    assert_eq!(usernames(&session.list(0, &both)), ["svc_sql"]);
    let excluded = json!({"FilterGroups": [{"SearchList": [
        {"Search": "svc_sql", "FilterActive": null}]}]});
    let rest = usernames(&session.list(0, &excluded));
    assert!(!rest.iter().any(|name| name == "svc_sql"), "{rest:?}");
    assert!(rest.iter().any(|name| name == "svc_print"), "{rest:?}");
    session.close();
}

#[test]
fn extended_search_limits_to_one_field() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let mut filter = session.filter(0, Some("svc_sql"), true);
    filter["FilterGroups"][0]["SearchList"][0]["ExtendedSearch"] =
        json!(format!("{}|Username", ids::AD_USER_FORM));
    let found = session.list(0, &filter);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["Id"], ids::SVC_SQL);
    session.close();
}

#[test]
fn get_container_returns_one() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let reply = session.call("GetContainer", json!({"id": ids::SVC_SQL.to_uppercase()}));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["Id"], ids::SVC_SQL);
    let form = session.call("GetContainer", json!({"id": ids::AD_USER_FORM}));
    assert_eq!(form.json()["Name"], "AD User");
    let missing = session.call(
        "GetContainer",
        json!({"id": "00000000-0000-0000-0000-000000000001"}),
    );
    assert_eq!(missing.status, 500);
    assert_eq!(missing.exception_code(), Some(20_039));
    let unreadable = session.call(
        "GetContainer",
        json!({"id": "44444444-4444-4444-4444-444444444407"}),
    );
    assert_eq!(unreadable.exception_code(), Some(20_039));
    session.close();
}

#[test]
fn routing_ignores_case_and_content_type() {
    let client = Client::new(demo());
    let session = login(&client, &demo_key("nps-svc/nps")).expect("login");
    let mut headers = session.headers();
    headers.push(("Content-Type", "text/plain; charset=utf-8".to_owned()));
    let reply = client
        .post(
            "webservice/GETCONTAINERLISTFILTER",
            &json!({"containerType": 1}),
            &headers,
        )
        .expect("answered");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["ContainerType"], 1);
    let missing = client
        .post("WebService/NoSuchMethod", &json!({}), &headers)
        .expect("answered");
    assert_eq!(missing.status, 404);
    let wrong_area = client
        .post("Auth/GetContainerList", &json!({}), &headers)
        .expect("answered");
    assert_eq!(wrong_area.status, 404);
    session.close();
}
