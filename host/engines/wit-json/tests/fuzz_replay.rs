//! The `wit_values` fuzz target's inputs as tests: every file of `fuzz/corpus/wit_values/` and of
//! `fuzz/regressions/wit_values/` (fixed crashes) through the entry function the target calls, and
//! generated types and values through the same checks.

use plinth_wit_json::fuzz::{self, Cursor, type_of};
use proptest::prelude::*;
use serde_json::Value;
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
fn wit_values_corpus_replays() {
    assert!(replay("wit_values", fuzz::wit_values) > 0);
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
