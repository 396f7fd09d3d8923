//! Rules for module code: error handling, secrets and global state.

use crate::script::{child_of_kind, children, descendants, Finding, Script};

/// Reports `throw "text"` and `throw 'text'`: the module raises
/// ErrorRecords with stable ids through $PSCmdlet instead, so that callers
/// can tell errors apart by FullyQualifiedErrorId.
pub fn check_bare_throw(script: &Script) -> Vec<Finding> {
    let mut findings = Vec::new();
    for node in script.nodes() {
        if node.kind() != "flow_control_statement" {
            continue;
        }
        let parts = children(node);
        let is_throw = parts
            .first()
            .is_some_and(|keyword| script.text(*keyword).eq_ignore_ascii_case("throw"));
        if !is_throw {
            continue;
        }
        let throws_string = parts.get(1).is_some_and(|argument| {
            let operand: Vec<_> = descendants(*argument)
                .into_iter()
                .filter(|child| child.is_named() && child.byte_range() != argument.byte_range())
                .filter(|child| child.start_byte() == argument.start_byte())
                .collect();
            let whole_string = operand.iter().any(|child| {
                child.kind() == "string_literal" && child.end_byte() == argument.end_byte()
            });
            let starts_with_quote = script
                .text(*argument)
                .trim_start()
                .starts_with(['"', '\'', '@']);
            whole_string || starts_with_quote
        });
        if throws_string {
            findings.push(script.finding(
                node,
                "throw with a bare string; raise an ErrorRecord with a stable id through \
                 $PSCmdlet.ThrowTerminatingError or $PSCmdlet.WriteError",
            ));
        }
    }
    findings
}

/// Reports ConvertTo-SecureString -AsPlainText (which copies a secret
/// into more managed strings) and Write-Host (which bypasses the output
/// streams that callers and NPS capture).
pub fn check_forbidden_commands(script: &Script) -> Vec<Finding> {
    let mut findings = Vec::new();
    for node in script.nodes() {
        if node.kind() != "command" {
            continue;
        }
        let Some(name_node) = child_of_kind(node, "command_name") else {
            continue;
        };
        let name = script.text(name_node);
        let name = name
            .rsplit('\\')
            .next()
            .unwrap_or(name)
            .to_ascii_lowercase();

        if name == "write-host" {
            findings.push(script.finding(
                node,
                "Write-Host bypasses the output streams; use Write-VaultLog or Write-Verbose",
            ));
        }
        if name == "convertto-securestring" {
            let elements = child_of_kind(node, "command_elements")
                .map(children)
                .unwrap_or_default();
            let as_plain_text = elements.iter().any(|element| {
                let parameter = script
                    .text(*element)
                    .trim_start_matches('-')
                    .trim_end_matches(':')
                    .to_ascii_lowercase();
                element.kind() == "command_parameter"
                    && parameter.len() >= 2
                    && "asplaintext".starts_with(parameter.as_str())
            });
            if as_plain_text {
                findings.push(script.finding(
                    node,
                    "ConvertTo-SecureString -AsPlainText copies the secret into more strings; \
                     append characters to a SecureString instead",
                ));
            }
        }
    }
    findings
}

/// Reports changes to process-wide or global state: System.Net
/// ServicePointManager settings, `$global:` variables and assignments to
/// preference variables, which would leak into the caller's session.
pub fn check_global_state(script: &Script) -> Vec<Finding> {
    let mut findings = Vec::new();
    let code = script.code_only().to_ascii_lowercase();
    for (index, line) in code.lines().enumerate() {
        if line.contains("servicepointmanager") {
            findings.push(script.finding_at_line(
                index + 1,
                "ServicePointManager settings change TLS for the whole process; pass TLS options to psvault",
            ));
        }
    }

    for node in script.nodes() {
        if node.kind() == "variable"
            && script
                .text(node)
                .to_ascii_lowercase()
                .starts_with("$global:")
        {
            findings.push(script.finding(
                node,
                format!(
                    "{} changes the caller's global scope; keep state in local variables",
                    script.text(node)
                ),
            ));
        }
        if node.kind() == "left_assignment_expression" {
            let target = script.text(node).trim().to_ascii_lowercase();
            let target = target.trim_start_matches("$script:");
            if target.starts_with('$') && target.ends_with("preference") {
                findings.push(script.finding(
                    node,
                    format!(
                        "assigning {} changes behaviour beyond this function; pass -ErrorAction or -Verbose to the command instead",
                        script.text(node).trim()
                    ),
                ));
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snippet(source: &str) -> Script {
        Script::parse("module/Private/Snippet.ps1", source)
    }

    #[test]
    fn bare_throw_rejects_strings() {
        let findings = check_bare_throw(&snippet("throw \"failed: $x\"\nthrow 'failed'\n"));
        let lines: Vec<usize> = findings.iter().map(|f| f.line).collect();
        assert_eq!(lines, vec![1, 2], "{findings:?}");
    }

    #[test]
    fn bare_throw_accepts_records_and_rethrow() {
        let findings = check_bare_throw(&snippet(
            "try { 1 } catch { throw }\nthrow $errorRecord\nthrow [System.ArgumentException]::new('x')\n",
        ));
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn forbidden_rejects_plain_text_secure_string() {
        let findings = check_forbidden_commands(&snippet(
            "$s = ConvertTo-SecureString -String $p -AsPlainText -Force\n\
             $t = ConvertTo-SecureString $p -AsPlain -Force\n\
             $u = ConvertTo-SecureString -String $encrypted\n",
        ));
        let lines: Vec<usize> = findings.iter().map(|f| f.line).collect();
        assert_eq!(lines, vec![1, 2], "{findings:?}");
    }

    #[test]
    fn forbidden_rejects_write_host() {
        let findings =
            check_forbidden_commands(&snippet("Write-Host 'hello'\nWrite-Verbose 'fine'\n"));
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].line, 1);
    }

    #[test]
    fn global_state_rejects_tls_and_preferences() {
        let findings = check_global_state(&snippet(
            "[Net.ServicePointManager]::SecurityProtocol = 'Tls12'\n\
             $global:LastVault = 1\n\
             $ErrorActionPreference = 'Stop'\n\
             $message = 'ServicePointManager in a string is fine'\n",
        ));
        let lines: Vec<usize> = findings.iter().map(|f| f.line).collect();
        assert_eq!(lines, vec![1, 2, 3], "{findings:?}");
    }
}
