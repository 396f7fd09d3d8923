//! The account to look up: a domain (or host) and a user name.

use std::fmt;

use crate::config::DomainAlias;
use crate::error::Error;

/// A Windows account: domain or computer name plus user name.
///
/// Both parts are stored trimmed and compared case-insensitively.
#[derive(Clone, PartialEq, Eq)]
pub struct Identity {
    domain: String,
    user: String,
}

impl Identity {
    /// Parses `DOMAIN\user`, `HOST\user` (a local account) or
    /// `user@dns.domain`.
    ///
    /// A bare user name is rejected here; use [`Identity::from_parts`] with
    /// a separate domain.
    pub fn parse(text: &str) -> Result<Identity, Error> {
        Identity::from_parts(None, text)
    }

    /// Builds an identity from a separate domain and a user name. The user
    /// name may itself carry a domain (`DOMAIN\user` or `user@domain`); it
    /// must then agree with `domain` when both are given.
    pub fn from_parts(domain: Option<&str>, user: &str) -> Result<Identity, Error> {
        let shown = match domain {
            Some(domain) => format!("{domain}\\{user}"),
            None => user.to_string(),
        };
        let invalid = |reason: &str| Error::InvalidIdentity {
            identity: cut(&shown),
            reason: reason.to_string(),
        };

        let (embedded_domain, user) = split_user(trim_padding(user)).map_err(invalid)?;
        let domain = domain.map(trim_padding).filter(|d| !d.is_empty());
        let domain = match (domain, embedded_domain) {
            (Some(given), Some(embedded)) if !given.eq_ignore_ascii_case(embedded) => {
                return Err(invalid("the user name carries a different domain"));
            }
            (Some(given), _) => given,
            (None, Some(embedded)) => embedded,
            (None, None) => return Err(invalid("the domain is missing")),
        };

        if user.is_empty() {
            return Err(invalid("the user name is empty"));
        }
        if domain == "." {
            return Err(invalid(
                "'.' (this computer) cannot be resolved; use the computer name",
            ));
        }
        if [domain, user]
            .iter()
            .any(|part| part.chars().any(char::is_control))
        {
            return Err(invalid("it contains control characters"));
        }
        // Windows account names cannot contain '\\' or '@', so a second
        // separator is a typo, never part of the name.
        if domain.contains(['\\', '@']) || user.contains(['\\', '@']) {
            return Err(invalid("it contains more than one domain separator"));
        }
        Ok(Identity {
            domain: domain.to_string(),
            user: user.to_string(),
        })
    }

    /// Returns the domain or computer name as given.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// Returns the user name.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// Returns every domain spelling that matches this identity: the given
    /// name plus the NetBIOS or DNS names that the aliases pair with it.
    pub(crate) fn domain_candidates(&self, aliases: &[DomainAlias]) -> Vec<String> {
        let mut candidates = vec![self.domain.clone()];
        for alias in aliases {
            let other = if alias.dns_name.eq_ignore_ascii_case(&self.domain) {
                &alias.netbios_name
            } else if alias.netbios_name.eq_ignore_ascii_case(&self.domain) {
                &alias.dns_name
            } else {
                continue;
            };
            if !candidates.iter().any(|c| c.eq_ignore_ascii_case(other)) {
                candidates.push(other.clone());
            }
        }
        candidates
    }

    /// Tells whether an entry's domain and user values match this identity
    /// (trimmed, case-insensitive, with aliases).
    pub(crate) fn matches(&self, aliases: &[DomainAlias], domain: &str, user: &str) -> bool {
        let domain = trim_padding(domain);
        equal_ignoring_case(trim_padding(user), &self.user)
            && self
                .domain_candidates(aliases)
                .iter()
                .any(|candidate| equal_ignoring_case(candidate, domain))
    }
}

/// Maximum length, in characters, of an identity quoted in an error. A
/// longer one is cut, so that a huge value or a pasted API key is not
/// echoed in full.
const MAX_SHOWN_CHARS: usize = 100;

/// Cuts `text` after `MAX_SHOWN_CHARS` characters and marks the cut.
fn cut(text: &str) -> String {
    match text.char_indices().nth(MAX_SHOWN_CHARS) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_string(),
    }
}

/// Compares text case-insensitively in the manner of .NET's
/// `StringComparison.OrdinalIgnoreCase`: each character is mapped to its
/// simple (one-character) upper case and the results must be equal.
///
/// Full Unicode case folding would be looser: it equates the Kelvin sign
/// with `k` and `ẞ` with `ß`, so a lookalike entry could match or make a
/// lookup ambiguous.
// NOTE: Active Directory's own collation for account names was not
// checked against this rule; names that differ only outside ASCII may
// compare differently there.
pub(crate) fn equal_ignoring_case(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || a.chars().map(simple_upper).eq(b.chars().map(simple_upper))
}

/// Maps a character to its upper case when that is a single character,
/// and keeps it otherwise (`ß` stays `ß`). The dotless `ı` and the long
/// `ſ` are kept too, although they upper-case to ASCII `I` and `S`, so that
/// `admın` does not match `admin`.
fn simple_upper(c: char) -> char {
    if matches!(c, '\u{131}' | '\u{17f}') {
        return c;
    }
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(single), None) => single,
        _ => c,
    }
}

/// Trims ASCII white space only: a no-break space or another Unicode space
/// is part of the name, not padding.
fn trim_padding(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_ascii_whitespace())
}

