"""Routes of `orchestration` (api.md §2), one module per noun (`api/orchestration/<noun>.py`)."""

from lading.api._routers import collect

router = collect(__name__, __path__)
