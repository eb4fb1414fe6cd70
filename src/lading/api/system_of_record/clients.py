"""`/storage/systemOfRecord/clients…`: read-only SQL by physical table names and the system of record's
documentation (`system-of-record client …`, data spec §6.3). Lading additions (api.md §14 keeps the
client's own domain 501). A refused or failing query is an outcome, answered 200 `notQueried`; a
result cut at 10,000 rows says so in a response header, as `storage query` does."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from starlette.requests import Request
from starlette.responses import Response

from lading.api._http import Body, Router, answer_with_headers, caller
from lading.api._links import signed
from lading.api._schemas import answers
from lading.api.system_of_record import _schemas as schemas
from lading.services.session import Session
from lading.services.storage import query as storage_query
from lading.services.system_of_record import clients

router = Router(prefix="/storage/systemOfRecord/clients", tags=["storage"])
Caller = Annotated[Session, Depends(caller)]


class ClientQuery(Body):
    query: str


class ClientFetch(Body):
    query: str
    limit: int = clients.DEFAULT_FETCH_LIMIT
    offset: int = 0


class ClientDownload(Body):
    query: str
    format: str = "csv"


@router.post("/query", summary="client query: {outcome, rows} or {outcome: notQueried, errorMessage}",
             **answers(schemas.QueryOutcome))
def query(body: ClientQuery, session: Caller) -> Any:
    document = clients.query_sor(session, body.query)
    truncated = document.pop("truncated", False)
    headers = {storage_query.TRUNCATED_HEADER: str(storage_query.MAX_ROWS)} if truncated else {}
    return answer_with_headers(document, headers)


@router.post("/fetch", summary="client fetch: one page {outcome, rows} of a query", **answers(schemas.QueryOutcome))
def fetch(body: ClientFetch, session: Caller) -> dict[str, Any]:
    return clients.fetch_sor(session, body.query, limit=body.limit, offset=body.offset)


@router.post("/download", summary="client download: {outcome, url}, the whole result as one signed link",
             **answers(schemas.DownloadOutcome))
def download(body: ClientDownload, request: Request, session: Caller) -> dict[str, Any]:
    document = clients.download_sor(session, body.query, fmt=body.format)
    if "url" in document:
        document["url"] = signed(request, document["url"])
    return document


@router.get("/{slug}/documentation", summary="client get-documentation (plain text, not JSON)",
            response_model=None, responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                                                  "description": "The system of record's documentation"}})
def get_documentation(slug: str, session: Caller) -> Response:
    return Response(clients.sor_documentation(session, slug), media_type="text/plain; charset=utf-8")
