"""User JavaScript cannot pass its limits by any route, and cannot take down anything but its own attempt.

Each escape class of the attack corpus has a test here: WebAssembly memories (outside the V8 heap),
typed arrays (outside the heap too), large allocations that abort V8 before its heap limit is
checked, string building, and a sandbox process killed mid-call. Both faces are covered: `script`
steps and `{{ }}` expressions. The last test runs a real background worker through 100 crashing
scripts in a row and checks that it finishes the rest of its batch.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from lading.engine.expressions import ExpressionError, ExpressionEvaluator
from lading.engine.sandbox import SandboxError, run_script
from lading.engine.v8 import _pool

from conftest import j, run_cli
from graphs import chain, end, node, start, var

MIB = 1024 * 1024
# 40 × 64 MiB of touched typed-array memory: 2.5 GiB, far past the 256 MiB limit, never in the V8 heap.
TYPED_ARRAYS = ("const kept = []; for (let i = 0; i < 40; i++) { const b = new Uint8Array(64 * 1024 * 1024);"
                " b.fill(1); kept.push(b); } return kept.length;")
WASM_GROW = ("const m = new WebAssembly.Memory({initial: 1, maximum: 65536});"
             " for (let i = 0; i < 48; i++) { m.grow(1024); new Uint8Array(m.buffer).fill(1); } return 1;")


def _idle_hosts() -> set[int]:
    return {h.proc.pid for h in _pool.pool()._idle}


def test_webassembly_is_not_reachable_from_a_script_or_an_expression() -> None:
    assert run_script("return typeof WebAssembly + ',' + typeof globalThis.WebAssembly;", {}, {}) == \
        "undefined,undefined"
    with pytest.raises(SandboxError, match="WebAssembly is not defined"):
        run_script(WASM_GROW, {}, {})
    evaluator = ExpressionEvaluator()
    assert evaluator.compute_config("{{ typeof WebAssembly }}", {"nodes": {}}) == "undefined"
    with pytest.raises(ExpressionError, match="WebAssembly is not defined"):
        evaluator.compute_config("{{ new WebAssembly.Memory({initial: 1}).grow(60000) }}", {"nodes": {}})


def test_typed_arrays_cannot_pass_the_memory_limit() -> None:
    with pytest.raises(SandboxError) as hit:
        run_script(TYPED_ARRAYS, {}, {}, memory_bytes=256 * MIB)
    assert hit.value.kind == "memory" and "256 MiB" in hit.value.message
    assert run_script("return 1 + 1;", {}, {}) == 2  # the next call gets a working sandbox


def test_a_large_allocation_fails_the_step_not_the_process() -> None:
    with pytest.raises(SandboxError) as hit:
        run_script("new Array(2 ** 28).fill(0); return 1;", {}, {}, timeout_s=60)
    assert hit.value.kind == "memory"
    assert run_script("return 'still here';", {}, {}) == "still here"


def test_string_building_is_stopped() -> None:
    with pytest.raises(SandboxError) as hit:
        run_script("let s = 'x'; for (;;) s += s;", {}, {})
    assert hit.value.kind in ("error", "memory")
    assert "Invalid string length" in hit.value.message or "memory limit" in hit.value.message


def test_a_v8_abort_is_reported_as_sandbox_crashed_and_not_retried() -> None:
    # With a 2 GiB allowance the watchdog stays out of the way, so V8 reaches its own fatal error
    # ("invalid table size"), which no in-process handler can catch.
    with pytest.raises(SandboxError) as hit:
        run_script("new Array(2 ** 28).fill(0); return 1;", {}, {}, timeout_s=60, memory_bytes=2048 * MIB)
    assert hit.value.kind == "crashed" and hit.value.retryable is False
    assert hit.value.message.startswith("sandboxCrashed:") and "Fatal JavaScript" in hit.value.message
    assert run_script("return 2;", {}, {}) == 2


def test_a_sandbox_killed_mid_call_fails_only_that_call() -> None:
    outcome: dict[str, Any] = {}

    def slow() -> None:
        try:
            outcome["value"] = run_script("for (;;) {}", {}, {}, timeout_s=30)
        except SandboxError as error:
            outcome["error"] = error

    worker = threading.Thread(target=slow)
    worker.start()
    busy: list[int] = []
    for _ in range(200):
        busy = [pid for pid in _children() if pid not in _idle_hosts()]  # checked out: running the script
        if busy:
            break
        time.sleep(0.05)
    assert busy, "the script never reached a sandbox process"
    time.sleep(0.3)
    os.kill(busy[0], signal.SIGSEGV)
    worker.join(30)
    error = outcome.get("error")
    assert isinstance(error, SandboxError) and error.kind == "crashed"
    assert error.message.startswith("sandboxCrashed:") and not error.retryable
    assert run_script("return 3;", {}, {}) == 3


def _children() -> list[int]:
    """Pids of this process's live sandbox hosts (busy ones included)."""
    me = str(os.getpid())
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[1] == me and b"lading.engine.v8._host" in cmdline:
            pids.append(int(entry.name))
    return pids


