"""Nothing stranded: Ctrl-C (SIGINT) or a closed terminal (SIGHUP) while `lading` waits with
`--wait-until-finished` ends the command, never the work.

A real `lading` process waits on a batch (or a run) that takes several seconds; the test signals it
mid-way and checks what a user sees (exit 130 / 129, the uuid and the command to follow it on
stderr, the object as it stands on stdout, no traceback). Then, without running any other `lading`
command, it reads the store directly until the work is finished and checks that every record ran
exactly once, every node of every run recorded once: the waiting CLI handed its work to the
background worker (leases released at once, the worker started) rather than stranding it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

from conftest import j
from graphs import chain, end, node, start

RECORDS = 120
BUSY = "const t = Date.now(); while (Date.now() - t < {ms}) {{}} return {value};"


def _batch_graph() -> list[dict[str, Any]]:
    """A little CPU per record, then a park (a delay holds no worker) that grows with the record's
    number: record i ends about i × 60 ms after the start, so the batch takes several seconds."""
    return chain(start(), node("work", "script", {"script": BUSY.format(ms=20, value="nodes.start.i * 10")}),
                 node("pause", "delay", {"minutes": "{{nodes.start.i / 1000}}"}), end())


def _run_graph() -> list[dict[str, Any]]:
    """One run of several slow steps: the signal lands while one of them is in flight."""
    steps = [node(f"step{i}", "script", {"script": BUSY.format(ms=700, value=str(i))}) for i in range(1, 6)]
    return chain(start(), *steps, end())


def _lading(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "lading", *args], env=env or dict(os.environ),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _store() -> Any:
    from lading.services.wiring import open_session

    return open_session()


def _batch(batch_uuid: str | None = None) -> dict[str, Any] | None:
    """The test workspace's newest batch (or the given one) as `batch get` shows it, read in-process
    (the service reads the store; no `lading` command runs)."""
    from sqlalchemy import select

    from lading.services.orchestration import batches as batch_service
    from lading.store.schema import batches

    sess = _store()
    if batch_uuid is None:
        with sess.db.read() as conn:
            batch_uuid = conn.execute(select(batches.c.uuid).where(batches.c.workspace_uuid == sess.workspace_uuid)
                                      .order_by(batches.c.created_at.desc()).limit(1)).scalar()
        if batch_uuid is None:
            return None
    return dict(batch_service.get_batch(sess, str(batch_uuid))["batch"])


def _executions_of(**where: str) -> list[tuple[str, str, str]]:
    """(run uuid, node slug, status) of every execution of a batch or run tree."""
    from sqlalchemy import select

    from lading.store.schema import executions

    column = executions.c.batch_uuid if "batch_uuid" in where else executions.c.run_uuid
    value = where.get("batch_uuid") or where["run_uuid"]
    with _store().db.read() as conn:
        return [tuple(r) for r in conn.execute(select(executions.c.run_uuid, executions.c.node_slug,
                                                      executions.c.status).where(column == value))]


def _stopped(proc: subprocess.Popen[str], sig: int) -> tuple[float, str, str]:
    """Signal the waiting CLI; (seconds until it exited, stdout, stderr)."""
    sent = time.monotonic()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    return time.monotonic() - sent, out, err


def _assert_told(out: str, err: str, noun: str, uuid: str) -> dict[str, Any]:
    """What the user sees after the signal: the object on stdout, where it went and how to follow it on
    stderr, no Python traceback anywhere."""
    assert "Traceback" not in err and "Traceback" not in out, err
    assert uuid in err and f"lading orchestration {noun} get {uuid}" in err, err
    document = json.loads(out)
    assert document[noun]["uuid"] == uuid
    return dict(document[noun])


def _held_by(pid: int) -> list[str]:
    """Leases (runs) and feed leases (batches) still held by the process `pid` (owners are `host:pid:…`)."""
    from sqlalchemy import select

    from lading.store.schema import batches, runs

    mark = f"%:{pid}:%"
    with _store().db.read() as conn:
        held = [r.uuid for r in conn.execute(select(runs.c.uuid).where(runs.c.lease_owner.like(mark)))]
        held += [b.uuid for b in conn.execute(select(batches.c.uuid).where(
            batches.c.feed_owner.like(mark)))]
    return held


@pytest.mark.embedded_only
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGHUP, 129)], ids=["SIGINT", "SIGHUP"])
def test_a_batch_carries_on_after_the_waiting_cli_is_interrupted(sig: int, code: int) -> None:
    records = [{"_id": f"rec-{i}", "i": i} for i in range(RECORDS)]
    proc = _lading("orchestration", "batch", "create", "--nodes", j(_batch_graph()),
                   "--data", j({"kind": "records", "records": records}), "--wait-until-finished")
    try:
        batch = _until(lambda: (found := _batch()) is not None and found["executedRunsCount"] >= 5 and found,
                       120, "the batch to be under way")["uuid"]
    finally:
        if proc.poll() is None:
            took, out, err = _stopped(proc, sig)
        else:
            out, err = proc.communicate()
            raise AssertionError(f"the CLI finished before the signal: {proc.returncode} {out} {err}")
    assert proc.returncode == code, (out, err)
    assert took < 15, f"the CLI took {took:.1f}s to stop"
    shown = _assert_told(out, err, "batch", batch)
    assert shown["status"] in ("pending", "running") and shown["executedRunsCount"] < RECORDS, shown
    assert _held_by(proc.pid) == []  # given up at once, not when the leases expire

    # No other `lading` command from here on: only direct reads of the store.
    done = _until(lambda: (found := _batch(batch) or {}).get("status") not in ("pending", "running") and found,
                  180, "the batch to finish without the CLI")
    assert done["status"] == "success" and done["executedRunsCount"] == RECORDS and done["failedRunsCount"] == 0

    from sqlalchemy import func, select

    from lading.store.schema import runs

    with _store().db.read() as conn:
        per_record = dict(conn.execute(select(runs.c.record_id, func.count()).where(runs.c.batch_uuid == batch)
                                       .group_by(runs.c.record_id)).all())
        statuses = dict(conn.execute(select(runs.c.status, func.count()).where(runs.c.batch_uuid == batch)
                                     .group_by(runs.c.status)).all())
    assert per_record == {f"rec-{i}": 1 for i in range(RECORDS)}  # every record exactly once
    assert statuses == {"success": RECORDS}
    executions = _executions_of(batch_uuid=batch)
    assert sorted(executions) == sorted({(run, slug, "success") for run, slug, _ in executions})
    assert len(executions) == RECORDS * 4  # start, work, pause, end: each once per run


@pytest.mark.embedded_only
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGHUP, 129)], ids=["SIGINT", "SIGHUP"])
def test_a_run_carries_on_after_the_waiting_cli_is_interrupted(sig: int, code: int) -> None:
    from sqlalchemy import select

    from lading.store.schema import runs

    proc = _lading("orchestration", "run", "create", "--nodes", j(_run_graph()), "--wait-until-finished")

    def under_way() -> Any:
        sess = _store()
        with sess.db.read() as conn:
            row = conn.execute(select(runs.c.uuid).where(runs.c.workspace_uuid == sess.workspace_uuid)).first()
        if row is None:
            return None
        finished = [e for e in _executions_of(run_uuid=row.uuid) if e[2] == "success"]
        return row.uuid if any(slug == "step1" for _, slug, _ in finished) else None

    try:
        run_uuid = _until(under_way, 120, "the run to be under way")
    finally:
        if proc.poll() is None:
            took, out, err = _stopped(proc, sig)
        else:
            out, err = proc.communicate()
            raise AssertionError(f"the CLI finished before the signal: {proc.returncode} {out} {err}")
    assert proc.returncode == code, (out, err)
    assert took < 15, f"the CLI took {took:.1f}s to stop"
    shown = _assert_told(out, err, "run", run_uuid)
    assert shown["status"] == "running", shown
    assert _held_by(proc.pid) == []

    def finished() -> Any:
        with _store().db.read() as conn:
            status = conn.execute(select(runs.c.status).where(runs.c.uuid == run_uuid)).scalar_one()
        return status if status not in ("pending", "running") else None

    assert _until(finished, 180, "the run to finish without the CLI") == "success"
    slugs = sorted(slug for _, slug, status in _executions_of(run_uuid=run_uuid) if status == "success")
    assert slugs == sorted(["start", "step1", "step2", "step3", "step4", "step5", "end"])  # each node once


def test_a_remote_wait_interrupted_leaves_the_batch_to_the_server(api_server: Any) -> None:
    """Remote mode: the CLI only polls; Ctrl-C stops the polling and the server's worker finishes."""
    records = [{"_id": f"rec-{i}", "i": i} for i in range(RECORDS)]
    env = {**os.environ, "LADING_API_URL": api_server.url, "LADING_TOKEN": api_server.tokens["alpha"]}
    alpha = api_server.client("alpha")
    before = {b["uuid"] for b in alpha.get("/orchestration/batches/list", params={"limit": 1000}).json()["batches"]}
    proc = _lading("orchestration", "batch", "create", "--nodes", j(_batch_graph()),
                   "--data", j({"kind": "records", "records": records}), "--wait-until-finished",
                   "--polling-interval", "200", env=env)

    def under_way() -> Any:
        listed = alpha.get("/orchestration/batches/list", params={"limit": 1000}).json()["batches"]
        new = [b for b in listed if b["uuid"] not in before]
        return new[0]["uuid"] if new and new[0]["executedRunsCount"] >= 5 else None

    try:
        batch_uuid = _until(under_way, 120, "the batch to be under way on the server")
    finally:
        if proc.poll() is None:
            took, out, err = _stopped(proc, signal.SIGINT)
        else:
            out, err = proc.communicate()
            raise AssertionError(f"the CLI finished before the signal: {proc.returncode} {out} {err}")
    assert proc.returncode == 130, (out, err)
    assert took < 15
    shown = _assert_told(out, err, "batch", batch_uuid)
    assert "on the server" in err and shown["executedRunsCount"] < RECORDS

    def finished() -> Any:
        batch = alpha.get(f"/orchestration/batches/{batch_uuid}").json()["batch"]
        return batch if batch["status"] not in ("pending", "running") else None

    done = _until(finished, 180, "the server to finish the batch")
    assert done["status"] == "success" and done["executedRunsCount"] == RECORDS == done["runsCount"]


