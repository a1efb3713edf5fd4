"""Helpers of the DataRobot client conformance tests: servers, copies of example services,
traffic through the real `dataikuapi` client, and the numbers the tests compute themselves
(quantiles, drift scores with DataRobot's binning, accuracy metrics) with numpy.

Every test module starts its own server (``module_server``) so that its traffic is its own.
"""

from __future__ import annotations

import csv
import math
import re
import shutil
import time
from pathlib import Path

import datarobot as dr
import numpy as np
import pytest
from dataikuapi import APINodeAdminClient, APINodeClient
from dataikuapi.utils import DataikuException

from conftest import EXAMPLES_DIR, example_bundle, start_server

DR_VERSION = tuple(int(p) for p in re.findall(r"\d+", dr.__version__)[:3])
ROLLUP_WAIT_S = 1.6

DIABETES = "diabetes_svc~diabetes"
CANCER = "cancer_svc~cancer"
IRIS = "iris_svc~iris"


def needs(version: tuple, what: str):
    """`skipif` for a method the client has only from `version` on."""
    return pytest.mark.skipif(
        DR_VERSION < version,
        reason=f"{what} exists in datarobot {'.'.join(map(str, version))}+ only (this is {dr.__version__})",
    )


# The examples with a model: the DataRobot API's deployments. (The function examples are left
# out: each fresh server would compile their WebAssembly components again.)
PREDICTION_EXAMPLES = ("cancer_svc", "diabetes_svc", "fraud_svc", "iris_svc")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of this module's own, the prediction examples deployed, the DataRobot client
    connected to it."""
    base = tmp_path_factory.mktemp("dr-server")
    examples = base / "examples"
    for name in PREDICTION_EXAMPLES:
        shutil.copytree(EXAMPLES_DIR / name, examples / name)
    s = start_server(base, examples=True, examples_dir=examples)
    connect(s)
    yield s
    alive = s.stop()
    s.check_stopped_cleanly(alive)


def connect(s):
    return dr.Client(token=s.admin_key, endpoint=s.url + "/api/v2")


def rollups():
    """Monitoring rollups are written once a second."""
    time.sleep(ROLLUP_WAIT_S)


def reference(service: str):
    """The reference sample (the drift baseline) of an example: (columns, rows as dicts of floats)."""
    path = EXAMPLES_DIR / service / "model" / "reference.csv"
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        rows = [{k: float(v) for k, v in row.items()} for row in reader]
        return reader.fieldnames, rows


def deploy_copy(s, example: str, new_id: str, tmp_dir: Path) -> None:
    """Deploys a copy of examples/<example> as the service `new_id` through the admin API."""
    archive = example_bundle(example, new_id, tmp_dir)
    admin = APINodeAdminClient(s.url, s.admin_key)
    admin.create_service(new_id)
    service = admin.service(new_id)
    service.import_generation_from_archive(str(archive))
    service.switch_to_newest()


class Traffic:
    """Sends predictions through the real Dataiku user client and keeps what came back."""

    def __init__(self, s, service: str, endpoint: str, api_key=None):
        self.client = APINodeClient(s.url, service, api_key=api_key)
        self.endpoint = endpoint
        self.executions_us: list = []  # timing.execution of every successful call
        self.predictions: list = []  # result of every scored row, in order
        self.calls = 0
        self.rows = 0
        self.user_errors = 0

    def one(self, features, context=None):
        answer = self.client.predict_record(self.endpoint, features, context=context)
        self.calls += 1
        self.rows += 1
        self.executions_us.append(answer["timing"]["execution"])
        self.predictions.append(answer["result"])
        return answer["result"]

    def many(self, rows, contexts=None, batch=50):
        out = []
        for i in range(0, len(rows), batch):
            chunk = rows[i : i + batch]
            ctx = (contexts or [None] * len(rows))[i : i + batch]
            items = [{"features": f, **({"context": c} if c is not None else {})} for f, c in zip(chunk, ctx)]
            answer = self.client.predict_records(self.endpoint, items)
            self.calls += 1
            self.rows += len(chunk)
            self.executions_us.append(answer["timing"]["execution"])
            results = answer["results"]
            assert len(results) == len(chunk)
            self.predictions.extend(results)
            out.extend(results)
        return out

    def bad(self, features):
        """A call the server must refuse with a 4xx (a user error)."""
        with pytest.raises(DataikuException):
            self.client.predict_record(self.endpoint, features)
        self.calls += 1
        self.user_errors += 1


def hdr_quantile_ms(values_us, q: float) -> float:
    """value_at_quantile semantics: the smallest recorded value with at least q·n values at or below it."""
    v = np.sort(np.asarray(values_us, dtype=float))
    rank = max(int(math.ceil(q * len(v))), 1)
    return float(v[rank - 1]) / 1000.0


# ---- drift, as DATAROBOT.md §4 defines it --------------------------------------------------


def numeric_edges(baseline):
    b = np.asarray(baseline, dtype=float)
    lo, hi = float(b.min()), float(b.max())
    hi_n = hi + (abs(hi * 1e-10) + 1e-23)
    width = (hi_n - lo) / 10.0
    edges = np.minimum(lo + width * np.arange(11), hi_n)
    edges[10] = hi_n
    return edges


def numeric_counts(edges, values):
    """12 bins: < min, 10 equal-width [lower, upper), >= nudged max."""
    idx = np.searchsorted(edges, np.asarray(values, dtype=float), side="right")
    return np.bincount(idx, minlength=12).astype(float)


def categorical_counts(categories, values):
    cats = sorted(categories)
    counts = np.zeros(len(cats) + 1)
    for v in values:
        counts[cats.index(v) if v in cats else len(cats)] += 1
    return counts


def _smoothed(e, a):
    E, A = e.sum(), a.sum()
    ps, qs = [], []
    for ei, ai in zip(e, a):
        if ei == 0 and ai == 0:
            continue
        if ei == 0 or ai == 0:
            ps.append((ai + 1) / (A + 1))
            qs.append((ei + 1) / (E + 1))
        else:
            ps.append(ai / A)
            qs.append(ei / E)
    return np.array(ps), np.array(qs)


def _kl(e, a):
    p, q = _smoothed(np.asarray(e, float), np.asarray(a, float))
    return float(np.sum(p * np.log(p / q)))


def drift_score(metric: str, expected, actual):
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    if e.sum() == 0 or a.sum() == 0:
        return 0.0 if metric == "psi" else None
    if metric == "psi":
        p, q = _smoothed(e, a)
        return float(np.sum((p - q) * np.log(p / q)))
    if metric == "kl_divergence":
        return _kl(e, a)
    p, q = a / a.sum(), e / e.sum()
    if metric == "hellinger":
        return float(np.sqrt(np.sum((np.sqrt(q) - np.sqrt(p)) ** 2)) / np.sqrt(2))
    if metric == "dissimilarity":
        return float(max(1.0 - np.sum(np.minimum(p, q)), 0.0))
    if metric == "js_divergence":
        m = (p + q) / 2
        return 0.5 * (_kl(m, p) + _kl(m, q))
    raise ValueError(metric)


DRIFT_METRICS = ("psi", "kl_divergence", "hellinger", "dissimilarity", "js_divergence")


# ---- accuracy -------------------------------------------------------------------------------


def rmse(y, p):
    y, p = np.asarray(y, float), np.asarray(p, float)
    return float(np.sqrt(np.mean((y - p) ** 2)))


def mae(y, p):
    y, p = np.asarray(y, float), np.asarray(p, float)
    return float(np.mean(np.abs(y - p)))


def r_squared(y, p):
    y, p = np.asarray(y, float), np.asarray(p, float)
    return float(1.0 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2))


def logloss(y, p):
    y, p = np.asarray(y, float), np.clip(np.asarray(p, float), 1e-15, 1 - 1e-15)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def auc(y, p):
    """ROC AUC by the rank-sum (Mann-Whitney) formula, ties counted half."""
    y, p = np.asarray(y, int), np.asarray(p, float)
    pos, neg = p[y == 1], p[y == 0]
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))
