"""Graph checks shared by every service that accepts nodes (run create, deploy, validate), and the
first graph of a new tool's or play's workflow."""

from __future__ import annotations

import uuid as uuidlib
from datetime import datetime
from typing import Any

from lading.domain.errors import ValidationError
from lading.services.references import WorkspaceReferences
from lading.services.session import Session
from lading.store.repositories import workflows as wf_repo


def invalid_nodes(session: Session, nodes: Any) -> list[dict[str, Any]]:
    from lading.engine.validation import validate_nodes  # the engine only for commands that take a graph

    return validate_nodes(nodes, WorkspaceReferences(session))


def require_valid(session: Session, nodes: Any, *, reason: str | None = None) -> None:
    """Raise the documented error for an invalid graph: the first entry's reason (or `reason`)."""
    problems = invalid_nodes(session, nodes)
    if problems:
        first = problems[0]
        code = reason or first["reason"]
        message = first.get("message") or "the node graph is not valid"
        raise ValidationError(message, reason=code, extra={"invalidNodes": problems})


def default_draft_nodes() -> list[dict[str, Any]]:
    """A new workflow's draft: `start → end`."""
    start, end = str(uuidlib.uuid4()), str(uuidlib.uuid4())
    return [
        {"uuid": start, "slug": "start", "kind": "native", "actionSlug": "start", "config": {},
         "childrenUuids": [end], "fallbackOnFailure": False, "position": {"x": 0, "y": 0}},
        {"uuid": end, "slug": "end", "kind": "native", "actionSlug": "end", "config": {"variables": []},
         "childrenUuids": [], "fallbackOnFailure": False, "position": {"x": 0, "y": 200}},
    ]


def insert_new_workflow(session: Session, conn: Any, workflow_uuid: str, now: datetime, *,
                        tool_uuid: str | None = None, play_uuid: str | None = None,
                        folder_uuid: str | None = None) -> None:
    """The workflow behind a new tool or play, with its first draft (`start → end`): both start the
    same way, so a tool and a play are edited and deployed alike from their first moment."""
    wf_repo.insert_workflow(conn, session.workspace_uuid, workflow_uuid, now, tool_uuid=tool_uuid,
                            play_uuid=play_uuid, folder_uuid=folder_uuid)
    wf_repo.insert_release(conn, session.workspace_uuid, {
        "uuid": str(uuidlib.uuid4()), "workflow_uuid": workflow_uuid, "user_uuid": session.user_uuid,
        "version": None, "description": None, "status": "draft", "form_fields": None,
        "nodes": default_draft_nodes(), "created_at": now, "updated_at": now})


def tool_uuids_in(nodes: Any) -> list[str]:
    """Every `toolUuid` referenced by tool nodes of a graph, including inside group `_nodes`."""
    found: list[str] = []
    stack = list(nodes) if isinstance(nodes, list) else []
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if node.get("kind") == "tool" and isinstance(node.get("toolUuid"), str):
            found.append(node["toolUuid"])
        config = node.get("config")
        if isinstance(config, dict) and isinstance(config.get("_nodes"), list):
            stack.extend(config["_nodes"])
    return found


def find_tool_cycle(session: Session, conn: Any, own_tool_uuid: str, nodes: Any) -> list[str] | None:
    """A chain of tools leading back to `own_tool_uuid` through deployed releases, if any."""
    from lading.store.repositories import workflows as wf_repo

    ws = session.workspace_uuid
    stack: list[tuple[str, list[str]]] = [(t, [own_tool_uuid, t]) for t in tool_uuids_in(nodes)]
    seen: set[str] = set()
    while stack:
        tool_uuid, path = stack.pop()
        if tool_uuid == own_tool_uuid:
            return path
        if tool_uuid in seen:
            continue
        seen.add(tool_uuid)
        tool = wf_repo.get_tool(conn, ws, tool_uuid)
        deployed = wf_repo.release_by_status(conn, ws, tool.workflow_uuid, "deployed") if tool else None
        if deployed is not None:
            stack.extend((t, [*path, t]) for t in tool_uuids_in(deployed.nodes))
    return None
