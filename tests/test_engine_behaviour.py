"""Engine behaviour a user relies on: retries that recover, waits that hold no worker, credits,
python steps, code limits that leave the worker alive."""

from __future__ import annotations

import time
from typing import Any

import pytest

from conftest import j, run_cli
from graphs import chain, end, node, start, var


def run_nodes(nodes: list[dict[str, Any]], data: dict[str, Any] | None = None) -> dict[str, Any]:
    code, out = run_cli("orchestration", "run", "create", "--nodes", j(nodes), "--data", j(data or {}),
                        "--wait-until-finished")
    assert code == 0, out
    return out


def test_retry_recovers_after_transient_failures() -> None:
    ready_at = int(time.time() * 1000) + 1200
    script = f"if (Date.now() < {ready_at}) throw new Error('not yet'); return 'ok';"
    flaky = node("flaky", "script", {"script": script},
                 retry={"maximumAttempts": 6, "initialInterval": 500, "backoffCoefficient": 1.5})
    out = run_nodes(chain(start(), flaky, end([var("v", "{{nodes.flaky.result}}")])))
    assert out["run"]["status"] == "success"
    ex = [e for e in out["run"]["executions"] if e["nodeSlug"] == "flaky"]
    assert len(ex) == 1 and ex[0]["status"] == "success" and ex[0]["attempts"] >= 2
    assert out["runContext"]["end"] == {"v": "ok"}


def test_retry_backoff_holds_no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LADING_AUTOSTART_WORKER", "0")
    flaky = node("flaky", "script", {"script": "throw new Error('down')"},
                 retry={"maximumAttempts": 2, "initialInterval": 60_000, "backoffCoefficient": 1})
    _, waiting = run_cli("orchestration", "run", "create", "--nodes", j(chain(start(), flaky, end())))
    time.sleep(0.01)
    _, other = run_cli("orchestration", "run", "create", "--nodes", j(chain(start(), end())))
    from lading.services.orchestration.runs import run_status
    from lading.services.wiring import open_session
    from lading.store.schema import runs
    from lading.worker.loop import WorkerOptions, run_worker

    sess = open_session()
    # One worker slot: the run waiting on its back-off must give it up so the other run completes.
    started = time.monotonic()
    run_worker(sess.db, WorkerOptions(concurrency=1, claim_batch=1, poll_interval=0.05,
                                      stop_when=lambda: run_status(sess, other["run"]["uuid"]) == "success"
                                      or time.monotonic() - started > 20))
    assert run_status(sess, other["run"]["uuid"]) == "success"
    with sess.db.read() as conn:
        row = conn.execute(runs.select().where(runs.c.uuid == waiting["run"]["uuid"])).one()
    assert row.status == "running" and row.lease_owner is None and row.cursor_attempt == 1
    _, out = run_cli("orchestration", "run", "get", waiting["run"]["uuid"])
    assert out["run"]["executions"][-1]["status"] == "idle" and out["run"]["executions"][-1]["attempts"] == 1


def test_credits_provider_zero_and_execution_charge_per_node() -> None:
    nodes = chain(start(), node("v", "variables", {"variables": [var("a", 1)]}), end())
    out = run_nodes(nodes)
    assert out["run"]["creditsUsedCount"] == 0
    assert all(e["creditsUsedCount"] == 0 for e in out["run"]["executions"])
    from sqlalchemy import func, select

    from lading.services.wiring import open_session
    from lading.store.schema import executions

    sess = open_session()
    with sess.db.read() as conn:
        charge, count = conn.execute(select(func.sum(executions.c.execution_charge), func.count())
                                     .where(executions.c.run_uuid == out["run"]["uuid"])).one()
    assert count == 3 and charge == pytest.approx(0.03)


def test_python_step_in_a_run() -> None:
    code = "import datetime\nresult = {'domain': nodes['start']['email'].split('@')[1], 'n': len(nodes), " \
           "'when': datetime.date(2025, 1, 15), 'tags': {'b'}}"
    out = run_nodes(chain(start(), node("py", "python", {"script": code}),
                          end([var("domain", "{{nodes.py.result.domain}}")])), {"email": "a@b.io"})
    assert out["run"]["status"] == "success", out["run"]
    assert out["runContext"]["py"] == {"result": {"domain": "b.io", "n": 1, "when": "2025-01-15", "tags": ["b"]}}
    assert out["runContext"]["end"] == {"domain": "b.io"}


@pytest.mark.embedded_only  # the 1 s code time limit is set in the CLI process's environment
def test_endless_loops_stop_at_the_limit_and_the_worker_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LADING_CODE_TIMEOUT_SECONDS", "1")
    for action, script in (("script", "while (true) {}"), ("python", "while True:\n    pass")):
        out = run_nodes(chain(start(), node("spin", action, {"script": script}), end()))
        assert out["run"]["status"] == "error"
        assert "time limit" in out["run"]["executions"][-1]["errorMessage"]
    out = run_nodes(chain(start(), node("fine", "script", {"script": "return 1 + 1;"}), end()))
    assert out["runContext"]["fine"] == {"result": 2}


