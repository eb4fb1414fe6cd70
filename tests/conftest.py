"""Test harness: every test gets a fresh `$LADING_HOME` and its own workspace, on SQLite by default
or on PostgreSQL when `LADING_TEST_DATABASE_URL` is set (`.ci/run` runs the suite both ways).

`cli(...)` calls the real CLI entry point in-process and returns (exit code, parsed stdout).
"""

from __future__ import annotations

import base64
import io
import json
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
CACHE_DIR = Path(os.environ.get("LADING_CACHE_DIR") or REPO / ".cache")
SUITE_SECRET_KEY = base64.b64encode(b"lading-test-suite-secret-key-32b").decode()


# The resident CLI helper (`lading.cli.resident`) stays off: a test's `lading` processes each run whole,
# and no helper outlives the suite. `tests/test_cli_resident.py` turns it on for its own processes.
os.environ["LADING_CLI_HELPER"] = "0"


def _give_this_test_process_its_own_database() -> None:
    """On PostgreSQL with pytest-xdist, each test process works in a database of its own
    (`<database>_gw0`, `<database>_gw1`, made afresh here): the crash-recovery tests kill workers
    mid-run and count what another worker resumes, which only holds when no other process's workers
    can claim their runs."""
    url = os.environ.get("LADING_TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    shared = make_url(url)
    own = shared.set(database=f"{shared.database}_{worker}")
    admin = create_engine(shared, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    admin.dispose()
    os.environ["LADING_TEST_DATABASE_URL"] = own.render_as_string(hide_password=False)


_give_this_test_process_its_own_database()

# `LADING_TEST_MODE=remote` runs the same tests with the CLI in remote mode: every `lading …` a test
# types goes over HTTP to one real `lading serve` (each test in a workspace of its own, with its own
# token), while the test's direct reads of the store see the server's store.
REMOTE = os.environ.get("LADING_TEST_MODE") == "remote"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "embedded_only: the test configures the CLI process itself "
                                       "(environment, files in its home), which a remote server cannot see")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if REMOTE:
        skip = pytest.mark.skip(reason="embedded only: configures the CLI process, not the server")
        for item in items:
            if "embedded_only" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def remote_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The one server of a remote-mode pass (None in the embedded pass)."""
    if not REMOTE:
        yield None
        return
    from api_server import start_server, stop_server

    server = start_server(tmp_path_factory.mktemp("remote") / "home", workspaces=())
    yield server
    stop_server(server)


@pytest.fixture(autouse=True)
def lading_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[Path]:
    from lading.store.database import reset_database_cache

    server = request.getfixturevalue("remote_server") if REMOTE else None
    home = tmp_path / "home" if server is None else server.home
    monkeypatch.setenv("LADING_HOME", str(home))
    monkeypatch.setenv("LADING_CACHE_DIR", str(CACHE_DIR))
    monkeypatch.setenv("LADING_WORKSPACE_NAME", f"test-{uuid.uuid4().hex[:12]}")
    monkeypatch.setenv("LADING_WORKER_IDLE_EXIT", "3")
    monkeypatch.setenv("LADING_LEASE_SECONDS", "5")
    monkeypatch.delenv("LADING_DEBUG", raising=False)
    # One key for every process of the suite, as a real deployment shares one across its workers
    # (on the shared PostgreSQL pass, a worker started by another test may execute this test's runs).
    monkeypatch.setenv("LADING_SECRET_KEY", SUITE_SECRET_KEY)
    url = os.environ.get("LADING_TEST_DATABASE_URL")
    if url:
        monkeypatch.setenv("LADING_DATABASE_URL", url)
    else:
        monkeypatch.delenv("LADING_DATABASE_URL", raising=False)
    monkeypatch.delenv("LADING_API_URL", raising=False)
    monkeypatch.delenv("LADING_TOKEN", raising=False)
    reset_database_cache()
    if server is not None:
        from lading.services.wiring import open_session
        from lading.services.workspace.tokens import create_token

        token = create_token(open_session(), name="remote test")["token"]["token"]
        monkeypatch.setenv("LADING_API_URL", server.url)
        monkeypatch.setenv("LADING_TOKEN", token)
    yield home
    if server is None:
        _stop_background_worker(home)
    reset_database_cache()


def _stop_background_worker(home: Path) -> None:
    """Stop the on-demand worker a test started, so it cannot pick up another test's runs on the
    shared PostgreSQL database (it would exit by itself once idle)."""
    import signal
    import time

    pid_file = home / "worker.pid"
    try:
        pid = int(pid_file.read_text())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            # Started by this process (a command run in-process): reap it, or it lingers as a zombie.
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:
            pass
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


Result = tuple[int, Any]


def run_cli(*args: str, stdin: str | None = None) -> Result:
    """Invoke `lading <args>` in-process; returns (exit code, parsed JSON or raw text). In the remote
    pass every command goes over HTTP to the session's server."""
    from lading.cli.main import main

    out = io.StringIO()
    old_out, old_in = sys.stdout, sys.stdin
    sys.stdout = out
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        code = main(list(args))
    finally:
        sys.stdout, sys.stdin = old_out, old_in
    text = out.getvalue()
    try:
        return code, json.loads(text)
    except json.JSONDecodeError:
        return code, text


@pytest.fixture
def cli() -> Callable[..., Result]:
    return run_cli


def read_export(url: str) -> str:
    """The text of an export a download command answered: a `file://` URL embedded, a URL signed for
    the server in remote mode (fetched from it, as a user would). Either names `…/exports/<id>/<file>`."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme == "file":
        path = Path(unquote(parts.path))
        assert path.is_absolute() and path.parent.parent.name == "exports", url
        return path.read_text(encoding="utf-8")
    import httpx

    assert parts.scheme == "http" and parts.path.startswith("/v1/exports/") and "signature=" in parts.query, url
    response = httpx.get(url, timeout=60)
    assert response.status_code == 200, response.text
    return response.content.decode("utf-8")


def j(value: Any) -> str:
    """Compact JSON for a flag value."""
    return json.dumps(value)


@pytest.fixture
def remote(api_server: Any, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """`lading …` in remote mode against the module's server as workspace alpha: (exit code, JSON)."""
    monkeypatch.setenv("LADING_API_URL", api_server.url)
    monkeypatch.setenv("LADING_TOKEN", api_server.tokens["alpha"])
    return cli


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real `lading serve` shared by a test module, with workspaces `alpha` and `beta` and a token
    for each (`api_server.client("alpha")`)."""
    from api_server import start_server, stop_server

    server = start_server(tmp_path_factory.mktemp("server") / "home")
    yield server
    stop_server(server)
