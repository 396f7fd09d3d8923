//! `psvault batch`: many lookups in one session, JSON lines in and out.
//!
//! Every input line gets one output line, in input order, except blank
//! lines and a header (a first line with connection members and no
//! identity), which produce none. A lookup that fails produces an error
//! line and the batch goes on. After a connection or authentication
//! error the session may be gone, so it is closed and opened again for
//! the next line. If that login fails, the batch stops and psvault exits
//! with the login's exit code.

use std::io::{self, BufRead, Write};

use psr_client::{Credential, Session};
use serde::Serialize;
use serde_json::Value;
use tracing::debug;
use zeroize::{Zeroize, Zeroizing};

use crate::cli::BatchFormat;
use crate::exit::{Class, Failure, Outcome};
use crate::messages::describe;
use crate::output::{json_line, write_stdout, CredentialOutput, Reporter};
use crate::request::{self, Context, Request, MAX_REQUEST_BYTES};
use crate::settings::{parse_batch_format, resolve_lookup, BatchSettings, Connection};

/// One result line.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultLine<'a> {
    line: u64,
    tag: &'a Value,
    status: &'static str,
    exit_code: u8,
    #[serde(flatten)]
    body: Body<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Body<'a> {
    Found(CredentialOutput<'a>),
    NotFound {},
    Error {
        #[serde(rename = "errorId")]
        error_id: &'static str,
        message: String,
    },
}

/// Runs the batch over the lines of `stdin`.
pub fn run(
    settings: &BatchSettings,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    reporter: &Reporter,
) -> Result<Outcome, Failure> {
    let mut lines = Lines::new(stdin);
    let Some((first_number, first)) = lines.next_line()? else {
        return Err(Failure::invalid_input(
            "the batch is empty; send one JSON object per line on stdin",
        ));
    };
    let first = match first {
        Line::Request(bytes) => request::parse_request(&bytes, Context::BatchFirstLine)
            .map_err(|e| Failure::invalid_input(format!("line {first_number}: {e}")))?,
        Line::TooLong => return Err(too_long(first_number)),
    };

    let connection = settings.layers.resolve(&first)?;
    let format = match &first.format {
        Some(name) => parse_batch_format(name)?,
        None => settings.format,
    };
    super::warn_insecure(&connection, reporter);

    let is_header = first.has_connection_members() && !first.has_lookup_members();
    if is_header && (first.reason.is_some() || first.tag.is_some()) {
        return Err(Failure::invalid_input(format!(
            "line {first_number}: a header line (connection members without an \
             identity) cannot carry reason or tag; add an identity or move them \
             to the next line"
        )));
    }

    let mut batch = Batch {
        connection: &connection,
        session: None,
        base64: format == BatchFormat::JsonBase64,
        stdout,
    };
    batch.open()?;

    if !is_header {
        batch.lookup(first_number, Ok(first))?;
    }
    while let Some((number, line)) = lines.next_line()? {
        let parsed = match line {
            Line::Request(bytes) => request::parse_request(&bytes, Context::BatchLine)
                .map_err(|e| Failure::invalid_input(e.0)),
            Line::TooLong => Err(too_long(number)),
        };
        batch.lookup(number, parsed)?;
    }

    if let Some(session) = batch.session.take() {
        if let Err(e) = session.close() {
            reporter.warn(&format!("closing the session failed: {e}"));
        }
    }
    Ok(Outcome::Success)
}

fn too_long(number: u64) -> Failure {
    Failure::invalid_input(format!(
        "line {number} is longer than {MAX_REQUEST_BYTES} bytes"
    ))
}

struct Batch<'a> {
    connection: &'a Connection,
    session: Option<Session>,
    base64: bool,
    stdout: &'a mut dyn Write,
}

impl Batch<'_> {
    fn open(&mut self) -> Result<(), Failure> {
        let session = Session::open(&self.connection.config, &self.connection.api_key)
            .map_err(|e| describe(&e, self.connection, None))?;
        self.session = Some(session);
        Ok(())
    }

    /// Runs one line's lookup and writes its result line. Fails only
    /// when stdout is gone or a new login fails, which stops the batch.
    fn lookup(&mut self, number: u64, parsed: Result<Request, Failure>) -> Result<(), Failure> {
        let null = Value::Null;
        let request = match parsed {
            Ok(request) => request,
            Err(failure) => return self.write_error(number, &null, &failure),
        };
        let tag = request.tag.as_ref().unwrap_or(&null);
        let lookup = match resolve_lookup(&request, None) {
            Ok(lookup) => lookup,
            Err(failure) => return self.write_error(number, tag, &failure),
        };

        if self.session.is_none() {
            debug!(line = number, "logging in again");
            self.open()?;
        }
        let Some(session) = self.session.as_mut() else {
            return Err(Failure::new(
                Class::Server,
                "internal error: no session after login",
            ));
        };

        match session.find_credential(&lookup.identity, &lookup.reason) {
            Ok(Some(credential)) => self.write_found(number, tag, &credential),
            Ok(None) => self.write_line(
                number,
                ResultLine {
                    line: number,
                    tag,
                    status: "not_found",
                    exit_code: crate::exit::NOT_FOUND,
                    body: Body::NotFound {},
                },
            ),
            Err(error) => {
                let failure = describe(&error, self.connection, Some(&lookup));
                if matches!(failure.class, Class::Connection | Class::Authentication) {
                    // The session may be gone; the next line logs in again.
                    if let Some(session) = self.session.take() {
                        let _ = session.close();
                    }
                }
                self.write_error(number, tag, &failure)
            }
        }
    }

    fn write_found(
        &mut self,
        number: u64,
        tag: &Value,
        credential: &Credential,
    ) -> Result<(), Failure> {
        let claims = self.connection.api_key.claims();
        let size = credential.password.expose_secret().len() + credential.name.len();
        let output =
            CredentialOutput::new(credential, &claims.database, &claims.username, self.base64);
        let line = ResultLine {
            line: number,
            tag,
            status: "found",
            exit_code: crate::exit::SUCCESS,
            body: Body::Found(output),
        };
        let bytes = json_line(&line, size + tag_size(tag))?;
        write_stdout(self.stdout, &bytes)
    }

    fn write_error(&mut self, number: u64, tag: &Value, failure: &Failure) -> Result<(), Failure> {
        let line = ResultLine {
            line: number,
            tag,
            status: "error",
            exit_code: failure.class.exit_code(),
            body: Body::Error {
                error_id: failure.class.error_id(),
                message: failure.message.clone(),
            },
        };
        self.write_line(number, line)
    }

    fn write_line(&mut self, _number: u64, line: ResultLine<'_>) -> Result<(), Failure> {
        let bytes = json_line(&line, tag_size(line.tag))?;
        write_stdout(self.stdout, &bytes)
    }
}

