"""`workspaceManagement report create|list`: reports a user files, kept in this installation.

Cargo sends reports to its team; Lading stores them where the operator can read them (nothing leaves
the installation). Any member may file one.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from lading.domain.errors import ValidationError, shown
from lading.domain.paging import check_page
from lading.services.session import Session
from lading.services.workspace import shapes
from lading.store.clock import iso, utcnow
from lading.store.repositories import accounts as repo

# A report is prose, not a payload: its fields are capped so one request cannot fill the store.
TEXT_LIMIT = 100_000


def present(row: Any) -> dict[str, Any]:
    return shapes.Report(uuid=row.uuid, workspace_uuid=row.workspace_uuid, title=row.title,
                         description=row.description, user_uuid=row.user_uuid, created_at=iso(row.created_at)).dump()


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} must be a non-empty string, got {shown(value)}", reason="invalidPayload")
    if len(value) > TEXT_LIMIT:
        raise ValidationError(f"{field} must be at most {TEXT_LIMIT:,} characters", reason="invalidPayload")
    return value


def create_report(session: Session, *, title: Any, description: Any) -> dict[str, Any]:
    clean_title, clean_description = _text(title, "title"), _text(description, "description")
    uuid = str(uuidlib.uuid4())
    with session.db.write() as conn:
        repo.insert_report(conn, session.workspace_uuid, {
            "uuid": uuid, "user_uuid": session.user_uuid or None, "title": clean_title,
            "description": clean_description, "created_at": utcnow()})
        row = repo.get_report(conn, session.workspace_uuid, uuid)
    return {"report": present(row)}


def list_reports(session: Session, *, limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """The workspace's reports, newest first."""
    check_page(limit, offset)
    with session.db.read() as conn:
        rows = repo.list_reports(conn, session.workspace_uuid, limit, offset)
    return {"reports": [present(row) for row in rows]}
