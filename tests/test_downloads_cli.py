"""Exports through the real CLI: `run download`, `run download-outputs`, `batch download`,
`record download` and `record download-outputs`."""

from __future__ import annotations

import csv
import io
import json
import sys
from typing import Any
from urllib.parse import urlsplit

import pytest

from conftest import j, read_export, run_cli
from graphs import chain, end, node, start, var

OUTPUT_HEAD = ["runUuid", "recordId", "recordTitle", "status", "createdAt", "finishedAt"]


def graph() -> list[dict[str, Any]]:
    """`enrich` echoes some input fields (plus a nested object); `fail: true` makes the run fail after it."""
    return chain(
        start(),
        node("enrich", "variables", {"variables": [var("name", "{{nodes.start.name}}"),
                                                   var("meta", {"tags": ["a", "b"], "n": 1})]}),
        node("check", "script", {"script": "if (nodes.start.fail) throw new Error('kaput'); return 1;"}),
        end([var("done", True)]))


@pytest.fixture
def wf() -> str:
    code, out = run_cli("orchestration", "tool", "create", "--name", "Exports")
    assert code == 0, out
    wf_uuid = out["tool"]["workflowUuid"]
    code, out = run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf_uuid, "--nodes", j(graph()))
    assert code == 0, out
    return wf_uuid


def run(wf: str, data: dict[str, Any]) -> dict[str, Any]:
    code, out = run_cli("orchestration", "run", "create", "--workflow-uuid", wf, "--data", j(data),
                        "--wait-until-finished")
    assert code == 0, out
    return out["run"]



def raw_cli(*args: str) -> tuple[int, str]:
    """For streamed content: the exact stdout text (run_cli would parse it)."""
    from lading.cli.main import main

    out, old = io.StringIO(), sys.stdout
    sys.stdout = out
    try:
        code = main(list(args))
    finally:
        sys.stdout = old
    return code, out.getvalue()


def ndjson(*args: str) -> list[dict[str, Any]]:
    code, text = raw_cli(*args)
    assert code == 0, text
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_run_download_is_newline_delimited_json_oldest_first(wf: str) -> None:
    ok = run(wf, {"_id": "r1", "name": "Acme"})
    bad = run(wf, {"_id": "r2", "name": "Bolt", "fail": True})
    assert bad["status"] == "error"

    out = ndjson("orchestration", "run", "download", "--workflow-uuid", wf)
    assert [r["uuid"] for r in out] == [ok["uuid"], bad["uuid"]]
    first = out[0]
    assert first["recordId"] == "r1" and first["status"] == "success"
    assert [e["nodeSlug"] for e in first["executions"]] == ["start", "enrich", "check", "end"]
    assert first["runContext"]["enrich"] == {"name": "Acme", "meta": {"tags": ["a", "b"], "n": 1}}
    code, got = run_cli("orchestration", "run", "get", ok["uuid"])
    assert {k: v for k, v in first.items() if k != "runContext"} == got["run"]  # the `run get` run, plus context

    out = ndjson("orchestration", "run", "download", "--workflow-uuid", wf, "--statuses", "error")
    assert [r["recordId"] for r in out] == ["r2"]
    failing = next(e for e in out[0]["executions"] if e["status"] == "error")
    assert failing["nodeSlug"] == "check" and "kaput" in failing["errorMessage"]
    assert "kaput" in out[0]["runContext"]["check"]["error"]
    assert ndjson("orchestration", "run", "download", "--workflow-uuid", wf, "--statuses", "failed") == out
    code, text = raw_cli("orchestration", "run", "download", "--workflow-uuid", wf, "--record-id", "nobody")
    assert code == 0 and text == ""  # no match: no lines
    code, err = run_cli("orchestration", "run", "download", "--workflow-uuid", wf, "--statuses", "nope")
    assert code == 1 and err["reason"] == "invalidData"  # refused before anything is streamed


