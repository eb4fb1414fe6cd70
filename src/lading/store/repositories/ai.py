"""AI agents, their releases, chats and messages, always scoped to the caller's workspace."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from lading.store.repositories._scoped import Scoped, page
from lading.store.schema import ai_agents, ai_chats, ai_messages, ai_releases, ai_votes

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

_chats = Scoped(ai_chats, soft_deleted=True)
insert_chat, get_chat, update_chat = _chats.insert, _chats.get, _chats.update


def list_chats(conn: Connection, ws: str, *, agent_uuid: str | None, limit: int | None, offset: int,
               release_uuid: str | None = None, user_uuid: str | None = None, trigger_type: str | None = None,
               message_statuses: Sequence[str] | None = None, name: str | None = None,
               created_after: Any = None, created_before: Any = None) -> Sequence[Any]:
    """Live chats, newest first. `message_statuses`: chats whose latest message has one of them;
    `name`: the name contains it (any case)."""
    c = ai_chats.c
    query = _chats.narrowed(_chats.rows(ws), agent_uuid=agent_uuid, release_uuid=release_uuid, user_uuid=user_uuid)
    if trigger_type:
        query = query.where(c.trigger["type"].as_string() == trigger_type)
    if name:
        query = query.where(func.lower(c.name).contains(name.lower(), autoescape=True))
    if created_after is not None:
        query = query.where(c.created_at >= created_after)
    if created_before is not None:
        query = query.where(c.created_at < created_before)
    if message_statuses:
        later = ai_messages.alias("later")
        latest = (select(func.max(later.c.seq)).where(later.c.chat_uuid == c.uuid, later.c.deleted_at.is_(None))
                  .correlate(ai_chats).scalar_subquery())
        query = query.where(select(ai_messages.c.uuid).where(
            ai_messages.c.workspace_uuid == ws, ai_messages.c.chat_uuid == c.uuid, ai_messages.c.seq == latest,
            ai_messages.c.status.in_(list(message_statuses))).exists())
    return page(conn, query.order_by(*_chats.newest_first()), limit, offset)


def touch_chat(conn: Connection, ws: str, uuid: str, when: Any) -> None:
    _chats.update(conn, ws, uuid, {"updated_at": when})


def add_chat_credits(conn: Connection, ws: str, uuid: str, credits: float) -> None:
    """Add one answer's credits to its chat's running total (one statement: concurrent answers add up)."""
    total = func.coalesce(ai_chats.c.credits_used_count, 0.0) + credits
    conn.execute(ai_chats.update().where(ai_chats.c.workspace_uuid == ws, ai_chats.c.uuid == uuid)
                 .values(credits_used_count=total))


# --- messages ---------------------------------------------------------------------------------------


def next_message_seq(conn: Connection, ws: str, chat_uuid: str) -> int:
    """Removed messages count too: a seq is never reused."""
    last = conn.execute(select(func.max(ai_messages.c.seq)).where(
        ai_messages.c.workspace_uuid == ws, ai_messages.c.chat_uuid == chat_uuid)).scalar()
    return int(last or 0) + 1


_messages = Scoped(ai_messages, soft_deleted=True)
insert_message, get_message, update_message = _messages.insert, _messages.get, _messages.update


def list_messages(conn: Connection, ws: str, chat_uuid: str, *, limit: int | None = None, offset: int = 0,
                  before_seq: int | None = None, after_seq: int | None = None) -> Sequence[Any]:
    """A chat's live messages, oldest first (`before_seq`/`after_seq`: only those older/newer than
    that message)."""
    query = _messages.rows(ws, chat_uuid=chat_uuid)
    if before_seq is not None:
        query = query.where(ai_messages.c.seq < before_seq)
    if after_seq is not None:
        query = query.where(ai_messages.c.seq > after_seq)
    return page(conn, query.order_by(ai_messages.c.seq), limit, offset)


def latest_messages(conn: Connection, ws: str, chat_uuids: Sequence[str]) -> dict[str, Any]:
    """Each chat's latest live message, in one query (chat lists show it)."""
    if not chat_uuids:
        return {}
    m = ai_messages.c
    latest = (select(m.chat_uuid, func.max(m.seq).label("seq"))
              .where(m.workspace_uuid == ws, m.chat_uuid.in_(list(chat_uuids)), m.deleted_at.is_(None))
              .group_by(m.chat_uuid).subquery())
    rows = conn.execute(select(ai_messages).join(latest, (m.chat_uuid == latest.c.chat_uuid) & (m.seq == latest.c.seq))
                        .where(m.workspace_uuid == ws)).all()
    return {row.chat_uuid: row for row in rows}


def messages_by_uuid(conn: Connection, ws: str, uuids: Sequence[str]) -> list[Any]:
    """The live messages among `uuids` (unknown and other workspaces' ones left out)."""
    if not uuids:
        return []
    return list(conn.execute(_messages.rows(ws).where(ai_messages.c.uuid.in_(list(uuids)))
                             .order_by(ai_messages.c.seq)).all())


# --- votes ------------------------------------------------------------------------------------------

_votes = Scoped(ai_votes)
insert_vote, update_vote, get_vote = _votes.insert, _votes.update, _votes.get


def find_vote(conn: Connection, ws: str, message_uuid: str, user_uuid: str) -> Any | None:
    return _votes.first(conn, ws, message_uuid=message_uuid, user_uuid=user_uuid)


def list_votes(conn: Connection, ws: str, chat_uuid: str) -> Sequence[Any]:
    """A chat's votes on its live messages, newest first."""
    live = select(ai_messages.c.uuid).where(ai_messages.c.workspace_uuid == ws, ai_messages.c.chat_uuid == chat_uuid,
                                            ai_messages.c.deleted_at.is_(None))
    query = _votes.rows(ws, chat_uuid=chat_uuid).where(ai_votes.c.message_uuid.in_(live))
    return conn.execute(query.order_by(*_votes.newest_first())).all()
