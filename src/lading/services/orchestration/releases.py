"""`orchestration release …` / `draft-release …`: drafts, deploys and the release history."""

from __future__ import annotations

import re
import uuid as uuidlib
from typing import Any

from lading.domain.errors import NotFoundError, ValidationError, found, shown
from lading.domain.paging import check_page
from lading.services.orchestration import _presenters as presenters
from lading.services.orchestration._graphs import find_tool_cycle, invalid_nodes
from lading.services.session import Session
from lading.store.clock import utcnow
from lading.store.repositories import workflows as repo

_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_UNSET: Any = object()
_FIELD_TYPES = ("string", "number", "boolean", "date", "array", "object", "any")


def _semver(text: str | None) -> tuple[int, int, int] | None:
    m = _SEMVER.match(text or "")
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def next_version(existing: list[str]) -> str:
    parsed = [v for v in (_semver(x) for x in existing) if v]
    if not parsed:
        return "1.0.0"
    major, minor, patch = max(parsed)
    return f"{major}.{minor}.{patch + 1}"


def validate_form_fields(form_fields: Any) -> list[dict[str, Any]] | None:
    if form_fields is None:
        return None
    if not isinstance(form_fields, list):
        raise ValidationError("--form-fields must be null or a JSON array", reason="invalidData")
    for i, f in enumerate(form_fields):
        if not isinstance(f, dict) or not isinstance(f.get("slug"), str) or not f["slug"]:
            raise ValidationError(f"form field {i}: needs a slug", reason="invalidData")
        if f.get("type", "any") not in _FIELD_TYPES:
            raise ValidationError(f"form field {f['slug']}: unknown type {shown(f.get('type'))}", reason="invalidData")
    return form_fields


def require_workflow(session: Session, conn: Any, workflow_uuid: str) -> Any:
    row = repo.get_workflow(conn, session.workspace_uuid, workflow_uuid)
    if row is None:
        raise NotFoundError("Workflow not found", reason="workflowNotFound")
    return row


def require_release(session: Session, conn: Any, uuid: str) -> Any:
    return found(repo.get_release(conn, session.workspace_uuid, uuid), "Release", uuid)


def _draft(session: Session, conn: Any, workflow_uuid: str) -> Any:
    require_workflow(session, conn, workflow_uuid)
    draft = repo.release_by_status(conn, session.workspace_uuid, workflow_uuid, "draft")
    if draft is None:
        raise NotFoundError("this workflow has no draft", reason="releaseNotFound")
    return draft


def get_release(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"release": presenters.release(require_release(session, conn, uuid))}


def list_releases(session: Session, *, workflow_uuid: str | None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    check_page(limit, offset)
    with session.db.read() as conn:
        if workflow_uuid:
            require_workflow(session, conn, workflow_uuid)
        rows = repo.list_releases(conn, session.workspace_uuid, workflow_uuid, limit, offset)
        return {"releases": [presenters.release_item(r) for r in rows]}


def get_draft(session: Session, *, workflow_uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"release": presenters.release(_draft(session, conn, workflow_uuid))}


def get_deployed(session: Session, *, workflow_uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        require_workflow(session, conn, workflow_uuid)
        row = repo.release_by_status(conn, session.workspace_uuid, workflow_uuid, "deployed")
        if row is None:
            raise NotFoundError("this workflow has never been deployed", reason="noDeployedRelease")
        return {"release": presenters.release(row)}


def update_draft(session: Session, *, workflow_uuid: str, nodes: Any = _UNSET,
                 form_fields: Any = _UNSET) -> dict[str, Any]:
    """Replace the draft's nodes and/or form fields; a draft may be invalid until deployed."""
    values: dict[str, Any] = {}
    if nodes is not _UNSET:
        if not isinstance(nodes, list):
            raise ValidationError("--nodes must be a JSON array", reason="invalidData")
        values["nodes"] = nodes
    if form_fields is not _UNSET:
        values["form_fields"] = validate_form_fields(form_fields)
    now = utcnow()
    with session.db.write() as conn:
        draft = _draft(session, conn, workflow_uuid)
        if values:
            values["updated_at"] = now
            repo.update_release(conn, session.workspace_uuid, draft.uuid, values)
            repo.touch_workflow(conn, session.workspace_uuid, workflow_uuid, now)
        return {"release": presenters.release(require_release(session, conn, draft.uuid))}


def deploy_draft(session: Session, *, workflow_uuid: str, nodes: Any = _UNSET, form_fields: Any = _UNSET,
                 description: str | None = None, version: str | None = None) -> dict[str, Any]:
    """Snapshot the (validated) draft as the next deployed release; archive the previous one."""
    if nodes is not _UNSET or form_fields is not _UNSET:
        update_draft(session, workflow_uuid=workflow_uuid, nodes=nodes, form_fields=form_fields)
    now = utcnow()
    ws = session.workspace_uuid
    with session.db.write() as conn:
        draft = _draft(session, conn, workflow_uuid)
        problems = invalid_nodes(session, draft.nodes)
        if problems:
            raise ValidationError("the draft's nodes are not valid", reason="nodesInvalid",
                                  extra={"invalidNodes": problems})
        own_tool = repo.tool_by_workflow(conn, ws, workflow_uuid)
        cycle = find_tool_cycle(session, conn, own_tool.uuid, draft.nodes) if own_tool else None
        if cycle:
            raise ValidationError("recursion: this tool would call itself (" + " → ".join(cycle) + ")",
                                  reason="toolInvalid", details={"cycle": cycle})
        existing = repo.versions_of(conn, ws, workflow_uuid)
        if version is not None:
            wanted = _semver(version)
            if wanted is None:
                raise ValidationError(f"--version must be semver (e.g. 2.0.0), got {shown(version)}",
                                      reason="invalidData")
            if any((_semver(v) or (0, 0, 0)) >= wanted for v in existing):
                raise ValidationError(f"--version {version} must be above every existing version",
                                      reason="invalidData")
        else:
            version = next_version(existing)
        repo.archive_deployed(conn, ws, workflow_uuid)
        release_uuid = str(uuidlib.uuid4())
        repo.insert_release(conn, ws, {
            "uuid": release_uuid, "workflow_uuid": workflow_uuid, "user_uuid": session.user_uuid,
            "version": version, "description": description, "status": "deployed",
            "form_fields": draft.form_fields, "nodes": draft.nodes, "created_at": now, "updated_at": now,
            "deployed_at": now})
        repo.touch_workflow(conn, ws, workflow_uuid, now)
        out = {"release": presenters.release(require_release(session, conn, release_uuid))}
    if own_tool is not None and own_tool.triggers:

        session.work.announce()  # its cron triggers now have a release to run
    return out
