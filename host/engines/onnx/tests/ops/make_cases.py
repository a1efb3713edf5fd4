"""Builds tiny ONNX graphs for every ai.onnx.ml op plinth-onnx implements and records ONNX
Runtime's outputs on them, so that the Rust tests can compare each op against ONNX Runtime.

Run (from the repository root, after `models/build.sh` created `models/.venv`):

    models/.venv/bin/python host/engines/onnx/tests/ops/make_cases.py

Writes `host/engines/onnx/tests/ops/<case>.onnx` and `host/engines/onnx/tests/ops/cases.json`.
Deterministic (fixed seeds). Each graph takes one `[N, 1]` input per column, like the example
models, so that the tests feed it through the public `Batch` interface.

`cases.json`: `{"cases": [{"name", "file", "inputs": [{"name", "type", "values"}],
"outputs": {name: {"width", "values"}}, "error"}]}`: float values `null` stand for NaN;
`outputs` holds ONNX Runtime's float outputs flattened row-major (int64 outputs as floats);
`error` is true when ONNX Runtime itself refuses the input (the engine must refuse it too).
"""

import json
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
ML = "ai.onnx.ml"
ROWS = 64


def model(nodes, inputs, outputs, ml_opset=1, initializers=()):
    graph = helper.make_graph(nodes, "case", inputs, outputs, initializer=list(initializers))
    m = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(ML, ml_opset)],
        producer_name="plinth-onnx tests",
    )
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def col(name, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, ["N", 1])


def out(name, dims, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, dims)


def float_inputs(k, prefix="x"):
    names = [f"{prefix}{i}" for i in range(k)]
    return names, [col(n) for n in names]


def concat(names, output="X"):
    return helper.make_node("Concat", names, [output], axis=1)


def to_json_value(v):
    if isinstance(v, float) and np.isnan(v):
        return None
    return v


class Cases:
    def __init__(self):
        self.cases = []

    def add(self, name, m, feeds, error=False):
        path = os.path.join(HERE, f"{name}.onnx")
        data = m.SerializeToString()
        with open(path, "wb") as f:
            f.write(data)
        inputs = []
        ort_feeds = {}
        for vi in m.graph.input:
            values = feeds[vi.name]
            elem = vi.type.tensor_type.elem_type
            if elem == TensorProto.FLOAT:
                arr = np.asarray(values, dtype=np.float32).reshape(-1, 1)
                kind = "float"
                js = [to_json_value(float(v)) for v in arr[:, 0]]
            elif elem == TensorProto.INT64:
                arr = np.asarray(values, dtype=np.int64).reshape(-1, 1)
                kind = "int64"
                js = [int(v) for v in arr[:, 0]]
            else:
                arr = np.asarray(values, dtype=object).reshape(-1, 1)
                kind = "string"
                js = [str(v) for v in arr[:, 0]]
            ort_feeds[vi.name] = arr
            inputs.append({"name": vi.name, "type": kind, "values": js})
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        sess = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])
        outputs = {}
        if error:
            try:
                sess.run(None, ort_feeds)
            except Exception:  # noqa: BLE001 - ONNX Runtime refusing is the point
                pass
            else:
                raise AssertionError(f"{name}: ONNX Runtime accepted the input")
        else:
            names = [o.name for o in sess.get_outputs()]
            for n, v in zip(names, sess.run(None, ort_feeds)):
                v = np.asarray(v)
                if v.dtype.kind not in "fi":
                    continue
                flat = v.reshape(v.shape[0], -1).astype(np.float64)
                outputs[n] = {
                    "width": int(flat.shape[1]),
                    "values": [to_json_value(float(x)) for x in flat.reshape(-1)],
                }
        self.cases.append(
            {"name": name, "file": f"{name}.onnx", "inputs": inputs, "outputs": outputs, "error": error}
        )


def random_floats(rng, k, nan_rate=0.0):
    x = rng.normal(size=(ROWS, k)).astype(np.float32)
    if nan_rate:
        x[rng.random(size=x.shape) < nan_rate] = np.nan
    return x


def feeds_of(names, x):
    return {n: x[:, i] for i, n in enumerate(names)}


# ---------------------------------------------------------------- simple ops


