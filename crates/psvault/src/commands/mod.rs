//! One module per command; each turns its settings into output.

pub mod batch;
pub mod check;
pub mod get;
pub mod key;

use std::io::{BufRead, Write};

use crate::exit::{Failure, Outcome};
use crate::messages::Setting;
use crate::output::Reporter;
use crate::settings::{Connection, Settings};

/// Runs the command that `settings` describes.
pub fn run(
    settings: Settings,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    reporter: &Reporter,
) -> Result<Outcome, Failure> {
    match settings {
        Settings::Get(settings) => get::run(&settings, stdout, reporter),
        Settings::Check(settings) => check::run(&settings, stdout, reporter),
        Settings::Batch(settings) => batch::run(&settings, stdin, stdout, reporter),
        Settings::KeyInspect(settings) => key::run(&settings, stdout, reporter),
    }
}

/// Warns about insecure connection options, on every run that uses them
/// and even under `-q`, naming the flag or request member that set them.
fn warn_insecure(connection: &Connection, reporter: &Reporter) {
    let origins = &connection.origins;
    if connection.skip_certificate_check {
        reporter.warn_always(&format!(
            "{} is set: the server's certificate is not verified, so anyone on \
             the network path can impersonate the server and read the credentials",
            origins.name(Setting::InsecureSkipCertificateCheck)
        ));
    }
    let url = connection.config.url.trim_start().to_ascii_lowercase();
    if connection.allow_http && url.starts_with("http://") {
        reporter.warn_always(&format!(
            "{} is set: an http:// URL sends the session and the credentials \
             unencrypted",
            origins.name(Setting::InsecureAllowHttp)
        ));
    }
}
