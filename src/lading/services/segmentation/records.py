"""`segmentation record fetch`: a model's records by id (data spec §4.1)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lading.domain.errors import ValidationError
from lading.services.session import Session


def fetch_records(session: Session, *, model_uuid: str, ids: Sequence[str] | None) -> dict[str, Any]:
    """`segmentation record fetch`: records by id; unknown ids are simply absent."""
    from sqlalchemy import select

    from lading.data.models import load_model
    from lading.data.segments import output_columns, record_of

    if not model_uuid:
        raise ValidationError("--model-uuid is required", reason="invalidData")
    if not ids:
        raise ValidationError("--ids is required (comma-separated record ids)", reason="invalidData")
    with session.db.read() as conn:
        handle = load_model(conn, session.workspace_uuid, model_uuid)
        slugs = [c["slug"] for c in output_columns(handle, enrich=True)]
        table = handle.table
        records: list[dict[str, Any]] = []
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), 500):
            query = select(*(table.c[s] for s in slugs)).where(table.c["_id"].in_(unique[start:start + 500]))
            records += [record_of(r, slugs) for r in conn.execute(query.order_by(table.c["_id"]))]
    return {"records": records}
