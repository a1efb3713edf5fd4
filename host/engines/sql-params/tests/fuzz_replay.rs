//! The `sql_params` fuzz target's inputs as tests: every file of `fuzz/corpus/sql_params/` and of
//! `fuzz/regressions/sql_params/` (fixed crashes) through the entry function the target calls, and
//! generated inputs through the same checks.

use plinth_engine_api::Input;
use plinth_fuzz_support::{json, replay};
use plinth_sql_params::fuzz;
use proptest::prelude::*;

#[test]
fn sql_params_corpus_replays() {
    assert!(replay("sql_params", fuzz::sql_params) > 0);
}

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "c", "d", ""]).prop_map(str::to_owned)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Generated JSON bodies: each parameter converts to its type or is refused by name.
    #[test]
    fn generated_json_parameters(
        types in any::<u8>(),
        values in prop::collection::btree_map(name(), json(), 0..5),
    ) {
        fuzz::check(&Input::Json(values.into_iter().collect()), types);
    }

    /// Generated query strings, names possibly repeated.
    #[test]
    fn generated_query_parameters(
        types in any::<u8>(),
        pairs in prop::collection::vec((name(), "\\PC{0,12}"), 0..5),
    ) {
        fuzz::check(&Input::Query(pairs), types);
    }
}
