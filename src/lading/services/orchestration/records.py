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
from lading.domain.nodes import TERMINAL_STATUSES
from lading.services import exports
from lading.services.orchestration import _downloads as downloads
from lading.services.orchestration import _metrics, shapes
from lading.services.orchestration import _presenters as presenters
from lading.services.orchestration.releases import require_workflow
from lading.services.session import Session
from lading.store.clock import iso, utcnow
from lading.store.repositories import records as repo
from lading.store.repositories import run_queue

MAX_LIMIT = 1000
MAX_CANCELLED = 2000
# `finished`/`failed` are the vocabulary of `run download-outputs`, accepted everywhere (analytics §1).
# The `record download` CSV columns: the record's own fields (RecordRow), in order.
_FIELD_NAMES = tuple(shapes.RecordRow.model_fields)
RECORD_FIELDS = tuple(field.alias or name for name, field in shapes.RecordRow.model_fields.items())


def _check_page(limit: int | None, offset: int) -> None:
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"--limit must be between 1 and {MAX_LIMIT}", reason="invalidData")
    if offset < 0:
        raise ValidationError("--offset must not be negative", reason="invalidData")


def _scope(session: Session, conn: Any, workflow_uuid: str | None, statuses: Sequence[str] | None = None, *,
           ids: Sequence[str] | None = None, title: str | None = None, title_or_id: str | None = None,
           parent_run_uuid: str | None = None, **filters: Any) -> repo.Cond:
    """The runs a RecordFilter looks at (api.md §2.6; the CLI's record flags are a subset); each
    record is the latest of them per record id. Without a workflow the filter is workspace-wide."""
    from lading.services.orchestration.runs import run_conditions

    cond = run_conditions(session, conn, workflow_uuid=workflow_uuid, statuses=statuses, record_title=title,
                          record_title_or_id=title_or_id, parent_uuid=parent_run_uuid, **filters)
    if ids is not None:
        cond.append(repo.record_id_in(list(ids)))
    return cond


def _record_fields(row: Any) -> dict[str, Any]:
    """The record's own fields of one row (plain values, so `record download` stays a fast loop)."""
    return {
        "id": row.record_id or row.uuid, "title": row.record_title, "workflow_uuid": row.workflow_uuid,
        "run_uuid": row.uuid, "release_uuid": row.release_uuid, "batch_uuid": row.batch_uuid,
        "status": row.status, "error_message": row.error_message, "is_group_parent": bool(row.is_group_parent),
        # Records are top-level runs, so they never have a parent batch.
        "parent_run_uuid": row.parent_run_uuid, "parent_node_uuid": row.parent_node_uuid, "parent_batch_uuid": None,
        "created_at": iso(row.created_at), "updated_at": iso(row.updated_at),
    }