def test_run_download_pages_through_many_runs(wf: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from lading.services.orchestration import _downloads as downloads

    monkeypatch.setattr(downloads, "PAGE", 2)  # force several keyset pages
    made = [run(wf, {"_id": f"r{i}", "name": f"N{i}"})["uuid"] for i in range(5)]
    assert [r["uuid"] for r in ndjson("orchestration", "run", "download", "--workflow-uuid", wf)] == made
    code, out = run_cli("orchestration", "run", "download-outputs", "--workflow-uuid", wf,
                        "--output-node-slug", "enrich")
    rows = list(csv.DictReader(io.StringIO(read_export(out["url"]))))
    assert [r["runUuid"] for r in rows] == made


def test_run_download_outputs_csv_and_json(wf: str) -> None:
    a = run(wf, {"_id": "r1", "name": "Acme"})
    b = run(wf, {"_id": "r2", "name": "Bolt", "extra": {"deep": [1]}, "fail": True})
    c = run(wf, {"name": "Nameless"})

    code, out = run_cli("orchestration", "run", "download-outputs", "--workflow-uuid", wf,
                        "--output-node-slug", "enrich")
    assert code == 0 and set(out) == {"url"} and urlsplit(out["url"]).path.endswith(".csv")
    text = read_export(out["url"])
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    assert header[:6] == OUTPUT_HEAD
    inputs = [h for h in header if h.startswith("input.")]
    assert set(inputs) == {"input._id", "input.name", "input.extra", "input.fail"}
    assert inputs.index("input.name") < inputs.index("input.extra")  # first-seen order across rows
    assert header[-2:] in (["output.name", "output.meta"], ["output.meta", "output.name"])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["runUuid"] for r in rows] == [a["uuid"], b["uuid"], c["uuid"]]
    assert rows[0]["recordId"] == "r1" and rows[0]["status"] == "success" and rows[0]["finishedAt"]
    assert rows[0]["input.name"] == "Acme" and rows[0]["input.extra"] == ""
    assert json.loads(rows[0]["output.meta"]) == {"tags": ["a", "b"], "n": 1}  # nested values JSON-encoded
    assert json.loads(rows[1]["input.extra"]) == {"deep": [1]} and rows[1]["input.fail"] == "true"
    assert rows[1]["status"] == "error" and rows[2]["recordId"] == c["uuid"]  # no _id: the run uuid

    code, out = run_cli("orchestration", "run", "download-outputs", "--workflow-uuid", wf,
                        "--output-node-slug", "end", "--format", "json", "--statuses", "finished")
    items = json.loads(read_export(out["url"]))
    assert [i["runUuid"] for i in items] == [a["uuid"], c["uuid"]]
    assert set(items[0]) == {"runUuid", "recordId", "recordTitle", "status", "createdAt", "finishedAt", "input",
                             "output"}
    assert items[0]["input"] == {"_id": "r1", "name": "Acme"} and items[0]["output"] == {"done": True}
    code, out = run_cli("orchestration", "run", "download-outputs", "--workflow-uuid", wf,
                        "--output-node-slug", "end", "--format", "json", "--statuses", "error")
    items = json.loads(read_export(out["url"]))
    assert [(i["recordId"], i["output"]) for i in items] == [("r2", None)]  # `end` never ran

    code, out = run_cli("orchestration", "run", "download-outputs", "--workflow-uuid", wf,
                        "--output-node-slug", "nope")
    assert code == 1 and out["reason"] == "nodeNotFound" and out["errorMessage"].endswith("Node not found: nope")
    code, out = run_cli("orchestration", "run", "download-outputs", "--workflow-uuid", wf,
                        "--output-node-slug", "end", "--format", "xml")
    assert code == 1 and out["reason"] == "invalidData"
    code, out = run_cli("orchestration", "run", "download-outputs", "--workflow-uuid", wf)
    assert code == 2 and "--output-node-slug" in out["errorMessage"]


def test_batch_download_streams_the_outputs_file(wf: str) -> None:
    run(wf, {"_id": "outside", "name": "Not in batch"})
    code, out = run_cli("orchestration", "batch", "create", "--workflow-uuid", wf, "--wait-until-finished",
                        "--data", j({"kind": "records", "records": [{"_id": "b1", "name": "One"},
                                                                    {"_id": "b2", "name": "Two", "fail": True}]}))
    assert code == 0, out
    batch = out["batch"]["uuid"]

    code, text = raw_cli("orchestration", "batch", "download", "--uuid", batch, "--output-node-slug", "enrich")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted((r["recordId"], r["output.name"], r["status"]) for r in rows) == [
        ("b1", "One", "success"), ("b2", "Two", "error")]
    code, items = run_cli("orchestration", "batch", "download", "--uuid", batch, "--output-node-slug", "end",
                          "--format", "json")
    assert code == 0 and sorted((i["recordId"], i["output"] is None) for i in items) == [("b1", False), ("b2", True)]

    code, out = run_cli("orchestration", "batch", "download", "--uuid", batch, "--output-node-slug", "ghost")
    assert code == 1 and out["reason"] == "nodeNotFound"
    code, out = run_cli("orchestration", "batch", "download", "--uuid", "00000000-0000-4000-8000-000000000000",
                        "--output-node-slug", "end")
    assert code == 1 and out["reason"] == "batchNotFound"


def test_record_download_and_download_outputs(wf: str) -> None:
    run(wf, {"_id": "r1", "name": "Old"})
    latest = run(wf, {"_id": "r1", "name": "New"})
    other = run(wf, {"_id": "r2", "name": "Other", "fail": True})

    code, out = run_cli("orchestration", "record", "download", "--workflow-uuid", wf)
    assert code == 0 and set(out) == {"url"}
    rows = list(csv.DictReader(io.StringIO(read_export(out["url"]))))
    code, listed = run_cli("orchestration", "record", "list", "--workflow-uuid", wf)
    assert [r["id"] for r in rows] == [r["id"] for r in listed["records"]] == ["r2", "r1"]
    assert rows[1]["runUuid"] == latest["uuid"] and rows[1]["isGroupParent"] == "false"
    assert rows[1]["batchUuid"] == "" and rows[0]["status"] == "error"
    code, out = run_cli("orchestration", "record", "download", "--workflow-uuid", wf, "--statuses", "success")
    assert [r["id"] for r in csv.DictReader(io.StringIO(read_export(out["url"])))] == ["r1"]

    code, out = run_cli("orchestration", "record", "download-outputs", "--workflow-uuid", wf,
                        "--output-node-slug", "enrich", "--format", "json")
    items = json.loads(read_export(out["url"]))
    assert [(i["runUuid"], i["output"]["name"]) for i in items] == [(other["uuid"], "Other"), (latest["uuid"], "New")]
    code, out = run_cli("orchestration", "record", "download-outputs", "--workflow-uuid", wf,
                        "--output-node-slug", "enrich", "--limit", "1", "--offset", "1")
    rows = list(csv.DictReader(io.StringIO(read_export(out["url"]))))
    assert [(r["recordId"], r["input.name"]) for r in rows] == [("r1", "New")]
    assert "input.fail" not in rows[0]  # the union covers only the rows exported
    code, out = run_cli("orchestration", "record", "download-outputs", "--workflow-uuid", wf,
                        "--output-node-slug", "missing")
    assert code == 1 and out["reason"] == "nodeNotFound"
