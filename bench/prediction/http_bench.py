"""HTTP benchmark of the prediction examples: a running Plinth server (examples deployed),
one keep-alive connection, medians. Same calls as the in-process `bench` example.

    python bench/prediction/http_bench.py http://127.0.0.1:11200

Needs `requests` (e.g. the client harness venv).
"""

import json
import statistics
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = [("cancer_svc", "cancer", "cancer_trees"), ("iris_svc", "iris", "iris"), ("diabetes_svc", "diabetes", "diabetes"), ("fraud_svc", "fraud", "fraud")]


def median_us(session, url, body, runs):
    data = json.dumps(body)
    for _ in range(3):
        session.post(url, data=data).raise_for_status()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        session.post(url, data=data).raise_for_status()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e6


def main():
    base = sys.argv[1].rstrip("/")
    session = requests.Session()
    print("| example | predict µs | predict-multi 1000 ms | ICE µs (× predict) | SHAPLEY 100 µs (× predict) |")
    print("|---|---|---|---|---|")
    for service, endpoint, model in EXAMPLES:
        cases = json.loads((REPO / "models" / model / "expected.json").read_text())["cases"]
        features = [c["request"] if model == "fraud" else c["features"] for c in cases]
        url = f"{base}/public/api/v1/{service}/{endpoint}"
        plain = median_us(session, f"{url}/predict", {"features": features[0]}, 501)
        items = [{"features": features[i % len(features)]} for i in range(1000)]
        multi = median_us(session, f"{url}/predict-multi", {"items": items}, 31)
        ice = median_us(session, f"{url}/predict", {"features": features[0], "explanations": {"enabled": True, "method": "ICE", "nExplanations": 3}}, 201)
        shap = median_us(session, f"{url}/predict", {"features": features[0], "explanations": {"enabled": True, "method": "SHAPLEY", "nExplanations": 3, "nMonteCarloSteps": 100}}, 101)
        print(f"| {service}/{endpoint} ({model}) | {plain:.0f} | {multi / 1000:.1f} | {ice:.0f} ({ice / plain:.1f}×) | {shap:.0f} ({shap / plain:.1f}×) |")


if __name__ == "__main__":
    main()
