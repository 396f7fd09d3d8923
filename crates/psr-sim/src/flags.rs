//! The .NET flag-enum texts of API-key access rights and scopes.
//!
//! A JWT carries them as names joined by `", "`, for example
//! `"Passwords, Forms"`. The fixture uses the same text; a comma without the
//! space is accepted there too.

use psr_crypto::access;

const RIGHTS: [(&str, u32); 4] = [
    ("Audit", access::RIGHT_AUDIT),
    ("Read", access::RIGHT_READ),
    ("ReadWrite", access::RIGHT_READ_WRITE),
    ("ReadWriteManage", access::RIGHT_READ_WRITE_MANAGE),
];

const SCOPES: [(&str, u32); 7] = [
    ("None", access::SCOPE_NONE),
    ("Passwords", access::SCOPE_PASSWORDS),
    ("Forms", access::SCOPE_FORMS),
    ("Documents", access::SCOPE_DOCUMENTS),
    ("OrganisationalUnits", access::SCOPE_ORGANISATIONAL_UNITS),
    ("Roles", access::SCOPE_ROLES),
    ("Unrestricted", access::SCOPE_UNRESTRICTED),
];

/// Access flags parsed from fixture text, with the canonical claim text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Flags {
    /// Bitwise OR of the named values.
    pub value: u32,
    /// The names in their canonical spelling, joined by `", "`.
    pub text: String,
}

/// Parses `PsrApiKeyAccessRights` text such as `Read`.
pub(crate) fn parse_rights(text: &str) -> Result<Flags, String> {
    parse(text, &RIGHTS, "access right")
}

/// Parses `PsrApiKeyAccessScopes` text such as `Passwords, Forms`.
pub(crate) fn parse_scopes(text: &str) -> Result<Flags, String> {
    parse(text, &SCOPES, "access scope")
}

fn parse(text: &str, table: &[(&str, u32)], what: &str) -> Result<Flags, String> {
    let mut value = 0;
    let mut names = Vec::new();
    for piece in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, bits)) = table.iter().find(|(n, _)| n.eq_ignore_ascii_case(piece)) else {
            let known: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "unknown {what} {piece:?}, expected names from {}",
                known.join(", ")
            ));
        };
        value |= bits;
        names.push(*name);
    }
    if names.is_empty() {
        return Err(format!("no {what} given in {text:?}"));
    }
    Ok(Flags {
        value,
        text: names.join(", "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_combine_and_canonicalise() {
        let flags = parse_scopes("passwords,Forms").expect("valid scopes");
        assert_eq!(flags.value, 3);
        assert_eq!(flags.text, "Passwords, Forms");
    }

    #[test]
    fn rights_reject_unknown_and_empty() {
        assert!(parse_rights("Write").is_err());
        assert!(parse_rights(" , ").is_err());
        assert_eq!(parse_rights("Audit").map(|f| f.value), Ok(0));
    }
}
