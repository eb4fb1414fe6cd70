"""`orchestration record …`: list, count, download, download-outputs, get-metrics and cancel.

A record is the latest state of one record id in a workflow: its most recent top-level run among the
runs matching the filters (spec orchestration §3.5). Metrics count node executions per node; record
metrics look only at each record's latest run so re-runs are not double-counted (analytics §2).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from lading.domain.errors import NotFoundError, ValidationError
from lading.domain.nodes import TERMINAL_STATUSES, parse_statuses
from lading.services import exports
from lading.services.orchestration import _downloads as downloads
from lading.services.orchestration import _metrics, shapes
from lading.services.orchestration.releases import require_workflow
from lading.services.session import Session
from lading.store.clock import iso, utcnow
from lading.store.repositories import records as repo
from lading.store.repositories import run_queue
from lading.store.repositories import runs as runs_repo

MAX_LIMIT = 1000
# `finished`/`failed` are the vocabulary of `run download-outputs`, accepted everywhere (analytics §1).
# The `record download` CSV columns: the Record shape's fields, in order.
_FIELD_NAMES = tuple(shapes.Record.model_fields)
RECORD_FIELDS = tuple(field.alias or name for name, field in shapes.Record.model_fields.items())


def _check_page(limit: int | None, offset: int) -> None:
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"--limit must be between 1 and {MAX_LIMIT}", reason="invalidData")
    if offset < 0:
        raise ValidationError("--offset must not be negative", reason="invalidData")


def _scope(session: Session, conn: Any, workflow_uuid: str, statuses: Sequence[str] | None = None,
           **filters: Any) -> repo.Cond:
    require_workflow(session, conn, workflow_uuid)
    return runs_repo.run_filters(session.workspace_uuid, workflow_uuid=workflow_uuid,
                                 statuses=parse_statuses(statuses), **filters)


def _record_fields(row: Any) -> dict[str, Any]:
    """The Record shape's fields of one row (plain values, so `record download` stays a fast loop)."""
    return {
        "id": row.record_id or row.uuid, "title": row.record_title, "workflow_uuid": row.workflow_uuid,
        "run_uuid": row.uuid, "release_uuid": row.release_uuid, "batch_uuid": row.batch_uuid,
        "status": row.status, "error_message": row.error_message, "is_group_parent": bool(row.is_group_parent),
        # Records are top-level runs, so they never have a parent batch.
        "parent_run_uuid": row.parent_run_uuid, "parent_node_uuid": row.parent_node_uuid, "parent_batch_uuid": None,
        "created_at": iso(row.created_at), "updated_at": iso(row.updated_at),
    }


def present_record(row: Any) -> dict[str, Any]:
    return shapes.Record(**_record_fields(row)).dump()


def list_records(session: Session, *, workflow_uuid: str, batch_uuid: str | None = None,
                 release_uuid: str | None = None, statuses: Sequence[str] | None = None, limit: int = 50,
                 offset: int = 0) -> dict[str, Any]:
    _check_page(limit, offset)
    with session.db.read() as conn:
        cond = _scope(session, conn, workflow_uuid, statuses, batch_uuid=batch_uuid, release_uuid=release_uuid)
        rows = repo.record_rows(conn, cond, limit, offset)
        total = repo.count_records(conn, cond)
    return {"records": [present_record(r) for r in rows], "count": total}


def count_records(session: Session, *, workflow_uuid: str, batch_uuid: str | None = None,
                  release_uuid: str | None = None, statuses: Sequence[str] | None = None) -> dict[str, Any]:
    with session.db.read() as conn:
        cond = _scope(session, conn, workflow_uuid, statuses, batch_uuid=batch_uuid, release_uuid=release_uuid)
        return {"count": repo.count_records(conn, cond)}


def download_records(session: Session, *, workflow_uuid: str, batch_uuid: str | None = None,
                     release_uuid: str | None = None, statuses: Sequence[str] | None = None) -> dict[str, str]:
    """`record download` → `{"url"}`: a CSV of every `record list` row (no paging)."""
    import csv

    with session.db.read() as conn:
        cond = _scope(session, conn, workflow_uuid, statuses, batch_uuid=batch_uuid, release_uuid=release_uuid)

    def write(fh: Any) -> None:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(RECORD_FIELDS)
        for row in repo.stream_records(session.db, cond):
            rec = _record_fields(row)
            writer.writerow([exports.csv_cell(rec[f]) for f in _FIELD_NAMES])

    return exports.write_export(session, "records.csv", write)


def download_record_outputs(session: Session, *, workflow_uuid: str, output_node_slug: str, fmt: str = "csv",
                            batch_uuid: str | None = None, statuses: Sequence[str] | None = None,
                            limit: int | None = None, offset: int = 0) -> dict[str, str]:
    """`record download-outputs` → `{"url"}`: the outputs file over records (newest first, paged)."""
    exports.check_format(fmt)
    _check_page(limit, offset)
    with session.db.read() as conn:
        cond = _scope(session, conn, workflow_uuid, statuses, batch_uuid=batch_uuid)
        downloads.require_slug(session, conn, output_node_slug, workflow_uuid=workflow_uuid)
    columns = repo.output_columns(output_node_slug)

    def rows() -> Any:
        return repo.stream_records(session.db, cond, limit, offset, columns)

    return exports.write_export(session, f"records-outputs-{output_node_slug}.{fmt}",
                                lambda fh: downloads.write_outputs(fh, fmt, rows))


def cancel_records(session: Session, *, workflow_uuid: str, ids: Sequence[str]) -> dict[str, Any]:
    """Cancel every non-terminal run of these records; prints the records afterwards, in `ids` order."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise ValidationError("--ids needs at least one record id", reason="invalidData")
    with session.db.write() as conn:
        cond = [*_scope(session, conn, workflow_uuid), repo.record_id_in(ids)]
        found = repo.records_runs(conn, cond)
        missing = sorted(set(ids) - {r.record_id for r in found})
        if missing:
            raise NotFoundError(f"Record not found: {', '.join(missing)}", reason="recordNotFound")
        active = [r.uuid for r in found if r.status not in TERMINAL_STATUSES]
        if active:
            run_queue.cancel_runs(conn, active, utcnow())
        rows = repo.record_rows(conn, cond, len(ids), 0)
    order = {record_id: i for i, record_id in enumerate(ids)}
    records = sorted((present_record(r) for r in rows), key=lambda rec: order.get(rec["id"], len(order)))
    return {"records": records}


# `record get-metrics`: like `run get-metrics` over each record's latest run, five counters.
record_metrics = partial(_metrics.metrics, per_record=True)
