"""Someone else's MCP server over streamable HTTP (spec C §2.8 "Consume"): list its tools, call one.

Listing is done here with plain JSON-RPC (`initialize`, `notifications/initialized`, `tools/list` page
by page; each answer as JSON or as a server-sent-event stream): it runs in the synchronous paths that
check a server (`ai mcp-client connect`, `ai mcp-server create --url`), where an event loop of the
SDK's would be one more moving part. Calling a tool is what the agent runtime does, inside its own
event loop: that goes through the official SDK client (`mcp.client.streamable_http`), which also
handles what a long tool call brings (server-sent progress, session ids, redirects within the origin).
Failures are `McpClientError` with a message naming the server's URL and what went wrong, never the
access token.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

PROTOCOL_VERSION = "2025-03-26"
TIMEOUT_SECONDS = 30.0
CALL_TIMEOUT_SECONDS = 120.0
MAX_PAGES = 100


class McpClientError(Exception):
    """The server could not be reached, refused the credentials, or did not speak MCP."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def shown_url(url: str) -> str:
    """The URL as messages show it: without credentials in its user part or query string."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}{parts.path}"


def _events(lines: Iterator[str]) -> Iterator[str]:
    """The `data` of each server-sent event."""
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                yield "\n".join(data)
            data = []
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        yield "\n".join(data)


class _Session:
    """One MCP session with a server: its URL, headers and the session id it handed out."""

    def __init__(self, client: Any, url: str, access_token: str | None) -> None:
        self.client = client
        self.target = url
        self.url = shown_url(url)
        self.headers = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
        from lading.integrations._secrets import Scrubber

        # Known to this process's log redaction from now on (httpx/httpcore log URLs and headers),
        # and masked in whatever the server says back.
        self.scrub = Scrubber([access_token] if access_token else [])
        if access_token:
            self.scrub.add_sent(f"Bearer {access_token}")
            self.headers["authorization"] = f"Bearer {access_token}"
        self.next_id = 0

    def _fail_on_status(self, response: Any) -> None:
        if response.status_code in (401, 403):
            raise McpClientError(f"the MCP server at {self.url} refused the credentials (HTTP "
                                 f"{response.status_code})")
        if response.status_code >= 400:
            raise McpClientError(f"the MCP server at {self.url} answered HTTP {response.status_code}")

    def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """One JSON-RPC request; its `result`."""
        self.next_id += 1
        ident = self.next_id
        body = {"jsonrpc": "2.0", "id": ident, "method": method, "params": params}
        with self.client.stream("POST", self.target, json=body, headers=self.headers) as response:
            self._fail_on_status(response)
            if "mcp-session-id" in response.headers:
                self.headers["mcp-session-id"] = response.headers["mcp-session-id"]
            if response.headers.get("content-type", "").startswith("text/event-stream"):
                message = self._from_stream(response, ident)
            else:
                response.read()
                message = self._parse(response.text)
        message = self.scrub.value(message)  # a server echoing the token hands back only its mask
        if not isinstance(message, dict) or message.get("id") != ident:
            raise McpClientError(f"the MCP server at {self.url} gave no answer to {method}")
        if isinstance(message.get("error"), dict):
            error = message["error"]
            said = self.scrub.text(str(error.get("message")))
            raise McpClientError(f"the MCP server at {self.url} refused {method}: {said[:300]}")
        result = message.get("result")
        if not isinstance(result, dict):
            raise McpClientError(f"the MCP server at {self.url} answered {method} without a result")
        return result

    def _from_stream(self, response: Any, ident: int) -> Any:
        for data in _events(response.iter_lines()):
            message = self._parse(data)
            if isinstance(message, dict) and message.get("id") == ident:
                return message
        return None

    def _parse(self, text: str) -> Any:
        try:
            return json.loads(text)
        except ValueError:
            raise McpClientError(f"the MCP server at {self.url} did not answer JSON-RPC") from None

    def notify(self, method: str) -> None:
        response = self.client.post(self.target, json={"jsonrpc": "2.0", "method": method}, headers=self.headers)
        self._fail_on_status(response)

    def close(self) -> None:
        """End the session (servers may refuse: nothing depends on it)."""
        if "mcp-session-id" in self.headers:
            try:
                self.client.delete(self.target, headers=self.headers)
            except Exception:  # best effort: the tools are already listed
                pass


def list_tools(url: str, access_token: str | None) -> list[dict[str, Any]]:
    """Every tool the server at `url` offers, as MCP describes them (`name`, `description`,
    `inputSchema`, …), in the server's order."""
    import httpx

    from lading import __version__

    try:
        with httpx.Client(follow_redirects=False, timeout=TIMEOUT_SECONDS) as client:
            session = _Session(client, url, access_token)
            try:
                initialized = session.request("initialize", {
                    "protocolVersion": PROTOCOL_VERSION, "capabilities": {},
                    "clientInfo": {"name": "lading", "version": __version__}})
                version = initialized.get("protocolVersion")
                if isinstance(version, str):
                    session.headers["mcp-protocol-version"] = version
                session.notify("notifications/initialized")
                tools: list[dict[str, Any]] = []
                cursor: str | None = None
                for _ in range(MAX_PAGES):
                    page = session.request("tools/list", {"cursor": cursor} if cursor else {})
                    tools.extend(t for t in page.get("tools") or [] if isinstance(t, dict) and t.get("name"))
                    cursor = page.get("nextCursor")
                    if not cursor:
                        break
                return tools
            finally:
                session.close()
    except httpx.HTTPError as exc:
        raise McpClientError(f"cannot reach the MCP server at {shown_url(url)}: {type(exc).__name__}") from None


