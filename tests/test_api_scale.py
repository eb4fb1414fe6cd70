"""Several `lading serve` processes and a separate `lading worker` sharing one PostgreSQL (issue 13).

A team server scales out by starting more processes on the same database: here `lading serve
--workers 2` (two server processes, each with its resident worker), a second `lading serve`, and one
`lading worker`. Runs and batches created through both servers at once must each finish exactly
once: every run terminal and successful, every node of every run recorded once (no lost run, no
execution duplicated by two workers), one run per batch record, and both servers still ready.
PostgreSQL only: the embedded SQLite store is one machine's single-writer file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from api_server import Server, start_server, stop_server

pytestmark = pytest.mark.skipif(not os.environ.get("LADING_TEST_DATABASE_URL"),
                                reason="several servers share one store only on PostgreSQL")

GRAPH = json.loads((Path(__file__).resolve().parent.parent / "bench" / "five_node_graph.json").read_text())
ACTION = {"kind": "native", "actionSlug": "variables", "config": {}}
RUNS_PER_SERVER = 100
BATCH_RECORDS = 30
TERMINAL = ("success", "error", "cancelled", "skipped")


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server, subprocess.Popen[bytes]]]:
    """`serve --workers 2` with workspace alpha, a second `serve` on the same database bearing the
    same tokens, and one `lading worker`."""
    first = start_server(tmp_path_factory.mktemp("serve-a"), workspaces=("alpha",), workers=2)
    second = start_server(tmp_path_factory.mktemp("serve-b"), workspaces=())
    second.tokens, second.workspaces = dict(first.tokens), dict(first.workspaces)
    env = {**first.env, "LADING_WORKSPACE_NAME": first.workspaces["alpha"]}
    worker = subprocess.Popen([sys.executable, "-m", "lading", "worker", "--concurrency", "64"], env=env,
                              stdout=subprocess.DEVNULL, stderr=(first.home / "worker.log").open("ab"),
                              start_new_session=True)
    try:
        yield first, second, worker
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
        stop_server(second)
        stop_server(first)


def _ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()


def _create_runs(client: httpx.Client, offset: int) -> list[str]:
    return [_ok(client.post("/orchestration/runs", json={"nodes": GRAPH, "data": {"employees": offset + i}}))
            ["run"]["uuid"] for i in range(RUNS_PER_SERVER)]


def _records(offset: int) -> list[dict[str, Any]]:
    """Batch records: the action's config is the same for all, each record's own value read from it."""
    return [{"_id": f"rec-{offset + i}", "n": offset + i,
             "variables": [{"name": "x", "type": "number", "value": "{{nodes.start.n}}"}]}
            for i in range(BATCH_RECORDS)]


def _wait_terminal(client: httpx.Client, path: str, key: str, deadline: float) -> dict[str, Any]:
    while True:
        document = _ok(client.get(path))
        if document[key]["status"] in TERMINAL:
            return dict(document)
        assert time.monotonic() < deadline, document
        time.sleep(0.05)


def test_two_servers_and_a_worker_finish_every_run_exactly_once(
        servers: tuple[Server, Server, subprocess.Popen[bytes]]) -> None:
    first, second, worker = servers
    a, b = first.client("alpha"), second.client("alpha")
    assert _ok(a.get("/whoami"))["workspace"] == _ok(b.get("/whoami"))["workspace"]
    workspace_uuid = _ok(a.get("/whoami"))["workspace"]["uuid"]

    # Both servers take requests at once: runs through each, and a batch through each.
    with ThreadPoolExecutor(4) as pool:
        runs_a = pool.submit(_create_runs, a, 0)
        runs_b = pool.submit(_create_runs, b, 1000)
        batch_a = pool.submit(lambda: _ok(a.post("/orchestration/actions/execute-batch", json={
            "action": ACTION, "records": _records(0)}))["batch"]["uuid"])
        batch_b = pool.submit(lambda: _ok(b.post("/orchestration/actions/execute-batch", json={
            "action": ACTION, "records": _records(1000)}))["batch"]["uuid"])
        run_uuids = runs_a.result() + runs_b.result()
        batch_uuids = [batch_a.result(), batch_b.result()]
    assert len(set(run_uuids)) == 2 * RUNS_PER_SERVER

    deadline = time.monotonic() + 180
    for index, uuid in enumerate(run_uuids):  # each run read through either server
        document = _wait_terminal(a if index % 2 else b, f"/orchestration/runs/{uuid}", "run", deadline)
        run = document["run"]
        assert run["status"] == "success", run
        nodes = [e["nodeUuid"] for e in run["executions"]]
        assert len(nodes) == 5 and len(set(nodes)) == 5, run["executions"]  # start, vars, branch, tag, end
        employees = (index % RUNS_PER_SERVER) + (0 if index < RUNS_PER_SERVER else 1000)
        assert document["runContext"]["end"] == {"tier": "large" if employees > 500 else "small"}
    for index, uuid in enumerate(batch_uuids):
        batch = _wait_terminal(b if index else a, f"/orchestration/batches/{uuid}", "batch", deadline)["batch"]
        assert batch["status"] == "success", batch

    # The store itself: one run per batch record, each node of each run recorded exactly once.
    from sqlalchemy import create_engine, func, select

    from lading.store.schema import executions, runs

    engine = create_engine(os.environ["LADING_TEST_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            in_batches = dict(conn.execute(
                select(runs.c.batch_uuid, func.count()).where(runs.c.batch_uuid.in_(batch_uuids))
                .group_by(runs.c.batch_uuid)).all())
            assert in_batches == {uuid: BATCH_RECORDS for uuid in batch_uuids}
            statuses = dict(conn.execute(
                select(runs.c.status, func.count()).where(runs.c.batch_uuid.in_(batch_uuids))
                .group_by(runs.c.status)).all())
            assert statuses == {"success": 2 * BATCH_RECORDS}
            per_record = conn.execute(
                select(runs.c.batch_uuid, runs.c.record_id, func.count()).where(runs.c.batch_uuid.in_(batch_uuids))
                .group_by(runs.c.batch_uuid, runs.c.record_id).having(func.count() != 1)).all()
            assert per_record == []
            duplicated = conn.execute(
                select(executions.c.run_uuid, executions.c.node_uuid, func.count())
                .where(executions.c.workspace_uuid == workspace_uuid)
                .group_by(executions.c.run_uuid, executions.c.node_uuid).having(func.count() != 1)).all()
            assert duplicated == []
            total = conn.execute(select(func.count()).where(executions.c.workspace_uuid == workspace_uuid)
                                 ).scalar_one()
            assert total == 2 * RUNS_PER_SERVER * 5 + 2 * BATCH_RECORDS * 3  # start → action → end per record
    finally:
        engine.dispose()

    for server in (first, second):
        assert httpx.get(f"{server.url}/ready", timeout=10).status_code == 200
    assert worker.poll() is None  # the separate worker is still serving