/// Splits `DOMAIN\user` or `user@domain` into its parts; a plain name has
/// no domain.
fn split_user(text: &str) -> Result<(Option<&str>, &str), &'static str> {
    if let Some((domain, user)) = text.split_once('\\') {
        if trim_padding(domain).is_empty() {
            return Err("the domain before '\\' is empty");
        }
        return Ok((Some(trim_padding(domain)), trim_padding(user)));
    }
    if let Some((user, domain)) = text.rsplit_once('@') {
        if trim_padding(domain).is_empty() {
            return Err("the domain after '@' is empty");
        }
        return Ok((Some(trim_padding(domain)), trim_padding(user)));
    }
    Ok((None, text))
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\\{}", self.domain, self.user)
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Identity({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alias() -> Vec<DomainAlias> {
        vec![DomainAlias {
            dns_name: "corp.example.com".into(),
            netbios_name: "CORP".into(),
        }]
    }

    #[test]
    fn parses_backslash_form() {
        let identity = Identity::parse("CORP\\svc-backup").expect("valid");
        assert_eq!(identity.domain(), "CORP");
        assert_eq!(identity.user(), "svc-backup");
    }

    #[test]
    fn parses_upn_form() {
        let identity = Identity::parse(" svc-backup@corp.example.com ").expect("valid");
        assert_eq!(identity.domain(), "corp.example.com");
        assert_eq!(identity.user(), "svc-backup");
    }

    #[test]
    fn parses_local_host_form() {
        let identity = Identity::parse("WS042\\Administrator").expect("valid");
        assert_eq!(identity.domain(), "WS042");
    }

    #[test]
    fn bare_user_needs_separate_domain() {
        assert!(Identity::parse("svc-backup").is_err());
        let identity = Identity::from_parts(Some("CORP"), "svc-backup").expect("valid");
        assert_eq!(identity.to_string(), "CORP\\svc-backup");
    }

    #[test]
    fn separate_domain_must_agree_with_embedded() {
        assert!(Identity::from_parts(Some("CORP"), "corp\\svc").is_ok());
        assert!(Identity::from_parts(Some("CORP"), "OTHER\\svc").is_err());
    }

    #[test]
    fn malformed_identities_are_rejected() {
        for text in [
            "\\svc",
            "CORP\\",
            "svc@",
            "A\\B\\c",
            "a@b@c",
            "CORP\\svc@corp.example.com",
            ".\\svc",
            "CORP\\s\u{7}vc",
        ] {
            let result = Identity::parse(text);
            assert!(
                matches!(result, Err(Error::InvalidIdentity { .. })),
                "{text}: {result:?}"
            );
        }
    }

    #[test]
    fn long_identity_is_cut_in_errors() {
        let text = "é".repeat(10_000);
        let message = Identity::parse(&text).unwrap_err().to_string();
        assert!(message.contains(&"é".repeat(100)), "{message}");
        assert!(!message.contains(&"é".repeat(101)), "{message}");
        assert!(message.len() < 600, "{} bytes", message.len());
    }

    #[test]
    fn match_is_case_insensitive_and_trimmed() {
        let identity = Identity::parse("corp\\SVC-Backup").expect("valid");
        assert!(identity.matches(&[], " CORP ", "svc-backup "));
        assert!(!identity.matches(&[], "CORP", "svc-backup2"));
        assert!(!identity.matches(&[], "CORP2", "svc-backup"));
    }

    #[test]
    fn aliases_match_both_spellings() {
        let upn = Identity::parse("svc@corp.example.com").expect("valid");
        assert!(upn.matches(&alias(), "CORP", "svc"));
        assert!(upn.matches(&alias(), "corp.example.com", "svc"));
        let netbios = Identity::parse("CORP\\svc").expect("valid");
        assert!(netbios.matches(&alias(), "Corp.Example.com", "svc"));
        assert!(!netbios.matches(&[], "corp.example.com", "svc"));
    }

    #[test]
    fn non_ascii_names_compare_case_insensitively() {
        let identity = Identity::parse("MÜNCHEN\\jürgen").expect("valid");
        assert!(identity.matches(&[], "münchen", "JÜRGEN"));
    }

    #[test]
    fn lookalike_letters_do_not_match() {
        let kelvin = Identity::parse("CORP\\svc_\u{212A}ey").expect("valid");
        assert!(!kelvin.matches(&[], "CORP", "svc_key"), "Kelvin sign");
        let capital_sharp_s = Identity::parse("CORP\\STRA\u{1E9E}E").expect("valid");
        assert!(
            !capital_sharp_s.matches(&[], "CORP", "straße"),
            "capital sharp s"
        );
        let dotted = Identity::parse("CORP\\\u{130}nfo").expect("valid");
        assert!(!dotted.matches(&[], "CORP", "info"), "dotted capital I");
        let dotless = Identity::parse("CORP\\adm\u{131}n").expect("valid");
        assert!(!dotless.matches(&[], "CORP", "admin"), "dotless i");
        assert!(
            !dotless.matches(&[], "CORP", "ADMIN"),
            "dotless i, upper case"
        );
        let long_s = Identity::parse("CORP\\\u{17f}vc_key").expect("valid");
        assert!(!long_s.matches(&[], "CORP", "svc_key"), "long s");
        assert!(
            long_s.matches(&[], "CORP", "\u{17f}VC_KEY"),
            "long s kept as is"
        );
    }

    #[test]
    fn unicode_spaces_are_not_trimmed() {
        let padded = Identity::parse("CORP\\\u{a0}svc_key\u{a0}").expect("valid");
        assert_eq!(padded.user(), "\u{a0}svc_key\u{a0}");
        assert!(!padded.matches(&[], "CORP", "svc_key"));
        let plain = Identity::parse("CORP\\svc_key").expect("valid");
        assert!(!plain.matches(&[], "CORP", "\u{2003}svc_key"), "em space");
    }
}