def scaler_cases(c, rng):
    names, ins = float_inputs(3)
    offset = rng.normal(size=3).astype(np.float32).tolist()
    scale = (1.0 / rng.uniform(0.1, 3.0, size=3)).astype(np.float32).tolist()
    m = model(
        [concat(names), helper.make_node("Scaler", ["X"], ["Y"], domain=ML, offset=offset, scale=scale)],
        ins,
        [out("Y", ["N", 3])],
    )
    c.add("scaler", m, feeds_of(names, random_floats(rng, 3) * 100))
    m = model(
        [concat(names), helper.make_node("Scaler", ["X"], ["Y"], domain=ML, offset=[0.5], scale=[3.0])],
        ins,
        [out("Y", ["N", 3])],
    )
    c.add("scaler_scalar", m, feeds_of(names, random_floats(rng, 3)))


def normalizer_cases(c, rng):
    names, ins = float_inputs(4)
    x = random_floats(rng, 4)
    x[0] = 0.0
    x[1] = [-1.0, -2.0, -3.0, -4.0]
    for norm in ["MAX", "L1", "L2"]:
        m = model(
            [concat(names), helper.make_node("Normalizer", ["X"], ["Y"], domain=ML, norm=norm)],
            ins,
            [out("Y", ["N", 4])],
        )
        c.add(f"normalizer_{norm.lower()}", m, feeds_of(names, x))


def binarizer_cases(c, rng):
    names, ins = float_inputs(3)
    x = random_floats(rng, 3)
    x[0] = [0.25, 0.2500001, 0.2499999]
    m = model(
        [concat(names), helper.make_node("Binarizer", ["X"], ["Y"], domain=ML, threshold=0.25)],
        ins,
        [out("Y", ["N", 3])],
    )
    c.add("binarizer", m, feeds_of(names, x))


def one_hot_cases(c, rng):
    cats = ["AMEX", "CB", "VISA"]
    values = rng.choice(cats + ["BITCOIN", ""], size=ROWS).tolist()
    m = model(
        [helper.make_node("OneHotEncoder", ["s"], ["Y"], domain=ML, cats_strings=cats, zeros=1)],
        [col("s", TensorProto.STRING)],
        [out("Y", ["N", 1, 3])],
    )
    c.add("one_hot_strings", m, {"s": values})
    ints = [3, 7, 11, 42]
    known = rng.choice(ints, size=ROWS).tolist()
    m = model(
        [helper.make_node("OneHotEncoder", ["i"], ["Y"], domain=ML, cats_int64s=ints, zeros=0)],
        [col("i", TensorProto.INT64)],
        [out("Y", ["N", 1, 4])],
    )
    c.add("one_hot_ints", m, {"i": known})
    c.add("one_hot_ints_unknown", m, {"i": known[:-1] + [5]}, error=True)


def label_encoder_cases(c, rng):
    keys = ["apple", "banana", "cherry"]
    values = rng.choice(keys + ["durian"], size=ROWS).tolist()
    # opset 2: string -> int64, then Cast so the output is a float tensor.
    m = model(
        [
            helper.make_node(
                "LabelEncoder", ["s"], ["E"], domain=ML,
                keys_strings=keys, values_int64s=[10, 20, 30], default_int64=-1,
            ),
            helper.make_node("Cast", ["E"], ["Y"], to=TensorProto.FLOAT),
        ],
        [col("s", TensorProto.STRING)],
        [out("Y", ["N", 1])],
        ml_opset=2,
    )
    c.add("label_encoder_string_int", m, {"s": values})
    # opset 2: string -> float.
    m = model(
        [
            helper.make_node(
                "LabelEncoder", ["s"], ["Y"], domain=ML,
                keys_strings=keys, values_floats=[0.5, 1.5, 2.5], default_float=-7.0,
            ),
        ],
        [col("s", TensorProto.STRING)],
        [out("Y", ["N", 1])],
        ml_opset=2,
    )
    c.add("label_encoder_string_float", m, {"s": values})
    # opset 2: int64 -> string, then a OneHotEncoder to get floats out.
    m = model(
        [
            helper.make_node(
                "LabelEncoder", ["i"], ["S"], domain=ML,
                keys_int64s=[1, 2, 3], values_strings=["a", "b", "c"], default_string="z",
            ),
            helper.make_node("OneHotEncoder", ["S"], ["Y"], domain=ML, cats_strings=["a", "b", "c", "z"]),
        ],
        [col("i", TensorProto.INT64)],
        [out("Y", ["N", 1, 4])],
        ml_opset=2,
    )
    c.add("label_encoder_int_string", m, {"i": rng.integers(0, 5, size=ROWS).tolist()})
    # opset 2: float -> int64.
    m = model(
        [
            helper.make_node(
                "LabelEncoder", ["f"], ["E"], domain=ML,
                keys_floats=[0.5, 1.0, -2.0], values_int64s=[1, 2, 3], default_int64=0,
            ),
            helper.make_node("Cast", ["E"], ["Y"], to=TensorProto.FLOAT),
        ],
        [col("f")],
        [out("Y", ["N", 1])],
        ml_opset=2,
    )
    c.add("label_encoder_float_int", m, {"f": rng.choice([0.5, 1.0, -2.0, 3.0], size=ROWS).tolist()})
    # opset 1: string -> int64 index in classes_strings.
    m = model(
        [
            helper.make_node(
                "LabelEncoder", ["s"], ["E"], domain=ML, classes_strings=keys, default_int64=-1,
            ),
            helper.make_node("Cast", ["E"], ["Y"], to=TensorProto.FLOAT),
        ],
        [col("s", TensorProto.STRING)],
        [out("Y", ["N", 1])],
        ml_opset=1,
    )
    c.add("label_encoder_v1_string_int", m, {"s": values})


