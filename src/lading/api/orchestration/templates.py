"""`/orchestration/templates…`: shipped blueprints (`orchestration template …`, api.md §2.2)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Router, caller
from lading.api._schemas import answers
from lading.api.orchestration import _schemas as schemas
from lading.services.orchestration import templates
from lading.services.session import Session

router = Router(prefix="/orchestration/templates", tags=["orchestration"])
Caller = Annotated[Session, Depends(caller)]


class TemplateList(Body):
    has_documentation: bool | None = None
    is_preset: bool | None = None
    kinds: list[str] | None = None


@router.post("/list", summary="template.list", **answers(schemas.TemplateListAnswer))
def list_templates(body: TemplateList, session: Caller) -> dict[str, Any]:
    return templates.list_templates(kinds=body.kinds, has_documentation=body.has_documentation,
                                    is_preset=body.is_preset)


@router.get("/{slug}", summary="template.get", **answers(schemas.TemplateAnswer))
def get_template(slug: str, session: Caller) -> dict[str, Any]:
    return templates.template(slug)
