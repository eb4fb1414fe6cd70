"""`ai chat …`: conversations with an agent (verbs: create, get, list_chats; `update` and `remove` are the
HTTP face's rename and soft delete, api.md §6).

A chat names its agent and its trigger: `{"type":"draft"}` runs its messages on the agent's draft,
`{"type":"deployed"}` on the deployed release; the Cargo client's other trigger types (`chat`, `app`,
`connector`, …) are kept as sent and run on the deployed release too (api.md §6). A chat opened with a
`releaseUuid` is pinned to that release of its agent. Its messages are `ai message …` (`messages.py`).
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from lading.domain.errors import NotFoundError, ValidationError, shown
from lading.services.ai._lookup import chat_page, present, require_chat, require_chat_agent
from lading.services.ai.shapes import Chat, Removed
from lading.services.session import Session
from lading.store.clock import utcnow
from lading.store.repositories import ai as repo

# The CLI's types, then the Cargo client's (api.md §6 ChatTrigger): every type but `draft` runs on the
# deployed release.
TRIGGER_TYPES = ("draft", "deployed", "workflow", "chat", "connector", "web_extension", "app", "schedule")
MAX_NAME = 255


def _trigger(session: Session, conn: Any, agent_uuid: str, trigger: Any, pinned: bool) -> dict[str, Any]:
    """Omitted → `deployed` when the agent has a deployed release (or the chat is pinned), else `draft`."""
    ws = session.workspace_uuid
    if trigger is None:
        deployed = pinned or repo.release_with_status(conn, ws, agent_uuid, "deployed") is not None
        return {"type": "deployed" if deployed else "draft"}
    if not isinstance(trigger, dict) or trigger.get("type") not in TRIGGER_TYPES:
        raise ValidationError(f"--trigger must be an object whose type is one of {', '.join(TRIGGER_TYPES)} "
                              f"(got {shown(trigger)})", reason="invalidData")
    if (trigger["type"] != "draft" and not pinned
            and repo.release_with_status(conn, ws, agent_uuid, "deployed") is None):
        raise NotFoundError("the agent has no deployed release; deploy its draft or use {\"type\":\"draft\"}",
                            reason="deployedReleaseNotFound")
    return dict(trigger)


def _name(name: Any) -> str | None:
    if name is not None and (not isinstance(name, str) or len(name) > MAX_NAME):
        raise ValidationError(f"--name must be a text of at most {MAX_NAME} characters", reason="invalidData")
    return name


def _pinned_release(session: Session, conn: Any, agent_uuid: str, release_uuid: str | None) -> str | None:
    """`releaseUuid`: a release of this agent, else `releaseNotFound`."""
    if release_uuid is None:
        return None
    row = repo.get_release(conn, session.workspace_uuid, release_uuid.lower()) if release_uuid else None
    if row is None or row.agent_uuid != agent_uuid:
        raise NotFoundError("Release not found", reason="releaseNotFound")
    return str(row.uuid)


def open_chat(session: Session, conn: Any, *, agent_uuid: str, trigger: Any = None, name: str | None = None,
              release_uuid: str | None = None) -> str:
    """A new chat inside the caller's transaction (also how a first message opens one); its uuid."""
    now = utcnow()
    chat_uuid = str(uuidlib.uuid4())
    require_chat_agent(session, conn, agent_uuid)
    pinned = _pinned_release(session, conn, agent_uuid, release_uuid)
    values = {"uuid": chat_uuid, "agent_uuid": agent_uuid, "name": _name(name),
              "trigger": _trigger(session, conn, agent_uuid, trigger, pinned is not None),
              "user_uuid": session.user_uuid or None, "release_uuid": pinned, "created_at": now, "updated_at": now}
    repo.insert_chat(conn, session.workspace_uuid, values)
    return chat_uuid


def create(session: Session, *, agent_uuid: str, trigger: Any = None, name: str | None = None,
           release_uuid: str | None = None) -> dict[str, Any]:
    with session.db.write() as conn:
        chat_uuid = open_chat(session, conn, agent_uuid=agent_uuid, trigger=trigger, name=name,
                              release_uuid=release_uuid)
        return {"chat": shown_chat(session, conn, repo.get_chat(conn, session.workspace_uuid, chat_uuid))}


def shown_chat(session: Session, conn: Any, row: Any) -> dict[str, Any]:
    """One chat's document, with its latest message."""
    last = repo.latest_messages(conn, session.workspace_uuid, [row.uuid]).get(row.uuid)
    return Chat.of(row, present(conn, session.workspace_uuid, last, row.agent_uuid) if last else None).dump()


def get(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"chat": shown_chat(session, conn, require_chat(session, conn, uuid))}


def list_chats(session: Session, *, agent_uuid: str | None = None, limit: int | None = None,
               offset: int | None = None, release_uuid: str | None = None, user_uuid: str | None = None,
               trigger_type: str | None = None, message_statuses: Sequence[str] | None = None,
               name: str | None = None, created_after: datetime | None = None,
               created_before: datetime | None = None) -> dict[str, Any]:
    """Live chats, newest first, each with its latest message."""
    size, start = chat_page(limit, offset)
    ws = session.workspace_uuid
    with session.db.read() as conn:
        rows = repo.list_chats(conn, ws, agent_uuid=agent_uuid, limit=size, offset=start,
                               release_uuid=release_uuid, user_uuid=user_uuid, trigger_type=trigger_type,
                               message_statuses=message_statuses, name=name, created_after=created_after,
                               created_before=created_before)
        latest = repo.latest_messages(conn, ws, [r.uuid for r in rows])
        chats = []
        for row in rows:
            last = latest.get(row.uuid)
            chats.append(Chat.of(row, present(conn, ws, last, row.agent_uuid) if last is not None else None).dump())
    return {"chats": chats}


def update(session: Session, uuid: str, *, name: str | None = None) -> dict[str, Any]:
    """Rename a chat (`name` null clears it)."""
    with session.db.write() as conn:
        require_chat(session, conn, uuid)
        repo.update_chat(conn, session.workspace_uuid, uuid, {"name": _name(name), "updated_at": utcnow()})
        return {"chat": shown_chat(session, conn, repo.get_chat(conn, session.workspace_uuid, uuid))}


def remove(session: Session, uuid: str) -> dict[str, Any]:
    """Soft delete: the chat and its messages leave every read; an answer still generating stops at
    its next step (its message is gone)."""
    with session.db.write() as conn:
        require_chat(session, conn, uuid)
        now = utcnow()
        repo.update_chat(conn, session.workspace_uuid, uuid, {"deleted_at": now, "updated_at": now})
    return Removed(uuid=uuid).dump()
