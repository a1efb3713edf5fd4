//! Bad models and bad batches give an [`OnnxError`], never a panic.

mod common;

use common::{backends, load, model_cases, repo};
use plinth_onnx::{Backend, Batch, Column, LoadOptions, OnnxError};

#[test]
fn a_corrupt_model_file_is_a_load_error() {
    let dir = tempfile_dir();
    let good = std::fs::read(repo().join("models/cancer_trees/model.onnx")).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("garbage", b"this is not an onnx model at all".to_vec()),
        ("empty", Vec::new()),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("flipped", good.iter().map(|b| b ^ 0x5a).collect()),
    ];
    for backend in backends() {
        for (name, bytes) in &cases {
            let path = dir.join(format!("{name}.onnx"));
            std::fs::write(&path, bytes).unwrap();
            match plinth_onnx::load(&path, backend, &LoadOptions::default()) {
                Err(OnnxError::Load(msg)) => assert!(!msg.is_empty()),
                other => panic!("{name} on {backend:?}: {:?}", other.map(|_| ())),
            }
        }
        let missing = plinth_onnx::load(&dir.join("absent.onnx"), backend, &Default::default());
        assert!(matches!(missing, Err(OnnxError::Load(m)) if m.contains("absent.onnx")));
    }
}

#[test]
fn an_unsupported_op_is_a_load_error_naming_it() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ops/unsupported_svm.onnx");
    match plinth_onnx::load(&path, Backend::Tract, &LoadOptions::default()) {
        Err(OnnxError::Load(msg)) => assert!(msg.contains("SVMRegressor"), "{msg}"),
        other => panic!("{:?}", other.map(|_| ())),
    }
}

#[test]
fn bad_batches_are_run_errors() {
    for backend in backends() {
        let scorer = load(&repo().join("models/fraud/model.onnx"), backend);
        let (batch, _) = model_cases("fraud", scorer.as_ref());
        let run = |b: &Batch| scorer.run(b, &["probabilities"]);
        assert!(run(&batch).is_ok());

        let mut fewer = batch.clone();
        fewer.columns.pop();
        assert!(matches!(run(&fewer), Err(OnnxError::Run(m)) if m.contains("columns")));

        let mut more = batch.clone();
        more.columns.push(Column::F32(vec![0.0; batch.rows()]));
        assert!(matches!(run(&more), Err(OnnxError::Run(_))));

        // payment_type (a string input) given as floats.
        let position = scorer
            .inputs()
            .iter()
            .position(|i| i.name == "payment_type")
            .unwrap();
        let mut wrong_type = batch.clone();
        wrong_type.columns[position] = Column::F32(vec![1.0; batch.rows()]);
        assert!(matches!(run(&wrong_type), Err(OnnxError::Run(m)) if m.contains("payment_type")));

        let mut ragged = batch.clone();
        if let Column::F32(v) = &mut ragged.columns[0] {
            v.pop();
        }
        assert!(matches!(run(&ragged), Err(OnnxError::Run(m)) if m.contains("rows")));

        assert!(matches!(
            scorer.run(&batch, &["no_such_output"]),
            Err(OnnxError::Run(m)) if m.contains("no_such_output")
        ));

        // An empty batch is not an error: no rows, the declared width.
        let empty = batch.slice(0, 0);
        let out = scorer.run(&empty, &["probabilities"]).unwrap();
        assert_eq!((out[0].data.len(), out[0].width), (0, 2));
    }
}

#[test]
fn nan_and_extreme_inputs_do_not_panic() {
    for backend in backends() {
        for name in ["cancer_trees", "iris", "diabetes_forest", "cancer_logreg"] {
            let scorer = load(
                &repo().join("models").join(name).join("model.onnx"),
                backend,
            );
            let columns = scorer
                .inputs()
                .iter()
                .map(|_| Column::F32(vec![f32::NAN, f32::INFINITY, f32::NEG_INFINITY, f32::MAX]))
                .collect();
            let output = if name.starts_with("diabetes") {
                "variable"
            } else {
                "probabilities"
            };
            let out = scorer.run(&Batch { columns }, &[output]).unwrap();
            assert_eq!(out[0].data.len(), 4 * out[0].width);
        }
    }
}

#[test]
fn onnx_runtime_without_its_library_is_unavailable() {
    let options = LoadOptions {
        onnxruntime_library: Some("/nonexistent/libonnxruntime.so".into()),
    };
    let path = repo().join("models/iris/model.onnx");
    match plinth_onnx::load(&path, Backend::OnnxRuntime, &options) {
        Err(OnnxError::Unavailable(msg)) => assert!(!msg.is_empty()),
        other => panic!("{:?}", other.map(|_| ())),
    }
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("plinth-onnx-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
