"""Storage runs: the extractor syncs of models (api.md §3 `run.list`, `run.cancel`; data spec §2.1
`lastRun`).

Only the native extractor exists in this installation, and native models are filled by imports and
writes, never by a sync (`storage model refresh` refuses them): no model has storage runs yet, so the
history is empty and every run uuid is unknown. The checks a caller relies on still hold: a model of
another workspace is not found, and paging is checked like every list.
"""

from __future__ import annotations

from typing import Any

from lading.domain.errors import NotFoundError, ValidationError, shown
from lading.domain.paging import check_page
from lading.services.session import Session
from lading.services.storage.models import require_model

STATUSES = ("pending", "running", "success", "error", "cancelled")


def list_runs(session: Session, *, model_uuid: str | None = None, statuses: list[str] | None = None,
              limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """`{"runs": [StorageRun]}`, newest first: the model's syncs (or the workspace's)."""
    check_page(limit, offset)
    for status in statuses or []:
        if status not in STATUSES:
            raise ValidationError(f"statuses: {shown(status)} is not one of {', '.join(STATUSES)}",
                                  reason="invalidPayload")
    if model_uuid is not None:
        with session.db.read() as conn:
            require_model(session, conn, model_uuid)
    return {"runs": []}


def cancel_run(session: Session, uuid: str) -> dict[str, Any]:
    """Cancel a sync still running (`runAlreadyFinished` once it ended)."""
    del session  # no storage run exists yet (see the module's docstring)
    raise NotFoundError(f"Run not found: {uuid}", reason="runNotFound")
