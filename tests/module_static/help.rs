//! Comment-based help of public functions.

use std::collections::BTreeMap;

use crate::manifest::defined_functions;
use crate::script::{child_of_kind, children, descendants, Finding, Script};
use tree_sitter::Node;

/// The sections of one comment-based help block.
#[derive(Debug, Default)]
pub struct Help {
    /// Section keyword in upper case (SYNOPSIS, DESCRIPTION, ...) to the
    /// text of each occurrence; .PARAMETER sections are in `parameters`.
    pub sections: BTreeMap<String, Vec<String>>,
    /// Parameter name in lower case to the name as written and its
    /// description.
    pub parameters: BTreeMap<String, (String, String)>,
}

/// Splits a `<# ... #>` block into its help sections.
pub fn parse_help(comment: &str) -> Help {
    let body = comment
        .trim()
        .trim_start_matches("<#")
        .trim_end_matches("#>");
    let mut help = Help::default();
    let mut current: Option<(String, Option<String>)> = None;
    let mut text = String::new();

    for line in body.lines() {
        let trimmed = line.trim();
        if let Some(keyword_line) = trimmed.strip_prefix('.') {
            let mut words = keyword_line.split_whitespace();
            let keyword = words.next().unwrap_or_default().to_ascii_uppercase();
            if HELP_KEYWORDS.contains(&keyword.as_str()) {
                finish_section(current.take(), &text, &mut help);
                current = Some((keyword, words.next().map(str::to_string)));
                text.clear();
                continue;
            }
        }
        text.push_str(line);
        text.push('\n');
    }
    finish_section(current, &text, &mut help);
    help
}

/// The keywords that PowerShell recognises in comment-based help.
const HELP_KEYWORDS: &[&str] = &[
    "SYNOPSIS",
    "DESCRIPTION",
    "PARAMETER",
    "EXAMPLE",
    "INPUTS",
    "OUTPUTS",
    "NOTES",
    "LINK",
    "COMPONENT",
    "ROLE",
    "FUNCTIONALITY",
    "FORWARDHELPTARGETNAME",
    "FORWARDHELPCATEGORY",
    "REMOTEHELPRUNSPACE",
    "EXTERNALHELP",
];

fn finish_section(section: Option<(String, Option<String>)>, text: &str, help: &mut Help) {
    let Some((keyword, argument)) = section else {
        return;
    };
    let content = text.trim().to_string();
    if keyword == "PARAMETER" {
        let name = argument.unwrap_or_default();
        help.parameters
            .insert(name.to_ascii_lowercase(), (name, content));
    } else {
        help.sections.entry(keyword).or_default().push(content);
    }
}

/// Returns the help comment of a function: a `<# #>` block with .SYNOPSIS
/// at the start of its body, or right before the function.
fn help_comment<'tree>(script: &'tree Script, function: Node<'tree>) -> Option<Node<'tree>> {
    let is_help = |node: &Node<'_>| {
        node.kind() == "comment"
            && script.text(*node).starts_with("<#")
            && script
                .text(*node)
                .to_ascii_uppercase()
                .contains(".SYNOPSIS")
    };
    let body_start = child_of_kind(function, "script_block")
        .and_then(|block| child_of_kind(block, "param_block"))
        .map(|param| param.start_byte())
        .unwrap_or(function.end_byte());
    let inside = descendants(function)
        .into_iter()
        .find(|node| is_help(node) && node.start_byte() < body_start);
    inside.or_else(|| {
        // A block before the function may hang off any ancestor in the
        // tree, so look for one that ends where only whitespace separates
        // it from the function.
        script.nodes().into_iter().find(|node| {
            is_help(node)
                && node.end_byte() <= function.start_byte()
                && script.source[node.end_byte()..function.start_byte()]
                    .trim()
                    .is_empty()
        })
    })
}

/// Returns the declared parameter names of a function, in order, with
/// their nodes.
pub fn declared_parameters<'tree>(
    script: &Script,
    function: Node<'tree>,
) -> Vec<(String, Node<'tree>)> {
    let list = child_of_kind(function, "script_block")
        .and_then(|block| child_of_kind(block, "param_block"))
        .or_else(|| child_of_kind(function, "function_parameter_declaration"))
        .and_then(|declaration| child_of_kind(declaration, "parameter_list"));
    let Some(list) = list else {
        return Vec::new();
    };
    children(list)
        .into_iter()
        .filter(|node| node.kind() == "script_parameter")
        .filter_map(|parameter| {
            let variable = child_of_kind(parameter, "variable")?;
            let name = script.text(variable).trim_start_matches('$').to_string();
            Some((name, variable))
        })
        .collect()
}

