"""`ai mcp-server …`: named sets of the workspace's tools, agents and data published over MCP (spec §2.8).

Verbs: list_servers, get, create, update, remove.

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
from typing import Any

from lading.ai.releases import TOOLS_ERROR, References, check_actions, check_resources, references
from lading.domain.errors import NotFoundError, ValidationError, shown
from lading.domain.nodes import UUID_RE
from lading.services.ai.shapes import McpServer, Removed
from lading.services.session import Session
from lading.services.workspace.folders import require_folder
from lading.store.clock import utcnow
from lading.store.repositories import mcp_servers as repo

PUBLISHED_KINDS = ("tool", "agent")
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


def create(session: Session, *, name: Any, actions: Any = None, resources: Any = None, description: Any = None,
           folder_uuid: Any = None) -> dict[str, Any]:
    """A new server; `folder_uuid` names a folder of kind `mcpServer` (`folderNotFound`)."""
    clean_name = _name(name)
    clean_actions = check_server_actions([] if actions is None else actions)
    clean_resources = check_resources([] if resources is None else resources)
    ws, uuid, now = session.workspace_uuid, str(uuidlib.uuid4()), utcnow()
    with session.db.write() as conn:
        folder = require_folder(conn, ws, folder_uuid, FOLDER_KIND)
        _checked(session, conn, clean_actions, clean_resources)
        repo.insert_server(conn, ws, {"uuid": uuid, "name": clean_name, "description": _description(description),
                                      "folder_uuid": folder, "user_uuid": session.user_uuid,
                                      "actions": clean_actions, "resources": clean_resources, "created_at": now,
                                      "updated_at": now})
        return {"mcpServer": McpServer.of(repo.get_server(conn, ws, uuid)).dump()}


def update(session: Session, uuid: str | None, *, name: Any = None, actions: Any = None, resources: Any = None,
           description: Any = _UNSET, folder_uuid: Any = _UNSET) -> dict[str, Any]:
    """Omitted fields keep their value; a given array replaces the stored one wholesale; a null
    `description` clears it and a null `folder_uuid` moves the server to the root."""
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = _name(name)
    if actions is not None:
        changes["actions"] = check_server_actions(actions)
    if resources is not None:
        changes["resources"] = check_resources(resources)
    if description is not _UNSET:
        changes["description"] = _description(description)
    ws = session.workspace_uuid
    with session.db.write() as conn:
        row = _require(conn, ws, uuid)
        if folder_uuid is not _UNSET:
            changes["folder_uuid"] = require_folder(conn, ws, folder_uuid, FOLDER_KIND)
        _checked(session, conn, changes.get("actions"), changes.get("resources"))
        if changes:
            repo.update_server(conn, ws, row.uuid, {**changes, "updated_at": utcnow()})
        return {"mcpServer": McpServer.of(repo.get_server(conn, ws, row.uuid)).dump()}


def remove(session: Session, uuid: str | None) -> dict[str, Any]:
    with session.db.write() as conn:
        row = _require(conn, session.workspace_uuid, uuid)
        repo.delete_server(conn, session.workspace_uuid, row.uuid)
    return Removed(uuid=row.uuid).dump()


# The name `api.mcp_tools` serves a server by.
get_server = get
