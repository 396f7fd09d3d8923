//! Output of psvault: credentials on stdout, messages on stderr.
//!
//! stdout carries only the result. stderr carries `psvault: ...` lines,
//! one per message: control characters in messages are escaped, so a line
//! break from a server message cannot forge a second line. With
//! `--error-format json` a failure adds one JSON object as the last
//! stderr line.

use std::borrow::Cow;
use std::io::{self, Write};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use psr_client::Credential;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::cli::ErrorFormat;
use crate::exit::{Class, Failure};

/// A credential as printed: the entry's fields plus the API key's
/// database and user, so a caller can tell which vault returned it.
#[derive(Serialize)]
pub struct CredentialOutput<'a> {
    /// Value of the entry's Domain field.
    pub domain: Cow<'a, str>,
    /// Value of the entry's Username field.
    pub username: Cow<'a, str>,
    /// The decrypted password.
    pub password: Cow<'a, str>,
    /// Id of the Password Secure entry (container), never encoded.
    pub id: &'a str,
    /// Display name of the entry.
    pub name: Cow<'a, str>,
    /// Database named in the API key.
    pub database: &'a str,
    /// User named in the API key.
    pub user: &'a str,
}

impl<'a> CredentialOutput<'a> {
    /// Collects the members; with `base64` set, domain, username,
    /// password and name become base64 of their UTF-8 bytes, so that
    /// PowerShell's `ConvertFrom-Json` cannot turn them into dates or
    /// numbers.
    pub fn new(
        credential: &'a Credential,
        database: &'a str,
        user: &'a str,
        base64: bool,
    ) -> CredentialOutput<'a> {
        let text = |value: &'a str| -> Cow<'a, str> {
            if base64 {
                Cow::Owned(STANDARD.encode(value.as_bytes()))
            } else {
                Cow::Borrowed(value)
            }
        };
        CredentialOutput {
            domain: text(&credential.domain),
            username: text(&credential.username),
            password: text(credential.password.expose_secret()),
            id: &credential.id,
            name: text(&credential.name),
            database,
            user,
        }
    }
}

impl Drop for CredentialOutput<'_> {
    fn drop(&mut self) {
        if let Cow::Owned(encoded) = &mut self.password {
            zeroize::Zeroize::zeroize(encoded);
        }
    }
}

/// Serializes `value` as one JSON line into a buffer that is wiped on
/// drop. The buffer is sized up front so that growing it leaves no
/// copies of a password in freed memory.
pub fn json_line<T: Serialize>(value: &T, size_hint: usize) -> Result<Zeroizing<Vec<u8>>, Failure> {
    // Escaping can grow a string to six times its length (\uXXXX).
    let mut buffer = Zeroizing::new(Vec::with_capacity(size_hint.saturating_mul(6) + 512));
    serde_json::to_writer(&mut *buffer, value).map_err(|e| {
        Failure::new(
            Class::Server,
            format!("could not encode the result as JSON: {e}"),
        )
    })?;
    buffer.push(b'\n');
    Ok(buffer)
}

/// Writes `bytes` to stdout and flushes.
pub fn write_stdout(stdout: &mut dyn Write, bytes: &[u8]) -> Result<(), Failure> {
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::invalid_input(format!("could not write the result to stdout: {e}")))
}

/// Prints warnings and errors to stderr in the chosen format.
#[derive(Clone, Copy, Debug)]
pub struct Reporter {
    /// Format of error reports.
    pub error_format: ErrorFormat,
    /// True when warnings are silenced.
    pub quiet: bool,
}

impl Reporter {
    /// Prints a warning unless `-q` was given.
    pub fn warn(&self, message: &str) {
        if !self.quiet {
            self.warn_always(message);
        }
    }

    /// Prints a warning even under `-q`; for insecure options.
    pub fn warn_always(&self, message: &str) {
        line(&format!("warning: {message}"));
    }

