"""`workspaceManagement folder list|get|create|update|remove`, and the check every resource with a
`folderUuid` makes (`require_folder`).

Folders organise only; they never change execution. Each holds one kind of resource (C §3.5:
`tool`, `play`, `agent`, `file`, and the client's `mcpServer`, `model`, `alert`, `app`, `worker`),
so a resource enters only a folder of its own kind, and a subfolder shares its parent's kind. Two
live folders of one kind under one parent never share a name (`duplicateName`); a folder is removed
only when empty (`folderNotEmpty`). Folder writes are open to every member (C §3.3).
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from lading.domain.errors import ConflictError, NotFoundError, ValidationError, found, shown
from lading.domain.nodes import UUID_RE
from lading.services import inputs
from lading.services.access import require
from lading.services.session import Session
from lading.services.workspace import shapes
from lading.store.clock import iso, utcnow
from lading.store.repositories import accounts as repo

KINDS = ("tool", "play", "agent", "file", "mcpServer", "model", "alert", "app", "worker")
_NAME_LIMIT = 255


def present(row: Any) -> dict[str, Any]:
    return shapes.Folder(uuid=row.uuid, workspace_uuid=row.workspace_uuid, parent_uuid=row.parent_uuid,
                         kind=row.kind, name=row.name, emoji_slug=row.emoji_slug, order=row.order,
                         is_read_only=bool(row.is_read_only), created_at=iso(row.created_at),
                         updated_at=iso(row.updated_at), deleted_at=iso(row.deleted_at)).dump()


def _uuid_or_root(value: Any, field: str) -> str | None:
    """A folder reference: a uuid, or nothing (`null`, empty, `"null"`) for the root."""
    if value in (None, "", "null"):
        return None
    if not isinstance(value, str) or not UUID_RE.match(value):
        raise ValidationError(f"{field} must be a uuid or null, got {shown(value)}", reason="invalidPayload")
    return value.lower()


def _kind(value: Any) -> str:
    if value not in KINDS:
        raise ValidationError(f"kind must be one of {', '.join(KINDS)}, got {shown(value)}", reason="invalidPayload")
    return str(value)


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"name must be a non-empty string, got {shown(value)}", reason="invalidPayload")
    if len(value.strip()) > _NAME_LIMIT:
        raise ValidationError(f"name must be at most {_NAME_LIMIT} characters", reason="invalidPayload")
    return value.strip()


def _emoji(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise ValidationError(f"emojiSlug must be a string of at most 64 characters, got {shown(value)}",
                              reason="invalidPayload")
    return value.strip() or None


def require_folder(conn: Any, ws: str, folder_uuid: Any, kind: str) -> str | None:
    """The folder a resource of `kind` is put in, as stored: None for the root, else the uuid of a
    live folder of that kind in the workspace (`folderNotFound` for any other, including a folder of
    another kind or of another workspace)."""
    wanted = inputs.folder_uuid(folder_uuid)
    if wanted is None:
        return None
    row = repo.get_folder(conn, ws, wanted)
    if row is None or row.kind != kind:
        raise NotFoundError(f"Folder not found: {wanted} (no {kind} folder with this uuid)", reason="folderNotFound")
    return wanted


def _require(session: Session, conn: Any, uuid: str) -> Any:
    return found(repo.get_folder(conn, session.workspace_uuid, uuid.lower() if isinstance(uuid, str) else uuid),
                 "Folder", str(uuid))


def _refuse_duplicate(conn: Any, ws: str, *, name: str, kind: str, parent_uuid: str | None,
                      other_than: str | None = None) -> None:
    from lading.store.database import serialize_writes

    serialize_writes(conn, f"folders:{ws}")
    if repo.folder_named(conn, ws, name=name, kind=kind, parent_uuid=parent_uuid, other_than=other_than):
        raise ConflictError(f"a {kind} folder named {shown(name)} already exists here", reason="duplicateName")


def list_folders(session: Session, *, kind: str | None = None) -> dict[str, Any]:
    wanted = _kind(kind) if kind is not None else None
    require(session.access, "workspaceManagement:folder:read")
    with session.db.read() as conn:
        rows = repo.list_folders(conn, session.workspace_uuid, wanted)
    return {"folders": [present(row) for row in rows]}


def get_folder(session: Session, uuid: str) -> dict[str, Any]:
    require(session.access, "workspaceManagement:folder:read", uuid)
    with session.db.read() as conn:
        return {"folder": present(_require(session, conn, uuid))}


def create_folder(session: Session, *, name: Any, kind: Any, emoji_slug: Any = None,
                  parent_uuid: Any = None) -> dict[str, Any]:
    clean_name, clean_kind, emoji = _name(name), _kind(kind), _emoji(emoji_slug)
    parent = _uuid_or_root(parent_uuid, "parentUuid")
    require(session.access, "workspaceManagement:folder:write", parent)
    now = utcnow()
    uuid = str(uuidlib.uuid4())
    ws = session.workspace_uuid
    with session.db.write() as conn:
        if parent is not None:
            require_folder(conn, ws, parent, clean_kind)
        _refuse_duplicate(conn, ws, name=clean_name, kind=clean_kind, parent_uuid=parent)
        repo.insert_folder(conn, ws, {"uuid": uuid, "parent_uuid": parent, "kind": clean_kind, "name": clean_name,
                                      "emoji_slug": emoji, "order": 0, "is_read_only": False,
                                      "created_at": now, "updated_at": now})
        return {"folder": present(_require(session, conn, uuid))}


_UNSET: Any = object()


def update_folder(session: Session, uuid: str, *, name: Any = _UNSET, emoji_slug: Any = _UNSET,
                  order: Any = _UNSET, parent_uuid: Any = _UNSET) -> dict[str, Any]:
    """Rename, re-emoji, reorder or move a folder (`parent_uuid=None`: to the root). A folder cannot
    move under itself or one of its subfolders."""
    values: dict[str, Any] = {}
    if name is not _UNSET:
        values["name"] = _name(name)
    if emoji_slug is not _UNSET:
        values["emoji_slug"] = _emoji(emoji_slug)
    if order is not _UNSET:
        if isinstance(order, bool) or not isinstance(order, int) or not -2**31 <= order < 2**31:
            raise ValidationError(f"order must be an integer, got {shown(order)}", reason="invalidPayload")
        values["order"] = order
    if parent_uuid is not _UNSET:
        values["parent_uuid"] = _uuid_or_root(parent_uuid, "parentUuid")
    require(session.access, "workspaceManagement:folder:write", uuid)
    ws = session.workspace_uuid
    with session.db.write() as conn:
        row = _require(session, conn, uuid)
        if row.is_read_only:
            raise ConflictError("this folder is read-only", reason="folderIsReadOnly")
        parent = values.get("parent_uuid", row.parent_uuid)
        if values.get("parent_uuid") is not None:
            require_folder(conn, ws, parent, row.kind)
            if row.uuid in repo.folder_ancestors(conn, ws, parent):
                raise ValidationError("a folder cannot move into itself or one of its subfolders",
                                      reason="invalidParent")
        if "name" in values or "parent_uuid" in values:
            _refuse_duplicate(conn, ws, name=values.get("name", row.name), kind=row.kind, parent_uuid=parent,
                              other_than=row.uuid)
        if values:
            repo.update_folder(conn, ws, row.uuid, {**values, "updated_at": utcnow()})
        return {"folder": present(_require(session, conn, row.uuid))}


def remove_folder(session: Session, uuid: str) -> dict[str, Any]:
    """Remove an empty folder (`folderNotEmpty` while it holds subfolders or resources)."""
    require(session.access, "workspaceManagement:folder:write", uuid)
    now = utcnow()
    with session.db.write() as conn:
        row = _require(session, conn, uuid)
        if row.is_read_only:
            raise ConflictError("this folder is read-only", reason="folderIsReadOnly")
        held = repo.folder_contents(conn, session.workspace_uuid, row.uuid)
        if held:
            raise ConflictError(f"the folder still holds {held} item{'s' if held != 1 else ''}: move or remove "
                                "them first", reason="folderNotEmpty", details={"count": held})
        repo.update_folder(conn, session.workspace_uuid, row.uuid, {"deleted_at": now, "updated_at": now})
    return {"uuid": row.uuid, "removed": True}
