//! Any bytes at all must inspect without panicking, hanging or allocating wildly.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| drop(gowarden::binary::inspect_bytes(data)));
