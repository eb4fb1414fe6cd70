"""AI templates (spec §2.3): read-only agent configurations a draft can start from.

Shipped templates are JSON data files in this folder; a workspace administrator adds more by dropping
`<anything>.json` files (one Template object each) into `$LADING_HOME/templates/`. Every template is
checked with the same rules as a release (so copying one into a draft can never store a malformed
configuration) and completed with defaults, so `template list` always prints complete objects. A
file that cannot be read or fails a check is skipped with a warning on stderr: one bad file must not
break every AI command. A user file cannot replace a shipped slug (the shipped one wins, with a warning).
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from lading.ai import icons
from lading.ai.catalog import resolve_model
from lading.ai.releases import (
    check_actions,
    check_capabilities,
    check_heartbeat,
    check_max_steps,
    check_output,
    check_resources,
    check_suggested_actions,
    check_temperature,
)
from lading.domain.errors import LadingError, shown

_DIR = Path(__file__).parent
CATEGORIES = ("prospecting", "ops", "enablement", "outreach", "expansion", "public", "private")
SCOPES = ("public", "private")
_SLUG = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{0,127}$")
_FIELDS = ("slug", "name", "description", "kind", "scope", "isPreset", "icon", "languageModelSlug",
           "integrationSlug", "temperature", "maxSteps", "withReasoning", "systemPrompt", "actions", "resources",
           "capabilities", "suggestedActions", "output", "heartbeat", "categories", "author", "createdAt",
           "updatedAt")


class TemplateError(ValueError):
    """Why one template file was skipped."""


def _string(data: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise TemplateError(f"{shown(key)} must be a {'non-empty ' if required else ''}string")
    return value


def _author(value: Any) -> dict[str, Any]:
    author = value if isinstance(value, dict) else {}
    company = author.get("company")
    company = company if isinstance(company, dict) else {}
    return {"name": author.get("name"), "title": author.get("title"),
            "company": {"name": company.get("name"), "url": company.get("url")}}


def normalise(data: Any, *, shipped: bool, modified: str) -> dict[str, Any]:
    """One complete Template object, or TemplateError naming the first problem."""
    if not isinstance(data, dict):
        raise TemplateError("a template file holds one JSON object")
    slug = _string(data, "slug", required=True) or ""
    if not _SLUG.match(slug):
        raise TemplateError(f"slug {shown(slug)} must be letters, digits, '-' or '_'")
    if data.get("kind", "agent") != "agent":
        raise TemplateError("'kind' must be \"agent\"")
    scope = data.get("scope", "public" if shipped else "private")
    if scope not in SCOPES:
        raise TemplateError(f"'scope' must be one of {', '.join(SCOPES)}")
    categories = data.get("categories") or []
    if not isinstance(categories, list) or any(c not in CATEGORIES for c in categories):
        raise TemplateError(f"'categories' must be a subset of {', '.join(CATEGORIES)}")
    icon = data.get("icon")
    icon = icon if isinstance(icon, dict) else {}
    try:
        model, integration = resolve_model(_string(data, "languageModelSlug"), _string(data, "integrationSlug"))
        body = {
            "icon": {"color": icons.check_color(icon.get("color", icons.DEFAULT_COLOR)),
                     "face": icons.check_face(icon.get("face", icons.DEFAULT_FACE))},
            "temperature": check_temperature(data.get("temperature", 0.3)),
            "maxSteps": check_max_steps(data.get("maxSteps", 10)),
            "actions": check_actions(data.get("actions") or []),
            "resources": check_resources(data.get("resources") or []),
            "capabilities": check_capabilities(data.get("capabilities") or []),
            "suggestedActions": check_suggested_actions(data.get("suggestedActions") or []),
            "output": check_output(data.get("output") or {"type": "text"}),
            "heartbeat": check_heartbeat(data.get("heartbeat")),
        }
    except LadingError as exc:
        raise TemplateError(exc.message) from exc
    reasoning = data.get("withReasoning", False)
    if not isinstance(reasoning, bool):
        raise TemplateError("'withReasoning' must be true or false")
    out = {
        "slug": slug, "name": _string(data, "name", required=True), "description": _string(data, "description"),
        "kind": "agent", "scope": scope, "isPreset": bool(data.get("isPreset", shipped)),
        "languageModelSlug": model, "integrationSlug": integration, "withReasoning": reasoning,
        "systemPrompt": _string(data, "systemPrompt") or "", "categories": categories,
        "author": _author(data.get("author")),
        "createdAt": _string(data, "createdAt") or modified, "updatedAt": _string(data, "updatedAt") or modified,
        **body,
    }
    return {key: out[key] for key in _FIELDS}


def _modified(path: Path) -> str:
    stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
    return stamp.isoformat(timespec="milliseconds") + "Z"


def _read(path: Path, *, shipped: bool) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise TemplateError(f"not readable JSON ({exc})") from exc
    return normalise(data, shipped=shipped, modified=_modified(path))


@cache
def shipped_templates() -> dict[str, dict[str, Any]]:
    """The templates in this folder (a broken shipped file is a packaging bug: it raises)."""
    out = {}
    for path in sorted(_DIR.glob("*.json")):
        template = _read(path, shipped=True)
        out[template["slug"]] = template
    return out


def _warn(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")


def user_templates(home: Path) -> dict[str, dict[str, Any]]:
    """`$LADING_HOME/templates/*.json`, read on every call (files may change between commands)."""
    shipped = shipped_templates()
    out: dict[str, dict[str, Any]] = {}
    for path in sorted((home / "templates").glob("*.json")):
        try:
            template = _read(path, shipped=False)
        except TemplateError as exc:
            _warn(f"AI template {path.name} skipped: {exc}")
            continue
        if template["slug"] in shipped or template["slug"] in out:
            _warn(f"AI template {path.name} skipped: the slug {shown(template['slug'])} is already taken")
            continue
        out[template["slug"]] = template
    return out


def all_templates(home: Path) -> list[dict[str, Any]]:
    """Shipped templates, then the user's, each group by slug."""
    return [*shipped_templates().values(), *user_templates(home).values()]


def get_template(home: Path, slug: str) -> dict[str, Any] | None:
    return shipped_templates().get(slug) or user_templates(home).get(slug)


def release_config_of(template: dict[str, Any]) -> dict[str, Any]:
    """The release fields a template sets (the rest come from the empty draft)."""
    keys = ("systemPrompt", "languageModelSlug", "integrationSlug", "temperature", "maxSteps", "withReasoning",
            "actions", "resources", "capabilities", "suggestedActions", "output", "heartbeat")
    return {key: template[key] for key in keys}
