//! The tracing subscriber behind `-v`, `-vv` and `-q`.
//!
//! Only psvault and psr_client log above the warning level, because
//! transport crates may log header values at trace level. psr_client
//! promises never to log a body, header value, key, token or password at
//! any level; psvault's own events follow the same rule.

use std::fmt;
use std::io::IsTerminal;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

/// Installs the stderr subscriber for the given `-v` count and `-q`.
/// Colour codes are written only when stderr is a terminal, so that logs
/// captured in files or by the PowerShell module stay plain text.
pub fn init(verbose: u8, quiet: bool) {
    let directives = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "warn,psr_client=debug,psvault=debug",
        (false, _) => "warn,psr_client=trace,psvault=trace",
    };
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(EnvFilter::new(directives))
        .event_format(PrefixedFormat)
        .finish();

    // Fails only when a subscriber is already installed, which leaves
    // logging working.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Formats events as `psvault: <level>: [<target>: ]<message> <fields>`,
/// in the same shape as psvault's own messages.
struct PrefixedFormat;

impl<S, N> FormatEvent<S, N> for PrefixedFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let metadata = event.metadata();
        let level = match *metadata.level() {
            Level::ERROR => "error",
            Level::WARN => "warning",
            Level::INFO => "info",
            Level::DEBUG => "debug",
            Level::TRACE => "trace",
        };
        write!(writer, "psvault: {level}: ")?;
        if *metadata.level() >= Level::DEBUG {
            write!(writer, "{}: ", metadata.target())?;
        }
        context
            .field_format()
            .format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}
