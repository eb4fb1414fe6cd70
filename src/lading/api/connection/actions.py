"""`/connection/actions/search`: connector actions of the catalog by keywords (`connection action
search`, a Lading extension, api.md §12)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Router, caller
from lading.api._schemas import answers
from lading.api.connection import _schemas as schemas
from lading.services.connection import actions
from lading.services.session import Session

router = Router(prefix="/connection/actions", tags=["connection"])
Caller = Annotated[Session, Depends(caller)]


class ActionSearch(Body):
    query: str | list[str]
    category: str | None = None
    integration: str | None = None
    credits_only: bool = False
    limit: int = actions.DEFAULT_LIMIT
    max_credits: float | None = None
    sort: str = "relevance"


@router.post("/search", summary="action search (Lading extension): every term must match; category, "
             "maxCredits, sort=price",
             **answers(schemas.ActionSearchAnswer))
def search_actions(body: ActionSearch, session: Caller) -> dict[str, Any]:
    return actions.search(body.query, category=body.category, integration=body.integration,
                          credits_only=body.credits_only, limit=body.limit, max_credits=body.max_credits,
                          sort=body.sort, session=session)