# ---------------------------------------------------------------- linear models


def linear_cases(c, rng):
    names, ins = float_inputs(4)
    x = random_floats(rng, 4) * 2
    for post in ["NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT"]:
        k = 3
        coef = rng.normal(size=k * 4).astype(np.float32).tolist()
        inter = rng.normal(size=k).astype(np.float32).tolist()
        xx = x.copy()
        if post == "PROBIT":
            # PROBIT expects scores in (0, 1).
            coef = (np.abs(np.asarray(coef, dtype=np.float32)) * 0.01).tolist()
            inter = [0.2, 0.5, 0.7]
            xx = np.abs(x)
        m = model(
            [
                concat(names),
                helper.make_node(
                    "LinearClassifier", ["X"], ["label", "P"], domain=ML,
                    coefficients=coef, intercepts=inter, classlabels_strings=["a", "b", "c"],
                    post_transform=post, multi_class=1,
                ),
            ],
            ins,
            [out("label", ["N"], TensorProto.STRING), out("P", ["N", k])],
        )
        c.add(f"linear_classifier_{post.lower()}", m, feeds_of(names, xx))
    # Binary with a single score column (ONNX Runtime adds the second class).
    for post in ["NONE", "LOGISTIC"]:
        m = model(
            [
                concat(names),
                helper.make_node(
                    "LinearClassifier", ["X"], ["label", "P"], domain=ML,
                    coefficients=rng.normal(size=4).astype(np.float32).tolist(),
                    intercepts=[0.3], classlabels_ints=[0, 1], post_transform=post,
                ),
            ],
            ins,
            [out("label", ["N"], TensorProto.INT64), out("P", ["N", 2])],
        )
        c.add(f"linear_classifier_binary_{post.lower()}", m, feeds_of(names, x))
    # Binary with two score columns (skl2onnx's logistic regression).
    w = rng.normal(size=4).astype(np.float32)
    m = model(
        [
            concat(names),
            helper.make_node(
                "LinearClassifier", ["X"], ["label", "P"], domain=ML,
                coefficients=np.concatenate([-w, w]).tolist(), intercepts=[0.4, -0.4],
                classlabels_ints=[0, 1], post_transform="LOGISTIC",
            ),
        ],
        ins,
        [out("label", ["N"], TensorProto.INT64), out("P", ["N", 2])],
    )
    c.add("linear_classifier_binary_two_columns", m, feeds_of(names, x))
    # Regressor with two targets.
    for post in ["NONE", "LOGISTIC"]:
        m = model(
            [
                concat(names),
                helper.make_node(
                    "LinearRegressor", ["X"], ["Y"], domain=ML,
                    coefficients=rng.normal(size=8).astype(np.float32).tolist(),
                    intercepts=[1.5, -2.5], targets=2, post_transform=post,
                ),
            ],
            ins,
            [out("Y", ["N", 2])],
        )
        c.add(f"linear_regressor_{post.lower()}", m, feeds_of(names, x))


# ---------------------------------------------------------------- tree ensembles


MODES = ["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ"]


