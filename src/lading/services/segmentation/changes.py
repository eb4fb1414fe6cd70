"""`segmentation change …`: list, fetch — and the segment syncs that make changes (data spec §10).

Storage calls `after_model_write` after every committed write to a model's records. Syncs are
debounced: a segment syncs at most once every 10 seconds; a write inside the window marks it due,
and the due sync runs on the next write or read after the window (`sync_due_segments`). A paused
model computes no changes; resuming it calls `after_model_write` again, so one aggregated change per
segment is computed. A segment of a play scheduled `{"type":"cron"}` is synced by the scheduler on
the play's ticks instead of after writes.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from lading.domain.errors import LadingError, NotFoundError, ValidationError, shown
from lading.services.segmentation import shapes
from lading.services.session import Session
from lading.store.clock import iso, utcnow
from lading.store.repositories import segments as repo

DEBOUNCE = timedelta(seconds=10)
MAX_LIMIT = 1000
_log = logging.getLogger(__name__)


def change_shape(row: Any) -> shapes.Change:
    total = row.added_count + row.updated_count + row.removed_count + row.unchanged_count
    return shapes.Change(uuid=row.uuid, workspace_uuid=row.workspace_uuid, segment_uuid=row.segment_uuid,
                         slug=row.slug, total_records_count=total, added_records_count=row.added_count,
                         updated_records_count=row.updated_count, removed_records_count=row.removed_count,
                         unchanged_records_count=row.unchanged_count, created_at=iso(row.created_at))


def change_document(row: Any) -> dict[str, Any]:
    return change_shape(row).dump()


def sync_segment(session: Session, segment_uuid: str, *, respect_debounce: bool = False) -> None:
    """Sync one segment now (its own write transaction); a paused model is skipped."""
    from lading.data.changes import sync
    from lading.data.models import load_model

    now = utcnow()
    with session.db.write() as conn:
        seg = repo.get_segment(conn, session.workspace_uuid, segment_uuid, for_update=True)
        if seg is None:
            return
        if respect_debounce and seg.synced_at is not None and now - seg.synced_at < DEBOUNCE:
            repo.mark_due(conn, session.workspace_uuid, [seg.uuid])
            return
        handle = load_model(conn, session.workspace_uuid, seg.model_uuid)
        if handle.is_paused:
            return
        change = sync(conn, seg, handle, now)
    if change is not None and seg.play_uuid:
        # A play's segment moved: the play may create a batch over the change (data spec §10.1).
        session.reactions.segment_changed(session, seg.play_uuid, change["uuid"])


def after_model_write(session: Session, model_uuid: str) -> None:
    """Sync the model's segments whose last sync is older than the debounce window; mark the others due.

    Never raises for a segment-side problem (the write that called it has already committed): a
    segment whose filter no longer validates (e.g. a removed column) is skipped and logged.
    """
    from lading.store.repositories import storage

    with session.db.read() as conn:
        model = storage.get_model(conn, session.workspace_uuid, model_uuid)
        if model is None or model.is_paused:
            return
        segments = repo.list_segments(conn, session.workspace_uuid, model_uuid)
        on_ticks = _cron_play_segments(conn, session.workspace_uuid, segments)
        segment_uuids = [s.uuid for s in segments if s.uuid not in on_ticks]
    for uuid in segment_uuids:
        try:
            sync_segment(session, uuid, respect_debounce=True)
        except LadingError as exc:
            _log.warning("segment %s was not synced: %s", uuid, exc.message)


def _cron_play_segments(conn: Any, ws: str, segments: Any) -> set[str]:
    """Segments of plays scheduled `{"type":"cron"}`: they re-evaluate on the play's ticks (the
    scheduler syncs them), not when the model's data changes (orchestration spec, `schedule`)."""
    from lading.store.repositories import plays

    out: set[str] = set()
    for seg in segments:
        if seg.play_uuid:
            play = plays.get_play(conn, ws, seg.play_uuid)
            if play is not None and (play.schedule or {}).get("type") == "cron":
                out.add(seg.uuid)
    return out


