"""Cargo's documented `ai mcp-server create --name … --url …`: a remote MCP server registered for agents.

The remote server is a real one, built with the official MCP SDK and served over streamable HTTP on
127.0.0.1 (two tools: `search_crm`, open to anyone, and `create_note`, which checks the bearer token).
The language model is the fake OpenAI server of the other AI tests. What a user relies on: the server
is connected to before it is saved (an unreachable or non-MCP URL is refused), its token is never
printed nor stored in plain, an agent whose release names it calls its tools with the arguments the
model chose and sees their results (recorded as the message's action parts), disabled tools are never
offered, and a remote tool's failure reaches the model as a tool error.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from ai_helpers import agent, completion, ok, openai_connector, send, tool_call
from api_server import refused, same
from conftest import j, run_cli
from fakes import Answer, Recorded, fake_provider

TOKEN = "remote-mcp-token-7781"
AUTH = {"issuedAt": "2026-01-01T00:00:00Z", "accessToken": TOKEN}
MASKED = {"issuedAt": "2026-01-01T00:00:00Z", "accessToken": "********"}


@dataclass
class RemoteMcp:
    """The SDK server on 127.0.0.1 and every tool call it received (tool, arguments, authorization)."""

    url: str
    calls: list[tuple[str, dict[str, Any], str | None]] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def remote_mcp() -> Iterator[RemoteMcp]:
    import uvicorn

    port = _free_port()
    remote = RemoteMcp(url=f"http://127.0.0.1:{port}/mcp")
    server = MCPServer("crm")

    @server.tool(description="Find accounts in the CRM")
    def search_crm(ctx: Context, query: str, limit: int = 5) -> dict[str, Any]:
        remote.calls.append(("search_crm", {"query": query, "limit": limit}, _authorization(ctx)))
        return {"accounts": [f"{query} Inc", f"{query} Labs"][:limit]}

    @server.tool(description="Add a note to an account (needs the bearer token)")
    def create_note(ctx: Context, account: str, text: str) -> str:
        given = _authorization(ctx)
        remote.calls.append(("create_note", {"account": account, "text": text}, given))
        if given != f"Bearer {TOKEN}":
            raise ToolError("unauthorized: a valid bearer token is required")
        return f"note added to {account}"

    app = server.streamable_http_app()
    runner = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not runner.started:
        assert time.monotonic() < deadline, "the MCP server did not start"
        time.sleep(0.05)
    yield remote
    runner.should_exit = True
    thread.join(timeout=10)


def _authorization(ctx: Any) -> str | None:
    headers = getattr(ctx, "headers", None) or {}
    return headers.get("authorization")


def _create(remote_mcp: RemoteMcp, *extra: str, name: str = "CRM") -> dict[str, Any]:
    return dict(ok("ai", "mcp-server", "create", "--name", name, "--url", remote_mcp.url,
                   "--authentication", j(AUTH), *extra)["mcpServer"])


def _failure(reason: str, *args: str) -> dict[str, Any]:
    code, out = run_cli(*args)
    assert code == 1 and out["reason"] == reason, out
    assert TOKEN not in json.dumps(out)
    return dict(out)


# --- registering a remote server -------------------------------------------------------------------


def test_create_connects_lists_tools_and_masks_the_token(remote_mcp: RemoteMcp) -> None:
    from lading.services.wiring import open_session
    from lading.store.repositories import mcp_servers as repo

    server = _create(remote_mcp, "--disabled-tool-slugs", "create_note", "--description", "Sales CRM")
    assert (server["kind"], server["url"], server["authentication"]) == ("remote", remote_mcp.url, MASKED)
    assert server["disabledToolSlugs"] == ["create_note"] and server["description"] == "Sales CRM"
    assert server["actions"] == [] and server["resources"] == []
    assert [(t["slug"], t["description"]) for t in server["tools"]] == [
        ("search_crm", "Find accounts in the CRM"),
        ("create_note", "Add a note to an account (needs the bearer token)")]
    listed = ok("ai", "mcp-server", "list")["mcpServers"]
    assert server in listed
    assert ok("ai", "mcp-server", "get", server["uuid"])["mcpServer"] == server
    assert TOKEN not in json.dumps(listed)

    session = open_session()
    with session.db.read() as conn:
        row = repo.get_server(conn, session.workspace_uuid, server["uuid"])
    assert row.kind == "remote" and TOKEN not in json.dumps(row.authentication)
    from lading.services.ai.mcp_servers import remote_server

    assert remote_server(session, server["uuid"]).access_token == TOKEN


def test_unreachable_or_non_mcp_urls_and_mixed_flags_are_refused(remote_mcp: RemoteMcp) -> None:
    before = ok("ai", "mcp-server", "list")["mcpServers"]
    out = _failure("mcpConnectionFailed", "ai", "mcp-server", "create", "--name", "Gone", "--url",
                   f"http://127.0.0.1:{_free_port()}/mcp", "--authentication", j(AUTH))
    assert "cannot reach the MCP server" in out["errorMessage"]
    with fake_provider() as fake:  # an HTTP server that is not an MCP server
        fake.route("POST", "/mcp", Answer(200, {"hello": "world"}))
        out = _failure("mcpConnectionFailed", "ai", "mcp-server", "create", "--name", "Web", "--url", f"{fake.url}/mcp")
        assert f"{fake.url}/mcp" in out["errorMessage"]
    _failure("invalidData", "ai", "mcp-server", "create", "--name", "Both", "--url", remote_mcp.url,
             "--actions", "[]")
    _failure("invalidData", "ai", "mcp-server", "create", "--name", "Ftp", "--url", "ftp://example.test/mcp")
    _failure("invalidData", "ai", "mcp-server", "create", "--name", "Masked", "--url", remote_mcp.url,
             "--authentication", j(MASKED))
    assert ok("ai", "mcp-server", "list")["mcpServers"] == before  # nothing half-written


def test_update_and_remove_a_remote_server(remote_mcp: RemoteMcp) -> None:
    server = _create(remote_mcp)
    uuid_ = server["uuid"]
    changed = ok("ai", "mcp-server", "update", "--uuid", uuid_, "--name", "CRM 2", "--disabled-tool-slugs",
                 "search_crm")["mcpServer"]
    assert (changed["name"], changed["disabledToolSlugs"], changed["authentication"]) == ("CRM 2", ["search_crm"],
                                                                                         MASKED)
    # The masked token sent back keeps the stored one; a new URL is connected to first.
    kept = ok("ai", "mcp-server", "update", "--uuid", uuid_, "--url", remote_mcp.url, "--authentication",
              j(MASKED))["mcpServer"]
    assert kept["authentication"] == MASKED and len(kept["tools"]) == 2
    _failure("mcpConnectionFailed", "ai", "mcp-server", "update", "--uuid", uuid_, "--url",
             f"http://127.0.0.1:{_free_port()}/mcp")
    _failure("invalidData", "ai", "mcp-server", "update", "--uuid", uuid_, "--actions", "[]")
    assert ok("ai", "mcp-server", "get", uuid_)["mcpServer"] == kept
    cleared = ok("ai", "mcp-server", "update", "--uuid", uuid_, "--authentication", "null")["mcpServer"]
    assert cleared["authentication"] is None
    published = ok("ai", "mcp-server", "create", "--name", "Published")["mcpServer"]
    assert published["kind"] == "published" and published["url"] is None and published["tools"] == []
    _failure("invalidData", "ai", "mcp-server", "update", "--uuid", published["uuid"], "--url", remote_mcp.url)
    assert ok("ai", "mcp-server", "remove", uuid_) == {"uuid": uuid_, "removed": True}
    _failure("mcpServerNotFound", "ai", "mcp-server", "get", uuid_)


# --- agents calling its tools ----------------------------------------------------------------------


def _offered(rec: Recorded) -> list[str]:
    return [t["function"]["name"] for t in rec.json().get("tools") or []]


def test_an_agent_calls_the_remote_servers_tools(remote_mcp: RemoteMcp) -> None:
    server = _create(remote_mcp, "--disabled-tool-slugs", "create_note")
    offered: list[list[str]] = []

    def answer(rec: Recorded) -> Answer:
        offered.append(_offered(rec))
        messages = rec.json()["messages"]
        if messages[-1]["role"] == "tool":
            return completion(f"Found: {json.loads(messages[-1]['content'])['accounts'][0]}")
        return completion(None, [tool_call("call_1", "search_crm", {"query": "Acme", "limit": 1})])

    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", answer)
        openai_connector(fake.url)
        uuid_ = agent(mcp_clients=[{"kind": "mcpServer", "mcpServerUuid": server["uuid"]}])
        release = ok("ai", "release", "deploy-draft", "--agent-uuid", uuid_)["release"]
        assert release["mcpClients"][0]["mcpServerUuid"] == server["uuid"]
        chat = ok("ai", "chat", "create", "--agent-uuid", uuid_)["chat"]
        before = len(remote_mcp.calls)
        message = send(chat["uuid"], "Find Acme in the CRM")["assistantMessage"]

    assert message["status"] == "success", message
    assert offered[0] == ["search_crm"]  # create_note is disabled on the server: never offered
    assert remote_mcp.calls[before:] == [("search_crm", {"query": "Acme", "limit": 1}, f"Bearer {TOKEN}")]
    call, result, text = message["parts"]
    assert call == {"type": "action-call", "callId": "call_1", "slug": "search_crm",
                    "input": {"query": "Acme", "limit": 1}}
    assert (result["type"], result["callId"], result["isError"]) == ("action-result", "call_1", False)
    assert result["output"] == {"accounts": ["Acme Inc"]}
    assert text == {"type": "text", "text": "Found: Acme Inc"}
    assert TOKEN not in json.dumps(message)


def test_name_collisions_custom_clients_and_remote_tool_errors(remote_mcp: RemoteMcp) -> None:
    """Two clients of the same server: a tool of the second named like one already offered is prefixed
    with its client's name. The inline (`custom`) one has no token, so `create_note` fails there: the
    model reads the error and answers."""
    server = _create(remote_mcp)
    offered: list[list[str]] = []

    def answer(rec: Recorded) -> Answer:
        offered.append(_offered(rec))
        messages = rec.json()["messages"]
        if messages[-1]["role"] == "tool":
            return completion("The note could not be added without credentials.")
        return completion(None, [tool_call("call_n", "open_crm_create_note", {"account": "Acme", "text": "hi"})])

    clients = [{"kind": "mcpServer", "mcpServerUuid": server["uuid"], "disabledToolSlugs": ["search_crm"]},
               {"kind": "custom", "name": "open crm", "url": remote_mcp.url}]
    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", answer)
        openai_connector(fake.url)
        uuid_ = agent(mcp_clients=clients)
        ok("ai", "release", "deploy-draft", "--agent-uuid", uuid_)
        chat = ok("ai", "chat", "create", "--agent-uuid", uuid_)["chat"]
        before = len(remote_mcp.calls)
        message = send(chat["uuid"], "Add a note to Acme")["assistantMessage"]

    assert message["status"] == "success", message
    assert offered[0] == ["create_note", "search_crm", "open_crm_create_note"]
    assert remote_mcp.calls[before:] == [("create_note", {"account": "Acme", "text": "hi"}, None)]
    result = next(p for p in message["parts"] if p["type"] == "action-result")
    assert result["isError"] is True and "unauthorized" in json.dumps(result["output"])
    assert message["parts"][-1] == {"type": "text", "text": "The note could not be added without credentials."}


def test_a_release_naming_a_missing_or_published_server_is_not_deployed(remote_mcp: RemoteMcp) -> None:
    published = ok("ai", "mcp-server", "create", "--name", "Published")["mcpServer"]
    for target in (str(uuid.uuid4()), published["uuid"]):
        uuid_ = agent(mcp_clients=[{"kind": "mcpServer", "mcpServerUuid": target}])
        _failure("failedToReconciliateAgentAiTools", "ai", "release", "deploy-draft", "--agent-uuid", uuid_)


# --- the HTTP API and the remote CLI ---------------------------------------------------------------


def test_routes_accept_url_and_isolate_workspaces(api_server: Any, remote_mcp: RemoteMcp) -> None:
    alpha, beta = api_server.client("alpha"), api_server.client("beta")
    made = alpha.post("/ai/mcpServers", json={"name": "CRM", "url": remote_mcp.url, "authentication": AUTH,
                                              "disabledToolSlugs": ["create_note"]})
    assert made.status_code == 200, made.text
    server = made.json()["mcpServer"]
    assert (server["kind"], server["authentication"], server["disabledToolSlugs"]) == ("remote", MASKED,
                                                                                       ["create_note"])
    assert TOKEN not in made.text
    got = alpha.get(f"/ai/mcpServers/{server['uuid']}")
    assert got.json()["mcpServer"] == server and TOKEN not in alpha.get("/ai/mcpServers/list").text
    put = alpha.put(f"/ai/mcpServers/{server['uuid']}", json={"disabledToolSlugs": [], "authentication": MASKED})
    assert put.status_code == 200 and put.json()["mcpServer"]["disabledToolSlugs"] == []
    body = refused(alpha.post("/ai/mcpServers", json={"name": "Gone", "url": f"http://127.0.0.1:{_free_port()}/mcp"}),
                   400, "mcpConnectionFailed")
    assert "errorMessage" in body
    refused(alpha.post("/ai/mcpServers", json={"name": "Both", "url": remote_mcp.url, "actions": []}), 400,
            "invalidData")
    # A remote server is called by agents, never served at /mcp/<uuid> as a published one is.
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-03-26", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    served = httpx.post(f"{api_server.url}/mcp/{server['uuid']}", json=initialize, headers={
        "accept": "application/json, text/event-stream", "authorization": f"Bearer {api_server.tokens['alpha']}"})
    refused(served, 400, "invalidData")
    # Another workspace sees nothing of it.
    refused(beta.get(f"/ai/mcpServers/{server['uuid']}"), 404, "mcpServerNotFound")
    refused(beta.put(f"/ai/mcpServers/{server['uuid']}", json={"name": "x"}), 404, "mcpServerNotFound")
    refused(beta.delete(f"/ai/mcpServers/{server['uuid']}"), 404, "mcpServerNotFound")
    assert server["uuid"] not in beta.get("/ai/mcpServers/list").text
    assert alpha.delete(f"/ai/mcpServers/{server['uuid']}").json() == {"uuid": server["uuid"], "removed": True}


def test_remote_cli_prints_what_the_embedded_cli_prints(api_server: Any, remote: Any, remote_mcp: RemoteMcp) -> None:
    code, created = remote("ai", "mcp-server", "create", "--name", "CRM", "--url", remote_mcp.url,
                           "--authentication", j(AUTH), "--disabled-tool-slugs", "create_note")
    assert code == 0 and created["mcpServer"]["authentication"] == MASKED
    server = created["mcpServer"]["uuid"]
    same(api_server, remote, "ai", "mcp-server", "get", server)
    same(api_server, remote, "ai", "mcp-server", "list")
    code, updated = remote("ai", "mcp-server", "update", "--uuid", server, "--disabled-tool-slugs", "")
    assert code == 0 and updated["mcpServer"]["disabledToolSlugs"] == []
    gone = ("ai", "mcp-server", "create", "--name", "Gone", "--url", f"http://127.0.0.1:{_free_port()}/mcp")
    code, out = remote(*gone)
    assert code == 1 and out == api_server.lading(*gone, check=False) and out["reason"] == "mcpConnectionFailed"
    code, removed = remote("ai", "mcp-server", "remove", server)
    assert code == 0 and removed == {"uuid": server, "removed": True}


@pytest.mark.embedded_only  # sends the message through the service in this process (the API's `mcpClients`)
def test_a_messages_own_mcp_client_token_is_sealed_at_rest_and_used(remote_mcp: RemoteMcp) -> None:
    """api.md's message.create takes `mcpClients` for one answer: the server is called with the token,
    and the stored message holds it sealed, never in plain text."""
    from sqlalchemy import text

    from lading.services.ai import messages
    from lading.services.wiring import open_session
    from lading.worker import finish_run

    def answer(rec: Recorded) -> Answer:
        if rec.json()["messages"][-1]["role"] == "tool":
            return completion("Noted.")
        return completion(None, [tool_call("call_m", "create_note", {"account": "Acme", "text": "hello"})])

    with fake_provider() as fake:
        fake.route("POST", "/chat/completions", answer)
        openai_connector(fake.url)
        uuid_ = agent()
        ok("ai", "release", "deploy-draft", "--agent-uuid", uuid_)
        chat = ok("ai", "chat", "create", "--agent-uuid", uuid_)["chat"]
        sess = open_session()
        before = len(remote_mcp.calls)
        started = messages.create(
            sess, chat_uuid=chat["uuid"], parts=[{"type": "text", "text": "Note Acme"}],
            overrides=messages.Overrides(mcp_clients=[{"kind": "custom", "name": "crm", "url": remote_mcp.url,
                                                       "authentication": AUTH}]))
        finish_run(sess, started.run_uuid, wait=True)
        exchange = messages.exchange(sess, started)

    assert exchange["assistantMessage"]["status"] == "success", exchange
    assert remote_mcp.calls[before:] == [("create_note", {"account": "Acme", "text": "hello"}, f"Bearer {TOKEN}")]
    assert TOKEN not in json.dumps(exchange)
    with sess.db.read() as conn:
        stored = [str(row[0]) for row in conn.execute(text("SELECT overrides FROM ai_messages WHERE uuid = :u"),
                                                      {"u": started.assistant_uuid})]
    assert stored and "sealed" in stored[0] and TOKEN not in stored[0]
