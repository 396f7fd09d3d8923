//! Loading and parsing PowerShell files, and helpers over their syntax trees.

use std::fmt;
use std::path::{Path, PathBuf};

use tree_sitter::{Node, Parser, Tree};

/// One rule violation, printed as `file:line: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// A parsed PowerShell file.
pub struct Script {
    /// Path relative to the repository root, with forward slashes.
    pub name: String,
    pub source: String,
    pub tree: Tree,
}

impl Script {
    /// Parses `source` with the tree-sitter PowerShell grammar.
    pub fn parse(name: &str, source: &str) -> Script {
        let mut parser = Parser::new();
        parser
            .set_language(&tree_sitter_powershell::LANGUAGE.into())
            .expect("the PowerShell grammar's ABI matches the tree-sitter library");
        let tree = parser
            .parse(source, None)
            .expect("parsing without a timeout or cancellation flag returns a tree");
        Script {
            name: name.to_string(),
            source: source.to_string(),
            tree,
        }
    }

    /// Returns the text of `node`.
    pub fn text(&self, node: Node<'_>) -> &str {
        &self.source[node.byte_range()]
    }

    /// Creates a finding at the line where `node` starts.
    pub fn finding(&self, node: Node<'_>, message: impl Into<String>) -> Finding {
        self.finding_at_line(node.start_position().row + 1, message)
    }

    /// Creates a finding at a 1-based line.
    pub fn finding_at_line(&self, line: usize, message: impl Into<String>) -> Finding {
        Finding {
            file: self.name.clone(),
            line,
            message: message.into(),
        }
    }

    /// Returns the file name without directory and extension.
    pub fn stem(&self) -> &str {
        let file = self.name.rsplit('/').next().unwrap_or(&self.name);
        file.split('.').next().unwrap_or(file)
    }

    /// Returns every node of the tree in document order.
    pub fn nodes(&self) -> Vec<Node<'_>> {
        descendants(self.tree.root_node())
    }

    /// Returns the source with comments and string contents replaced by
    /// spaces, so that token rules see code only. Line breaks stay, so
    /// byte offsets and line numbers match the source. Variables and
    /// `$( )` sub-expressions inside double-quoted strings are code and
    /// stay visible.
    pub fn code_only(&self) -> String {
        let mut masked = self.source.clone().into_bytes();
        mask_node(self.tree.root_node(), self.source.as_bytes(), &mut masked);
        String::from_utf8_lossy(&masked).into_owned()
    }
}

/// Returns `node` and all its descendants in document order.
pub fn descendants(node: Node<'_>) -> Vec<Node<'_>> {
    let mut nodes = Vec::new();
    let mut stack = vec![node];
    while let Some(current) = stack.pop() {
        nodes.push(current);
        let mut cursor = current.walk();
        let children: Vec<Node<'_>> = current.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    nodes
}

/// Returns the direct children of `node`.
pub fn children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.children(&mut cursor).collect()
}

/// Returns the first direct child of `node` of the given kind.
pub fn child_of_kind<'tree>(node: Node<'tree>, kind: &str) -> Option<Node<'tree>> {
    children(node)
        .into_iter()
        .find(|child| child.kind() == kind)
}

fn mask_node(node: Node<'_>, source: &[u8], masked: &mut [u8]) {
    match node.kind() {
        "comment" | "verbatim_string_characters" | "verbatim_here_string_characters" => {
            blank(&mut masked[node.byte_range()]);
        }
        "expandable_string_literal" | "expandable_here_string_literal" => {
            blank(&mut masked[node.byte_range()]);
            for child in children(node) {
                if matches!(
                    child.kind(),
                    "variable" | "sub_expression" | "braced_variable"
                ) {
                    let range = child.byte_range();
                    masked[range.clone()].copy_from_slice(&source[range]);
                    mask_node(child, source, masked);
                }
            }
        }
        _ => {
            for child in children(node) {
                mask_node(child, source, masked);
            }
        }
    }
}

fn blank(bytes: &mut [u8]) {
    for byte in bytes {
        if *byte != b'\n' && *byte != b'\r' {
            *byte = b' ';
        }
    }
}

/// Returns the 1-based line of a byte offset in `text`.
pub fn line_of_offset(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&byte| byte == b'\n')
        .count()
        + 1
}

/// Returns the repository root: this test is built from crates/psvault.
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..")
}

/// Returns every .ps1, .psm1 and .psd1 file below `folder`, sorted.
pub fn powershell_files(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", current.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("cannot list {}: {e}", current.display()))
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if is_powershell_file(&path) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn is_powershell_file(path: &Path) -> bool {
    let extension = path
        .extension()
        .and_then(|extension| extension.to_str())
        .map(str::to_ascii_lowercase);
    matches!(extension.as_deref(), Some("ps1" | "psm1" | "psd1"))
}

/// Reads and parses one file; `root` makes the reported name relative.
pub fn load(root: &Path, path: &Path) -> Script {
    let source = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {} as UTF-8: {e}", path.display()));
    let relative = path.strip_prefix(root).unwrap_or(path);
    let name = relative
        .components()
        .map(|component| component.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    Script::parse(&name, &source)
}

/// Parses every PowerShell file below the given repository folders.
pub fn load_folders(folders: &[&str]) -> Vec<Script> {
    let root = repository_root();
    let mut scripts = Vec::new();
    for folder in folders {
        let path = root.join(folder);
        let files = powershell_files(&path);
        assert!(
            !files.is_empty(),
            "{folder}: no .ps1, .psm1 or .psd1 files found in {}",
            path.display()
        );
        scripts.extend(files.iter().map(|file| load(&root, file)));
    }
    scripts
}

/// Fails the test with every finding, one per line.
pub fn assert_no_findings(rule: &str, findings: &[Finding]) {
    if findings.is_empty() {
        return;
    }
    let list: Vec<String> = findings.iter().map(Finding::to_string).collect();
    panic!(
        "{rule}: {} finding(s):\n{}",
        findings.len(),
        list.join("\n")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_only_blanks_strings_and_comments() {
        let script = Script::parse(
            "snippet.ps1",
            "$a = 'x ?? y' # c && d\n$b = \"$c ?? $(1 && 2)\"\n",
        );
        let code = script.code_only();
        assert!(!code.contains("x ?? y"), "{code}");
        assert!(!code.contains("c && d"), "{code}");
        assert!(code.contains("$c"), "{code}");
        assert!(code.contains("1 && 2"), "{code}");
        assert_eq!(code.lines().count(), script.source.lines().count());
    }

    #[test]
    fn line_of_offset_counts_from_one() {
        assert_eq!(line_of_offset("a\nb\nc", 0), 1);
        assert_eq!(line_of_offset("a\nb\nc", 2), 2);
        assert_eq!(line_of_offset("a\nb\nc", 4), 3);
    }
}
