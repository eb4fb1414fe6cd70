"""`orchestration template …`: the shipped, read-only workflow blueprints."""

from __future__ import annotations

import copy
from typing import Any

from lading.domain.errors import NotFoundError
from lading.engine.templates import all_templates, get_template
from lading.services.orchestration import shapes


def list_templates(*, kind: str | None = None) -> dict[str, Any]:
    items = [shapes.TemplateItem(slug=t["slug"], name=t["name"], description=t["description"], kind=t["kind"]).dump()
             for t in all_templates().values() if kind is None or t["kind"] == kind]
    return {"templates": items}


def template(slug: str) -> dict[str, Any]:
    found = get_template(slug)
    if found is None:
        raise NotFoundError(f"Template not found: {slug}", reason="templateNotFound")
    t = copy.deepcopy(found)
    return {"template": shapes.Template(slug=t["slug"], name=t["name"], description=t["description"], kind=t["kind"],
                                        form_fields=t.get("formFields"), nodes=t["nodes"]).dump()}
