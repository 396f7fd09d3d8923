//! Syntax errors, and syntax that Windows PowerShell 5.1 cannot run.
//!
//! The module must load in Windows PowerShell 5.1, the version every
//! supported Windows Server ships, as well as in PowerShell 7. Most
//! PowerShell 7 operators are not in the grammar and already show up as
//! syntax errors. The token rules below name them as well, so that a
//! failure message names the fix. Token rules run on the code only, with
//! strings and comments blanked.

use crate::script::{child_of_kind, children, line_of_offset, Finding, Script};
use tree_sitter::Node;

/// Reports every ERROR and MISSING node of the syntax tree.
pub fn check_syntax(script: &Script) -> Vec<Finding> {
    let mut findings = Vec::new();
    for node in script.nodes() {
        if node.is_missing() {
            findings.push(script.finding(node, format!("syntax error: missing `{}`", node.kind())));
        } else if node.is_error() {
            let excerpt: String = script.text(node).chars().take(60).collect();
            findings.push(script.finding(
                node,
                format!("syntax error near `{}`", excerpt.replace('\n', "\\n")),
            ));
        }
    }
    findings
}

/// Reports PowerShell 7 operators found in the code: `? :`, `??`, `??=`,
/// `?.`, `?[`, `&&`, `||`, and `clean` blocks.
pub fn check_ps7_operators(script: &Script) -> Vec<Finding> {
    let code = script.code_only();
    let bytes = code.as_bytes();
    let mut findings = Vec::new();
    let mut report = |offset: usize, message: &str| {
        findings.push(script.finding_at_line(line_of_offset(&code, offset), message));
    };

    let mut index = 0;
    while index < bytes.len() {
        let current = bytes[index];
        let next = bytes.get(index + 1).copied().unwrap_or(b' ');
        let previous = if index > 0 { bytes[index - 1] } else { b'\n' };

        if current == b'?' && previous != b'$' {
            if next == b'?' {
                report(
                    index,
                    "the null-coalescing operators ?? and ??= need PowerShell 7; \
                     use if ($null -eq $x) instead",
                );
                index += 2;
                continue;
            }
            if (next == b'.' || next == b'[') && !previous.is_ascii_whitespace() {
                report(
                    index,
                    "null-conditional access ?. and ?[] needs PowerShell 7; \
                     test for $null first",
                );
            } else if previous.is_ascii_whitespace()
                && next.is_ascii_whitespace()
                && !follows_command_start(bytes, index)
            {
                report(
                    index,
                    "the ternary operator ? : needs PowerShell 7; use if/else",
                );
            }
        }

        if (current == b'&' && next == b'&') || (current == b'|' && next == b'|') {
            report(
                index,
                "the pipeline chain operators && and || need PowerShell 7; \
                 test $? or the exit code with if",
            );
            index += 2;
            continue;
        }
        index += 1;
    }

    for (line_index, line) in code.lines().enumerate() {
        let trimmed = line.trim_start();
        let is_clean_block = trimmed.len() >= 5
            && trimmed[..5].eq_ignore_ascii_case("clean")
            && trimmed[5..].trim_start().starts_with('{');
        if is_clean_block {
            findings.push(script.finding_at_line(
                line_index + 1,
                "the clean block needs PowerShell 7.3; use try/finally in end",
            ));
        }
    }
    findings
}

/// Returns true when the `?` at `index` is where a command starts
/// (after `|`, `(`, `{`, `;` or at the start of a line), which makes it
/// the Where-Object alias rather than a ternary operator.
fn follows_command_start(bytes: &[u8], index: usize) -> bool {
    let before = bytes[..index]
        .iter()
        .rev()
        .find(|byte| **byte != b' ' && **byte != b'\t');
    matches!(
        before,
        None | Some(b'|' | b'(' | b'{' | b';' | b'\n' | b'\r')
    )
}

