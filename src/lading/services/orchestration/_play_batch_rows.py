"""The sources of play batches (`filter`, `recordIds`, `segment`, `change`), materialised at creation.

A play batch runs over rows of the play's model. The engine never reads models or segments (it
sits below `data/` and `services/`), so the batch's record list is resolved here, once, when the
batch is created, and written to the file store as JSON Lines, like inline `records`: each line is
`{"record": {...model row with _id...}, "title": "<title column>"}` or `{"error": "..."}` for a
requested id the model does not have. The feeder streams that file into runs chunk by chunk; the
run's `recordId` is the row's `_id` and its `recordTitle` the model's title column. The list is a
snapshot of the source at creation time, so a batch is reproducible whatever happens to the model
while it runs.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Any

import orjson

from lading.domain.errors import ValidationError, shown
from lading.services.session import Session
from lading.store.clock import utcnow

CHANGE_KINDS = ("added", "updated", "removed")
_PAGE = 1000


def normalise_change_kinds(kinds: Any, flag: str = "changeKinds") -> list[str]:
    """A non-empty subset of added/updated/removed (`created` = `added`), in canonical order."""
    if isinstance(kinds, str):
        kinds = [k.strip() for k in kinds.split(",") if k.strip()]
    if not isinstance(kinds, list) or not kinds:
        raise ValidationError(f"{flag} must list at least one of {', '.join(CHANGE_KINDS)}", reason="invalidData")
    wanted = set()
    for kind in kinds:
        kind = "added" if kind == "created" else kind
        if kind not in CHANGE_KINDS:
            raise ValidationError(f"{flag}: unknown change kind {shown(kind)}; expected {', '.join(CHANGE_KINDS)}",
                                  reason="invalidData")
        wanted.add(kind)
    return [k for k in CHANGE_KINDS if k in wanted]


def _model_of(play: Any, data: dict[str, Any]) -> str:
    model = data.get("modelUuid", play.model_uuid)
    if model != play.model_uuid:
        raise ValidationError(f"modelUuid {shown(model)} is not this play's model ({play.model_uuid})",
                              reason="invalidData")
    return str(model)


def _line(record: dict[str, Any], title: Any) -> bytes:
    return orjson.dumps({"record": record, "title": None if title is None else str(title)},
                        option=orjson.OPT_NON_STR_KEYS) + b"\n"


def _model_rows(conn: Any, handle: Any, ev: Any) -> Iterator[bytes]:
    """The evaluated rows of the model, in the evaluation's order, as JSON Lines."""
    from lading.data.segments import output_columns, record_of

    slugs = [c["slug"] for c in output_columns(handle, enrich=True)]
    query = ev.ordered([ev.table.c["_title"], *(ev.table.c[s] for s in slugs)])
    for row in conn.execution_options(yield_per=_PAGE).execute(query):
        yield _line(record_of(row[1:], slugs), row[0])


def _rows_by_id(conn: Any, handle: Any, ids: list[str]) -> Iterator[bytes]:
    from sqlalchemy import select

    from lading.data.segments import output_columns, record_of

    slugs = [c["slug"] for c in output_columns(handle, enrich=True)]
    table = handle.table
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        query = select(table.c["_title"], *(table.c[s] for s in slugs)).where(table.c["_id"].in_(part))
        found = {str(r[1]): r for r in conn.execute(query)}
        for rid in part:
            row = found.get(rid)
            yield (_line(record_of(row[1:], slugs), row[0]) if row is not None
                   else orjson.dumps({"error": f"record {rid} is not in the play's model"}) + b"\n")


def _change_rows(conn: Any, change: Any, kinds: list[str], skip: set[str]) -> Iterator[bytes]:
    from lading.store.repositories import segments as seg_repo

    offset = 0
    while True:
        page = seg_repo.change_records(conn, change.segment_uuid, change.seq, kinds, _PAGE, offset)
        for row in page:
            if str(row.record_id) in skip:
                continue
            record = dict(row.record or {})
            record["_id"] = str(row.record_id)
            yield _line(record, row.title)
        if len(page) < _PAGE:
            return
        offset += _PAGE


def change_record_ids(session: Session, change: Any, kinds: list[str]) -> list[str]:
    """Record ids of a change's records of these kinds (for `runCreationRule: once`)."""
    from lading.store.repositories import segments as seg_repo

    out: list[str] = []
    with session.db.read() as conn:
        offset = 0
        while True:
            page = seg_repo.change_records(conn, change.segment_uuid, change.seq, kinds, _PAGE, offset)
            out += [str(r.record_id) for r in page]
            if len(page) < _PAGE:
                return out
            offset += _PAGE


def _own_segment(play: Any, segment: Any) -> bool:
    """The play's own generated segment: a batch over it runs the play by hand over the segment's
    current members (Cargo's documented way), whereas another play's segment stays refused."""
    return str(segment.uuid) == str(play.segment_uuid) or (segment.play_uuid is not None
                                                           and str(segment.play_uuid) == str(play.uuid))


