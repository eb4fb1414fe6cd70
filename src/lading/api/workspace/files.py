"""`/workspaceManagement/files…`: batch input files (`workspaceManagement file upload|list-columns`) and
the chunked upload protocol for large ones (api.md §0.5, §9).

Bytes never sit whole in memory: a multipart upload is spooled to a temporary file by the form parser
(1 MiB in memory, the rest on disk) and a part `PUT` is spooled the same way, then each is copied into
the store a chunk at a time in one short write transaction, so a slow client never holds the store's
writer. Uploads are refused past their cap with 413 `fileTooLarge`; as the Cargo client reports no
reason for a failed upload, every refusal is also logged here.
"""

from __future__ import annotations

import logging
import tempfile
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from lading.api._http import App, Body, Query, Router, caller, query, query_parameters
from lading.api._schemas import answers
from lading.api.workspace import _schemas as schemas
from lading.domain.errors import LadingError, ValidationError
from lading.services.session import Session
from lading.services.workspace import files, shapes

router = Router(prefix="/workspaceManagement/files", tags=["workspaceManagement"])
Caller = Annotated[Session, Depends(caller)]
log = logging.getLogger("lading.api.uploads")

_SPOOL_IN_MEMORY = 1024 * 1024
_CORS = {"access-control-allow-origin": "*", "access-control-expose-headers": "ETag"}


def _refused(what: str, exc: LadingError) -> LadingError:
    log.warning("%s refused: %s (%s)", what, exc.reason, exc.message)
    return exc


def _over_cap(exc: HTTPException) -> LadingError:
    """The body cap (`api/app.BodyLimit`) stopping an upload mid-stream: the upload's own reason."""
    if exc.status_code == 413:
        return files.too_large(files.MAX_UPLOAD_BYTES)
    return ValidationError(f"invalidPayload: {exc.detail}", reason="invalidPayload")


_UPLOAD_FORM = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary"}}}}}}}


@router.post("/upload", summary="file.upload (multipart `file`, at most 100 MiB)", openapi_extra=_UPLOAD_FORM,
             **answers(shapes.UploadedFile))
async def upload(request: Request, session: Caller) -> dict[str, Any]:
    try:
        try:
            form = await request.form(max_files=8, max_fields=32)
        except HTTPException as exc:
            raise _over_cap(exc) from None
        try:
            part = form.get("file")
            if part is None or isinstance(part, str):
                raise ValidationError("noFile: the request has no `file` part (multipart/form-data)",
                                      reason="noFile")
            if part.size is not None and part.size > files.MAX_UPLOAD_BYTES:
                raise files.too_large(files.MAX_UPLOAD_BYTES)
            await part.seek(0)
            return await run_in_threadpool(files.store_upload, session, part.filename or "file",
                                           part.content_type, part.file, limit=files.MAX_UPLOAD_BYTES)
        finally:
            await form.close()
    except LadingError as exc:
        raise _refused("file upload", exc) from None


class ColumnsQuery(Query):
    s3_filename: str = Field(description="The key `file.upload` answered.")


@router.get("/listColumns", summary="file.listColumns", openapi_extra=query_parameters(ColumnsQuery),
            **answers(shapes.Columns))
def list_columns(session: Caller, fields: Annotated[ColumnsQuery, Depends(query(ColumnsQuery))]) -> dict[str, Any]:
    return files.list_columns(session, fields.s3_filename)


class MultipartCreate(Body):
    content_type: str
    filename: str | None = None


class MultipartSign(Body):
    s3_filename: str
    upload_id: str
    part_number: int


class MultipartPart(Body):
    part_number: int
    etag: str


class MultipartComplete(Body):
    s3_filename: str
    upload_id: str
    parts: list[MultipartPart]


class MultipartAbort(Body):
    s3_filename: str
    upload_id: str


@router.post("/multipart/create", summary="Start a chunked upload (files of 50 MiB or more)",
             **answers(schemas.MultipartStarted))
def multipart_create(body: MultipartCreate, session: Caller) -> dict[str, Any]:
    return files.create_multipart(session, content_type=body.content_type, filename=body.filename)


@router.post("/multipart/sign", summary="A signed URL to PUT one part to (valid 1 h)", **answers(schemas.PartLink))
def multipart_sign(body: MultipartSign, session: Caller, request: Request) -> dict[str, Any]:
    return files.sign_part(session, s3_filename=body.s3_filename, upload_id=body.upload_id,
                           part_number=body.part_number, request_base=str(request.base_url))


@router.post("/multipart/complete", summary="Check every part's ETag and make the file of the parts in order",
             **answers(schemas.MultipartCompleted))
def multipart_complete(body: MultipartComplete, session: Caller) -> dict[str, Any]:
    try:
        return files.complete_multipart(session, s3_filename=body.s3_filename, upload_id=body.upload_id,
                                        parts=[part.model_dump(by_alias=True) for part in body.parts])
    except LadingError as exc:
        raise _refused("chunked upload", exc) from None


@router.post("/multipart/abort", summary="Drop a chunked upload and its parts", **answers(schemas.Empty))
def multipart_abort(body: MultipartAbort, session: Caller) -> dict[str, Any]:
    return files.abort_multipart(session, s3_filename=body.s3_filename, upload_id=body.upload_id)


_RAW_PART = {"requestBody": {"required": True, "content": {"application/octet-stream": {
    "schema": {"type": "string", "format": "binary"}}}}}


@router.put("/multipart/parts/{upload_id}/{part_number}", openapi_extra=_RAW_PART,
            summary="Upload one part (public: the URL's signature is the authority); `ETag` = hex MD5",
            **answers(schemas.PartStored))
async def put_part(upload_id: str, part_number: int, request: Request, expires: str | None = None,
                   signature: str | None = None) -> Any:
    from lading.api._errors import json_answer_class

    app: App = request.app.state.lading
    try:
        if not files.part_url_holds(upload_id, part_number, expires, signature):
            from lading.services.access import forbidden

            raise forbidden()
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as spool:
            try:
                async for chunk in request.stream():
                    spool.write(chunk)  # beyond 1 MiB this is a local disk write
            except HTTPException as exc:
                raise _over_cap(exc) from None
            spool.seek(0)
            stored = await run_in_threadpool(files.put_part, app.db, upload_id=upload_id, part_number=part_number,
                                             expires=expires, signature=signature, stream=spool)
    except LadingError as exc:
        raise _refused("upload part", exc) from None
    return json_answer_class()(stored, headers={"etag": stored["etag"], **_CORS})


@router.options("/multipart/parts/{upload_id}/{part_number}", include_in_schema=False)
def part_preflight(upload_id: str, part_number: str) -> Any:
    """CORS preflight of a browser sending a part straight from the page."""
    from starlette.responses import Response

    return Response(status_code=204, headers={**_CORS, "access-control-allow-methods": "PUT, OPTIONS",
                                              "access-control-allow-headers": "content-type",
                                              "access-control-max-age": "3600"})