def present_records(conn: Any, ws: str, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Records of one page: each record's fields plus its latest run's keys (api.md §13), executions
    included."""
    runs_docs = presenters.run_page(conn, ws, rows)
    out = []
    for row, run_doc in zip(rows, runs_docs, strict=True):
        out.append(shapes.Record(
            **_record_fields(row), workspace_uuid=row.workspace_uuid, user_uuid=None,
            trace_uuid=run_doc["traceUuid"], nodes=run_doc["nodes"], temporal_workflow_id=row.uuid,
            context_s3_filename=f"runs/{row.uuid}/context.json",
            computed_configs_s3_filename=f"runs/{row.uuid}/computed-configs.json",
            parent_agent_uuid=row.parent_agent_uuid, parent_chat_uuid=None, parent_message_uuid=None,
            executions=run_doc["executions"], finished_at=iso(row.finished_at)).dump())
    return out


def list_records(session: Session, *, workflow_uuid: str | None, limit: int = 50, offset: int = 0,
                 **filters: Any) -> dict[str, Any]:
    _check_page(limit, offset)
    with session.db.read() as conn:
        cond = _scope(session, conn, workflow_uuid, **filters)
        rows = repo.record_rows(conn, cond, limit, offset)
        total = repo.count_records(conn, cond)
        return {"records": present_records(conn, session.workspace_uuid, rows), "count": total}


def count_records(session: Session, *, workflow_uuid: str | None, **filters: Any) -> dict[str, Any]:
    with session.db.read() as conn:
        cond = _scope(session, conn, workflow_uuid, **filters)
        return {"count": repo.count_records(conn, cond)}


def download_records(session: Session, *, workflow_uuid: str, run_uuids: Sequence[str] | None = None,
                     **filters: Any) -> dict[str, str]:
    """`record download` → `{"url"}`: a CSV of every `record list` row (no paging)."""
    import csv

    with session.db.read() as conn:
        cond = _scope(session, conn, workflow_uuid, **filters)
    if run_uuids is not None:
        cond.append(repo.run_uuid_in(run_uuids))

    def write(fh: Any) -> None:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(RECORD_FIELDS)
        for row in repo.stream_records(session.db, cond):
            rec = _record_fields(row)
            writer.writerow([exports.csv_cell(rec[f]) for f in _FIELD_NAMES])

    return exports.write_export(session, "records.csv", write)


def download_record_outputs(session: Session, *, workflow_uuid: str, output_node_slug: str, fmt: str = "csv",
                            run_uuids: Sequence[str] | None = None, limit: int | None = None, offset: int = 0,
                            **filters: Any) -> dict[str, str]:
    """`record download-outputs` → `{"url"}`: the outputs file over records (newest first, paged);
    no matching record → 404 `noRecordsFound`."""
    exports.check_format(fmt)
    _check_page(limit, offset)
    with session.db.read() as conn:
        cond = _scope(session, conn, workflow_uuid, **filters)
        if run_uuids is not None:
            cond.append(repo.run_uuid_in(run_uuids))
        downloads.require_slug(session, conn, output_node_slug, workflow_uuid=workflow_uuid)
        if not repo.count_records(conn, cond):
            raise NotFoundError("No records found for these filters", reason="noRecordsFound")
    columns = repo.output_columns(output_node_slug)

    def rows() -> Any:
        return repo.stream_records(session.db, cond, limit, offset, columns)

    return exports.write_export(session, f"records-outputs-{output_node_slug}.{fmt}",
                                lambda fh: downloads.write_outputs(fh, fmt, rows))


def cancel_records(session: Session, *, workflow_uuid: str, ids: Sequence[str] | None = None,
                   **filters: Any) -> dict[str, Any]:
    """Cancel every non-terminal run of these records (the listed `ids`, each of which must exist, or
    every record the filter selects: at most 2,000, else 400 `tooManyRecordsSelected`); answers the
    records afterwards, in `ids` order (newest first for a filter)."""
    listed = ids is not None
    if listed:
        ids = list(dict.fromkeys(ids or []))
        if not ids:
            raise ValidationError("--ids needs at least one record id", reason="invalidData")
    elif not filters:
        raise ValidationError("--ids needs at least one record id", reason="invalidData")
    ws = session.workspace_uuid
    with session.db.write() as conn:
        require_workflow(session, conn, workflow_uuid)
        cond = _scope(session, conn, workflow_uuid, **({} if listed else filters))
        if listed:
            cond.append(repo.record_id_in(list(ids or [])))
        selected = repo.count_records(conn, cond)
        if selected > MAX_CANCELLED:
            raise ValidationError(f"{selected} records are selected; cancel at most {MAX_CANCELLED} at once",
                                  reason="tooManyRecordsSelected")
        found = repo.records_runs(conn, cond)
        if listed:
            missing = sorted(set(ids or []) - {r.record_id for r in found})
            if missing:
                raise NotFoundError(f"Record not found: {', '.join(missing)}", reason="recordNotFound")
        active = [r.uuid for r in found if r.status not in TERMINAL_STATUSES]
        for start in range(0, len(active), 500):
            run_queue.cancel_runs(conn, active[start:start + 500], utcnow())
        rows = repo.record_rows(conn, cond, max(selected, 1), 0)
        records = present_records(conn, ws, rows)
    if listed:
        order = {record_id: i for i, record_id in enumerate(ids or [])}
        records.sort(key=lambda rec: order.get(rec["id"], len(order)))
    return {"records": records}


# `record get-metrics`: like `run get-metrics` over each record's latest run, five counters.
record_metrics = partial(_metrics.metrics, per_record=True)
