//! Fault suite: `psvault get` against the in-process simulator with
//! injected faults.