def resolve(play: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Validate the shape of a play batch's `--data`; returns the source description to store."""
    kind = data["kind"]
    if kind == "filter":
        _model_of(play, data)
        flt = data.get("filter")
        if flt is None and "operator" in data:  # the simple form written on the source itself
            flt = {k: data[k] for k in data if k not in ("kind", "modelUuid", "limit")}
        if not isinstance(flt, (dict, list)):
            raise ValidationError('filter batches need "filter": {"conjonction":"and","groups":[…]} or '
                                  '{"field","operator","value"} (or a list of those, meaning AND)',
                                  reason="invalidData")
        limit = data.get("limit")
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
            raise ValidationError("limit must be a positive whole number", reason="invalidData")
        return {"kind": "filter", "modelUuid": play.model_uuid, "filter": flt, "limit": limit}
    if kind == "recordIds":
        _model_of(play, data)
        ids = data.get("ids", data.get("recordIds"))
        if not isinstance(ids, list) or not all(isinstance(i, (str, int)) for i in ids):
            raise ValidationError('recordIds batches need "ids": ["id-1", …]', reason="invalidData")
        return {"kind": "recordIds", "modelUuid": play.model_uuid,
                "ids": list(dict.fromkeys(str(i) for i in ids))}
    if kind == "segment":
        uuid = data.get("segmentUuid")
        if not isinstance(uuid, str) or not uuid:
            raise ValidationError('segment batches need "segmentUuid"', reason="invalidData")
        return {"kind": "segment", "segmentUuid": uuid}
    uuid = data.get("changeUuid")
    if not isinstance(uuid, str) or not uuid:
        raise ValidationError('change batches need "changeUuid"', reason="invalidData")
    kinds = normalise_change_kinds(data["changeKinds"]) if data.get("changeKinds") is not None \
        else list(play.change_kinds)
    return {"kind": "change", "changeUuid": uuid, "changeKinds": kinds}


def source_lines(session: Session, conn: Any, play: Any, source: dict[str, Any],
                 skip_record_ids: set[str] | None = None) -> Iterator[bytes]:
    """The source's record list as JSON Lines (read in the caller's transaction): what `store`
    writes and `batch preview` shows."""
    from lading.data.models import load_model
    from lading.data.segments import evaluate
    from lading.domain.errors import NotFoundError
    from lading.store.repositories import segments as seg_repo

    ws = session.workspace_uuid
    kind = source["kind"]
    if kind == "filter":
        from lading.data.filters import simple
        from lading.data.segments import schema_of

        handle = load_model(conn, ws, play.model_uuid)
        flt = source["filter"]
        if simple.is_simple(flt):
            flt = simple.to_filter(flt, schema_of(handle).columns)
        return _model_rows(conn, handle, evaluate(conn, handle, flt, None, source["limit"], utcnow()))
    if kind == "recordIds":
        return _rows_by_id(conn, load_model(conn, ws, play.model_uuid), source["ids"])
    if kind == "segment":
        seg = seg_repo.get_segment(conn, ws, source["segmentUuid"])
        if seg is None:
            raise NotFoundError(f"Segment not found: {source['segmentUuid']}", reason="segmentNotFound")
        if (seg.from_play or seg.play_uuid) and not _own_segment(play, seg):
            raise ValidationError("this segment is generated by another play; pass a standalone segment, this "
                                  "play's own segment, or use a filter batch", reason="segmentLinkedToPlay")
        if seg.model_uuid != play.model_uuid:
            raise ValidationError("the segment belongs to another model than the play's", reason="invalidData")
        handle = load_model(conn, ws, play.model_uuid)
        return _model_rows(conn, handle, evaluate(conn, handle, seg.filter, seg.sort, seg.records_limit,
                                                  utcnow(), visiting=(seg.uuid,)))
    change = seg_repo.get_change(conn, ws, source["changeUuid"])
    if change is None:
        raise NotFoundError(f"Change not found: {source['changeUuid']}", reason="changeNotFound")
    seg = seg_repo.get_segment(conn, ws, change.segment_uuid, include_deleted=True)
    if seg is None or seg.model_uuid != play.model_uuid:
        raise ValidationError("the change belongs to a segment of another model than the play's",
                              reason="invalidData")
    return _change_rows(conn, change, source["changeKinds"], skip_record_ids or set())


def model_columns(session: Session, conn: Any, play: Any) -> list[dict[str, Any]]:
    """The play model's columns as `batch preview` lists them (SegmentColumn: slug, type, label, modelUuid)."""
    from lading.data.models import load_model
    from lading.data.segments import output_columns

    return output_columns(load_model(conn, session.workspace_uuid, play.model_uuid), enrich=True)


def store(session: Session, play: Any, source: dict[str, Any], batch_uuid: str, *,
          skip_record_ids: set[str] | None = None) -> dict[str, Any]:
    """Write the source's record list to the file store; `noRecords` when it is empty. Returns the
    source with `rowsFilename` and `count`."""
    from lading.store.repositories import files as files_repo

    ws = session.workspace_uuid
    count = 0  # readable rows (requested ids missing from the model are written as bad rows)
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as buffer:
        with session.db.read() as conn:
            for line in source_lines(session, conn, play, source, skip_record_ids):
                buffer.write(line)
                count += not line.startswith(b'{"error"')
        if count == 0:
            raise ValidationError("the source has no records", reason="noRecords")
        buffer.seek(0)
        name = f"{ws}/batches/{batch_uuid}/rows.jsonl"
        files_repo.store_file(session.db, ws, name, "rows.jsonl", "application/x-ndjson", buffer,
                              utcnow())
    return {**source, "rowsFilename": name, "count": count}
