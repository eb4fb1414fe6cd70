"""Routes of `ai` (api.md §6), one module per noun (`api/ai/<noun>.py`)."""

from lading.api._routers import collect

router = collect(__name__, __path__)
