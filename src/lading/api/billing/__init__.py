"""Routes of `billing` (api.md), one module per noun (`api/billing/<noun>.py`), found by `_routers.collect`."""

from lading.api._routers import collect

router = collect(__name__, __path__)
