"""Defaults where Cargo's documents give none (issue 19), and agents as actions: the command lines those
documents type work as written, the stricter forms keep working, and a bad value is a clear error.

- `ai memory list` without `--scope`: every memory the caller may see; with `--agent-uuid` alone, what
  that agent reads (its own, the workspace's and the caller's).
- `billing usage get-metrics --unit credits|executions|records`: aliases of the three units.
- `orchestration node execute` without `--release-uuid`: the node as given (config computed, `--data`
  as the start node's output).
- `ai agent create|update` with the release settings (`--system-prompt`, `--language-model-slug`,
  `--temperature`, …): create seeds the draft; update changes the draft and deploys it when the agent
  has a deployed release.
- `action execute --action '{"kind":"agent",…}' --data '{…}'` with no prompt: the agent's release
  instructions, the data as the user message (its `prompt`, else its `message`, else the data as JSON).

Runs embedded (SQLite, PostgreSQL) and in remote mode (`LADING_TEST_MODE=remote`); the API routes are
also checked against a real server with two workspaces."""

from __future__ import annotations

import json
from typing import Any

import httpx

from ai_helpers import completion, openai_connector
from api_server import refused
from conftest import j, run_cli
from fakes import Recorded, fake_provider
from graphs import chain, end, new_uuid, node, start

UNKNOWN = "5f0c8a55-8a2b-4e0c-9d7e-1c9a33b2f001"
ICON = {"color": "blue", "face": "🔎"}


def ok(*args: str) -> Any:
    code, out = run_cli(*args)
    assert code == 0, out
    return out


def fails(*args: str, code: int = 1) -> dict[str, Any]:
    got, out = run_cli(*args)
    assert got == code, out
    return out


def contents(answer: dict[str, Any]) -> set[str]:
    return {m["content"] for m in answer["memories"]}


# --- ai memory list ----------------------------------------------------------------------------------


def test_memory_list_without_scope_lists_every_memory_the_caller_may_see() -> None:
    first = ok("ai", "agent", "create", "--name", "First")["agent"]["uuid"]
    second = ok("ai", "agent", "create", "--name", "Second")["agent"]["uuid"]
    ok("ai", "memory", "update", "--scope", "workspace", "--content", "Fiscal year starts in April")
    ok("ai", "memory", "update", "--scope", "agent", "--agent-uuid", first, "--content", "First knows A")
    ok("ai", "memory", "update", "--scope", "agent", "--agent-uuid", second, "--content", "Second knows B")

    everything = ok("ai", "memory", "list")
    assert contents(everything) == {"Fiscal year starts in April", "First knows A", "Second knows B"}
    assert everything["memories"][0]["content"] == "Second knows B"  # newest first
    assert contents(ok("ai", "memory", "list", "--agent-uuid", first)) == {"Fiscal year starts in April",
                                                                          "First knows A"}
    # The stricter forms answer one scope, as before.
    assert contents(ok("ai", "memory", "list", "--scope", "agent", "--agent-uuid", first)) == {"First knows A"}
    assert contents(ok("ai", "memory", "list", "--scope", "workspace")) == {"Fiscal year starts in April"}
    # A removed agent's memories are no longer listed.
    ok("ai", "agent", "remove", second)
    assert "Second knows B" not in contents(ok("ai", "memory", "list"))


def test_memory_list_errors() -> None:
    assert fails("ai", "memory", "list", "--agent-uuid", UNKNOWN)["reason"] == "agentNotFound"
    out = fails("ai", "memory", "list", "--scope", "team")
    assert out["reason"] == "invalidData" and "workspace, user, agent" in out["errorMessage"]
    assert "--agent-uuid" in fails("ai", "memory", "list", "--scope", "agent", code=2)["errorMessage"]


# --- billing usage get-metrics --unit --------------------------------------------------------------


def test_usage_units_accept_the_short_names() -> None:
    ok("orchestration", "run", "create", "--nodes", j(chain(start(), end())), "--data", "{}",
       "--wait-until-finished")
    for alias, unit in (("credits", "billing.credits"), ("executions", "orchestration.executions"),
                        ("records", "storage.records")):
        assert ok("billing", "usage", "get-metrics", "--unit", alias) == ok("billing", "usage", "get-metrics",
                                                                              "--unit", unit)
    executions = ok("billing", "usage", "get-metrics", "--unit", "executions")["metrics"]
    assert sum(i["count"] for day in executions for i in day["items"] if i["slug"] == "success") == 2
    out = fails("billing", "usage", "get-metrics", "--unit", "dollars")
    assert out["reason"] == "invalidUnit"
    assert "billing.credits, orchestration.executions, storage.records" in out["errorMessage"]
    assert "credits, executions, records" in out["errorMessage"]


