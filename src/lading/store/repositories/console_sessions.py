"""Web console sign-ins: stored by the SHA-256 of the cookie value only (like API tokens). Each is tied
either to the API token it was opened with (removing the token ends the session) or, signed in with a
password, to its user (removing the user or changing their password ends it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, update

from lading.store.schema import api_tokens, console_sessions, users, workspaces

# Built once: every console page reads it. A token session takes its owner from the live token; a user
# session takes its user directly and has no token rules (`permissions` NULL: exactly the user's role).
_BY_HASH = (select(console_sessions.c.uuid.label("session_uuid"), console_sessions.c.expires_at,
                   api_tokens.c.uuid, console_sessions.c.workspace_uuid, users.c.uuid.label("user_uuid"),
                   api_tokens.c.permissions, workspaces.c.name.label("workspace_name"),
                   users.c.email.label("user_email"), users.c.role.label("user_role"),
                   users.c.permissions.label("user_permissions"))
            .select_from(console_sessions)
            .outerjoin(api_tokens, and_(api_tokens.c.uuid == console_sessions.c.token_uuid,
                                        api_tokens.c.workspace_uuid == console_sessions.c.workspace_uuid,
                                        api_tokens.c.deleted_at.is_(None)))
            .join(workspaces, workspaces.c.uuid == console_sessions.c.workspace_uuid)
            .join(users, and_(users.c.uuid == func.coalesce(api_tokens.c.user_uuid, console_sessions.c.user_uuid),
                              users.c.workspace_uuid == console_sessions.c.workspace_uuid))
            .where(console_sessions.c.session_hash == bindparam("session_hash"), users.c.deleted_at.is_(None),
                   or_(api_tokens.c.uuid.is_not(None),
                       and_(console_sessions.c.token_uuid.is_(None), console_sessions.c.user_uuid.is_not(None)))))

# Users who may sign in with this email (any workspace, or the named one): only those with a password.
_CANDIDATES = (select(users.c.uuid, users.c.workspace_uuid, users.c.password_hash, workspaces.c.name)
               .join(workspaces, workspaces.c.uuid == users.c.workspace_uuid)
               .where(func.lower(users.c.email) == bindparam("email"), users.c.deleted_at.is_(None),
                      users.c.password_hash.is_not(None)))


def insert_session(conn: Connection, *, uuid: str, workspace_uuid: str, session_hash: str, now: datetime,
                   expires_at: datetime, token_uuid: str | None = None, user_uuid: str | None = None) -> None:
    """A session bound to exactly one of a token or a user."""
    assert (token_uuid is None) != (user_uuid is None)
    conn.execute(insert(console_sessions).values(uuid=uuid, workspace_uuid=workspace_uuid, token_uuid=token_uuid,
                                                 user_uuid=user_uuid, session_hash=session_hash, created_at=now,
                                                 updated_at=now, expires_at=expires_at))


def find_by_hash(conn: Connection, session_hash: str) -> Any | None:
    """The session with this hash, with its workspace, user and rules (None when unknown, or its token
    or user was removed); the caller checks `expires_at`. `uuid` is the token's (None for a user session)."""
    return conn.execute(_BY_HASH, {"session_hash": session_hash}).first()


def password_candidates(conn: Connection, email: str, workspace_name: str | None) -> list[Any]:
    """The live users with this email and a password, in the named workspace when one is given."""
    query = _CANDIDATES
    if workspace_name:
        query = query.where(func.lower(workspaces.c.name) == workspace_name.strip().lower())
    return list(conn.execute(query.limit(2), {"email": email.strip().lower()}).all())


def touch_user_sign_in(conn: Connection, ws: str, user_uuid: str, now: datetime) -> None:
    conn.execute(update(users).where(users.c.workspace_uuid == ws, users.c.uuid == user_uuid)
                 .values(last_sign_in_at=now))


def delete_user_sessions(conn: Connection, ws: str, user_uuid: str) -> None:
    """End every password session of a user (their password changed)."""
    conn.execute(delete(console_sessions).where(console_sessions.c.workspace_uuid == ws,
                                                console_sessions.c.user_uuid == user_uuid))


def delete_session(conn: Connection, session_hash: str) -> None:
    conn.execute(delete(console_sessions).where(console_sessions.c.session_hash == session_hash))


def delete_expired(conn: Connection, now: datetime) -> None:
    conn.execute(delete(console_sessions).where(console_sessions.c.expires_at <= now))
