"""Orchestration templates: read-only blueprints shipped as JSON data files in this folder.

Adding a template means adding one `<slug>.json` file (`slug`, `name`, `description`, `kind`,
`formFields`, `nodes`, with `__REPLACE_WITH_…__` placeholders where a workspace object goes).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_DIR = Path(__file__).parent


@cache
def all_templates() -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted(_DIR.glob("*.json")):
        data = json.loads(path.read_text())
        out[data["slug"]] = data
    return out


def get_template(slug: str) -> dict[str, Any] | None:
    return all_templates().get(slug)
