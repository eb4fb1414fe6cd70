"""`POST /orchestration/query`: read-only ClickHouse SQL over the runtime tables, scoped to the
caller's workspace (`orchestration query execute`, api.md §2.7; refusals 400 `Code: …`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Router, answer_with_headers, caller
from lading.api._schemas import answers
from lading.api.orchestration import _schemas as schemas
from lading.services.orchestration import query
from lading.services.session import Session

router = Router(prefix="/orchestration/query", tags=["orchestration"])
Caller = Annotated[Session, Depends(caller)]


class QueryExecute(Body):
    query: str


@router.post("", summary="query.execute: {rows}; at most 10,000 rows (truncated beyond)", **answers(schemas.QueryRows))
def execute(body: QueryExecute, session: Caller) -> Any:
    document, truncated = query.execute_query(session, body.query)
    headers = {query.TRUNCATED_HEADER: str(query.limits().max_result_rows)} if truncated else {}
    return answer_with_headers(document, headers)
