//! Static checks of the PsVault PowerShell module and its Pester tests.
//!
//! The build machines have no PowerShell, so these tests parse every
//! .ps1, .psm1 and .psd1 file under module/ and tests/pester/ with the
//! tree-sitter PowerShell grammar. They reject syntax errors, syntax that
//! Windows PowerShell 5.1 cannot run, a manifest whose exports differ from
//! the functions defined, public functions without complete help, and
//! code that throws bare strings, handles secrets carelessly or changes
//! global state. Each rule has unit tests that feed it a bad snippet, so a
//! rule that stopped finding anything would fail.
//!
//! The Pester tests exercise the module at run time in CI.

mod help;
mod hygiene;
mod manifest;
mod script;
mod syntax;

use script::{assert_no_findings, load_folders, Finding, Script};

/// Folders whose PowerShell files must parse and run in Windows
/// PowerShell 5.1.
const ALL_FOLDERS: &[&str] = &["module", "tests/pester"];

fn module_scripts() -> Vec<Script> {
    load_folders(&["module"])
}

fn all_scripts() -> Vec<Script> {
    load_folders(ALL_FOLDERS)
}

fn scripts_in(scripts: &[Script], folder: &str) -> Vec<Script> {
    scripts
        .iter()
        .filter(|script| script.name.starts_with(folder))
        .map(|script| Script::parse(&script.name, &script.source))
        .collect()
}

fn manifest(scripts: &[Script]) -> &Script {
    scripts
        .iter()
        .find(|script| script.name == "module/PsVault.psd1")
        .expect("module/PsVault.psd1 exists")
}

fn run_rule(scripts: &[Script], rule: fn(&Script) -> Vec<Finding>) -> Vec<Finding> {
    scripts.iter().flat_map(rule).collect()
}

#[test]
fn files_parse_without_errors() {
    assert_no_findings("syntax", &run_rule(&all_scripts(), syntax::check_syntax));
}

#[test]
fn files_use_no_ps7_operators() {
    let findings = run_rule(&all_scripts(), syntax::check_ps7_operators);
    assert_no_findings("PowerShell 7 operators", &findings);
}

#[test]
fn files_use_no_ps7_commands() {
    let findings = run_rule(&all_scripts(), syntax::check_ps7_commands);
    assert_no_findings("PowerShell 7 commands and parameters", &findings);
}

#[test]
fn files_guard_platform_variables() {
    let findings = run_rule(&all_scripts(), syntax::check_platform_variables);
    assert_no_findings("platform variables", &findings);
}

#[test]
fn manifest_exports_match_public_functions() {
    let scripts = module_scripts();
    let public = scripts_in(&scripts, "module/Public/");
    assert!(!public.is_empty(), "module/Public holds no functions");
    let findings = manifest::check_exports(manifest(&scripts), &public);
    assert_no_findings("manifest exports", &findings);
}

#[test]
fn manifest_states_editions_and_version() {
    let scripts = module_scripts();
    let findings = manifest::check_manifest_fields(manifest(&scripts), env!("CARGO_PKG_VERSION"));
    assert_no_findings("manifest fields", &findings);
}

#[test]
fn module_has_one_function_per_file() {
    let scripts = module_scripts();
    let mut functions = scripts_in(&scripts, "module/Public/");
    functions.extend(scripts_in(&scripts, "module/Private/"));
    let findings = run_rule(&functions, manifest::check_one_function_per_file);
    assert_no_findings("one function per file", &findings);
}

#[test]
fn public_functions_have_complete_help() {
    let scripts = module_scripts();
    let public = scripts_in(&scripts, "module/Public/");
    assert_no_findings("help", &run_rule(&public, help::check_help));
}

#[test]
fn module_throws_no_bare_strings() {
    let findings = run_rule(&module_scripts(), hygiene::check_bare_throw);
    assert_no_findings("bare throw", &findings);
}

#[test]
fn module_avoids_forbidden_commands() {
    let findings = run_rule(&module_scripts(), hygiene::check_forbidden_commands);
    assert_no_findings("forbidden commands", &findings);
}

#[test]
fn module_changes_no_global_state() {
    let findings = run_rule(&module_scripts(), hygiene::check_global_state);
    assert_no_findings("global state", &findings);
}
