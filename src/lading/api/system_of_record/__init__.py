"""Routes of `system-of-record` (data spec §6.3), one module per noun (`api/system_of_record/<noun>.py`).

Lading additions: the client's `systemOfRecordIntegration` domain stays 501 (api.md §14); these routes
serve the legacy CLI commands in remote mode. They live under `/storage/systemOfRecord/…` because they
read storage: a token needs `storage:read`, as for `storage query`."""

from lading.api._routers import collect

router = collect(__name__, __path__)
