"""Listing the tools of someone else's MCP server over streamable HTTP (spec C §2.8 "Consume").

Why not the MCP SDK's client: its API changed between the major versions Lading allows, and listing
tools needs three JSON-RPC requests (`initialize`, `notifications/initialized`, `tools/list` page by
page). Each answer may come as plain JSON or as a server-sent-event stream carrying the JSON-RPC
message; both are read here. Failures are `McpClientError` with a message naming the server's URL and
what went wrong, never the access token.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

PROTOCOL_VERSION = "2025-03-26"
TIMEOUT_SECONDS = 30.0
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
