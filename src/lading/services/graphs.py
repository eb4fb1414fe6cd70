"""Graph checks shared by every service that accepts nodes (run create, deploy, validate)."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from lading.domain.errors import ValidationError
from lading.engine.validation import validate_nodes
from lading.services.references import WorkspaceReferences
from lading.services.session import Session


def invalid_nodes(session: Session, nodes: Any) -> list[dict[str, Any]]:
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
