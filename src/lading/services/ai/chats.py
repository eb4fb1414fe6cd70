"""`ai chat …`: conversations with an agent (verbs: create, get, list_chats).

A chat names its agent and its trigger: `{"type":"draft"}` runs its messages on the agent's draft,
`{"type":"deployed"}` on the deployed release. Its messages are `ai message …` (`messages.py`).
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from lading.domain.errors import NotFoundError, ValidationError
from lading.services.ai._lookup import chat_page, require_chat, require_chat_agent
from lading.services.ai.shapes import Chat
from lading.services.session import Session
from lading.store.clock import utcnow
from lading.store.repositories import ai as repo

TRIGGER_TYPES = ("draft", "deployed", "workflow")


def _trigger(session: Session, conn: Any, agent_uuid: str, trigger: Any) -> dict[str, Any]:
    """Omitted → `deployed` when the agent has a deployed release, else `draft`."""
    ws = session.workspace_uuid
    if trigger is None:
        deployed = repo.release_with_status(conn, ws, agent_uuid, "deployed")
        return {"type": "deployed" if deployed is not None else "draft"}
    if not isinstance(trigger, dict) or trigger.get("type") not in TRIGGER_TYPES:
        raise ValidationError('--trigger must be {"type":"draft"}, {"type":"deployed"} or {"type":"workflow"}',
                              reason="invalidData")
    if trigger["type"] == "deployed" and repo.release_with_status(conn, ws, agent_uuid, "deployed") is None:
        raise NotFoundError("the agent has no deployed release; deploy its draft or use {\"type\":\"draft\"}",
                            reason="deployedReleaseNotFound")
    return dict(trigger)


def create(session: Session, *, agent_uuid: str, trigger: Any = None, name: str | None = None) -> dict[str, Any]:
    now = utcnow()
    chat_uuid = str(uuidlib.uuid4())
    with session.db.write() as conn:
        require_chat_agent(session, conn, agent_uuid)
        values = {"uuid": chat_uuid, "agent_uuid": agent_uuid, "name": name,
                  "trigger": _trigger(session, conn, agent_uuid, trigger), "created_at": now, "updated_at": now}
        repo.insert_chat(conn, session.workspace_uuid, values)
        row = repo.get_chat(conn, session.workspace_uuid, chat_uuid)
    return {"chat": Chat.of(row).dump()}


def get(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"chat": Chat.of(require_chat(session, conn, uuid)).dump()}


def list_chats(session: Session, *, agent_uuid: str | None = None, limit: int | None = None,
               offset: int | None = None) -> dict[str, Any]:
    size, start = chat_page(limit, offset)
    with session.db.read() as conn:
        rows = repo.list_chats(conn, session.workspace_uuid, agent_uuid=agent_uuid, limit=size, offset=start)
    return {"chats": [Chat.of(r).dump() for r in rows]}
