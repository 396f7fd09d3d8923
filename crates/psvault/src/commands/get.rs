//! `psvault get`: one lookup in one session.

use std::io::Write;

use crate::cli::GetFormat;
use crate::exit::{Failure, Outcome};
use crate::messages::{alias_advice, describe};
use crate::output::{json_line, write_stdout, CredentialOutput, Reporter};
use crate::settings::GetSettings;

/// Looks up the credential and prints it in the chosen format.
pub fn run(
    settings: &GetSettings,
    stdout: &mut dyn Write,
    reporter: &Reporter,
) -> Result<Outcome, Failure> {
    let connection = &settings.connection;
    let lookup = &settings.lookup;
    super::warn_insecure(connection, reporter);

    let found = psr_client::lookup(
        &connection.config,
        &connection.api_key,
        &lookup.identity,
        &lookup.reason,
    )
    .map_err(|e| describe(&e, connection, Some(lookup)))?;

    let Some(credential) = found else {
        let mut message = format!(
            "no {} entry matches {}",
            connection.config.form.form,
            crate::settings::quoted(&lookup.identity.to_string())
        );
        if let Some(advice) = alias_advice(
            &lookup.identity,
            &connection.config.domain_aliases,
            lookup.source,
        ) {
            message.push_str("; ");
            message.push_str(&advice);
        }
        return Ok(Outcome::NotFound(message));
    };

    let claims = connection.api_key.claims();
    match settings.format {
        GetFormat::Password => {
            write_stdout(stdout, credential.password.expose_secret().as_bytes())?;
        }
        GetFormat::Json | GetFormat::JsonBase64 => {
            let base64 = settings.format == GetFormat::JsonBase64;
            let output =
                CredentialOutput::new(&credential, &claims.database, &claims.username, base64);
            let size = credential.password.expose_secret().len() + credential.name.len();
            write_stdout(stdout, &json_line(&output, size)?)?;
        }
    }
    Ok(Outcome::Success)
}