/// Parameters that need PowerShell 6 or later, per command (lower case).
const PS7_PARAMETERS: &[(&[&str], &[&str])] = &[
    (&["foreach-object", "foreach", "%"], &["parallel"]),
    (
        &["convertfrom-json"],
        &["ashashtable", "depth", "noenumerate", "datekind"],
    ),
    (
        &["convertto-json"],
        &["asarray", "enumsasstrings", "escapehandling"],
    ),
    (&["join-path"], &["additionalchildpath"]),
    (
        &["get-content", "set-content", "add-content"],
        &["asbytestream"],
    ),
    (
        &["invoke-restmethod", "invoke-webrequest", "irm", "iwr"],
        &[
            "skipcertificatecheck",
            "authentication",
            "sslprotocol",
            "statuscodevariable",
            "responseheadersvariable",
        ],
    ),
];

/// Commands that exist only in PowerShell 6 or later (lower case).
const PS7_COMMANDS: &[&str] = &["test-json", "get-error", "join-string", "get-uptime"];

/// Common parameters: an abbreviation that also starts one of these is
/// ambiguous and is not counted as a PowerShell 7 parameter.
const COMMON_PARAMETERS: &[&str] = &[
    "verbose",
    "debug",
    "erroraction",
    "warningaction",
    "informationaction",
    "progressaction",
    "errorvariable",
    "warningvariable",
    "informationvariable",
    "outvariable",
    "outbuffer",
    "pipelinevariable",
];

/// Reports PowerShell 7 commands and parameters, Join-Path with more than
/// two paths, and `using` statements after other statements.
pub fn check_ps7_commands(script: &Script) -> Vec<Finding> {
    let mut findings = Vec::new();
    for node in script.nodes() {
        if node.kind() != "command" {
            continue;
        }
        let Some(name_node) = child_of_kind(node, "command_name") else {
            continue;
        };
        let name = command_name(script.text(name_node));

        if PS7_COMMANDS.contains(&name.as_str()) {
            findings.push(script.finding(
                node,
                format!("{} needs PowerShell 6 or later", script.text(name_node)),
            ));
        }

        let parameters = command_parameters(script, node);
        for (commands, forbidden) in PS7_PARAMETERS {
            if !commands.contains(&name.as_str()) {
                continue;
            }
            for (parameter_node, parameter) in &parameters {
                let hit = forbidden.iter().find(|candidate| {
                    let candidate = candidate.to_ascii_lowercase();
                    !parameter.is_empty()
                        && candidate.starts_with(parameter.as_str())
                        && !COMMON_PARAMETERS
                            .iter()
                            .any(|common| common.starts_with(parameter.as_str()))
                });
                if let Some(hit) = hit {
                    findings.push(script.finding(
                        *parameter_node,
                        format!(
                            "{} -{hit} needs PowerShell 6 or later",
                            script.text(name_node)
                        ),
                    ));
                }
            }
        }

        if name == "join-path" {
            let positional = positional_argument_count(script, node, &["resolve"]);
            if positional > 2 {
                findings.push(script.finding(
                    node,
                    format!(
                        "Join-Path with {positional} path arguments needs PowerShell 6; \
                         nest two-argument Join-Path calls"
                    ),
                ));
            }
        }
    }

    findings.extend(check_using_placement(script));
    findings
}

/// Returns a command name in lower case without its module qualifier.
fn command_name(text: &str) -> String {
    text.rsplit('\\')
        .next()
        .unwrap_or(text)
        .to_ascii_lowercase()
}

/// Returns the named parameters of a command: the node and the name in
/// lower case, without dashes and a trailing colon.
fn command_parameters<'tree>(script: &Script, command: Node<'tree>) -> Vec<(Node<'tree>, String)> {
    let Some(elements) = child_of_kind(command, "command_elements") else {
        return Vec::new();
    };
    children(elements)
        .into_iter()
        .filter(|element| element.kind() == "command_parameter")
        .map(|element| (element, parameter_name(script.text(element))))
        .collect()
}

fn parameter_name(text: &str) -> String {
    text.trim_start_matches('-')
        .trim_end_matches(':')
        .to_ascii_lowercase()
}

