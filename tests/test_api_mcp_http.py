"""MCP over streamable HTTP (C §2.8): `lading serve` serves the workspace's tools at `/mcp` and a
published server's at `/mcp/<uuid>`, driven here by the MCP SDK's own streamable-HTTP client against
a real server — tools listed and called, the bearer token required, its workspace and rights kept."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from api_server import refused
from graphs import chain, end, start, var

INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                         "clientInfo": {"name": "probe", "version": "1"}}}
MCP_HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


def _session(url: str, token: str, script: Callable[[Any], Awaitable[Any]]) -> Any:
    """Run `script(client)` in an initialized SDK client session over streamable HTTP."""
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    async def main() -> Any:
        async with create_mcp_http_client(headers={"authorization": f"Bearer {token}"}) as http, \
                streamable_http_client(url, http_client=http) as (read, write), ClientSession(read, write) as client:
            await client.initialize()
            return await script(client)

    return asyncio.run(asyncio.wait_for(main(), 120))


def _doc(result: Any) -> Any:
    return json.loads(result.content[0].text)




@pytest.fixture(scope="module")
def published(api_server: Any) -> dict[str, str]:
    """Alpha's deployed doubler tool, a model with two records and a published MCP server on both."""
    lading = api_server.lading
    tool = lading("orchestration", "tool", "create", "--name", "Doubler")["tool"]
    nodes = chain(start(), end([var("doubled", "{{nodes.start.n * 2}}", "number")]))
    lading("orchestration", "release", "update-draft", "--workflow-uuid", tool["workflowUuid"], "--nodes",
           json.dumps(nodes), "--form-fields",
           json.dumps([{"slug": "n", "label": "Number", "type": "number", "required": True}]))
    lading("orchestration", "release", "deploy-draft", "--workflow-uuid", tool["workflowUuid"])
    dataset = lading("storage", "dataset", "list")["datasets"][0]["uuid"]
    model = lading("storage", "model", "create", "--slug", "leads", "--name", "Leads", "--dataset-uuid", dataset,
                   "--columns", json.dumps([{"slug": "name", "type": "string"}]))["model"]["uuid"]
    lading("storage", "record", "upsert", "--model-uuid", model, "--records",
           json.dumps([{"_id": "a", "name": "Ann"}, {"_id": "b", "name": "Bob"}]))
    action = {"kind": "tool", "toolUuid": tool["uuid"], "slug": "double", "name": "Double",
              "description": "Doubles a number"}
    resource = {"kind": "model", "slug": "leads", "modelUuid": model, "selectedColumnSlugs": ["name"]}
    server = lading("ai", "mcp-server", "create", "--name", "kit", "--actions", json.dumps([action]),
                    "--resources", json.dumps([resource]))["mcpServer"]
    return {"server": server["uuid"], "model": model, "tool": tool["uuid"]}


def test_platform_toolset_lists_and_calls_tools(api_server: Any, published: dict[str, str]) -> None:
    async def script(client: Any) -> dict[str, Any]:
        return {"names": [t.name for t in (await client.list_tools()).tools],
                "whoami": await client.call_tool("whoami", {}),
                "models": await client.call_tool("list_models", {}),
                "run": await client.call_tool("execute_action", {
                    "action": {"kind": "tool", "toolUuid": published["tool"]}, "data": {"n": 21}})}

    out = _session(f"{api_server.url}/mcp", api_server.tokens["alpha"], script)
    assert {"whoami", "list_models", "execute_action", "query_models", "get_run"} <= set(out["names"])
    me = api_server.client("alpha").get("/whoami").json()
    assert _doc(out["whoami"])["workspace"] == me["workspace"] and not out["whoami"].is_error
    assert [m["uuid"] for m in _doc(out["models"])["models"]] == [published["model"]]
    run = _doc(out["run"])
    assert not out["run"].is_error and run["run"]["status"] == "success", run
    assert run["runContext"]["end"]["doubled"] == 42


