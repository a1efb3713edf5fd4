#!/usr/bin/env python3
"""Retrains the cancer_svc example model in scikit-learn and saves it for MLServer's sklearn runtime.

    train_model.py EXPECTED_JSON OUT_DIR

MLServer has no ONNX runtime of its own (its runtimes are sklearn, xgboost, lightgbm, mlflow,
huggingface...), so MLServer serves the scikit-learn pipeline that models/export.py exported to
ONNX for Plinth: the same data (load_breast_cancer, 1 = malignant), the same split
(train_test_split(test_size=0.25, random_state=42, stratified)) and the same estimator
(GradientBoostingClassifier(n_estimators=100, max_depth=3, learning_rate=0.1, random_state=42)
behind a passthrough ColumnTransformer, so it takes named columns like Plinth's features).
The script checks that the pipeline reproduces the ONNX reference probabilities of
models/cancer_trees/expected.json before writing OUT_DIR/model.joblib and model-settings.json.
"""

import json
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

SEED = 42


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    expected = json.loads(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2])
    ds = load_breast_cancer(as_frame=True)
    X, y = ds.data.copy(), (1 - ds.target).astype(np.int64)
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.25, random_state=SEED, stratify=y)
    pipe = Pipeline([
        ("columns", ColumnTransformer([("num", "passthrough", list(X.columns))], remainder="drop")),
        ("model", GradientBoostingClassifier(n_estimators=100, max_depth=3, learning_rate=0.1,
                                             random_state=SEED)),
    ])
    pipe.fit(X_train, y_train)

    cases = [c for c in expected["cases"] if all(v is not None for v in c["features"].values())]
    frame = pd.DataFrame([c["features"] for c in cases])[list(X.columns)].astype(np.float32)
    got = pipe.predict_proba(frame.astype(np.float64))
    want = np.array([c["probabilities"] for c in cases], dtype=np.float64)
    worst = float(np.max(np.abs(got - want)))
    # ONNX computes in float32: allow float32 rounding, nothing more.
    if worst > 1e-4:
        sys.exit(f"retrained model differs from the ONNX export: max |dp| = {worst}")
    out.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipe, out / "model.joblib")
    (out / "model-settings.json").write_text(json.dumps({
        "name": "cancer",
        "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": {"uri": "./model.joblib", "version": "v1"},
    }, indent=2))
    print(f"cancer model retrained: {len(cases)} reference cases match the ONNX export "
          f"(max |dp| = {worst:.2e})")


if __name__ == "__main__":
    main()
