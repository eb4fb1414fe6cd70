"""AI agents, their releases, chats and messages, always scoped to the caller's workspace."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from lading.store.repositories._scoped import Scoped, page
from lading.store.schema import ai_agents, ai_chats, ai_messages, ai_releases

# --- agents -----------------------------------------------------------------------------------------


_agents = Scoped(ai_agents, soft_deleted=True)
insert_agent, update_agent = _agents.insert, _agents.update


def get_agent(conn: Connection, ws: str, uuid: str, *, include_deleted: bool = False) -> Any | None:
    return _agents.first(conn, ws, include_deleted=include_deleted, uuid=uuid)


def lock_agent(conn: Connection, ws: str, uuid: str) -> Any | None:
    """A live agent, row-locked until the transaction ends (PostgreSQL; SQLite writers are serialised):
    release edits and deploys of one agent run one at a time."""
    return conn.execute(_agents.rows(ws, uuid=uuid).with_for_update()).first()


def list_agents(conn: Connection, ws: str, *, folder_uuid: str | None, limit: int | None,
                offset: int) -> Sequence[Any]:
    query = _agents.narrowed(_agents.rows(ws), folder_uuid=folder_uuid)
    return page(conn, query.order_by(*_agents.newest_first()), limit, offset)


# --- releases ---------------------------------------------------------------------------------------


_releases = Scoped(ai_releases)
insert_release, get_release, update_release = _releases.insert, _releases.get, _releases.update


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


def _with_statuses(query: Any, statuses: Sequence[str] | None) -> Any:
    return query.where(ai_releases.c.status.in_(list(statuses))) if statuses else query


def list_releases(conn: Connection, ws: str, *, agent_uuid: str | None, limit: int | None,
                  offset: int, user_uuid: str | None = None, statuses: Sequence[str] | None = None) -> Sequence[Any]:
    query = _releases.narrowed(_releases.rows(ws), agent_uuid=agent_uuid, user_uuid=user_uuid)
    return page(conn, _with_statuses(query, statuses).order_by(*_releases.newest_first()), limit, offset)


def list_live_agent_releases(conn: Connection, ws: str, *, limit: int | None, offset: int,
                             user_uuid: str | None = None, statuses: Sequence[str] | None = None) -> Sequence[Any]:
    """Every release of the workspace's agents that are not removed, newest first (optionally only
    those `user_uuid` opened, in `statuses`)."""
    live = select(ai_agents.c.uuid).where(ai_agents.c.workspace_uuid == ws, ai_agents.c.deleted_at.is_(None))
    query = _releases.narrowed(_releases.rows(ws).where(ai_releases.c.agent_uuid.in_(live)), user_uuid=user_uuid)
    return page(conn, _with_statuses(query, statuses).order_by(*_releases.newest_first()), limit, offset)


def search_agents(conn: Connection, ws: str) -> Sequence[Any]:
    """Name and description of every live agent (the action search scores them in Python)."""
    return conn.execute(select(ai_agents.c.uuid, ai_agents.c.name, ai_agents.c.description).where(
        ai_agents.c.workspace_uuid == ws, ai_agents.c.deleted_at.is_(None))
        .order_by(*_agents.newest_first())).all()


# --- chats ------------------------------------------------------------------------------------------

_chats = Scoped(ai_chats)
insert_chat, get_chat = _chats.insert, _chats.get


def list_chats(conn: Connection, ws: str, *, agent_uuid: str | None, limit: int | None,
               offset: int) -> Sequence[Any]:
    query = _chats.narrowed(_chats.rows(ws), agent_uuid=agent_uuid)
    return page(conn, query.order_by(*_chats.newest_first()), limit, offset)


def touch_chat(conn: Connection, ws: str, uuid: str, when: Any) -> None:
    _chats.update(conn, ws, uuid, {"updated_at": when})


# --- messages ---------------------------------------------------------------------------------------


def next_message_seq(conn: Connection, ws: str, chat_uuid: str) -> int:
    last = conn.execute(select(func.max(ai_messages.c.seq)).where(
        ai_messages.c.workspace_uuid == ws, ai_messages.c.chat_uuid == chat_uuid)).scalar()
    return int(last or 0) + 1


_messages = Scoped(ai_messages)
insert_message, get_message, update_message = _messages.insert, _messages.get, _messages.update


def list_messages(conn: Connection, ws: str, chat_uuid: str, *, limit: int | None = None, offset: int = 0,
                  before_seq: int | None = None) -> Sequence[Any]:
    """A chat's messages, oldest first (`before_seq`: only those older than that message)."""
    query = _messages.rows(ws, chat_uuid=chat_uuid)
    if before_seq is not None:
        query = query.where(ai_messages.c.seq < before_seq)
    return page(conn, query.order_by(ai_messages.c.seq), limit, offset)
