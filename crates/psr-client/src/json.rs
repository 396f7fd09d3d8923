//! Helpers for reading the server's polymorphic JSON.

use serde_json::Value;

/// Returns the `$type` member of an object.
pub(crate) fn type_name(value: &Value) -> Option<&str> {
    value.get("$type").and_then(Value::as_str)
}

/// Tells whether the `$type` member contains `needle`. Servers send full
/// .NET type names, so types are matched by substring.
pub(crate) fn type_contains(value: &Value, needle: &str) -> bool {
    type_name(value).is_some_and(|name| name.contains(needle))
}

/// Returns a string member, `None` when absent, null or not a string.
pub(crate) fn str_member<'a>(value: &'a Value, name: &str) -> Option<&'a str> {
    value.get(name).and_then(Value::as_str)
}

/// Returns a non-blank string member.
pub(crate) fn non_empty_str<'a>(value: &'a Value, name: &str) -> Option<&'a str> {
    str_member(value, name).filter(|text| !text.trim().is_empty())
}

/// Returns an integer member; numbers written as strings are accepted.
pub(crate) fn int_member(value: &Value, name: &str) -> Option<i64> {
    value.get(name).and_then(int_value)
}

/// Returns an integer value; numbers written as strings are accepted.
pub(crate) fn int_value(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// Compares two GUIDs case-insensitively, ignoring surrounding braces and
/// whitespace.
pub(crate) fn guid_eq(a: &str, b: &str) -> bool {
    let clean = |text: &str| -> String {
        text.trim()
            .trim_start_matches('{')
            .trim_end_matches('}')
            .to_ascii_lowercase()
    };
    clean(a) == clean(b)
}

/// Tells whether a GUID text is empty or the all-zero GUID.
pub(crate) fn is_empty_guid(text: &str) -> bool {
    text.chars()
        .filter(|c| !matches!(c, '-' | '{' | '}') && !c.is_whitespace())
        .all(|c| c == '0')
}

/// Tells whether a `DataStates` flag set (when present) includes the
/// active bit.
pub(crate) fn is_active(value: &Value) -> bool {
    match int_member(value, "DataStates") {
        Some(states) => states & 1 == 1,
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn guids_compare_case_insensitively() {
        assert!(guid_eq(
            "6F1D2C3B-4A59-4E68-9D7C-0B1A2C3D4E5F",
            "{6f1d2c3b-4a59-4e68-9d7c-0b1a2c3d4e5f}"
        ));
        assert!(!guid_eq("6f1d", "6f1e"));
    }

    #[test]
    fn empty_guid_forms() {
        assert!(is_empty_guid(""));
        assert!(is_empty_guid("00000000-0000-0000-0000-000000000000"));
        assert!(is_empty_guid("{00000000-0000-0000-0000-000000000000}"));
        assert!(!is_empty_guid("00000000-0000-0000-0000-000000000001"));
    }

    #[test]
    fn type_matches_by_substring() {
        let value = json!({"$type": "Psr.Auth.AuthenticationResultCompleted, Psr"});
        assert!(type_contains(&value, "AuthenticationResultCompleted"));
        assert!(!type_contains(&value, "LoginFailed"));
    }

    #[test]
    fn data_states_active_bit() {
        assert!(is_active(&json!({"DataStates": 1})));
        assert!(is_active(&json!({"DataStates": 3})));
        assert!(!is_active(&json!({"DataStates": 4})));
        assert!(is_active(&json!({})));
    }
}