def test_an_expression_that_exhausts_memory_fails_alone() -> None:
    evaluator = ExpressionEvaluator()
    with pytest.raises(ExpressionError, match="memory limit"):
        evaluator.compute_config("{{ new Array(2 ** 28).fill(0).length }}", {"nodes": {}})
    with pytest.raises(ExpressionError, match="memory limit"):
        evaluator.compute_config(
            "{{ (() => { const k = []; for (let i = 0; i < 40; i++) k.push(new Uint8Array(2 ** 26).fill(1));"
            " return k.length; })() }}", {"nodes": {}})
    assert evaluator.compute_config("{{ nodes.a.n * 2 }}", {"nodes": {"a": {"n": 4}}}) == 8


def test_a_crashing_node_fails_with_a_clear_error_through_the_cli() -> None:
    graph = chain(start(), node("boom", "script", {"script": TYPED_ARRAYS}), end([var("x", "{{nodes.boom.result}}")]))
    code, out = run_cli("orchestration", "run", "create", "--nodes", j(graph), "--data", j({"a": 1}),
                        "--wait-until-finished")
    assert code == 0 and isinstance(out, dict), out  # the run is answered; it failed, the CLI did not
    run = out["run"]
    assert run["status"] == "error"
    boom = next(e for e in run["executions"] if e["nodeSlug"] == "boom")
    assert boom["status"] == "error" and boom["attempts"] == 1
    assert boom["errorMessage"] == "script exceeded its memory limit of 256 MiB"


def _worker_pid(home: Path) -> int | None:
    try:
        return int((home / "worker.pid").read_text())
    except (OSError, ValueError):
        return None


def _why_innocent_runs_failed(wf: str, batch_uuid: str) -> list[str]:
    """The errors of failed runs whose script does not crash (what a failure of the test must show)."""
    _, failed = run_cli("orchestration", "run", "list", "--workflow-uuid", wf, "--batch-uuid", batch_uuid,
                        "--statuses", "error", "--limit", "200")
    seen: list[str] = []
    for run in failed["runs"]:
        _, detail = run_cli("orchestration", "run", "get", run["uuid"])
        if str(detail["runContext"].get("start", {}).get("_id", "")).startswith("ok"):
            seen += [f"{e['nodeSlug']}: {e['errorMessage']}" for e in detail["run"]["executions"] if e["errorMessage"]]
    return seen[:10]


@pytest.mark.alone
def test_a_worker_survives_100_crashing_scripts_and_finishes_its_batch(lading_env: Path) -> None:
    check = node("check", "script", {"script": "if (nodes.start.crash) {" + TYPED_ARRAYS.replace("return", "") +
                                     "} return nodes.start.n * 2;"})
    graph = chain(start(), check, end([var("double", "{{nodes.check.result}}")]))
    _, tool = run_cli("orchestration", "tool", "create", "--name", "Crashing scripts")
    wf = tool["tool"]["workflowUuid"]
    code, out = run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf, "--nodes", j(graph))
    assert code == 0, out
    records = [{"_id": f"c{i}", "n": i, "crash": True} for i in range(100)]
    records += [{"_id": f"ok{i}", "n": i, "crash": False} for i in range(20)]
    code, created = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf,
                            "--data", j({"kind": "records", "records": records}))
    assert code == 0, created
    uuid = created["batch"]["uuid"]
    pids: set[int] = set()
    batch: dict[str, Any] = {}
    for _ in range(3000):  # up to five minutes on a loaded machine
        pid = _worker_pid(lading_env)
        if pid:
            pids.add(pid)
        _, out = run_cli("orchestration", "batch", "get", uuid)
        batch = out["batch"]
        if batch["status"] in ("success", "error", "cancelled"):
            break
        time.sleep(0.1)
    assert batch["status"] == "success", batch
    assert batch["executedRunsCount"] == 120 and batch["failedRunsCount"] == 100, _why_innocent_runs_failed(wf, uuid)
    assert len(pids) == 1, f"the worker was restarted: {pids}"
    _, failed = run_cli("orchestration", "run", "list", "--workflow-uuid", wf, "--batch-uuid", uuid,
                        "--statuses", "error", "--limit", "1")
    run = failed["runs"][0]
    _, detail = run_cli("orchestration", "run", "get", run["uuid"])
    errors = [e["errorMessage"] for e in detail["run"]["executions"] if e["errorMessage"]]
    assert errors and "memory limit of 256 MiB" in errors[0]
    assert [e["attempts"] for e in detail["run"]["executions"] if e["nodeSlug"] == "check"] == [1]


@pytest.mark.parametrize("code", [
    "result = len(bytearray(2 ** 30))",
    "x = 'a'\nwhile True:\n    x += x",
    "result = [0] * (2 ** 28)",
])
def test_python_steps_cannot_pass_their_memory_limit(code: str) -> None:
    from lading.engine.sandbox import run_python

    with pytest.raises(SandboxError) as hit:
        run_python(code, {}, {}, timeout_s=30)
    assert hit.value.kind == "memory" and "256 MiB" in hit.value.message
    assert run_python("result = 1 + 1", {}, {}) == 2
