//! Feeds arbitrary server responses through the client's response parser
//! and protocol logic: form resolution, search, rights and secret reads.
//!
//! The input is split at NUL bytes into successive response bodies; a fake
//! exchange hands them out in order, one per API call.

#![no_main]

use libfuzzer_sys::fuzz_target;
use psr_client::{ApiMethod, Error, Exchange, FormNames, Identity, KeyRing};
use psr_crypto::SecretBytes;
use serde_json::Value;

struct Replay<'a> {
    bodies: std::slice::Split<'a, u8, fn(&u8) -> bool>,
}

impl Exchange for Replay<'_> {
    fn call(&mut self, method: ApiMethod, _body: &Value) -> Result<Option<Value>, Error> {
        let body = self.bodies.next().unwrap_or_default();
        psr_client::parse_response_body(&self.url_for(method), body)
    }

    fn url_for(&self, method: ApiMethod) -> String {
        format!("https://fuzz.invalid/api/{}", method.path())
    }
}

fuzz_target!(|data: &[u8]| {
    let is_nul: fn(&u8) -> bool = |byte| *byte == 0;
    let mut exchange = Replay {
        bodies: data.split(is_nul),
    };
    let identity = Identity::parse("CORP\\svc_sql").expect("valid identity");
    let Ok(form) = psr_client::search::resolve_form(&mut exchange, &FormNames::default()) else {
        return;
    };
    let Ok(entries) = psr_client::search::find_entries(&mut exchange, &form, &identity, &[]) else {
        return;
    };
    let key_ring = KeyRing::new(
        "11111111-1111-1111-1111-111111111111".to_string(),
        SecretBytes::new(vec![7u8; 32]),
    );
    for entry in entries {
        let _ = psr_client::secret::read_secret(
            &mut exchange,
            &key_ring,
            &entry.id,
            &entry.password_item_id,
            "fuzz",
        );
    }
});
