"""`lading serve`'s MCP endpoints (C §2.8, api.md §0.6): the workspace's tools over streamable HTTP
at `/mcp` (the platform toolset) and `/mcp/<mcp-server-uuid>` (one published server's tools), beside
the stdio `lading mcp`. The protocol is the official MCP SDK's streamable-HTTP transport; the tools
are the same `McpTool`s `lading mcp` serves (`api/mcp_tools.py`), run by the same SDK server
(`api/mcp_server.tools_server`), so a tool answers the same document on both transports.

Who is calling: `Authorization: Bearer <token>`, a workspace token, on every request (no/unknown
token → 401 with the documented error body); the session is that token's, so the tools see only its
workspace, and each call needs the right its HTTP route would (`McpTool.right`). A published server
also needs `ai:mcpServer:read` on it (403), and one of another workspace is 404 `mcpServerNotFound`.

Why stateless: each request is authenticated and gets a toolset built for its own token, with no
protocol session kept between requests (a removed token stops working at its next request, and
nothing per client lives in the server process). The SDK's session manager runs in stateless mode
with JSON answers, one per request; the client's optional GET stream is refused by the SDK (405),
which its client expects of a stateless server.
"""

from __future__ import annotations

import logging
from typing import Any

from lading.domain.errors import LadingError

log = logging.getLogger("lading.mcp")

PATHS = ("/mcp", "/mcp/{uuid}")
METHODS = ["GET", "POST", "DELETE"]


async def _answer_error(send: Any, status: int, document: dict[str, Any]) -> None:
    import orjson

    body = orjson.dumps(document)
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="lading"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _toolset_server(app: Any, header: str, server_uuid: str | None) -> Any:
    """The SDK server for one request: the token's session and the toolset it asked for (blocking:
    the token lookup and, for a published server, its actions and resources are read from the store)."""
    from lading.api._http import unauthorized
    from lading.api.mcp_server import tools_server
    from lading.api.mcp_tools import platform_tools, server_tools
    from lading.services.access import require
    from lading.services.wiring import token_session

    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized()
    session = token_session(app.db, app.settings, token.strip())
    if session is None:
        raise unauthorized()
    if server_uuid is None:
        return tools_server(session, platform_tools(session))
    from lading.services.ai import mcp_servers

    mcp_servers.get(session, server_uuid)  # another workspace's server, or none: 404 before any right check
    require(session.access, "ai:mcpServer:read", server_uuid)
    return tools_server(session, server_tools(session, server_uuid))


class McpEndpoint:
    """The ASGI app of `/mcp` and `/mcp/{uuid}`: authenticate, build the toolset, hand the request to
    the SDK's streamable-HTTP session manager (stateless, JSON answers)."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        from anyio import to_thread
        from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
        from starlette.requests import Request

        from lading.api._errors import document

        request = Request(scope, receive)
        server_uuid = request.path_params.get("uuid")
        try:
            server = await to_thread.run_sync(_toolset_server, request.app.state.lading,
                                              request.headers.get("authorization") or "", server_uuid)
        except LadingError as exc:
            doc = exc.to_document()
            doc.setdefault("details", {})
            await _answer_error(send, exc.status_code, doc)
            return
        except Exception:
            log.exception("MCP endpoint failed on %s", request.url.path)
            await _answer_error(send, 500, document(500, "unknown", "unknown: the request failed unexpectedly; "
                                                                    "the server log has the cause"))
            return
        manager = StreamableHTTPSessionManager(server, stateless=True, json_response=True)
        async with manager.run():
            await manager.handle_request(scope, receive, send)


def attach(app: Any) -> None:
    """Serve `/mcp` and `/mcp/{uuid}` on `app` (outside `/v1`, not in the OpenAPI document: the
    MCP protocol describes itself)."""
    endpoint = McpEndpoint()
    for path in PATHS:
        app.add_route(path, endpoint, methods=METHODS, include_in_schema=False)
