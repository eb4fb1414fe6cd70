"""Durable execution with real processes: a worker SIGKILLed mid-run; another finishes its runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from conftest import j, run_cli
from graphs import chain, end, node, start, var

SLOW_SCRIPT = "const t = Date.now(); while (Date.now() - t < 2500) {} return nodes.start.i * 10;"


def _worker(env: dict[str, str], log: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "lading", "worker", "--concurrency", "8"], env=env,
                            stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)


def _get(run_uuid: str) -> dict[str, Any]:
    code, out = run_cli("orchestration", "run", "get", run_uuid)
    assert code == 0, out
    return out


def test_killed_worker_runs_are_resumed_by_another(monkeypatch: Any, tmp_path: Any) -> None:
    monkeypatch.setenv("LADING_AUTOSTART_WORKER", "0")
    monkeypatch.setenv("LADING_LEASE_SECONDS", "2")
    nodes = chain(start(), node("before", "variables", {"variables": [var("i", "{{nodes.start.i}}")]}),
                  node("slow", "script", {"script": SLOW_SCRIPT}),
                  end([var("value", "{{nodes.slow.result}}"), var("i", "{{nodes.before.i}}")]))
    run_uuids = []
    for i in range(4):
        code, out = run_cli("orchestration", "run", "create", "--nodes", j(nodes), "--data", j({"i": i}))
        assert code == 0 and out["run"]["status"] == "pending"
        run_uuids.append(out["run"]["uuid"])
    env = dict(os.environ)
    first_log, second_log = (tmp_path / "first.log").open("wb"), (tmp_path / "second.log").open("wb")
    first = _worker(env, first_log)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            states = [_get(u) for u in run_uuids]
            if all(any(e["nodeSlug"] == "slow" and e["status"] == "running" for e in s["run"]["executions"])
                   for s in states):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the first worker never reached the slow node")
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    mid = [_get(u) for u in run_uuids]
    assert all(s["run"]["status"] == "running" for s in mid)
    second = _worker(env, second_log)
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            done = [_get(u) for u in run_uuids]
            if all(d["run"]["status"] in ("success", "error") for d in done):
                break
            time.sleep(0.2)
        else:
            second_log.flush()
            raise AssertionError("runs were not resumed: " + j([d["run"] for d in done])[:3000]
                                 + (tmp_path / "second.log").read_text()[-3000:])
    finally:
        os.killpg(second.pid, signal.SIGKILL)
        second.wait()
    assert any(any(e["nodeSlug"] == "slow" and e["status"] == "running" for e in m["run"]["executions"])
               for m in mid), "the kill interrupted no slow step"
    for i, d in enumerate(done):
        run = d["run"]
        assert run["status"] == "success", run
        slugs = [e["nodeSlug"] for e in run["executions"]]
        assert slugs == ["start", "before", "slow", "end"], slugs  # nothing lost, nothing duplicated
        slow = run["executions"][2]
        # The node interrupted by the kill ran exactly once more. (Under load a slow step may finish in
        # the moment between the check above and the kill: it then stands committed and is not re-run.)
        interrupted = any(e["nodeSlug"] == "slow" and e["status"] == "running" for e in mid[i]["run"]["executions"])
        assert slow["attempts"] == (2 if interrupted else 1), (slow, mid[i]["run"]["executions"])
        assert d["runContext"]["end"] == {"value": i * 10, "i": i}


BUSY_EXPRESSION = "{{(() => { const t = Date.now(); while (Date.now() - t < 2500) {} return nodes.a.i + 1; })()}}"


def test_a_crash_inside_a_chain_of_pure_steps_leaves_no_trace_and_each_node_is_recorded_once(
        monkeypatch: Any, tmp_path: Any) -> None:
    """Pure steps are committed together at the end of their chain: a worker killed in the middle
    has persisted nothing of the chain, and the next worker records every node exactly once."""
    monkeypatch.setenv("LADING_AUTOSTART_WORKER", "0")
    monkeypatch.setenv("LADING_LEASE_SECONDS", "2")
    nodes = chain(start(), node("a", "variables", {"variables": [var("i", "{{nodes.start.i}}")]}),
                  node("busy", "variables", {"variables": [var("j", BUSY_EXPRESSION)]}),
                  end([var("j", "{{nodes.busy.j}}")]))
    code, out = run_cli("orchestration", "run", "create", "--nodes", j(nodes), "--data", j({"i": 41}))
    assert code == 0, out
    run_uuid = out["run"]["uuid"]
    env = dict(os.environ)
    first = _worker(env, (tmp_path / "first.log").open("wb"))
    try:
        deadline = time.time() + 60
        while time.time() < deadline and _get(run_uuid)["run"]["status"] != "running":
            time.sleep(0.05)
        time.sleep(1.0)  # inside the busy expression (2.5 s), after start and `a` ran
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    mid = _get(run_uuid)
    assert mid["run"]["status"] == "running"
    assert mid["run"]["executions"] == []  # nothing of the interrupted chain was persisted
    second = _worker(env, (tmp_path / "second.log").open("wb"))
    try:
        deadline = time.time() + 60
        while time.time() < deadline and _get(run_uuid)["run"]["status"] not in ("success", "error"):
            time.sleep(0.2)
    finally:
        os.killpg(second.pid, signal.SIGKILL)
        second.wait()
    done = _get(run_uuid)
    assert done["run"]["status"] == "success", done["run"]
    executions = done["run"]["executions"]
    assert [e["nodeSlug"] for e in executions] == ["start", "a", "busy", "end"]
    assert all(e["attempts"] == 1 for e in executions)
    assert done["runContext"]["end"] == {"j": 42}
