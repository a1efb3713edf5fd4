//! Fuzz target: see `plinth_features::fuzz::features`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| plinth_features::fuzz::features(data));
