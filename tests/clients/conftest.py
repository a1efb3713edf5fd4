"""Fixtures of the client conformance harness.

Every test talks to a real Plinth server (the binary named by the env var ``PLINTH_BIN``),
started on a free loopback port with a fresh data directory and a random admin key given
through ``PLINTH_ADMIN_KEY``.

- ``plinth``: one server for the whole session, with the repository's ``examples/`` deployed
  (service ``lookup_svc``). Tests that change it use their own service ids.
- ``start_plinth``: a factory for servers of a test's own (``examples=False`` for an empty
  one); they are stopped when the test ends.
- ``make_bundle``: writes a ``.tar.gz``/``.zip`` bundle archive built from a copy of
  ``examples/lookup_svc`` with another service id (and optional manifest changes).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import secrets
import shutil
import subprocess
import tarfile
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import pytest
import requests

# tests/clients/aporia needs the Aporia client, installed only in run.sh's third venv. (Not
# `import aporia`: that finds the directory tests/clients/aporia as a namespace package.)
# Likewise tests/clients/openapi needs schemathesis, installed only in run.sh's fourth venv.
collect_ignore = []
for _package, _directory in (("aporia", "aporia"), ("schemathesis", "openapi")):
    try:
        importlib.metadata.version(_package)
    except importlib.metadata.PackageNotFoundError:
        collect_ignore.append(_directory)

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = REPO_ROOT / "examples"
LOOKUP_EXAMPLE = EXAMPLES_DIR / "lookup_svc"
START_TIMEOUT_S = 60.0
# Settings of the caller's environment that would make the server under test share state.
ISOLATED_ENV = ("PLINTH_CONFIG", "PLINTH_DATA_DIR", "PLINTH_LISTEN", "PLINTH_EXAMPLES_DIR")
LISTENING = re.compile(r"plinth listening on (http://\S+)")


def plinth_binary() -> Path:
    value = os.environ.get("PLINTH_BIN")
    if not value:
        pytest.fail(
            "PLINTH_BIN is not set: build the server (cargo build --release -p plinth) and run "
            "PLINTH_BIN=target/release/plinth tests/clients/run.sh",
            pytrace=False,
        )
    path = Path(value)
    if not path.is_absolute():
        path = (Path.cwd() / path).resolve()
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"PLINTH_BIN={value!r}: no executable file at {path}", pytrace=False)
    return path


@dataclass
class PlinthServer:
    """A running `plinth serve` process."""

    url: str
    admin_key: str
    data_dir: Path
    process: subprocess.Popen
    stderr_path: Path
    _stdout_lines: list = field(default_factory=list)

    def admin(self) -> requests.Session:
        """A `requests` session authenticated with the admin key (HTTP Basic, as the client)."""
        session = requests.Session()
        session.auth = (self.admin_key, "")
        return session

    def admin_url(self, path: str) -> str:
        return f"{self.url}/admin/api/{path}"

    def user_url(self, service: str, endpoint: str, action: str) -> str:
        return f"{self.url}/public/api/v1/{service}/{endpoint}/{action}"

    def stderr_text(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> bool:
        """Stops the server; returns False if it had already exited on its own."""
        alive = self.process.poll() is None
        if alive:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return alive

    def check_stopped_cleanly(self, alive: bool) -> None:
        if not alive:
            pytest.fail(
                f"plinth ({self.url}) exited on its own during the tests with status {self.process.returncode}\n"
                "--- stderr ---\n" + self.stderr_text(),
                pytrace=False,
            )


def start_server(
    base_tmp: Path,
    examples: bool = True,
    admin_key: Optional[str] = None,
    extra_args: tuple = (),
    examples_dir: Optional[Path] = None,
    data_dir: Optional[Path] = None,
) -> PlinthServer:
    """Starts `plinth serve` on 127.0.0.1:0 with a fresh data dir; waits for its listening line.
    `examples_dir` deploys another examples directory than the repository's; `data_dir` reuses
    an existing data directory (a restart: pass the same `admin_key`)."""
    binary = plinth_binary()
    run_dir = Path(tempfile.mkdtemp(prefix="plinth-", dir=base_tmp))
    if data_dir is None:
        data_dir = run_dir / "data"
        data_dir.mkdir()
    stderr_path = run_dir / "stderr.log"
    admin_key = admin_key or secrets.token_urlsafe(24)
    env = {k: v for k, v in os.environ.items() if k not in ISOLATED_ENV}
    env["PLINTH_ADMIN_KEY"] = admin_key
    env.setdefault("RUST_LOG", "info")
    args = [str(binary), "serve", "--data-dir", str(data_dir), "--listen", "127.0.0.1:0"]
    args += ["--examples-dir", str(examples_dir or EXAMPLES_DIR)] if examples else ["--no-examples"]
    args += list(extra_args)
    stderr_file = open(stderr_path, "wb")
    try:
        process = subprocess.Popen(
            args, cwd=run_dir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr_file
        )
    finally:
        stderr_file.close()

    found: dict = {}
    ready = threading.Event()
    stdout_lines: list = []

    def read_stdout() -> None:
        # Keeps draining stdout after the listening line so that the server never blocks on it.
        for raw in process.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            stdout_lines.append(line)
            match = LISTENING.search(line)
            if match and "url" not in found:
                found["url"] = match.group(1).rstrip("/")
                ready.set()
        ready.set()

    threading.Thread(target=read_stdout, name="plinth-stdout", daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not ready.is_set() and time.monotonic() < deadline:
        ready.wait(0.1)
        if process.poll() is not None:
            ready.wait(1.0)
            break

    timed_out = "url" not in found and process.poll() is None
    server = PlinthServer(found.get("url", ""), admin_key, data_dir, process, stderr_path, stdout_lines)
    if "url" not in found:
        server.stop()
        if process.returncode is not None and not timed_out:
            what = f"plinth exited with status {process.returncode} before printing 'plinth listening on http://ADDR'"
        else:
            what = f"plinth did not print 'plinth listening on http://ADDR' within {START_TIMEOUT_S:.0f} s (stopped)"
        pytest.fail(
            f"{what}\n"
            f"command: {' '.join(args)}\n--- stdout ---\n" + "\n".join(stdout_lines)
            + "\n--- stderr ---\n" + server.stderr_text(),
            pytrace=False,
        )
    return server


@pytest.fixture(scope="session")
def plinth(tmp_path_factory) -> PlinthServer:
    """The session's server, with `examples/` deployed (service `lookup_svc`)."""
    server = start_server(tmp_path_factory.mktemp("session-server"), examples=True)
    yield server
    server.check_stopped_cleanly(server.stop())


