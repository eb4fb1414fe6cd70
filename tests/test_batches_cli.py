"""Batches through the real CLI: sources, counters, bad rows, re-runs, cancel, webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

from conftest import j, run_cli
from fakes import Answer, fake_provider
from graphs import chain, end, node, start, var


def tool_with(nodes: list[dict[str, Any]]) -> str:
    _, tool = run_cli("orchestration", "tool", "create", "--name", "Batch tool")
    wf = tool["tool"]["workflowUuid"]
    code, out = run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf, "--nodes", j(nodes))
    assert code == 0, out
    return wf


def scoring() -> list[dict[str, Any]]:
    check = node("check", "script", {"script": "if (nodes.start.fail) throw new Error('bad record');"
                                               " return Number(nodes.start.n) * 2;"})
    return chain(start(), check, end([var("double", "{{nodes.check.result}}")]))


def upload(tmp_path: Path, name: str, content: str) -> str:
    path = tmp_path / name
    path.write_text(content)
    code, out = run_cli("workspaceManagement", "file", "upload", "--file-path", str(path))
    assert code == 0, out
    assert out["name"] == name
    return out["s3Filename"]


def test_records_batch_counters_and_partial_failure_procedure() -> None:
    wf = tool_with(scoring())
    records = [{"_id": f"r{i}", "n": i, "fail": i in (2, 5)} for i in range(8)]
    code, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf,
                        "--data", j({"kind": "records", "records": records}), "--wait-until-finished")
    assert code == 0
    batch = out["batch"]
    assert batch["status"] == "success" and batch["runsCount"] == 8
    assert batch["executedRunsCount"] == 8 and batch["failedRunsCount"] == 2
    # 6 of 8 succeeded: 75% is under the default health threshold of 80%.
    assert batch["runsStatus"] == "unhealthy" and batch["finishedAt"] and batch["releaseUuid"]
    assert set(batch) >= {"uuid", "workflowUuid", "releaseUuid", "status", "runsStatus", "runsCount",
                          "executedRunsCount", "failedRunsCount", "creditsUsedCount", "errorMessage", "createdAt",
                          "finishedAt"}
    # The documented procedure: count errors, download failed runs, re-run their record ids.
    _, count = run_cli("orchestration", "run", "count", "--workflow-uuid", wf, "--batch-uuid", batch["uuid"],
                       "--statuses", "error")
    assert count == {"count": 2}
    code, text = run_cli("orchestration", "run", "download", "--workflow-uuid", wf, "--batch-uuid", batch["uuid"],
                         "--statuses", "error")
    failed = [json.loads(line) for line in text.splitlines()]  # newline-delimited JSON, one run per line
    ids = sorted(r["recordId"] for r in failed)
    assert ids == ["r2", "r5"]
    code, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf,
                        "--data", j({"kind": "recordIds", "recordIds": ids}), "--wait-until-finished")
    assert out["batch"]["runsCount"] == 2 and out["batch"]["failedRunsCount"] == 2  # same cause, same failure
    _, listed = run_cli("orchestration", "batch", "list", "--workflow-uuids", wf)
    assert [b["uuid"] for b in listed["batches"]][1] == batch["uuid"]
    code, csv_text = run_cli("orchestration", "batch", "download", "--uuid", batch["uuid"], "--output-node-slug", "end")
    assert code == 0 and "output.double" in csv_text


def test_file_batch_runs_good_rows_and_reports_bad_ones(tmp_path: Path) -> None:
    wf = tool_with(scoring())
    name = upload(tmp_path, "leads.csv", 'n,name\n1,a\n"2,b\n3,c,extra\n4,d\n')
    code, cols = run_cli("workspaceManagement", "file", "list-columns", "--s3-filename", name)
    assert cols == {"columns": [{"type": "string", "name": "n"}, {"type": "string", "name": "name"}]}
    code, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf,
                        "--data", j({"kind": "file", "s3Filename": name}), "--wait-until-finished")
    batch = out["batch"]
    assert batch["status"] == "success" and batch["runsCount"] == 2 and batch["failedRunsCount"] == 0
    assert [r["line"] for r in batch["invalidRows"]] == [3, 4]
    jsonl = upload(tmp_path, "leads.jsonl", '{"n": 1}\n{not json}\n[1]\n{"n": 3}\n')
    _, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf,
                     "--data", j({"kind": "file", "s3Filename": jsonl}), "--wait-until-finished")
    assert out["batch"]["runsCount"] == 2 and [r["line"] for r in out["batch"]["invalidRows"]] == [2, 3]
    array = upload(tmp_path, "leads.json", '[{"n": 1}, {"n": 2}]')
    _, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf,
                     "--data", j({"kind": "file", "s3Filename": array}), "--wait-until-finished")
    assert out["batch"]["runsCount"] == 2 and out["batch"]["executedRunsCount"] == 2


def test_bad_batch_input_is_refused_clearly(tmp_path: Path) -> None:
    wf = tool_with(scoring())
    cases = [
        ({"kind": "records", "records": []}, "noRecords"),
        ({"kind": "segment", "segmentUuid": "x"}, "invalidDataKind"),
        ({"kind": "file", "s3Filename": "nope"}, "fileNotFound"),
        ({"kind": "recordIds", "recordIds": []}, "noRecords"),
        ({"records": []}, "invalidData"),
    ]
    for data, reason in cases:
        code, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf, "--data", j(data))
        assert code == 1 and out["reason"] == reason, (data, out)
    empty = upload(tmp_path, "empty.csv", "")
    code, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf,
                        "--data", j({"kind": "file", "s3Filename": empty}))
    assert code == 1 and out["reason"] == "noRecords"
    only_header = upload(tmp_path, "header.csv", "n,name\n")
    _, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf,
                     "--data", j({"kind": "file", "s3Filename": only_header}), "--wait-until-finished")
    assert out["batch"]["status"] == "error" and "noRecords" in out["batch"]["errorMessage"]
    code, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", "00000000-0000-4000-8000-000000000000",
                        "--data", j({"kind": "records", "records": [{}]}))
    assert code == 1 and out["reason"] == "workflowNotFound"
    code, out = run_cli("orchestration", "batch", "get", "00000000-0000-4000-8000-000000000000")
    assert code == 1 and out["reason"] == "batchNotFound"
    _, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf,
                     "--data", j({"kind": "recordIds", "recordIds": ["never-seen"]}), "--wait-until-finished")
    assert out["batch"]["status"] == "error" and out["batch"]["invalidRows"][0]["line"] == 1


def test_cancel_and_recancel(monkeypatch: Any) -> None:
    monkeypatch.setenv("LADING_AUTOSTART_WORKER", "0")
    wf = tool_with(chain(start(), node("wait", "delay", {"minutes": 30}), end()))
    _, created = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf,
                         "--data", j({"kind": "records", "records": [{"_id": str(i)} for i in range(5)]}))
    assert created["batch"]["status"] == "pending"
    uuid = created["batch"]["uuid"]
    code, out = run_cli("orchestration", "batch", "cancel", uuid)
    assert code == 0 and out["batch"]["status"] == "cancelled"
    code, again = run_cli("orchestration", "batch", "cancel", uuid)
    assert code == 0 and again["batch"]["status"] == "cancelled" and again["batch"]["finishedAt"]


def test_cancel_a_running_batch_stops_its_runs(monkeypatch: Any) -> None:
    monkeypatch.setenv("LADING_AUTOSTART_WORKER", "0")
    wf = tool_with(chain(start(), node("wait", "delay", {"minutes": 30}), end()))
    _, created = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf,
                         "--data", j({"kind": "records", "records": [{"_id": str(i)} for i in range(5)]}))
    uuid = created["batch"]["uuid"]
    from lading.services.orchestration.batches import get_batch
    from lading.services.wiring import open_session
    from lading.worker.loop import WorkerOptions, run_worker

    sess = open_session()
    started = time.monotonic()
    run_worker(sess.db, WorkerOptions(poll_interval=0.05, stop_when=lambda: time.monotonic() - started > 3))
    doc = get_batch(sess, uuid)["batch"]
    assert doc["status"] == "running" and doc["runsCount"] == 5 and doc["executedRunsCount"] == 0
    _, out = run_cli("orchestration", "batch", "cancel", uuid)
    assert out["batch"]["status"] == "cancelled"
    _, runs = run_cli("orchestration", "run", "list", "--workflow-uuid", wf, "--batch-uuid", uuid)
    assert {r["status"] for r in runs["runs"]} == {"cancelled"}


def test_webhook_is_signed_and_delivered() -> None:
    wf = tool_with(scoring())
    with fake_provider() as hook:
        hook.route("POST", "/hook", Answer(200, {"ok": True}))
        code, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf,
                            "--data", j({"kind": "records", "records": [{"n": 1}, {"n": 2}]}),
                            "--webhook-url", f"{hook.url}/hook", "--webhook-secret", "s3cret", "--wait-until-finished")
        assert code == 0
        for _ in range(50):
            if hook.requests:
                break
            time.sleep(0.1)
    assert len(hook.requests) == 1
    request = hook.requests[0]
    expected = hmac.new(b"s3cret", request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-lading-signature"] == f"sha256={expected}"
    assert request.json()["batch"]["uuid"] == out["batch"]["uuid"] and request.json()["batch"]["status"] == "success"


def test_async_batch_is_finished_by_the_background_worker(lading_env: Path) -> None:
    wf = tool_with(scoring())
    _, created = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf,
                         "--data", j({"kind": "records", "records": [{"n": i} for i in range(20)]}))
    uuid = created["batch"]["uuid"]
    for _ in range(600):  # up to a minute on a loaded machine
        _, out = run_cli("orchestration", "batch", "get", uuid)
        if out["batch"]["status"] == "success":
            break
        time.sleep(0.1)
    log = lading_env / "worker.log"
    assert out["batch"]["status"] == "success" and out["batch"]["executedRunsCount"] == 20, (
        out, log.read_text()[-2000:] if log.exists() else "no worker log")
