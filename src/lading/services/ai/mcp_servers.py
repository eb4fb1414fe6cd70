"""`ai mcp-server …`: the workspace's MCP servers (spec §2.8). Verbs: list_servers, get, create, update,
remove; for the agent runtime, remote_server.

Two kinds share the noun. `published` (`--actions/--resources`) is described below. `remote` (`--url`,
Cargo's meaning of the flag) is someone else's MCP server registered for agents: a release's
`mcpClients` entry `{"kind":"mcpServer","mcpServerUuid"}` makes its tools the agent's. Creating one (or
changing its URL or token) connects to it and lists its tools, so a URL that is unreachable or does not
speak MCP is refused then (`mcpConnectionFailed`) rather than at an agent's first message; the access
token is sealed by the credential vault (associated data `<workspace>:mcpServer:<uuid>`) and printed
masked; a masked token sent back keeps the stored one.

A server is what an outside MCP client sees through `lading mcp --server <uuid>`: its `actions` (AgentActions
of kind `tool` or `agent`, each one MCP tool) and its `resources` (`model` or `file`). They pass the same
checks as a release's (`ai/releases.py`), plus two of their own: only tool and agent actions (a connector
action would hand out a connector's credentials to whoever runs the server), and `waitUntilFinished` (the
MCP call blocks until its run ends and answers with the output, instead of answering with the pending run).
Every object they name must exist in the workspace when the server is written, so a published server never
points at nothing. `update` replaces each given array wholesale.
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from typing import Any

from lading.ai.releases import TOOLS_ERROR, References, check_actions, check_resources, references
from lading.domain.errors import NotFoundError, ValidationError, shown
from lading.domain.nodes import UUID_RE
from lading.services.ai.shapes import MASK, McpServer, Removed
from lading.services.session import Session
from lading.services.workspace.folders import require_folder
from lading.store.clock import utcnow
from lading.store.repositories import mcp_servers as repo

PUBLISHED_KINDS = ("tool", "agent")
PUBLISHED, REMOTE = "published", "remote"
MAX_NAME = 255
FOLDER_KIND = "mcpServer"
_UNSET: Any = object()


def _not_found() -> NotFoundError:
    return NotFoundError("MCP server not found", reason="mcpServerNotFound")


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > MAX_NAME:
        raise ValidationError(f"--name must be a non-empty text of at most {MAX_NAME} characters",
                              reason="invalidData")
    return value.strip()


def check_server_actions(value: Any) -> list[dict[str, Any]]:
    """Release AgentAction checks, restricted to tool and agent actions, plus `waitUntilFinished`."""
    actions = check_actions(value)
    for i, action in enumerate(actions):
        if action["kind"] not in PUBLISHED_KINDS:
            raise ValidationError(f"actions[{i}].kind must be tool or agent (got {shown(action['kind'])})",
                                  reason=TOOLS_ERROR)
        wait = action.get("waitUntilFinished", True)
        if not isinstance(wait, bool):
            raise ValidationError(f"actions[{i}].waitUntilFinished must be true or false", reason=TOOLS_ERROR)
        action["waitUntilFinished"] = wait
    return actions


def _checked(session: Session, conn: Any, actions: list[dict[str, Any]] | None,
             resources: list[dict[str, Any]] | None) -> None:
    """Every tool, agent, model and file named exists in this workspace."""
    from lading.services.ai.releases import check_references

    refs: References = references({"actions": actions or [], "resources": resources or []})
    check_references(session, conn, refs)


def _require(conn: Any, ws: str, uuid: str | None) -> Any:
    row = repo.get_server(conn, ws, uuid.lower()) if uuid and UUID_RE.match(uuid) else None
    if row is None:
        raise _not_found()
    return row


def list_servers(session: Session) -> dict[str, Any]:
    with session.db.read() as conn:
        rows = repo.list_servers(conn, session.workspace_uuid)
    return {"mcpServers": [McpServer.of(r).dump() for r in rows]}


def get(session: Session, uuid: str | None) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"mcpServer": McpServer.of(_require(conn, session.workspace_uuid, uuid)).dump()}


def _description(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValidationError("--description must be a text", reason="invalidData")
    return value


def _not_both(kind_flags: dict[str, Any], remote_flags: dict[str, Any]) -> None:
    given = [f for f, v in kind_flags.items() if v is not None]
    other = [f for f, v in remote_flags.items() if v is not None]
    if given and other:
        raise ValidationError(f"{', '.join(other)} (a remote MCP server, whose tools agents call) and "
                              f"{', '.join(given)} (a server this workspace publishes) cannot be given together",
                              reason="invalidData")


def _url(value: Any) -> str:
    if not isinstance(value, str) or not value.strip().startswith(("http://", "https://")):
        raise ValidationError(f"--url must be the http(s) URL of an MCP server (got {shown(value)})",
                              reason="invalidData")
    return value.strip()


def _authentication(value: Any) -> dict[str, Any] | None:
    """`{"issuedAt","accessToken"}` (a bare string is the token), or null for a server without one."""
    if value is None:
        return None
    if isinstance(value, str):
        value = {"issuedAt": None, "accessToken": value}
    if not isinstance(value, dict) or not isinstance(value.get("accessToken"), str) or not value["accessToken"]:
        raise ValidationError('--authentication must be {"issuedAt","accessToken"} with a non-empty accessToken, '
                              "or null", reason="invalidData")
    unknown = sorted(set(value) - {"issuedAt", "accessToken"})
    if unknown:
        raise ValidationError(f"--authentication: unknown keys {', '.join(unknown)}", reason="invalidData")
    issued = value.get("issuedAt")
    if issued is not None and not isinstance(issued, str):
        raise ValidationError("--authentication.issuedAt must be a text (an ISO date) or null", reason="invalidData")
    return {"issuedAt": issued, "accessToken": value["accessToken"]}


def _disabled(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [s.strip() for s in value.split(",") if s.strip()]
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise ValidationError("--disabled-tool-slugs must be an array of tool names", reason="invalidData")
    return list(dict.fromkeys(value))


def _listed_tools(url: str, auth: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Connect and list the server's tools as `{slug, name, description}`; `mcpConnectionFailed` when it
    cannot be reached or does not speak MCP."""
    from lading.integrations.mcp_client import McpClientError, described_tools

    try:
        tools = described_tools(url, auth["accessToken"] if auth else None)
    except McpClientError as exc:
        raise ValidationError(exc.message, reason="mcpConnectionFailed") from None
    return [{"slug": t["slug"], "name": t["name"], "description": t["description"]} for t in tools]


