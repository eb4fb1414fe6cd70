"""`workspaceManagement token list|create|update|remove`: API tokens bound to one workspace.

A token's value is `ldg_` + 43 base64url characters (32 random bytes), returned once by `create`;
the store keeps only its SHA-256 hash, so neither a list nor the store itself can give it back. Token
writes are admin-only on every face (direct store access is the administrator).
"""

from __future__ import annotations

import secrets
import uuid as uuidlib
from typing import Any

from lading.domain.errors import ValidationError, found, shown
from lading.services.access import check_rules, require_admin
from lading.services.session import Session
from lading.services.workspace import shapes
from lading.store.clock import iso, utcnow
from lading.store.repositories import tokens as repo

PREFIX = "ldg_"
MASKED = "********"


def _present(row: Any, value: str = MASKED) -> dict[str, Any]:
    return shapes.Token(uuid=row.uuid, name=row.name, description=row.description, permissions=row.permissions,
                        workspace_uuid=row.workspace_uuid, user_uuid=row.user_uuid, token=value,
                        created_at=iso(row.created_at), updated_at=iso(row.updated_at),
                        last_used_at=iso(row.last_used_at), deleted_at=iso(row.deleted_at)).dump()


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"name must be a non-empty string, got {shown(value)}", reason="invalidPayload")
    if len(value) > 255:
        raise ValidationError("name is longer than 255 characters", reason="invalidPayload")
    return value.strip()


def list_tokens(session: Session) -> dict[str, Any]:
    with session.db.read() as conn:
        rows = repo.list_tokens(conn, session.workspace_uuid)
    return {"tokens": [_present(row) for row in rows]}


def require_token(session: Session, conn: Any, uuid: str) -> Any:
    return found(repo.get_token(conn, session.workspace_uuid, uuid), "Token", uuid)


def create_token(session: Session, *, name: Any, permissions: Any = None, description: Any = None) -> dict[str, Any]:
    """A new token owned by the caller; the answer is the only place its value ever appears."""
    require_admin(session.access)
    clean_name = _name(name)
    rules = check_rules(permissions)
    if description is not None and not isinstance(description, str):
        raise ValidationError(f"description must be a string, got {shown(description)}", reason="invalidPayload")
    value = PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    uuid = str(uuidlib.uuid4())
    with session.db.write() as conn:
        repo.insert_token(conn, session.workspace_uuid, {
            "uuid": uuid, "user_uuid": session.user_uuid, "name": clean_name, "description": description,
            "permissions": rules, "token_hash": repo.hash_token(value), "created_at": now, "updated_at": now})
        row = require_token(session, conn, uuid)
    return {"token": _present(row, value)}


_UNSET: Any = object()


def update_token(session: Session, uuid: str, *, name: Any = _UNSET, description: Any = _UNSET,
                 permissions: Any = _UNSET) -> dict[str, Any]:
    require_admin(session.access)
    changes: dict[str, Any] = {}
    if name is not _UNSET:
        changes["name"] = _name(name)
    if description is not _UNSET:
        if description is not None and not isinstance(description, str):
            raise ValidationError(f"description must be a string, got {shown(description)}", reason="invalidPayload")
        changes["description"] = description
    if permissions is not _UNSET:
        changes["permissions"] = check_rules(permissions)
    with session.db.write() as conn:
        require_token(session, conn, uuid)
        repo.update_token(conn, session.workspace_uuid, uuid, {**changes, "updated_at": utcnow()})
        row = require_token(session, conn, uuid)
    return {"token": _present(row)}


def remove_token(session: Session, uuid: str) -> dict[str, Any]:
    """Revoke a token: it answers 401 from the next request on."""
    require_admin(session.access)
    now = utcnow()
    with session.db.write() as conn:
        require_token(session, conn, uuid)
        repo.update_token(conn, session.workspace_uuid, uuid, {"deleted_at": now, "updated_at": now})
    return {"uuid": uuid, "removed": True}
