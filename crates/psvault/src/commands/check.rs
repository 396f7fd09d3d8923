//! `psvault check`: is the key usable and the server reachable?

use std::io::Write;
use std::time::SystemTime;

use psr_client::Session;
use serde::Serialize;

use super::key::{check_usable, KeyReport};
use crate::cli::ReportFormat;
use crate::exit::{Failure, Outcome};
use crate::messages::describe;
use crate::output::{json_line, write_lines, write_stdout, Reporter};
use crate::settings::CheckSettings;

/// The JSON report of a successful check.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CheckReport<'a> {
    key: &'a KeyReport,
    url: &'a str,
    login: &'static str,
    form: FormReport,
    logout: &'static str,
}

/// The AD User form as the server listed it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FormReport {
    name: String,
    /// `None` when forms could not be listed.
    id: Option<String>,
    domain_field: String,
    username_field: String,
    password_field: String,
    /// False when forms could not be listed, so the form's existence and
    /// its field labels are unverified.
    checked: bool,
    /// Reason why forms could not be listed, when entries are recognised by the
    /// form name stored in them instead.
    fallback_reason: Option<String>,
}

/// Decodes the key, logs in, finds the AD User form and logs out.
///
/// The text report is written step by step, so that a failure leaves
/// the steps that passed on stdout; the JSON report is written only when
/// every step passed.
pub fn run(
    settings: &CheckSettings,
    stdout: &mut dyn Write,
    reporter: &Reporter,
) -> Result<Outcome, Failure> {
    let connection = &settings.connection;
    let text = settings.format == ReportFormat::Text;
    let now = SystemTime::now();
    let report = KeyReport::new(&connection.api_key, now);
    let url = connection.config.url.as_str();

    if text {
        let mut lines = report.text_lines();
        lines.push(format!("server:    {url}"));
        write_lines(stdout, &lines)?;
    }
    report.warn_if_expiring(reporter);
    check_usable(&connection.api_key, now)?;
    super::warn_insecure(connection, reporter);

    let mut session = Session::open(&connection.config, &connection.api_key)
        .map_err(|e| describe(&e, connection, None))?;
    if text {
        write_lines(stdout, &["login:     ok".to_owned()])?;
    }

    let form = session
        .check_form()
        .map_err(|e| describe(&e, connection, None))?;
    // Without the Forms scope the server refuses the form list, and
    // lookups fall back to the form name stored in each entry.
    let fallback_reason = form.fallback_reason.map(|reason| {
        if report.has_forms_scope {
            format!("the server did not list forms ({reason})")
        } else {
            format!(
                "the API key lacks the Forms scope (it has \"{}\")",
                report.scopes
            )
        }
    });
    let form = FormReport {
        name: form.name,
        id: form.id,
        domain_field: form.domain_field.label,
        username_field: form.username_field.label,
        password_field: form.password_field.label,
        checked: fallback_reason.is_none(),
        fallback_reason,
    };
    if let Some(reason) = &form.fallback_reason {
        reporter.warn(&format!(
            "form '{}' not checked: {reason}. Lookups still work, because \
             entries are recognised by the form name stored in them, but the \
             field labels cannot be verified",
            form.name
        ));
    }
    if text {
        let line = match (&form.id, &form.fallback_reason) {
            (Some(id), None) => format!(
                "form:      {} ({id}), fields: {}, {}, {}",
                form.name, form.domain_field, form.username_field, form.password_field
            ),
            (_, Some(reason)) => format!("form:      {} not checked: {reason}", form.name),
            (None, None) => format!("form:      {} (id unknown)", form.name),
        };
        write_lines(stdout, &[line])?;
    }

    session
        .close()
        .map_err(|e| describe(&e, connection, None))?;
    if text {
        write_lines(stdout, &["logout:    ok".to_owned()])?;
    } else {
        let json = CheckReport {
            key: &report,
            url,
            login: "ok",
            form,
            logout: "ok",
        };
        write_stdout(stdout, &json_line(&json, 0)?)?;
    }
    Ok(Outcome::Success)
}
