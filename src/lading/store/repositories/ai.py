"""AI agents, their releases, chats and messages, always scoped to the caller's workspace."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from lading.store.schema import ai_agents, ai_chats, ai_messages, ai_releases

# --- agents -----------------------------------------------------------------------------------------


def insert_agent(conn: Connection, ws: str, values: dict[str, Any]) -> None:
    conn.execute(insert(ai_agents).values(workspace_uuid=ws, **values))


def get_agent(conn: Connection, ws: str, uuid: str, *, include_deleted: bool = False) -> Any | None:
    query = select(ai_agents).where(ai_agents.c.workspace_uuid == ws, ai_agents.c.uuid == uuid)
    if not include_deleted:
        query = query.where(ai_agents.c.deleted_at.is_(None))
    return conn.execute(query).first()


def lock_agent(conn: Connection, ws: str, uuid: str) -> Any | None:
    """A live agent, row-locked until the transaction ends (PostgreSQL; SQLite writers are serialised):
    release edits and deploys of one agent run one at a time."""
    return conn.execute(select(ai_agents).where(ai_agents.c.workspace_uuid == ws, ai_agents.c.uuid == uuid,
                                                ai_agents.c.deleted_at.is_(None)).with_for_update()).first()


def list_agents(conn: Connection, ws: str, *, folder_uuid: str | None, limit: int | None,
                offset: int) -> Sequence[Any]:
    query = select(ai_agents).where(ai_agents.c.workspace_uuid == ws, ai_agents.c.deleted_at.is_(None))
    if folder_uuid:
        query = query.where(ai_agents.c.folder_uuid == folder_uuid)
    query = query.order_by(ai_agents.c.created_at.desc(), ai_agents.c.uuid).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return conn.execute(query).all()


def update_agent(conn: Connection, ws: str, uuid: str, values: dict[str, Any]) -> None:
    conn.execute(update(ai_agents).where(ai_agents.c.workspace_uuid == ws, ai_agents.c.uuid == uuid)
                 .values(**values))


# --- releases ---------------------------------------------------------------------------------------


def insert_release(conn: Connection, ws: str, values: dict[str, Any]) -> None:
    conn.execute(insert(ai_releases).values(workspace_uuid=ws, **values))


def get_release(conn: Connection, ws: str, uuid: str) -> Any | None:
    return conn.execute(select(ai_releases).where(ai_releases.c.workspace_uuid == ws,
                                                  ai_releases.c.uuid == uuid)).first()


def release_with_status(conn: Connection, ws: str, agent_uuid: str, status: str) -> Any | None:
    """The agent's draft or deployed release (there is at most one of each)."""
    return conn.execute(select(ai_releases).where(
        ai_releases.c.workspace_uuid == ws, ai_releases.c.agent_uuid == agent_uuid,
        ai_releases.c.status == status).order_by(ai_releases.c.created_at.desc()).limit(1)).first()


def releases_by_agent(conn: Connection, ws: str, agent_uuids: Sequence[str], status: str) -> dict[str, Any]:
    """One query for many agents (agent list shows each agent's deployed release)."""
    if not agent_uuids:
        return {}
    rows = conn.execute(select(ai_releases).where(
        ai_releases.c.workspace_uuid == ws, ai_releases.c.agent_uuid.in_(list(agent_uuids)),
        ai_releases.c.status == status)).all()
    return {row.agent_uuid: row for row in rows}


def list_releases(conn: Connection, ws: str, *, agent_uuid: str | None, limit: int | None,
                  offset: int) -> Sequence[Any]:
    query = select(ai_releases).where(ai_releases.c.workspace_uuid == ws)
    if agent_uuid:
        query = query.where(ai_releases.c.agent_uuid == agent_uuid)
    query = query.order_by(ai_releases.c.created_at.desc(), ai_releases.c.uuid).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return conn.execute(query).all()


