"""The console's Batches and Plays pages over HTTP against a real `lading serve`: the list and a batch's
page, its progress JSON, "re-run the failed records" (a new batch of exactly the failed record ids),
the download buttons (signed export links), a play's page and its run by hand; beta sees none of
alpha's batches or plays (404 on their URLs, nothing listed), and every POST needs the CSRF token."""

from __future__ import annotations

import re
from typing import Any

from console_batch_helpers import failing_tool, leads_model, start_batch, wait_final

from console_helpers import csrf_in, sign_in
from graphs import chain, end, node, start, var


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

    for path in ("/batches/not-a-uuid", "/batches/00000000-0000-4000-8000-000000000000", "/plays/not-a-uuid"):
        answer = alpha.get(path)
        assert answer.status_code == 404 and "Traceback" not in answer.text, path
    assert alpha.get("/batches/not-a-uuid/progress.json").status_code == 404

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


def test_plays_list_page_run_by_hand_and_rerun_failures(api_server: Any) -> None:
    api = api_server.client("alpha")
    model = leads_model(api_server, "alpha", "leads")
    made = api.post("/orchestration/plays", json={"name": "Greet leads", "modelUuid": model,
                                                  "changeKinds": ["added"], "runCreationRule": "always"})
    assert made.status_code == 200, made.text
    play = made.json()["play"]
    script = "if (nodes.start.name === 'Bad') { throw new Error('bad lead') } return 'hi ' + nodes.start.name"
    deployed = api.post("/orchestration/releases/draft/deploy", json={
        "workflowUuid": play["workflowUuid"],
        "nodes": chain(start(), node("greet", "script", {"script": script}), end([var("out", "{{nodes.greet}}")]))})
    assert deployed.status_code == 200, deployed.text

    alpha = sign_in(api_server, "alpha")
    listed = alpha.get("/plays")
    assert listed.status_code == 200
    assert f'href="/plays/{play["uuid"]}"' in listed.text and "Leads" in listed.text and "never run" in listed.text
    page = alpha.get(f"/plays/{play['uuid']}")
    assert page.status_code == 200 and "Run on the segment" in page.text
    assert re.search(r"<dt>Records</dt><dd>\d+</dd>", page.text)

    ran = alpha.post(f"/plays/{play['uuid']}/run", data={"csrf": csrf_in(page.text)})
    assert ran.status_code == 303, ran.text
    batch = ran.headers["location"].rsplit("/", 1)[1]
    progress = wait_final(alpha, batch)
    assert (progress["runsCount"], progress["failedRunsCount"]) == (3, 1)
    got = api.get(f"/orchestration/batches/{batch}").json()["batch"]
    assert got["data"]["kind"] == "segment" and got["data"]["segmentUuid"] == play["segmentUuid"]
    assert "Greet leads" in alpha.get(f"/batches/{batch}").text
    assert f'href="/batches/{batch}"' in alpha.get("/plays").text

    rerun = alpha.post(f"/batches/{batch}/rerun-failed", data={"csrf": csrf_in(page.text)})
    assert rerun.status_code == 303, rerun.text
    again = rerun.headers["location"].rsplit("/", 1)[1]
    data = api.get(f"/orchestration/batches/{again}").json()["batch"]["data"]
    assert data["kind"] == "recordIds" and data["ids"] == ["l2"] and data["modelUuid"] == model
    assert wait_final(alpha, again)["failedRunsCount"] == 1

    beta = sign_in(api_server, "beta")
    assert "Greet leads" not in beta.get("/plays").text
    assert beta.get(f"/plays/{play['uuid']}").status_code == 404
    beta_csrf = csrf_in(beta.get("/plays").text)
    assert beta.post(f"/plays/{play['uuid']}/run", data={"csrf": beta_csrf}).status_code == 404
    count = len(api.get("/orchestration/batches/list").json()["batches"])
    for data in ({}, {"csrf": "forged"}, {"csrf": beta_csrf}):
        assert alpha.post(f"/plays/{play['uuid']}/run", data=data).status_code == 403
    assert len(api.get("/orchestration/batches/list").json()["batches"]) == count
