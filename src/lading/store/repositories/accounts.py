"""Accounts of a workspace: users, roles, folders, reports and work sessions (migration 0014).

Users and folders are soft-deleted (`deleted_at`): a removed user's tokens stop working at once
(`tokens.find_by_hash` skips removed users), and a removed folder's uuid stays unknown to the checks
resources make. Roles are per workspace and made on first use (`ensure_roles`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from lading.store.database import upsert_insert
from lading.store.repositories._scoped import Scoped
from lading.store.schema import (
    ai_agents,
    api_tokens,
    content_files,
    content_libraries,
    folders,
    plays,
    reports,
    roles,
    tools,
    users,
    work_sessions,
    workspaces,
)

_users = Scoped(users, soft_deleted=True)
_roles = Scoped(roles)
_folders = Scoped(folders, soft_deleted=True)
_reports = Scoped(reports)
_sessions = Scoped(work_sessions)

insert_user = _users.insert
update_user = _users.update
get_user = _users.get
insert_folder = _folders.insert
update_folder = _folders.update
get_folder = _folders.get
insert_report = _reports.insert
get_report = _reports.get


# --- workspaces ------------------------------------------------------------------------------------

def get_workspace(conn: Connection, ws: str) -> Any | None:
    return conn.execute(select(workspaces).where(workspaces.c.uuid == ws)).first()


def update_workspace(conn: Connection, ws: str, values: dict[str, Any]) -> None:
    conn.execute(update(workspaces).where(workspaces.c.uuid == ws).values(**values))


def workspace_name_taken(conn: Connection, ws: str, name: str) -> bool:
    """Is `name` another workspace's (workspace names are unique on an installation)?"""
    return conn.execute(select(workspaces.c.uuid).where(workspaces.c.name == name, workspaces.c.uuid != ws)
                        ).first() is not None


# --- users -----------------------------------------------------------------------------------------

def list_users(conn: Connection, ws: str) -> list[Any]:
    """The workspace's live users, oldest first (the first is the workspace's founding admin)."""
    return list(conn.execute(_users.rows(ws).order_by(users.c.created_at, users.c.uuid)).all())


def find_user_by_email(conn: Connection, ws: str, email: str) -> Any | None:
    return conn.execute(_users.rows(ws).where(func.lower(users.c.email) == email.lower())).first()


def lock_admins(conn: Connection, ws: str) -> list[str]:
    """The uuids of the workspace's live admins, locked on PostgreSQL so two demotions cannot both
    see another admin left (SQLite writes are serialised already)."""
    query = select(users.c.uuid).where(users.c.workspace_uuid == ws, users.c.role == "admin",
                                       users.c.deleted_at.is_(None))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return [row.uuid for row in conn.execute(query).all()]


# --- roles -----------------------------------------------------------------------------------------

def list_roles(conn: Connection, ws: str) -> list[Any]:
    return list(conn.execute(_roles.rows(ws).order_by(roles.c.created_at, roles.c.slug)).all())


def ensure_roles(conn: Connection, ws: str, wanted: Iterable[tuple[str, str, Any]], now: datetime) -> None:
    """Insert each `(uuid, slug, permissions)` role the workspace lacks; a concurrent writer that made
    it first wins (its row is kept)."""
    upsert = upsert_insert(conn)
    for uuid, slug, permissions in wanted:
        conn.execute(upsert(roles).values(uuid=uuid, workspace_uuid=ws, slug=slug, permissions=permissions,
                                          created_at=now).on_conflict_do_nothing())


# --- folders ---------------------------------------------------------------------------------------

def list_folders(conn: Connection, ws: str, kind: str | None = None) -> list[Any]:
    query = _folders.narrowed(_folders.rows(ws), kind=kind).order_by(*_folders.newest_first())
    return list(conn.execute(query).all())


def folder_named(conn: Connection, ws: str, *, name: str, kind: str, parent_uuid: str | None,
                 other_than: str | None = None) -> Any | None:
    """A live folder with this name, kind and parent (the `duplicateName` rule)."""
    query = _folders.rows(ws, name=name, kind=kind).where(
        folders.c.parent_uuid.is_(None) if parent_uuid is None else folders.c.parent_uuid == parent_uuid)
    if other_than is not None:
        query = query.where(folders.c.uuid != other_than)
    return conn.execute(query).first()


def folder_ancestors(conn: Connection, ws: str, uuid: str) -> list[str]:
    """The uuids from `uuid` up to the root (a guard stops a corrupt cycle)."""
    chain: list[str] = []
    current: str | None = uuid
    while current is not None and current not in chain and len(chain) < 1000:
        chain.append(current)
        row = conn.execute(select(folders.c.parent_uuid).where(folders.c.workspace_uuid == ws,
                                                              folders.c.uuid == current)).first()
        current = row.parent_uuid if row is not None else None
    return chain


# The tables whose rows sit in folders, with the column telling a live row (None: no soft delete).
_FOLDERED = ((tools, tools.c.deleted_at), (plays, plays.c.deleted_at), (ai_agents, ai_agents.c.deleted_at),
             (content_files, None), (content_libraries, None))


def folder_contents(conn: Connection, ws: str, uuid: str) -> int:
    """How many live subfolders and resources a folder holds (any kind: a resource put there before
    folders were checked counts too)."""
    total = conn.execute(select(func.count()).select_from(folders).where(
        folders.c.workspace_uuid == ws, folders.c.parent_uuid == uuid, folders.c.deleted_at.is_(None))).scalar_one()
    for table, deleted in _FOLDERED:
        query = select(func.count()).select_from(table).where(table.c.workspace_uuid == ws, table.c.folder_uuid == uuid)
        if deleted is not None:
            query = query.where(deleted.is_(None))
        total += conn.execute(query).scalar_one()
    return int(total)


# --- reports and work sessions ---------------------------------------------------------------------

def list_reports(conn: Connection, ws: str, limit: int, offset: int) -> list[Any]:
    query = _reports.rows(ws).order_by(*_reports.newest_first()).limit(limit).offset(offset)
    return list(conn.execute(query).all())


def get_work_session(conn: Connection, ws: str, session_id: str) -> Any | None:
    return _sessions.first(conn, ws, session_id=session_id)


def upsert_work_session(conn: Connection, ws: str, values: dict[str, Any]) -> None:
    """One row per (workspace, session id): a later call overwrites title, summary and finish time."""
    upsert = upsert_insert(conn)
    stmt = upsert(work_sessions).values(workspace_uuid=ws, **values)
    changed = {key: stmt.excluded[key] for key in ("user_uuid", "title", "summary", "finished_at", "updated_at")}
    conn.execute(stmt.on_conflict_do_update(index_elements=[work_sessions.c.workspace_uuid,
                                                            work_sessions.c.session_id], set_=changed))


def revoke_user_tokens(conn: Connection, ws: str, user_uuid: str, now: datetime) -> None:
    """Mark a removed user's tokens removed too (they already fail: their owner is gone)."""
    conn.execute(update(api_tokens).where(api_tokens.c.workspace_uuid == ws, api_tokens.c.user_uuid == user_uuid,
                                          api_tokens.c.deleted_at.is_(None)).values(deleted_at=now, updated_at=now))
