//! Fuzz target: see `plinth_wit_json::fuzz::wit_values`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| plinth_wit_json::fuzz::wit_values(data));
