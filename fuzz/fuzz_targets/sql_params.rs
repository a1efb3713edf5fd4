//! Fuzz target: see `plinth_sql_params::fuzz::sql_params`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| plinth_sql_params::fuzz::sql_params(data));
