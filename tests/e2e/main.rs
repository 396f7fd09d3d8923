//! End-to-end tests: the psvault binary against the in-process simulator.
//!
//! Each module covers one area of the CLI contract: lookups and output
//! formats, identity forms, the stdin request, batch mode, `check` and
//! `key inspect`, TLS options, failures and their exit codes, and secret
//! hygiene. `support` starts simulators and runs psvault.

mod batch;
mod check;
mod failures;
mod get;
mod identity;
mod key;
mod request;
mod secrets;
mod support;
mod tls;
