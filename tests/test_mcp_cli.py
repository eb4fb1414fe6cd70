"""MCP publishing end to end: `ai mcp-server …` through the CLI (checks, wholesale updates, errors,
workspace isolation), and real stdio sessions with `lading mcp` driven by the MCP SDK's own client:
the platform toolset (whoami, actions run and read back, models) and a published server whose tool
runs a deployed tool and whose resource queries a model."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import j, run_cli
from graphs import chain, end, start, var

LADING = str(Path(sys.executable).parent / "lading")


def ok(*args: str) -> Any:
    code, out = run_cli(*args)
    assert code == 0, out
    return out


def fails(reason: str, *args: str) -> dict[str, Any]:
    code, out = run_cli(*args)
    assert code != 0 and out["reason"] == reason, out
    return out


def doubler() -> dict[str, Any]:
    tool = ok("orchestration", "tool", "create", "--name", "Doubler")["tool"]
    nodes = chain(start(), end([var("doubled", "{{nodes.start.n * 2}}", "number")]))
    ok("orchestration", "release", "update-draft", "--workflow-uuid", tool["workflowUuid"], "--nodes", j(nodes),
       "--form-fields", j([{"slug": "n", "label": "Number", "type": "number", "required": True}]))
    ok("orchestration", "release", "deploy-draft", "--workflow-uuid", tool["workflowUuid"])
    return tool


def leads_model() -> str:
    ds = ok("storage", "dataset", "list")["datasets"][0]["uuid"]
    model = ok("storage", "model", "create", "--slug", "leads", "--name", "Leads", "--dataset-uuid", ds,
               "--columns", j([{"slug": "name", "type": "string"}, {"slug": "score", "type": "number"}]))
    uuid = model["model"]["uuid"]
    ok("storage", "record", "upsert", "--model-uuid", uuid,
       "--records", j([{"_id": "a", "name": "Ann", "score": 90}, {"_id": "b", "name": "Bob", "score": 40}]))
    return uuid


def double_action(tool_uuid: str, **extra: Any) -> dict[str, Any]:
    return {"kind": "tool", "toolUuid": tool_uuid, "slug": "double", "name": "Double",
            "description": "Doubles a number", **extra}


def test_create_list_update_replaces_arrays_and_remove() -> None:
    tool = doubler()
    model = leads_model()
    resource = {"kind": "model", "slug": "leads", "modelUuid": model, "limit": 10}
    server = ok("ai", "mcp-server", "create", "--name", "Sales kit", "--actions", j([double_action(tool["uuid"])]),
                "--resources", j([resource]))["mcpServer"]
    assert server["name"] == "Sales kit" and server["workspaceUuid"]
    assert [a["slug"] for a in server["actions"]] == ["double"]
    assert server["actions"][0]["waitUntilFinished"] is True
    assert [r["slug"] for r in server["resources"]] == ["leads"]
    assert ok("ai", "mcp-server", "list")["mcpServers"] == [server]

    renamed = ok("ai", "mcp-server", "update", "--uuid", server["uuid"], "--name", "Kit")["mcpServer"]
    assert renamed["name"] == "Kit" and renamed["actions"] == server["actions"]
    assert renamed["resources"] == server["resources"]
    replaced = ok("ai", "mcp-server", "update", "--uuid", server["uuid"], "--actions",
                  j([double_action(tool["uuid"], slug="twice", waitUntilFinished=False)]),
                  "--resources", "[]")["mcpServer"]
    assert [(a["slug"], a["waitUntilFinished"]) for a in replaced["actions"]] == [("twice", False)]
    assert replaced["resources"] == [] and replaced["name"] == "Kit"

    assert ok("ai", "mcp-server", "remove", server["uuid"]) == {"uuid": server["uuid"], "removed": True}
    assert ok("ai", "mcp-server", "list")["mcpServers"] == []
    fails("mcpServerNotFound", "ai", "mcp-server", "remove", server["uuid"])


def test_bad_servers_are_refused_and_write_nothing() -> None:
    tool = doubler()
    missing = "00000000-0000-4000-8000-000000000000"
    fails("failedToReconciliateAgentAiTools", "ai", "mcp-server", "create", "--name", "x", "--actions",
          j([{"kind": "connector", "slug": "c", "integrationSlug": "hubspot", "actionSlug": "getContact"}]))
    fails("failedToReconciliateAgentAiTools", "ai", "mcp-server", "create", "--name", "x", "--actions",
          j([{"kind": "tool", "slug": "t", "toolUuid": missing}]))
    fails("failedToReconciliateAgentAiTools", "ai", "mcp-server", "create", "--name", "x", "--actions",
          j([double_action(tool["uuid"], waitUntilFinished="yes")]))
    fails("failedToReconciliateAgentAiTools", "ai", "mcp-server", "create", "--name", "x", "--resources",
          j([{"kind": "model", "slug": "m", "modelUuid": missing}]))
    fails("invalidData", "ai", "mcp-server", "create", "--name", " ")
    code, out = run_cli("ai", "mcp-server", "create", "--name", "x", "--actions", "[not json")
    assert code == 2 and "errorMessage" in out
    assert ok("ai", "mcp-server", "list")["mcpServers"] == []

    server = ok("ai", "mcp-server", "create", "--name", "kit", "--actions", j([double_action(tool["uuid"])]))
    uuid = server["mcpServer"]["uuid"]
    fails("failedToReconciliateAgentAiTools", "ai", "mcp-server", "update", "--uuid", uuid, "--name", "new",
          "--actions", j([{"kind": "agent", "slug": "a", "agentUuid": missing}]))
    assert ok("ai", "mcp-server", "list")["mcpServers"] == [server["mcpServer"]]
    for bad in (missing, "not-a-uuid"):
        fails("mcpServerNotFound", "ai", "mcp-server", "update", "--uuid", bad, "--name", "n")
    fails("mcpServerNotFound", "mcp", "--server", missing)


def test_servers_are_workspace_scoped(monkeypatch: pytest.MonkeyPatch) -> None:
    uuid = ok("ai", "mcp-server", "create", "--name", "mine")["mcpServer"]["uuid"]
    monkeypatch.setenv("LADING_WORKSPACE_NAME", "another-team")
    assert ok("ai", "mcp-server", "list")["mcpServers"] == []
    fails("mcpServerNotFound", "ai", "mcp-server", "update", "--uuid", uuid, "--name", "theirs")
    fails("mcpServerNotFound", "ai", "mcp-server", "remove", uuid)
    fails("mcpServerNotFound", "mcp", "--server", uuid)


# --- real stdio sessions ----------------------------------------------------------------------------

def _session(args: list[str], script: Any) -> Any:
    """Spawn `lading mcp …` with the test's environment and run `script(client)` over the SDK client."""
    from mcp import ClientSession, StdioServerParameters, stdio_client

    async def main() -> Any:
        params = StdioServerParameters(command=LADING, args=["mcp", *args], env=dict(os.environ))
        async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
            await client.initialize()
            return await script(client)

    return asyncio.run(asyncio.wait_for(main(), 120))


