//! Identity forms: DOMAIN\user, user@dns.suffix, --domain/--user, local
//! HOST\user, and DNS/NetBIOS aliases.

use crate::support::shared;

const KEY: &str = "nps-ecc/main";

fn password_of(args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.extend(["--format", "password"]);
    let run = shared().get(KEY, &all).run();
    run.expect_code(0);
    run.stdout
}

#[test]
fn netbios_backslash_form_matches() {
    assert_eq!(password_of(&["CORP\\svc_sql"]), "Sql-Pa55word!");
}

#[test]
fn match_ignores_case() {
    assert_eq!(password_of(&["corp\\SVC_SQL"]), "Sql-Pa55word!");
}

#[test]
fn domain_and_user_flags_match() {
    assert_eq!(
        password_of(&["--domain", "CORP", "--user", "svc_sql"]),
        "Sql-Pa55word!"
    );
}

#[test]
fn local_host_account_matches() {
    assert_eq!(password_of(&["SRV01\\Administrator"]), "local-Pa55");
}

#[test]
fn upn_form_matches_dns_domain_entry() {
    assert_eq!(password_of(&["svc_dns@corp.example.com"]), "dns-Pa55");
}

#[test]
fn upn_form_needs_alias_for_netbios_entry() {
    let run = shared().get(KEY, &["svc_sql@corp.example.com"]).run();
    run.expect_code(1);

    assert_eq!(
        password_of(&[
            "svc_sql@corp.example.com",
            "--domain-alias",
            "corp.example.com=CORP"
        ]),
        "Sql-Pa55word!"
    );
}

#[test]
fn alias_maps_netbios_identity_to_dns_entry() {
    let run = shared().get(KEY, &["CORP\\svc_dns"]).run();
    run.expect_code(1);

    assert_eq!(
        password_of(&["CORP\\svc_dns", "--domain-alias", "corp.example.com=CORP"]),
        "dns-Pa55"
    );
}

#[test]
fn dns_domain_flag_with_alias_matches() {
    assert_eq!(
        password_of(&[
            "--domain",
            "corp.example.com",
            "--user",
            "svc_sql",
            "--domain-alias",
            "corp.example.com=CORP"
        ]),
        "Sql-Pa55word!"
    );
}

#[test]
fn malformed_identities_are_invalid_input() {
    for identity in ["\\svc_sql", "CORP\\", "svc_sql@", "CORP\\svc\u{7}sql"] {
        let run = shared().get(KEY, &[identity]).run();
        run.expect_code(2);
        assert_eq!(run.stdout, "", "{identity}");
    }
}

#[test]
fn domain_without_user_is_usage_error() {
    let run = shared().get(KEY, &["--domain", "CORP"]).run();
    run.expect_code(2);
}

#[test]
fn identity_and_parts_conflict() {
    let run = shared()
        .get(KEY, &["CORP\\svc_sql", "--user", "svc_sql"])
        .run();
    run.expect_code(2);
}

#[test]
fn missing_identity_is_invalid_input() {
    let run = shared().get(KEY, &[]).run();
    run.expect_code(2);
    assert!(run.stderr.contains("no identity given"), "{}", run.stderr);
}
