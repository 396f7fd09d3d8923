//! Fault suite: `psvault get` against the in-process simulator with
//! injected faults.
//!
//! Every case starts its own TLS simulator, so that request and session
//! counters belong to one run, and checks the exit code, an upper bound
//! on the wall time, the message, that no secret reaches stderr, and that
//! the session was closed whenever the server could still be reached.
//! Deadlines are kept at 2 to 3 seconds and the cases of a table run in
//! parallel, so the suite takes seconds, not minutes.

mod responses;
mod support;
mod transport;
