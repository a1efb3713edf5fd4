//! The `features` fuzz target's inputs as tests: every file of `fuzz/corpus/features/` and of
//! `fuzz/regressions/features/` (fixed crashes) through the entry function the target calls, and
//! generated features objects through the same checks.

use plinth_features::fuzz;
use plinth_features::schema::Schema;
use plinth_fuzz_support::{json, replay};
use proptest::prelude::*;
use serde_json::Map;

#[test]
fn features_corpus_replays() {
    assert!(replay("features", fuzz::features) > 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// A generated value for each feature (or none) converts to cells of the inputs' types.
    #[test]
    fn generated_features_convert_to_their_types(
        values in prop::collection::vec(prop::option::of(json()), 7),
    ) {
        let schema = Schema::parse(fuzz::SCHEMA).unwrap();
        let mut map = Map::new();
        for (feature, value) in schema.features.iter().zip(values) {
            if let Some(v) = value {
                map.insert(feature.name.clone(), v);
            }
        }
        fuzz::convert(&schema, &map);
    }

    /// Arbitrary bytes in every mode never panic.
    #[test]
    fn arbitrary_input_is_refused_cleanly(data in prop::collection::vec(any::<u8>(), 0..200)) {
        fuzz::features(&data);
    }
}
