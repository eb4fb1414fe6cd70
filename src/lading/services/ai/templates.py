"""`ai template …`: read-only agent configurations to start from (verbs: list_templates, get).

Templates are not workspace data: the shipped ones plus `<home>/templates/*.json`, printed as written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lading.domain.errors import NotFoundError


def list_templates(home: Path) -> dict[str, Any]:
    """Every template, complete."""
    from lading.ai.templates import all_templates

    return {"templates": all_templates(home)}


def get(home: Path, slug: str) -> dict[str, Any]:
    from lading.ai.templates import get_template as find

    template = find(home, slug)
    if template is None:
        raise NotFoundError(f"Template not found: {slug}", reason="templateNotFound")
    return {"template": template}
