"""Workflow metrics, counts and downloads against a hostile store: another workspace holds runs of the
same workflow and node uuids. Every figure equals the one computed here from this workspace's rows."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from analytics_store import Filled, fill, other_workspace, remove
from conftest import read_export, run_cli

TERMINAL = {"success", "error", "cancelled"}


@pytest.fixture
def stores() -> Iterator[tuple[Filled, Filled]]:
    from lading.services.wiring import open_session

    session = open_session()
    mine = fill(session.db, session.workspace_uuid, seed=7, runs_count=90, title_prefix="acme")
    theirs = fill(session.db, other_workspace(session.db, f"other-{session.workspace_uuid}"), seed=8,
                  runs_count=90, title_prefix="secret", same_workflows_as=mine)
    yield mine, theirs
    remove(session.db, mine, theirs)


def ok(*args: str) -> Any:
    code, out = run_cli(*args)
    assert code == 0, out
    return out


def raw(*args: str) -> tuple[int, str]:
    from lading.cli.main import main

    out, old = io.StringIO(), sys.stdout
    sys.stdout = out
    try:
        code = main(list(args))
    finally:
        sys.stdout = old
    return code, out.getvalue()



def test_run_count_with_every_flag(stores: tuple[Filled, Filled]) -> None:
    mine, _ = stores
    wf = mine.workflows[0]
    runs = [r for r in mine.runs if r["workflow_uuid"] == wf]
    batch = next(b for b in mine.batches if b["workflow_uuid"] == wf)
    day = (datetime.utcnow() - timedelta(days=2)).strftime("%Y-%m-%d")
    lo = datetime.strptime(day, "%Y-%m-%d")
    some = runs[0]
    cases: list[tuple[tuple[str, ...], int]] = [
        ((), len(runs)),
        (("--statuses", "error"), sum(r["status"] == "error" for r in runs)),
        (("--statuses", "success,error"), sum(r["status"] in ("success", "error") for r in runs)),
        (("--statuses", "finished,failed"), sum(r["status"] in ("success", "error") for r in runs)),
        (("--batch-uuid", batch["uuid"]), sum(r["batch_uuid"] == batch["uuid"] for r in runs)),
        (("--batch-uuid", batch["uuid"], "--statuses", "error"),
         sum(r["batch_uuid"] == batch["uuid"] and r["status"] == "error" for r in runs)),
        (("--release-uuid", mine.releases[wf]), len(runs)),
        (("--is-finished",), sum(r["status"] in TERMINAL for r in runs)),
        (("--created-after", day), sum(r["created_at"] >= lo for r in runs)),
        (("--created-before", day), sum(r["created_at"] < lo for r in runs)),
        (("--is-finished", "--created-after", day, "--created-before", f"{datetime.utcnow():%Y-%m-%dT%H:%M:%SZ}"),
         sum(r["status"] in TERMINAL and r["created_at"] >= lo for r in runs)),
        (("--record-id", some["record_id"]), sum(r["record_id"] == some["record_id"] for r in runs)),
        (("--record-title", some["record_title"][2:].upper()),
         sum(some["record_title"][2:] in r["record_title"] for r in runs)),
        (("--record-title", "secret"), 0),
    ]
    for flags, expected in cases:
        assert ok("orchestration", "run", "count", "--workflow-uuid", wf, *flags) == {"count": expected}, flags


def _node_metrics(mine: Filled, wf: str, run_uuids: set[str]) -> dict[str, Counter[str]]:
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for e in mine.executions:
        if e["run_uuid"] in run_uuids:
            per[e["node_uuid"]][e["status"]] += 1
            per[e["node_uuid"]]["credits"] += e["credits_used_count"]
    return per


def test_run_and_record_metrics(stores: tuple[Filled, Filled]) -> None:
    mine, _ = stores
    wf = mine.workflows[1]
    runs = [r for r in mine.runs if r["workflow_uuid"] == wf]
    expected = _node_metrics(mine, wf, {r["uuid"] for r in runs})
    items = ok("orchestration", "run", "get-metrics", "--workflow-uuid", wf)["runMetrics"]
    assert [i["nodeUuid"] for i in items] == [mine.node_uuids[(wf, s)] for s in ("start", "enrich", "score", "end")
                                               if mine.node_uuids[(wf, s)] in expected]
    for item in items:
        want = expected[item["nodeUuid"]]
        for status in ("idle", "pending", "running", "success", "error", "cancelled", "skipped"):
            assert item[f"{status}ExecutionsCount"] == want[status]
        assert item["totalExecutionsCount"] == sum(v for k, v in want.items() if k != "credits")
        assert item["creditsUsedCount"] == pytest.approx(want["credits"])

    batch = next(b for b in mine.batches if b["workflow_uuid"] == wf)
    scoped = ok("orchestration", "run", "get-metrics", "--workflow-uuid", wf, "--batch-uuid", batch["uuid"])
    in_batch = _node_metrics(mine, wf, {r["uuid"] for r in runs if r["batch_uuid"] == batch["uuid"]})
    assert {i["nodeUuid"]: i["totalExecutionsCount"] for i in scoped["runMetrics"]} == {
        n: sum(v for k, v in c.items() if k != "credits") for n, c in in_batch.items()}

    latest: dict[str, dict[str, Any]] = {}
    for r in sorted(runs, key=lambda r: (r["created_at"], r["uuid"])):
        latest[r["record_id"]] = r
    expected = _node_metrics(mine, wf, {r["uuid"] for r in latest.values()})
    items = ok("orchestration", "record", "get-metrics", "--workflow-uuid", wf)["recordMetrics"]
    assert {i["nodeUuid"] for i in items} == set(expected)
    for item in items:
        assert set(item) == {"nodeUuid", "totalExecutionsCount", "pendingExecutionsCount", "runningExecutionsCount",
                             "successExecutionsCount", "errorExecutionsCount", "cancelledExecutionsCount",
                             "creditsUsedCount", "cancellingExecutionsCount"}
        assert item["successExecutionsCount"] == expected[item["nodeUuid"]]["success"]
    future = (datetime.utcnow() + timedelta(days=1)).strftime("%Y-%m-%d")
    assert ok("orchestration", "run", "get-metrics", "--workflow-uuid", wf, "--created-after", future) == {
        "runMetrics": []}


def test_downloads_hold_only_this_workspace(stores: tuple[Filled, Filled]) -> None:
    mine, theirs = stores
    wf = mine.workflows[2]
    runs = sorted((r for r in mine.runs if r["workflow_uuid"] == wf), key=lambda r: (r["created_at"], r["uuid"]))
    secret = {r["uuid"] for r in theirs.runs} | {"secret"}

    code, text = raw("orchestration", "run", "download", "--workflow-uuid", wf)
    assert code == 0
    lines = [json.loads(line) for line in text.splitlines()]
    assert [r["uuid"] for r in lines] == [r["uuid"] for r in runs]
    assert lines[0]["runContext"] == {"start": {"domain": runs[0]["record_id"]}}
    assert [e["nodeSlug"] for e in lines[0]["executions"]] == [
        e["node_slug"] for e in mine.executions if e["run_uuid"] == runs[0]["uuid"]]
    assert not any(s in text for s in secret)
    code, text = raw("orchestration", "run", "download", "--workflow-uuid", wf, "--is-finished", "--statuses", "error")
    assert [json.loads(line)["uuid"] for line in text.splitlines()] == [r["uuid"] for r in runs
                                                                        if r["status"] == "error"]

    out = ok("orchestration", "run", "download-outputs", "--workflow-uuid", wf, "--output-node-slug", "start",
             "--format", "json", "--statuses", "finished")
    items = json.loads(read_export(out["url"]))
    assert [i["runUuid"] for i in items] == [r["uuid"] for r in runs if r["status"] == "success"]
    assert all(i["output"] == {"domain": i["recordId"]} for i in items)
    out = ok("orchestration", "run", "download-outputs", "--workflow-uuid", wf, "--output-node-slug", "start")
    text = read_export(out["url"])
    assert not any(s in text for s in secret)
    assert len(list(csv.DictReader(io.StringIO(text)))) == len(runs)

    out = ok("orchestration", "record", "download", "--workflow-uuid", wf)
    rows = list(csv.DictReader(io.StringIO(read_export(out["url"]))))
    assert {r["id"] for r in rows} == {r["record_id"] for r in runs}
    assert not any(s in read_export(out["url"]) for s in secret)

    batch = next(b for b in mine.batches if b["workflow_uuid"] == wf)
    code, text = raw("orchestration", "batch", "download", "--uuid", batch["uuid"], "--output-node-slug", "start",
                     "--format", "json")
    assert code == 0 and [i["runUuid"] for i in json.loads(text)] == [
        r["uuid"] for r in runs if r["batch_uuid"] == batch["uuid"]]
    code, out = run_cli("orchestration", "batch", "download", "--uuid", theirs.batches[0]["uuid"],
                        "--output-node-slug", "start")
    assert code != 0 and "Batch not found" in out["errorMessage"]


def test_download_outputs_scope_flags(stores: tuple[Filled, Filled]) -> None:
    mine, _ = stores
    wf = mine.workflows[0]
    runs = sorted((r for r in mine.runs if r["workflow_uuid"] == wf), key=lambda r: (r["created_at"], r["uuid"]))

    def uuids(*flags: str) -> list[str]:
        out = ok("orchestration", "run", "download-outputs", "--workflow-uuid", wf, "--output-node-slug", "end",
                 "--format", "json", *flags)
        return [i["runUuid"] for i in json.loads(read_export(out["url"]))]

    failed_at_end = {e["run_uuid"] for e in mine.executions if e["node_slug"] == "end" and e["status"] == "error"}
    assert uuids("--executions-filter", '{"end":{"status":"failed"}}') == [
        r["uuid"] for r in runs if r["uuid"] in failed_at_end]
    some = runs[3]
    assert uuids("--record-title-or-id", some["record_id"]) == [
        r["uuid"] for r in runs if r["record_id"] == some["record_id"] or some["record_id"] in r["record_title"]]
    # No child runs: no match is 404 `noRunsFound` (api.md §2.4; one service for the CLI and HTTP).
    code, out = run_cli("orchestration", "run", "download-outputs", "--workflow-uuid", wf, "--output-node-slug",
                        "end", "--parent-uuid", some["uuid"])
    assert code == 1 and out["reason"] == "noRunsFound"
    assert len(uuids("--no-is-group-parent")) == len(runs)
    code, out = run_cli("orchestration", "run", "download-outputs", "--workflow-uuid", wf, "--output-node-slug",
                        "end", "--executions-filter", '{"end": "error"}')
    assert code != 0 and "--executions-filter" in out["errorMessage"]


def test_other_workspace_workflow_and_bad_input(stores: tuple[Filled, Filled]) -> None:
    mine, _ = stores
    ghost = "00000000-0000-4000-8000-00000000dead"
    for command in (("run", "count"), ("run", "get-metrics"), ("record", "get-metrics"), ("record", "count"),
                    ("record", "download")):
        code, out = run_cli("orchestration", *command, "--workflow-uuid", ghost)
        assert code != 0 and out["errorMessage"].endswith("Workflow not found"), (command, out)
    code, text = raw("orchestration", "run", "download", "--workflow-uuid", ghost)
    assert code != 0 and "Workflow not found" in text
    wf = mine.workflows[0]
    code, out = run_cli("orchestration", "run", "count", "--workflow-uuid", wf, "--created-after", "2025-13-45")
    assert code != 0 and "--created-after" in out["errorMessage"]
    code, out = run_cli("orchestration", "run", "get-metrics", "--workflow-uuid", wf, "--created-before", "soon")
    assert code != 0 and "--created-before" in out["errorMessage"]
    code, out = run_cli("orchestration", "run", "download-outputs", "--workflow-uuid", wf,
                        "--output-node-slug", "nope")
    assert code != 0 and out["errorMessage"].endswith("Node not found: nope")
    code, out = run_cli("orchestration", "run", "count", "--workflow-uuid", wf, "--statuses", "done")
    assert code != 0 and "unknown status" in out["errorMessage"]
