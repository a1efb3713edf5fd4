//! Every example model in `models/index.json` gives ONNX Runtime's recorded answers, on tract
//! and (feature `onnxruntime`, `ORT_DYLIB_PATH` set) on ONNX Runtime, at every batch size.

mod common;

use common::{Expected, backends, load, model_cases, model_names, output_of, repeat};
use plinth_onnx::Backend;

/// Probabilities within 1e-5 absolute; regression within 1e-5 relative or 1e-3 absolute.
fn check(name: &str, backend: Backend, data: &[f32], width: usize, expected: &[Expected]) {
    assert_eq!(
        data.len(),
        width * expected.len(),
        "{name} on {backend:?}: output size"
    );
    for (i, want) in expected.iter().enumerate() {
        let row = &data[i * width..(i + 1) * width];
        match want {
            Expected::Probabilities(p) => {
                assert_eq!(row.len(), p.len(), "{name}: width");
                for (g, w) in row.iter().zip(p) {
                    assert!(
                        (f64::from(*g) - w).abs() <= 1e-5,
                        "{name} on {backend:?}, row {i}: {row:?} vs {p:?}"
                    );
                }
            }
            Expected::Value(v) => {
                let d = (f64::from(row[0]) - v).abs();
                assert!(
                    d <= 1e-3 || d <= 1e-5 * v.abs(),
                    "{name} on {backend:?}, row {i}: {} vs {v}",
                    row[0]
                );
            }
        }
    }
}

#[test]
fn every_model_matches_onnx_runtime() {
    for backend in backends() {
        for name in model_names() {
            let path = common::repo().join("models").join(&name).join("model.onnx");
            let scorer = load(&path, backend);
            assert_eq!(scorer.backend(), backend);
            let (batch, expected) = model_cases(&name, scorer.as_ref());
            let out = scorer.run(&batch, &[output_of(&expected)]).unwrap();
            check(&name, backend, &out[0].data, out[0].width, &expected);
            // Row by row too: a batch of one.
            for i in 0..batch.rows() {
                let one = scorer
                    .run(&batch.slice(i, i + 1), &[output_of(&expected)])
                    .unwrap();
                check(
                    &name,
                    backend,
                    &one[0].data,
                    one[0].width,
                    &expected[i..i + 1],
                );
            }
        }
    }
}

#[test]
fn batch_sizes_1_7_1000_give_the_same_rows() {
    for backend in backends() {
        for name in model_names() {
            let path = common::repo().join("models").join(&name).join("model.onnx");
            let scorer = load(&path, backend);
            let (batch, expected) = model_cases(&name, scorer.as_ref());
            let output = output_of(&expected);
            let big = repeat(&batch, 1000);
            let whole = scorer.run(&big, &[output]).unwrap().remove(0);
            for size in [1usize, 7] {
                let mut start = 0;
                while start < 1000 {
                    let end = (start + size).min(1000);
                    let part = scorer
                        .run(&big.slice(start, end), &[output])
                        .unwrap()
                        .remove(0);
                    assert_eq!(part.width, whole.width);
                    let same = &whole.data[start * whole.width..end * whole.width];
                    if backend == Backend::Tract {
                        // Row-independent kernels: bit-identical at any batch size.
                        assert_eq!(
                            part.data, same,
                            "{name} on {backend:?}: rows {start}..{end} in batches of {size}"
                        );
                    } else {
                        // ONNX Runtime's GEMM blocks differently by batch size: rounding
                        // noise, within the tolerance of the recorded answers (diabetes
                        // subtracts values near 300, hence 1e-3 on regression).
                        let tolerance = if output == "variable" { 1e-3 } else { 1e-5 };
                        for (a, b) in part.data.iter().zip(same) {
                            assert!(
                                (a - b).abs() <= tolerance,
                                "{name} on {backend:?}: rows {start}..{end} in batches of {size}: {a} vs {b}"
                            );
                        }
                    }
                    start = end;
                }
            }
        }
    }
}
