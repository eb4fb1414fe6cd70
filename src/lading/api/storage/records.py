"""`/storage/records…`: get, list, create, createBulk, update, updateBulk, remove, removeBulk (api.md
§3), and the Lading extensions `storage record import` (§12: multipart `file` + the import flags) and
`storage record upsert` (`POST /storage/records/upsert`: the command's write counts) send in remote
mode.

The uploaded file of an import is spooled by the form parser (1 MiB in memory, the rest on disk),
copied under its own name into a private temporary folder and imported from there, so the server's
memory stays flat whatever the file's size (at most the upload cap, api.md §0.5).
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._schemas import answers
from lading.api.storage import _schemas as schemas
from lading.domain.errors import LadingError, ValidationError
from lading.services.session import Session
from lading.services.storage import records, shapes

router = Router(prefix="/storage/records", tags=["storage"])
Caller = Annotated[Session, Depends(caller)]
log = logging.getLogger("lading.api.uploads")


class RecordGet(Query):
    model_uuid: str
    id: str


class Sort(Body):
    kind: str = "asc"
    column_slug: str = "_id"


class RecordList(Body):
    model_uuid: str
    from_ingest: bool = False
    limit: int = 100
    offset: int = 0
    sort: Sort | None = None


class RecordCreate(Body):
    model_uuid: str
    data: dict[str, Any]


class NewRecord(Body):
    data: dict[str, Any]


class RecordCreateBulk(Body):
    model_uuid: str
    records: list[NewRecord] = Field(max_length=records.MAX_UPSERT)


class RecordUpdate(Body):
    model_uuid: str
    id: str
    data: dict[str, Any]


class ChangedRecord(Body):
    id: str
    data: dict[str, Any]


class RecordUpdateBulk(Body):
    model_uuid: str
    records: list[ChangedRecord] = Field(max_length=records.MAX_UPSERT)


class RecordRemove(Body):
    model_uuid: str
    id: str


class RecordRemoveBulk(Body):
    model_uuid: str
    ids: list[str]


class RecordUpsert(Body):
    model_uuid: str
    records: Any  # checked by the service (same refusal as the embedded CLI)


@router.get("/get", summary="record.get: one record by id", openapi_extra=query_parameters(RecordGet),
            **answers(schemas.RecordFetched))
def get_record(session: Caller, fields: Annotated[RecordGet, Depends(query(RecordGet))]) -> dict[str, Any]:
    return records.get_record(session, model_uuid=fields.model_uuid, record_id=fields.id)


@router.post("/list", summary="record.list: a page of the model's records (by _id unless `sort`)",
             **answers(schemas.RecordPage))
def list_records(body: RecordList, session: Caller) -> dict[str, Any]:
    sort = None if body.sort is None else {"kind": body.sort.kind, "columnSlug": body.sort.column_slug}
    return records.list_records(session, model_uuid=body.model_uuid, limit=body.limit, offset=body.offset, sort=sort,
                                from_ingest=body.from_ingest)


@router.post("/create", summary="record.create: upsert one record by the model's id column; the stored row",
             **answers(schemas.RecordAnswer))
def create_record(body: RecordCreate, session: Caller) -> dict[str, Any]:
    stored = records.write_records(session, model_uuid=body.model_uuid, records=[(body.data, None)],
                                   existing_only=False)
    return {"record": stored[0]}


@router.post("/createBulk", summary="record.createBulk: upsert up to 1,000 records; the stored rows",
             **answers(schemas.RecordList))
def create_records(body: RecordCreateBulk, session: Caller) -> dict[str, Any]:
    stored = records.write_records(session, model_uuid=body.model_uuid,
                                   records=[(item.data, None) for item in body.records], existing_only=False)
    return {"records": stored}


@router.put("/update", summary="record.update: merge into an existing record (recordNotFound otherwise)",
            **answers(schemas.RecordAnswer))
def update_record(body: RecordUpdate, session: Caller) -> dict[str, Any]:
    stored = records.write_records(session, model_uuid=body.model_uuid, records=[(body.data, body.id)],
                                   existing_only=True)
    return {"record": stored[0]}


@router.put("/updateBulk", summary="record.updateBulk: merge into existing records; nothing changes if one id "
                                   "is unknown", **answers(schemas.RecordList))
def update_records(body: RecordUpdateBulk, session: Caller) -> dict[str, Any]:
    stored = records.write_records(session, model_uuid=body.model_uuid,
                                   records=[(item.data, item.id) for item in body.records], existing_only=True)
    return {"records": stored}


@router.delete("/remove", summary="record.remove: one record by id", **answers(shapes.RemovedRecords))
def remove_record(body: RecordRemove, session: Caller) -> dict[str, Any]:
    return records.remove_records(session, model_uuid=body.model_uuid, ids=[body.id])


@router.delete("/removeBulk", summary="record.removeBulk: records by id (unknown ids are not counted)",
               **answers(shapes.RemovedRecords))
def remove_records(body: RecordRemoveBulk, session: Caller) -> dict[str, Any]:
    return records.remove_records(session, model_uuid=body.model_uuid, ids=body.ids)


@router.post("/upsert", summary="record upsert (Lading extension): up to 1,000 records; the write counts",
             **answers(shapes.WriteCounts))
def upsert_records(body: RecordUpsert, session: Caller) -> dict[str, Any]:
    return records.upsert_records(session, model_uuid=body.model_uuid, records=body.records)


# --- import ---------------------------------------------------------------------------------------------

_IMPORT_FIELDS = ("modelUuid", "format", "mode", "createColumns", "strict", "dryRun", "columnTypes", "infer")
_IMPORT_FORM = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file", "modelUuid"],
    "properties": {"file": {"type": "string", "format": "binary"}, "modelUuid": {"type": "string"},
                   "format": {"type": "string", "enum": ["csv", "json", "ndjson"]},
                   "mode": {"type": "string", "enum": ["upsert", "insert", "replace"]},
                   "createColumns": {"type": "boolean"}, "strict": {"type": "boolean"},
                   "dryRun": {"type": "boolean"},
                   "columnTypes": {"type": "string", "description": 'JSON object {"<column slug>": "<type>"}: '
                                   "the types of columns the import creates"},
                   "infer": {"type": "boolean",
                             "description": "type new CSV columns from the data (default true)"}}}}}}}


def _flag(form: Any, name: str, default: bool) -> bool:
    raw = form.get(name)
    if raw is None:
        return default
    if raw in ("true", "false"):
        return bool(raw == "true")
    raise ValidationError(f"invalidPayload: {name} must be true or false", reason="invalidPayload",
                          extra={"issues": [{"path": [name], "message": "must be true or false"}]})


def _text(form: Any, name: str) -> str | None:
    raw = form.get(name)
    if raw is not None and not isinstance(raw, str):
        raise ValidationError(f"invalidPayload: {name} must be text", reason="invalidPayload",
                              extra={"issues": [{"path": [name], "message": "must be text"}]})
    return raw


def _safe_name(name: str | None) -> str:
    """The uploaded file's own name (its extension tells the format), reduced to safe characters."""
    base = Path(name or "").name
    return re.sub(r"[^A-Za-z0-9._-]", "_", base)[:200].lstrip(".") or "file"