def test_python_cannot_reach_the_network_or_host_files(tmp_path: Any) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top-secret")
    code = ("import socket\ntry:\n    socket.create_connection(('127.0.0.1', 9), timeout=1)\n    net = 'open'\n"
            "except Exception as e:\n    net = type(e).__name__\ntry:\n"
            f"    open({str(secret)!r}).read()\n    files = 'read'\n"
            "except Exception as e:\n    files = type(e).__name__\n"
            "result = {'net': net, 'files': files}")
    out = run_nodes(chain(start(), node("py", "python", {"script": code}), end()))
    result = out["runContext"]["py"]["result"]
    assert result["net"] != "open" and result["files"] != "read"


@pytest.mark.embedded_only  # patches the worker of this process; a server runs its own
def test_a_cancel_that_races_a_parking_step_ends_the_run_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cancel lands while the worker holds the run and is about to park it on a 60-minute delay:
    the run must still end `cancelled` now, not when the delay is over."""
    monkeypatch.setenv("LADING_AUTOSTART_WORKER", "0")
    nodes = chain(start(), node("wait", "delay", {"minutes": 60}), end())
    wf = run_cli("orchestration", "tool", "create", "--name", "Parks")[1]["tool"]["workflowUuid"]
    run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf, "--nodes", j(nodes))
    _, created = run_cli("orchestration", "run", "create", "--workflow-uuid", wf)
    run_uuid = created["run"]["uuid"]

    from lading.services.orchestration.runs import cancel_runs, run_status
    from lading.services.wiring import open_session
    from lading.store.repositories import run_queue
    from lading.worker.loop import WorkerOptions, run_worker

    sess = open_session()
    commit = run_queue.commit_outcomes

    def cancel_then_commit(db: Any, owner: str, outcomes: Any, now: Any) -> Any:
        if any(o.available_at is not None and o.run.uuid == run_uuid for o in outcomes):
            assert cancel_runs(sess, workflow_uuid=wf, uuids=[run_uuid])["runs"][0]["status"] == "cancelling"
        return commit(db, owner, outcomes, now)

    monkeypatch.setattr(run_queue, "commit_outcomes", cancel_then_commit)
    started = time.monotonic()
    run_worker(sess.db, WorkerOptions(poll_interval=0.05, stop_when=lambda: run_status(sess, run_uuid) == "cancelled"
                                      or time.monotonic() - started > 10))
    assert run_status(sess, run_uuid) == "cancelled"
    _, out = run_cli("orchestration", "run", "get", run_uuid)
    assert out["run"]["executions"][-1]["status"] == "cancelled" and "end" not in out["runContext"]


@pytest.mark.embedded_only  # patches the worker of this process; a server runs its own
@pytest.mark.alone  # its leases lapse on purpose: on a shared store another test's worker may rightly take over
def test_a_worker_whose_leases_lapse_never_drives_its_own_run_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    """A heartbeat held up (by a busy machine, by user code filling the thread pool) lets the leases of
    a worker lapse while it still drives its runs. Its next claim must not take its own in-flight run
    for a crashed one: the step would run twice and count as an interrupted attempt."""
    monkeypatch.setenv("LADING_AUTOSTART_WORKER", "0")
    slow = "const t = Date.now(); while (Date.now() - t < 2500) {} return nodes.start.n * 2;"
    nodes = chain(start(), node("slow", "script", {"script": slow}), end([var("double", "{{nodes.slow.result}}")]))
    wf = run_cli("orchestration", "tool", "create", "--name", "Slow")[1]["tool"]["workflowUuid"]
    run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf, "--nodes", j(nodes))
    _, created = run_cli("orchestration", "run", "create", "--workflow-uuid", wf, "--data", j({"n": 21}))
    run_uuid = created["run"]["uuid"]

    from lading.services.orchestration.runs import run_status
    from lading.services.wiring import open_session
    from lading.store.repositories import run_queue
    from lading.worker.loop import WorkerOptions, run_worker

    monkeypatch.setattr(run_queue, "extend_leases", lambda *args, **kwargs: None)  # the heartbeat never lands
    sess = open_session()
    started = time.monotonic()
    run_worker(sess.db, WorkerOptions(poll_interval=0.05, lease_seconds=0.5, stop_when=lambda: run_status(
        sess, run_uuid) in ("success", "error") or time.monotonic() - started > 30))
    _, out = run_cli("orchestration", "run", "get", run_uuid)
    assert out["run"]["status"] == "success", out["run"]
    steps = [(e["nodeSlug"], e["attempts"]) for e in out["run"]["executions"]]
    assert steps == [("start", 1), ("slow", 1), ("end", 1)], steps
    assert out["runContext"]["end"] == {"double": 42}
