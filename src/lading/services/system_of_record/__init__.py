"""`lading system-of-record …`: the legacy system-of-record commands (data spec §6.3), kept and backed
by the workspace's own storage — Lading is its own system of record, so there is exactly one.

Public verbs:

- `sors`: `list_sors`, `require_sor` (the one entry `sor list` shows)
- `clients`: `query_sor`, `fetch_sor`, `download_sor`, `sor_documentation` (`client query|fetch|
  download|get-documentation`)

The SQL runs through storage SQL (`services.storage.query`: same guard, engine sandbox, read-only
transaction, time limit and row cap); only the table names accepted differ (`clients`).
"""

from lading.services._submodules import lazy_submodules

__all__ = ["clients", "shapes", "sors"]

__getattr__ = lazy_submodules(__name__, __all__)
