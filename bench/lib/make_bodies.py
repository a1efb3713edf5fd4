#!/usr/bin/env python3
"""Writes the request bodies of the predict scenarios, for Plinth and for MLServer, from the same rows.

    make_bodies.py REFERENCE_CSV OUT_DIR

Rows come from the model's reference.csv (numeric features), cycled up to 1000 records.
Plinth: the Dataiku user API (`features`, `items`, `explanations`). MLServer: the V2 inference
protocol with the pandas codec (one named input per column, like Plinth's named features),
asking for `predict` and `predict_proba` (Plinth answers the label and the probabilities).
"""

import csv
import json
import sys
from pathlib import Path

MULTI = 1000


def number(text: str) -> float:
    return float(text)


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1], newline="") as f:
        reader = csv.DictReader(f)
        rows = [{k: number(v) for k, v in row.items()} for row in reader]
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    batch = [rows[i % len(rows)] for i in range(MULTI)]

    def write(name: str, obj) -> None:
        (out / name).write_text(json.dumps(obj, separators=(",", ":")))

    write("predict.json", {"features": rows[0]})
    write("predict_multi.json", {"items": [{"features": r} for r in batch]})
    write("shapley.json", {
        "features": rows[0],
        "explanations": {"enabled": True, "method": "SHAPLEY", "nExplanations": 3,
                         "nMonteCarloSteps": 100},
    })

    def v2(records):
        return {
            "parameters": {"content_type": "pd"},
            "inputs": [
                {"name": col, "shape": [len(records)], "datatype": "FP64",
                 "data": [r[col] for r in records]}
                for col in records[0]
            ],
            "outputs": [{"name": "predict"}, {"name": "predict_proba"}],
        }

    write("mlserver_predict.json", v2(rows[:1]))
    write("mlserver_predict_multi.json", v2(batch))


if __name__ == "__main__":
    main()
