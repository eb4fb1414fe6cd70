"""Storage runs: the extractor syncs of models (api.md §3 `run.list`, `run.cancel`; data spec §2.1
`lastRun`). A sync is started by `storage model refresh` (`services/storage/_sync.py`); native
models have none."""

from __future__ import annotations

from typing import Any

from lading.domain.errors import ConflictError, NotFoundError, ValidationError, shown
from lading.domain.paging import check_page
from lading.services.session import Session
from lading.services.storage._sync import run_document
from lading.services.storage.models import require_model
from lading.store.clock import utcnow
from lading.store.repositories import storage_runs as repo

STATUSES = ("pending", "running", "success", "error", "cancelled")


def list_runs(session: Session, *, model_uuid: str | None = None, statuses: list[str] | None = None,
              limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """`{"runs": [StorageRun]}`, newest first: the model's syncs (or the workspace's)."""
    check_page(limit, offset)
    for status in statuses or []:
        if status not in STATUSES:
            raise ValidationError(f"statuses: {shown(status)} is not one of {', '.join(STATUSES)}",
                                  reason="invalidPayload")
    with session.db.read() as conn:
        if model_uuid is not None:
            require_model(session, conn, model_uuid)
        rows = repo.list_runs(conn, session.workspace_uuid, model_uuid, statuses, limit, offset)
        return {"runs": [run_document(r) for r in rows]}


def get_run(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        row = repo.get_run(conn, session.workspace_uuid, uuid)
    if row is None:
        raise NotFoundError(f"Run not found: {uuid}", reason="runNotFound")
    return {"run": run_document(row)}


def cancel_run(session: Session, uuid: str) -> dict[str, Any]:
    """Cancel a sync still running (`runAlreadyFinished` once it ended): its driver stops at its next
    page (that page is not committed); the next sync starts afresh from the last successful cursor."""
    now = utcnow()
    with session.db.write() as conn:
        row = repo.get_run(conn, session.workspace_uuid, uuid)
        if row is None:
            raise NotFoundError(f"Run not found: {uuid}", reason="runNotFound")
        if row.status not in repo.UNFINISHED:
            raise ConflictError(f"run {uuid} already finished ({row.status})", reason="runAlreadyFinished")
        repo.update_run(conn, session.workspace_uuid, uuid, {
            "status": "cancelled", "finished_at": now, "updated_at": now, "lease_owner": None,
            "lease_expires_at": None})
        row = repo.get_run(conn, session.workspace_uuid, uuid)
    return {"run": run_document(row)}