def random_forest(rng, n_trees, depth, n_features, n_outputs, modes, missing_rate, weight_fn, leaf_prob=0.15,
                  classes_per_leaf=None, single_class=None):
    """Random trees as ONNX attribute lists; leaves may stop early (unbalanced trees)."""
    a = {k: [] for k in [
        "nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_values", "nodes_modes",
        "nodes_truenodeids", "nodes_falsenodeids", "nodes_missing_value_tracks_true", "nodes_hitrates",
    ]}
    leaves = {"treeids": [], "nodeids": [], "ids": [], "weights": []}
    for t in range(n_trees):
        counter = [0]

        def build(d):
            node_id = counter[0]
            counter[0] += 1
            a["nodes_treeids"].append(t)
            a["nodes_nodeids"].append(node_id)
            a["nodes_hitrates"].append(1.0)
            is_leaf = d == depth or (d > 0 and rng.random() < leaf_prob)
            if is_leaf:
                a["nodes_featureids"].append(0)
                a["nodes_values"].append(0.0)
                a["nodes_modes"].append("LEAF")
                a["nodes_truenodeids"].append(0)
                a["nodes_falsenodeids"].append(0)
                a["nodes_missing_value_tracks_true"].append(0)
                if single_class is not None:
                    targets = [single_class]
                elif classes_per_leaf is None:
                    targets = list(range(n_outputs))
                else:
                    targets = sorted(rng.choice(n_outputs, size=classes_per_leaf, replace=False).tolist())
                for cls in targets:
                    leaves["treeids"].append(t)
                    leaves["nodeids"].append(node_id)
                    leaves["ids"].append(int(cls))
                    leaves["weights"].append(float(weight_fn()))
                return node_id
            idx = len(a["nodes_modes"])
            mode = modes[rng.integers(len(modes))]
            a["nodes_featureids"].append(int(rng.integers(n_features)))
            if mode in ("BRANCH_EQ", "BRANCH_NEQ"):
                a["nodes_values"].append(float(rng.integers(-1, 2)))
            else:
                a["nodes_values"].append(float(np.float32(rng.normal())))
            a["nodes_modes"].append(mode)
            a["nodes_missing_value_tracks_true"].append(int(rng.random() < missing_rate))
            a["nodes_truenodeids"].append(-1)
            a["nodes_falsenodeids"].append(-1)
            true_id = build(d + 1)
            false_id = build(d + 1)
            a["nodes_truenodeids"][idx] = true_id
            a["nodes_falsenodeids"][idx] = false_id
            return node_id

        build(0)
    return a, leaves


def tree_inputs(rng, k, nan_rate, integer_values=False):
    x = random_floats(rng, k, nan_rate)
    if integer_values:
        x = np.where(np.isnan(x), x, np.round(x))
    return x


def tree_classifier_case(c, rng, name, n_classes, labels, n_trees, depth, modes=("BRANCH_LEQ",), missing=0.0,
                         post="NONE", base=None, weight_fn=None, classes_per_leaf=None, single_class=None,
                         nan_rate=0.0, n_features=5, leaf_prob=0.15):
    weight_fn = weight_fn or (lambda: rng.normal())
    a, leaves = random_forest(rng, n_trees, depth, n_features, n_classes, list(modes), missing, weight_fn,
                              leaf_prob=leaf_prob, classes_per_leaf=classes_per_leaf, single_class=single_class)
    attrs = dict(a)
    attrs.update({f"class_{k}": v for k, v in leaves.items()})
    attrs["post_transform"] = post
    if isinstance(labels[0], str):
        attrs["classlabels_strings"] = labels
        label_type = TensorProto.STRING
    else:
        attrs["classlabels_int64s"] = labels
        label_type = TensorProto.INT64
    if base is not None:
        attrs["base_values"] = base
    names, ins = float_inputs(n_features)
    m = model(
        [concat(names), helper.make_node("TreeEnsembleClassifier", ["X"], ["label", "P"], domain=ML, **attrs)],
        ins,
        [out("label", ["N"], label_type), out("P", ["N", len(labels)])],
    )
    exact = any(mode in ("BRANCH_EQ", "BRANCH_NEQ") for mode in modes)
    c.add(name, m, feeds_of(names, tree_inputs(rng, n_features, nan_rate, exact)))
    return m


