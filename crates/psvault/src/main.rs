//! psvault: checks out Active Directory credentials from Netwrix Password
//! Secure for Netwrix Privilege Secure and for scripts.
//!
//! `main` is the only exit path: it parses the command line, builds the
//! validated settings, runs one command and maps its outcome to an exit
//! code. stdout receives only the result; every message goes to stderr.

mod cli;
mod commands;
mod exit;
mod logging;
mod messages;
mod output;
mod request;
mod settings;

use std::io::{self, Write};
use std::panic;
use std::process::ExitCode;
use std::sync::OnceLock;

use clap::Parser;

use crate::cli::{Cli, ErrorFormat};
use crate::exit::{Class, Failure, Outcome};
use crate::output::Reporter;
use crate::settings::{Environment, Settings};

/// The error format chosen on the command line, for the panic hook.
static ERROR_FORMAT: OnceLock<ErrorFormat> = OnceLock::new();

fn main() -> ExitCode {
    install_panic_hook();

    // A panic is a bug. The hook reports it without the payload, which
    // might quote data, and the process exits with the internal error
    // code instead of Rust's 101.
    let code = panic::catch_unwind(run).unwrap_or(Class::Server.exit_code());
    exit::exit_code(code)
}

fn run() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return report_usage_error(&error),
    };
    let _ = ERROR_FORMAT.set(cli.global.error_format);
    logging::init(cli.global.verbose, cli.global.quiet);
    let reporter = Reporter {
        error_format: cli.global.error_format,
        quiet: cli.global.quiet,
    };

    let stdin = io::stdin();
    let mut stdin = stdin.lock();
    let stdout = io::stdout();
    let mut stdout = stdout.lock();
    let result = Environment::from_process()
        .and_then(|environment| Settings::new(cli.command, environment, &mut stdin))
        .and_then(|settings| commands::run(settings, &mut stdin, &mut stdout, &reporter));

    match result {
        Ok(Outcome::Success) => exit::SUCCESS,
        Ok(Outcome::NotFound(message)) => {
            reporter.note(&message);
            exit::NOT_FOUND
        }
        Err(failure) => {
            reporter.failure(&failure);
            failure.class.exit_code()
        }
    }
}

/// Prints clap's help or version to stdout (exit 0), or its usage error
/// to stderr (exit 2, plus the JSON record when the raw arguments ask for
/// `--error-format json`).
fn report_usage_error(error: &clap::Error) -> u8 {
    if !error.use_stderr() {
        let _ = error.print();
        return exit::SUCCESS;
    }
    let _ = write!(io::stderr().lock(), "{}", error.render());
    let reporter = Reporter {
        error_format: if asks_for_json_errors() {
            ErrorFormat::Json
        } else {
            ErrorFormat::Text
        },
        quiet: false,
    };
    // clap's first line names the argument, e.g. "error: unexpected
    // argument '--bogus' found"; the JSON record repeats it.
    let rendered = error.render().to_string();
    let first_line = rendered.lines().next().unwrap_or_default();
    let what = first_line.strip_prefix("error: ").unwrap_or(first_line);
    if reporter.error_format == ErrorFormat::Json {
        reporter.failure(&Failure::invalid_input(format!(
            "invalid command line: {what}; run `psvault help` for the syntax"
        )));
    }
    Class::InvalidInput.exit_code()
}

/// Returns true when the raw arguments contain `--error-format json` or
/// `--error-format=json`, for errors found before clap has finished.
fn asks_for_json_errors() -> bool {
    let arguments: Vec<String> = std::env::args_os()
        .map(|argument| argument.to_string_lossy().into_owned())
        .collect();
    arguments.iter().any(|a| a == "--error-format=json")
        || arguments
            .windows(2)
            .any(|pair| pair[0] == "--error-format" && pair[1] == "json")
}

fn install_panic_hook() {
    panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let reporter = Reporter {
            error_format: ERROR_FORMAT.get().copied().unwrap_or(ErrorFormat::Text),
            quiet: false,
        };
        reporter.failure(&Failure::new(
            Class::Server,
            format!(
                "internal error{location}; this is a bug in psvault, please \
                 report it with the command line but without the API key"
            ),
        ));
    }));
}