@pytest.fixture
def start_plinth(tmp_path_factory) -> Callable[..., PlinthServer]:
    """Starts servers of the test's own: `start_plinth(examples=False)`. Stopped at teardown."""
    started: list = []

    def start(examples: bool = False, admin_key: Optional[str] = None, extra_args: tuple = ()) -> PlinthServer:
        server = start_server(
            tmp_path_factory.mktemp("own-server"), examples=examples, admin_key=admin_key, extra_args=extra_args
        )
        started.append(server)
        return server

    yield start
    outcomes = [(server, server.stop()) for server in started]
    for server, alive in outcomes:
        server.check_stopped_cleanly(alive)


def write_bundle(
    dest_dir: Path,
    service_id: str,
    fmt: str = "tar.gz",
    public: Optional[bool] = None,
    columns: Optional[list] = None,
    name: Optional[str] = None,
) -> Path:
    """A bundle archive: a copy of examples/lookup_svc whose plinth.toml names `service_id`
    (and, when given, another `public` flag or returned `columns`). Returns its absolute path."""
    manifest = (LOOKUP_EXAMPLE / "plinth.toml").read_text()
    manifest, count = re.subn(r'(?m)^id = "lookup_svc"$', f'id = "{service_id}"', manifest)
    assert count == 1, "examples/lookup_svc/plinth.toml no longer has the line id = \"lookup_svc\""
    if public is not None:
        manifest, count = re.subn(r"(?m)^public = (true|false)$", f"public = {str(public).lower()}", manifest)
        assert count == 1, "examples/lookup_svc/plinth.toml no longer has a `public = ...` line"
    if columns is not None:
        manifest, count = re.subn(r"(?m)^columns = \[.*\]$", "columns = " + json.dumps(columns), manifest)
        assert count == 1, "examples/lookup_svc/plinth.toml no longer has a `columns = [...]` line"

    staging = Path(tempfile.mkdtemp(prefix="bundle-", dir=dest_dir))
    root = staging / service_id
    shutil.copytree(LOOKUP_EXAMPLE, root)
    (root / "plinth.toml").write_text(manifest)
    archive = dest_dir / f"{name or service_id}.{fmt}"
    if fmt == "tar.gz":
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(root, arcname=service_id)
    elif fmt == "zip":
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(root.rglob("*")):
                z.write(path, arcname=str(Path(service_id) / path.relative_to(root)))
    else:
        raise ValueError(fmt)
    shutil.rmtree(staging)
    return archive.resolve()


@pytest.fixture
def make_bundle(tmp_path) -> Callable[..., Path]:
    """`make_bundle("svc", public=False, columns=[...], fmt="zip", name="file-stem")` → archive path."""
    counter = iter(range(1_000_000))

    def make(service_id: str, **kwargs) -> Path:
        kwargs.setdefault("name", f"{service_id}-{next(counter)}")
        return write_bundle(tmp_path, service_id, **kwargs)

    return make


def create_service_key(server: PlinthServer, service_id: str, label: str = "conformance") -> str:
    """POST /admin/api/services/{id}/keys → the new key's secret."""
    response = server.admin().post(server.admin_url(f"services/{service_id}/keys"), data=json.dumps({"label": label}))
    assert response.status_code == 200, response.text
    return response.json()["key"]


def example_bundle(example: str, new_id: str, tmp_dir: Path) -> Path:
    """A .tar.gz bundle: a copy of examples/<example> whose manifest names `new_id`."""
    src = EXAMPLES_DIR / example
    manifest = (src / "plinth.toml").read_text()
    manifest, count = re.subn(rf'(?m)^id = "{re.escape(example)}"$', f'id = "{new_id}"', manifest)
    assert count == 1, f"examples/{example}/plinth.toml has no line id = \"{example}\""
    staging = Path(tempfile.mkdtemp(prefix="bundle-", dir=tmp_dir))
    root = staging / new_id
    shutil.copytree(src, root)
    (root / "plinth.toml").write_text(manifest)
    archive = Path(tempfile.mkdtemp(prefix="archive-", dir=tmp_dir)) / f"{new_id}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(root, arcname=new_id)
    shutil.rmtree(staging)
    return archive
