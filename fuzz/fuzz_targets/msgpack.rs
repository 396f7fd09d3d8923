//! Reads arbitrary bytes as a MessagePack array of binary strings, the
//! framing of ECC keys and of encryption chains 2 to 6.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(items) = psr_crypto::msgpack::read_bin_array(data) {
        // Whatever was read must write back and read again to the same items.
        let written = psr_crypto::msgpack::write_bin_array(&items).expect("write what was read");
        let reread = psr_crypto::msgpack::read_bin_array(&written).expect("read what was written");
        assert_eq!(items, reread);
    }
});
