"""Runs, batches, records, nodes, spans, traces and runtime SQL over HTTP (api.md §2.4–§2.7), against
a real `lading serve`: every route, its documented errors, two-workspace isolation, and the CLI's
remote mode printing what the embedded CLI prints."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest

from api_server import refused
from graphs import chain, end, node, start, var

TERMINAL = {"success", "error", "cancelled", "skipped"}
RUN_CLIENT_KEYS = {"workspaceUuid", "userUuid", "nodes", "traceUuid", "temporalWorkflowId", "parentUuid",
                   "parentBatchUuid", "parentAgentUuid", "parentChatUuid", "parentMessageUuid", "isGroupParent",
                   "errorMessage", "executions", "updatedAt", "deletedAt"}
EXECUTION_CLIENT_KEYS = {"nodeBatchUuid", "nodeRunUuid", "nodeMessageUuid", "errorMessage", "iconUrl",
                         "nodeWaitUntilFinished", "nodeConnectorUuid", "nodeIntegrationSlug", "nodeToolUuid",
                         "nodeAgentUuid", "nodeReleaseUuid"}
BATCH_CLIENT_KEYS = {"workspaceUuid", "userUuid", "nodes", "temporalWorkflowId", "traceUuid", "data", "updatedAt"}
RECORD_CLIENT_KEYS = {"workspaceUuid", "userUuid", "traceUuid", "nodes", "temporalWorkflowId", "contextS3Filename",
                      "computedConfigsS3Filename", "parentAgentUuid", "parentChatUuid", "parentMessageUuid",
                      "executions", "finishedAt"}
SPAN_KEYS = {
    "uuid", "workspaceUuid", "workflowUuid", "userUuid", "batchUuid", "traceUuid", "recordId", "recordTitle",
    "runUuid", "runContextS3Filename", "runComputedConfigsS3Filename", "parentRunUuid", "parentNodeUuid",
    "parentBatchUuid", "parentAgentUuid", "parentChatUuid", "parentMessageUuid", "isGroupParent", "nodeUuid",
    "nodeKind", "nodeSlug", "nodeActionSlug", "nodeConnectorUuid", "nodeIntegrationSlug", "nodeToolUuid",
    "nodeAgentUuid", "nodeReleaseUuid", "nodeBatchUuid", "nodeRunUuid", "nodeMessageUuid", "nodeChildIndex",
    "nodeWaitUntilFinished", "nodeNextUuid", "executionIndex", "executionStatus", "executionErrorMessage",
    "executionTitle", "executionIconUrl", "executionCreditsUsedCount", "executionStartedAt", "executionUpdatedAt",
    "executionFinishedAt"
}
LONG_AGO = "2000-01-01T00:00:00Z"


def fallible_graph() -> list[dict[str, Any]]:
    """Fails when the input has `fail: true`, else ends with `{"a"}`."""
    script = "if (nodes.start.fail) throw new Error('kaput'); return 1;"
    return chain(start(), node("check", "script", {"script": script}), end([var("a", "{{nodes.start.a}}")]))


def slow_graph() -> list[dict[str, Any]]:
    return chain(start(), node("wait", "delay", {"minutes": 30}), end())




def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _tool(server: Any, workspace: str, nodes: list[dict[str, Any]]) -> tuple[str, str]:
    """A tool workflow with `nodes` deployed, made with the embedded CLI on the server's store."""
    tool = server.lading("orchestration", "tool", "create", "--name", "api runs", workspace=workspace)["tool"]
    wf = tool["workflowUuid"]
    release = server.lading("orchestration", "release", "deploy-draft", "--workflow-uuid", wf, "--nodes",
                            json.dumps(nodes), workspace=workspace)["release"]["uuid"]
    return wf, release


