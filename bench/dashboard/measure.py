"""The dashboard's page loads with 20 services (issue 14): one server on a fresh data
directory, 19 lookup services and the diabetes prediction service with traffic (so that its
page draws every chart from the monitoring store), logged in once.

Per page, side by side in one run with the JSON call the overview itself starts from
(`GET /admin/api/services`):
  - server time: sequential GETs on one keep-alive connection (ROUNDS each, interleaved
    page by page), median, p95 and max of the whole answer;
  - in Chromium (Debian's, through Playwright): `loadEventEnd` of the navigation (request,
    HTML, stylesheet, layout), median of BROWSER_ROUNDS.

    python bench/dashboard/measure.py PLINTH_BIN OUT_JSON
"""

from __future__ import annotations

import io
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
ROUNDS = int(os.environ.get("ROUNDS", "60"))
BROWSER_ROUNDS = int(os.environ.get("BROWSER_ROUNDS", "15"))
ADMIN_KEY = "bench-dashboard-admin-key-0123456789"
PAGES = [
    ("json: GET /admin/api/services", "/admin/api/services"),
    ("overview /ui/ (20 services)", "/ui/"),
    ("service page with 6 charts /ui/services/diabetes_svc", "/ui/services/diabetes_svc"),
    ("service page of a lookup /ui/services/svc_01", "/ui/services/svc_01"),
    ("monitors /ui/monitors", "/ui/monitors"),
    ("jobs /ui/jobs", "/ui/jobs"),
    ("keys /ui/keys", "/ui/keys"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lookup_archive(service: str) -> bytes:
    manifest = (
        f'[service]\nid = "{service}"\npublic = true\n\n[[endpoint]]\nid = "items"\n'
        'kind = "lookup"\ndataset = "data/items.csv"\nkeys = ["id"]\ncolumns = ["label"]\n'
    )
    rows = "id,label\n" + "".join(f"{i},row {i}\n" for i in range(100))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in [("plinth.toml", manifest), ("data/items.csv", rows)]:
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def dir_archive(path: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for item in sorted(path.rglob("*")):
            tar.add(item, arcname=str(item.relative_to(path)), recursive=False)
    return buffer.getvalue()


def summary(values: list) -> dict:
    values = sorted(values)
    return {
        "median_ms": round(statistics.median(values), 2),
        "p95_ms": round(values[int(0.95 * (len(values) - 1))], 2),
        "max_ms": round(values[-1], 2),
        "n": len(values),
    }


def main() -> None:
    binary, out = sys.argv[1], Path(sys.argv[2])
    data = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    port = free_port()
    env = dict(os.environ, PLINTH_ADMIN_KEY=ADMIN_KEY, PLINTH_LOG="warn")
    server = subprocess.Popen(
        [binary, "serve", "--data-dir", str(data / "data"), "--listen", f"127.0.0.1:{port}",
         "--no-examples"],
        env=env, stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if requests.get(base + "/isAlive", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        admin = requests.Session()
        admin.auth = (ADMIN_KEY, "")
        archives = [lookup_archive(f"svc_{i:02}") for i in range(1, 20)]
        archives.append(dir_archive(REPO / "examples/diabetes_svc"))
        for archive in archives:
            answer = admin.post(base + "/admin/api/deploy?activate=true", data=archive, timeout=120)
            answer.raise_for_status()
        services = admin.get(base + "/admin/api/services").json()
        assert len(services) == 20, services
        for i in range(500):
            features = {"age": 40 + i % 20, "sex": 1 + i % 2, "bmi": 25.0 + i % 7, "bp": 90.0,
                        "s1": 190.0, "s2": 110.0, "s3": 48.0, "s4": 4.0, "s5": 4.6, "s6": 90.0}
            requests.post(base + "/public/api/v1/diabetes_svc/diabetes/predict",
                          json={"features": features}, timeout=30).raise_for_status()
        time.sleep(1.6)  # the monitoring rollups are written once a second

        page_session = requests.Session()
        login = page_session.post(base + "/ui/login", data={"key": ADMIN_KEY},
                                  headers={"Origin": base}, allow_redirects=False)
        assert login.status_code == 303, login.text
        cookie = login.cookies.get("plinth_session")
        samples = {label: [] for label, _ in PAGES}
        for _ in range(ROUNDS):
            for label, path in PAGES:
                client = admin if path.startswith("/admin/") else page_session
                start = time.perf_counter()
                answer = client.get(base + path, allow_redirects=False)
                _ = answer.content
                elapsed = (time.perf_counter() - start) * 1000
                assert answer.status_code == 200, (path, answer.status_code)
                samples[label].append(elapsed)
        page = page_session.get(base + "/ui/services/diabetes_svc").text
        charts = dict(re.findall(r'data-chart="(\w+)" data-points="(\d+)"', page))
        result = {"server": {label: summary(v) for label, v in samples.items()},
                  "charts_on_the_service_page": charts}
        result["browser"] = browser_times(base, cookie, port)
        out.write_text(json.dumps(result, indent=2))
        print(json.dumps(result, indent=2))
    finally:
        server.terminate()
        server.wait(timeout=20)


def browser_times(base: str, cookie: str, port: int) -> dict:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("PLINTH_CHROMIUM", "/usr/lib/chromium/chromium")
    times = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        context = browser.new_context()
        context.add_cookies([{"name": "plinth_session", "value": cookie, "domain": "127.0.0.1",
                              "path": "/"}])
        page = context.new_page()
        for label, path in PAGES:
            if path.startswith("/admin/"):
                continue
            values = []
            for _ in range(BROWSER_ROUNDS):
                page.goto(base + path, wait_until="load")
                assert page.url == base + path, page.url
                values.append(page.evaluate(
                    "() => { const n = performance.getEntriesByType('navigation')[0];"
                    " return n.loadEventEnd - n.startTime; }"))
            times[label] = summary(values)
        browser.close()
    return times


if __name__ == "__main__":
    main()
