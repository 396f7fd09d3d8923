//! Hostile input corpus: malformed API keys, identities, URLs, request
//! JSON and server responses, each table-driven.
//!
//! Every case checks the documented exit code and that stderr names the
//! bad value or a safe excerpt of it. It also checks that psvault neither
//! panics nor hangs (every process has a timeout), and that no API key,
//! private key or password reaches stdout or stderr. Server responses are changed by a
//! loopback proxy in front of the simulator for the CLI cases, and by
//! replaying recorded responses through psr-client for the large sweeps.

mod api_keys;
mod framing;
mod identities;
mod proxy;
mod replay;
mod requests;
mod responses;
mod support;
mod urls;