# --- orchestration node execute --------------------------------------------------------------------

BRANCH = node("big", "branch", {"condition": "{{nodes.start.employees > 100}}"}, [None, None])


def test_node_execute_without_a_release_runs_the_node_as_given() -> None:
    out = ok("orchestration", "node", "execute", "--node", j(BRANCH), "--data", j({"employees": 250}))
    assert out["execution"]["status"] == "success" and out["output"] == {"condition": True}
    assert out["execution"]["nodeSlug"] == "big" and out["execution"]["nodeChildIndex"] == 0
    out = ok("orchestration", "node", "execute", "--node", j(BRANCH), "--context",
             j({"nodes": {"start": {"employees": 5}}}))
    assert out["output"] == {"condition": False} and out["execution"]["nodeChildIndex"] == 1
    # An explicit computed config wins over the node's config.
    out = ok("orchestration", "node", "execute", "--node", j(BRANCH), "--computed-config", j({"condition": True}))
    assert out["output"] == {"condition": True}


def test_node_execute_with_a_release_still_checks_the_node() -> None:
    wf = ok("orchestration", "tool", "create", "--name", "T")["tool"]["workflowUuid"]
    last = end()
    nodes = [start(children=[BRANCH["uuid"]]), {**BRANCH, "childrenUuids": [last["uuid"], last["uuid"]]}, last]
    release = ok("orchestration", "release", "deploy-draft", "--workflow-uuid", wf, "--nodes", j(nodes))["release"]
    out = ok("orchestration", "node", "execute", "--workflow-uuid", wf, "--release-uuid", release["uuid"],
             "--node", j(nodes[1]), "--computed-config", j({"condition": False}), "--context", j({"nodes": {}}))
    assert out["output"] == {"condition": False}
    stranger = {**BRANCH, "uuid": new_uuid()}
    assert fails("orchestration", "node", "execute", "--workflow-uuid", wf, "--release-uuid", release["uuid"],
                 "--node", j(stranger))["reason"] == "nodesNotFound"
    assert "--workflow-uuid" in fails("orchestration", "node", "execute", "--release-uuid", release["uuid"],
                                      "--node", j(BRANCH), code=2)["errorMessage"]
    assert fails("orchestration", "node", "execute", "--workflow-uuid", UNKNOWN,
                 "--node", j(BRANCH))["reason"] == "workflowNotFound"


def test_node_execute_bad_input() -> None:
    assert fails("orchestration", "node", "execute", "--node", "[1]")["reason"] == "nodeInvalid"
    assert fails("orchestration", "node", "execute", "--node", j(BRANCH), "--data", "[1]")["reason"] == "invalidData"
    out = fails("orchestration", "node", "execute", "--node", j(BRANCH), "--data", j({"employees": 1}), "--context",
                j({"nodes": {"start": {"employees": 2}}}))
    assert out["reason"] == "invalidData" and "not both" in out["errorMessage"]
    assert "--node" in fails("orchestration", "node", "execute", code=2)["errorMessage"]


# --- ai agent create|update with release settings ----------------------------------------------------


def draft(agent_uuid: str) -> dict[str, Any]:
    return ok("ai", "release", "get-draft", "--agent-uuid", agent_uuid)["release"]


def test_agent_create_seeds_the_draft_with_the_release_settings() -> None:
    agent = ok("ai", "agent", "create", "--name", "Qualifier", "--language-model-slug", "gpt-4o-mini",
               "--temperature", "0.2", "--system-prompt", "Qualify leads.", "--max-steps", "4",
               "--with-reasoning", "false", "--capabilities", "memory",
               "--output", j({"type": "text"}))["agent"]
    assert agent["name"] == "Qualifier"
    release = draft(agent["uuid"])
    assert release["languageModelSlug"] == "gpt-4o-mini" and release["temperature"] == 0.2
    assert release["systemPrompt"] == "Qualify leads." and release["maxSteps"] == 4
    assert release["withReasoning"] is False and [c["slug"] for c in release["capabilities"]] == ["memory"]
    # Without release flags the draft is the default one, as before.
    plain = ok("ai", "agent", "create", "--name", "Plain")["agent"]["uuid"]
    assert draft(plain)["systemPrompt"] in (None, "")


