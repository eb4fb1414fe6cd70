"""`segmentation segment …`: list, get, create, update, remove, fetch, download (data spec §7).

A segment is a saved (filter, sort, limit) over one model. Create and update validate the filter
against the model (every error names the offending part) and sync at once; `fetch` and `download`
evaluate an inline filter without saving anything.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from collections.abc import Sequence
from typing import Any

from lading.data.filters.errors import FilterError
from lading.domain.errors import ConflictError, ValidationError, found, shown
from lading.services.segmentation import shapes
from lading.services.segmentation.changes import change_shape, sync_due_segments, sync_segment
from lading.services.segmentation.indexes import prune_segment_indexes, settle_table
from lading.services.session import Session
from lading.store.clock import iso, utcnow
from lading.store.repositories import segments as repo

MAX_PAGE = 1000
_SLUG = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def segment_document(conn: Any, row: Any) -> dict[str, Any]:
    from lading.data.filters import answered_filter

    change = repo.get_change(conn, row.workspace_uuid, row.last_change_uuid) if row.last_change_uuid else None
    return shapes.Segment(
        uuid=row.uuid, workspace_uuid=row.workspace_uuid, user_uuid=row.user_uuid, model_uuid=row.model_uuid,
        slug=row.slug, name=row.name, filter=answered_filter(row.filter), sort=row.sort, limit=row.records_limit,
        column_slugs=row.column_slugs, tracking_column_slugs=row.tracking_column_slugs,
        records_count=row.records_count, from_play=bool(row.from_play), synced_at=iso(row.synced_at),
        last_change=change_shape(change) if change is not None else None,
        created_at=iso(row.created_at), updated_at=iso(row.updated_at), deleted_at=iso(row.deleted_at),
    ).dump()


def require_segment(session: Session, conn: Any, uuid: str, *, for_update: bool = False) -> Any:
    return found(repo.get_segment(conn, session.workspace_uuid, uuid, for_update=for_update), "Segment", uuid)


def _check_limit(limit: int | None, flag: str = "--limit") -> None:
    if limit is not None and limit < 1:
        raise ValidationError(f"{flag} must be a positive whole number", reason="invalidLimit")


def _check_columns(handle: Any, slugs: Sequence[str] | None, flag: str) -> list[str] | None:
    if slugs is None:
        return None
    known = {"_id", "_title", "_time", *(c.slug for c in handle.columns)}
    for slug in slugs:
        if slug not in known:
            raise ValidationError(f"{flag}: unknown column {shown(slug)}", reason="invalidData")
    return list(slugs)


def _validate(session: Session, conn: Any, handle: Any, flt: Any, sort: Any, limit: int | None,
              segment_uuid: str | None) -> None:
    """Check the filter and sort; index the model for them (`indexes`) so fetches of the segment's
    question count from an index and read their first pages in order."""
    from lading.data.segments import evaluate
    from lading.services.segmentation.indexes import ensure_segment_indexes

    if flt is None:
        raise ValidationError("--filter is required", reason="invalidData")
    ev = evaluate(conn, handle, flt, sort, limit, utcnow(), visiting=(segment_uuid,) if segment_uuid else ())
    ensure_segment_indexes(conn, ev)


def create_segment(session: Session, *, name: str, model_uuid: str, filter: Any, slug: str | None = None,
                   sort: Any = None, limit: int | None = None, column_slugs: Sequence[str] | None = None,
                   tracking_column_slugs: Sequence[str] | None = None) -> dict[str, Any]:
    from lading.data.changes import random_slug
    from lading.data.models import load_model

    if not name or not name.strip():
        raise ValidationError("--name is required", reason="invalidName")
    if slug is not None and not _SLUG.match(slug):
        raise ValidationError("--slug must match [a-zA-Z0-9_-]{1,64}", reason="invalidSlug")
    _check_limit(limit)
    uuid = str(uuidlib.uuid4())
    now = utcnow()
    with session.db.write() as conn:
        handle = load_model(conn, session.workspace_uuid, model_uuid)
        _validate(session, conn, handle, filter, sort, limit, uuid)
        repo.insert_segment(conn, {
            "uuid": uuid, "workspace_uuid": session.workspace_uuid, "user_uuid": session.user_uuid,
            "model_uuid": model_uuid, "slug": slug or random_slug(), "name": name, "filter": filter, "sort": sort,
            "records_limit": limit, "column_slugs": _check_columns(handle, column_slugs, "--column-slugs"),
            "tracking_column_slugs": _check_columns(handle, tracking_column_slugs, "--tracking-column-slugs"),
            "from_play": False, "records_count": 0, "sync_seq": 0, "created_at": now, "updated_at": now})
    settle_table(session.db, handle)
    sync_segment(session, uuid)
    return get_segment(session, uuid, sync_due=False)


def get_segment(session: Session, uuid: str, *, sync_due: bool = True) -> dict[str, Any]:
    if sync_due:
        sync_due_segments(session)
    with session.db.read() as conn:
        return {"segment": segment_document(conn, require_segment(session, conn, uuid))}


def list_segments(session: Session) -> dict[str, Any]:
    sync_due_segments(session)
    with session.db.read() as conn:
        return {"segments": [segment_document(conn, r) for r in repo.list_segments(conn, session.workspace_uuid)]}


_UNSET: Any = object()


def update_segment(session: Session, *, uuid: str, name: str | None = None, filter: Any = None, sort: Any = _UNSET,
                   limit: Any = _UNSET, column_slugs: Any = _UNSET, tracking_column_slugs: Any = _UNSET
                   ) -> dict[str, Any]:
    from lading.data.models import load_model

    if name is None and filter is None and all(v is _UNSET for v in (sort, limit, column_slugs,
                                                                     tracking_column_slugs)):
        raise ValidationError("nothing to update: pass at least one of --name, --filter, --sort, --limit, "
                              "--column-slugs, --tracking-column-slugs", reason="invalidData")
    with session.db.write() as conn:
        row = require_segment(session, conn, uuid, for_update=True)
        handle = load_model(conn, session.workspace_uuid, row.model_uuid)
        values: dict[str, Any] = {"updated_at": utcnow()}
        if name is not None:
            if not name.strip():
                raise ValidationError("--name cannot be empty", reason="invalidName")
            values["name"] = name
        if filter is not None:
            values["filter"] = filter
        if sort is not _UNSET:
            values["sort"] = sort
        if limit is not _UNSET:
            _check_limit(limit)
            values["records_limit"] = limit
        if column_slugs is not _UNSET:
            values["column_slugs"] = _check_columns(handle, column_slugs, "--column-slugs")
        if tracking_column_slugs is not _UNSET:
            values["tracking_column_slugs"] = _check_columns(handle, tracking_column_slugs,
                                                             "--tracking-column-slugs")
        _validate(session, conn, handle, values.get("filter", row.filter), values.get("sort", row.sort),
                  values.get("records_limit", row.records_limit), uuid)
        repo.update_segment(conn, session.workspace_uuid, uuid, values)
        replanned = "filter" in values or "sort" in values
        if replanned:
            prune_segment_indexes(conn, session.workspace_uuid, handle, utcnow())
    if replanned:
        settle_table(session.db, handle)
    sync_segment(session, uuid)
    return get_segment(session, uuid, sync_due=False)


def remove_segment(session: Session, uuid: str) -> dict[str, Any]:
    """Soft delete; refused while a workflow (play) uses the segment (`segmentLinkedToWorkflow`) or another
    segment's filter refers to it (`segmentInUse`); a second remove is `segmentAlreadyRemoved`."""
    with session.db.write() as conn:
        row = found(repo.get_segment(conn, session.workspace_uuid, uuid, for_update=True, include_deleted=True),
                    "Segment", uuid)
        if row.deleted_at is not None:
            raise ConflictError(f"Segment already removed: {uuid}", reason="segmentAlreadyRemoved")
        users = repo.workflows_using(conn, session.workspace_uuid, uuid)
        if row.play_uuid or users:
            names = ", ".join(users) if users else f"play {row.play_uuid}"
            raise ConflictError(f"Segment is used by a workflow ({names}); remove it from the workflow first",
                                reason="segmentLinkedToWorkflow")
        from lading.data.filters import segment_references

        # Any segment of the workspace: an occurrence filter on a related model may name this one.
        referrers = [s.uuid for s in repo.list_segments(conn, session.workspace_uuid)
                     if s.uuid != uuid and uuid in segment_references(s.filter)]
        if referrers:
            raise ConflictError(f"Segment is referenced by the filter of segment {', '.join(referrers)}",
                                reason="segmentInUse")
        repo.update_segment(conn, session.workspace_uuid, uuid, {"deleted_at": utcnow()})
        repo.drop_members(conn, uuid)
        from lading.store.repositories import storage as storage_repo

        model = storage_repo.get_model(conn, session.workspace_uuid, row.model_uuid)
        if model is not None:  # a removed model took its table and indexes with it
            from lading.data.models import handle_from_row

            prune_segment_indexes(conn, session.workspace_uuid, handle_from_row(conn, model), utcnow())
    return shapes.Removed(uuid=uuid).dump()


