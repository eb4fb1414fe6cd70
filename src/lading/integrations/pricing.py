"""List prices of connector actions, for estimates (`creditsCost` of tools and templates).

Kept apart from `_runtime` (which carries the HTTP client) so that pricing a graph — what `template
list` and `tool list` do — never loads the transport stack."""

from __future__ import annotations

from typing import Any

from lading.integrations._sdk import Action


def list_price(action: Action) -> float:
    """The fixed (or base) price used for `creditsCost` estimates."""
    for cost in action.credits:
        if cost.config is None:
            return cost.cost if cost.type == "fixed" else (cost.fixed_cost or 0.0)
    return 0.0


def list_price_of(node: dict[str, Any]) -> float:
    """A connector node's list price from its integration's price table; natives are free."""
    if node.get("kind") != "connector":
        return 0.0
    from lading.integrations import get_integration

    integration = get_integration(str(node.get("integrationSlug")))
    action = integration.action(str(node.get("actionSlug"))) if integration else None
    return list_price(action) if action else 0.0
