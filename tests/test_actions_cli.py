"""`orchestration action list | execute | execute-batch | get-output-schema` through the real CLI, with
fake providers standing in for Clearbit and for a webhook receiver."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import pytest

from conftest import REMOTE, j, run_cli
from fakes import Answer, Recorded, fake_provider
from graphs import chain, end, node, start, var

CLEARBIT = {"kind": "connector", "integrationSlug": "clearbit", "actionSlug": "enrichCompany"}


@pytest.fixture(autouse=True)
def no_background_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LADING_AUTOSTART_WORKER", "0")


def act(*args: str) -> tuple[int, Any]:
    return run_cli("orchestration", "action", *args)


def connector(integration: str, slug: str, config: dict[str, Any]) -> str:
    code, out = run_cli("connection", "connector", "create", "--integration-slug", integration, "--slug", slug,
                        "--name", slug, "--config", j(config), "--cache-ttl-milliseconds", "0")
    assert code == 0, out
    return str(out["connector"]["uuid"])


def deployed_tool(name: str, nodes: list[dict[str, Any]], description: str = "",
                  form_fields: Any = None) -> dict[str, Any]:
    code, out = run_cli("orchestration", "tool", "create", "--name", name, "--description", description)
    assert code == 0, out
    args = ["orchestration", "release", "deploy-draft", "--workflow-uuid", out["tool"]["workflowUuid"],
            "--nodes", j(nodes)]
    if form_fields is not None:
        args += ["--form-fields", j(form_fields)]
    code, rel = run_cli(*args)
    assert code == 0, rel
    return dict(out["tool"])


def clearbit_fake(rec: Recorded) -> Answer:
    domain = rec.query["domain"][0]
    if domain == "missing.com":
        return Answer(404, {"error": {"type": "unknown_record", "message": "Unknown company"}})
    return Answer(200, {"name": domain.split(".")[0].title(), "domain": domain, "metrics": {"employees": 50}})


def batch_outputs(batch_uuid: str) -> list[dict[str, Any]]:
    """`run get` of every run of a batch, ordered by input (run list needs a workflow; these have none)."""
    from lading.services.orchestration import runs
    from lading.services.wiring import open_session
    from lading.store.repositories import runs as repo

    sess = open_session()
    with sess.db.read() as conn:
        rows = repo.list_runs(conn, repo.run_filters(sess.workspace_uuid, workflow_uuid=None,
                                                     batch_uuid=batch_uuid), 100, 0)
    docs = [runs.get_run(sess, r.uuid) for r in rows]
    return sorted(docs, key=lambda d: j(d["runContext"]["start"]))


# --- list -------------------------------------------------------------------------------------------

def test_list_ranks_name_hits_above_integration_hits_above_description_hits() -> None:
    deployed_tool("Clearbit sync", [*chain(start(), end())], description="Keeps accounts fresh")
    deployed_tool("Scorer", [*chain(start(), end())], description="Uses clearbit data to score leads")
    code, out = act("list", "clearbit")
    assert code == 0 and out["query"] == "clearbit"
    names = [r["name"] for r in out["results"]]
    scores = [r["score"] for r in out["results"]]
    assert names == ["Clearbit sync", "Enrich a company", "Enrich a person", "Scorer"]
    assert scores == [1.0, 0.6, 0.6, 0.3]
    assert out["totalMatches"] == 4
    assert out["results"][0]["action"]["kind"] == "tool" and out["results"][0]["credits"] == []

    code, out = act("list", "clearbit person")  # every keyword must match
    assert [r["action"] for r in out["results"]] == [
        {"kind": "connector", "integrationSlug": "clearbit", "actionSlug": "enrichPerson", "connectorUuid": None}]
    assert out["results"][0]["score"] == 0.8


def test_list_filters_fill_connectors_credits_and_autocompletes() -> None:
    older = connector("clearbit", "cb_old", {"apiKey": "k1"})
    newer = connector("clearbit", "cb_new", {"apiKey": "k2"})
    code, out = act("list", "--integration-slug", "clearbit")
    assert code == 0 and out["totalMatches"] == 2
    first = out["results"][0]
    assert first["action"] == {**CLEARBIT, "connectorUuid": newer}
    assert first["connectors"] == [{"uuid": newer, "name": "cb_new"}, {"uuid": older, "name": "cb_old"}]
    assert first["credits"] == [{"type": "fixed", "cost": 1.0}]

    _, out = act("list", "post", "message", "--kind", "connector")
    slack = next(r for r in out["results"] if r["action"]["integrationSlug"] == "slack")
    assert slack["autocompletes"] == [{"field": "channelId", "slug": "listChannels"}]
    assert slack["connectors"] == [] and slack["action"]["connectorUuid"] is None

    _, out = act("list", "--kind", "native")
    slugs = {r["action"]["actionSlug"] for r in out["results"]}
    assert {"branch", "script", "python", "filter"} <= slugs and not slugs & {"start", "end", "group"}
    assert all(r["action"] == {"kind": "native", "actionSlug": r["action"]["actionSlug"]} for r in out["results"])
    _, out = act("list", "--kind", "agent")
    assert out == {"query": "", "totalMatches": 0, "results": []}
    _, out = act("list", "--limit", "3")
    assert len(out["results"]) == 3 and out["totalMatches"] > 3


def test_list_rejects_bad_flags() -> None:
    for limit in ("0", "51"):
        code, out = act("list", "--limit", limit)
        assert code == 1 and out["reason"] == "invalidData"
    code, out = act("list", "--kind", "robot")
    assert code == 1 and out["reason"] == "invalidData"
    code, out = act("list", "--integration-slug", "nope")
    assert code == 1 and out["reason"] == "integrationNotFound"


# --- execute ----------------------------------------------------------------------------------------

def test_execute_native_takes_its_config_from_data() -> None:
    code, out = act("execute", "--action", j({"kind": "native", "actionSlug": "script"}),
                    "--data", j({"script": "return nodes.start.n * 2", "n": 21}), "--wait-until-finished")
    assert code == 0 and out["run"]["status"] == "success", out
    assert out["run"]["workflowUuid"] is None
    assert [e["nodeSlug"] for e in out["run"]["executions"]] == ["start", "action", "end"]
    assert out["runContext"]["action"] == {"result": 42}
    assert out["runContext"]["end"] == {"result": 42}  # the run output is the action output

    code, out = act("execute", "--action", j({"kind": "native", "actionSlug": "branch"}),
                    "--data", j({"condition": "{{nodes.start.score > 5}}", "score": 9}), "--wait-until-finished")
    assert out["runContext"]["action"] == {"condition": True}
    assert out["run"]["executions"][1]["nodeChildIndex"] == 0 and out["runContext"]["end"] == {"condition": True}
    _, rel = run_cli("orchestration", "release", "get", out["run"]["releaseUuid"])
    assert rel["release"]["status"] == "adhoc"


def test_execute_connector_against_a_fake_provider(capsys: pytest.CaptureFixture[str]) -> None:
    with fake_provider() as cb:
        cb.route("GET", "/v2/companies/find", clearbit_fake)
        uuid = connector("clearbit", "cb", {"apiKey": "sk_secret", "baseUrl": cb.url})
        code, out = act("execute", "--action", j({**CLEARBIT, "config": {"domain": "ignored.com"}}),
                        "--data", j({"domain": "acme.com"}), "--wait-until-finished")
    assert "config\" is ignored" in capsys.readouterr().err
    assert code == 0 and out["run"]["status"] == "success", out
    assert out["runContext"]["action"] == {"name": "Acme", "domain": "acme.com", "metrics": {"employees": 50}}
    assert out["runContext"]["end"]["name"] == "Acme" and out["runContext"]["end"]["metrics"] == {"employees": 50}
    assert out["runComputedConfigs"]["action"] == {"domain": "acme.com"}
    assert out["run"]["creditsUsedCount"] == 1
    assert cb.requests[0].query["domain"] == ["acme.com"]
    _, rel = run_cli("orchestration", "release", "get", out["run"]["releaseUuid"])
    step = rel["release"]["nodes"][1]
    assert step["connectorUuid"] == uuid and step["actionSlug"] == "enrichCompany"


def test_execute_without_waiting_prints_the_pending_run_and_copies_retry() -> None:
    connector("clearbit", "cb", {"apiKey": "k"})
    retry = {"maximumAttempts": 3, "initialInterval": 10, "backoffCoefficient": 2}
    code, out = act("execute", "--action", j({**CLEARBIT, "retry": retry}), "--data", j({"domain": "a.com"}))
    assert code == 0 and set(out) == {"run"} and out["run"]["status"] == "pending"
    _, rel = run_cli("orchestration", "release", "get", out["run"]["releaseUuid"])
    assert [n["slug"] for n in rel["release"]["nodes"]] == ["start", "action", "end"]
    assert rel["release"]["nodes"][1]["retry"] == retry


def test_seed_command_lines() -> None:
    with fake_provider() as cb:
        cb.route("GET", "/v2/companies/find", clearbit_fake)
        connector("clearbit", "cb", {"apiKey": "k", "baseUrl": cb.url})
        code, out = act("execute", "--action",
                        '{"kind":"connector","integrationSlug":"clearbit","actionSlug":"company_enrich","config":{}}',
                        "--data", '{"domain":"acme.com"}', "--wait-until-finished")
        assert code == 0 and out["run"]["status"] == "success" and out["runContext"]["action"]["name"] == "Acme"

        enrich = node("enrich", kind="connector", integrationSlug="clearbit", actionSlug="enrichCompany",
                      connectorUuid=connector("clearbit", "cb2", {"apiKey": "k", "baseUrl": cb.url}),
                      config={"domain": "{{nodes.start.domain}}"})
        tool = deployed_tool("Enrich", chain(start(), enrich, end([var("name", "{{nodes.enrich.name}}", "string")])),
                             form_fields=[{"slug": "domain", "label": "Domain", "type": "string", "required": True}])
        code, out = act("execute-batch", "--action", '{"kind":"tool","toolUuid":"' + tool["uuid"] + '","config":{}}',
                        "--records", '[{"domain":"acme.com"},{"domain":"globex.com"}]', "--wait-until-finished")
    assert code == 0, out
    batch = out["batch"]
    assert batch["status"] == "success" and batch["runsCount"] == 2 and batch["executedRunsCount"] == 2
    assert batch["failedRunsCount"] == 0 and batch["creditsUsedCount"] == 2
    docs = batch_outputs(batch["uuid"])
    assert [d["runContext"]["end"] for d in docs] == [{"name": "Acme"}, {"name": "Globex"}]


def test_connector_choice_and_missing_connector() -> None:
    code, out = act("execute", "--action", j(CLEARBIT), "--data", j({"domain": "acme.com"}))
    assert code == 1 and out["reason"] == "connectorNotFound" and out["statusCode"] == 404
    other = connector("hunter", "hu", {"apiKey": "k"})
    code, out = act("execute", "--action", j({**CLEARBIT, "connectorUuid": other}), "--data", j({"domain": "a.com"}))
    assert code == 1 and out["reason"] == "invalidData" and "hunter" in out["errorMessage"]


@pytest.mark.embedded_only  # the platform's Clearbit key is set in the CLI process's environment
def test_platform_credits_connection_is_used_without_a_connector(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LADING_INTEGRATION_CLEARBIT_API_KEY", "platform-key")
    code, out = act("execute", "--action", j(CLEARBIT), "--data", j({"domain": "acme.com"}))
    assert code == 0 and out["run"]["status"] == "pending", out
    _, rel = run_cli("orchestration", "release", "get", out["run"]["releaseUuid"])
    _, made = run_cli("connection", "connector", "get", rel["release"]["nodes"][1]["connectorUuid"])
    assert made["connector"]["useCredits"] is True and made["connector"]["integrationSlug"] == "clearbit"
    code, again = act("execute", "--action", j(CLEARBIT), "--data", j({"domain": "acme.com"}))
    _, rel2 = run_cli("orchestration", "release", "get", again["run"]["releaseUuid"])
    assert rel2["release"]["nodes"][1]["connectorUuid"] == made["connector"]["uuid"]  # reused, not re-created


def test_execute_rejects_bad_actions_and_inputs() -> None:
    code, out = act("execute", "--action", "{not json")
    assert code == 2 and out["errorMessage"].startswith("error: option '--action' must be valid JSON")
    code, out = act("execute", "--action", j({"kind": "robot"}))
    assert code == 1 and "unknown action kind 'robot'" in out["errorMessage"]
    code, out = act("execute", "--action", j({"kind": "connector", "integrationSlug": "nope", "actionSlug": "x"}))
    assert code == 1 and out["reason"] == "integrationNotFound"
    code, out = act("execute", "--action", j({**CLEARBIT, "actionSlug": "teleport"}))
    assert code == 1 and out == {"errorMessage": "actionNotFound: Action not found.", "reason": "actionNotFound",
                                 "status": 404, "statusCode": 404, "details": {"integrationSlug": "clearbit",
                                                                "actionSlug": "teleport"}}
    connector("clearbit", "cb", {"apiKey": "k"})
    code, out = act("execute", "--action", j(CLEARBIT), "--data", j({"domain": 42}))
    assert code == 1 and out["reason"] == "invalidData"
    assert out["details"]["errors"] == ["domain: 42 is not of type 'string'"]
    code, out = act("execute", "--action", j(CLEARBIT), "--data", "[1]")
    assert code == 1 and out["reason"] == "invalidData"
    for slug in ("start", "end", "group"):
        code, out = act("execute", "--action", j({"kind": "native", "actionSlug": slug}))
        assert code == 1 and out["reason"] == "invalidData", slug
    code, out = act("execute", "--action", j({"kind": "agent", "agentUuid": "a"}))
    assert code == 1 and out["reason"] == "agentNotFound" and out["errorMessage"] == "agentNotFound: Agent not found"
    code, out = act("execute", "--action", j({"kind": "tool", "toolUuid": "8a4e0cfb-9d0e-4a43-9b35-0e5d3f8d1a11"}))
    assert code == 1 and out["reason"] == "toolNotFound"


def test_tool_actions_check_deployment_and_form_fields() -> None:
    code, out = run_cli("orchestration", "tool", "create", "--name", "Draft only")
    code, out = act("execute", "--action", j({"kind": "tool", "toolUuid": out["tool"]["uuid"]}))
    assert code == 1 and out["reason"] == "noDeployedRelease"
    tool = deployed_tool("Echo", chain(start(), end([var("twice", "{{nodes.start.n * 2}}", "number")])),
                         form_fields=[{"slug": "n", "label": "N", "type": "number", "required": True}])
    code, out = act("execute", "--action", j({"kind": "tool", "toolUuid": tool["uuid"]}), "--data", "{}")
    assert code == 1 and out["reason"] == "invalidData" and "n: required" in out["errorMessage"]
    code, out = act("execute", "--action", j({"kind": "tool", "toolUuid": tool["uuid"]}), "--data", j({"n": 4}),
                    "--wait-until-finished")
    assert out["run"]["status"] == "success" and out["runContext"]["end"] == {"twice": 8}


# --- execute-batch ----------------------------------------------------------------------------------

def test_execute_batch_counts_runs_and_signs_the_webhook() -> None:
    with fake_provider() as cb, fake_provider() as hook:
        cb.route("GET", "/v2/companies/find", clearbit_fake)
        hook.route("POST", "/hook", Answer(200, {"ok": True}))
        connector("clearbit", "cb", {"apiKey": "k", "baseUrl": cb.url})
        records = [{"domain": "acme.com", "_id": "r1"}, {"domain": "missing.com", "_id": "r2"},
                   {"domain": "globex.com", "_id": "r3"}]
        code, out = act("execute-batch", "--action", j(CLEARBIT), "--records", j(records), "--wait-until-finished",
                        "--webhook-url", f"{hook.url}/hook", "--webhook-secret", "s3cret")
        assert code == 0, out
        batch = out["batch"]
        assert batch["status"] == "success" and batch["workflowUuid"] is None
        assert (batch["runsCount"], batch["executedRunsCount"], batch["failedRunsCount"]) == (3, 3, 1)
        assert batch["creditsUsedCount"] == 2
        if REMOTE:  # the server's worker posts the webhook once the batch is finished, after the CLI saw it so
            deadline = time.monotonic() + 15
            while not hook.requests and time.monotonic() < deadline:
                time.sleep(0.05)
        assert len(hook.requests) == 1
        delivered = hook.requests[0]
    expected = hmac.new(b"s3cret", delivered.body, hashlib.sha256).hexdigest()
    assert delivered.headers["x-lading-signature"] == f"sha256={expected}"
    assert delivered.json()["batch"]["uuid"] == batch["uuid"]
    docs = sorted(batch_outputs(batch["uuid"]), key=lambda d: d["run"]["recordId"])
    assert [d["run"]["recordId"] for d in docs] == ["r1", "r2", "r3"]
    assert [d["run"]["status"] for d in docs] == ["success", "error", "success"]
    assert "_id" not in docs[0]["runComputedConfigs"]["action"]
    assert [d["runComputedConfigs"]["action"] for d in docs] == [{"domain": r["domain"]} for r in records]


def test_execute_batch_native_keeps_shared_fields_static() -> None:
    script = {"kind": "native", "actionSlug": "script"}
    records = [{"script": "return nodes.start.n + 1", "n": n} for n in (1, 2, 3)]
    code, out = act("execute-batch", "--action", j(script), "--records", j(records), "--wait-until-finished")
    assert code == 0 and out["batch"]["executedRunsCount"] == 3 and out["batch"]["failedRunsCount"] == 0
    assert [d["runContext"]["action"]["result"] for d in batch_outputs(out["batch"]["uuid"])] == [2, 3, 4]
    code, out = act("execute-batch", "--action", j(script),
                    "--records", j([{"script": "return 1"}, {"script": "return 2"}]))
    assert code == 1 and out["reason"] == "invalidData" and "'script' must be the same" in out["errorMessage"]
    code, out = act("execute-batch", "--action", j(script), "--records", "[]")
    assert code == 1 and out["reason"] == "invalidData"
    code, out = act("execute-batch", "--action", j(script), "--records", '[{"script": "return 1"}, 3]')
    assert code == 1 and "records[1]" in out["errorMessage"]


def test_execute_batch_without_waiting_prints_the_short_batch() -> None:
    connector("clearbit", "cb", {"apiKey": "k"})
    code, out = act("execute-batch", "--action", j(CLEARBIT), "--records", j([{"domain": "a.com"}]))
    assert code == 0 and set(out["batch"]) == {"uuid", "workflowUuid", "status", "createdAt"}
    code, out = act("execute-batch", "--action", j(CLEARBIT), "--records", j([{"domain": "a.com"}, {"domain": 1}]))
    assert code == 1 and out["details"]["errors"] == ["records[1].domain: 1 is not of type 'string'"]


# --- get-output-schema ------------------------------------------------------------------------------

def test_get_output_schema_per_kind() -> None:
    from lading.integrations.clearbit import COMPANY_SCHEMA

    code, out = act("get-output-schema", "--action", j({**CLEARBIT, "actionSlug": "company_enrich"}))
    assert code == 0 and out == {"schema": COMPANY_SCHEMA}
    answer = {"type": "object", "properties": {"score": {"type": "integer"}}}
    code, out = act("get-output-schema", "--action",
                    j({"kind": "connector", "integrationSlug": "openAi", "actionSlug": "instruct"}),
                    "--data", j({"output": {"type": "jsonSchema", "jsonSchema": answer}}))
    assert out["schema"]["properties"]["answer"] == answer
    tool = deployed_tool("Typed", chain(start(), end([var("name", "x", "string"), var("n", 1, "number"),
                                                      var("when", "2024-01-01", "date"), var("raw", None)])))
    code, out = act("get-output-schema", "--action", j({"kind": "tool", "toolUuid": tool["uuid"]}))
    assert out == {"schema": {"type": "object", "properties": {
        "name": {"type": "string"}, "n": {"type": "number"}, "when": {"type": "string", "format": "date-time"},
        "raw": {}}}}
    code, out = act("get-output-schema", "--action", j({"kind": "agent", "agentUuid": "x"}))
    assert code == 1 and out["reason"] == "agentNotFound"
    code, out = act("get-output-schema", "--action", j({"kind": "native", "actionSlug": "branch"}))
    assert out == {"schema": {"type": "object", "properties": {"condition": {"type": "boolean"}}}}
    code, out = act("get-output-schema", "--action", j({"kind": "native", "actionSlug": "variables"}),
                    "--data", j({"variables": [{"name": "ok", "type": "boolean", "value": True}]}))
    assert out == {"schema": {"type": "object", "properties": {"ok": {"type": "boolean"}}}}
    code, out = act("get-output-schema", "--action", j({"kind": "native", "actionSlug": "variables"}))
    assert code == 1 and out == {"errorMessage": "actionHasNoOutput: Action has no output schema.",
                                 "reason": "actionHasNoOutput", "status": 404, "statusCode": 404}
