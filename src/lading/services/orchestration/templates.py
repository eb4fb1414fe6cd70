"""`orchestration template …`: the shipped, read-only workflow blueprints."""

from __future__ import annotations

import copy
from typing import Any

from lading.domain.errors import NotFoundError, ValidationError, shown
from lading.engine.costs import credits_cost
from lading.engine.templates import all_templates, get_template
from lading.integrations.pricing import list_price_of
from lading.services.orchestration import _presenters as presenters
from lading.services.orchestration import shapes

KINDS = ("tool", "play", "workflow")


def _common(t: dict[str, Any]) -> dict[str, Any]:
    """The fields every template answers with: what the blueprint declares, and for a tool its
    icon and the credits range of its graph (list prices, as for a tool)."""
    fields: dict[str, Any] = dict(slug=t["slug"], name=t["name"], description=t["description"], kind=t["kind"],
                                  categories=list(t.get("categories") or []))
    if t["kind"] == "tool":
        low, high = credits_cost(t["nodes"], list_price_of)
        fields["credits_cost"] = shapes.CreditsCost(min=low, max=high)
        fields["icon"] = {"kind": "emoji", "emojiSlug": t["emojiSlug"]} if t.get("emojiSlug") else None
    if t["kind"] == "play":
        fields["model"] = t.get("model")
    return fields


def list_templates(*, kind: str | None = None, kinds: list[str] | None = None, has_documentation: bool | None = None,
                   is_preset: bool | None = None) -> dict[str, Any]:
    """Templates narrowed by kind(s); shipped templates are presets without documentation."""
    wanted = set(kinds or []) | ({kind} if kind else set())
    for name in wanted:
        if name not in KINDS:
            raise ValidationError(f"unknown template kind {shown(name)}; use tool, play or workflow",
                                  reason="invalidData")
    if has_documentation or is_preset is False:
        return {"templates": []}
    items = [shapes.TemplateItem(**_common(t)).dump() for t in all_templates().values()
             if not wanted or t["kind"] in wanted]
    return {"templates": items}


def template(slug: str) -> dict[str, Any]:
    found = get_template(slug)
    if found is None:
        raise NotFoundError(f"Template not found: {slug}", reason="templateNotFound")
    t = copy.deepcopy(found)
    return {"template": shapes.Template(**_common(t), form_fields=presenters.form_fields(t.get("formFields")),
                                        nodes=t["nodes"]).dump()}
