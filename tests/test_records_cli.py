"""`orchestration record …` and `run get-metrics` through the real CLI."""

from __future__ import annotations

import time
from typing import Any

import pytest

from conftest import j, run_cli
from fakes import Answer, Recorded, fake_provider
from graphs import chain, end, node, start, var

RECORD_KEYS = {"id", "title", "workflowUuid", "runUuid", "releaseUuid", "batchUuid", "status", "errorMessage",
               "isGroupParent", "parentRunUuid", "parentNodeUuid", "parentBatchUuid", "createdAt", "updatedAt",
               # the Cargo client's keys (api.md §13)
               "workspaceUuid", "userUuid", "traceUuid", "nodes", "temporalWorkflowId", "contextS3Filename",
               "computedConfigsS3Filename", "parentAgentUuid", "parentChatUuid", "parentMessageUuid", "executions",
               "finishedAt"}


def fallible_graph(label: str = "v1") -> list[dict[str, Any]]:
    """Fails when the input has `fail: true`, else ends with `{"label", "a"}`."""
    script = "if (nodes.start.fail) throw new Error('kaput'); return 1;"
    return chain(start(), node("check", "script", {"script": script}),
                 end([var("label", label), var("a", "{{nodes.start.a}}")]))


def deploy(nodes: list[dict[str, Any]], wf: str | None = None) -> tuple[str, str]:
    if wf is None:
        code, out = run_cli("orchestration", "tool", "create", "--name", "Records")
        assert code == 0, out
        wf = out["tool"]["workflowUuid"]
    code, out = run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf, "--nodes", j(nodes))
    assert code == 0, out
    return wf, out["release"]["uuid"]


def run(wf: str, data: dict[str, Any], *extra: str) -> dict[str, Any]:
    code, out = run_cli("orchestration", "run", "create", "--workflow-uuid", wf, "--data", j(data),
                        "--wait-until-finished", *extra)
    assert code == 0, out
    return out["run"]


def records(wf: str, *flags: str) -> list[dict[str, Any]]:
    code, out = run_cli("orchestration", "record", "list", "--workflow-uuid", wf, *flags)
    assert code == 0, out
    return out["records"]


def count(wf: str, *flags: str) -> int:
    code, out = run_cli("orchestration", "record", "count", "--workflow-uuid", wf, *flags)
    assert code == 0, out
    return out["count"]


def test_one_record_per_id_from_its_latest_matching_run() -> None:
    wf, rel1 = deploy(fallible_graph("v1"))
    first_r1 = run(wf, {"_id": "r1", "a": 1})
    latest_r1 = run(wf, {"_id": "r1", "a": 2})
    r2 = run(wf, {"_id": "r2", "a": 3})
    failed_r3 = run(wf, {"_id": "r3", "fail": True})
    assert failed_r3["status"] == "error"
    _, rel2 = deploy(fallible_graph("v2"), wf)
    r3_fixed = run(wf, {"_id": "r3"})

    listed = records(wf)
    assert [r["id"] for r in listed] == ["r3", "r2", "r1"]  # newest first
    assert set(listed[0]) == RECORD_KEYS
    by_id = {r["id"]: r for r in listed}
    assert by_id["r1"]["runUuid"] == latest_r1["uuid"] and by_id["r1"]["runUuid"] != first_r1["uuid"]
    assert by_id["r3"]["runUuid"] == r3_fixed["uuid"] and by_id["r3"]["status"] == "success"
    assert by_id["r2"] == {**by_id["r2"], "workflowUuid": wf, "releaseUuid": rel1, "batchUuid": None,
                           "status": "success", "errorMessage": None, "isGroupParent": False,
                           "parentRunUuid": None, "parentNodeUuid": None, "parentBatchUuid": None,
                           "runUuid": r2["uuid"], "title": '{"_id":"r2","a":3}'}

    code, out = run_cli("orchestration", "record", "list", "--workflow-uuid", wf, "--limit", "1", "--offset", "1")
    assert [r["id"] for r in out["records"]] == ["r2"] and out["count"] == 3  # count ignores paging
    assert count(wf) == 3 and count(wf, "--limit", "1") == 3

    # Filters select runs first: r3's latest *error* run, and the records of the first release only.
    errored = records(wf, "--statuses", "error")
    assert [(r["id"], r["runUuid"]) for r in errored] == [("r3", failed_r3["uuid"])]
    assert errored[0]["errorMessage"] and "kaput" in errored[0]["errorMessage"]
    assert count(wf, "--statuses", "failed") == 1  # alias of error
    assert count(wf, "--statuses", "finished") == 3  # alias of success
    assert count(wf, "--statuses", "pending,running") == 0
    old = records(wf, "--release-uuid", rel1)
    assert {r["id"]: r["runUuid"] for r in old} == {"r1": latest_r1["uuid"], "r2": r2["uuid"],
                                                    "r3": failed_r3["uuid"]}
    assert count(wf, "--release-uuid", rel2) == 1


