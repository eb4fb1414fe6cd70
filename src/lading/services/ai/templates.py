"""`ai template …`: read-only agent configurations to start from (verbs: list_templates, get).

Templates are not workspace data: the shipped ones plus `<home>/templates/*.json`, printed as written
with the keys the HTTP client also expects (`shapes.ai_template`). Every Lading template is an agent
template without documentation, so the client's `kinds` and `hasDocumentation` filters select all of
them or none.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lading.domain.errors import NotFoundError, ValidationError, shown
from lading.services.ai.shapes import ai_template

KINDS = ("agent", "mcpServer")


def list_templates(home: Path, *, has_documentation: bool | None = None, is_preset: bool | None = None,
                   kinds: Sequence[str] | None = None) -> dict[str, Any]:
    """Every template, complete; `is_preset`, `kinds` and `has_documentation` narrow the list."""
    from lading.ai.templates import all_templates

    for kind in kinds or ():
        if kind not in KINDS:
            raise ValidationError(f"--kinds: unknown kind {shown(kind)}; known: {', '.join(KINDS)}",
                                  reason="invalidData")
    found = [t for t in all_templates(home)
             if (is_preset is None or t["isPreset"] is is_preset)
             and (not kinds or t["kind"] in kinds)
             and has_documentation is not True]
    return {"templates": [ai_template(t) for t in found]}


def get(home: Path, slug: str) -> dict[str, Any]:
    from lading.ai.templates import get_template as find

    template = find(home, slug)
    if template is None:
        raise NotFoundError(f"Template not found: {slug}", reason="templateNotFound")
    return {"template": ai_template(template)}