def sync_due_segments(session: Session) -> None:
    """Run the write-triggered syncs whose debounce window has passed (called before reads)."""
    with session.db.read() as conn:
        due = repo.due_segments(conn, session.workspace_uuid, utcnow() - DEBOUNCE)
    for row in due:
        try:
            sync_segment(session, row.uuid)
        except LadingError as exc:
            _log.warning("segment %s was not synced: %s", row.uuid, exc.message)


def _page(limit: int, offset: int) -> None:
    if limit < 1 or limit > MAX_LIMIT:
        raise ValidationError(f"--limit must be between 1 and {MAX_LIMIT}", reason="invalidLimit")
    if offset < 0:
        raise ValidationError("--offset cannot be negative", reason="invalidOffset")


def segment_uuid_required() -> ValidationError:
    """`change list` without `--segment-uuid`: the CLI's 400 (data spec §10). Over HTTP the route lists
    the workspace's changes instead (api.md §4), so the CLI raises this itself, in both modes."""
    return ValidationError("segmentUuid is required (--segment-uuid)", reason="invalidData",
                           extra={"status": 400, "issues": [{"path": ["segmentUuid"], "message": "Required"}]})


def list_changes(session: Session, *, segment_uuid: str | None, limit: int = 100, offset: int = 0,
                 not_empty: bool = False, has_records: str | None = None,
                 workspace_wide: bool = False) -> dict[str, Any]:
    """Changes newest first: of one segment, or (`workspace_wide`, the HTTP route's rule) of every
    segment of the workspace when no segment is named. `not_empty` keeps changes describing records,
    `has_records` (a change kind) those with records of that kind."""
    from lading.data.changes import KINDS

    if not segment_uuid and not workspace_wide:
        raise segment_uuid_required()
    if has_records is not None and has_records not in KINDS:
        raise ValidationError(f"hasRecords must be a change kind ({', '.join(KINDS)}), not {shown(has_records)}",
                              reason="invalidData")
    _page(limit, offset)
    sync_due_segments(session)
    with session.db.read() as conn:
        if segment_uuid and repo.get_segment(conn, session.workspace_uuid, segment_uuid,
                                             include_deleted=True) is None:
            raise NotFoundError(f"Segment not found: {segment_uuid}", reason="segmentNotFound")
        rows = repo.list_changes(conn, session.workspace_uuid, segment_uuid or None, limit, offset,
                                 not_empty=not_empty, has_records=has_records)
        return {"changes": [change_document(r) for r in rows]}


def get_change(session: Session, uuid: str) -> dict[str, Any]:
    """`GET /segmentation/changes/:uuid` (api.md §4; no CLI command): one change."""
    with session.db.read() as conn:
        return {"change": change_document(_require_change(session, conn, uuid))}


def _require_change(session: Session, conn: Any, uuid: str) -> Any:
    change = repo.get_change(conn, session.workspace_uuid, uuid)
    if change is None:
        if repo.get_segment(conn, session.workspace_uuid, uuid, include_deleted=True) is not None:
            raise ValidationError("--uuid takes a change uuid, not a segment uuid (see change list "
                                  "--segment-uuid)", reason="invalidData")
        raise NotFoundError(f"Change not found: {uuid}", reason="changeNotFound")
    return change


def _check_kinds(kinds: list[str] | None) -> list[str]:
    from lading.data.changes import KINDS

    if not kinds:
        raise ValidationError("--kinds is required (added, updated, removed, unchanged)", reason="invalidData")
    for kind in kinds:
        if kind not in KINDS:
            raise ValidationError(f"unknown change kind {shown(kind)}; expected {', '.join(KINDS)}",
                                  reason="invalidData")
    return list(dict.fromkeys(kinds))