def list_live_agent_releases(conn: Connection, ws: str, *, limit: int | None, offset: int) -> Sequence[Any]:
    """Every release of the workspace's agents that are not removed, newest first."""
    live = select(ai_agents.c.uuid).where(ai_agents.c.workspace_uuid == ws, ai_agents.c.deleted_at.is_(None))
    query = (select(ai_releases).where(ai_releases.c.workspace_uuid == ws, ai_releases.c.agent_uuid.in_(live))
             .order_by(ai_releases.c.created_at.desc(), ai_releases.c.uuid).offset(offset))
    if limit is not None:
        query = query.limit(limit)
    return conn.execute(query).all()


def search_agents(conn: Connection, ws: str) -> Sequence[Any]:
    """Name and description of every live agent (the action search scores them in Python)."""
    return conn.execute(select(ai_agents.c.uuid, ai_agents.c.name, ai_agents.c.description).where(
        ai_agents.c.workspace_uuid == ws, ai_agents.c.deleted_at.is_(None))
        .order_by(ai_agents.c.created_at.desc(), ai_agents.c.uuid)).all()


def release_versions(conn: Connection, ws: str, agent_uuid: str) -> list[str]:
    return [str(v) for v in conn.execute(select(ai_releases.c.version).where(
        ai_releases.c.workspace_uuid == ws, ai_releases.c.agent_uuid == agent_uuid)).scalars()]


def update_release(conn: Connection, ws: str, uuid: str, values: dict[str, Any]) -> None:
    conn.execute(update(ai_releases).where(ai_releases.c.workspace_uuid == ws, ai_releases.c.uuid == uuid)
                 .values(**values))


# --- chats ------------------------------------------------------------------------------------------


def insert_chat(conn: Connection, ws: str, values: dict[str, Any]) -> None:
    conn.execute(insert(ai_chats).values(workspace_uuid=ws, **values))


def get_chat(conn: Connection, ws: str, uuid: str) -> Any | None:
    return conn.execute(select(ai_chats).where(ai_chats.c.workspace_uuid == ws, ai_chats.c.uuid == uuid)).first()


def list_chats(conn: Connection, ws: str, *, agent_uuid: str | None, limit: int | None,
               offset: int) -> Sequence[Any]:
    query = select(ai_chats).where(ai_chats.c.workspace_uuid == ws)
    if agent_uuid:
        query = query.where(ai_chats.c.agent_uuid == agent_uuid)
    query = query.order_by(ai_chats.c.created_at.desc(), ai_chats.c.uuid).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return conn.execute(query).all()


def touch_chat(conn: Connection, ws: str, uuid: str, when: Any) -> None:
    conn.execute(update(ai_chats).where(ai_chats.c.workspace_uuid == ws, ai_chats.c.uuid == uuid)
                 .values(updated_at=when))


# --- messages ---------------------------------------------------------------------------------------


def next_message_seq(conn: Connection, ws: str, chat_uuid: str) -> int:
    last = conn.execute(select(func.max(ai_messages.c.seq)).where(
        ai_messages.c.workspace_uuid == ws, ai_messages.c.chat_uuid == chat_uuid)).scalar()
    return int(last or 0) + 1


def insert_message(conn: Connection, ws: str, values: dict[str, Any]) -> None:
    conn.execute(insert(ai_messages).values(workspace_uuid=ws, **values))


def get_message(conn: Connection, ws: str, uuid: str) -> Any | None:
    return conn.execute(select(ai_messages).where(ai_messages.c.workspace_uuid == ws,
                                                  ai_messages.c.uuid == uuid)).first()


def list_messages(conn: Connection, ws: str, chat_uuid: str, *, limit: int | None = None, offset: int = 0,
                  before_seq: int | None = None) -> Sequence[Any]:
    """A chat's messages, oldest first (`before_seq`: only those older than that message)."""
    query = select(ai_messages).where(ai_messages.c.workspace_uuid == ws, ai_messages.c.chat_uuid == chat_uuid)
    if before_seq is not None:
        query = query.where(ai_messages.c.seq < before_seq)
    query = query.order_by(ai_messages.c.seq).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return conn.execute(query).all()


def update_message(conn: Connection, ws: str, uuid: str, values: dict[str, Any]) -> None:
    conn.execute(update(ai_messages).where(ai_messages.c.workspace_uuid == ws, ai_messages.c.uuid == uuid)
                 .values(**values))
