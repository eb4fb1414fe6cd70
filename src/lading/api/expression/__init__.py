"""Routes of `expression` (api.md §11), one module per noun (`api/expression/<noun>.py`)."""

from lading.api._routers import collect

router = collect(__name__, __path__)
