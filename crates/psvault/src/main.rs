//! psvault
fn main() {}