def tree_regressor_case(c, rng, name, n_targets, n_trees, depth, aggregate="SUM", base=None, post="NONE",
                        modes=("BRANCH_LEQ",), missing=0.0, nan_rate=0.0, classes_per_leaf=None, leaf_prob=0.15):
    a, leaves = random_forest(rng, n_trees, depth, 5, n_targets, list(modes), missing, lambda: rng.normal() * 10,
                              leaf_prob=leaf_prob, classes_per_leaf=classes_per_leaf)
    attrs = dict(a)
    attrs.update({f"target_{k}": v for k, v in leaves.items()})
    attrs["n_targets"] = n_targets
    attrs["aggregate_function"] = aggregate
    attrs["post_transform"] = post
    if base is not None:
        attrs["base_values"] = base
    names, ins = float_inputs(5)
    m = model(
        [concat(names), helper.make_node("TreeEnsembleRegressor", ["X"], ["Y"], domain=ML, **attrs)],
        ins,
        [out("Y", ["N", n_targets])],
    )
    c.add(name, m, feeds_of(names, tree_inputs(rng, 5, nan_rate)))


def tree_cases(c, rng):
    pos = lambda: rng.uniform(0, 0.1)  # noqa: E731
    # Binary, one score per leaf (class id 0), as skl2onnx writes them.
    tree_classifier_case(c, rng, "trees_binary_forest", 2, [0, 1], 20, 5, weight_fn=pos, single_class=0)
    tree_classifier_case(c, rng, "trees_binary_boosting", 2, ["no", "yes"], 30, 3, post="LOGISTIC",
                         base=[-0.4], single_class=0)
    tree_classifier_case(c, rng, "trees_binary_boosting_no_base", 2, [0, 1], 30, 3, post="LOGISTIC",
                         single_class=0)
    tree_classifier_case(c, rng, "trees_binary_raw", 2, [0, 1], 10, 3, single_class=0)
    tree_classifier_case(c, rng, "trees_binary_positive_logistic", 2, [0, 1], 10, 3, weight_fn=pos,
                         post="LOGISTIC", single_class=0)
    tree_classifier_case(c, rng, "trees_binary_two_bases", 2, [0, 1], 10, 3, weight_fn=pos,
                         base=[0.1, 0.2], single_class=0)
    tree_classifier_case(c, rng, "trees_binary_two_bases_logistic", 2, [0, 1], 10, 3,
                         base=[0.1, 0.2], single_class=0, post="LOGISTIC")
    tree_classifier_case(c, rng, "trees_binary_class1", 2, [0, 1], 10, 3, weight_fn=pos, single_class=1)
    # Binary with both class ids: scored like multiclass.
    tree_classifier_case(c, rng, "trees_binary_two_ids", 2, [0, 1], 10, 4, weight_fn=pos)
    # Multiclass.
    tree_classifier_case(c, rng, "trees_multiclass_forest", 3, ["a", "b", "c"], 25, 4, weight_fn=pos)
    tree_classifier_case(c, rng, "trees_multiclass_softmax", 4, [1, 2, 3, 4], 20, 3, post="SOFTMAX",
                         base=[0.1, -0.2, 0.3, 0.0])
    tree_classifier_case(c, rng, "trees_multiclass_sparse_leaves", 4, [1, 2, 3, 4], 12, 4, post="SOFTMAX",
                         classes_per_leaf=2)
    tree_classifier_case(c, rng, "trees_multiclass_logistic", 3, [0, 1, 2], 10, 3, post="LOGISTIC")
    tree_classifier_case(c, rng, "trees_multiclass_softmax_zero", 3, [0, 1, 2], 6, 3, post="SOFTMAX_ZERO",
                         classes_per_leaf=1)
    # Every comparison mode, NaN inputs, missing values tracking true.
    for mode in MODES:
        tree_classifier_case(c, rng, f"trees_mode_{mode.lower()}", 3, [0, 1, 2], 8, 4, modes=(mode,),
                             missing=0.5, nan_rate=0.1, weight_fn=pos)
    # One mode and one NaN rule per ensemble: the padded layout with each of its predicates.
    for mode in ["BRANCH_LT", "BRANCH_GTE", "BRANCH_GT"]:
        for missing in (0, 1):
            tree_classifier_case(c, rng, f"trees_uniform_{mode.lower()}_{missing}", 3, [0, 1, 2], 8, 4,
                                 modes=(mode,), missing=float(missing), nan_rate=0.1, weight_fn=pos)
    tree_classifier_case(c, rng, "trees_mixed_modes", 3, [0, 1, 2], 15, 5, modes=MODES, missing=0.3,
                         nan_rate=0.1, weight_fn=pos)
    tree_classifier_case(c, rng, "trees_leq_nan", 2, [0, 1], 15, 5, missing=0.0, nan_rate=0.2, weight_fn=pos,
                         single_class=0)
    # Deep trees: beyond the padded layout.
    tree_classifier_case(c, rng, "trees_deep", 3, [0, 1, 2], 6, 16, weight_fn=pos, nan_rate=0.05,
                         leaf_prob=0.36)
    # Regressors.
    tree_regressor_case(c, rng, "trees_regressor_sum", 1, 30, 5, base=[100.0])
    tree_regressor_case(c, rng, "trees_regressor_average", 2, 20, 4, aggregate="AVERAGE", base=[1.0, 2.0])
    tree_regressor_case(c, rng, "trees_regressor_min", 2, 10, 3, aggregate="MIN")
    tree_regressor_case(c, rng, "trees_regressor_max", 1, 10, 3, aggregate="MAX", base=[0.5])
    tree_regressor_case(c, rng, "trees_regressor_logistic", 1, 10, 3, post="LOGISTIC")
    tree_regressor_case(c, rng, "trees_regressor_modes", 1, 12, 4, modes=MODES, missing=0.4, nan_rate=0.1)
    tree_regressor_case(c, rng, "trees_regressor_deep", 1, 6, 18, leaf_prob=0.36)