def test_record_flag_errors() -> None:
    wf, _ = deploy(fallible_graph())
    code, out = run_cli("orchestration", "record", "list", "--workflow-uuid", wf, "--statuses", "done")
    assert code == 1 and out["reason"] == "invalidData" and "done" in out["errorMessage"]
    code, out = run_cli("orchestration", "record", "list", "--workflow-uuid", wf, "--limit", "1001")
    assert code == 1 and out["reason"] == "invalidData"
    code, out = run_cli("orchestration", "record", "count", "--workflow-uuid", "00000000-0000-4000-8000-000000000000")
    assert code == 1 and out["errorMessage"].endswith("Workflow not found")
    code, out = run_cli("orchestration", "record", "list")
    assert code == 2 and "--workflow-uuid" in out["errorMessage"]
    code, out = run_cli("orchestration", "record", "list", "--workflow-uuid", wf)
    assert code == 0 and out == {"records": [], "count": 0}


def test_batch_filter() -> None:
    wf, _ = deploy(fallible_graph())
    run(wf, {"_id": "solo"})
    code, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf, "--wait-until-finished",
                        "--data", j({"kind": "records", "records": [{"_id": "b1"}, {"_id": "b2", "fail": True}]}))
    assert code == 0, out
    batch = out["batch"]["uuid"]
    listed = records(wf, "--batch-uuid", batch)
    assert sorted(r["id"] for r in listed) == ["b1", "b2"] and {r["batchUuid"] for r in listed} == {batch}
    assert count(wf, "--batch-uuid", batch, "--statuses", "error") == 1
    assert count(wf) == 3


def test_record_cancel_cancels_non_terminal_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    # Runs of `c1` wait an hour in a delay, so even a worker serving another test (all tests share one
    # PostgreSQL database) can only move them into that wait, where no worker holds them.
    wait = node("wait", "delay", {"minutes": "{{nodes.start._id === 'done' ? 0 : 60}}"})
    wf, _ = deploy(chain(start(), wait, end([var("id", "{{nodes.start._id}}")])))
    done = run(wf, {"_id": "done"})
    assert done["status"] == "success", done
    monkeypatch.setenv("LADING_AUTOSTART_WORKER", "0")
    pending = []
    for _ in range(2):
        code, out = run_cli("orchestration", "run", "create", "--workflow-uuid", wf, "--data", j({"_id": "c1"}))
        assert code == 0 and out["run"]["status"] == "pending"
        pending.append(out["run"]["uuid"])
    assert count(wf, "--statuses", "pending,running") == 1

    code, out = run_cli("orchestration", "record", "cancel", "--workflow-uuid", wf, "--ids", "c1,done")
    assert code == 0, out
    assert [r["id"] for r in out["records"]] == ["c1", "done"]
    assert out["records"][0]["status"] in ("cancelled", "cancelling")  # cancelling while a worker holds it
    assert out["records"][1]["status"] == "success"
    assert out["records"][0]["runUuid"] == pending[1] and out["records"][1]["runUuid"] == done["uuid"]
    for _ in range(100):
        code, out = run_cli("orchestration", "run", "count", "--workflow-uuid", wf, "--statuses", "cancelled")
        if out == {"count": 2}:
            break
        time.sleep(0.1)
    assert out == {"count": 2}  # both runs of the record, not only its latest
    code, out = run_cli("orchestration", "record", "cancel", "--workflow-uuid", wf, "--ids", "c1,ghost")
    assert code == 1 and out["reason"] == "recordNotFound" and "ghost" in out["errorMessage"]


