"""AI memories, always scoped to the caller's workspace and to one memory scope.

A memory belongs to exactly one place: the workspace (`scope` workspace), one user (`user_uuid`) or one
agent (`agent_uuid`). Every lookup names that place, so a memory of another scope, user or agent is
simply not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from lading.store.schema import ai_agents, ai_memories, users


def _in_scope(ws: str, scope: str, agent_uuid: str | None, user_uuid: str | None) -> Any:
    """The rows of one scope: the workspace's own, one agent's or one user's."""
    table = ai_memories.c
    return and_(table.workspace_uuid == ws, table.scope == scope,
                table.agent_uuid == agent_uuid if agent_uuid is not None else table.agent_uuid.is_(None),
                table.user_uuid == user_uuid if user_uuid is not None else table.user_uuid.is_(None))


def insert_memory(conn: Connection, ws: str, values: dict[str, Any]) -> None:
    conn.execute(insert(ai_memories).values(workspace_uuid=ws, **values))


def get_memory(conn: Connection, ws: str, mem0_id: str, *, scope: str, agent_uuid: str | None,
               user_uuid: str | None) -> Any | None:
    return conn.execute(select(ai_memories).where(ai_memories.c.mem0_id == mem0_id,
                                                  _in_scope(ws, scope, agent_uuid, user_uuid))).first()


def find_same_content(conn: Connection, ws: str, content: str, *, scope: str, agent_uuid: str | None,
                      user_uuid: str | None) -> Any | None:
    """A memory of the scope holding exactly this text (an agent remembering a fact twice)."""
    return conn.execute(select(ai_memories).where(ai_memories.c.content == content,
                                                  _in_scope(ws, scope, agent_uuid, user_uuid)).limit(1)).first()


def list_memories(conn: Connection, ws: str, *, scope: str, agent_uuid: str | None, user_uuid: str | None,
                  limit: int | None = None) -> Sequence[Any]:
    """One scope's memories, most recently written first."""
    query = (select(ai_memories).where(_in_scope(ws, scope, agent_uuid, user_uuid))
             .order_by(ai_memories.c.updated_at.desc(), ai_memories.c.mem0_id))
    if limit is not None:
        query = query.limit(limit)
    return conn.execute(query).all()


def relevant_memories(conn: Connection, ws: str, *, agent_uuid: str | None, user_uuid: str | None,
                      limit: int | None) -> Sequence[Any]:
    """What one agent turn may know: the workspace's memories, the agent's and the user's, most recently
    written first, at most `limit` rows (None: all of them)."""
    table = ai_memories.c
    scopes = [table.scope == "workspace"]
    if agent_uuid:
        scopes.append(and_(table.scope == "agent", table.agent_uuid == agent_uuid))
    if user_uuid:
        scopes.append(and_(table.scope == "user", table.user_uuid == user_uuid))
    return conn.execute(select(ai_memories).where(table.workspace_uuid == ws, or_(*scopes))
                        .order_by(table.updated_at.desc(), table.mem0_id).limit(limit)).all()


def visible_memories(conn: Connection, ws: str, *, user_uuid: str | None) -> Sequence[Any]:
    """Every memory one user may see, most recently written first: the workspace's, the user's own and
    those of every live agent of the workspace (another user's memories are never among them)."""
    table = ai_memories.c
    live_agents = select(ai_agents.c.uuid).where(ai_agents.c.workspace_uuid == ws, ai_agents.c.deleted_at.is_(None))
    scopes = [table.scope == "workspace", and_(table.scope == "agent", table.agent_uuid.in_(live_agents))]
    if user_uuid:
        scopes.append(and_(table.scope == "user", table.user_uuid == user_uuid))
    return conn.execute(select(ai_memories).where(table.workspace_uuid == ws, or_(*scopes))
                        .order_by(table.updated_at.desc(), table.mem0_id)).all()


def update_memory(conn: Connection, ws: str, mem0_id: str, values: dict[str, Any]) -> None:
    conn.execute(update(ai_memories).where(ai_memories.c.workspace_uuid == ws, ai_memories.c.mem0_id == mem0_id)
                 .values(**values))


def delete_memory(conn: Connection, ws: str, mem0_id: str) -> None:
    conn.execute(delete(ai_memories).where(ai_memories.c.workspace_uuid == ws, ai_memories.c.mem0_id == mem0_id))


def sole_user_uuid(conn: Connection, ws: str) -> str | None:
    """The workspace's only user, if it has exactly one (an embedded workspace): the person a background
    agent turn is talking to when the run itself does not say."""
    count, first = conn.execute(select(func.count(), func.min(users.c.uuid))
                                .where(users.c.workspace_uuid == ws)).one()
    return str(first) if count == 1 else None
