"""The web dashboard in a real browser: Debian's Chromium driven by Playwright (PyPI) through
its executable path. Log in, see the example services, switch a generation and see the user
API's answer change, see a latency chart with points after traffic, see drift after a
drifted stream; a screenshot of each page goes to the test's output directory
(``$PLINTH_BROWSER_OUTPUT``, default ``tests/clients/browser/output``).

Run by tests/clients/run.sh's fifth pass (its own venv: requirements-browser.txt).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from conftest import write_bundle

HERE = Path(__file__).resolve().parent
OUTPUT = Path(os.environ.get("PLINTH_BROWSER_OUTPUT", HERE / "output"))
EXAMPLES = ["cancer_svc", "diabetes_svc", "fraud_svc", "iris_svc", "js_svc",
            "lookup_svc", "python_svc", "rust_fn_svc", "sql_svc"]
PREDICT = "/public/api/v1/diabetes_svc/diabetes/predict"


def chromium_path() -> str:
    """The browser binary: `$PLINTH_CHROMIUM`, else Debian's (`/usr/bin/chromium` is a shell
    wrapper around `/usr/lib/chromium/chromium`)."""
    for candidate in (os.environ.get("PLINTH_CHROMIUM"), "/usr/lib/chromium/chromium",
                      shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("no Chromium: apt-get install chromium (or set PLINTH_CHROMIUM)", pytrace=False)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        yield chromium
        chromium.close()


def shot(page, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def deploy(server, archive: Path) -> str:
    answer = server.admin().post(server.admin_url("deploy?activate=true"),
                                 data=archive.read_bytes(), timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.json()["generation"]


def lookup(server, service: str) -> dict:
    answer = requests.post(server.user_url(service, "passenger_info", "lookup"),
                           json={"data": {"PassengerId": 1}}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["results"][0]["data"]


def predict(server, features: dict) -> None:
    answer = requests.post(server.url + PREDICT, json={"features": features}, timeout=30)
    assert answer.status_code == 200, answer.text


def usual(i: int) -> dict:
    return {"age": 40 + i % 20, "sex": 1 + i % 2, "bmi": 25.0 + i % 7, "bp": 90.0, "s1": 190.0,
            "s2": 110.0, "s3": 48.0, "s4": 4.0, "s5": 4.6, "s6": 90.0}


def log_in(page, server) -> None:
    page.goto(server.url + "/")
    expect(page).to_have_url(server.url + "/ui/login")
    page.fill("#key", server.admin_key)
    page.click("button[type=submit]")
    expect(page).to_have_url(server.url + "/ui/")


def test_dashboard_in_chromium(start_plinth, tmp_path, browser):
    server = start_plinth(examples=True)
    # Two generations of one lookup service that answer differently (the first returns the
    # name only).
    first = deploy(server, write_bundle(tmp_path, "dash_svc", columns=["Name"], name="g1"))
    deploy(server, write_bundle(tmp_path, "dash_svc", name="g2"))
    assert "Fare" in lookup(server, "dash_svc")

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    log_in(page, server)
    for service in EXAMPLES + ["dash_svc"]:
        expect(page.get_by_role("link", name=service, exact=True)).to_be_visible()
    assert server.admin_key not in page.content()
    shot(page, "overview")

    # Switch generation through the page; the user API answers with the first generation.
    page.goto(server.url + "/ui/services/dash_svc")
    page.select_option("select#generation", first)
    page.locator("form[action$='/switch'] button[type=submit]").click()
    expect(page.locator("p.flash.ok")).to_contain_text(f"generation {first}")
    answer = lookup(server, "dash_svc")
    assert "Fare" not in answer and "Name" in answer, answer
    shot(page, "service-switched")

    # Traffic, then drifted traffic (bmi and s5 far from the reference data).
    for i in range(40):
        predict(server, usual(i))
    for i in range(120):
        predict(server, usual(i) | {"bmi": 45.0 + i % 3, "s5": 6.2})
    time.sleep(1.6)  # the monitoring rollups are written once a second

    page.goto(server.url + "/ui/services/diabetes_svc")
    latency = page.locator("figure[data-chart=latency]")
    expect(latency).to_be_visible()
    assert int(latency.get_attribute("data-points")) > 0
    assert latency.locator("circle.point").count() > 0
    requests_chart = page.locator("figure[data-chart=requests]")
    assert int(requests_chart.get_attribute("data-points")) > 0
    drift = page.locator("figure[data-chart=drift]")
    expect(drift).to_be_visible()
    assert int(drift.get_attribute("data-points")) > 0
    drifting = page.locator("table.drift tr.drifting td:first-child").all_inner_texts()
    assert "bmi" in drifting and "s5" in drifting, drifting
    assert "sex" not in drifting, drifting  # sent as in the reference data
    shot(page, "service-monitoring")

    for path, name in [("/ui/monitors", "monitors"), ("/ui/jobs", "jobs"), ("/ui/keys", "keys")]:
        page.goto(server.url + path)
        expect(page.locator("h1")).to_be_visible()
        assert server.admin_key not in page.content()
        shot(page, name)

    # Nothing the strict CSP blocked, no failed resource.
    assert not errors, errors
    context.close()
