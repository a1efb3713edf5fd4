//! The example bundles carry copies of models built under `models/` (a bundle must be
//! self-contained): each `examples/*/model` directory must equal, file for file, one of the
//! model directories `models/build.sh` writes, so that a rebuilt model cannot leave a stale copy
//! behind.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A directory's files: name and bytes, sorted by name.
type Files = Vec<(String, Vec<u8>)>;

fn files(dir: &Path) -> Files {
    let mut files: Files = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_example_model_is_a_copy_of_a_built_model() {
    let built: Vec<(String, Files)> = std::fs::read_dir(root().join("models"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("model.onnx").is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                files(&p),
            )
        })
        .collect();
    assert!(!built.is_empty(), "no built models under models/");
    let mut checked = 0;
    for example in std::fs::read_dir(root().join("examples")).unwrap() {
        let model = example.unwrap().path().join("model");
        if !model.is_dir() {
            continue;
        }
        let copy = files(&model);
        // The model directories also hold expected.json (the export's test vectors), which
        // bundles do not ship: compare the files the example has.
        let source = built.iter().find(|(_, files)| {
            copy.iter()
                .all(|(name, bytes)| files.iter().any(|(n, b)| n == name && b == bytes))
        });
        assert!(
            source.is_some(),
            "{} is not a copy of any models/<name> directory: copy it again from the model it came from",
            model.display()
        );
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} example models found");
}
