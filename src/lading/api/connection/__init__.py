"""Routes of `connection` (api.md §5, §12), one module per noun (`api/connection/<noun>.py`)."""

from lading.api._routers import collect

router = collect(__name__, __path__)
