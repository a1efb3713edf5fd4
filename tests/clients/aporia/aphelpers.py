"""Helpers of the Aporia client conformance tests: servers, the real `aporia` client connected to
them, raw REST calls for what the client has no function for, copies of example services and
traffic through the real `dataikuapi` client, and a webhook receiver.

Every test module starts its own server (``ap_server``) and points the client's global context
(``aporia.init``) at it; the module's fixture shuts the client down again (``aporia.shutdown``)
so that the next module's ``init`` starts from a clean context.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import hmac
import json
import logging
import re
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

import aporia
import aporia.experimental  # noqa: F401
import pytest
import requests
from aporia.core.context import get_context
from aporia.core.errors import AporiaError
from dataikuapi import APINodeAdminClient, APINodeClient

from conftest import EXAMPLES_DIR, example_bundle, start_server

ROLLUP_WAIT_S = 1.6
ENVIRONMENT = "test"
DIABETES = "diabetes_svc~diabetes"
CANCER = "cancer_svc~cancer"
IRIS = "iris_svc~iris"
# The client retries anything that is not a JSON-typed answer 4 times, waiting 2 s, 4 s...
# between attempts: an answer that took longer than this was retried.
ONE_REQUEST_S = 1.8
# A cron expression whose ticks never fall inside a test run: monitors fire only when a test runs
# them (runAllMonitors), so that the number of alerts is the test's to count.
NEVER = "0 0 1 1 *"


# ---- servers and the client ------------------------------------------------------------------


def ap_server(base: Path, examples=(), config: Optional[str] = None, **kwargs):
    """Starts a server with copies of the named examples deployed (none: an empty server) and,
    when given, a TOML config file with `config` as its text."""
    extra = ()
    if config is not None:
        path = base / "plinth-aporia.toml"
        path.write_text(config)
        extra = ("--config", str(path))
    if examples:
        examples_dir = base / "examples"
        for name in examples:
            shutil.copytree(EXAMPLES_DIR / name, examples_dir / name)
        return start_server(base, examples=True, examples_dir=examples_dir, extra_args=extra, **kwargs)
    return start_server(base, examples=False, extra_args=extra, **kwargs)


def port_of(s) -> int:
    return urlsplit(s.url).port


def init_client(s, token: Optional[str] = None) -> None:
    """Points the client's global context at server `s` (any previous context shut down)."""
    aporia.shutdown()  # no-op (errors suppressed) when not initialized
    aporia.init(
        token=token or s.admin_key,
        host="http://127.0.0.1",
        port=port_of(s),
        environment=ENVIRONMENT,
        throw_errors=True,
        verbose=True,
    )


def stop(s) -> None:
    alive = s.stop()
    s.check_stopped_cleanly(alive)


def rollups() -> None:
    """Monitoring rollups are written once a second."""
    time.sleep(ROLLUP_WAIT_S)


class ClientErrors(logging.Handler):
    """Collects the ERROR records of the client's logger: the client only logs (never raises)
    what goes wrong while it flushes logged predictions in the background."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records: list = []

    def emit(self, record):
        self.records.append(record.getMessage())

    def __enter__(self):
        logging.getLogger("aporia").addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger("aporia").removeHandler(self)


def client_request(method: str, path: str, data: Optional[dict] = None):
    """A request through the client's own HTTP layer (its session, headers, retries and error
    parsing) for a body that the public functions would refuse client-side: `path` is under
    /v1beta. Raises the client's AporiaHTTPError on an error answer."""
    ctx = get_context()
    http = ctx.http_client
    if method == "POST":
        coro = http.post(url=path, data=data or {})
    elif method == "GET":
        coro = http.get(url=path)
    else:
        coro = http.delete(url=path)
    return ctx.event_loop.run_coroutine(coro)


# ---- raw REST ------------------------------------------------------------------------------


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def rest(s, method: str, path: str, key: Optional[str] = "admin", **kwargs) -> requests.Response:
    """A raw call to `s.url + path` with `Authorization: Bearer <admin key>` (key=None: none)."""
    headers = dict(kwargs.pop("headers", {}))
    if key == "admin":
        headers.update(bearer(s.admin_key))
    elif key is not None:
        headers.update(bearer(key))
    return requests.request(method, s.url + path, headers=headers, timeout=30, **kwargs)


