"""Routes of `content` (api.md §7), one module per noun (`api/content/<noun>.py`)."""

from lading.api._routers import collect

router = collect(__name__, __path__)