def _sealed(ws: str, uuid: str, auth: dict[str, Any] | None) -> dict[str, Any] | None:
    from lading.integrations._vault import encrypt

    if auth is None:
        return None
    return {"issuedAt": auth.get("issuedAt"), "sealed": encrypt(auth, associated=f"{ws}:mcpServer:{uuid}")}


def _unsealed(ws: str, row: Any) -> dict[str, Any] | None:
    from lading.integrations._vault import decrypt

    auth = row.authentication
    if not isinstance(auth, dict) or "sealed" not in auth:
        return None
    return decrypt(auth["sealed"], associated=f"{ws}:mcpServer:{row.uuid}")


def create(session: Session, *, name: Any, actions: Any = None, resources: Any = None, description: Any = None,
           folder_uuid: Any = None, url: Any = None, authentication: Any = None,
           disabled_tool_slugs: Any = None) -> dict[str, Any]:
    """A new server: published (`actions`, `resources`) or, with `url`, remote (connected to and its
    tools listed before anything is stored). `folder_uuid` names a folder of kind `mcpServer`."""
    clean_name = _name(name)
    _not_both({"--actions": actions, "--resources": resources},
              {"--url": url, "--authentication": authentication, "--disabled-tool-slugs": disabled_tool_slugs})
    ws, uuid, now = session.workspace_uuid, str(uuidlib.uuid4()), utcnow()
    values: dict[str, Any] = {"uuid": uuid, "name": clean_name, "description": _description(description),
                              "user_uuid": session.user_uuid, "created_at": now, "updated_at": now}
    if url is not None:
        auth = _authentication(authentication)
        if auth and auth["accessToken"] == MASK:
            raise ValidationError("--authentication.accessToken is masked: send the token itself",
                                  reason="invalidData")
        clean_url = _url(url)
        values.update(kind=REMOTE, url=clean_url, actions=[], resources=[], authentication=_sealed(ws, uuid, auth),
                      disabled_tool_slugs=_disabled(disabled_tool_slugs), tools=_listed_tools(clean_url, auth))
    else:
        values.update(kind=PUBLISHED, actions=check_server_actions([] if actions is None else actions),
                      resources=check_resources([] if resources is None else resources))
    with session.db.write() as conn:
        values["folder_uuid"] = require_folder(conn, ws, folder_uuid, FOLDER_KIND)
        if values["kind"] == PUBLISHED:
            _checked(session, conn, values["actions"], values["resources"])
        repo.insert_server(conn, ws, values)
        return {"mcpServer": McpServer.of(repo.get_server(conn, ws, uuid)).dump()}


