//! Fuzz target: see `plinth_bundle::fuzz::archive`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| plinth_bundle::fuzz::archive(data));