# --- fetch / download -----------------------------------------------------------------------------


def _evaluate(session: Session, conn: Any, model_uuid: str, flt: Any, sort: Any, limit: int | None) -> Any:
    from lading.data.models import load_model
    from lading.data.segments import evaluate

    if not model_uuid:
        raise ValidationError("--model-uuid is required", reason="invalidData")
    if flt is None:
        raise FilterError(["filter"], "--filter is required ({\"conjonction\":\"and\",\"groups\":[]} matches all)")
    _check_limit(limit)
    handle = load_model(conn, session.workspace_uuid, model_uuid)
    return evaluate(conn, handle, flt, sort, limit, utcnow())


def fetch(session: Session, *, model_uuid: str, filter: Any, sort: Any = None, limit: int | None = None,
          fetching_limit: int = 100, fetching_offset: int = 0, enrich: bool = False,
          sync: bool = False) -> dict[str, Any]:
    """One page of the records matching an inline filter, with the total `count` (after `limit`)."""
    from lading.data.segments import output_columns, record_of
    from lading.services.segmentation.indexes import page_index

    if fetching_limit < 1 or fetching_limit > MAX_PAGE:
        raise ValidationError(f"--fetching-limit must be between 1 and {MAX_PAGE}", reason="invalidLimit")
    if fetching_offset < 0:
        raise ValidationError("--fetching-offset cannot be negative", reason="invalidOffset")
    with session.db.read() as conn:
        ev = _evaluate(session, conn, model_uuid, filter, sort, limit)
    if sync:
        _sync_model(session, ev.handle)
        with session.db.read() as conn:
            ev = _evaluate(session, conn, model_uuid, filter, sort, limit)
    columns = output_columns(ev.handle, enrich=enrich)
    slugs = [c["slug"] for c in columns]
    selected = [ev.table.c[s] for s in slugs]
    # Count first, then the page: a window count (`count(*) over ()`) would make PostgreSQL read and
    # sort every match before the page; and the count tells SQLite which index reads the page sooner.
    with session.db.read() as conn:
        count = ev.count(conn)
        rows: Sequence[Sequence[Any]] = []
        if count > fetching_offset:
            index = page_index(conn, ev, count, fetching_offset + fetching_limit)
            rows = conn.execute(ev.page(selected, fetching_limit, fetching_offset, index)).all()
    # `isRefreshing`: Cargo's client reads it; a Lading fetch has always finished refreshing (api.md §4).
    return {"records": [record_of(r, slugs) for r in rows], "count": count, "columns": columns,
            "isRefreshing": False}


