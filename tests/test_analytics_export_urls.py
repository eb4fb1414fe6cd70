"""Export URLs signed for `lading serve` (spec §4.1): the file streams from the real server; an expired,
tampered or re-targeted URL is 403."""

from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from analytics_store import Filled, fill, remove
from conftest import REMOTE, run_cli


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(lading_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if REMOTE:  # the remote pass's server signs the URLs the CLI receives from it
        yield os.environ["LADING_API_URL"]
        return
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "lading", "serve", "--port", str(port)], env=dict(os.environ),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/v1/exports/x/y", timeout=0.5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "server did not start")
        monkeypatch.setenv("LADING_API_URL", base)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def store() -> Iterator[Filled]:
    from lading.services.wiring import open_session

    session = open_session()
    filled = fill(session.db, session.workspace_uuid, seed=11, runs_count=30)
    yield filled
    remove(session.db, filled)


def test_signed_export_urls_are_served_and_guarded(server: str, store: Filled) -> None:
    wf = store.workflows[0]
    code, out = run_cli("orchestration", "run", "download-outputs", "--workflow-uuid", wf,
                        "--output-node-slug", "start")
    assert code == 0, out
    url = out["url"]
    parts = urlsplit(url)
    assert url.startswith(f"{server}/v1/exports/") and parts.path.endswith("/outputs-start.csv")
    query = parse_qs(parts.query)
    assert int(query["expires"][0]) > time.time() + 3000  # default TTL 3,600 s
    response = httpx.get(url)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == sum(r["workflow_uuid"] == wf for r in store.runs)

    signature = query["signature"][0]
    tampered = url.replace(signature, ("0" if signature[0] != "0" else "1") + signature[1:])
    assert httpx.get(tampered).status_code == 403
    assert httpx.get(url.replace("outputs-start.csv", "records.csv")).status_code == 403
    assert httpx.get(f"{server}{parts.path}").status_code == 403  # unsigned
    assert httpx.get(url.replace(signature, "é" * len(signature))).status_code == 403  # not hex at all

    from lading.services import export_urls

    folder, name = parts.path.split("/")[-2:]
    expired = export_urls.signed_url(server, folder, name, now=time.time() - 7200)
    assert httpx.get(expired).status_code == 403

    code, out = run_cli("orchestration", "record", "download", "--workflow-uuid", wf)
    response = httpx.get(out["url"])
    assert response.status_code == 200 and response.text.startswith("id,title,")
