"""The console's Batches and Plays pages over HTTP against a real `lading serve`: the list and a batch's
page, its progress JSON, "re-run the failed records" (a new batch of exactly the failed record ids),
the download buttons (signed export links), a play's page and its run by hand; beta sees none of
alpha's batches or plays (404 on their URLs, nothing listed), and every POST needs the CSRF token."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from console_helpers import csrf_in, sign_in
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


def test_batch_pages_rerun_failures_and_downloads(api_server: Any) -> None:
    tool = failing_tool(api_server, "alpha", "Checker")
    batch = start_batch(api_server, "alpha", tool, {"r2", "r5"})
    alpha = sign_in(api_server, "alpha")

    listed = alpha.get("/batches")
    assert listed.status_code == 200
    assert f'href="/batches/{batch}"' in listed.text and "Checker" in listed.text

    progress = wait_final(alpha, batch)
    assert progress["status"] == "success"
    assert (progress["runsCount"], progress["executedRunsCount"], progress["failedRunsCount"]) == (6, 6, 2)
    assert progress["runsPerSecond"] > 0 and progress["percent"] == 100

    page = alpha.get(f"/batches/{batch}")
    assert page.status_code == 200
    assert 'id="rerun" hidden' not in page.text and "Re-run the failed records" in page.text
    assert "bad record r2" in page.text
    only_errors = alpha.get("/batches", params={"status": "error"})
    assert f'href="/batches/{batch}"' not in only_errors.text
    by_tool = alpha.get("/batches", params={"workflow": tool["workflowUuid"], "status": "success"})
    assert f'href="/batches/{batch}"' in by_tool.text

    rerun = alpha.post(f"/batches/{batch}/rerun-failed", data={"csrf": csrf_in(page.text)})
    assert rerun.status_code == 303, rerun.text
    new_batch = rerun.headers["location"].rsplit("/", 1)[1]
    assert new_batch != batch
    api = api_server.client("alpha")
    got = api.get(f"/orchestration/batches/{new_batch}").json()["batch"]
    assert got["data"]["kind"] == "recordIds" and sorted(got["data"]["ids"]) == ["r2", "r5"]
    again = wait_final(alpha, new_batch)
    assert (again["runsCount"], again["failedRunsCount"]) == (2, 2)
    runs = api.post("/orchestration/runs/list", json={"workflowUuid": tool["workflowUuid"],
                                                      "batchUuid": new_batch}).json()["runs"]
    assert sorted(r["recordId"] for r in runs) == ["r2", "r5"]

    # Downloads: the outputs file through the signed export route.
    download = alpha.post(f"/batches/{batch}/download", data={"csrf": csrf_in(page.text), "what": "outputs",
                                                               "node": "end", "format": "csv"})
    assert download.status_code == 303, download.text
    link = download.headers["location"]
    assert re.search(r"/v1/exports/[0-9a-f-]{36}/batch-end\.csv\?expires=\d+&signature=[0-9a-f]+$", link)
    csv_text = alpha.get(link).text
    assert csv_text.count("\n") >= 7 and "ok r1" in csv_text
    failed_file = alpha.post(f"/batches/{batch}/download", data={"csrf": csrf_in(page.text), "what": "failed"})
    assert failed_file.status_code == 303
    failed_text = alpha.get(failed_file.headers["location"]).text
    assert '"recordId":"r2"' in failed_text and '"recordId":"r1"' not in failed_text
    bad_node = alpha.post(f"/batches/{batch}/download", data={"csrf": csrf_in(page.text), "what": "outputs",
                                                               "node": "nope", "format": "csv"})
    assert bad_node.status_code == 404 and "Node not found: nope" in bad_node.text

    # Re-running a batch without failures is refused with a sentence, on the batch's page.
    clean = start_batch(api_server, "alpha", tool, set(), count=2)
    wait_final(alpha, clean)
    refused = alpha.post(f"/batches/{clean}/rerun-failed", data={"csrf": csrf_in(page.text)})
    assert refused.status_code == 409 and "no failed runs" in refused.text and "Traceback" not in refused.text


def test_batches_are_scoped_to_their_workspace_and_posts_need_csrf(api_server: Any) -> None:
    tool = failing_tool(api_server, "alpha", "Scoped checker")
    batch = start_batch(api_server, "alpha", tool, {"r1"}, count=2)
    alpha = sign_in(api_server, "alpha")
    wait_final(alpha, batch)
    beta = sign_in(api_server, "beta")
    assert f"/batches/{batch}" not in beta.get("/batches").text
    assert "Scoped checker" not in beta.get("/batches").text
    assert beta.get(f"/batches/{batch}").status_code == 404
    assert beta.get(f"/batches/{batch}/progress.json").status_code == 404
    beta_page = beta.get("/batches").text
    assert beta.post(f"/batches/{batch}/rerun-failed", data={"csrf": csrf_in(beta_page)}).status_code == 404
    assert beta.post(f"/batches/{batch}/download", data={"csrf": csrf_in(beta_page), "what": "failed"}
                     ).status_code == 404

    # CSRF: a missing or forged token is refused and nothing is created.
    before = api_server.client("alpha").get("/orchestration/batches/list").json()["batches"]
    for data in ({}, {"csrf": "forged"}, {"csrf": csrf_in(beta_page)}):
        assert alpha.post(f"/batches/{batch}/rerun-failed", data=data).status_code == 403
        assert alpha.post(f"/batches/{batch}/download", data={**data, "what": "failed"}).status_code == 403
    after = api_server.client("alpha").get("/orchestration/batches/list").json()["batches"]
    assert len(after) == len(before)

    # Without a session: pages redirect to sign-in, the progress JSON answers 401.
    import httpx

    with httpx.Client(base_url=api_server.url) as anonymous:
        assert anonymous.get(f"/batches/{batch}").status_code == 303
        assert anonymous.get(f"/batches/{batch}/progress.json").status_code == 401
        assert anonymous.get("/plays").status_code == 303


def test_browse_batches_pages_by_keyset_newest_first() -> None:
    """`browse_batches` (the list's service) pages by a (created_at, uuid) cursor, never by offset."""
    from lading.cli.common import local_session
    from lading.domain.errors import ValidationError
    from lading.services.orchestration import batches

    session = local_session()
    made = [batches.create_batch(session, nodes=failing_nodes(), data={"kind": "records", "records": [{"_id": "x"}]}
                                 )["batch"]["uuid"] for _ in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        page = batches.browse_batches(session, limit=2, before=cursor)
        assert len(page["batches"]) <= 2
        seen += [b["uuid"] for b in page["batches"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == list(reversed(made)) or sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen)) == 5
    assert batches.browse_batches(session, statuses=["error"])["batches"] == []
    with pytest.raises(ValidationError):
        batches.browse_batches(session, before="nonsense")
