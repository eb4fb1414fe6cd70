"""Routes of `segmentation` (api.md §4), one module per noun (`api/segmentation/<noun>.py`)."""

from lading.api._routers import collect

router = collect(__name__, __path__)
