"""`connection action search`: find connector actions of the catalog by keywords (C §1.2).

Every query term must match somewhere; a term matching the action's slug or name counts above one
matching the integration's slug or name, above one matching only the description, so the action a
user names comes first. Native actions, tools and agents are searched by `orchestration action list`.
"""

from __future__ import annotations

from typing import Any

from lading.domain.errors import ValidationError, shown
from lading.domain.paging import check_page
from lading.integrations import Action, Integration
from lading.integrations._sdk import CATEGORIES
from lading.services.connection import shapes
from lading.services.connection.integrations import require_integration
from lading.services.session import Session

DEFAULT_LIMIT = 20


def _tier(term: str, integration: Integration, action: Action) -> int:
    """3: the action's slug or name; 2: the integration's; 1: the description; 0: nowhere."""
    if term in f"{action.slug} {action.name} {' '.join(action.aliases)}".lower():
        return 3
    if term in f"{integration.slug} {integration.name}".lower():
        return 2
    if term in action.description.lower():
        return 1
    return 0


def search(query: str | list[str], *, category: str | None = None, integration: str | None = None,
           credits_only: bool = False, limit: int = DEFAULT_LIMIT,
           session: Session | None = None) -> dict[str, Any]:
    """`{actions: [ActionSearchHit]}`, best match first."""
    check_page(limit, 0)
    text = " ".join(query) if isinstance(query, list) else str(query or "")
    terms = [t for t in text.lower().split() if t]
    if not terms:
        raise ValidationError("give at least one search term", reason="invalidData")
    if category is not None and category not in CATEGORIES:
        raise ValidationError(f"unknown category {shown(category)}; use one of {', '.join(CATEGORIES)}",
                              reason="invalidData")
    wanted = require_integration(integration, session).slug if integration else None
    scored: list[tuple[tuple[int, ...], str, str, shapes.ActionSearchHit]] = []
    from lading.services.connection.catalog import catalog

    seen = catalog(session.db, session.workspace_uuid) if session is not None else catalog(None, None)
    for candidate in seen.values():
        if wanted is not None and candidate.slug != wanted:
            continue
        for action in candidate.actions:
            action_category = action.category or candidate.category
            if category is not None and category not in (candidate.category, action_category):
                continue
            if credits_only and not action.credits:
                continue
            tiers = [_tier(term, candidate, action) for term in terms]
            if 0 in tiers:
                continue
            rank = tuple(-tiers.count(level) for level in (3, 2, 1))
            hit = shapes.ActionSearchHit(integration_slug=candidate.slug, action_slug=action.slug, name=action.name,
                                         description=action.description, category=action_category,
                                         credits=[c.to_json() for c in action.credits])
            scored.append((rank, candidate.slug, action.slug, hit))
    scored.sort(key=lambda entry: entry[:3])
    return {"actions": [hit.dump() for *_, hit in scored[:limit]]}