def test_agent_update_changes_the_draft_and_deploys_it_when_deployed() -> None:
    uuid = ok("ai", "agent", "create", "--name", "A", "--system-prompt", "One.")["agent"]["uuid"]
    out = ok("ai", "agent", "update", uuid, "--temperature", "0.7", "--name", "B")
    assert out["agent"]["name"] == "B"
    assert draft(uuid)["temperature"] == 0.7 and draft(uuid)["systemPrompt"] == "One."
    assert ok("ai", "release", "list", "--agent-uuid", uuid)["releases"][0]["status"] == "draft"
    assert len(ok("ai", "release", "list", "--agent-uuid", uuid)["releases"]) == 1  # never deployed: no deploy

    ok("ai", "release", "deploy-draft", "--agent-uuid", uuid)
    ok("ai", "agent", "update", "--uuid", uuid, "--language-model-slug", "gpt-4.1-mini")
    deployed = ok("ai", "agent", "get", uuid)["agent"]["deployedRelease"]
    assert deployed["languageModelSlug"] == "gpt-4.1-mini" and deployed["temperature"] == 0.7
    assert draft(uuid)["languageModelSlug"] == "gpt-4.1-mini"


def test_agent_release_settings_errors_write_nothing() -> None:
    out = fails("ai", "agent", "create", "--name", "Hot", "--temperature", "7")
    assert out["reason"] == "invalidData" and "temperature" in out["errorMessage"]
    assert all(a["name"] != "Hot" for a in ok("ai", "agent", "list")["agents"])
    uuid = ok("ai", "agent", "create", "--name", "Cool")["agent"]["uuid"]
    assert "--with-reasoning" in fails("ai", "agent", "update", uuid, "--with-reasoning", "maybe",
                                       code=2)["errorMessage"]
    out = fails("ai", "agent", "update", uuid, "--name", "Renamed", "--max-steps", "500")
    assert out["reason"] == "invalidData"
    assert ok("ai", "agent", "get", uuid)["agent"]["name"] == "Cool"
    assert fails("ai", "agent", "update", UNKNOWN, "--temperature", "0.5")["reason"] == "agentNotFound"


# --- agents as actions ---------------------------------------------------------------------------------


def last_user_message(rec: Recorded) -> str:
    messages = rec.json()["messages"]
    content = messages[-1]["content"]
    return content if isinstance(content, str) else json.dumps(content)


def test_agent_action_without_a_prompt_sends_the_data_to_the_agent() -> None:
    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", completion("Qualified."))
        openai_connector(fake.url)
        uuid = ok("ai", "agent", "create", "--name", "Qualifier", "--system-prompt", "Qualify the company you get.",
                  "--language-model-slug", "gpt-4o")["agent"]["uuid"]
        action = j({"kind": "agent", "agentUuid": uuid})

        # Never deployed: the draft answers (as its chats do).
        out = ok("orchestration", "action", "execute", "--action", action, "--data",
                 j({"company": "Acme", "employees": 120}), "--wait-until-finished")
        assert out["run"]["status"] == "success", out
        sent = fake.requests[-1].json()["messages"]
        assert sent[0] == {"role": "system", "content": "Qualify the company you get."}
        assert json.loads(last_user_message(fake.requests[-1])) == {"company": "Acme", "employees": 120}
        context = ok("orchestration", "run", "get", out["run"]["uuid"])["runContext"]
        assert context["action"] == {"answer": "Qualified."}

        # `message` (or `prompt`) is the user message as is.
        ok("orchestration", "action", "execute", "--action", action, "--data", j({"message": "Is Acme a fit?"}),
           "--wait-until-finished")
        assert last_user_message(fake.requests[-1]) == "Is Acme a fit?"
        ok("ai", "release", "deploy-draft", "--agent-uuid", uuid, "--system-prompt", "Deployed instructions.")
        ok("orchestration", "action", "execute", "--action", action, "--data", j({"prompt": "Hello"}),
           "--wait-until-finished")
        assert fake.requests[-1].json()["messages"][0]["content"] == "Deployed instructions."
        assert last_user_message(fake.requests[-1]) == "Hello"

        # One run per record, each with its own data as the message.
        batch = ok("orchestration", "action", "execute-batch", "--action", action, "--records",
                   j([{"company": "A"}, {"company": "B"}]), "--wait-until-finished")["batch"]
        assert batch["status"] == "success", batch
        sent_data = sorted(last_user_message(r) for r in fake.requests[-2:])
        assert [json.loads(s) for s in sent_data] == [{"company": "A"}, {"company": "B"}]


