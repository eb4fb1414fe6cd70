"""`/workspaceManagement/sessions`: work-session summaries (`workspaceManagement session upsert`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Router, caller
from lading.api._schemas import answers
from lading.api.workspace import _schemas as schemas
from lading.services.session import Session
from lading.services.workspace import sessions

router = Router(prefix="/workspaceManagement/sessions", tags=["workspaceManagement"])
Caller = Annotated[Session, Depends(caller)]


class SessionUpsert(Body):
    session_id: str
    title: str
    summary: str
    finished_at: str | None = None


@router.post("", summary="session.upsert (one per session id; later calls overwrite)", **answers(schemas.SessionAnswer))
def upsert_session(body: SessionUpsert, session: Caller) -> dict[str, Any]:
    return sessions.upsert_session(session, session_id=body.session_id, title=body.title, summary=body.summary,
                                   finished_at=body.finished_at)
