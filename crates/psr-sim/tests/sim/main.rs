//! End-to-end tests of the simulator: a client that follows the wire
//! protocol logs in, lists, searches and reads secrets over real HTTP.
//!
//! Most tests share one simulator serving the demo fixture, because it
//! needs RSA keys that take a while to generate. Tests that count requests,
//! inject faults or need other options start their own simulator from a
//! small ECC-only fixture.

mod client;
mod faults;
mod http;
mod listing;
mod login;
mod secrets;

use std::sync::OnceLock;

use psr_sim::{Fixture, Simulator, SimulatorOptions};

/// Ids fixed in the demo fixture.
mod ids {
    pub const NPS_SVC: &str = "11111111-1111-1111-1111-111111111111";
    pub const NPS_READERS: &str = "22222222-2222-2222-2222-222222222222";
    pub const AD_USER_FORM: &str = "33333333-3333-3333-3333-333333333333";
    pub const SVC_SQL: &str = "44444444-4444-4444-4444-444444444401";
}

/// Returns the demo fixture shipped with the crate.
pub fn demo_fixture() -> Fixture {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo.json");
    Fixture::from_path(path).expect("demo fixture is valid")
}

/// Returns the simulator shared by the tests, serving the demo fixture.
pub fn demo() -> &'static Simulator {
    static DEMO: OnceLock<Simulator> = OnceLock::new();
    DEMO.get_or_init(|| {
        Simulator::start(demo_fixture(), SimulatorOptions::default())
            .expect("demo simulator starts")
    })
}

/// Returns a demo API key by `<user>/<key name>`.
pub fn demo_key(name: &str) -> String {
    demo()
        .api_key(name)
        .unwrap_or_else(|| panic!("no API key {name}"))
}

/// A small fixture without RSA keys: one user with a full and a
/// passwords-only key, one AD User entry.
pub fn small_fixture() -> Fixture {
    Fixture::from_json_str(
        r#"{
        "database": "small",
        "forms": [{"name": "AD User", "fields": [
            {"name": "Description", "type": "text"},
            {"name": "Domain", "type": "text"},
            {"name": "Username", "type": "username"},
            {"name": "Password", "type": "password"}]}],
        "users": [{"name": "alice", "apiKeys": [
            {"name": "full", "scopes": "Passwords, Forms"}]}],
        "entries": [{"form": "AD User",
            "fields": {"Description": "Small", "Domain": "CORP", "Username": "svc_small",
                       "Password": "small-secret"},
            "readers": ["alice"]}]
    }"#,
    )
    .expect("small fixture is valid")
}

/// Starts a simulator for the small fixture with the given options.
pub fn start_small(options: SimulatorOptions) -> Simulator {
    Simulator::start(small_fixture(), options).expect("small simulator starts")
}
