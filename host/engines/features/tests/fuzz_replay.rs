//! The `features` fuzz target's inputs as tests: every file of `fuzz/corpus/features/` and of
//! `fuzz/regressions/features/` (fixed crashes) through the entry function the target calls, and
//! generated features objects through the same checks.

use plinth_features::fuzz;
use plinth_features::schema::Schema;
use proptest::prelude::*;
use serde_json::{Map, Value};
use std::path::Path;

/// Feeds every stored input of `target` to `entry`; returns how many there were.
fn replay(target: &str, entry: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../fuzz");
    let mut count = 0;
    for kind in ["corpus", "regressions"] {
        let Ok(dir) = std::fs::read_dir(root.join(kind).join(target)) else {
            continue;
        };
        let mut files: Vec<_> = dir.map(|e| e.unwrap().path()).collect();
        files.sort();
        for file in files {
            entry(&std::fs::read(&file).unwrap());
            count += 1;
        }
    }
    count
}

#[test]
fn features_corpus_replays() {
    assert!(replay("features", fuzz::features) > 0);
}

/// JSON values: scalars of every kind, numeric and boolean text, small arrays and objects.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "-?[0-9]{0,20}(\\.[0-9]{0,4})?(e[0-9]{1,3})?".prop_map(Value::from),
        prop::sample::select(vec![
            "true", "False", "1", "0", "NaN", "inf", " ", "", "b-c", "a"
        ])
        .prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z_-]{1,5}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
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