    /// Prints an informational message unless `-q` was given.
    pub fn note(&self, message: &str) {
        if !self.quiet {
            line(message);
        }
    }

    /// Prints a failure with its advice, and the JSON line when asked.
    pub fn failure(&self, failure: &Failure) {
        line(&failure.message);
        if let Some(hint) = failure.hint {
            line(&format!("hint: {hint}"));
        }
        if self.error_format == ErrorFormat::Json {
            let record = ErrorRecord {
                error_id: failure.class.error_id(),
                class: failure.class.name(),
                exit_code: failure.class.exit_code(),
                message: &failure.message,
                hint: failure.hint,
            };
            // Serializing plain strings and integers cannot fail.
            if let Ok(json) = serde_json::to_string(&record) {
                let _ = writeln!(io::stderr().lock(), "{json}");
            }
        }
    }
}

/// The JSON error object for the PowerShell module.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorRecord<'a> {
    /// Stable id, e.g. `VaultAuthenticationFailed`.
    pub error_id: &'a str,
    /// Class name, e.g. `authentication`.
    pub class: &'a str,
    /// The process exit code.
    pub exit_code: u8,
    /// What failed.
    pub message: &'a str,
    /// Advice on the fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<&'a str>,
}

/// Writes `psvault: <message>` to stderr as one line.
fn line(message: &str) {
    // A failed write to stderr leaves nowhere to report it.
    let _ = writeln!(io::stderr().lock(), "psvault: {}", one_line(message));
}

/// Writes the lines of a text report to stdout, each escaped by
/// [`one_line`]. Report values such as the key's user and database claims
/// or the server's form name come from outside, so they must not move the
/// cursor, recolour the terminal or add lines.
pub fn write_lines(stdout: &mut dyn Write, lines: &[String]) -> Result<(), Failure> {
    let mut text = String::new();
    for line in lines {
        text.push_str(&one_line(line));
        text.push('\n');
    }
    write_stdout(stdout, text.as_bytes())
}

/// Escapes control characters so that a message stays on one line, and
/// the Unicode line separators and bidirectional formatting characters
/// that would break the line or reorder the shown text in a terminal.
pub fn one_line(message: &str) -> Cow<'_, str> {
    if !message.chars().any(needs_escape) {
        return Cow::Borrowed(message);
    }
    let mut escaped = String::with_capacity(message.len() + 8);
    for c in message.chars() {
        if needs_escape(c) {
            escaped.extend(c.escape_default());
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

fn needs_escape(c: char) -> bool {
    match c {
        // Arabic letter mark, left-to-right and right-to-left marks.
        '\u{061c}' | '\u{200e}' | '\u{200f}' => true,
        // Line and paragraph separators, embeddings and overrides.
        '\u{2028}'..='\u{202e}' => true,
        // Isolates.
        '\u{2066}'..='\u{2069}' => true,
        _ => c.is_control(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_escapes_line_breaks() {
        assert_eq!(one_line("a\nb\rc\u{1b}"), "a\\nb\\rc\\u{1b}");
        assert_eq!(one_line("Grüße \"x\" \\"), "Grüße \"x\" \\");
    }

    #[test]
    fn one_line_escapes_bidi_marks() {
        assert_eq!(one_line("a\u{202e}b\u{2028}c"), "a\\u{202e}b\\u{2028}c");
        assert_eq!(one_line("\u{200f}x\u{2066}"), "\\u{200f}x\\u{2066}");
        assert_eq!(one_line("a\u{200b}b"), "a\u{200b}b");
    }

    #[test]
    fn error_record_uses_contract_names() {
        let record = ErrorRecord {
            error_id: "VaultAuthenticationFailed",
            class: "authentication",
            exit_code: 4,
            message: "m",
            hint: None,
        };
        let json = serde_json::to_string(&record).unwrap();
        assert_eq!(
            json,
            r#"{"errorId":"VaultAuthenticationFailed","class":"authentication","exitCode":4,"message":"m"}"#
        );
    }
}
