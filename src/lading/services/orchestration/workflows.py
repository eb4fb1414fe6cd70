"""`orchestration workflow …`: the executable containers behind tools and plays."""

from __future__ import annotations

from typing import Any

from lading.domain.paging import check_page
from lading.services.orchestration import _presenters as presenters
from lading.services.orchestration.releases import require_workflow
from lading.services.session import Session
from lading.store.repositories import workflows as repo


def list_workflows(session: Session, *, folder_uuid: str | None = None, limit: int | None = 50,
                   offset: int = 0) -> dict[str, Any]:
    """Newest first; `limit` None lists every workflow (the HTTP client's `workflow.all` pages nothing)."""
    if limit is not None:
        check_page(limit, offset)
    ws = session.workspace_uuid
    with session.db.read() as conn:
        out = []
        for row in repo.list_workflows(conn, ws, folder_uuid, limit, max(offset, 0)):
            deployed = repo.release_by_status(conn, ws, row.uuid, "deployed")
            out.append(presenters.workflow(row, deployed, repo.last_batch(conn, ws, row.uuid), with_nodes=False))
        return {"workflows": out}


def get_workflow(session: Session, uuid: str) -> dict[str, Any]:
    ws = session.workspace_uuid
    with session.db.read() as conn:
        row = require_workflow(session, conn, uuid)
        deployed = repo.release_by_status(conn, ws, uuid, "deployed")
        return {"workflow": presenters.workflow(row, deployed, repo.last_batch(conn, ws, uuid))}
