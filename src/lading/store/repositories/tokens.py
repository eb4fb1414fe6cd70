"""API tokens: stored by SHA-256 hash only; the value itself never reaches the store."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from lading.store.repositories._scoped import Scoped
from lading.store.schema import api_tokens, users, workspaces

_tokens = Scoped(api_tokens)
insert_token = _tokens.insert
update_token = _tokens.update

# `lastUsedAt` is written at most once per this interval per token, so a busy token does not turn
# every read request into a write (the SQLite store has one writer at a time).
LAST_USED_PRECISION = timedelta(seconds=60)


def hash_token(value: str) -> str:
    """What the store keeps of a token value, and looks it up by: its SHA-256, in hex."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def get_token(conn: Connection, ws: str, uuid: str) -> Any | None:
    return conn.execute(_tokens.rows(ws, uuid=uuid).where(api_tokens.c.deleted_at.is_(None))).first()


def list_tokens(conn: Connection, ws: str) -> list[Any]:
    query = _tokens.rows(ws).where(api_tokens.c.deleted_at.is_(None)).order_by(*_tokens.newest_first())
    return list(conn.execute(query).all())


# Built once: every authenticated request reads it, and a prebuilt statement skips SQLAlchemy's
# per-call construction and cache-key walk (about a third of the read's cost).
_BY_HASH = (select(api_tokens.c.uuid, api_tokens.c.workspace_uuid, api_tokens.c.user_uuid,
                   api_tokens.c.permissions, api_tokens.c.last_used_at,
                   workspaces.c.name.label("workspace_name"), users.c.email.label("user_email"),
                   users.c.role.label("user_role"), users.c.permissions.label("user_permissions"))
            .join(workspaces, workspaces.c.uuid == api_tokens.c.workspace_uuid)
            .join(users, (users.c.uuid == api_tokens.c.user_uuid)
                  & (users.c.workspace_uuid == api_tokens.c.workspace_uuid))
            .where(api_tokens.c.token_hash == bindparam("token_hash"), api_tokens.c.deleted_at.is_(None),
                   users.c.deleted_at.is_(None)))


def find_by_hash(conn: Connection, token_hash: str) -> Any | None:
    """The live token with this hash, with its workspace and owner (None when unknown, removed, or
    its owner was removed)."""
    return conn.execute(_BY_HASH, {"token_hash": token_hash}).first()


def touch(conn: Connection, uuid: str, now: datetime) -> None:
    conn.execute(update(api_tokens).where(api_tokens.c.uuid == uuid).values(last_used_at=now))
