"""Feedback on chat messages (api.md §6 votes; no CLI command): each user holds at most one vote per
message, an up or a down, which a new vote replaces (verbs: upsert, list_votes)."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from lading.domain.errors import NotFoundError, ValidationError
from lading.services.ai._lookup import require_chat
from lading.services.ai.shapes import Vote
from lading.services.session import Session
from lading.store.clock import utcnow
from lading.store.repositories import ai as repo


def upsert(session: Session, *, chat_uuid: str, message_uuid: str, is_upvoted: bool) -> dict[str, Any]:
    """The caller's vote on a message of the chat (`messageNotFound` for a message of another chat)."""
    if not isinstance(is_upvoted, bool):
        raise ValidationError("isUpvoted must be true or false", reason="invalidPayload")
    ws = session.workspace_uuid
    voter = session.user_uuid or ""
    now = utcnow()
    with session.db.write() as conn:
        require_chat(session, conn, chat_uuid)
        message = repo.get_message(conn, ws, message_uuid) if message_uuid else None
        if message is None or message.chat_uuid != chat_uuid:
            raise NotFoundError("Message not found", reason="messageNotFound")
        existing = repo.find_vote(conn, ws, message_uuid, voter)
        if existing is None:
            vote_uuid = str(uuidlib.uuid4())
            repo.insert_vote(conn, ws, {"uuid": vote_uuid, "chat_uuid": chat_uuid, "message_uuid": message_uuid,
                                        "user_uuid": voter, "is_upvoted": is_upvoted, "created_at": now,
                                        "updated_at": now})
        else:
            vote_uuid = existing.uuid
            repo.update_vote(conn, ws, vote_uuid, {"is_upvoted": is_upvoted, "updated_at": now})
        return {"vote": Vote.of(repo.get_vote(conn, ws, vote_uuid)).dump()}


def list_votes(session: Session, *, chat_uuid: str) -> dict[str, Any]:
    """Every vote on the chat's live messages, newest first."""
    with session.db.read() as conn:
        require_chat(session, conn, chat_uuid)
        return {"votes": [Vote.of(row).dump() for row in repo.list_votes(conn, session.workspace_uuid, chat_uuid)]}
