//! The `sql_params` fuzz target's inputs as tests: every file of `fuzz/corpus/sql_params/` and of
//! `fuzz/regressions/sql_params/` (fixed crashes) through the entry function the target calls, and
//! generated inputs through the same checks.

use plinth_engine_api::Input;
use plinth_sql_params::fuzz;
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
fn sql_params_corpus_replays() {
    assert!(replay("sql_params", fuzz::sql_params) > 0);
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
