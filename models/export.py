#!/usr/bin/env python3
"""Train and export Plinth's example models to ONNX, with everything serving needs.

Run from the repository root (see models/README.md):

    models/build.sh

For each model this writes models/<name>/:
    model.onnx      the ONNX graph (skl2onnx, zipmap off, opsets '' 17 / ai.onnx.ml <= 3)
    model.json      schema and metadata for serving (fields documented in models/README.md)
    reference.csv   ~200 training rows, feature columns only (explanations, drift)
    expected.json   test rows with ONNX Runtime's outputs recorded at export time

Everything is deterministic: fixed seeds, data from scikit-learn or generated here.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
import sklearn
import skl2onnx
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType, Int64TensorType, StringTensorType
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.ensemble import (
    GradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, r2_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

SEED = 42
TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}
BATCH_DIM = "N"
MODELS_DIR = Path(__file__).resolve().parent
N_REFERENCE = 200
N_EXPECTED_TEST = 16  # plus the edge rows of each model, ~20 in all

# Feature type -> (ONNX tensor type class, ONNX element type name, numpy dtype)
TYPES = {
    "number": (FloatTensorType, "float", np.float32),
    "integer": (Int64TensorType, "int64", np.int64),
    "string": (StringTensorType, "string", object),
    # Booleans enter the graph as float 0.0 / 1.0 (skl2onnx has no usable bool input).
    "boolean": (FloatTensorType, "float", np.float32),
}


# --------------------------------------------------------------------------------------
# Data sets
# --------------------------------------------------------------------------------------


def cancer_data():
    """Breast cancer (Wisconsin diagnostic). Target relabelled so that 1 = malignant."""
    ds = load_breast_cancer(as_frame=True)
    X = ds.data.copy()
    y = (1 - ds.target).astype(np.int64)  # sklearn: 0 = malignant, 1 = benign
    return X, y


def iris_data():
    ds = load_iris(as_frame=True)
    X = ds.data.copy()
    y = pd.Series(np.asarray(ds.target_names)[ds.target], name="species")
    return X, y


def diabetes_data():
    """Diabetes, unscaled (age in years, sex 1/2, bmi, bp, s1..s6 serum measurements)."""
    ds = load_diabetes(as_frame=True, scaled=False)
    return ds.data.copy(), ds.target.copy()


PAYMENT_TYPES = {"CB": 0.0, "VISA": 0.05, "MASTERCARD": 0.1, "PAYPAL": -0.35, "AMEX": 0.45, "GIFT_CARD": 1.6}
PAYMENT_WEIGHTS = [0.42, 0.18, 0.14, 0.15, 0.07, 0.04]
UTM_MEDIUMS = {"organic": -0.45, "mailing": -0.2, "cpc": 0.05, "campaign": 0.3, "social": 0.55, "affiliate": 0.95}
UTM_WEIGHTS = [0.35, 0.2, 0.15, 0.15, 0.1, 0.05]
COUNTRIES = {"FR": 0.0, "DE": -0.1, "GB": 0.05, "ES": 0.1, "IT": 0.1, "US": 0.2, "BR": 0.7, "NG": 1.3, "RU": 0.9, "CN": 0.5}
COUNTRY_WEIGHTS = [0.40, 0.12, 0.10, 0.08, 0.08, 0.10, 0.04, 0.03, 0.03, 0.02]


def fraud_customers(rng: np.random.Generator) -> pd.DataFrame:
    """The customer dataset the serving side joins on customer_id (enrichment)."""
    n = 2500
    ids = np.arange(1000, 1000 + n, dtype=np.int64)  # contains 1235 and 2136 (seed examples)
    # Ids are allocated in order of sign-up: higher id, younger account (plus noise).
    age_days = np.clip(
        (3650 * (1 - (ids - 1000) / n) ** 1.3 + rng.normal(0, 60, n)).round(), 1, 3650
    ).astype(np.int64)
    country = rng.choice(list(COUNTRIES), size=n, p=COUNTRY_WEIGHTS)
    risky = np.array([COUNTRIES[c] for c in country])
    past_chargebacks = rng.poisson(0.08 + 0.25 * risky.clip(0)).astype(np.int64)
    email_verified = rng.random(n) < np.where(age_days > 60, 0.9, 0.55)
    return pd.DataFrame(
        {
            "customer_id": ids,
            "customer_age_days": age_days,
            "customer_country": country,
            "past_chargebacks": past_chargebacks,
            "email_verified": email_verified,
        }
    )


def fraud_transactions(rng: np.random.Generator, customers: pd.DataFrame, n: int = 12000):
    cust = customers.iloc[rng.integers(0, len(customers), n)].reset_index(drop=True)
    amount = np.round(np.exp(rng.normal(3.9, 1.0, n)), 2)
    payment = rng.choice(list(PAYMENT_TYPES), size=n, p=PAYMENT_WEIGHTS)
    utm = rng.choice(list(UTM_MEDIUMS), size=n, p=UTM_WEIGHTS)
    logit = (
        -3.3
        + 1.25 * (np.log(amount) - 3.9)
        + np.array([PAYMENT_TYPES[p] for p in payment])
        + np.array([UTM_MEDIUMS[u] for u in utm])
        + np.array([COUNTRIES[c] for c in cust["customer_country"]])
        + 1.3 * cust["past_chargebacks"].to_numpy()
        + 2.2 * np.exp(-cust["customer_age_days"].to_numpy() / 120.0)
        - 0.8 * cust["email_verified"].to_numpy()
    )
    fraud = rng.random(n) < 1 / (1 + np.exp(-logit))
    X = pd.DataFrame(
        {
            "transaction_amount": amount,
            "payment_type": payment,
            "utm_medium": utm,
            "customer_id": cust["customer_id"].to_numpy(),
            "customer_age_days": cust["customer_age_days"].to_numpy(),
            "customer_country": cust["customer_country"].to_numpy(),
            "past_chargebacks": cust["past_chargebacks"].to_numpy(),
            "email_verified": cust["email_verified"].to_numpy().astype(np.float64),
        }
    )
    y = pd.Series(np.where(fraud, "FRAUDULENT", "NOT_FRAUDULENT"), name="is_fraud")
    return X, y


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def json_value(v):
    """A Python value that json can write, keeping full float precision."""
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return float(v)
    return v


def to_feed(schema: list[dict], rows: pd.DataFrame) -> dict:
    """ONNX Runtime feed: one [N,1] tensor per feature, typed as the schema says."""
    feed = {}
    for f in schema:
        col = rows[f["name"]]
        dtype = TYPES[f["type"]][2]
        if f["type"] == "string":
            arr = col.astype(str).to_numpy(dtype=object)
        elif f["type"] == "boolean":
            arr = col.astype(float).to_numpy().astype(np.float32)
        else:
            arr = col.to_numpy().astype(dtype)
        feed[f["onnx_input"]] = arr.reshape(-1, 1)
    return feed


def name_batch_dims(model: onnx.ModelProto) -> None:
    """Give every unknown leading dimension of inputs and outputs the symbol N."""
    for vi in list(model.graph.input) + list(model.graph.output):
        dims = vi.type.tensor_type.shape.dim
        if len(dims) > 0 and not dims[0].HasField("dim_value"):
            dims[0].dim_param = BATCH_DIM


def dedupe_opsets(model: onnx.ModelProto) -> None:
    """skl2onnx may list a domain twice in opset_import; keep the highest version once."""
    best: dict[str, int] = {}
    for o in model.opset_import:
        best[o.domain] = max(best.get(o.domain, 0), o.version)
    del model.opset_import[:]
    for domain, version in sorted(best.items()):
        model.opset_import.append(onnx.helper.make_opsetid(domain, version))


def graph_ops(model: onnx.ModelProto) -> list[dict]:
    seen = []
    for node in model.graph.node:
        op = {"domain": node.domain or "ai.onnx", "op_type": node.op_type}
        if op not in seen:
            seen.append(op)
    return seen


def export_onnx(pipe: Pipeline, schema: list[dict], name: str, task: str) -> onnx.ModelProto:
    initial_types = [(f["name"], TYPES[f["type"]][0]([None, 1])) for f in schema]
    model = convert_sklearn(
        pipe,
        name=name,
        initial_types=initial_types,
        # Classifiers: tensor outputs label + probabilities (no ZipMap). Regressors have no
        # such option (their output is 'variable').
        options={"zipmap": False} if task != "regression" else None,
        target_opset=TARGET_OPSET,
    )
    # skl2onnx sanitises input names ("mean radius" -> "mean_radius"); inputs keep the order
    # of initial_types, so record the mapping feature -> ONNX input from the graph itself.
    assert len(model.graph.input) == len(schema), (name, [i.name for i in model.graph.input])
    for f, inp in zip(schema, model.graph.input):
        f["onnx_input"] = inp.name
        f["onnx_type"] = TYPES[f["type"]][1]
    name_batch_dims(model)
    dedupe_opsets(model)
    model.producer_name = "plinth-models (skl2onnx %s)" % skl2onnx.__version__
    model.doc_string = "Plinth example model %s, exported by models/export.py" % name
    onnx.checker.check_model(model)
    return model


def numeric_pipeline(columns: list[str], estimator, scale: bool) -> Pipeline:
    # A ColumnTransformer up front makes skl2onnx join the per-column inputs with a plain
    # Concat (a bare estimator with several inputs would get ai.onnx.ml FeatureVectorizer).
    ct = ColumnTransformer(
        [("num", StandardScaler() if scale else "passthrough", columns)], remainder="drop"
    )
    return Pipeline([("columns", ct), ("model", estimator)])


def percentile_cuts(p_pos: np.ndarray) -> list[float]:
    return [float(v) for v in np.percentile(p_pos.astype(np.float64), np.arange(1, 100))]


def importance(pipe, X: pd.DataFrame, y, task: str) -> dict:
    scoring = "r2" if task == "regression" else ("roc_auc" if task == "binary" else "accuracy")
    r = permutation_importance(pipe, X, y, scoring=scoring, n_repeats=10, random_state=SEED)
    raw = np.clip(r.importances_mean, 0, None)
    total = raw.sum()
    norm = raw / total if total > 0 else np.full(len(raw), 1 / len(raw))
    order = np.argsort(-norm, kind="stable")
    return {
        "method": "permutation importance on the held-out set (%s, 10 repeats, seed %d), "
        "negative values clipped to 0, normalised to sum 1" % (scoring, SEED),
        "values": {X.columns[i]: round(float(norm[i]), 6) for i in order},
    }


def feature_schema(X: pd.DataFrame, types: dict[str, str], source: dict[str, str] | None = None):
    schema = []
    for col in X.columns:
        t = types.get(col, "number")
        f = {"name": col, "type": t}
        if source:
            f["source"] = source.get(col, "request")
        s = X[col]
        if t == "string":
            counts = s.value_counts()
            f["categories"] = sorted(counts.index.tolist())
            f["missing"] = {"policy": "impute", "value": str(counts.index[0]),
                            "note": "most frequent training value"}
            f["unknown_category"] = "all_zero"
        elif t == "boolean":
            f["missing"] = {"policy": "impute", "value": bool(s.mode().iloc[0]),
                            "note": "most frequent training value"}
        elif t == "integer":
            f["min"], f["max"] = int(s.min()), int(s.max())
            f["missing"] = {"policy": "impute", "value": int(round(float(s.median()))),
                            "note": "training median"}
        else:
            f["min"], f["max"] = float(s.min()), float(s.max())
            f["missing"] = {"policy": "impute", "value": float(s.median()),
                            "note": "training median"}
        schema.append(f)
    return schema


def run_ort(model: onnx.ModelProto, schema, rows: pd.DataFrame):
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(None, to_feed(schema, rows))))


def write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


# --------------------------------------------------------------------------------------
# One model
# --------------------------------------------------------------------------------------


def build(
    name: str,
    title: str,
    task: str,
    pipe: Pipeline,
    X: pd.DataFrame,
    y,
    schema: list[dict],
    data_source: str,
    edge_rows: list[tuple[str, dict]],
    positive_class=None,
    extra: dict | None = None,
    stratify: bool = True,
):
    out = MODELS_DIR / name
    out.mkdir(parents=True, exist_ok=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=SEED, stratify=y if stratify else None
    )
    pipe.fit(X_train, y_train)
    model = export_onnx(pipe, schema, name, task)
    onnx_bytes = model.SerializeToString()
    (out / "model.onnx").write_bytes(onnx_bytes)

    outputs = [o.name for o in model.graph.output]
    res = run_ort(model, schema, X_test)

    # Sanity check: the ONNX graph agrees with scikit-learn on the held-out set.
    if task == "regression":
        diff = np.abs(pipe.predict(X_test) - res["variable"].reshape(-1)).max()
        assert diff < 1e-3 * max(1.0, float(np.abs(y_test).max())), (name, diff)
    else:
        diff = np.abs(pipe.predict_proba(X_test) - res["probabilities"]).max()
        assert diff < 1e-4, (name, diff)
        agree = (pipe.predict(X_test).astype(str) == res["label"].reshape(-1).astype(str)).mean()
        assert agree == 1.0, (name, agree)

    meta = {
        "name": name,
        "title": title,
        "task": task,
        "features": schema,
    }
    metrics = {}
    if task == "regression":
        value = res["variable"].reshape(-1).astype(np.float64)
        metrics["r2"] = round(float(r2_score(y_test, value)), 6)
        meta["target"] = {"name": y.name, "output": "variable"}
    else:
        classes = [json_value(c) for c in pipe.classes_]
        proba = res["probabilities"]
        labels = res["label"].reshape(-1)
        meta["classes"] = classes
        meta["class_type"] = "string" if isinstance(classes[0], str) else "integer"
        metrics["accuracy"] = round(float(accuracy_score(y_test.astype(str), labels.astype(str))), 6)
        if task == "binary":
            pos_index = classes.index(positive_class)
            meta["positive_class"] = positive_class
            meta["positive_index"] = pos_index
            meta["threshold"] = 0.5
            p_pos = proba[:, pos_index]
            y_pos = (np.asarray(y_test) == positive_class).astype(int)
            metrics["auc"] = round(float(roc_auc_score(y_pos, p_pos)), 6)
            meta["proba_percentiles"] = {
                "description": "1st..99th percentiles of P(positive_class) from ONNX Runtime on "
                "the held-out set; probaPercentile = 1 + count(cuts <= P(positive_class))",
                "n_rows": int(len(p_pos)),
                "cuts": percentile_cuts(p_pos),
            }
    meta["onnx"] = {
        "file": "model.onnx",
        "sha256": hashlib.sha256(onnx_bytes).hexdigest(),
        "bytes": len(onnx_bytes),
        "ir_version": int(model.ir_version),
        "opset": {o.domain or "ai.onnx": int(o.version) for o in model.opset_import},
        "batch_dim": BATCH_DIM,
        "outputs": {"label": "label", "probabilities": "probabilities"}
        if task != "regression"
        else {"value": "variable"},
        "output_types": {
            o.name: onnx.helper.tensor_dtype_to_np_dtype(o.type.tensor_type.elem_type).name
            if o.type.tensor_type.elem_type != onnx.TensorProto.STRING
            else "string"
            for o in model.graph.output
        },
        "ops": graph_ops(model),
    }
    assert set(meta["onnx"]["outputs"].values()) == set(outputs), outputs
    meta["feature_importance"] = importance(pipe, X_test, y_test, task)
    meta["training"] = {
        "data": data_source,
        "seed": SEED,
        "n_train": int(len(X_train)),
        "n_test": int(len(X_test)),
        "split": "train_test_split(test_size=0.25, random_state=%d%s)"
        % (SEED, ", stratified" if stratify else ""),
        "estimator": repr(pipe.named_steps["model"]),
        "metrics_held_out": metrics,
        "versions": {
            "python": sys.version.split()[0],
            "scikit-learn": sklearn.__version__,
            "skl2onnx": skl2onnx.__version__,
            "onnx": onnx.__version__,
            "onnxruntime": ort.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
    }
    meta["reference"] = {"file": "reference.csv", "rows": int(min(N_REFERENCE, len(X_train))),
                         "description": "random training rows (all of them when there are "
                         "fewer than %d), feature columns only" % N_REFERENCE}
    if extra:
        meta.update(extra)
    write_json(out / "model.json", meta)

    # Reference sample (training rows, feature columns, schema order).
    ref = X_train.sample(n=min(N_REFERENCE, len(X_train)), random_state=SEED)
    ref = ref[[f["name"] for f in schema]].copy()
    for f in schema:
        if f["type"] == "boolean":
            ref[f["name"]] = ref[f["name"]].astype(bool).map({True: "true", False: "false"})
    ref.to_csv(out / "reference.csv", index=False)  # floats as shortest round-trip repr

    # Expected outputs: held-out rows plus edge rows, scored by ONNX Runtime.
    sample = X_test.sample(n=min(N_EXPECTED_TEST, len(X_test)), random_state=SEED + 1)
    rows = [("held-out row %s" % idx, r.to_dict()) for idx, r in sample.iterrows()]
    rows += edge_rows
    frame = pd.DataFrame([r for _, r in rows], columns=X.columns)
    for f in schema:
        if f["type"] == "boolean":
            frame[f["name"]] = frame[f["name"]].astype(float)
    res = run_ort(model, schema, frame)
    cases = []
    for i, (note, r) in enumerate(rows):
        feats = {}
        for f in schema:
            v = r[f["name"]]
            if f["type"] == "boolean":
                v = bool(v)
            elif f["type"] == "integer":
                v = int(v)
            elif f["type"] == "number":
                v = float(v)
            feats[f["name"]] = json_value(v)
        case = {"note": note, "features": feats}
        if task == "regression":
            case["value"] = float(res["variable"].reshape(-1)[i])
        else:
            lab = res["label"].reshape(-1)[i]
            case["label"] = lab if isinstance(lab, str) else json_value(lab)
            case["probabilities"] = [float(p) for p in res["probabilities"][i]]
        cases.append(case)
    expected = {
        "model": name,
        "producer": "onnxruntime %s (Python, CPUExecutionProvider), inputs cast to the ONNX "
        "input types (float32 / int64 / string); outputs are the float32 values written "
        "as exact doubles" % ort.__version__,
        "tolerance": 1e-5,
        "task": task,
        "outputs": meta["onnx"]["outputs"],
        "classes": meta.get("classes"),
        "cases": cases,
    }
    write_json(out / "expected.json", expected)
    size = len(onnx_bytes)
    print(f"{name:16s} {task:10s} onnx {size/1024:7.1f} KB  {metrics}  ops="
          + ",".join(o["op_type"] for o in meta["onnx"]["ops"]))
    return pipe, model


# --------------------------------------------------------------------------------------
# The catalogue
# --------------------------------------------------------------------------------------


def numeric_edges(X: pd.DataFrame) -> list[tuple[str, dict]]:
    lo = {c: float(X[c].min()) for c in X.columns}
    hi = {c: float(X[c].max()) for c in X.columns}
    med = {c: float(X[c].median()) for c in X.columns}
    zero = {c: 0.0 for c in X.columns}
    big = {c: float(X[c].max()) * 10 for c in X.columns}
    neg = {c: -1.0 for c in X.columns}
    return [
        ("edge: training minimum of every feature", lo),
        ("edge: training maximum of every feature", hi),
        ("edge: training median of every feature", med),
        ("edge: all zeros", zero),
        ("edge: ten times the training maximum", big),
        ("edge: all -1 (out of range)", neg),
    ]


def main() -> None:
    os.environ.setdefault("PYTHONHASHSEED", "0")
    np.random.seed(SEED)
    built = []

    # Breast cancer, binary -------------------------------------------------------------
    X, y = cancer_data()
    y.name = "malignant"
    cancer_source = ("scikit-learn load_breast_cancer (UCI Breast Cancer Wisconsin (Diagnostic), "
                     "CC BY 4.0); target relabelled 1 = malignant, 0 = benign")
    cancer_extra = {"class_names": {"0": "benign", "1": "malignant"}}
    schema = feature_schema(X, {})
    build("cancer_logreg", "Breast cancer: logistic regression on standardised features",
          "binary", numeric_pipeline(list(X.columns), LogisticRegression(max_iter=5000), True),
          X, y, schema, cancer_source, numeric_edges(X), positive_class=1, extra=cancer_extra)
    built.append("cancer_logreg")

    schema = feature_schema(X, {})
    build("cancer_trees", "Breast cancer: gradient boosting (100 trees, depth 3)",
          "binary", numeric_pipeline(list(X.columns), GradientBoostingClassifier(
              n_estimators=100, max_depth=3, learning_rate=0.1, random_state=SEED), False),
          X, y, schema, cancer_source, numeric_edges(X), positive_class=1, extra=cancer_extra)
    built.append("cancer_trees")

    schema = feature_schema(X, {})
    build("cancer_forest", "Breast cancer: random forest (100 trees, depth <= 6)",
          "binary", numeric_pipeline(list(X.columns), RandomForestClassifier(
              n_estimators=100, max_depth=6, random_state=SEED, n_jobs=1), False),
          X, y, schema, cancer_source, numeric_edges(X), positive_class=1, extra=cancer_extra)
    built.append("cancer_forest")

    # Iris, multiclass with string labels -------------------------------------------------
    X, y = iris_data()
    iris_source = "scikit-learn load_iris (Fisher's Iris data, UCI, CC BY 4.0)"
    schema = feature_schema(X, {})
    build("iris", "Iris: multinomial logistic regression on standardised features, string labels",
          "multiclass", numeric_pipeline(list(X.columns), LogisticRegression(max_iter=2000), True),
          X, y, schema, iris_source, numeric_edges(X))
    built.append("iris")

    schema = feature_schema(X, {})
    build("iris_forest", "Iris: random forest (50 trees, depth <= 4), string labels",
          "multiclass", numeric_pipeline(list(X.columns), RandomForestClassifier(
              n_estimators=50, max_depth=4, random_state=SEED, n_jobs=1), False),
          X, y, schema, iris_source, numeric_edges(X))
    built.append("iris_forest")

    # Diabetes, regression ---------------------------------------------------------------
    X, y = diabetes_data()
    y.name = "disease_progression"
    diabetes_source = ("scikit-learn load_diabetes(scaled=False) (Efron et al. 2004, "
                       "'Least Angle Regression', distributed with scikit-learn, BSD-3-Clause)")
    schema = feature_schema(X, {})
    build("diabetes", "Diabetes progression: linear regression", "regression",
          numeric_pipeline(list(X.columns), LinearRegression(), False),
          X, y, schema, diabetes_source, numeric_edges(X), stratify=False)
    built.append("diabetes")

    schema = feature_schema(X, {})
    build("diabetes_forest", "Diabetes progression: random forest regressor (100 trees, depth <= 6)",
          "regression", numeric_pipeline(list(X.columns), RandomForestRegressor(
              n_estimators=100, max_depth=6, random_state=SEED, n_jobs=1), False),
          X, y, schema, diabetes_source, numeric_edges(X), stratify=False)
    built.append("diabetes_forest")

    # Fraud, mixed inputs + enrichment ---------------------------------------------------
    rng = np.random.default_rng(SEED)
    customers = fraud_customers(rng)
    X, y = fraud_transactions(rng, customers)
    types = {
        "transaction_amount": "number",
        "payment_type": "string",
        "utm_medium": "string",
        "customer_id": "integer",
        "customer_age_days": "integer",
        "customer_country": "string",
        "past_chargebacks": "integer",
        "email_verified": "boolean",
    }
    enriched = ["customer_age_days", "customer_country", "past_chargebacks", "email_verified"]
    source = {c: ("enrichment" if c in enriched else "request") for c in X.columns}
    schema = feature_schema(X, types, source)
    for f in schema:
        if f["name"] == "customer_id":
            f["missing"] = {"policy": "error", "note": "lookup key of the customer enrichment"}
    categorical = ["payment_type", "utm_medium", "customer_country"]
    numeric = ["transaction_amount", "customer_id", "customer_age_days", "past_chargebacks",
               "email_verified"]
    ct = ColumnTransformer(
        [
            ("num", "passthrough", numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
        ],
        remainder="drop",
    )
    pipe = Pipeline([("columns", ct), ("model", GradientBoostingClassifier(
        n_estimators=100, max_depth=3, learning_rate=0.1, random_state=SEED))])

    cust = customers.set_index("customer_id")

    def tx(cid, amount, payment, utm):
        c = cust.loc[cid]
        return {
            "transaction_amount": amount, "payment_type": payment, "utm_medium": utm,
            "customer_id": cid, "customer_age_days": int(c.customer_age_days),
            "customer_country": c.customer_country, "past_chargebacks": int(c.past_chargebacks),
            "email_verified": float(bool(c.email_verified)),
        }

    risky_cid = int(customers.sort_values(["past_chargebacks", "customer_age_days"],
                                          ascending=[False, True]).customer_id.iloc[0])
    edges = [
        ("seed example request (customer 2136)", tx(2136, 233.33, "CB", "campaign")),
        ("seed predict-multi second item (customer 1235)", tx(1235, 2.17, "CB", "mailing")),
        ("edge: unknown payment_type and utm_medium (one-hot all zero)",
         tx(2136, 233.33, "BITCOIN", "tiktok")),
        ("edge: zero amount", tx(1500, 0.0, "PAYPAL", "organic")),
        ("edge: very large amount, gift card, affiliate", tx(3400, 25000.0, "GIFT_CARD", "affiliate")),
        ("edge: riskiest customer, amex, social", tx(risky_cid, 980.5, "AMEX", "social")),
    ]
    customers_out = customers.copy()
    customers_out["email_verified"] = customers_out["email_verified"].map({True: "true", False: "false"})
    (MODELS_DIR / "fraud").mkdir(exist_ok=True)
    customers_out.to_csv(MODELS_DIR / "fraud" / "customers.csv", index=False)
    fraud_source = ("synthetic, generated by models/export.py (seed %d): 2,500 customers, "
                    "12,000 transactions with a logistic fraud signal on amount, payment type, "
                    "utm medium, country, past chargebacks, account age, e-mail verification" % SEED)
    extra = {
        "enrichment": {
            "description": "features with source 'enrichment' are looked up by customer_id in "
            "customers.csv (one row per customer) before scoring",
            "dataset": "customers.csv",
            "key": {"feature": "customer_id", "column": "customer_id"},
            "columns": enriched,
            "rows": int(len(customers)),
        },
        "ignored_request_fields": ["user-agent"],
    }
    build("fraud", "Card fraud: one-hot + gradient boosting (100 trees, depth 3), "
          "customer features by enrichment", "binary", pipe, X, y, schema, fraud_source, edges,
          positive_class="FRAUDULENT", extra=extra)
    built.append("fraud")

    # Request-only view of the fraud cases: what a client sends; enrichment fills the rest.
    exp_path = MODELS_DIR / "fraud" / "expected.json"
    exp = json.loads(exp_path.read_text())
    for case in exp["cases"]:
        case["request"] = {k: case["features"][k] for k in
                           ["customer_id", "transaction_amount", "payment_type", "utm_medium"]}
    exp["cases"][-6]["request"]["user-agent"] = "Mozilla/5.0 (Chrome)"
    exp["cases"][-5]["request"]["user-agent"] = "Mozilla/5.0 (Chrome)"
    exp["request_note"] = ("'request' is what a client sends (the seed's example rows keep their "
                           "'user-agent', which is not a model input); the other features come "
                           "from customers.csv by customer_id")
    write_json(exp_path, exp)

    index = {"models": built, "generator": "models/export.py", "seed": SEED}
    write_json(MODELS_DIR / "index.json", index)


if __name__ == "__main__":
    main()
