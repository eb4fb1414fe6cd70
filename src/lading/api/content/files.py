"""`/content/files…`: the content files agents search (`content file …`, api.md §7, §0.5, §0.6).

Bytes never sit whole in memory either way. An upload is spooled to a temporary file by the form
parser (1 MiB in memory, the rest on disk, as for workspace files) and copied into the store a chunk
at a time; `raw` answers the stored chunks one by one as the client reads them. As the Cargo client
reports no reason for a failed upload, every refusal is also logged here.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._schemas import Removed, answers
from lading.api.content import _schemas as schemas
from lading.domain.errors import LadingError, ValidationError
from lading.services.content import files
from lading.services.session import Session

router = Router(prefix="/content/files", tags=["content"])
Caller = Annotated[Session, Depends(caller)]
log = logging.getLogger("lading.api.uploads")


class FileListQuery(Query):
    connector_uuid: str | None = None
    kind: str | None = None
    folder_uuid: str | None = None
    library_uuid: str | None = None


class FileUpdate(Body):
    name: str | None = None
    folder_uuid: str | None = None


@router.get("/list", summary="file.all", openapi_extra=query_parameters(FileListQuery), **answers(schemas.FileList))
def list_files(session: Caller, fields: Annotated[FileListQuery, Depends(query(FileListQuery))]) -> dict[str, Any]:
    return files.list_files(session, **fields.given())


_UPLOAD_FORM = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary"},
                   "folderUuid": {"type": "string", "description": "Put the file in this folder."},
                   "uuid": {"type": "string", "description": "Replace this file's content, keeping its uuid."}}}}}}}


def _text_field(form: Any, name: str) -> str | None:
    value = form.get(name)
    if value is not None and not isinstance(value, str):
        raise ValidationError(f"invalidPayload: `{name}` must be a text field, not a file", reason="invalidPayload")
    return value or None


@router.post("/upload", summary="file.upload (multipart `file`, `folderUuid`, `uuid`; at most 100 MiB)",
             openapi_extra=_UPLOAD_FORM, **answers(schemas.FileList))
async def upload(request: Request, session: Caller) -> dict[str, Any]:
    try:
        try:
            form = await request.form(max_files=8, max_fields=32)
        except HTTPException as exc:
            if exc.status_code == 413:  # the body cap (`api/app.BodyLimit`) stopped it mid-stream
                raise files.too_large("the upload") from None
            raise ValidationError(f"invalidPayload: {exc.detail}", reason="invalidPayload") from None
        try:
            part = form.get("file")
            if part is None or isinstance(part, str):
                raise ValidationError("noFile: the request has no `file` part (multipart/form-data)",
                                      reason="noFile")
            folder_uuid, uuid = _text_field(form, "folderUuid"), _text_field(form, "uuid")
            answer = await run_in_threadpool(files.store, session, part.filename or "file", part.file,
                                             content_type=part.content_type, folder_uuid=folder_uuid, uuid=uuid)
            return {"files": [answer["file"]]}
        finally:
            await form.close()
    except LadingError as exc:
        log.warning("content file upload refused: %s (%s)", exc.reason, exc.message)
        raise


@router.get("/{uuid}/raw", summary="file.readBytes: the stored bytes, with the file's content type",
            response_model=None, responses={200: {"description": "The file's bytes, with its content type", "content": {
                "*/*": {"schema": {"type": "string", "format": "binary"}}}}})
def read_bytes(uuid: str, session: Caller) -> Any:
    from starlette.responses import StreamingResponse

    raw = files.read_bytes(session, uuid)
    return StreamingResponse(raw.chunks, media_type=raw.content_type, headers={
        "content-length": str(raw.size),
        "content-disposition": f"inline; filename*=UTF-8''{quote(raw.name, safe='')}"})


@router.get("/{uuid}", summary="file.get", **answers(schemas.FileAnswer))
def get_file(uuid: str, session: Caller) -> dict[str, Any]:
    return files.get(session, uuid)


@router.put("/{uuid}", summary="file.update (rename or move; the content never changes)",
            **answers(schemas.FileAnswer))
def update_file(uuid: str, body: FileUpdate, session: Caller) -> dict[str, Any]:
    return files.update(session, uuid, **body.given())


@router.delete("/{uuid}", summary="file.remove (its bytes and passages too)", **answers(Removed))
def remove_file(uuid: str, session: Caller) -> dict[str, Any]:
    return files.remove(session, uuid)