def assert_json_type(r: requests.Response) -> None:
    ctype = r.headers.get("Content-Type", "")
    assert re.match(r"^application/(?:[\w.+-]+?\+)?json", ctype), (r.request.method, r.url, r.status_code, ctype)


def ok_json(r: requests.Response, status=(200, 201)):
    statuses = status if isinstance(status, tuple) else (status,)
    assert r.status_code in statuses, (r.request.method, r.url, r.status_code, r.text)
    assert_json_type(r)
    return r.json() if r.content else None


def error_of(r: requests.Response, status: int) -> dict:
    """The `{"error": {"message", "detail"}}` of an error answer, checked."""
    assert r.status_code == status, (r.request.method, r.url, r.status_code, r.text)
    assert_json_type(r)
    body = r.json()
    assert isinstance(body.get("error"), dict), body
    assert isinstance(body["error"].get("message"), str) and body["error"]["message"], body
    assert "detail" in body["error"], body
    return body["error"]


def client_message(prefix: str, error: dict) -> str:
    """The AporiaError text the client (verbose=True) builds from a REST error body."""
    detail = error.get("detail")
    return prefix + (error["message"] if detail is None else detail)


def get_model(s, model_id: str) -> dict:
    return ok_json(rest(s, "GET", f"/v1beta/models/{model_id}"), 200)


def alerts(s, **params) -> list:
    return ok_json(rest(s, "GET", "/v1beta/alerts", params=params), 200)["alerts"]


def monitor(s, monitor_id: str) -> dict:
    return ok_json(rest(s, "GET", f"/v1beta/monitors/{monitor_id}"), 200)


# ---- monitors ------------------------------------------------------------------------------


def webhook(url: str, secret: str) -> dict:
    return {"type": "WEBHOOK", "url": url, "secret": secret}


def monitor_configuration(
    model_id: str,
    metric: dict,
    logic: dict,
    notification: Optional[list] = None,
    version: Optional[str] = None,
    focal: str = "1h",
    alert_type: str = "model_activity_threshold",
    baseline: Optional[dict] = None,
) -> dict:
    """The seed's doubly nested monitor configuration; its actions notify the seed's (empty)
    EMAIL notification, which Plinth does not deliver, and the given ones."""
    inner = {
        "focal": {"source": "SERVING", "timePeriod": focal},
        "metric": metric,
        "actions": [
            {
                "type": "ALERT",
                "schema": "v1",
                "severity": "MEDIUM",
                "alertType": alert_type,
                "description": "{model} {model_version}: {focal_value} in {focal_time_period}",
                "notification": [{"type": "EMAIL", "emails": []}] + list(notification or []),
                "visualization": "value_over_time",
            }
        ],
        "logicEvaluations": [logic],
    }
    if baseline is not None:
        inner["baseline"] = baseline
    models = {"id": model_id}
    if version is not None:
        models["version"] = version
    return {
        "configuration": inner,
        "identification": {"models": models, "segment": {"group": None}, "environment": None},
    }