fn tag_size(tag: &Value) -> usize {
    match tag {
        Value::Null => 0,
        other => other.to_string().len(),
    }
}

/// A line of input: its bytes, or a marker for a line over the limit.
enum Line {
    Request(Zeroizing<Vec<u8>>),
    TooLong,
}

/// Reads numbered, non-blank lines of at most `MAX_REQUEST_BYTES`.
struct Lines<'a> {
    reader: &'a mut dyn BufRead,
    number: u64,
}

impl<'a> Lines<'a> {
    fn new(reader: &'a mut dyn BufRead) -> Lines<'a> {
        Lines { reader, number: 0 }
    }

    /// Returns the next non-blank line and its 1-based number.
    fn next_line(&mut self) -> Result<Option<(u64, Line)>, Failure> {
        loop {
            let mut buffer = Zeroizing::new(Vec::new());
            let (ended, too_long) = read_line(self.reader, &mut buffer).map_err(|e| {
                Failure::invalid_input(format!("could not read the batch from stdin: {e}"))
            })?;
            if ended && buffer.is_empty() && !too_long {
                return Ok(None);
            }
            self.number += 1;
            if too_long {
                return Ok(Some((self.number, Line::TooLong)));
            }
            let blank = buffer.iter().all(|b| b.is_ascii_whitespace())
                || buffer.as_slice() == b"\xEF\xBB\xBF";
            if !blank {
                return Ok(Some((self.number, Line::Request(buffer))));
            }
            if ended {
                return Ok(None);
            }
        }
    }
}

/// Reads one line into `buffer` without its newline. Returns whether the
/// input ended and whether the line exceeded `MAX_REQUEST_BYTES`; the
/// rest of a long line is read and dropped.
fn read_line(reader: &mut dyn BufRead, buffer: &mut Vec<u8>) -> io::Result<(bool, bool)> {
    let mut too_long = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((true, too_long));
        }
        let (chunk, found_newline) = match available.iter().position(|b| *b == b'\n') {
            Some(end) => (&available[..end], true),
            None => (available, false),
        };
        if !too_long && buffer.len() + chunk.len() <= MAX_REQUEST_BYTES {
            buffer.extend_from_slice(chunk);
        } else {
            too_long = true;
            buffer.zeroize();
        }
        let consumed = chunk.len() + usize::from(found_newline);
        reader.consume(consumed);
        if found_newline {
            if buffer.last() == Some(&b'\r') {
                buffer.pop();
            }
            return Ok((false, too_long));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_lines(input: &[u8]) -> Vec<(u64, Option<Vec<u8>>)> {
        let mut reader = input;
        let mut lines = Lines::new(&mut reader);
        let mut out = Vec::new();
        while let Some((number, line)) = lines.next_line().unwrap() {
            out.push((
                number,
                match line {
                    Line::Request(bytes) => Some(bytes.to_vec()),
                    Line::TooLong => None,
                },
            ));
        }
        out
    }

    #[test]
    fn lines_skip_blanks_and_keep_numbers() {
        let lines = all_lines(b"{\"a\":1}\n\n  \r\n{\"b\":2}\r\n{\"c\":3}");
        assert_eq!(
            lines,
            vec![
                (1, Some(b"{\"a\":1}".to_vec())),
                (4, Some(b"{\"b\":2}".to_vec())),
                (5, Some(b"{\"c\":3}".to_vec())),
            ]
        );
    }

    #[test]
    fn long_line_is_marked_and_skipped() {
        let mut input = vec![b'x'; MAX_REQUEST_BYTES + 10];
        input.extend_from_slice(b"\n{}\n");
        let lines = all_lines(&input);
        assert_eq!(lines, vec![(1, None), (2, Some(b"{}".to_vec()))]);
    }

    #[test]
    fn empty_input_has_no_lines() {
        assert!(all_lines(b"").is_empty());
        assert!(all_lines(b"\n\n").is_empty());
    }
}