def update(session: Session, uuid: str | None, *, name: Any = None, actions: Any = None, resources: Any = None,
           description: Any = _UNSET, folder_uuid: Any = _UNSET, url: Any = None, authentication: Any = _UNSET,
           disabled_tool_slugs: Any = None) -> dict[str, Any]:
    """Omitted fields keep their value; a given array replaces the stored one wholesale; a null
    `description` clears it and a null `folder_uuid` moves the server to the root. On a remote server a
    new `url` or `authentication` (null: none; the mask: keep the stored token) reconnects and lists
    its tools again; `actions`/`resources` belong to published servers and `url`/`authentication`/
    `disabled_tool_slugs` to remote ones."""
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = _name(name)
    if description is not _UNSET:
        changes["description"] = _description(description)
    ws = session.workspace_uuid
    with session.db.read() as conn:
        row = _require(conn, ws, uuid)
    if row.kind == REMOTE:
        if actions is not None or resources is not None:
            raise ValidationError(f"MCP server {row.uuid} is a remote server (--url): --actions and --resources "
                                  "belong to published servers", reason="invalidData")
        if disabled_tool_slugs is not None:
            changes["disabled_tool_slugs"] = _disabled(disabled_tool_slugs)
        if url is not None or authentication is not _UNSET:
            auth = _unsealed(ws, row)
            if authentication is not _UNSET:
                given = _authentication(authentication)
                auth = auth if given and given["accessToken"] == MASK else given
            clean_url = _url(url) if url is not None else str(row.url)
            changes.update(url=clean_url, authentication=_sealed(ws, row.uuid, auth),
                           tools=_listed_tools(clean_url, auth))
    else:
        if url is not None or authentication is not _UNSET or disabled_tool_slugs is not None:
            raise ValidationError(f"MCP server {row.uuid} is a published server: --url, --authentication and "
                                  "--disabled-tool-slugs belong to remote servers (ai mcp-server create --url)",
                                  reason="invalidData")
        if actions is not None:
            changes["actions"] = check_server_actions(actions)
        if resources is not None:
            changes["resources"] = check_resources(resources)
    with session.db.write() as conn:
        row = _require(conn, ws, uuid)
        if folder_uuid is not _UNSET:
            changes["folder_uuid"] = require_folder(conn, ws, folder_uuid, FOLDER_KIND)
        _checked(session, conn, changes.get("actions"), changes.get("resources"))
        if changes:
            repo.update_server(conn, ws, row.uuid, {**changes, "updated_at": utcnow()})
        return {"mcpServer": McpServer.of(repo.get_server(conn, ws, row.uuid)).dump()}


@dataclass(frozen=True)
class RemoteServer:
    """What the agent runtime needs to call a remote server's tools (the token in plain: never printed)."""

    uuid: str
    name: str
    url: str
    access_token: str | None
    disabled_tool_slugs: list[str]


def remote_server(session: Session, uuid: str) -> RemoteServer:
    """The remote server `uuid` of this workspace (`mcpServerNotFound` when none, or when it is a
    published one: those are served, not called)."""
    ws = session.workspace_uuid
    with session.db.read() as conn:
        row = _require(conn, ws, uuid)
    if row.kind != REMOTE:
        raise ValidationError(f"MCP server {row.uuid} ({row.name}) is a published server, not a remote one: agents "
                              "call remote servers (ai mcp-server create --url)", reason=TOOLS_ERROR)
    auth = _unsealed(ws, row)
    return RemoteServer(uuid=row.uuid, name=row.name, url=str(row.url),
                        access_token=auth.get("accessToken") if auth else None,
                        disabled_tool_slugs=list(row.disabled_tool_slugs or []))


def remove(session: Session, uuid: str | None) -> dict[str, Any]:
    with session.db.write() as conn:
        row = _require(conn, session.workspace_uuid, uuid)
        repo.delete_server(conn, session.workspace_uuid, row.uuid)
    return Removed(uuid=row.uuid).dump()


# The name `api.mcp_tools` serves a server by.
get_server = get