def _wait(client: httpx.Client, path: str, key: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        document = _ok(client.get(path))
        if document[key]["status"] in TERMINAL:
            return dict(document)
        assert time.monotonic() < deadline, document
        time.sleep(0.05)


def _run(client: httpx.Client, wf: str, data: dict[str, Any]) -> dict[str, Any]:
    created = _ok(client.post("/orchestration/runs", json={"workflowUuid": wf, "data": data}))
    return _wait(client, f"/orchestration/runs/{created['run']['uuid']}", "run")


class World:
    """What the tests of this module share: a workflow per workspace with a few finished runs."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.alpha, self.beta = server.client("alpha"), server.client("beta")
        self.wf, self.release = _tool(server, "alpha", fallible_graph())
        self.beta_wf, self.beta_release = _tool(server, "beta", fallible_graph())
        self.ok = _run(self.alpha, self.wf, {"_id": "r1", "a": 1})
        self.failed = _run(self.alpha, self.wf, {"_id": "r2", "fail": True})
        self.beta_run = _run(self.beta, self.beta_wf, {"_id": "beta-1", "a": 9})


@pytest.fixture(scope="module")
def world(api_server: Any) -> World:
    return World(api_server)


def test_run_create_is_pending_at_once_and_reaches_a_terminal_status(world: World) -> None:
    created = _ok(world.alpha.post("/orchestration/runs", json={"workflowUuid": world.wf, "data": {"a": 5}}))
    assert created["run"]["status"] == "pending" and set(created["run"]) >= RUN_CLIENT_KEYS
    assert created["run"]["temporalWorkflowId"] == created["run"]["uuid"] == created["run"]["traceUuid"]
    done = _wait(world.alpha, f"/orchestration/runs/{created['run']['uuid']}", "run")
    assert set(done) == {"run", "runContext", "runComputedConfigs"}
    assert done["run"]["status"] == "success" and done["runContext"]["end"] == {"a": 5}
    assert done["run"]["workspaceUuid"] == created["run"]["workspaceUuid"]
    assert [e["nodeSlug"] for e in done["run"]["executions"]] == ["start", "check", "end"]
    assert all(set(e) >= EXECUTION_CLIENT_KEYS for e in done["run"]["executions"])
    # A failed run is an outcome, not a failure of the request.
    assert world.failed["run"]["status"] == "error" and "kaput" in world.failed["run"]["errorMessage"]
    # An inline graph runs without a workflow and is shown on the run.
    graph = chain(start(), end([var("x", 1)]))
    inline = _ok(world.alpha.post("/orchestration/runs", json={"nodes": graph, "data": {}}))
    assert inline["run"]["nodes"] == graph and inline["run"]["workflowUuid"] is None


def test_run_create_errors(world: World) -> None:
    ghost = "00000000-0000-4000-8000-000000000001"
    refused(world.alpha.post("/orchestration/runs", json={"workflowUuid": ghost, "data": {}}), 404, "workflowNotFound")
    refused(world.alpha.post("/orchestration/runs", json={"workflowUuid": world.beta_wf, "data": {}}), 404,
           "workflowNotFound")
    refused(world.alpha.post("/orchestration/runs", json={"workflowUuid": world.wf}), 400, "invalidPayload")
    refused(world.alpha.post("/orchestration/runs", json={"workflowUuid": world.wf, "data": {}, "bogus": 1}), 400,
           "invalidPayload")
    refused(world.alpha.post("/orchestration/runs", json={"workflowUuid": world.wf, "data": {},
                                                         "releaseUuid": world.release, "nodes": []}),
           400, "invalidReleaseOrCustomNodes")
    refused(world.alpha.get(f"/orchestration/runs/{world.beta_run['run']['uuid']}"), 404, "runNotFound")


def test_run_list_and_count_with_filters_and_isolation(world: World) -> None:
    listed = _ok(world.alpha.post("/orchestration/runs/list", json={"workflowUuid": world.wf}))
    assert listed["count"] >= 2 and len(listed["runs"]) == listed["count"]
    assert all(set(r) >= RUN_CLIENT_KEYS and r["executions"] for r in listed["runs"])
    page = _ok(world.alpha.post("/orchestration/runs/list", json={"workflowUuid": world.wf, "limit": 1}))
    assert len(page["runs"]) == 1 and page["count"] == listed["count"]
    # Workspace-wide without a workflow, never a beta run.
    everywhere = _ok(world.alpha.post("/orchestration/runs/list", json={"limit": 1000}))
    uuids = {r["uuid"] for r in everywhere["runs"]}
    assert world.ok["run"]["uuid"] in uuids and world.beta_run["run"]["uuid"] not in uuids
    errors = _ok(world.alpha.post("/orchestration/runs/list", json={"workflowUuid": world.wf, "statuses": ["error"]}))
    assert [r["uuid"] for r in errors["runs"]] == [world.failed["run"]["uuid"]]
    by_record = _ok(world.alpha.post("/orchestration/runs/count", json={"recordId": "r1"}))
    assert by_record == {"count": 1}
    # The client's executionsFilter: runs whose `check` node failed with a message containing "kaput".
    failed_check = {"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
        {"kind": "node", "nodeSlug": "check", "status": "error", "value": "KAPUT"}]}]}
    matched = _ok(world.alpha.post("/orchestration/runs/list", json={"workflowUuid": world.wf,
                                                                     "executionsFilter": failed_check}))
    assert [r["uuid"] for r in matched["runs"]] == [world.failed["run"]["uuid"]]
    never_ended = {"conjonction": "or", "groups": [{"conjonction": "and", "conditions": [
        {"kind": "node", "nodeSlug": "end", "status": "absent"}]}]}
    assert _ok(world.alpha.post("/orchestration/runs/count", json={"workflowUuid": world.wf,
                                                                   "executionsFilter": never_ended}))["count"] == 1
    future = _ok(world.alpha.post("/orchestration/runs/count", json={"workflowUuid": world.wf,
                                                                     "createdAfter": "2999-01-01"}))
    assert future == {"count": 0}
    refused(world.alpha.post("/orchestration/runs/list", json={"limit": 1001}), 400, "invalidData")
    refused(world.alpha.post("/orchestration/runs/list", json={"createdAfter": "yesterday"}), 400, "invalidPayload")
    refused(world.alpha.post("/orchestration/runs/list", json={"statuses": ["nope"]}), 400, "invalidData")
    refused(world.alpha.post("/orchestration/runs/count", json={"workflowUuid": world.beta_wf}), 404,
           "workflowNotFound")


def test_run_downloads_are_signed_links(world: World) -> None:
    base = f"{world.server.url}/v1/exports/"
    link = _ok(world.alpha.post("/orchestration/runs/download", json={"workflowUuid": world.wf}))["url"]
    assert link.startswith(base)
    runs = httpx.get(link).json()
    assert isinstance(runs, list)
    assert {r["uuid"] for r in runs} >= {world.ok["run"]["uuid"], world.failed["run"]["uuid"]}
    assert all("runContext" in r and "executions" in r for r in runs)
    one = _ok(world.alpha.post("/orchestration/runs/download", json={"workflowUuid": world.wf,
                                                                     "uuids": [world.ok["run"]["uuid"]]}))
    assert [r["uuid"] for r in httpx.get(one["url"]).json()] == [world.ok["run"]["uuid"]]
    outputs = _ok(world.alpha.post("/orchestration/runs/download-outputs", json={
        "workflowUuid": world.wf, "outputNodeSlug": "end", "format": "json", "statuses": ["success"]}))["url"]
    assert outputs.startswith(base)
    assert all(item["status"] == "success" for item in httpx.get(outputs).json())
    assert httpx.get(outputs + "x").status_code == 403
    refused(world.alpha.post("/orchestration/runs/download-outputs", json={
        "workflowUuid": world.wf, "outputNodeSlug": "end", "recordId": "nobody"}), 404, "noRunsFound")
    refused(world.alpha.post("/orchestration/runs/download-outputs", json={
        "workflowUuid": world.wf, "outputNodeSlug": "nowhere"}), 404, "nodeNotFound")
    refused(world.alpha.post("/orchestration/runs/download", json={"workflowUuid": world.beta_wf}), 404,
           "workflowNotFound")
    refused(world.alpha.post("/orchestration/runs/download", json={}), 400, "invalidPayload")


def test_run_metrics_and_cancel(world: World) -> None:
    metrics = _ok(world.alpha.post("/orchestration/runs/metrics", json={"workflowUuid": world.wf}))["runMetrics"]
    assert metrics and all("cancellingExecutionsCount" in m for m in metrics)
    refused(world.alpha.post("/orchestration/runs/metrics", json={"workflowUuid": world.beta_wf}), 404,
           "workflowNotFound")
    wf, _ = _tool(world.server, "alpha", slow_graph())
    first = _ok(world.alpha.post("/orchestration/runs", json={"workflowUuid": wf, "data": {"_id": "s1"}}))["run"]
    second = _ok(world.alpha.post("/orchestration/runs", json={"workflowUuid": wf, "data": {"_id": "s2"}}))["run"]
    cancelled = _ok(world.alpha.post("/orchestration/runs/cancel", json={"workflowUuid": wf,
                                                                         "uuids": [first["uuid"]]}))
    assert [r["uuid"] for r in cancelled["runs"]] == [first["uuid"]]
    assert cancelled["runs"][0]["status"] in ("cancelling", "cancelled")
    # Or by filter: every run of the record.
    by_filter = _ok(world.alpha.post("/orchestration/runs/cancel", json={"workflowUuid": wf, "recordId": "s2"}))
    assert [r["uuid"] for r in by_filter["runs"]] == [second["uuid"]]
    assert _wait(world.alpha, f"/orchestration/runs/{second['uuid']}", "run")["run"]["status"] == "cancelled"
    refused(world.alpha.post("/orchestration/runs/cancel", json={"workflowUuid": wf,
                                                                "uuids": [world.beta_run["run"]["uuid"]]}),
           404, "runNotFound")
    refused(world.alpha.post("/orchestration/runs/cancel", json={"workflowUuid": world.beta_wf,
                                                                "uuids": [world.beta_run["run"]["uuid"]]}),
           404, "workflowNotFound")


def test_batches_create_get_list_preview_cancel_download(world: World) -> None:
    records = [{"_id": f"b{i}", "a": i} for i in range(3)]
    created = _ok(world.alpha.post("/orchestration/batches", json={
        "workflowUuid": world.wf, "data": {"kind": "records", "records": records}}))
    assert set(created["batch"]) == {"uuid", "workflowUuid", "status", "createdAt"}
    batch = _wait(world.alpha, f"/orchestration/batches/{created['batch']['uuid']}", "batch")["batch"]
    assert batch["status"] == "success" and batch["runsCount"] == 3 and set(batch) >= BATCH_CLIENT_KEYS
    assert batch["data"]["kind"] == "records" and "records" not in batch["data"] and batch["data"]["s3Filename"]
    listed = world.alpha.get("/orchestration/batches/list",
                             params={"workflowUuids[]": world.wf, "statuses[]": ["success", "error"]})
    assert [b["uuid"] for b in _ok(listed)["batches"]] == [batch["uuid"]]
    assert _ok(world.alpha.get("/orchestration/batches/list", params={"isFinished": "false",
                                                                      "workflowUuids[]": world.wf}))["batches"] == []
    assert _ok(world.alpha.get("/orchestration/batches/list", params={"excludedDataKinds[]": "records",
                                                                      "workflowUuids[]": world.wf}))["batches"] == []
    beta_batches = _ok(world.beta.get("/orchestration/batches/list"))["batches"]
    assert batch["uuid"] not in {b["uuid"] for b in beta_batches}
    refused(world.beta.get(f"/orchestration/batches/{batch['uuid']}"), 404, "batchNotFound")
    refused(world.alpha.get("/orchestration/batches/list", params={"limit": 1001}), 400, "invalidData")

    preview = _ok(world.alpha.post("/orchestration/batches/preview", json={
        "workflowUuid": world.wf, "data": {"kind": "records", "records": records}}))
    assert preview["count"] == 3 and preview["records"] == records
    assert [c["slug"] for c in preview["columns"]] == ["_id", "a"]

    link = _ok(world.alpha.post(f"/orchestration/batches/{batch['uuid']}/download",
                                json={"outputNodeSlug": "end"}))["url"]
    rows = list(csv.DictReader(io.StringIO(httpx.get(link).text)))
    assert sorted(r["output.a"] for r in rows) == ["0", "1", "2"]
    refused(world.beta.post(f"/orchestration/batches/{batch['uuid']}/download", json={"outputNodeSlug": "end"}),
           404, "batchNotFound")
    refused(world.alpha.post(f"/orchestration/batches/{batch['uuid']}/cancel"), 409, "batchAlreadyFinished")

    wf, _ = _tool(world.server, "alpha", slow_graph())
    slow = _ok(world.alpha.post("/orchestration/batches", json={
        "workflowUuid": wf, "data": {"kind": "records", "records": [{"_id": "x"}]}}))["batch"]
    cancelled = _ok(world.alpha.post(f"/orchestration/batches/{slow['uuid']}/cancel"))["batch"]
    assert cancelled["uuid"] == slow["uuid"] and cancelled["status"] in ("cancelling", "cancelled")
    refused(world.beta.post(f"/orchestration/batches/{slow['uuid']}/cancel"), 404, "batchNotFound")


def test_batch_create_errors(world: World) -> None:
    for kind in ("runs", "schedule", "form", "group"):
        refused(world.alpha.post("/orchestration/batches", json={"workflowUuid": world.wf, "data": {"kind": kind}}),
               400, "invalidDataKind")
    empty = refused(world.alpha.post("/orchestration/batches", json={
        "workflowUuid": world.wf, "data": {"kind": "records", "records": []}}), 400, "dataError")
    assert empty["dataError"] == {"reason": "noRecords"}
    refused(world.alpha.post("/orchestration/batches", json={
        "workflowUuid": world.beta_wf, "data": {"kind": "records", "records": [{}]}}), 404, "workflowNotFound")
    refused(world.alpha.post("/orchestration/batches/preview", json={
        "workflowUuid": world.beta_wf, "data": {"kind": "records", "records": [{}]}}), 404, "workflowNotFound")
    refused(world.alpha.post("/orchestration/batches", json={"workflowUuid": world.wf}), 400, "invalidPayload")


def test_records_routes(world: World) -> None:
    listed = _ok(world.alpha.post("/orchestration/records/list", json={"workflowUuid": world.wf}))
    ids = {r["id"] for r in listed["records"]}
    assert {"r1", "r2"} <= ids and listed["count"] == len(listed["records"])
    assert all(set(r) >= RECORD_CLIENT_KEYS for r in listed["records"])
    assert "beta-1" not in {r["id"] for r in _ok(world.alpha.post("/orchestration/records/list", json={}))["records"]}
    assert _ok(world.alpha.post("/orchestration/records/count", json={"workflowUuid": world.wf, "ids": ["r1", "r2"]}))\
        == {"count": 2}
    assert _ok(world.alpha.post("/orchestration/records/count", json={"workflowUuid": world.wf,
                                                                      "titleOrId": "r2"}))["count"] == 1
    link = _ok(world.alpha.post("/orchestration/records/download", json={"workflowUuid": world.wf}))["url"]
    assert link.startswith(f"{world.server.url}/v1/exports/") and "r1" in httpx.get(link).text
    outputs = _ok(world.alpha.post("/orchestration/records/download-outputs", json={
        "workflowUuid": world.wf, "outputNodeSlug": "end", "format": "json", "ids": ["r1"]}))["url"]
    assert [item["recordId"] for item in httpx.get(outputs).json()] == ["r1"]
    refused(world.alpha.post("/orchestration/records/download-outputs", json={
        "workflowUuid": world.wf, "outputNodeSlug": "end", "ids": ["nobody"]}), 404, "noRecordsFound")
    metrics = _ok(world.alpha.post("/orchestration/records/metrics", json={"workflowUuid": world.wf}))
    assert metrics["recordMetrics"] and all("cancellingExecutionsCount" in m for m in metrics["recordMetrics"])
    refused(world.alpha.post("/orchestration/records/metrics", json={"workflowUuid": world.beta_wf}), 404,
           "workflowNotFound")
    cancelled = _ok(world.alpha.post("/orchestration/records/cancel", json={"workflowUuid": world.wf, "ids": ["r1"]}))
    assert [r["id"] for r in cancelled["records"]] == ["r1"] and cancelled["records"][0]["status"] == "success"
    refused(world.alpha.post("/orchestration/records/cancel", json={"workflowUuid": world.wf, "ids": ["beta-1"]}), 404,
           "recordNotFound")
    refused(world.alpha.post("/orchestration/records/cancel", json={"workflowUuid": world.beta_wf, "ids": ["beta-1"]}),
           404, "workflowNotFound")


def test_record_cancel_refuses_more_than_2000_records(world: World) -> None:
    wf, _ = _tool(world.server, "alpha", slow_graph())
    batch = _ok(world.alpha.post("/orchestration/batches", json={
        "workflowUuid": wf, "data": {"kind": "records", "records": [{"_id": f"x{i}"} for i in range(2001)]}}))["batch"]
    deadline = time.monotonic() + 60
    while _ok(world.alpha.post("/orchestration/records/count", json={"workflowUuid": wf}))["count"] < 2001:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    refused(world.alpha.post("/orchestration/records/cancel", json={"workflowUuid": wf, "batchUuid": batch["uuid"]}),
           400, "tooManyRecordsSelected")
    _ok(world.alpha.post(f"/orchestration/batches/{batch['uuid']}/cancel"))


def test_nodes_validate_compute_execute(world: World) -> None:
    graph = fallible_graph()
    assert _ok(world.alpha.post("/orchestration/nodes/validate", json={"nodes": graph})) == {"outcome": "valid"}
    broken = _ok(world.alpha.post("/orchestration/nodes/validate", json={"nodes": [graph[1]]}))
    assert broken["outcome"] == "notValid" and broken["invalidNodes"]
    computed = _ok(world.alpha.post("/orchestration/nodes/compute", json={
        "node": node("x", "delay", {"minutes": "{{nodes.start.a}}"}), "context": {"nodes": {"start": {"a": 7}}}}))
    assert computed == {"computedConfig": {"minutes": 7}}
    release_nodes = world.server.lading("orchestration", "release", "get", world.release)["release"]["nodes"]
    check = next(n for n in release_nodes if n["slug"] == "check")
    body = {"workflowUuid": world.wf, "releaseUuid": world.release, "node": check, "computedConfig": check["config"],
            "context": {"nodes": {"start": {}}}}
    ok = _ok(world.alpha.post("/orchestration/nodes/execute", json=body))
    assert ok["status"] == "success" and ok["data"] == {"result": 1} and ok["creditsUsedCount"] == 0
    failed = _ok(world.alpha.post("/orchestration/nodes/execute", json={**body, "context": {"nodes": {"start": {
        "fail": True}}}}))
    assert failed["status"] == "error" and "kaput" in failed["message"]
    refused(world.alpha.post("/orchestration/nodes/execute", json={**body, "workflowUuid": world.beta_wf,
                                                                  "releaseUuid": world.beta_release}),
           404, "workflowNotFound")
    refused(world.alpha.post("/orchestration/nodes/execute", json={**body, "releaseUuid": world.beta_release}),
           404, "releaseNotFound")


def test_spans_and_traces(world: World) -> None:
    run_uuid = world.ok["run"]["uuid"]
    listed = _ok(world.alpha.post("/orchestration/spans/list", json={"executionStartedAfter": LONG_AGO,
                                                                     "runUuid": run_uuid}))
    assert listed["count"] == 3 and {s["nodeSlug"] for s in listed["spans"]} == {"start", "check", "end"}
    assert all(set(s) >= SPAN_KEYS for s in listed["spans"])
    assert {s["traceUuid"] for s in listed["spans"]} == {run_uuid}
    everything = _ok(world.alpha.post("/orchestration/spans/list", json={"executionStartedAfter": LONG_AGO,
                                                                         "limit": 1000}))
    assert world.beta_run["run"]["uuid"] not in {s["runUuid"] for s in everything["spans"]}
    assert _ok(world.alpha.post("/orchestration/spans/count", json={"executionStartedAfter": LONG_AGO,
                                                                    "runUuid": world.beta_run["run"]["uuid"]})) == \
        {"count": 0}
    errors = _ok(world.alpha.post("/orchestration/spans/count", json={
        "executionStartedAfter": LONG_AGO, "workflowUuid": world.wf, "executionStatuses": ["error"],
        "executionTitleOrErrorMessage": "kaput"}))
    assert errors["count"] >= 1
    # The span uuids are those of the `spans` table of runtime SQL.
    rows = _ok(world.alpha.post("/orchestration/query", json={
        "query": f"SELECT toString(uuid) AS uuid FROM spans WHERE run_uuid = '{run_uuid}'"}))["rows"]
    assert {r["uuid"] for r in rows} == {s["uuid"] for s in listed["spans"]}
    refused(world.alpha.post("/orchestration/spans/list", json={}), 400, "invalidPayload")
    refused(world.alpha.post("/orchestration/traces/list", json={}), 501, "notSupported")
    refused(world.alpha.post("/orchestration/traces/count", json={}), 501, "notSupported")
    refused(world.alpha.get(f"/orchestration/traces/{run_uuid}"), 501, "notSupported")


def test_query_execute_sees_only_the_callers_workspace(world: World) -> None:
    rows = _ok(world.alpha.post("/orchestration/query", json={"query": "SELECT toString(uuid) AS uuid FROM runs"}))
    uuids = {r["uuid"] for r in rows["rows"]}
    assert world.ok["run"]["uuid"] in uuids and world.beta_run["run"]["uuid"] not in uuids
    beta_id = world.beta_run["run"]["uuid"]
    for sql in (f"SELECT count() AS n FROM runs WHERE uuid = '{beta_id}'",
                f"SELECT count() AS n FROM spans WHERE run_uuid = '{beta_id}'",
                "SELECT count() AS n FROM records WHERE id = 'beta-1'"):
        assert _ok(world.alpha.post("/orchestration/query", json={"query": sql}))["rows"] == [{"n": 0}], sql
    problem = refused(world.alpha.post("/orchestration/query", json={"query": "DROP TABLE runs"}), 400,
                     _error_reason(world.alpha, "DROP TABLE runs"))
    assert problem["errorMessage"].startswith("Code: ")
    syntax = world.alpha.post("/orchestration/query", json={"query": "SELEC 1"})
    assert syntax.status_code == 400 and syntax.json()["errorMessage"].startswith("Code: ")
    refused(world.alpha.post("/orchestration/query", json={}), 400, "invalidPayload")


def _error_reason(client: httpx.Client, sql: str) -> str:
    return str(client.post("/orchestration/query", json={"query": sql}).json()["reason"])


# --- the CLI in remote mode prints what it prints embedded ----------------------------------------


def _embedded_text(server: Any, *args: str) -> tuple[int, str]:
    env = {**server.env, "LADING_WORKSPACE_NAME": server.workspaces["alpha"]}
    done = subprocess.run([sys.executable, "-m", "lading", *args], env=env, capture_output=True, timeout=120)
    return done.returncode, done.stdout.decode()


def _remote(monkeypatch: pytest.MonkeyPatch, server: Any) -> None:
    monkeypatch.setenv("LADING_API_URL", server.url)
    monkeypatch.setenv("LADING_TOKEN", server.tokens["alpha"])


def test_remote_cli_reads_like_the_embedded_cli(world: World, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    server, wf = world.server, world.wf
    commands = [
        ("orchestration", "run", "get", world.ok["run"]["uuid"]),
        ("orchestration", "run", "get", world.beta_run["run"]["uuid"]),
        ("orchestration", "run", "list", "--workflow-uuid", wf, "--statuses", "success,error"),
        ("orchestration", "run", "count", "--workflow-uuid", wf, "--created-after", "2000-01-01"),
        ("orchestration", "run", "get-metrics", "--workflow-uuid", wf),
        ("orchestration", "record", "list", "--workflow-uuid", wf),
        ("orchestration", "record", "count", "--workflow-uuid", wf, "--statuses", "failed"),
        ("orchestration", "record", "get-metrics", "--workflow-uuid", wf),
        ("orchestration", "batch", "list", "--workflow-uuids", wf),
        ("orchestration", "node", "validate", "--nodes", json.dumps(fallible_graph())),
        ("orchestration", "node", "compute", "--node", json.dumps(node("x", "script", {"v": "{{nodes.start.a}}"})),
         "--context", json.dumps({"nodes": {"start": {"a": 1}}})),
        ("orchestration", "query", "execute", "SELECT count() AS n FROM runs"),
        ("orchestration", "query", "execute", "SELEC 1"),
        ("orchestration", "run", "list", "--workflow-uuid", world.beta_wf),
    ]
    expected = [_embedded_text(server, *c) for c in commands]
    _remote(monkeypatch, server)
    for command, (code, text) in zip(commands, expected, strict=True):
        got_code, got = cli(*command)
        want = json.loads(text)
        if isinstance(want, dict) and "errorMessage" in want:  # the server's document adds `details`
            got = {k: v for k, v in got.items() if k in want}
        assert (got_code, got) == (code, want), command


def test_remote_cli_node_execute_prints_the_cli_shape(world: World, cli: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    release_nodes = world.server.lading("orchestration", "release", "get", world.release)["release"]["nodes"]
    check = next(n for n in release_nodes if n["slug"] == "check")
    for start_output in ({}, {"fail": True}):
        args = ("orchestration", "node", "execute", "--workflow-uuid", world.wf, "--release-uuid", world.release,
                "--node", json.dumps(check), "--computed-config", json.dumps(check["config"]),
                "--context", json.dumps({"nodes": {"start": start_output}}))
        code, text = _embedded_text(world.server, *args)
        embedded = json.loads(text)
        _remote(monkeypatch, world.server)
        got_code, remote = cli(*args)
        monkeypatch.delenv("LADING_API_URL")
        assert got_code == code == 0
        assert remote["output"] == embedded["output"] and set(remote["execution"]) == set(embedded["execution"])
        assert remote["execution"]["status"] == embedded["execution"]["status"]


def test_remote_cli_creates_and_waits(world: World, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _remote(monkeypatch, world.server)
    code, out = cli("orchestration", "run", "create", "--workflow-uuid", world.wf, "--data", json.dumps({"a": 3}),
                    "--wait-until-finished", "--polling-interval", "100")
    assert code == 0 and out["run"]["status"] == "success" and out["runContext"]["end"] == {"a": 3}
    monkeypatch.delenv("LADING_API_URL")
    code, text = _embedded_text(world.server, "orchestration", "run", "get", out["run"]["uuid"])
    assert json.loads(text) == out
    _remote(monkeypatch, world.server)
    code, created = cli("orchestration", "run", "create", "--workflow-uuid", world.wf, "--data", "{}")
    assert code == 0 and created["run"]["status"] == "pending"

    records = [{"_id": f"w{i}", "a": i} for i in range(3)]
    code, out = cli("orchestration", "batch", "create", "--workflow-uuid", world.wf, "--data",
                    json.dumps({"kind": "records", "records": records}), "--wait-until-finished",
                    "--polling-interval", "100")
    assert code == 0 and out["batch"]["status"] == "success" and out["batch"]["runsCount"] == 3
    code, again = cli("orchestration", "batch", "get", out["batch"]["uuid"])
    assert again == out
    code, err = cli("orchestration", "batch", "create", "--workflow-uuid", world.wf, "--data",
                    json.dumps({"kind": "records", "records": []}))
    assert code == 1 and err["reason"] == "noRecords" and err["dataError"] == {"reason": "noRecords"}
    code, err = cli("orchestration", "batch", "cancel", out["batch"]["uuid"])
    assert code == 1 and err["reason"] == "batchAlreadyFinished"


def test_remote_cli_downloads_stream_what_embedded_streams(world: World, cli: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    batch = _ok(world.alpha.post("/orchestration/batches", json={
        "workflowUuid": world.wf, "data": {"kind": "records", "records": [{"_id": "d1", "a": "x,y"}]}}))["batch"]
    _wait(world.alpha, f"/orchestration/batches/{batch['uuid']}", "batch")
    commands = [
        ("orchestration", "run", "download", "--workflow-uuid", world.wf),
        ("orchestration", "run", "download", "--workflow-uuid", world.wf, "--record-id", "nobody"),
        ("orchestration", "batch", "download", "--uuid", batch["uuid"], "--output-node-slug", "end"),
        ("orchestration", "batch", "download", "--uuid", batch["uuid"], "--output-node-slug", "end",
         "--format", "json"),
    ]
    expected = [_embedded_text(world.server, *c) for c in commands]
    _remote(monkeypatch, world.server)
    for command, (code, text) in zip(commands, expected, strict=True):
        got_code, got = cli(*command)
        raw = got if isinstance(got, str) else json.dumps(got)
        if isinstance(got, str):
            assert (got_code, raw) == (code, text), command
        else:
            assert (got_code, got) == (code, json.loads(text)), command
    code, out = cli("orchestration", "run", "download-outputs", "--workflow-uuid", world.wf, "--output-node-slug",
                    "end")
    assert code == 0 and out["url"].startswith(f"{world.server.url}/v1/exports/")


def test_runs_still_run_after_runtime_sql_and_an_idle_worker_exit(world: World) -> None:
    """Runtime SQL inside the server must not disturb its own store (SQLite locks), and a background
    worker that exited when idle (a zombie child of the server) is replaced by the next created run."""
    _ok(world.alpha.post("/orchestration/query", json={"query": "SELECT count() AS n FROM runs"}))
    _run(world.alpha, world.wf, {"a": 1})
    time.sleep(4.5)  # the background worker exits after 3 s without work (LADING_WORKER_IDLE_EXIT)
    assert _run(world.alpha, world.wf, {"a": 2})["run"]["status"] == "success"
    _ok(world.alpha.post("/orchestration/query", json={"query": "SELECT count() AS n FROM runs"}))
    time.sleep(4.5)
    assert _run(world.alpha, world.wf, {"a": 3})["run"]["status"] == "success"