def _sync_model(session: Session, handle: Any) -> None:
    """`--sync`: an extractor sync for connector models (native and ingest models have none to run),
    then the model's segment syncs that are due."""
    from lading.services.segmentation.changes import after_model_write

    if handle.kind == "connector":
        from lading.services.storage.models import refresh_model

        refresh_model(session, handle.uuid, trigger="segmentFetch")
    after_model_write(session, handle.uuid)


def download(session: Session, *, model_uuid: str, filter: Any, sort: Any = None, limit: int | None = None,
             fmt: str = "csv") -> dict[str, Any]:
    """The full result as a CSV (default) or JSON file; answers `{"url"}`."""
    import csv

    import orjson

    from lading.data.segments import output_columns, record_of
    from lading.data.values import csv_text
    from lading.services.exports import check_format, write_export

    check_format(fmt)
    with session.db.read() as conn:
        ev = _evaluate(session, conn, model_uuid, filter, sort, limit)
    columns = output_columns(ev.handle, enrich=True)
    slugs = [c["slug"] for c in columns]
    query = ev.ordered([ev.table.c[s] for s in slugs])

    def rows() -> Any:
        with session.db.read() as conn:
            yield from conn.execution_options(stream_results=True, yield_per=1000).execute(query)

    def write(fh: Any) -> None:
        if fmt == "json":
            fh.write("[")
            for i, row in enumerate(rows()):
                record = record_of(row, slugs)
                fh.write(("," if i else "") + orjson.dumps(record, option=orjson.OPT_NON_STR_KEYS).decode())
            fh.write("]")
            return
        out = csv.writer(fh)
        out.writerow(slugs)
        for row in rows():
            out.writerow([csv_text(v) for v in row])

    return write_export(session, f"segment.{fmt}", write)
