"""A real workflow over fake providers: start → enrichment connector → branch → Slack → end, with
retries on a 500 and a fallback path on a 404."""

from __future__ import annotations

from typing import Any

from conftest import j, run_cli
from fakes import Answer, Recorded, fake_provider
from graphs import end, new_uuid, node, start, var


def connector(integration: str, slug: str, config: dict[str, Any]) -> str:
    code, out = run_cli("connection", "connector", "create", "--integration-slug", integration, "--slug", slug,
                        "--name", slug, "--config", j(config))
    assert code == 0, out
    return out["connector"]["uuid"]


def test_enrich_branch_slack_with_retry_and_fallback() -> None:
    calls: dict[str, int] = {}

    def clearbit(rec: Recorded) -> Answer:
        domain = rec.query["domain"][0]
        calls[domain] = calls.get(domain, 0) + 1
        if domain == "flaky.com" and calls[domain] == 1:
            return Answer(500, {"error": {"type": "server_error", "message": "try later"}})
        if domain == "missing.com":
            return Answer(404, {"error": {"type": "unknown_record", "message": "Unknown company"}})
        return Answer(200, {"name": domain.split(".")[0].title(), "domain": domain,
                            "metrics": {"employees": 500, "employeesRange": "251-1K"}})

    with fake_provider() as cb, fake_provider() as slack:
        cb.route("GET", "/v2/companies/find", clearbit)
        slack.route("POST", "/chat.postMessage", Answer(200, {"ok": True, "channel": "C9", "ts": "171.5"}))
        cb_uuid = connector("clearbit", "cb", {"apiKey": "sk_clearbit_secret", "baseUrl": cb.url})
        sl_uuid = connector("slack", "sl", {"botToken": "xoxb-slack-secret", "baseUrl": slack.url})

        done, small, not_found = (end([var("posted", "{{nodes.notify.ts}}"), var("name", "{{nodes.enrich.name}}")]),
                                  end([var("posted", None)], slug="small"),
                                  end([var("reason", "{{nodes.enrich.error}}")], slug="not_found"))
        notify = node("notify", kind="connector", integrationSlug="slack", actionSlug="postMessage",
                      connectorUuid=sl_uuid, config={"channelId": "C9",
                                                     "body": "New big account: {{nodes.enrich.name}}"},
                      children=[done["uuid"]])
        big = node("is_big", "branch", {"condition": "{{nodes.enrich.metrics.employees > 100}}"},
                   [notify["uuid"], small["uuid"]])
        enrich = node("enrich", kind="connector", integrationSlug="clearbit", actionSlug="enrichCompany",
                      connectorUuid=cb_uuid, config={"domain": "{{nodes.start.domain}}"}, children=[big["uuid"]],
                      retry={"maximumAttempts": 3, "initialInterval": 50, "backoffCoefficient": 2},
                      fallbackChildUuid=not_found["uuid"])
        nodes = [start(uuid=new_uuid(), children=[enrich["uuid"]]), enrich, big, notify, done, small, not_found]

        code, out = run_cli("orchestration", "node", "validate", "--nodes", j(nodes))
        assert out == {"outcome": "valid"}
        code, out = run_cli("orchestration", "run", "create", "--nodes", j(nodes), "--data", j({"domain": "flaky.com"}),
                            "--wait-until-finished")
        run = out["run"]
        assert run["status"] == "success", run
        assert [e["nodeSlug"] for e in run["executions"]] == ["start", "enrich", "is_big", "notify", "end"]
        enrich_exec = run["executions"][1]
        assert enrich_exec["attempts"] == 2 and enrich_exec["status"] == "success"
        assert enrich_exec["creditsUsedCount"] == 1
        assert run["creditsUsedCount"] == 1
        assert out["runContext"]["end"] == {"posted": "171.5", "name": "Flaky"}
        assert out["runContext"]["enrich"]["metrics"]["employeesRange"] == "251-1K"  # kept as returned
        posted = slack.requests[-1]
        assert posted.headers["authorization"] == "Bearer xoxb-slack-secret"
        assert posted.json()["channel"] == "C9" and "Flaky" in posted.json()["text"]
        assert cb.requests[0].headers["authorization"] == "Bearer sk_clearbit_secret"

        code, out = run_cli("orchestration", "run", "create", "--nodes", j(nodes),
                            "--data", j({"domain": "missing.com"}), "--wait-until-finished")
        run = out["run"]
        assert run["status"] == "success"
        assert [e["nodeSlug"] for e in run["executions"]] == ["start", "enrich", "not_found"]
        assert run["executions"][1]["status"] == "error" and "not found" in run["executions"][1]["errorMessage"]
        assert "sk_clearbit_secret" not in j(out)
        assert calls["missing.com"] == 1  # a 404 is permanent: no retry, straight to the fallback


