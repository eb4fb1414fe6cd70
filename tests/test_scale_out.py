"""Scale-out: several real worker processes draining one batch, with and without a SIGKILL.

Every record must reach a terminal state exactly once: one run per record, every node executed
once per run (uncommitted work of a killed worker is redone, never duplicated), none lost.
On PostgreSQL (the suite's second pass) four workers drain 20,000 records; on the embedded SQLite
store the same test runs with 2,000 records to keep the first pass quick.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import j, run_cli
from graphs import chain, end, node, start, var

POSTGRES = bool(os.environ.get("LADING_TEST_DATABASE_URL"))
RECORDS = 20_000 if POSTGRES else 2_000


def _graph() -> list[dict[str, Any]]:
    return chain(start(), node("vars", "variables", {"variables": [var("n", "{{nodes.start.n}}", "number")]}),
                 node("gate", "filter", {"filter": "{{nodes.vars.n >= 0}}"}),
                 node("tag", "variables", {"variables": [var("tier", "{{nodes.vars.n > 10 ? 'big' : 'small'}}")]}),
                 end([var("tier", "{{nodes.tag.tier}}")]))


def _workers(count: int) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen([sys.executable, "-m", "lading", "worker", "--concurrency", "256", "--idle-exit", "3"],
                             env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True) for _ in range(count)]


def _drain(tmp_path: Path, kill_one: bool) -> None:
    csv = tmp_path / "records.csv"
    csv.write_text("_id,n\n" + "".join(f"rec-{i},{i % 50}\n" for i in range(RECORDS)))
    _, uploaded = run_cli("workspaceManagement", "file", "upload", "--file-path", str(csv))
    code, created = run_cli("orchestration", "batch", "create", "--nodes", j(_graph()),
                            "--data", j({"kind": "file", "s3Filename": uploaded["s3Filename"]}))
    assert code == 0, created
    batch = created["batch"]["uuid"]
    procs = _workers(4)
    try:
        deadline = time.time() + 600
        killed = False
        while time.time() < deadline:
            _, doc = run_cli("orchestration", "batch", "get", batch)
            if kill_one and not killed and doc["batch"]["executedRunsCount"] >= RECORDS // 4:
                os.killpg(procs[0].pid, signal.SIGKILL)
                killed = True
            if doc["batch"]["status"] in ("success", "error", "cancelled"):
                break
            time.sleep(0.5)
        assert doc["batch"]["status"] == "success", doc
        assert not kill_one or killed
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
    assert doc["batch"]["runsCount"] == RECORDS and doc["batch"]["executedRunsCount"] == RECORDS
    assert doc["batch"]["failedRunsCount"] == 0

    from sqlalchemy import func, select

    from lading.services.wiring import open_session
    from lading.store.schema import executions, runs

    sess = open_session()
    with sess.db.read() as conn:
        per_record = conn.execute(select(runs.c.record_id, func.count()).where(runs.c.batch_uuid == batch)
                                  .group_by(runs.c.record_id).having(func.count() != 1)).all()
        assert per_record == []  # exactly one run per record
        distinct = conn.execute(select(func.count(func.distinct(runs.c.record_id)))
                                .where(runs.c.batch_uuid == batch)).scalar_one()
        assert distinct == RECORDS
        statuses = dict(conn.execute(select(runs.c.status, func.count()).where(runs.c.batch_uuid == batch)
                                     .group_by(runs.c.status)).all())
        assert statuses == {"success": RECORDS}
        dup = conn.execute(select(executions.c.run_uuid, executions.c.node_uuid, func.count())
                           .where(executions.c.batch_uuid == batch)
                           .group_by(executions.c.run_uuid, executions.c.node_uuid)
                           .having(func.count() != 1)).all()
        assert dup == []  # every node of every run recorded exactly once
        total = conn.execute(select(func.count()).where(executions.c.batch_uuid == batch)).scalar_one()
        assert total == RECORDS * 5


@pytest.mark.slow
def test_four_workers_drain_a_batch_exactly_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LADING_AUTOSTART_WORKER", "0")
    _drain(tmp_path, kill_one=False)


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LADING_AUTOSTART_WORKER", "0")
    monkeypatch.setenv("LADING_LEASE_SECONDS", "3")
    _drain(tmp_path, kill_one=True)