def test_published_server_tools_over_http(api_server: Any, published: dict[str, str]) -> None:
    async def script(client: Any) -> dict[str, Any]:
        return {"tools": {t.name: t for t in (await client.list_tools()).tools},
                "double": await client.call_tool("double", {"n": 5}),
                "leads": await client.call_tool("query_leads", {}),
                "bad": await client.call_tool("double", {})}

    out = _session(f"{api_server.url}/mcp/{published['server']}", api_server.tokens["alpha"], script)
    assert set(out["tools"]) == {"double", "query_leads"}
    assert out["tools"]["double"].description == "Doubles a number"
    assert not out["double"].is_error and _doc(out["double"])["runContext"]["end"]["doubled"] == 10
    assert "Ann" in out["leads"].content[0].text and not out["leads"].is_error
    assert out["bad"].is_error and "errorMessage" in _doc(out["bad"])


def test_a_token_is_required(api_server: Any, published: dict[str, str]) -> None:
    for path in ("/mcp", f"/mcp/{published['server']}"):
        basic = {"authorization": f"Basic {api_server.tokens['alpha']}"}
        for headers in ({}, {"authorization": "Bearer ldg_nope"}, basic):
            response = httpx.post(f"{api_server.url}{path}", json=INITIALIZE, headers={**MCP_HEADERS, **headers})
            refused(response, 401, "unauthorized")
            assert response.headers["www-authenticate"].startswith("Bearer")
    with pytest.raises(Exception):  # noqa: B017 - the SDK client fails the session on a 401
        _session(f"{api_server.url}/mcp", "ldg_nope", lambda client: client.list_tools())
    # With the token, a plain initialize answers the protocol's result.
    ok = httpx.post(f"{api_server.url}/mcp", json=INITIALIZE,
                    headers={**MCP_HEADERS, "authorization": f"Bearer {api_server.tokens['alpha']}"})
    assert ok.status_code == 200 and ok.json()["result"]["serverInfo"]["name"] == "lading", ok.text


def test_workspaces_are_isolated(api_server: Any, published: dict[str, str]) -> None:
    beta = {**MCP_HEADERS, "authorization": f"Bearer {api_server.tokens['beta']}"}
    for uuid in (published["server"], "00000000-0000-4000-8000-000000000000", "not-a-uuid"):
        refused(httpx.post(f"{api_server.url}/mcp/{uuid}", json=INITIALIZE, headers=beta), 404, "mcpServerNotFound")
    with pytest.raises(Exception):  # noqa: B017
        _session(f"{api_server.url}/mcp/{published['server']}", api_server.tokens["beta"],
                 lambda client: client.list_tools())

    async def script(client: Any) -> dict[str, Any]:
        return {"whoami": await client.call_tool("whoami", {}), "models": await client.call_tool("list_models", {}),
                "model": await client.call_tool("describe_model", {"uuid": published["model"]})}

    out = _session(f"{api_server.url}/mcp", api_server.tokens["beta"], script)
    assert _doc(out["whoami"])["workspace"]["name"] == api_server.workspaces["beta"]
    assert published["model"] not in json.dumps(_doc(out["models"]))
    assert out["model"].is_error and _doc(out["model"])["reason"] == "modelNotFound"


def test_tool_calls_keep_the_token_rights(api_server: Any, published: dict[str, str]) -> None:
    alpha = api_server.client("alpha")
    rules = [{"effect": "allow", "resources": None, "actions": ["storage:read"]}]
    reader = alpha.post("/workspaceManagement/tokens", json={"name": "mcp reader", "permissions": rules})
    token = reader.json()["token"]["token"]

    async def script(client: Any) -> dict[str, Any]:
        return {"models": await client.call_tool("list_models", {}),
                "run": await client.call_tool("execute_action", {
                    "action": {"kind": "tool", "toolUuid": published["tool"]}, "data": {"n": 1}})}

    out = _session(f"{api_server.url}/mcp", token, script)
    assert not out["models"].is_error
    assert out["run"].is_error and _doc(out["run"])["reason"] == "forbidden"
    # A published server needs `ai:mcpServer:read` on it.
    refused(httpx.post(f"{api_server.url}/mcp/{published['server']}", json=INITIALIZE,
                      headers={**MCP_HEADERS, "authorization": f"Bearer {token}"}), 403, "forbidden")