def test_node_execute_calls_the_provider_for_real() -> None:
    with fake_provider() as cb:
        cb.route("GET", "/v2/companies/find", Answer(200, {"name": "Acme", "domain": "acme.com"}))
        cb_uuid = connector("clearbit", "cb", {"apiKey": "sk_live", "baseUrl": cb.url})
        enrich = node("enrich", kind="connector", integrationSlug="clearbit", actionSlug="enrichCompany",
                      connectorUuid=cb_uuid, config={"domain": "{{nodes.start.domain}}"})
        nodes = [start(children=[enrich["uuid"]]), enrich, end()]
        enrich["childrenUuids"] = [nodes[2]["uuid"]]
        _, tool = run_cli("orchestration", "tool", "create", "--name", "Enrich")
        wf = tool["tool"]["workflowUuid"]
        _, rel = run_cli("orchestration", "release", "deploy-draft", "--workflow-uuid", wf, "--nodes", j(nodes))
        code, out = run_cli("orchestration", "node", "execute", "--workflow-uuid", wf, "--release-uuid",
                            rel["release"]["uuid"], "--node", j(enrich), "--computed-config", j({"domain": "acme.com"}),
                            "--context", j({"nodes": {}}))
        assert code == 0 and out["output"] == {"name": "Acme", "domain": "acme.com"}
        assert out["execution"]["status"] == "success" and out["execution"]["creditsUsedCount"] == 1
        assert cb.requests[-1].query["domain"] == ["acme.com"]
        _, tool_out = run_cli("orchestration", "tool", "get", tool["tool"]["uuid"])
        assert tool_out["tool"]["creditsCost"] == {"kind": "minMax", "min": 1.03, "max": 1.03}
        code, out = run_cli("connection", "connector", "remove", cb_uuid)
        assert code == 1 and out["reason"] == "connectorIsUsedInWorkflows" and out["details"]["toolsCount"] == 1


def test_unreachable_provider_fails_the_node_clearly() -> None:
    uuid = connector("clearbit", "cb_down", {"apiKey": "sk_down", "baseUrl": "http://127.0.0.1:9"})
    enrich = node("enrich", kind="connector", integrationSlug="clearbit", actionSlug="enrichCompany",
                  connectorUuid=uuid, config={"domain": "acme.com"})
    finish = end()
    enrich["childrenUuids"] = [finish["uuid"]]
    code, out = run_cli("orchestration", "run", "create", "--nodes", j([start(children=[enrich["uuid"]]), enrich,
                                                                        finish]), "--wait-until-finished")
    assert out["run"]["status"] == "error"
    assert "could not reach" in out["run"]["executions"][-1]["errorMessage"]


def test_connector_rate_limit_is_shared_through_the_store() -> None:
    with fake_provider() as cb:
        cb.route("GET", "/v2/companies/find", Answer(200, {"name": "Acme"}))
        code, out = run_cli("connection", "connector", "create", "--integration-slug", "clearbit", "--slug", "limited",
                            "--name", "Limited", "--config", j({"apiKey": "k", "baseUrl": cb.url}),
                            "--rate-limit", j({"unit": "hour", "max": 2}), "--cache-ttl-milliseconds", "0")
        assert code == 0 and out["connector"]["rateLimit"] == {"unit": "hour", "max": 2, "strategy": "burst"}
        uuid = out["connector"]["uuid"]
        enrich = node("enrich", kind="connector", integrationSlug="clearbit", actionSlug="enrichCompany",
                      connectorUuid=uuid, config={"domain": "acme.com"})
        finish = end()
        enrich["childrenUuids"] = [finish["uuid"]]
        nodes = j([start(children=[enrich["uuid"]]), enrich, finish])
        statuses = []
        for _ in range(3):
            _, out = run_cli("orchestration", "run", "create", "--nodes", nodes, "--wait-until-finished")
            statuses.append(out["run"]["status"])
        assert statuses == ["success", "success", "error"]
        assert "rate limit" in out["run"]["executions"][-1]["errorMessage"]
        assert len(cb.requests) == 2


def test_enrichment_answers_are_cached_per_connector_and_inputs() -> None:
    with fake_provider() as cb:
        cb.route("GET", "/v2/companies/find", Answer(200, {"name": "Acme"}))
        code, out = run_cli("connection", "connector", "create", "--integration-slug", "clearbit", "--slug", "cached",
                            "--name", "Cached", "--config", j({"apiKey": "k", "baseUrl": cb.url}))
        assert out["connector"]["cacheTtlMilliseconds"] == 86_400_000
        enrich = node("enrich", kind="connector", integrationSlug="clearbit", actionSlug="enrichCompany",
                      connectorUuid=out["connector"]["uuid"], config={"domain": "{{nodes.start.domain}}"})
        finish = end([var("name", "{{nodes.enrich.name}}")])
        enrich["childrenUuids"] = [finish["uuid"]]
        nodes = j([start(children=[enrich["uuid"]]), enrich, finish])
        results = []
        for domain in ("acme.com", "acme.com", "other.com"):
            _, out = run_cli("orchestration", "run", "create", "--nodes", nodes, "--data", j({"domain": domain}),
                             "--wait-until-finished")
            results.append(out)
        assert [r["runContext"]["end"]["name"] for r in results] == ["Acme", "Acme", "Acme"]
        assert [r["run"]["creditsUsedCount"] for r in results] == [1, 0, 1]  # a cache hit costs no provider credit
        assert [q.query["domain"][0] for q in cb.requests] == ["acme.com", "other.com"]
