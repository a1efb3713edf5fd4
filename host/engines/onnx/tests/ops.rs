//! Each ai.onnx.ml op against ONNX Runtime: the tiny graphs of `tests/ops/` (built by
//! `tests/ops/make_cases.py`, which recorded ONNX Runtime 1.31.1's outputs) on every backend.

mod common;

use common::{OpCase, backends, close, op_cases};
use plinth_onnx::{Backend, LoadOptions, OnnxError};

/// Cases only ONNX Runtime can run (tract must refuse them at load).
const ORT_ONLY: &[&str] = &["unsupported_svm"];

fn check_case(case: &OpCase, backend: Backend) {
    let loaded = plinth_onnx::load(&case.path, backend, &LoadOptions::default());
    if backend == Backend::Tract && ORT_ONLY.contains(&case.name.as_str()) {
        match loaded {
            Err(OnnxError::Load(msg)) => {
                assert!(
                    msg.contains("SVMRegressor"),
                    "{}: unclear refusal: {msg}",
                    case.name
                )
            }
            other => panic!(
                "{}: expected a load error, got {:?}",
                case.name,
                other.map(|_| ())
            ),
        }
        return;
    }
    let scorer = loaded.unwrap_or_else(|e| panic!("{} on {backend:?}: {e}", case.name));
    if case.error {
        let out = scorer.run(&case.batch, &["Y"]);
        assert!(
            matches!(out, Err(OnnxError::Run(_))),
            "{} on {backend:?}: ONNX Runtime refused this input, got {:?}",
            case.name,
            out.map(|_| ())
        );
        return;
    }
    let rows = case.batch.rows();
    // Labels follow argmax of the probabilities here, not ONNX Runtime's own rule (which can
    // disagree with its probabilities): Plinth serves probabilities only.
    for (name, width, want) in case.outputs.iter().filter(|(n, _, _)| n != "label") {
        let got = scorer
            .run(&case.batch, &[name.as_str()])
            .unwrap_or_else(|e| panic!("{} on {backend:?}: {e}", case.name))
            .remove(0);
        assert_eq!(
            got.width, *width,
            "{} on {backend:?}: width of {name}",
            case.name
        );
        assert_eq!(got.data.len(), rows * width);
        for (i, (g, w)) in got.data.iter().zip(want).enumerate() {
            assert!(
                close(*g, *w),
                "{} on {backend:?}: {name}[{}][{}] = {g}, ONNX Runtime {w}",
                case.name,
                i / width,
                i % width
            );
        }
    }
}

#[test]
fn every_op_matches_onnx_runtime() {
    let cases = op_cases();
    assert!(cases.len() > 50);
    for backend in backends() {
        for case in &cases {
            check_case(case, backend);
        }
    }
}

#[test]
fn zipmap_is_dropped_for_its_probabilities() {
    let cases = op_cases();
    let zipmap = cases.iter().find(|c| c.name == "zipmap").unwrap();
    let reference = cases.iter().find(|c| c.name == "zipmap_reference").unwrap();
    let (_, width, want) = reference
        .outputs
        .iter()
        .find(|(n, _, _)| n == "probabilities")
        .unwrap();
    for backend in backends() {
        let scorer = common::load(&zipmap.path, backend);
        for output in ["probabilities", "output_probability"] {
            let got = scorer.run(&zipmap.batch, &[output]).unwrap().remove(0);
            assert_eq!(got.width, *width);
            for (g, w) in got.data.iter().zip(want) {
                assert!(close(*g, *w), "zipmap {output} on {backend:?}: {g} vs {w}");
            }
        }
    }
}

#[test]
fn tree_layouts_cover_perfect_and_general_paths() {
    // The deep and EQ/NEQ cases must take the general layout, the sklearn-like ones the
    // perfect one; both are checked against ONNX Runtime by `every_op_matches_onnx_runtime`.
    use plinth_onnx::trees::layout::{PERFECT_MAX_DEPTH, SumLeaves, compile};
    use plinth_onnx::trees::parse::parse;
    use prost::Message;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ops");
    let layout_of = |case: &str| {
        let bytes = std::fs::read(dir.join(format!("{case}.onnx"))).unwrap();
        let model = tract_onnx::pb::ModelProto::decode(bytes.as_slice()).unwrap();
        let node = model
            .graph
            .unwrap()
            .node
            .into_iter()
            .find(|n| n.op_type.starts_with("Tree"))
            .unwrap();
        let prefix = if node.op_type == "TreeEnsembleClassifier" {
            "class"
        } else {
            "target"
        };
        let forest = parse(&node, prefix, 4).unwrap();
        (
            forest.trees.iter().map(|t| t.depth).max().unwrap(),
            compile(&forest, 4, &SumLeaves(Some), true),
        )
    };
    let (depth, deep) = layout_of("trees_deep");
    assert!(depth > PERFECT_MAX_DEPTH, "trees_deep is only {depth} deep");
    assert!(!deep.general.roots.is_empty());
    let (_, eq) = layout_of("trees_mode_branch_eq");
    assert!(eq.perfect.is_empty() && !eq.general.roots.is_empty());
    let (_, forest) = layout_of("trees_binary_forest");
    assert!(forest.general.roots.is_empty() && !forest.perfect.is_empty());
    for case in [
        "trees_uniform_branch_gt_0",
        "trees_uniform_branch_gte_1",
        "trees_uniform_branch_lt_1",
    ] {
        let (_, uniform) = layout_of(case);
        assert!(
            uniform.general.roots.is_empty(),
            "{case} maps onto one predicate"
        );
    }
}
