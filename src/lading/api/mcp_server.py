"""`lading mcp`: the workspace's tools served to an outside MCP client over stdio (spec §2.8 "Publish").

The protocol is the official MCP Python SDK's (low-level `Server`, so each tool keeps the exact JSON
Schema the service layer computed); the tools themselves come from `services/mcp_tools.py`. stdout
belongs to the protocol alone: logs go to stderr. A tool call runs its (blocking) service function in a
worker thread, so one slow run does not stall the session, and answers with the JSON document the CLI
would print, as text and as structured content; a failure is an MCP tool error (`isError`) carrying
the CLI's error document, so the client's model can read `errorMessage` and correct itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from typing import Any

from lading.domain.errors import shown
from lading.services.session import Session

log = logging.getLogger("lading.mcp")


def _text(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, default=str)


def build_server(session: Session, server_uuid: str | None) -> Any:
    """An SDK server answering tools/list and tools/call from the chosen toolset (`lading mcp`:
    `--server`, else $LADING_MCP_SERVER_UUID, else the platform toolset)."""
    from lading.api.mcp_tools import toolset

    return tools_server(session, toolset(session, server_uuid))


def tools_server(session: Session, toolset: list[Any]) -> Any:
    """An SDK server answering tools/list and tools/call from `toolset` (a list of `McpTool`).

    Every call checks the tool's right against the session's token first (MCP over HTTP, where the
    caller is a token, C §3.3); a stdio session is the workspace administrator and holds no token."""
    import mcp_types as types
    from mcp.server.lowlevel import Server

    from lading.api.mcp_tools import error_document

    tools = {tool.name: tool for tool in toolset}

    async def list_tools(ctx: Any, params: Any) -> Any:
        return types.ListToolsResult(tools=[
            types.Tool(name=t.name, description=t.description, input_schema=t.input_schema)
            for t in tools.values()])

    async def call_tool(ctx: Any, params: Any) -> Any:
        tool = tools.get(params.name)
        if tool is None:
            doc: Any = {"errorMessage": f"unknown tool {shown(params.name)}", "reason": "toolNotFound"}
            return types.CallToolResult(content=[types.TextContent(text=_text(doc))], is_error=True)
        try:
            doc = await asyncio.to_thread(_call_and_settle, session, tool, dict(params.arguments or {}))
        except Exception as exc:  # every failure reaches the client as a tool error, never a crash
            log.info("tool %s failed: %s", params.name, exc)
            doc = error_document(exc)
            return types.CallToolResult(content=[types.TextContent(text=_text(doc))], is_error=True,
                                        structured_content=doc)
        structured = doc if isinstance(doc, dict) else {"result": doc}
        return types.CallToolResult(content=[types.TextContent(text=_text(doc))], structured_content=structured)

    return Server("lading", on_list_tools=list_tools, on_call_tool=call_tool)


def _call_and_settle(session: Session, tool: Any, arguments: dict[str, Any]) -> Any:
    """One tool call, then the work its services announced (a play's batch…) handed to a worker."""
    from lading.services.access import require
    from lading.worker import settle

    try:
        if tool.right is not None:
            require(session.access, tool.right)
        return tool.call(arguments)
    finally:
        settle(session)


def serve_stdio(session: Session, server_uuid: str | None) -> None:
    """Serve until the client closes stdin. The toolset is resolved first, so a bad `--server` fails
    like any CLI command, before the protocol starts."""
    from mcp.server.stdio import stdio_server

    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from lading.integrations._secrets import install_log_redaction

    install_log_redaction()
    if not session.db.is_postgres:
        # Like the HTTP server, this process keeps the SQLite store open while it answers many tool
        # calls: runtime SQL must read it from a helper process (see `analytics.engine.ChdbEngine`).
        from lading.analytics import engine

        engine.ISOLATE_SQLITE_READS = True
    server = build_server(session, server_uuid)

    async def main() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    asyncio.run(main())
