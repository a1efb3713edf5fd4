//! What the replay tests of the fuzz targets share (see ARCHITECTURE.md, *Fuzzing*): feeding the
//! stored inputs of a target to its entry function, and proptest strategies for the JSON values
//! callers send. A dev-dependency only.

use proptest::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The repository's `fuzz/` folder.
pub fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// Feeds every stored input of `target` (`fuzz/corpus/<target>/`, then the fixed crashes of
/// `fuzz/regressions/<target>/`) to `entry`, in file-name order; returns how many there were.
pub fn replay(target: &str, entry: fn(&[u8])) -> usize {
    let root = fuzz_dir();
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

/// JSON values: scalars of every kind, numeric and boolean text, small arrays and objects.
pub fn json() -> impl Strategy<Value = Value> {
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
