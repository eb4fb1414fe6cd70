"""Routes of `storage` (api.md §3, §12), one module per noun (`api/storage/<noun>.py`)."""

from lading.api._routers import collect

router = collect(__name__, __path__)