/// Checks .SYNOPSIS, .DESCRIPTION, at least two .EXAMPLEs and one
/// .PARAMETER per declared parameter for every function in the script.
pub fn check_help(script: &Script) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (name, function) in defined_functions(script) {
        let Some(comment) = help_comment(script, function) else {
            findings.push(script.finding(
                function,
                format!("{name} has no comment-based help; add a <# .SYNOPSIS ... #> block at the start of its body"),
            ));
            continue;
        };
        let help = parse_help(script.text(comment));

        for section in ["SYNOPSIS", "DESCRIPTION"] {
            let present = help
                .sections
                .get(section)
                .is_some_and(|texts| texts.iter().any(|text| !text.is_empty()));
            if !present {
                findings
                    .push(script.finding(comment, format!("{name}: help has no .{section} text")));
            }
        }

        let examples = help
            .sections
            .get("EXAMPLE")
            .map(|texts| texts.iter().filter(|text| !text.is_empty()).count())
            .unwrap_or(0);
        if examples < 2 {
            findings.push(script.finding(
                comment,
                format!("{name}: help has {examples} .EXAMPLE section(s); write at least 2"),
            ));
        }

        let declared = declared_parameters(script, function);
        for (parameter, node) in &declared {
            match help.parameters.get(&parameter.to_ascii_lowercase()) {
                None => findings.push(script.finding(
                    *node,
                    format!(
                        "{name}: parameter {parameter} has no .PARAMETER {parameter} in the help"
                    ),
                )),
                Some((_, text)) if text.is_empty() => findings.push(script.finding(
                    *node,
                    format!("{name}: .PARAMETER {parameter} has no description"),
                )),
                Some(_) => {}
            }
        }
        for documented in help.parameters.keys() {
            if !declared
                .iter()
                .any(|(parameter, _)| parameter.eq_ignore_ascii_case(documented))
            {
                findings.push(script.finding(
                    comment,
                    format!("{name}: help documents .PARAMETER {documented}, which the function does not declare"),
                ));
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "function Get-Thing {\n    <#\n    .SYNOPSIS\n    Gets a thing.\n\n    \
        .DESCRIPTION\n    Long text.\n\n    .PARAMETER Name\n    The name.\n\n    .EXAMPLE\n    \
        Get-Thing -Name a\n\n    .EXAMPLE\n    Get-Thing -Name b\n    #>\n    [CmdletBinding()]\n    \
        param([string] $Name)\n    $Name\n}\n";

    #[test]
    fn help_accepts_complete_help() {
        let findings = check_help(&Script::parse("Get-Thing.ps1", GOOD));
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn help_accepts_help_before_function() {
        let source = "<#\n.SYNOPSIS\nS\n.DESCRIPTION\nD\n.EXAMPLE\nA\n.EXAMPLE\nB\n#>\nfunction Get-Thing {\n    param()\n}\n";
        let findings = check_help(&Script::parse("Get-Thing.ps1", source));
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn help_rejects_missing_help() {
        let findings = check_help(&Script::parse(
            "Get-Thing.ps1",
            "function Get-Thing { param($A) }\n",
        ));
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].message.contains("no comment-based help"));
    }

    #[test]
    fn help_rejects_undocumented_parameter() {
        let source = GOOD.replace(
            "param([string] $Name)",
            "param([string] $Name, [switch] $Force)",
        );
        let findings = check_help(&Script::parse("Get-Thing.ps1", &source));
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].message.contains("Force"));
    }

    #[test]
    fn help_rejects_stale_parameter_docs() {
        let source = GOOD.replace("param([string] $Name)", "param()");
        let findings = check_help(&Script::parse("Get-Thing.ps1", &source));
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].message.contains("does not declare"));
    }

    #[test]
    fn help_rejects_single_example_and_missing_description() {
        let source = GOOD
            .replace("    .EXAMPLE\n    Get-Thing -Name b\n", "")
            .replace("    .DESCRIPTION\n    Long text.\n", "");
        let findings = check_help(&Script::parse("Get-Thing.ps1", &source));
        assert!(
            findings.iter().any(|f| f.message.contains("1 .EXAMPLE")),
            "{findings:?}"
        );
        assert!(
            findings.iter().any(|f| f.message.contains(".DESCRIPTION")),
            "{findings:?}"
        );
    }
}