@pytest.mark.embedded_only
# It counts which worker re-ran the step: an 8-second step under 5-second test leases, on a machine
# whose two cores another test process keeps busy, met a worker other than the CLI's taking the run.
@pytest.mark.alone
def test_a_long_step_in_flight_does_not_hold_the_cli_back() -> None:
    """The signal lands in the middle of an 8-second script step: the CLI gives it up after a short
    grace and exits at once; the background worker runs the step again (the re-run counted on the one
    execution of that node) and the run succeeds."""
    from sqlalchemy import select

    from lading.store.schema import executions, runs

    graph = chain(start(), node("long", "script", {"script": BUSY.format(ms=8000, value="1")}), end())
    proc = _lading("orchestration", "run", "create", "--nodes", j(graph), "--wait-until-finished")

    def in_flight() -> Any:
        sess = _store()
        with sess.db.read() as conn:
            return conn.execute(select(executions.c.run_uuid).where(
                executions.c.workspace_uuid == sess.workspace_uuid, executions.c.node_slug == "long",
                executions.c.status == "running")).scalar()

    try:
        run_uuid = str(_until(in_flight, 120, "the long step to start"))
        time.sleep(0.5)
    finally:
        if proc.poll() is None:
            took, out, err = _stopped(proc, signal.SIGINT)
        else:
            out, err = proc.communicate()
            raise AssertionError(f"the CLI finished before the signal: {proc.returncode} {out} {err}")
    assert proc.returncode == 130, (out, err)
    assert took < 5, f"the CLI took {took:.1f}s to stop"
    _assert_told(out, err, "run", run_uuid)
    assert _held_by(proc.pid) == []

    def finished() -> Any:
        with _store().db.read() as conn:
            status = conn.execute(select(runs.c.status).where(runs.c.uuid == run_uuid)).scalar_one()
        return status if status not in ("pending", "running") else None

    assert _until(finished, 180, "the run to finish without the CLI") == "success"
    with _store().db.read() as conn:
        long_steps = conn.execute(select(executions.c.status, executions.c.attempts).where(
            executions.c.run_uuid == run_uuid, executions.c.node_slug == "long")).all()
    assert [tuple(step) for step in long_steps] == [("success", 2)]
