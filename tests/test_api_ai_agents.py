"""AI agents over HTTP against a real `lading serve` (api.md §6 first half, §12, §13): templates, agents,
releases, MCP servers, MCP client connect, the language-model catalog and the 501 prompt routes — every
route, its documented errors, two-workspace isolation — and the `lading ai …` commands in the CLI's
remote mode printing what the embedded CLI prints. Outside MCP servers are fake ones, real HTTP
servers on 127.0.0.1 speaking JSON-RPC as MCP's streamable HTTP does."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api_server import refused, same
from fakes import Answer, FakeProvider, Recorded, fake_provider

AGENT_KEYS = ["uuid", "workspaceUuid", "userUuid", "name", "icon", "description", "triggers", "deployedRelease",
              "folderUuid", "template", "isReadOnly", "createdAt", "updatedAt", "deletedAt"]
RELEASE_KEYS = {"uuid", "agentUuid", "workspaceUuid", "userUuid", "version", "status", "description", "parentUuid",
                "templateSlug", "systemPrompt", "languageModelSlug", "integrationSlug", "connectorUuid", "temperature",
                "maxSteps", "withReasoning", "actions", "resources", "mcpClients", "capabilities", "suggestedActions",
                "options", "output", "heartbeat", "evaluator", "deployedAt", "createdAt", "updatedAt"}
MCP_SERVER_KEYS = ["uuid", "workspaceUuid", "userUuid", "name", "kind", "description", "actions", "resources", "url",
                   "authentication", "disabledToolSlugs", "tools", "folderUuid", "templateSlug", "isReadOnly",
                   "createdAt", "updatedAt", "deletedAt"]
MEMORY = {"slug": "memory", "config": {}}
EMOJI = {"kind": "emoji", "emojiSlug": "rocket"}
TOKEN = "mcp-secret-token-42"




def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _agent(client: httpx.Client, name: str = "Researcher", **extra: Any) -> dict[str, Any]:
    body = {"name": name, "icon": {"color": "blue", "face": "🔎"}, **extra}
    return dict(_ok(client.post("/ai/agents", json=body))["agent"])


def _tool(client: httpx.Client, name: str = "Enrich") -> str:
    return str(_ok(client.post("/orchestration/tools", json={"name": name, "icon": EMOJI}))["tool"]["uuid"])


def _me(client: httpx.Client) -> dict[str, Any]:
    return dict(_ok(client.get("/whoami")))


# --- a fake outside MCP server ----------------------------------------------------------------------


TOOLS = [{"name": "search_crm", "title": "Search the CRM", "description": "Find accounts",
          "inputSchema": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}},
         {"name": "create_note", "description": "Add a note",
          "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}}}]


def _rpc_result(ident: Any, result: dict[str, Any], *, stream: bool, session: bool = False) -> Answer:
    message = {"jsonrpc": "2.0", "id": ident, "result": result}
    headers = {"mcp-session-id": "session-1"} if session else {}
    if stream:
        # A server-sent-event stream: a notification first, then the answer.
        note = json.dumps({"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "info"}})
        body = f"event: message\ndata: {note}\n\nevent: message\ndata: {json.dumps(message)}\n\n"
        return Answer(200, body, {**headers, "Content-Type": "text/event-stream"})
    return Answer(200, message, headers)


def _mcp_handler(*, stream: bool, token: str | None) -> Any:
    def handle(request: Recorded) -> Answer:
        if token is not None and request.headers.get("authorization") != f"Bearer {token}":
            return Answer(401, {"error": "unauthorized"})
        if request.method == "DELETE":
            return Answer(200, {})
        message = request.json()
        if message.get("method") == "initialize":
            return _rpc_result(message["id"], {"protocolVersion": "2025-03-26", "capabilities": {"tools": {}},
                                               "serverInfo": {"name": "fake", "version": "1"}},
                               stream=stream, session=True)
        if "id" not in message:  # a notification
            return Answer(202, None)
        assert request.headers.get("mcp-session-id") == "session-1"
        if message.get("method") == "tools/list":
            cursor = (message.get("params") or {}).get("cursor")
            page = {"tools": TOOLS[1:]} if cursor == "page-2" else {"tools": TOOLS[:1], "nextCursor": "page-2"}
            return _rpc_result(message["id"], page, stream=stream)
        return Answer(200, {"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32601, "message": "nope"}})
    return handle


@pytest.fixture
def mcp_server() -> Iterator[FakeProvider]:
    with fake_provider() as fake:
        fake.fallback = _mcp_handler(stream=False, token=TOKEN)
        yield fake


# --- templates and the language-model catalog ---------------------------------------------------------


def test_templates_and_language_models(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    templates = _ok(alpha.post("/ai/templates/list", json={}))["templates"]
    slugs = [t["slug"] for t in templates]
    assert {"lead-researcher", "company-classifier", "email-drafter"} <= set(slugs)
    for template in templates:
        assert template["kind"] == "agent" and template["workspaceUuid"] is None
        assert template["evaluator"] is None and template["deletedAt"] is None
        assert template["output"] == {"type": "text"} and template["heartbeat"] is None
        assert set(template["icon"]) == {"color", "face"}
        assert all(set(c) == {"slug", "config"} for c in template["capabilities"])
        assert all(set(s) == {"text", "actions"} for s in template["suggestedActions"])
    # Filters: kinds, isPreset, hasDocumentation (Lading's templates have none); a body may be absent.
    assert _ok(alpha.post("/ai/templates/list"))["templates"] == templates
    assert [t["slug"] for t in _ok(alpha.post("/ai/templates/list", json={"kinds": ["agent"]}))["templates"]] == slugs
    assert _ok(alpha.post("/ai/templates/list", json={"kinds": ["mcpServer"]}))["templates"] == []
    assert _ok(alpha.post("/ai/templates/list", json={"isPreset": False}))["templates"] == []
    assert _ok(alpha.post("/ai/templates/list", json={"hasDocumentation": True}))["templates"] == []
    refused(alpha.post("/ai/templates/list", json={"kinds": ["robot"]}), 400, "invalidData")
    refused(alpha.post("/ai/templates/list", json={"sort": "name"}), 400, "invalidPayload")
    got = _ok(alpha.get("/ai/templates/email-drafter"))["template"]
    assert got == next(t for t in templates if t["slug"] == "email-drafter")
    refused(alpha.get("/ai/templates/nope"), 404, "templateNotFound")

    models = _ok(alpha.get("/ai/languageModels/list"))["languageModels"]
    assert {"gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet-latest"} <= {m["slug"] for m in models}
    anthropic = _ok(alpha.get("/ai/languageModels/list", params={"integrationSlug": "anthropic"}))["languageModels"]
    assert anthropic == [m for m in models if m["integrationSlug"] == "anthropic"]
    refused(alpha.get("/ai/languageModels/list", params={"integrationSlug": "nope"}), 404, "integrationNotFound")
    refused(api_server.client(token="ldg_wrong").get("/ai/languageModels/list"), 401, "unauthorized")


# --- agents ---------------------------------------------------------------------------------------


def test_agent_routes_and_client_keys(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    me = _me(alpha)
    agent = _agent(alpha, "Lead finder", description="finds leads", triggers=[], folderUuid=None)
    assert list(agent) == AGENT_KEYS
    assert (agent["workspaceUuid"], agent["userUuid"]) == (me["workspace"]["uuid"], me["user"]["uuid"])
    assert agent["icon"] == {"color": "blue", "face": "🔎"} and agent["triggers"] == []
    assert agent["deployedRelease"] is None and agent["template"] is None and agent["deletedAt"] is None
    assert _ok(alpha.get(f"/ai/agents/{agent['uuid']}"))["agent"] == agent
    assert agent["uuid"] in [a["uuid"] for a in _ok(alpha.get("/ai/agents/list"))["agents"]]

    # Created from a template: the draft copies it, and `template` says where it came from.
    templated = _ok(alpha.post("/ai/agents", json={"name": "Writer", "templateSlug": "email-drafter"}))["agent"]
    assert templated["template"] == {"slug": "email-drafter", "isAvailable": True, "scope": "public"}
    draft = _ok(alpha.get("/ai/releases/draft", params={"agentUuid": templated["uuid"]}))["release"]
    assert draft["temperature"] == 0.7 and draft["languageModelSlug"] == "gpt-4o"
    refused(alpha.post("/ai/agents", json={"name": "x", "templateSlug": "nope"}), 404, "templateNotFound")

    # Update: only the fields sent change; a null folderUuid is the root; `template` may be cleared.
    folder = _ok(alpha.post("/workspaceManagement/folders", json={"name": "Agents", "kind": "agent",
                                                                  "emojiSlug": "robot"}))["folder"]["uuid"]
    moved = _ok(alpha.put(f"/ai/agents/{templated['uuid']}", json={"folderUuid": folder, "icon": {"color": "red"},
                                                                   "template": None}))["agent"]
    assert (moved["folderUuid"], moved["icon"], moved["template"], moved["name"]) == (
        folder, {"color": "red", "face": templated["icon"]["face"]}, None, "Writer")
    assert [a["uuid"] for a in _ok(alpha.get("/ai/agents/list", params={"folderUuid": folder}))["agents"]] == [
        templated["uuid"]]
    again = _ok(alpha.put(f"/ai/agents/{templated['uuid']}", json={"folderUuid": None, "description": None,
                                                                   "template": {"slug": "lead-researcher"}}))["agent"]
    assert again["folderUuid"] is None and again["description"] is None
    assert again["template"]["slug"] == "lead-researcher"

    # Documented errors.
    missing = str(uuid.uuid4())
    refused(alpha.get(f"/ai/agents/{missing}"), 404, "agentNotFound")
    refused(alpha.put(f"/ai/agents/{missing}", json={"name": "x"}), 404, "agentNotFound")
    refused(alpha.delete(f"/ai/agents/{missing}"), 404, "agentNotFound")
    refused(alpha.post("/ai/agents", json={"name": "x", "folderUuid": str(uuid.uuid4())}), 404, "folderNotFound")
    refused(alpha.put(f"/ai/agents/{agent['uuid']}", json={"folderUuid": missing}), 404, "folderNotFound")
    refused(alpha.post("/ai/agents", json={"icon": {"color": "grey", "face": "🤖"}}), 400, "invalidPayload")
    refused(alpha.post("/ai/agents", json={"name": "x", "icon": {"color": "pink", "face": "🤖"}}), 400, "invalidData")
    refused(alpha.post("/ai/agents", json={"name": "x", "icon": {"colour": "grey"}}), 400, "invalidPayload")
    refused(alpha.post("/ai/agents", json={"name": " "}), 400, "invalidData")
    refused(alpha.post("/ai/agents", json={"name": "x", "triggers": [{"type": "cron"}]}), 501, "notSupported")
    refused(alpha.get("/ai/agents/list", params={"limit": 1001}), 400, "invalidData")

    # Pagination (newest first) and remove.
    page = _ok(alpha.get("/ai/agents/list", params={"limit": 1, "offset": 0}))["agents"]
    assert [a["uuid"] for a in page] == [templated["uuid"]]
    assert _ok(alpha.delete(f"/ai/agents/{agent['uuid']}")) == {"uuid": agent["uuid"], "removed": True}
    refused(alpha.get(f"/ai/agents/{agent['uuid']}"), 404, "agentNotFound")
    assert agent["uuid"] not in [a["uuid"] for a in _ok(alpha.get("/ai/agents/list"))["agents"]]


# --- releases -------------------------------------------------------------------------------------


def test_release_routes_draft_update_deploy(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    me = _me(alpha)
    agent = _agent(alpha, "Deployer")["uuid"]
    refused(alpha.get("/ai/releases/deployed", params={"agentUuid": agent}), 404, "releaseNotFound")
    draft = _ok(alpha.get("/ai/releases/draft", params={"agentUuid": agent}))["release"]
    assert set(draft) == RELEASE_KEYS and draft["status"] == "draft" and draft["version"] == "1"
    assert (draft["workspaceUuid"], draft["userUuid"]) == (me["workspace"]["uuid"], me["user"]["uuid"])
    assert draft["templateSlug"] is None and draft["evaluator"] is None

    tool = _tool(alpha, "Enrich for agents")
    actions = [{"kind": "tool", "slug": "enrich", "toolUuid": tool, "description": "Enrich a domain"}]
    suggested = [{"text": "Research acme.com", "actions": [{"slug": "enrich"}]}, {"label": "Go", "prompt": "Hi"}]
    updated = _ok(alpha.put("/ai/releases/draft/update", json={
        "agentUuid": agent, "systemPrompt": "Be brief.", "temperature": 0.2, "maxSteps": 12, "withReasoning": True,
        "actions": actions, "capabilities": [{"slug": "memory", "config": {}}, "memory"],
        "suggestedActions": suggested, "heartbeat": {"intervalMinutes": 60, "maxMessages": 5},
        "output": None, "evaluator": None}))["release"]
    assert updated["uuid"] == draft["uuid"] and updated["systemPrompt"] == "Be brief."
    assert (updated["temperature"], updated["maxSteps"], updated["withReasoning"]) == (0.2, 12, True)
    assert updated["capabilities"] == [MEMORY] and updated["output"] == {"type": "text"}
    assert updated["suggestedActions"] == [{"text": "Research acme.com", "actions": [{"slug": "enrich"}]},
                                           {"text": "Hi", "actions": []}]
    assert updated["heartbeat"] == {"intervalMinutes": 60, "maxMessages": 5, "prompt": None}
    # Omitted fields keep their value.
    kept = _ok(alpha.put("/ai/releases/draft/update", json={"agentUuid": agent, "maxSteps": 3}))["release"]
    assert (kept["systemPrompt"], kept["maxSteps"], kept["actions"]) == ("Be brief.", 3, updated["actions"])

    # Refusals leave the draft as it was.
    for body, status, reason in (
            ({"temperature": 1.5}, 400, "invalidData"),
            ({"capabilities": [{"slug": "telepathy"}]}, 400, "failedToReconciliateAgentAiTools"),
            ({"capabilities": [{"slug": "memory", "config": 3}]}, 400, "failedToReconciliateAgentAiTools"),
            ({"suggestedActions": [{"text": ""}]}, 400, "invalidData"),
            ({"actions": [{"kind": "tool", "slug": "t"}]}, 400, "failedToReconciliateAgentAiTools"),
            ({"parentUuid": str(uuid.uuid4())}, 400, "invalidParent"),
            ({"evaluator": {"prompt": "grade it"}}, 501, "notSupported"),
            ({"nodes": []}, 400, "invalidPayload")):
        refused(alpha.put("/ai/releases/draft/update", json={"agentUuid": agent, **body}), status, reason)
    assert _ok(alpha.get("/ai/releases/draft", params={"agentUuid": agent}))["release"] == kept
    refused(alpha.put("/ai/releases/draft/update", json={"systemPrompt": "x"}), 400, "invalidPayload")
    refused(alpha.put("/ai/releases/draft/update", json={"agentUuid": str(uuid.uuid4())}), 404, "agentNotFound")

    # Deploy: references checked first, nothing changes on failure.
    refused(alpha.post("/ai/releases/draft/deploy", json={
        "agentUuid": agent, "actions": [{"kind": "tool", "slug": "gone", "toolUuid": str(uuid.uuid4())}]}),
        400, "failedToReconciliateAgentAiTools")
    refused(alpha.post("/ai/releases/draft/deploy", json={"agentUuid": agent, "connectorUuid": str(uuid.uuid4())}),
           400, "invalidConnector")
    refused(alpha.post("/ai/releases/draft/deploy", json={"agentUuid": agent, "version": ""}),
           400, "invalidReleaseVersion")
    refused(alpha.post("/ai/releases/draft/deploy", json={"agentUuid": agent, "version": 3}),
           400, "invalidReleaseVersion")
    assert [r["status"] for r in _ok(alpha.get("/ai/releases/list", params={"agentUuid": agent}))["releases"]] == [
        "draft"]
    v1 = _ok(alpha.post("/ai/releases/draft/deploy", json={
        "agentUuid": agent, "actions": actions, "mcpClients": [], "resources": [], "capabilities": ["memory"],
        "suggestedActions": [], "integrationSlug": "openAi", "languageModelSlug": "gpt-4o",
        "description": "first"}))["release"]
    assert (v1["uuid"], v1["status"], v1["version"], v1["description"]) == (draft["uuid"], "deployed", "1", "first")
    assert (v1["languageModelSlug"], v1["suggestedActions"]) == ("gpt-4o", [])
    assert _ok(alpha.get("/ai/releases/deployed", params={"agentUuid": agent}))["release"] == v1
    shown = _ok(alpha.get(f"/ai/agents/{agent}"))["agent"]["deployedRelease"]
    assert set(shown) == RELEASE_KEYS - {"agentUuid", "status", "updatedAt", "workspaceUuid", "parentUuid"}
    assert shown["uuid"] == v1["uuid"]
    v2 = _ok(alpha.post("/ai/releases/draft/deploy", json={"agentUuid": agent, "version": "2025.1"}))["release"]
    assert v2["version"] == "2025.1"
    refused(alpha.post("/ai/releases/draft/deploy", json={"agentUuid": agent, "version": "2025.1"}),
           400, "invalidReleaseVersion")
    listed = _ok(alpha.get("/ai/releases/list", params={"agentUuid": agent}))["releases"]
    assert [(r["version"], r["status"]) for r in listed] == [("2", "draft"), ("2025.1", "deployed"),
                                                             ("1", "archived")]
    assert _ok(alpha.get(f"/ai/releases/{v1['uuid']}"))["release"]["status"] == "archived"
    # Filters: statuses[] (Axios form, single element and plain repeated form), userUuid, paging.
    only = _ok(alpha.get(f"/ai/releases/list?agentUuid={agent}&statuses%5B%5D=archived"))["releases"]
    assert [r["uuid"] for r in only] == [v1["uuid"]]
    both = _ok(alpha.get(f"/ai/releases/list?agentUuid={agent}&statuses=draft&statuses=deployed"))["releases"]
    assert [r["status"] for r in both] == ["draft", "deployed"]
    mine = _ok(alpha.get("/ai/releases/list", params={"agentUuid": agent, "userUuid": me["user"]["uuid"]}))
    assert len(mine["releases"]) == 3
    assert _ok(alpha.get("/ai/releases/list", params={"userUuid": str(uuid.uuid4())}))["releases"] == []
    assert len(_ok(alpha.get("/ai/releases/list", params={"agentUuid": agent, "limit": 1, "offset": 1}))[
        "releases"]) == 1
    refused(alpha.get("/ai/releases/list", params={"statuses[]": "live"}), 400, "invalidData")
    refused(alpha.get("/ai/releases/list", params={"limit": 5000}), 400, "invalidData")
    refused(alpha.get(f"/ai/releases/{uuid.uuid4()}"), 404, "releaseNotFound")
    refused(alpha.get("/ai/releases/draft"), 400, "invalidPayload")
    refused(alpha.get("/ai/releases/deployed", params={"agentUuid": str(uuid.uuid4())}), 404, "agentNotFound")


def test_mcp_client_credentials_are_masked(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    agent = _agent(alpha, "Caller")["uuid"]
    client = {"kind": "custom", "name": "crm", "url": "https://mcp.example.test/mcp",
              "authentication": {"issuedAt": "2025-01-01T00:00:00Z", "accessToken": "secret-token-123"}}
    release = _ok(alpha.put("/ai/releases/draft/update", json={"agentUuid": agent, "mcpClients": [client]}))
    assert "secret-token-123" not in json.dumps(release)
    assert release["release"]["mcpClients"][0]["authentication"]["accessToken"] == "********"


# --- MCP servers and MCP clients ------------------------------------------------------------------


def test_mcp_server_routes(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    me = _me(alpha)
    tool = _tool(alpha, "Published tool")
    helper = _agent(alpha, "Published agent")["uuid"]
    actions = [{"kind": "tool", "slug": "enrich", "toolUuid": tool},
               {"kind": "agent", "slug": "ask", "agentUuid": helper, "waitUntilFinished": False}]
    folder = _ok(alpha.post("/workspaceManagement/folders", json={"name": "MCP", "kind": "mcpServer",
                                                                  "emojiSlug": "plug"}))["folder"]["uuid"]
    server = _ok(alpha.post("/ai/mcpServers", json={"name": "Sales tools", "actions": actions, "resources": [],
                                                    "description": "for Claude", "folderUuid": folder}))["mcpServer"]
    assert list(server) == MCP_SERVER_KEYS
    assert (server["userUuid"], server["description"], server["folderUuid"]) == (me["user"]["uuid"], "for Claude",
                                                                                folder)
    assert server["isReadOnly"] is False and server["templateSlug"] is None and server["deletedAt"] is None
    assert [a["waitUntilFinished"] for a in server["actions"]] == [True, False]
    assert _ok(alpha.get(f"/ai/mcpServers/{server['uuid']}"))["mcpServer"] == server
    assert server["uuid"] in [s["uuid"] for s in _ok(alpha.get("/ai/mcpServers/list"))["mcpServers"]]

    changed = _ok(alpha.put(f"/ai/mcpServers/{server['uuid']}", json={"name": "Renamed", "description": None,
                                                                      "folderUuid": None}))["mcpServer"]
    assert (changed["name"], changed["description"], changed["folderUuid"], changed["actions"]) == (
        "Renamed", None, None, server["actions"])
    only_tool = _ok(alpha.put(f"/ai/mcpServers/{server['uuid']}", json={"actions": actions[:1]}))["mcpServer"]
    assert [a["slug"] for a in only_tool["actions"]] == ["enrich"] and only_tool["name"] == "Renamed"

    missing = str(uuid.uuid4())
    refused(alpha.post("/ai/mcpServers", json={"actions": [], "resources": []}), 400, "invalidPayload")
    refused(alpha.post("/ai/mcpServers", json={"name": "x", "actions": [
        {"kind": "connector", "slug": "c", "integrationSlug": "slack", "actionSlug": "send"}]}),
        400, "failedToReconciliateAgentAiTools")
    refused(alpha.post("/ai/mcpServers", json={"name": "x", "actions": [
        {"kind": "tool", "slug": "t", "toolUuid": missing}]}), 400, "failedToReconciliateAgentAiTools")
    refused(alpha.post("/ai/mcpServers", json={"name": "x", "folderUuid": missing}), 404, "folderNotFound")
    refused(alpha.get(f"/ai/mcpServers/{missing}"), 404, "mcpServerNotFound")
    refused(alpha.put(f"/ai/mcpServers/{missing}", json={"name": "x"}), 404, "mcpServerNotFound")
    refused(alpha.delete(f"/ai/mcpServers/{missing}"), 404, "mcpServerNotFound")
    assert _ok(alpha.delete(f"/ai/mcpServers/{server['uuid']}")) == {"uuid": server["uuid"], "removed": True}
    refused(alpha.get(f"/ai/mcpServers/{server['uuid']}"), 404, "mcpServerNotFound")


@pytest.mark.parametrize("stream", [False, True])
def test_mcp_client_connect_lists_the_servers_tools(api_server: Any, stream: bool) -> None:
    alpha = api_server.client("alpha")
    with fake_provider() as fake:
        fake.fallback = _mcp_handler(stream=stream, token=TOKEN)
        client = {"kind": "custom", "name": "crm", "url": f"{fake.url}/mcp", "disabledToolSlugs": ["create_note"],
                  "authentication": {"issuedAt": "2025-01-01T00:00:00Z", "accessToken": TOKEN}}
        tools = _ok(alpha.post("/ai/mcpClients/connect", json={"mcpClient": client}))["tools"]
        assert tools == [
            {"slug": "search_crm", "name": "Search the CRM", "description": "Find accounts",
             "config": {"jsonSchema": TOOLS[0]["inputSchema"]}},
            {"slug": "create_note", "name": "create_note", "description": "Add a note",
             "config": {"jsonSchema": TOOLS[1]["inputSchema"]}}]
        methods = [r.json().get("method") for r in fake.requests if r.method == "POST"]
        assert methods == ["initialize", "notifications/initialized", "tools/list", "tools/list"]
        assert fake.requests[-1].method == "DELETE"  # the session is closed
        # Wrong credentials, an unreachable server, a masked token, a connector client.
        wrong = {**client, "authentication": {"issuedAt": None, "accessToken": "nope"}}
        body = refused(alpha.post("/ai/mcpClients/connect", json={"mcpClient": wrong}), 400, "mcpConnectionFailed")
        assert "401" in body["errorMessage"] and "nope" not in body["errorMessage"]
        masked = {**client, "authentication": {"issuedAt": None, "accessToken": "********"}}
        refused(alpha.post("/ai/mcpClients/connect", json={"mcpClient": masked}), 400, "invalidData")
    gone = refused(alpha.post("/ai/mcpClients/connect", json={"mcpClient": client}), 400, "mcpConnectionFailed")
    assert TOKEN not in gone["errorMessage"]
    refused(alpha.post("/ai/mcpClients/connect", json={"mcpClient": {**client, "url": "ftp://x"}}), 400,
           "failedToReconciliateAgentAiTools")
    refused(alpha.post("/ai/mcpClients/connect", json={"mcpClient": {
        "kind": "connector", "name": "hs", "connectorUuid": str(uuid.uuid4()), "integrationSlug": "hubspot"}}),
        501, "notSupported")
    refused(alpha.post("/ai/mcpClients/connect", json={}), 400, "invalidPayload")


def test_prompt_and_suggested_action_routes_are_not_supported(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    for path in ("/ai/prompts/optimize", "/ai/prompts/evaluate", "/ai/prompts/generateJsonSchema",
                 "/ai/suggestedActions/generate"):
        body = refused(alpha.post(path, json={"prompt": "Be nice"}), 501, "notSupported")
        assert body["errorMessage"] == "notSupported"
    refused(api_server.client(token="ldg_wrong").post("/ai/prompts/optimize", json={}), 401, "unauthorized")


# --- two workspaces -------------------------------------------------------------------------------


def test_workspace_isolation(api_server: Any) -> None:
    alpha, beta = api_server.client("alpha"), api_server.client("beta")
    theirs = _agent(beta, "Beta secret")
    their_draft = _ok(beta.get("/ai/releases/draft", params={"agentUuid": theirs["uuid"]}))["release"]
    _ok(beta.post("/ai/releases/draft/deploy", json={"agentUuid": theirs["uuid"]}))
    their_server = _ok(beta.post("/ai/mcpServers", json={"name": "Beta MCP", "actions": [],
                                                         "resources": []}))["mcpServer"]
    their_tool = _tool(beta, "Beta tool")
    a = theirs["uuid"]
    for response in (alpha.get(f"/ai/agents/{a}"), alpha.put(f"/ai/agents/{a}", json={"name": "stolen"}),
                     alpha.delete(f"/ai/agents/{a}"), alpha.get("/ai/releases/list", params={"agentUuid": a}),
                     alpha.get("/ai/releases/draft", params={"agentUuid": a}),
                     alpha.get("/ai/releases/deployed", params={"agentUuid": a}),
                     alpha.put("/ai/releases/draft/update", json={"agentUuid": a, "systemPrompt": "x"}),
                     alpha.post("/ai/releases/draft/deploy", json={"agentUuid": a})):
        refused(response, 404, "agentNotFound")
    refused(alpha.get(f"/ai/releases/{their_draft['uuid']}"), 404, "releaseNotFound")
    s = their_server["uuid"]
    for response in (alpha.get(f"/ai/mcpServers/{s}"), alpha.put(f"/ai/mcpServers/{s}", json={"name": "x"}),
                     alpha.delete(f"/ai/mcpServers/{s}")):
        refused(response, 404, "mcpServerNotFound")
    assert a not in [x["uuid"] for x in _ok(alpha.get("/ai/agents/list"))["agents"]]
    assert a not in [r["agentUuid"] for r in _ok(alpha.get("/ai/releases/list", params={"limit": 1000}))["releases"]]
    assert s not in [x["uuid"] for x in _ok(alpha.get("/ai/mcpServers/list"))["mcpServers"]]
    # Beta's objects cannot be referenced from alpha's releases or servers.
    mine = _agent(alpha, "Alpha agent")["uuid"]
    refused(alpha.post("/ai/releases/draft/deploy", json={
        "agentUuid": mine, "actions": [{"kind": "agent", "slug": "spy", "agentUuid": a}]}),
        400, "failedToReconciliateAgentAiTools")
    refused(alpha.put("/ai/releases/draft/update", json={"agentUuid": mine, "parentUuid": their_draft["uuid"]}),
           400, "invalidParent")
    refused(alpha.post("/ai/mcpServers", json={"name": "spy", "actions": [
        {"kind": "tool", "slug": "t", "toolUuid": their_tool}]}), 400, "failedToReconciliateAgentAiTools")
    # Beta still has everything.
    assert _ok(beta.get(f"/ai/agents/{a}"))["agent"]["name"] == "Beta secret"
    assert _ok(beta.get(f"/ai/mcpServers/{s}"))["mcpServer"]["name"] == "Beta MCP"


def test_a_read_only_token_cannot_write(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    token = _ok(alpha.post("/workspaceManagement/tokens", json={
        "name": "ai reader", "permissions": [{"effect": "allow", "resources": None, "actions": ["ai:read"]}]}))
    reader = api_server.client(token=token["token"]["token"])
    assert "agents" in _ok(reader.get("/ai/agents/list"))
    assert "templates" in _ok(reader.post("/ai/templates/list", json={}))
    refused(reader.post("/ai/agents", json={"name": "x"}), 403, "forbidden")
    refused(reader.post("/ai/mcpServers", json={"name": "x"}), 403, "forbidden")


# --- the CLI in remote mode ------------------------------------------------------------------------






def _same_failure(server: Any, remote: Any, reason: str, *args: str) -> None:
    """The remote command fails like the embedded one: same exit code, same error document."""
    code, out = remote(*args)
    embedded = server.lading(*args, check=False)
    assert code == 1 and out["reason"] == reason, out
    assert out == embedded, args


def test_remote_cli_agents_releases_templates(api_server: Any, remote: Any) -> None:
    code, created = remote("ai", "agent", "create", "--name", "Remote agent", "--icon-color", "green",
                           "--template-slug", "lead-researcher")
    assert code == 0 and created["agent"]["icon"] == {"color": "green", "face": "🔎"}
    agent = created["agent"]["uuid"]
    same(api_server, remote, "ai", "agent", "get", agent)
    same(api_server, remote, "ai", "agent", "list", "--limit", "5")
    code, updated = remote("ai", "agent", "update", agent, "--description", "remote", "--folder-uuid", "null")
    assert code == 0 and updated["agent"]["description"] == "remote"
    same(api_server, remote, "ai", "release", "get-draft", "--agent-uuid", agent)
    code, draft = remote("ai", "release", "update-draft", "--agent-uuid", agent, "--system-prompt", "Remote.",
                         "--capabilities", "memory", "--suggested-actions", json.dumps([{"label": "a", "prompt": "b"}]),
                         "--temperature", "0.5", "--with-reasoning", "true", "--connector-uuid", "null")
    assert code == 0 and draft["release"]["capabilities"] == [MEMORY]
    assert draft["release"]["suggestedActions"] == [{"text": "b", "actions": []}]
    _same_failure(api_server, remote, "invalidData", "ai", "release", "update-draft", "--agent-uuid", agent,
                  "--max-steps", "99")
    _same_failure(api_server, remote, "invalidParent", "ai", "release", "deploy-draft", "--agent-uuid", agent,
                  "--parent-uuid", "nonsense")
    code, deployed = remote("ai", "release", "deploy-draft", "--agent-uuid", agent, "--description", "r1")
    assert code == 0 and deployed["release"]["status"] == "deployed"
    code, again = remote("ai", "release", "deploy-draft", "--agent-uuid", agent, "--version", "beta")
    assert code == 0 and again["release"]["version"] == "beta"
    same(api_server, remote, "ai", "release", "list", "--agent-uuid", agent)
    same(api_server, remote, "ai", "release", "get", deployed["release"]["uuid"])
    same(api_server, remote, "ai", "template", "list")
    same(api_server, remote, "ai", "template", "list", "--is-preset", "true", "--kinds", "agent")
    same(api_server, remote, "ai", "template", "get", "email-drafter")
    same(api_server, remote, "ai", "language-model", "list")
    same(api_server, remote, "ai", "language-model", "list", "--integration-slug", "anthropic")
    _same_failure(api_server, remote, "templateNotFound", "ai", "template", "get", "nope")
    _same_failure(api_server, remote, "integrationNotFound", "ai", "language-model", "list",
                  "--integration-slug", "nope")
    _same_failure(api_server, remote, "agentNotFound", "ai", "agent", "get", str(uuid.uuid4()))
    _same_failure(api_server, remote, "releaseNotFound", "ai", "release", "get", str(uuid.uuid4()))
    code, removed = remote("ai", "agent", "remove", agent)
    assert code == 0 and removed == {"uuid": agent, "removed": True}
    _same_failure(api_server, remote, "agentNotFound", "ai", "release", "get-draft", "--agent-uuid", agent)


def test_remote_cli_mcp_servers_and_clients(api_server: Any, remote: Any, mcp_server: FakeProvider) -> None:
    tool = _tool(api_server.client("alpha"), "Remote MCP tool")
    actions = json.dumps([{"kind": "tool", "slug": "enrich", "toolUuid": tool}])
    code, created = remote("ai", "mcp-server", "create", "--name", "Remote MCP", "--actions", actions,
                           "--description", "d")
    assert code == 0 and created["mcpServer"]["description"] == "d"
    server = created["mcpServer"]["uuid"]
    same(api_server, remote, "ai", "mcp-server", "get", server)
    same(api_server, remote, "ai", "mcp-server", "list")
    code, updated = remote("ai", "mcp-server", "update", "--uuid", server, "--name", "Renamed", "--description",
                           "null")
    assert code == 0 and (updated["mcpServer"]["name"], updated["mcpServer"]["description"]) == ("Renamed", None)
    _same_failure(api_server, remote, "failedToReconciliateAgentAiTools", "ai", "mcp-server", "create", "--name",
                  "x", "--actions", json.dumps([{"kind": "tool", "slug": "t", "toolUuid": str(uuid.uuid4())}]))
    code, removed = remote("ai", "mcp-server", "remove", server)
    assert code == 0 and removed == {"uuid": server, "removed": True}
    _same_failure(api_server, remote, "mcpServerNotFound", "ai", "mcp-server", "get", server)

    auth = json.dumps({"issuedAt": "2025-01-01T00:00:00Z", "accessToken": TOKEN})
    args = ("ai", "mcp-client", "connect", "--name", "crm", "--url", f"{mcp_server.url}/mcp",
            "--disabled-tool-slugs", "create_note", "--authentication", auth)
    out = same(api_server, remote, *args)
    assert out == {"mcpClient": {
        "kind": "custom", "name": "crm", "url": f"{mcp_server.url}/mcp",
        "authentication": {"issuedAt": "2025-01-01T00:00:00Z", "accessToken": "********"},
        "disabledToolSlugs": ["create_note"],
        "tools": [{"slug": "search_crm", "name": "Search the CRM", "description": "Find accounts"},
                  {"slug": "create_note", "name": "create_note", "description": "Add a note"}]}}
    _same_failure(api_server, remote, "mcpConnectionFailed", "ai", "mcp-client", "connect", "--name", "crm",
                  "--url", f"{mcp_server.url}/mcp")
