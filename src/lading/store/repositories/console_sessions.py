"""Web console sign-ins: stored by the SHA-256 of the cookie value only (like API tokens), each tied to
the API token it was opened with, so removing the token ends the session too."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select

from lading.store.schema import api_tokens, console_sessions, users, workspaces

# Built once: every console page reads it.
_BY_HASH = (select(console_sessions.c.uuid.label("session_uuid"), console_sessions.c.expires_at,
                   api_tokens.c.uuid, api_tokens.c.workspace_uuid, api_tokens.c.user_uuid,
                   api_tokens.c.permissions, workspaces.c.name.label("workspace_name"),
                   users.c.email.label("user_email"), users.c.role.label("user_role"),
                   users.c.permissions.label("user_permissions"))
            .join(api_tokens, (api_tokens.c.uuid == console_sessions.c.token_uuid)
                  & (api_tokens.c.workspace_uuid == console_sessions.c.workspace_uuid))
            .join(workspaces, workspaces.c.uuid == api_tokens.c.workspace_uuid)
            .join(users, (users.c.uuid == api_tokens.c.user_uuid)
                  & (users.c.workspace_uuid == api_tokens.c.workspace_uuid))
            .where(console_sessions.c.session_hash == bindparam("session_hash"),
                   api_tokens.c.deleted_at.is_(None), users.c.deleted_at.is_(None)))


def insert_session(conn: Connection, *, uuid: str, workspace_uuid: str, token_uuid: str, session_hash: str,
                   now: datetime, expires_at: datetime) -> None:
    conn.execute(insert(console_sessions).values(uuid=uuid, workspace_uuid=workspace_uuid, token_uuid=token_uuid,
                                                 session_hash=session_hash, created_at=now, updated_at=now,
                                                 expires_at=expires_at))


def find_by_hash(conn: Connection, session_hash: str) -> Any | None:
    """The session with this hash, with its token's workspace, owner and rules (None when unknown, or its
    token or owner was removed); the caller checks `expires_at`."""
    return conn.execute(_BY_HASH, {"session_hash": session_hash}).first()


def delete_session(conn: Connection, session_hash: str) -> None:
    conn.execute(delete(console_sessions).where(console_sessions.c.session_hash == session_hash))


def delete_expired(conn: Connection, now: datetime) -> None:
    conn.execute(delete(console_sessions).where(console_sessions.c.expires_at <= now))