def test_run_and_record_metrics_count_executions_and_credits() -> None:
    def clearbit(rec: Recorded) -> Answer:
        if rec.query["domain"][0] == "missing.com":
            return Answer(404, {"error": {"type": "unknown_record", "message": "Unknown company"}})
        return Answer(200, {"name": "Acme", "domain": rec.query["domain"][0]})

    with fake_provider() as cb:
        cb.route("GET", "/v2/companies/find", clearbit)
        code, out = run_cli("connection", "connector", "create", "--integration-slug", "clearbit", "--slug", "cb",
                            "--name", "cb", "--config", j({"apiKey": "sk_test", "baseUrl": cb.url}))
        assert code == 0, out
        enrich = node("enrich", kind="connector", integrationSlug="clearbit", actionSlug="enrichCompany",
                      connectorUuid=out["connector"]["uuid"], config={"domain": "{{nodes.start.domain}}"})
        nodes = chain(start(), enrich, end([var("name", "{{nodes.enrich.name}}")]))
        wf, rel = deploy(nodes)
        # Two domains: a repeated call would be a connector cache hit, which costs no provider credit.
        assert run(wf, {"_id": "acme", "domain": "acme.com"})["status"] == "success"
        assert run(wf, {"_id": "acme", "domain": "acme.io"})["status"] == "success"
        assert run(wf, {"_id": "ghost", "domain": "missing.com"})["status"] == "error"

    uuids = [n["uuid"] for n in nodes]
    code, out = run_cli("orchestration", "run", "get-metrics", "--workflow-uuid", wf)
    assert code == 0, out
    metrics = out["runMetrics"]
    assert [m["nodeUuid"] for m in metrics] == uuids  # in graph order
    start_m, enrich_m, end_m = metrics
    assert list(enrich_m) == ["nodeUuid", "totalExecutionsCount", "idleExecutionsCount", "pendingExecutionsCount",
                              "runningExecutionsCount", "successExecutionsCount", "errorExecutionsCount",
                              "cancelledExecutionsCount", "skippedExecutionsCount", "creditsUsedCount",
                              "cancellingExecutionsCount"]
    assert (enrich_m["totalExecutionsCount"], enrich_m["successExecutionsCount"],
            enrich_m["errorExecutionsCount"], enrich_m["creditsUsedCount"]) == (3, 2, 1, 2)
    assert start_m["totalExecutionsCount"] == 3 and start_m["creditsUsedCount"] == 0
    assert end_m["totalExecutionsCount"] == 2

    code, out = run_cli("orchestration", "record", "get-metrics", "--workflow-uuid", wf)
    assert code == 0, out
    rec_enrich = out["recordMetrics"][1]
    assert list(rec_enrich) == ["nodeUuid", "totalExecutionsCount", "pendingExecutionsCount",
                                "runningExecutionsCount", "successExecutionsCount", "errorExecutionsCount",
                                "cancelledExecutionsCount", "creditsUsedCount", "cancellingExecutionsCount"]
    # Only each record's latest run: acme once, ghost once.
    assert (rec_enrich["nodeUuid"], rec_enrich["totalExecutionsCount"], rec_enrich["successExecutionsCount"],
            rec_enrich["errorExecutionsCount"], rec_enrich["creditsUsedCount"]) == (uuids[1], 2, 1, 1, 1)

    for command, key in (("run", "runMetrics"), ("record", "recordMetrics")):
        code, out = run_cli("orchestration", command, "get-metrics", "--workflow-uuid", wf,
                            "--created-after", "2999-01-01")
        assert code == 0 and out == {key: []}
        code, out = run_cli("orchestration", command, "get-metrics", "--workflow-uuid", wf, "--release-uuid", rel,
                            "--created-before", "2999-01-01T00:00:00Z")
        assert code == 0 and len(out[key]) == 3
    code, out = run_cli("orchestration", "run", "get-metrics", "--workflow-uuid", wf, "--created-after", "soon")
    assert code == 2
