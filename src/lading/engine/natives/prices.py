"""The documented prices of native actions (C §1.7: `sendEmail` 0.1, `modelAsk` 0.5, `fileSearch`
0.02 per 1k tokens), in the connector price-entry shape (`{"type","cost","unit","unitsCount"}`), read
by the catalog (served by `native-integration get`, searched by `action search`) and charged by the
actions themselves. Every other native action costs only the 0.01 execution charge."""

from __future__ import annotations

import math
from typing import Any, Final

PRICES: Final[dict[str, tuple[dict[str, Any], ...]]] = {
    "sendEmail": ({"type": "fixed", "cost": 0.1},),
    "modelAsk": ({"type": "fixed", "cost": 0.5},),
    "fileSearch": ({"type": "package", "cost": 0.02, "unit": "token", "unitsCount": 1000},),
}


def charge(action_slug: str, units: float = 1.0) -> float:
    """Credits of one execution of the action using this many units (its first price entry)."""
    entries = PRICES.get(action_slug)
    if not entries:
        return 0.0
    entry = entries[0]
    cost = float(entry.get("cost") or 0)
    if entry.get("type") == "package":
        return round(cost * math.ceil(units / int(entry.get("unitsCount") or 1)), 6)
    if entry.get("type") == "unit":
        return round(cost * units, 6)
    return cost