def range_logic(min_=None, max_=None) -> dict:
    return {"name": "RANGE", "min": min_, "max": max_}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class Receiver:
    """A webhook receiver on 127.0.0.1:0 that records every POST (path, headers, body, the status
    it answered). `fail(name, n, status)` makes it answer `status` (500) to the next n POSTs to a
hook."""

    def __init__(self):
        self.lock = threading.Lock()
        self.posts: list = []
        self._failures: dict = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.lock:
                    left, fail_status = receiver._failures.get(self.path, (0, 500))
                    status = fail_status if left > 0 else 200
                    if left > 0:
                        receiver._failures[self.path] = (left - 1, fail_status)
                    receiver.posts.append(
                        {
                            "path": self.path,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "body": body,
                            "status": status,
                            "at": time.time(),
                        }
                    )
                answer = b'{"ok": true}' if status == 200 else b'{"error": "try again"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="webhook-receiver", daemon=True)
        self.thread.start()

    def hook(self, name: str) -> str:
        return f"{self.url}/hook/{name}"

    def fail(self, name: str, n: int, status: int = 500) -> None:
        """Answer `status` to the next n POSTs to the hook `name`."""
        with self.lock:
            self._failures[f"/hook/{name}"] = (n, status)

    def to(self, name: str) -> list:
        with self.lock:
            return [p for p in self.posts if p["path"] == f"/hook/{name}"]

    def delivered(self, name: str) -> list:
        """The 2xx-answered POSTs to a hook."""
        return [p for p in self.to(name) if 200 <= p["status"] < 300]

    def wait_posts(self, name: str, n: int, timeout: float = 20.0) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.to(name)
            if len(got) >= n:
                return got
            time.sleep(0.05)
        raise AssertionError(f"{n} POST(s) to /hook/{name} expected within {timeout} s; got {len(self.to(name))}")

    def wait_delivered(self, name: str, n: int = 1, timeout: float = 20.0) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.delivered(name)
            if len(got) >= n:
                return got
            time.sleep(0.05)
        raise AssertionError(
            f"{n} delivered POST(s) to /hook/{name} expected within {timeout} s; got "
            f"{[(p['status'], p['headers'].get('x-plinth-delivery')) for p in self.to(name)]}"
        )

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def check_signed(post: dict, secret: str) -> dict:
    """Checks the X-Plinth-* headers of a webhook POST; returns the alert it carries."""
    h = post["headers"]
    for name in ("x-plinth-delivery", "x-plinth-timestamp", "x-plinth-signature"):
        assert h.get(name), (name, h)
    ts = h["x-plinth-timestamp"]
    assert re.fullmatch(r"\d+", ts), ts
    assert abs(int(ts) - time.time()) < 120, ts
    assert h["x-plinth-signature"] == signature(secret, ts, post["body"]), (h, post["body"][:200])
    assert re.match(r"^application/(?:[\w.+-]+?\+)?json", h.get("content-type", "")), h
    return json.loads(post["body"])


# ---- example services and traffic through the Dataiku client --------------------------------


def reference(service: str):
    """The reference sample of an example: (columns, rows as dicts of floats)."""
    path = EXAMPLES_DIR / service / "model" / "reference.csv"
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        rows = [{k: float(v) for k, v in row.items()} for row in reader]
        return reader.fieldnames, rows


bundle_of = example_bundle


def deploy_copy(s, example: str, new_id: str, tmp_dir: Path) -> None:
    """Deploys a copy of examples/<example> as the service `new_id` through the admin client."""
    archive = bundle_of(example, new_id, tmp_dir)
    admin = APINodeAdminClient(s.url, s.admin_key)
    admin.create_service(new_id)
    service = admin.service(new_id)
    service.import_generation_from_archive(str(archive))
    service.switch_to_newest()


class Traffic:
    """Sends predictions through the real Dataiku user client."""

    def __init__(self, s, service: str, endpoint: str):
        self.client = APINodeClient(s.url, service)
        self.endpoint = endpoint
        self.rows = 0

    def one(self, features):
        answer = self.client.predict_record(self.endpoint, features)
        self.rows += 1
        return answer["result"]

    def many(self, rows, batch=50):
        out = []
        for i in range(0, len(rows), batch):
            chunk = rows[i : i + batch]
            answer = self.client.predict_records(self.endpoint, [{"features": f} for f in chunk])
            assert len(answer["results"]) == len(chunk)
            self.rows += len(chunk)
            out.extend(answer["results"])
        return out


@contextlib.contextmanager
def took_at_most(seconds: float, what: str):
    started = time.monotonic()
    yield
    elapsed = time.monotonic() - started
    assert elapsed < seconds, f"{what} took {elapsed:.1f} s: the client retried (no JSON answer?)"


def aporia_error(fn, *args, **kwargs) -> str:
    """Calls a client function that must raise AporiaError at once (no retries); returns its text."""
    with took_at_most(ONE_REQUEST_S, getattr(fn, "__name__", "call")):
        with pytest.raises(AporiaError) as err:
            fn(*args, **kwargs)
    return str(err.value)
