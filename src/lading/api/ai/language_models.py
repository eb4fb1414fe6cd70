"""`GET /ai/languageModels/list`: the language-model catalog (`ai language-model list`, api.md §12)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Query, Router, caller, query, query_parameters
from lading.api._schemas import answers
from lading.api.ai import _schemas as schemas
from lading.services.ai import language_models
from lading.services.session import Session

router = Router(prefix="/ai/languageModels", tags=["ai"])
Caller = Annotated[Session, Depends(caller)]


class ModelFilters(Query):
    integration_slug: str | None = None


@router.get("/list", summary="language models with credit prices (Lading extension)",
            openapi_extra=query_parameters(ModelFilters), **answers(schemas.LanguageModelList))
def list_language_models(session: Caller,
                         params: Annotated[ModelFilters, Depends(query(ModelFilters))]) -> dict[str, Any]:
    return language_models.list_language_models(params.integration_slug)