/// Counts the arguments of a command that no named parameter takes. Every
/// named parameter takes the next argument, except the given switches.
fn positional_argument_count(script: &Script, command: Node<'_>, switches: &[&str]) -> usize {
    let Some(elements) = child_of_kind(command, "command_elements") else {
        return 0;
    };
    let mut count = 0;
    let mut value_expected = false;
    for element in children(elements) {
        match element.kind() {
            "command_argument_sep" | "comment" => {}
            "command_parameter" => {
                let name = parameter_name(script.text(element));
                value_expected = !switches
                    .iter()
                    .any(|switch| switch.starts_with(name.as_str()));
            }
            _ if value_expected => value_expected = false,
            _ => count += 1,
        }
    }
    count
}

/// Reports `using` statements that follow other statements; PowerShell
/// accepts them only at the top of a file.
fn check_using_placement(script: &Script) -> Vec<Finding> {
    let root = script.tree.root_node();
    let mut findings = Vec::new();
    let mut seen_other_statement = child_of_kind(root, "param_block").is_some();
    let Some(statements) = child_of_kind(root, "statement_list") else {
        return findings;
    };
    for statement in children(statements) {
        if statement.kind() == "comment" {
            continue;
        }
        let text = script.text(statement);
        let is_using = text.len() > 6
            && text[..5].eq_ignore_ascii_case("using")
            && text.as_bytes()[5].is_ascii_whitespace();
        if is_using && seen_other_statement {
            findings.push(script.finding(
                statement,
                "using statements must come before every other statement",
            ));
        }
        if !is_using {
            seen_other_statement = true;
        }
    }
    findings
}

/// PowerShell 6+ automatic variables that are undefined in Windows
/// PowerShell 5.1.
const PLATFORM_VARIABLES: &[&str] = &["$iswindows", "$islinux", "$ismacos", "$iscoreclr"];

/// Reports `$IsWindows`, `$IsLinux`, `$IsMacOS` and `$IsCoreCLR` outside an
/// `if` whose condition tests `$PSVersionTable` or `PSEdition`: in Windows
/// PowerShell 5.1 they are undefined, so `-not $IsWindows` is true there.
pub fn check_platform_variables(script: &Script) -> Vec<Finding> {
    let mut findings = Vec::new();
    for node in script.nodes() {
        if node.kind() != "variable" {
            continue;
        }
        let name = script.text(node).to_ascii_lowercase();
        if !PLATFORM_VARIABLES.contains(&name.as_str()) {
            continue;
        }
        if !is_guarded_by_edition_check(script, node) {
            findings.push(script.finding(
                node,
                format!(
                    "{} is undefined in Windows PowerShell 5.1; read it only inside \
                     if ($PSVersionTable.PSEdition -eq 'Core') or an elseif after a \
                     PSEdition test",
                    script.text(node)
                ),
            ));
        }
    }
    findings
}

