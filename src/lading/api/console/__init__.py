"""The web console: server-rendered pages over the same services as the CLI and the API, at `/`.

`attach(app)` adds the console's pages (sign-in, tools, runs…) and its static files (`/assets`) to the
`lading serve` application; the API (`/v1`), its docs, `/health`, `/ready` and `/mcp` are left as they
are. Every page acts through the signed-in workspace's `Session` (`_auth.py`), so it sees exactly what
the workspace token it was opened with may see.
"""

from __future__ import annotations

from typing import Any


def attach(app: Any) -> None:
    """Mount the console's routes and static files on the FastAPI app of `lading serve`."""
    from lading.api.console import agents, analytics, auth, batches, data, pages, plays, runs, tools
    from lading.api.console._render import static_files

    app.mount("/assets", static_files(), name="console-assets")
    for module in (auth, pages, tools, runs, data, analytics, agents):
        app.include_router(module.router)
    app.include_router(batches.live)
    for page in (batches, plays):
        app.include_router(page.router)
