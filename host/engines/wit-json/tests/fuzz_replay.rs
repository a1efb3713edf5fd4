//! The `wit_values` fuzz target's inputs as tests: every file of `fuzz/corpus/wit_values/` and of
//! `fuzz/regressions/wit_values/` (fixed crashes) through the entry function the target calls, and
//! generated types and values through the same checks.

use plinth_fuzz_support::{json, replay};
use plinth_wit_json::fuzz::{self, Cursor, type_of};
use proptest::prelude::*;
use serde_json::Value;

#[test]
fn wit_values_corpus_replays() {
    assert!(replay("wit_values", fuzz::wit_values) > 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// A generated value (as JSON, and as its text) converts to a value of a generated type,
    /// or is refused naming a path under the parameter.
    #[test]
    fn generated_values_conform_to_their_types(
        program in prop::collection::vec(any::<u8>(), 0..24),
        value in json(),
    ) {
        let ty = type_of(&mut Cursor { data: &program, at: 0 }, 0);
        fuzz::check_json(&ty, &value);
        let text = match &value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        fuzz::check_text(&ty, &text);
    }
}