def _import_spooled(session: Session, stream: Any, filename: str, model_uuid: str, options: dict[str, Any]
                    ) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="lading-import-"))
    try:
        path = folder / filename
        with path.open("wb") as target:
            shutil.copyfileobj(stream, target, 1024 * 1024)
        return records.import_records(session, model_uuid=model_uuid, file=str(path), **options)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@router.post("/import", summary="record import (Lading extension): multipart `file` + the import flags",
             openapi_extra=_IMPORT_FORM, **answers(schemas.ImportAnswer))
async def import_records(request: Request, session: Caller) -> dict[str, Any]:
    from lading.services.workspace import files

    try:
        try:
            form = await request.form(max_files=1, max_fields=16)
        except HTTPException as exc:
            if exc.status_code == 413:
                raise files.too_large(files.MAX_UPLOAD_BYTES) from None
            raise ValidationError(f"invalidPayload: {exc.detail}", reason="invalidPayload") from None
        try:
            unknown = sorted(set(form.keys()) - {"file", *_IMPORT_FIELDS})
            if unknown:
                raise ValidationError(f"invalidPayload: unknown field {unknown[0]!r}", reason="invalidPayload",
                                      extra={"issues": [{"path": [unknown[0]], "message": "unknown field"}]})
            part = form.get("file")
            if part is None or isinstance(part, str):
                raise ValidationError("noFile: the request has no `file` part (multipart/form-data)", reason="noFile")
            model_uuid = _text(form, "modelUuid")
            if not model_uuid:
                raise ValidationError("invalidPayload: modelUuid: required", reason="invalidPayload",
                                      extra={"issues": [{"path": ["modelUuid"], "message": "required"}]})
            options = {"fmt": _text(form, "format"), "mode": _text(form, "mode") or "upsert",
                       "create_columns": _flag(form, "createColumns", True), "strict": _flag(form, "strict", False),
                       "dry_run": _flag(form, "dryRun", False), "column_types": _text(form, "columnTypes"),
                       "infer": _flag(form, "infer", True)}
            await part.seek(0)
            return await run_in_threadpool(_import_spooled, session, part.file, _safe_name(part.filename),
                                           model_uuid, options)
        finally:
            await form.close()
    except LadingError as exc:
        log.warning("record import refused: %s (%s)", exc.reason, exc.message)
        raise
