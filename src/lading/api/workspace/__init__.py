"""Routes of `workspaceManagement` (api.md §9), one module per noun (`api/workspace/<noun>.py`)."""

from lading.api._routers import collect

router = collect(__name__, __path__)