def described_tools(url: str, access_token: str | None) -> list[dict[str, Any]]:
    """`list_tools` as Lading shows a tool: `{slug, name (its title when it has one), description,
    jsonSchema}` — one reading for `mcp-client connect` and a registered server's `tools`."""
    described = []
    for tool in list_tools(url, access_token):
        annotations = tool.get("annotations")
        title = tool.get("title") or (annotations.get("title") if isinstance(annotations, dict) else None)
        description = tool.get("description")
        schema = tool.get("inputSchema")
        described.append({"slug": str(tool["name"]), "name": str(title or tool["name"]),
                          "description": description if isinstance(description, str) else None,
                          "jsonSchema": schema if isinstance(schema, dict) else {"type": "object"}})
    return described


@dataclass(frozen=True)
class McpToolOutcome:
    """What a tool call answered: its structured content when the server gave one, else its text (the
    text blocks joined), else its content blocks as MCP describes them; `is_error` when the tool failed."""

    output: Any
    is_error: bool


def _outcome(result: Any) -> McpToolOutcome:
    wire = result.model_dump(by_alias=True, mode="json", exclude_none=True)
    is_error = bool(wire.get("isError"))
    content = [c for c in wire.get("content") or [] if isinstance(c, dict)]
    if wire.get("structuredContent") is not None:
        return McpToolOutcome(wire["structuredContent"], is_error)
    if content and all(c.get("type") == "text" for c in content):
        text = "\n".join(str(c.get("text") or "") for c in content)
        try:  # a tool answering JSON as text (many do) gives the model and the parts the object
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        return McpToolOutcome(parsed if isinstance(parsed, (dict, list)) else text, is_error)
    return McpToolOutcome(content, is_error)


def _failure(exc: BaseException) -> BaseException:
    """The innermost cause of a failure inside the SDK's task groups (they wrap it in exception groups)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


async def call_tool(url: str, access_token: str | None, name: str, arguments: dict[str, Any],
                    timeout_seconds: float = CALL_TIMEOUT_SECONDS) -> McpToolOutcome:
    """Call the tool `name` of the server at `url` with the official SDK client, in a session of its
    own (a turn's calls are few and may run concurrently)."""
    from lading.integrations._secrets import Scrubber

    scrub = Scrubber([access_token] if access_token else [])
    headers = {"authorization": f"Bearer {access_token}"} if access_token else {}
    if access_token:
        scrub.add_sent(headers["authorization"])
    try:
        with _anyio_fail_after(timeout_seconds):
            result = await _sdk_call(url, headers, name, arguments, timeout_seconds)
    except McpClientError:
        raise
    except TimeoutError:
        raise McpClientError(f"the MCP server at {shown_url(url)} did not answer {name} within "
                             f"{timeout_seconds:g} s") from None
    except BaseException as exc:  # the SDK raises transport, protocol and HTTP errors of several libraries
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        cause = _failure(exc)
        said = scrub.text(str(getattr(cause, "message", None) or cause or ""))[:300]
        raise McpClientError(f"calling {name} on the MCP server at {shown_url(url)} failed: "
                             f"{type(cause).__name__}{f' ({said})' if said else ''}") from None
    outcome = _outcome(result)
    return McpToolOutcome(scrub.value(outcome.output), outcome.is_error)


def _anyio_fail_after(seconds: float) -> Any:
    import anyio

    return anyio.fail_after(seconds)


async def _sdk_call(url: str, headers: dict[str, str], name: str, arguments: dict[str, Any],
                    timeout_seconds: float) -> Any:
    """One `tools/call` through the SDK's `Client` over its streamable-HTTP transport (mcp 2)."""
    import httpx2
    from mcp.client.client import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp_types import Implementation

    from lading import __version__

    timeout = httpx2.Timeout(timeout_seconds)
    async with httpx2.AsyncClient(headers=headers, timeout=timeout) as http:
        transport = streamable_http_client(url, http_client=http)
        async with Client(transport, read_timeout_seconds=timeout_seconds, cache=None,
                          client_info=Implementation(name="lading", version=__version__)) as client:
            return await client.call_tool(name, arguments)
