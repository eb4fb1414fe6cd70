"""`/storage/query…`: execute and download read-only SQL over the workspace's models (`storage query
…`, api.md §3). A result cut at 10,000 rows says so in a response header, which the remote CLI turns
into the embedded command's warning; a download answers its export as a signed link (api.md §0.6)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from starlette.requests import Request

from lading.api._http import Body, Router, answer_with_headers, caller
from lading.api._links import signed
from lading.api._schemas import answers
from lading.api.storage import _schemas as schemas
from lading.services.session import Session
from lading.services.storage import query

router = Router(prefix="/storage/query", tags=["storage"])
Caller = Annotated[Session, Depends(caller)]




class QueryExecute(Body):
    query: str


class QueryDownload(Body):
    query: str
    format: str = "csv"


@router.post("", summary="query.execute: {rows, isRefreshing}; at most 10,000 rows (truncated beyond)",
             **answers(schemas.QueryRows))
def execute(body: QueryExecute, session: Caller) -> Any:
    document = query.execute_query(session, body.query)
    truncated = document.pop("truncated", False)
    return answer_with_headers(document, {query.TRUNCATED_HEADER: str(query.MAX_ROWS)} if truncated else {})


@router.post("/download", summary="query.download: the whole result as one signed link", **answers(schemas.QueryLinks))
def download(body: QueryDownload, request: Request, session: Caller) -> dict[str, Any]:
    export = query.download_query(session, body.query, fmt=body.format)
    return {"urls": [signed(request, export["url"])], "isRefreshing": False}
