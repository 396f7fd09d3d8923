//! The module manifest and the one-function-per-file layout.

use std::collections::BTreeSet;

use crate::script::{child_of_kind, children, descendants, Finding, Script};
use tree_sitter::Node;

/// One top-level key of the manifest hashtable.
pub struct ManifestEntry<'tree> {
    pub key: String,
    pub value: Node<'tree>,
}

/// Returns the top-level entries of a .psd1 file's hashtable.
pub fn manifest_entries(script: &Script) -> Vec<ManifestEntry<'_>> {
    let Some(table) = script
        .nodes()
        .into_iter()
        .find(|node| node.kind() == "hash_literal_expression")
    else {
        return Vec::new();
    };
    let Some(body) = child_of_kind(table, "hash_literal_body") else {
        return Vec::new();
    };
    children(body)
        .into_iter()
        .filter(|entry| entry.kind() == "hash_entry")
        .filter_map(|entry| {
            let key = child_of_kind(entry, "key_expression")?;
            let value = children(entry)
                .into_iter()
                .skip_while(|child| child.kind() != "=")
                .nth(1)?;
            Some(ManifestEntry {
                key: unquote(script.text(key)).to_string(),
                value,
            })
        })
        .collect()
}

/// Returns the string literals inside a value, unquoted, in order.
pub fn string_values(script: &Script, value: Node<'_>) -> Vec<String> {
    descendants(value)
        .into_iter()
        .filter(|node| node.kind() == "string_literal")
        .map(|node| unquote(script.text(node)).to_string())
        .collect()
}

fn unquote(text: &str) -> &str {
    let text = text.trim();
    for quote in ['\'', '"'] {
        if text.len() >= 2 && text.starts_with(quote) && text.ends_with(quote) {
            return &text[1..text.len() - 1];
        }
    }
    text
}

fn entry<'a, 'tree>(
    entries: &'a [ManifestEntry<'tree>],
    key: &str,
) -> Option<&'a ManifestEntry<'tree>> {
    entries
        .iter()
        .find(|entry| entry.key.eq_ignore_ascii_case(key))
}

/// Returns the functions a script defines at any depth, with their nodes.
pub fn defined_functions<'tree>(script: &'tree Script) -> Vec<(String, Node<'tree>)> {
    script
        .nodes()
        .into_iter()
        .filter(|node| node.kind() == "function_statement")
        .filter_map(|node| {
            let name = child_of_kind(node, "function_name")?;
            Some((script.text(name).to_string(), node))
        })
        .collect()
}

/// Checks that each file defines exactly one function, named like the
/// file, and no other top-level code.
pub fn check_one_function_per_file(script: &Script) -> Vec<Finding> {
    let functions = defined_functions(script);
    let mut findings = Vec::new();
    if functions.len() != 1 {
        findings.push(script.finding_at_line(
            1,
            format!(
                "defines {} functions; each file defines exactly one, named like the file",
                functions.len()
            ),
        ));
    }
    for (name, node) in &functions {
        if name != script.stem() {
            findings.push(script.finding(
                *node,
                format!(
                    "function {name} is in a file named {}; name the file after the function",
                    script.stem()
                ),
            ));
        }
    }
    if let Some(statements) = child_of_kind(script.tree.root_node(), "statement_list") {
        for statement in children(statements) {
            if !matches!(statement.kind(), "function_statement" | "comment") {
                findings.push(script.finding(
                    statement,
                    "code outside the function runs when the module is imported; move it into the function",
                ));
            }
        }
    }
    findings
}