class _ChangeRecords:
    """One change's records as `change fetch` shows them: the meta columns, then the model's."""

    def __init__(self, session: Session, conn: Any, uuid: str) -> None:
        from lading.data.models import load_model
        from lading.data.segments import output_columns

        self.change = _require_change(session, conn, uuid)
        seg = repo.get_segment(conn, session.workspace_uuid, self.change.segment_uuid, include_deleted=True)
        if seg is None:  # a change's segment row is kept, deleted or not
            raise NotFoundError(f"Segment not found: {self.change.segment_uuid}", reason="segmentNotFound")
        try:
            handle = load_model(conn, session.workspace_uuid, seg.model_uuid)
            columns = output_columns(handle, enrich=True)
        except NotFoundError:
            columns = [{"slug": "_id", "type": "string", "label": "ID", "modelUuid": seg.model_uuid}]
        meta = [{"slug": "_kind", "type": "string", "label": "Kind", "modelUuid": seg.model_uuid},
                {"slug": "_id", "type": "string", "label": "ID", "modelUuid": seg.model_uuid},
                {"slug": "_title", "type": "string", "label": "Title", "modelUuid": seg.model_uuid},
                {"slug": "_time", "type": "date", "label": "Time", "modelUuid": seg.model_uuid}]
        self.columns = meta + [c for c in columns if c["slug"] != "_id"]
        self.slugs = [c["slug"] for c in columns if c["slug"] != "_id"]

    def page(self, conn: Any, kinds: list[str], limit: int, offset: int) -> list[dict[str, Any]]:
        change = self.change
        records = []
        for row in repo.change_records(conn, change.segment_uuid, change.seq, kinds, limit, offset):
            values = row.record or {}
            detected = change.created_at if row.kind in ("added", "updated", "removed") else row.detected_at
            records.append({"_kind": row.kind, "_id": row.record_id, "_title": row.title, "_time": iso(detected),
                            **{s: values.get(s) for s in self.slugs}})
        return records


def fetch_change(session: Session, *, uuid: str, kinds: list[str] | None, limit: int = 100,
                 offset: int = 0) -> dict[str, Any]:
    """The records of one change with their kind; removed records carry their last known values;
    `count` is every record of those kinds in the change, whatever the page (api.md §0.4)."""
    wanted = _check_kinds(kinds)
    _page(limit, offset)
    with session.db.read() as conn:
        change = _ChangeRecords(session, conn, uuid)
        records = change.page(conn, wanted, limit, offset)
        count = repo.count_change_records(conn, change.change.segment_uuid, change.change.seq, wanted)
    return {"columns": change.columns, "records": records, "count": count}


def download_change(session: Session, *, uuid: str, kinds: list[str] | None, fmt: str = "csv") -> dict[str, Any]:
    """`POST /segmentation/changes/:uuid/download` (api.md §4; no CLI command): every record of those
    kinds in the change, as the rows `change fetch` pages through, written to an export file
    (CSV by default); answers `{"url"}`."""
    import csv

    from lading.services.exports import check_format, csv_cell, json_text, write_export

    wanted = _check_kinds(kinds)
    check_format(fmt)
    with session.db.read() as conn:
        change = _ChangeRecords(session, conn, uuid)
    slugs = [c["slug"] for c in change.columns]

    def records() -> Any:
        offset = 0
        while True:
            with session.db.read() as conn:
                page = change.page(conn, wanted, MAX_LIMIT, offset)
            yield from page
            if len(page) < MAX_LIMIT:
                return
            offset += MAX_LIMIT

    def write(fh: Any) -> None:
        if fmt == "json":
            fh.write("[")
            for i, record in enumerate(records()):
                fh.write(("," if i else "") + json_text(record))
            fh.write("]")
            return
        out = csv.writer(fh)
        out.writerow(slugs)
        for record in records():
            out.writerow([csv_cell(record.get(s)) for s in slugs])

    return write_export(session, f"change.{fmt}", write)
