//! Hostile input corpus: malformed keys, identities, URLs, requests and
//! server responses.