/// Checks that FunctionsToExport lists exactly the public functions and
/// that the other export lists are empty `@()`, not `'*'`.
pub fn check_exports(manifest: &Script, public: &[Script]) -> Vec<Finding> {
    let entries = manifest_entries(manifest);
    let mut findings = Vec::new();

    match entry(&entries, "FunctionsToExport") {
        None => findings.push(manifest.finding_at_line(
            1,
            "FunctionsToExport is missing; list the public functions by name",
        )),
        Some(functions) => {
            let listed: BTreeSet<String> = string_values(manifest, functions.value)
                .into_iter()
                .collect();
            let defined: BTreeSet<String> = public
                .iter()
                .flat_map(|script| defined_functions(script).into_iter().map(|(name, _)| name))
                .collect();
            if listed.iter().any(|name| name.contains('*')) {
                findings.push(manifest.finding(
                    functions.value,
                    "FunctionsToExport uses a wildcard; list the functions by name",
                ));
            }
            for missing in defined.difference(&listed) {
                findings.push(manifest.finding(
                    functions.value,
                    format!("FunctionsToExport lacks {missing}, which module/Public defines"),
                ));
            }
            for extra in listed.difference(&defined) {
                findings.push(manifest.finding(
                    functions.value,
                    format!(
                        "FunctionsToExport lists {extra}, which no file in module/Public defines"
                    ),
                ));
            }
        }
    }

    for key in ["CmdletsToExport", "VariablesToExport", "AliasesToExport"] {
        match entry(&entries, key) {
            None => findings.push(manifest.finding_at_line(
                1,
                format!("{key} is missing; set it to @() so that nothing is exported by default"),
            )),
            Some(value) => {
                let text: String = manifest.text(value.value).split_whitespace().collect();
                if text != "@()" {
                    findings.push(manifest.finding(
                        value.value,
                        format!("{key} is `{}`; it must be @()", manifest.text(value.value)),
                    ));
                }
            }
        }
    }
    findings
}

/// Checks RootModule, ModuleVersion, GUID, CompatiblePSEditions and
/// PowerShellVersion.
pub fn check_manifest_fields(manifest: &Script, expected_version: &str) -> Vec<Finding> {
    let entries = manifest_entries(manifest);
    let mut findings = Vec::new();
    let mut single = |key: &str| -> Option<(String, Node<'_>)> {
        let Some(found) = entry(&entries, key) else {
            findings.push(manifest.finding_at_line(1, format!("{key} is missing")));
            return None;
        };
        let values = string_values(manifest, found.value);
        Some((values.first().cloned().unwrap_or_default(), found.value))
    };

    let root_module = single("RootModule");
    let version = single("ModuleVersion");
    let guid = single("GUID");
    let powershell_version = single("PowerShellVersion");

    if let Some((value, node)) = root_module {
        if value != format!("{}.psm1", manifest.stem()) {
            findings.push(manifest.finding(
                node,
                format!(
                    "RootModule is '{value}'; expected '{}.psm1'",
                    manifest.stem()
                ),
            ));
        }
    }
    if let Some((value, node)) = version {
        if value != expected_version {
            findings.push(manifest.finding(
                node,
                format!("ModuleVersion is '{value}' but the psvault crate is {expected_version}; keep them equal"),
            ));
        }
    }
    if let Some((value, node)) = guid {
        if !is_guid(&value) {
            findings.push(manifest.finding(node, format!("GUID '{value}' is not a GUID")));
        }
    }
    if let Some((value, node)) = powershell_version {
        if value != "5.1" {
            findings.push(manifest.finding(
                node,
                format!("PowerShellVersion is '{value}'; the module supports Windows PowerShell 5.1, so it must be '5.1'"),
            ));
        }
    }

    match entry(&entries, "CompatiblePSEditions") {
        None => findings.push(manifest.finding_at_line(
            1,
            "CompatiblePSEditions is missing; set @('Desktop', 'Core')",
        )),
        Some(editions) => {
            let listed: BTreeSet<String> = string_values(manifest, editions.value)
                .into_iter()
                .collect();
            let expected: BTreeSet<String> =
                ["Core", "Desktop"].iter().map(|s| s.to_string()).collect();
            if listed != expected {
                findings.push(manifest.finding(
                    editions.value,
                    format!("CompatiblePSEditions is {listed:?}; expected Desktop and Core"),
                ));
            }
        }
    }
    findings
}

fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|group| group.len()).collect();
    lengths == [8, 4, 4, 4, 12]
        && groups
            .iter()
            .all(|group| group.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD_MANIFEST: &str = "@{\n    RootModule = 'Demo.psm1'\n    ModuleVersion = '1.2.3'\n    \
        GUID = 'c101388e-6f6c-4d79-9292-0e0381d1ec1d'\n    CompatiblePSEditions = @('Desktop', 'Core')\n    \
        PowerShellVersion = '5.1'\n    FunctionsToExport = @('Get-Thing')\n    CmdletsToExport = @()\n    \
        VariablesToExport = @()\n    AliasesToExport = @()\n}\n";

    fn public_function(name: &str) -> Script {
        Script::parse(
            &format!("module/Public/{name}.ps1"),
            &format!("function {name} {{ 1 }}\n"),
        )
    }

    #[test]
    fn exports_accept_matching_manifest() {
        let manifest = Script::parse("module/Demo.psd1", GOOD_MANIFEST);
        let findings = check_exports(&manifest, &[public_function("Get-Thing")]);
        assert!(findings.is_empty(), "{findings:?}");
        let fields = check_manifest_fields(&manifest, "1.2.3");
        assert!(fields.is_empty(), "{fields:?}");
    }

    #[test]
    fn exports_rejects_missing_and_extra_functions() {
        let manifest = Script::parse("module/Demo.psd1", GOOD_MANIFEST);
        let findings = check_exports(&manifest, &[public_function("Set-Thing")]);
        assert_eq!(findings.len(), 2, "{findings:?}");
        assert!(findings
            .iter()
            .any(|f| f.message.contains("lacks Set-Thing")));
        assert!(findings
            .iter()
            .any(|f| f.message.contains("lists Get-Thing")));
    }

    #[test]
    fn exports_rejects_wildcards() {
        let source = GOOD_MANIFEST
            .replace(
                "FunctionsToExport = @('Get-Thing')",
                "FunctionsToExport = '*'",
            )
            .replace("AliasesToExport = @()", "AliasesToExport = '*'");
        let manifest = Script::parse("module/Demo.psd1", &source);
        let findings = check_exports(&manifest, &[public_function("Get-Thing")]);
        assert!(
            findings.iter().any(|f| f.message.contains("wildcard")),
            "{findings:?}"
        );
        assert!(
            findings
                .iter()
                .any(|f| f.message.contains("AliasesToExport")),
            "{findings:?}"
        );
    }

    #[test]
    fn fields_reject_wrong_editions_and_version() {
        let source = GOOD_MANIFEST
            .replace("@('Desktop', 'Core')", "@('Core')")
            .replace("PowerShellVersion = '5.1'", "PowerShellVersion = '7.2'")
            .replace(
                "GUID = 'c101388e-6f6c-4d79-9292-0e0381d1ec1d'",
                "GUID = 'not-a-guid'",
            );
        let manifest = Script::parse("module/Demo.psd1", &source);
        let findings = check_manifest_fields(&manifest, "1.2.4");
        let keys = [
            "CompatiblePSEditions",
            "PowerShellVersion",
            "GUID",
            "ModuleVersion",
        ];
        for key in keys {
            assert!(
                findings.iter().any(|f| f.message.contains(key)),
                "{key}: {findings:?}"
            );
        }
    }

    #[test]
    fn one_function_per_file_rejects_extra_code() {
        let script = Script::parse(
            "module/Public/Get-Thing.ps1",
            "function Get-Thing { 1 }\nfunction Get-Other { 2 }\n$x = 1\n",
        );
        let findings = check_one_function_per_file(&script);
        assert!(
            findings
                .iter()
                .any(|f| f.message.contains("defines 2 functions")),
            "{findings:?}"
        );
        assert!(
            findings.iter().any(|f| f.message.contains("Get-Other")),
            "{findings:?}"
        );
        assert!(findings.iter().any(|f| f.line == 3), "{findings:?}");
    }
}
