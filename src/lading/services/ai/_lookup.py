"""Finding the group's objects for a verb, paging its lists, and presenting a chat message as its run
left it (helpers shared by the AI nouns)."""

from __future__ import annotations

from typing import Any

from lading.domain.errors import NotFoundError, ValidationError
from lading.services.ai.shapes import Message
from lading.services.session import Session
from lading.store.repositories import ai as repo

AGENT_NOT_FOUND = "Agent not found"
# A chat message's final statuses.
TERMINAL_MESSAGE = ("success", "error", "cancelled")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


# --- agents and releases ------------------------------------------------------------------------

def page(limit: int | None, offset: int | None) -> tuple[int, int]:
    """`--limit` (default 100, at most 1000) and `--offset` (spec §3.7)."""
    limit = DEFAULT_LIMIT if limit is None else limit
    offset = offset or 0
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"--limit must be between 1 and {MAX_LIMIT}", reason="invalidData")
    if offset < 0:
        raise ValidationError("--offset must not be negative", reason="invalidData")
    return limit, offset


def require_agent(session: Session, conn: Any, uuid: str | None, *, lock: bool = False) -> Any:
    """A live agent of this workspace, else `agentNotFound` (`lock`: row-locked for a release change)."""
    find = repo.lock_agent if lock else repo.get_agent
    row = find(conn, session.workspace_uuid, uuid.lower()) if uuid else None
    if row is None:
        raise NotFoundError(AGENT_NOT_FOUND, reason="agentNotFound", details={"uuid": uuid})
    return row


# --- chats and messages ---------------------------------------------------------------------------

def chat_page(limit: int | None, offset: int | None) -> tuple[int | None, int]:
    """`--limit` (no default: the whole chat; at most 1000) and `--offset` of chat and message lists."""
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"--limit must be between 1 and {MAX_LIMIT}", reason="invalidData")
    if offset is not None and offset < 0:
        raise ValidationError("--offset must not be negative", reason="invalidData")
    return limit, offset or 0


def require_chat(session: Session, conn: Any, uuid: str) -> Any:
    row = repo.get_chat(conn, session.workspace_uuid, uuid) if uuid else None
    if row is None:
        raise NotFoundError("Chat not found", reason="chatNotFound")
    return row


def require_chat_agent(session: Session, conn: Any, uuid: str) -> Any:
    """The agent a chat talks to, else `agentNotFound`."""
    row = repo.get_agent(conn, session.workspace_uuid, uuid) if uuid else None
    if row is None:
        raise NotFoundError(AGENT_NOT_FOUND, reason="agentNotFound")
    return row


def chat_release(session: Session, conn: Any, chat: Any) -> Any:
    """The release a chat's messages run on: the one it is pinned to, else the agent's draft or its
    deployed release (its trigger: every type but `draft` means deployed, api.md §6)."""
    if chat.release_uuid:
        pinned = repo.get_release(conn, session.workspace_uuid, chat.release_uuid)
        if pinned is None:
            raise NotFoundError("Release not found", reason="releaseNotFound")
        return pinned
    status = "draft" if chat.trigger.get("type") == "draft" else "deployed"
    release = repo.release_with_status(conn, session.workspace_uuid, chat.agent_uuid, status)
    if release is None:
        reason = "draftReleaseNotFound" if status == "draft" else "deployedReleaseNotFound"
        raise NotFoundError(f"the agent has no {status} release", reason=reason)
    return release


# --- presenting a message ------------------------------------------------------------------------

def present(conn: Any, ws: str, row: Any, agent_uuid: str | None) -> Message:
    """A message as stored; one whose run ended without finishing it reads as `error` with the run's
    reason (its worker crashed for good, the run was cancelled), or `cancelled` when that was asked."""
    from lading.store.repositories import runs as run_repo

    if row.status in TERMINAL_MESSAGE or not row.run_uuid:
        return Message.of(row, agent_uuid=agent_uuid)
    run = run_repo.get_run(conn, ws, row.run_uuid)
    if row.status == "cancelling" and run is not None and run.status in ("success", "error", "cancelled"):
        return Message.of(row, agent_uuid=agent_uuid, status="cancelled")
    if run is not None and run.status in ("error", "cancelled"):
        return Message.of(row, agent_uuid=agent_uuid, status="error",
                          error_message=run.error_message or f"the answer's run ended {run.status}")
    return Message.of(row, agent_uuid=agent_uuid)
