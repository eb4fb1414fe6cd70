"""`/ai/templates…`: read-only agent configurations (`ai template …`, api.md §6)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Router, caller
from lading.api._schemas import answers
from lading.api.ai import _schemas as schemas
from lading.services.ai import templates
from lading.services.session import Session

router = Router(prefix="/ai/templates", tags=["ai"])
Caller = Annotated[Session, Depends(caller)]


class TemplateFilters(Body):
    has_documentation: bool | None = None
    is_preset: bool | None = None
    kinds: list[str] | None = None


@router.post("/list", summary="template.list (Lading's templates are agent templates without documentation)",
             **answers(schemas.TemplateList))
def list_templates(session: Caller, body: TemplateFilters | None = None) -> dict[str, Any]:
    return templates.list_templates(session.settings.home, **(body.given() if body else {}))


@router.get("/{slug}", summary="template.get", **answers(schemas.TemplateAnswer))
def get_template(slug: str, session: Caller) -> dict[str, Any]:
    return templates.get(session.settings.home, slug)
