"""`lading billing …`: usage per UTC day, for workspace admins (spec §7).

Public verbs, one module per noun of `lading billing <noun> <verb>`:

- `usage`: `get_metrics` (and `require_admin`).
- `shapes`: the JSON shapes these verbs answer (`UsageDay`, `UsageItem`).
"""

from lading.services.billing import shapes, usage

__all__ = ["shapes", "usage"]