def _doc(result: Any) -> Any:
    return json.loads(result.content[0].text)


def test_platform_toolset_over_stdio() -> None:
    tool = doubler()
    model = leads_model()
    me = ok("whoami")
    dataset = ok("storage", "dataset", "list")["datasets"][0]["slug"]

    async def script(client: Any) -> dict[str, Any]:
        names = [t.name for t in (await client.list_tools()).tools]
        out: dict[str, Any] = {"names": names}
        out["whoami"] = await client.call_tool("whoami", {})
        out["models"] = await client.call_tool("list_models", {})
        out["query"] = await client.call_tool("query_models", {"sql": f"SELECT name FROM {dataset}.leads"})
        out["run"] = await client.call_tool("execute_action", {"action": {"kind": "tool", "toolUuid": tool["uuid"]},
                                                               "data": {"n": 21}})
        run_uuid = _doc(out["run"])["run"]["uuid"]
        out["get_run"] = await client.call_tool("get_run", {"uuid": run_uuid})
        out["missing"] = await client.call_tool("get_run", {"uuid": "00000000-0000-4000-8000-000000000000"})
        return out

    out = _session([], script)
    for name in ("whoami", "list_runs", "get_run", "get_batch", "search_actions", "get_action_schema",
                 "execute_action", "execute_action_batch", "list_models", "describe_model", "query_models",
                 "get_usage", "autocomplete_action"):
        assert name in out["names"], name
    assert _doc(out["whoami"]) == me and not out["whoami"].is_error
    assert [m["uuid"] for m in _doc(out["models"])["models"]] == [model]
    assert "Ann" in out["query"].content[0].text and not out["query"].is_error
    run = _doc(out["get_run"])
    assert run["run"]["status"] == "success" and run["runContext"]["end"]["doubled"] == 42, run
    assert out["missing"].is_error and "errorMessage" in _doc(out["missing"])


def test_published_server_over_stdio(monkeypatch: pytest.MonkeyPatch) -> None:
    tool = doubler()
    model = leads_model()
    resource = {"kind": "model", "slug": "leads", "modelUuid": model, "selectedColumnSlugs": ["name"]}
    server = ok("ai", "mcp-server", "create", "--name", "kit", "--actions", j([double_action(tool["uuid"])]),
                "--resources", j([resource]))["mcpServer"]
    monkeypatch.setenv("LADING_MCP_SERVER_UUID", server["uuid"])

    async def script(client: Any) -> dict[str, Any]:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        return {"tools": tools, "double": await client.call_tool("double", {"n": 5}),
                "leads": await client.call_tool("query_leads", {}),
                "bad": await client.call_tool("double", {})}

    out = _session([], script)
    assert set(out["tools"]) == {"double", "query_leads"}
    assert out["tools"]["double"].description == "Doubles a number"
    assert "n" in out["tools"]["double"].input_schema["properties"]
    run = _doc(out["double"])
    assert not out["double"].is_error and run["run"]["status"] == "success", run
    assert run["runContext"]["end"]["doubled"] == 10
    assert "Ann" in out["leads"].content[0].text and "90" not in out["leads"].content[0].text
    assert out["bad"].is_error and "errorMessage" in _doc(out["bad"])
