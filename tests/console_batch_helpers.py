"""What the Batches and Plays console tests share: a tool whose script throws for some records, a batch
over such records started through the API, waiting for a batch through the console's progress JSON, and
a model of three leads for plays."""

from __future__ import annotations

import json
import time
from typing import Any

from graphs import chain, end, node, start, var


def failing_nodes() -> list[dict[str, Any]]:
    """start → check (a script that throws when the record has `fail: true`) → end."""
    script = ("if (nodes.start.fail) { throw new Error('bad record ' + nodes.start._id) } "
              "return 'ok ' + nodes.start._id")
    return chain(start(), node("check", "script", {"script": script}), end([var("out", "{{nodes.check}}")]))


def failing_tool(server: Any, workspace: str, name: str) -> dict[str, Any]:
    api = server.client(workspace)
    created = api.post("/orchestration/tools", json={"name": name, "description": "fails some", "icon": None})
    assert created.status_code == 200, created.text
    tool = created.json()["tool"]
    deployed = api.post("/orchestration/releases/draft/deploy",
                        json={"workflowUuid": tool["workflowUuid"], "nodes": failing_nodes()})
    assert deployed.status_code == 200, deployed.text
    return dict(tool)


def start_batch(server: Any, workspace: str, tool: dict[str, Any], failing: set[str], count: int = 6) -> str:
    """A batch over `count` records `r1…`, those in `failing` throwing (through the API, as the CLI's
    remote mode does)."""
    records = [{"_id": f"r{i}", "fail": f"r{i}" in failing} for i in range(1, count + 1)]
    made = server.client(workspace).post("/orchestration/batches", json={
        "workflowUuid": tool["workflowUuid"], "data": {"kind": "records", "records": records}})
    assert made.status_code == 200, made.text
    return str(made.json()["batch"]["uuid"])


def wait_final(client: Any, batch_uuid: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        answer = client.get(f"/batches/{batch_uuid}/progress.json")
        assert answer.status_code == 200, answer.text
        progress = dict(answer.json())
        if progress["isFinal"]:
            return progress
        assert time.monotonic() < deadline, progress
        time.sleep(0.3)


COLUMNS = [{"slug": "name", "type": "string"}, {"slug": "country", "type": "string"}]


def leads_model(server: Any, workspace: str, slug: str) -> str:
    """A model of three leads (one named `Bad`, which the play's script refuses)."""
    dataset = server.lading("storage", "dataset", "list", workspace=workspace)["datasets"][0]["uuid"]
    model = server.lading("storage", "model", "create", "--slug", slug, "--name", slug.title(), "--dataset-uuid",
                          dataset, "--columns", json.dumps(COLUMNS), "--title-column-slug", "name",
                          workspace=workspace)["model"]["uuid"]
    leads = [{"_id": "l1", "name": "Ann", "country": "US"}, {"_id": "l2", "name": "Bad", "country": "FR"},
             {"_id": "l3", "name": "Cy", "country": "US"}]
    server.lading("storage", "record", "upsert", "--model-uuid", model, "--records", json.dumps(leads),
                  workspace=workspace)
    return str(model)
