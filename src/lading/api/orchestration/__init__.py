"""Routes of `orchestration` (api.md), one module per noun (`api/orchestration/<noun>.py`), found by `_routers.collect`."""

from lading.api._routers import collect

router = collect(__name__, __path__)
