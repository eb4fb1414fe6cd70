"""`workspaceManagement session upsert`: a summary of a work session (an agent's or a person's),
one row per (workspace, session id); a later call with the same id overwrites title, summary and
finish time, so a client can report progress as it goes and mark the session finished at the end.
"""

from __future__ import annotations

import uuid as uuidlib
from datetime import UTC, datetime
from typing import Any

from lading.domain.errors import ValidationError, shown
from lading.services.session import Session
from lading.services.workspace import shapes
from lading.store.clock import iso, utcnow
from lading.store.repositories import accounts as repo

TEXT_LIMIT = 100_000


def present(row: Any) -> dict[str, Any]:
    return shapes.WorkSession(uuid=row.uuid, session_id=row.session_id, workspace_uuid=row.workspace_uuid,
                              user_uuid=row.user_uuid, title=row.title, summary=row.summary,
                              created_at=iso(row.created_at), updated_at=iso(row.updated_at),
                              finished_at=iso(row.finished_at)).dump()


def _text(value: Any, field: str, limit: int = TEXT_LIMIT) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} must be a non-empty string, got {shown(value)}", reason="invalidPayload")
    if len(value) > limit:
        raise ValidationError(f"{field} must be at most {limit:,} characters", reason="invalidPayload")
    return value


def _finished_at(value: Any) -> datetime | None:
    """An ISO 8601 instant as the store's naive UTC (a time without offset is taken as UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
        except (ValueError, OverflowError):  # not ISO 8601, or out of range once in UTC
            pass
    raise ValidationError(f"finishedAt must be an ISO 8601 date-time, got {shown(value)}", reason="invalidPayload")


def upsert_session(session: Session, *, session_id: Any, title: Any, summary: Any,
                   finished_at: Any = None, finished: bool = False) -> dict[str, Any]:
    """Create or overwrite the session `session_id`; `finished` stamps it finished now, `finished_at`
    at the given time (neither: not finished, even if an earlier call said so)."""
    sid = _text(session_id, "sessionId", 255).strip()
    clean_title, clean_summary = _text(title, "title"), _text(summary, "summary")
    stamp = _finished_at(finished_at)
    now = utcnow()
    if stamp is None and finished:
        stamp = now
    with session.db.write() as conn:
        repo.upsert_work_session(conn, session.workspace_uuid, {
            "uuid": str(uuidlib.uuid4()), "session_id": sid, "user_uuid": session.user_uuid or None,
            "title": clean_title, "summary": clean_summary, "finished_at": stamp,
            "created_at": now, "updated_at": now})
        row = repo.get_work_session(conn, session.workspace_uuid, sid)
    return {"session": present(row)}
