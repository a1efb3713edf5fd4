//! Fuzz target: see `plinth_bundle::fuzz::manifest`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| plinth_bundle::fuzz::manifest(data));