def test_agent_action_errors() -> None:
    out = fails("orchestration", "action", "execute", "--action", j({"kind": "agent", "agentUuid": UNKNOWN}),
                "--data", j({"company": "Acme"}))
    assert out["reason"] == "agentNotFound"
    out = fails("orchestration", "action", "execute", "--action", j({"kind": "agent"}), "--data", "{}")
    assert out["reason"] == "invalidData" and "agentUuid" in out["errorMessage"]


# --- the same rules through the API (a real server, workspaces alpha and beta) -----------------------


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def test_api_routes_take_the_same_defaults(api_server: Any) -> None:
    alpha, beta = api_server.client("alpha"), api_server.client("beta")
    mine = _ok(alpha.post("/ai/agents", json={"name": "Mine", "icon": ICON, "systemPrompt": "Be brief.",
                                             "temperature": 0.1, "languageModelSlug": "gpt-4o-mini"}))["agent"]["uuid"]
    theirs = _ok(beta.post("/ai/agents", json={"name": "Theirs", "icon": ICON}))["agent"]["uuid"]
    release = _ok(alpha.get("/ai/releases/draft", params={"agentUuid": mine}))["release"]
    assert (release["systemPrompt"], release["temperature"], release["languageModelSlug"]) == (
        "Be brief.", 0.1, "gpt-4o-mini")
    agent = _ok(alpha.put(f"/ai/agents/{mine}", json={"temperature": 0.6, "name": "Mine too"}))["agent"]
    assert agent["name"] == "Mine too"
    assert _ok(alpha.get("/ai/releases/draft", params={"agentUuid": mine}))["release"]["temperature"] == 0.6
    refused(alpha.post("/ai/agents", json={"name": "Bad", "icon": ICON, "temperature": "hot"}), 400, "invalidData")
    refused(alpha.put(f"/ai/agents/{theirs}", json={"temperature": 0.5}), 404, "agentNotFound")

    # Memories: no scope = everything alpha may see, never beta's.
    _ok(alpha.post("/ai/memories", json={"scope": "agent", "agentUuid": mine, "content": "alpha agent fact"}))
    _ok(alpha.post("/ai/memories", json={"scope": "user", "content": "alpha user fact"}))
    _ok(beta.post("/ai/memories", json={"scope": "agent", "agentUuid": theirs, "content": "beta fact"}))
    listed = {m["content"] for m in _ok(alpha.get("/ai/memories/list"))["memories"]}
    assert {"alpha agent fact", "alpha user fact"} <= listed and "beta fact" not in listed
    listed = {m["content"] for m in _ok(alpha.get("/ai/memories/list", params={"agentUuid": mine}))["memories"]}
    assert {"alpha agent fact", "alpha user fact"} <= listed
    scoped = _ok(alpha.get("/ai/memories/list", params={"scope": "agent", "agentUuid": mine}))["memories"]
    assert [m["content"] for m in scoped] == ["alpha agent fact"]
    refused(alpha.get("/ai/memories/list", params={"agentUuid": theirs}), 404, "agentNotFound")
    refused(alpha.get("/ai/memories/list", params={"scope": "agent"}), 400, "invalidPayload")

    # Usage units by their short names.
    for alias, unit in (("credits", "billing.credits"), ("executions", "orchestration.executions"),
                        ("records", "storage.records")):
        assert _ok(alpha.get("/billing/usage/metrics", params={"unit": alias})) == _ok(
            alpha.get("/billing/usage/metrics", params={"unit": unit}))
    refused(alpha.get("/billing/usage/metrics", params={"unit": "dollars"}), 400, "invalidUnit")

    # A node executed as given.
    answer = _ok(alpha.post("/orchestration/nodes/execute", json={"node": BRANCH, "data": {"employees": 500}}))
    assert answer["status"] == "success" and answer["data"] == {"condition": True} and answer["childIndex"] == 0
    beta_wf = api_server.lading("orchestration", "tool", "create", "--name", "B", workspace="beta")["tool"][
        "workflowUuid"]
    refused(alpha.post("/orchestration/nodes/execute", json={"node": BRANCH, "workflowUuid": beta_wf}), 404,
            "workflowNotFound")
    refused(alpha.post("/orchestration/nodes/execute", json={"node": BRANCH, "workflowUuid": UNKNOWN}), 404,
            "workflowNotFound")
    refused(alpha.post("/orchestration/nodes/execute", json={"data": {}}), 400, "invalidPayload")
