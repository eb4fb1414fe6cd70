"""`connection action search`: find actions across the catalog by keywords, category and price (C §1.2).

Searched: every integration's actions (by their slug, name and every alias they answer to) and the
native actions (`integrationSlug: "native"`), each hit in the same `ActionSearchHit` shape. Every
query term must match somewhere; a term matching the action's slug, name or an alias counts above
one matching the integration's slug or name, above one matching only the description, so the action
a user names comes first. With `--category`, `--max-credits` or `--credits-only` the terms may be
left out (every action passing the filters). An action's list price is its cheapest price entry for
one call (one unit or package), 0 when it has none: `--max-credits N` keeps actions priced at most N,
`--sort price` puts the cheapest first. Tools and agents are searched by `orchestration action list`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lading.domain.errors import ValidationError, shown
from lading.domain.paging import check_page
from lading.engine.natives.catalog import NATIVE_ACTIONS
from lading.integrations._sdk import CATEGORIES
from lading.services.connection import shapes
from lading.services.connection.integrations import require_integration
from lading.services.session import Session

DEFAULT_LIMIT = 20
NATIVE = "native"  # the integrationSlug of native hits (`connection native-integration get`)
SORTS = ("relevance", "price")


@dataclass(frozen=True)
class _Candidate:
    integration_slug: str
    integration_name: str
    action_slug: str
    name: str
    description: str
    aliases: tuple[str, ...]
    category: str | None
    categories: frozenset[str]  # what `--category` matches: the action's and its integration's
    credits: list[dict[str, Any]]


def call_price(credits: Sequence[Mapping[str, Any]]) -> float:
    """The cheapest price entry for one call (one unit, one package); 0 without any."""
    prices = [float(c.get("fixedCost") or 0) + float(c.get("cost") or 0) for c in credits]
    return round(min(prices), 6) if prices else 0.0


def _candidates(wanted: str | None, session: Session | None) -> Iterator[_Candidate]:
    from lading.services.connection.catalog import catalog

    seen = catalog(session.db, session.workspace_uuid) if session is not None else catalog(None, None)
    for integration in seen.values():
        if wanted is not None and integration.slug != wanted:
            continue
        for action in integration.actions:
            category = action.category or integration.category
            yield _Candidate(integration.slug, integration.name, action.slug, action.name, action.description,
                             action.aliases, category, frozenset({integration.category, category}),
                             [c.to_json() for c in action.credits])
    if wanted in (None, NATIVE):
        for native in NATIVE_ACTIONS.values():
            yield _Candidate(NATIVE, "Native", native.slug, native.name, native.description, (), native.category,
                             frozenset({native.category}), [dict(c) for c in native.credits])


def _tier(term: str, candidate: _Candidate) -> int:
    """3: the action's slug, name or an alias; 2: the integration's; 1: the description; 0: nowhere."""
    if term in f"{candidate.action_slug} {candidate.name} {' '.join(candidate.aliases)}".lower():
        return 3
    if term in f"{candidate.integration_slug} {candidate.integration_name}".lower():
        return 2
    if term in candidate.description.lower():
        return 1
    return 0


def _categories() -> tuple[str, ...]:
    natives = sorted({n.category for n in NATIVE_ACTIONS.values()} - set(CATEGORIES))
    return (*CATEGORIES, *natives)


def search(query: str | list[str] | None, *, category: str | None = None, integration: str | None = None,
           credits_only: bool = False, limit: int = DEFAULT_LIMIT, max_credits: float | None = None,
           sort: str = "relevance", session: Session | None = None) -> dict[str, Any]:
    """`{actions: [ActionSearchHit]}`, best match (or cheapest, with `sort="price"`) first."""
    check_page(limit, 0)
    text = " ".join(query) if isinstance(query, list) else str(query or "")
    terms = [t for t in text.lower().split() if t]
    if not terms and category is None and max_credits is None and not credits_only:
        raise ValidationError("give at least one search term (or --category, --max-credits, --credits-only)",
                              reason="invalidData")
    accepted = _categories()
    if category is not None and category not in accepted:
        raise ValidationError(f"unknown category {shown(category)}; use one of {', '.join(accepted)}",
                              reason="invalidData")
    if max_credits is not None and (isinstance(max_credits, bool) or not isinstance(max_credits, (int, float))
                                    or max_credits < 0):
        raise ValidationError(f"maxCredits must be a number ≥ 0, got {shown(max_credits)}", reason="invalidData")
    if sort not in SORTS:
        raise ValidationError(f"unknown sort {shown(sort)}; use one of {', '.join(SORTS)}", reason="invalidData")
    wanted = None
    if integration:
        wanted = NATIVE if integration == NATIVE else require_integration(integration, session).slug
    scored: list[tuple[tuple[float, ...], str, str, shapes.ActionSearchHit]] = []
    for candidate in _candidates(wanted, session):
        if category is not None and category not in candidate.categories:
            continue
        if credits_only and not candidate.credits:
            continue
        price = call_price(candidate.credits)
        if max_credits is not None and price > max_credits:
            continue
        tiers = [_tier(term, candidate) for term in terms]
        if 0 in tiers:
            continue
        rank: tuple[float, ...] = tuple(-tiers.count(level) for level in (3, 2, 1))
        if sort == "price":
            rank = (price, *rank)
        hit = shapes.ActionSearchHit(integration_slug=candidate.integration_slug, action_slug=candidate.action_slug,
                                     name=candidate.name, description=candidate.description,
                                     category=candidate.category, credits=candidate.credits)
        scored.append((rank, candidate.integration_slug, candidate.action_slug, hit))
    scored.sort(key=lambda entry: entry[:3])
    return {"actions": [hit.dump() for *_, hit in scored[:limit]]}