def zipmap_cases(c, rng):
    names, ins = float_inputs(3)
    coef = rng.normal(size=9).astype(np.float32).tolist()
    m = model(
        [
            concat(names),
            helper.make_node(
                "LinearClassifier", ["X"], ["label", "probabilities"], domain=ML,
                coefficients=coef, intercepts=[0.0, 0.1, 0.2], classlabels_strings=["x", "y", "z"],
                post_transform="SOFTMAX", multi_class=1,
            ),
            helper.make_node("ZipMap", ["probabilities"], ["output_probability"], domain=ML,
                             classlabels_strings=["x", "y", "z"]),
        ],
        ins,
        [
            out("label", ["N"], TensorProto.STRING),
            helper.make_value_info(
                "output_probability",
                helper.make_sequence_type_proto(helper.make_map_type_proto(TensorProto.STRING,
                                                                           helper.make_tensor_type_proto(
                                                                               TensorProto.FLOAT, []))),
            ),
        ],
    )
    x = random_floats(rng, 3)
    c.add("zipmap", m, feeds_of(names, x))
    # ONNX Runtime's probabilities before the ZipMap, for the test to compare with.
    nozip = onnx.ModelProto()
    nozip.CopyFrom(m)
    del nozip.graph.node[-1]
    del nozip.graph.output[-1]
    nozip.graph.output.append(out("probabilities", ["N", 3]))
    c.add("zipmap_reference", nozip, feeds_of(names, x))


def unsupported_cases(c, rng):
    names, ins = float_inputs(2)
    m = model(
        [
            concat(names),
            helper.make_node(
                "SVMRegressor", ["X"], ["Y"], domain=ML, coefficients=[1.0, 2.0], kernel_type="LINEAR",
                n_supports=1, support_vectors=[0.5, 0.5], rho=[0.0], kernel_params=[0.1, 0.0, 3.0],
                post_transform="NONE", one_class=0,
            ),
        ],
        ins,
        [out("Y", ["N", 1])],
    )
    c.add("unsupported_svm", m, feeds_of(names, random_floats(rng, 2)))


def main():
    rng = np.random.default_rng(20261122)
    c = Cases()
    scaler_cases(c, rng)
    normalizer_cases(c, rng)
    binarizer_cases(c, rng)
    one_hot_cases(c, rng)
    label_encoder_cases(c, rng)
    linear_cases(c, rng)
    tree_cases(c, rng)
    zipmap_cases(c, rng)
    unsupported_cases(c, rng)
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        # One case per line: small diffs, readable enough.
        f.write('{"generator": "host/engines/onnx/tests/ops/make_cases.py", "cases": [\n')
        f.write(",\n".join(json.dumps(case, separators=(",", ":")) for case in c.cases))
        f.write("\n]}\n")
    print(f"{len(c.cases)} cases")


if __name__ == "__main__":
    main()
