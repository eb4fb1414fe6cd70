"""Credit caps: the most provider credits one batch may spend.

A cap comes from the batch itself (`batch create --credit-cap`), its tool (`tool create|update
--credit-cap`) or the workspace (`PUT /workspaceManagement/workspaces/current` `creditCap`, a Lading
setting); the lowest applies and is written on the batch (`data.creditCap`) when it is created, so a
later change of a setting never changes a running batch. The worker enforces it as it commits
steps (`store.repositories.batches.enforce_credit_caps`): once the batch's credits reach the cap,
runs not yet started are cancelled with `creditCapReached`, runs in flight stop at their next node
boundary, the source stops being fed and the batch ends `cancelled` with `data.stopReason:
"creditCapReached"` and an `errorMessage` saying so.
"""

from __future__ import annotations

import math
from typing import Any

from lading.domain.errors import ValidationError, shown
from lading.store.repositories import accounts

REASON = "creditCapReached"
# Where the workspace's cap sits in `workspaces.settings`.
WORKSPACE_SETTING = "creditCap"


def check_cap(value: Any, flag: str) -> float | None:
    """A cap as given (None = no cap): a positive number of credits."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ValidationError(f"{flag} must be a positive number of credits, got {shown(value)}",
                                  reason="invalidCreditCap") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValidationError(f"{flag} must be a positive number of credits, got {shown(value)}",
                              reason="invalidCreditCap")
    return float(value)


def workspace_cap(conn: Any, ws: str) -> float | None:
    row = accounts.get_workspace(conn, ws)
    value = (row.settings or {}).get(WORKSPACE_SETTING) if row is not None else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def tool_cap(tool: Any) -> float | None:
    value = getattr(tool, "credit_cap", None) if tool is not None else None
    return float(value) if isinstance(value, (int, float)) else None


def effective_cap(conn: Any, ws: str, explicit: float | None, tool: Any) -> float | None:
    caps = [c for c in (explicit, tool_cap(tool), workspace_cap(conn, ws)) if c is not None]
    return min(caps) if caps else None


def dearest_step(conn: Any, release_uuid: str) -> float:
    """The highest list price of the release's connector nodes (group `_nodes` included): what the
    worker reserves per paid step in flight until dearer steps are seen."""
    from sqlalchemy import select

    from lading.integrations.pricing import list_price_of
    from lading.store.schema import releases

    stack = list(conn.execute(select(releases.c.nodes).where(releases.c.uuid == release_uuid)).scalar() or [])
    dearest = 0.0
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        dearest = max(dearest, list_price_of(node))
        config = node.get("config")
        if isinstance(config, dict) and isinstance(config.get("_nodes"), list):
            stack.extend(config["_nodes"])
    return dearest