fn is_guarded_by_edition_check(script: &Script, node: Node<'_>) -> bool {
    let mut current = node.parent();
    while let Some(ancestor) = current {
        if ancestor.kind() == "if_statement" {
            if let Some(condition) = ancestor.child_by_field_name("condition") {
                let condition = script.text(condition).to_ascii_lowercase();
                if condition.contains("psedition") || condition.contains("$psversiontable") {
                    return true;
                }
            }
        }
        current = ancestor.parent();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snippet(source: &str) -> Script {
        Script::parse("snippet.ps1", source)
    }

    #[test]
    fn syntax_reports_error_with_line() {
        let findings = check_syntax(&snippet("$a = 1\n$b = $c ? 1 : 2\n"));
        assert!(!findings.is_empty());
        assert_eq!(findings[0].line, 2, "{findings:?}");
    }

    #[test]
    fn syntax_reports_missing_brace() {
        let findings = check_syntax(&snippet("function f {\n    if ($a) { 1 }\n"));
        assert!(
            findings.iter().any(|f| f.message.contains("missing")),
            "{findings:?}"
        );
    }

    #[test]
    fn syntax_accepts_valid_code() {
        let findings = check_syntax(&snippet(
            "function f {\n    [CmdletBinding()]\n    param([string] $A)\n    \"$A $(1 + 2)\"\n}\n",
        ));
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn operators_rejects_ternary() {
        let findings = check_ps7_operators(&snippet("$x = $a ? 1 : 2\n"));
        assert!(
            findings.iter().any(|f| f.message.contains("ternary")),
            "{findings:?}"
        );
    }

    #[test]
    fn operators_rejects_null_coalescing() {
        let findings = check_ps7_operators(&snippet("$x = $a ?? 2\n$y ??= 3\n"));
        let lines: Vec<usize> = findings.iter().map(|f| f.line).collect();
        assert_eq!(lines, vec![1, 2], "{findings:?}");
    }

    #[test]
    fn operators_rejects_null_conditional() {
        let findings = check_ps7_operators(&snippet("$x = ${a}?.Name\n$y = ${b}?[0]\n"));
        assert_eq!(findings.len(), 2, "{findings:?}");
    }

    #[test]
    fn operators_rejects_pipeline_chains() {
        let findings =
            check_ps7_operators(&snippet("git fetch && git merge\ngit pull || exit 1\n"));
        assert_eq!(findings.len(), 2, "{findings:?}");
    }

    #[test]
    fn operators_rejects_clean_block() {
        let findings = check_ps7_operators(&snippet(
            "function f {\n    process { 1 }\n    clean { 2 }\n}\n",
        ));
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].line, 3);
    }

    #[test]
    fn operators_ignore_strings_comments_and_aliases() {
        let findings = check_ps7_operators(&snippet(
            "# a ?? b && c\n$s = 'x ? y : z || w'\n$t = \"?. ??\"\n\
             $items | ? { $_ }\nif ($?) { 1 }\n$u = $x -band $y\n",
        ));
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn commands_rejects_parallel_foreach() {
        let source = "1..3 | ForEach-Object -Parallel { $_ }\n1..3 | % -Parallel { $_ }\n";
        let findings = check_ps7_commands(&snippet(source));
        assert_eq!(findings.len(), 2, "{findings:?}");
    }

    #[test]
    fn commands_rejects_json_hashtables() {
        let findings = check_ps7_commands(&snippet(
            "$h = $text | ConvertFrom-Json -AsHashtable\n\
             $g = Microsoft.PowerShell.Utility\\ConvertFrom-Json -InputObject $t -AsH\n",
        ));
        assert_eq!(findings.len(), 2, "{findings:?}");
    }

    #[test]
    fn commands_rejects_join_path_with_three_paths() {
        let findings = check_ps7_commands(&snippet("Join-Path $a $b $c\n"));
        assert_eq!(findings.len(), 1, "{findings:?}");
        let named = check_ps7_commands(&snippet(
            "Join-Path -Path $a -ChildPath $b\nJoin-Path $a -ChildPath:$b -Resolve\n",
        ));
        assert!(named.is_empty(), "{named:?}");
        let additional = check_ps7_commands(&snippet(
            "Join-Path -Path $a -ChildPath $b -AdditionalChildPath $c\n",
        ));
        assert_eq!(additional.len(), 1, "{additional:?}");
    }

    #[test]
    fn commands_rejects_late_using() {
        let findings = check_ps7_commands(&snippet(
            "using namespace System.Text\n$a = 1\nusing namespace System.IO\n",
        ));
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].line, 3);
    }

    #[test]
    fn commands_rejects_ps7_only_commands() {
        let findings = check_ps7_commands(&snippet("$ok = $text | Test-Json\n"));
        assert_eq!(findings.len(), 1, "{findings:?}");
    }

    #[test]
    fn platform_variables_need_edition_guard() {
        let findings = check_platform_variables(&snippet(
            "if ($IsWindows) { 1 }\n\
             if ($PSVersionTable.PSEdition -eq 'Desktop') { 2 } elseif ($IsLinux) { 3 }\n",
        ));
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].line, 1);
    }
}
