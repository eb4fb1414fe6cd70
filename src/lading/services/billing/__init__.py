"""`lading billing …`: usage per UTC day and the self-hosted subscription, for workspace admins (spec §7).

Public verbs, one module per noun of `lading billing <noun> <verb>`:

- `usage`: `get_metrics`.
- `subscriptions`: `get_subscription`, `get_invoices`, `get_credit_card`, and `refuse_payment_change`
  (every payment, plan or top-up write: `notSupported`).
- `shapes`: the JSON shapes these verbs answer (`UsageDay`, `UsageItem`, `Subscription`).

Every verb refuses a caller who is not a workspace admin (`forbidden`), whatever the face.
"""

from lading.services._submodules import lazy_submodules

__all__ = ["shapes", "subscriptions", "usage"]

__getattr__ = lazy_submodules(__name__, __all__)
