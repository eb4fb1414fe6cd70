"""`lading serve`: the FastAPI application.

`create_app` assembles the routers of every command group (`api/<group>/`), the system routes
(health, readiness, whoami, doctor, export links), the 501 answers of the domains Lading does not
offer, the documented error shape for every failure, and a cap on request bodies. The OpenAPI
document is at `/openapi.json` and the interactive docs at `/docs`, with their assets served by the
process itself (no CDN), so the docs work offline.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.exceptions import HTTPException

# A JSON body larger than this is refused with 413 `tooLarge` before it is parsed; uploads have their
# own, larger cap (C §2.7).
MAX_JSON_BODY = 32 * 1024 * 1024
MAX_UPLOAD_BODY = 100 * 1024 * 1024 + 64 * 1024


class BodyLimit:
    """ASGI middleware: refuse a request body over its cap with 413, whether or not it declares its
    length, so an oversized body is never read into memory. Over the upload cap (multipart bodies and
    the chunked protocol's part PUTs) the reason is `fileTooLarge`, else `tooLarge` (api.md §0.3)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        upload = content_type.startswith("multipart/") or (scope["method"] == "PUT" and
                                                             "/multipart/parts/" in scope["path"])
        cap = MAX_UPLOAD_BODY if upload else MAX_JSON_BODY
        reason = "fileTooLarge" if upload else "tooLarge"
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            await _too_large(send, cap, reason)
            return
        seen = 0
        refused = False

        async def limited() -> Any:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    refused = True
                    # An HTTPException passes through FastAPI's body parsing untouched and reaches
                    # the error handlers, which answer 413 `tooLarge`.
                    raise HTTPException(413, "tooLarge")
            return message

        try:
            await self.app(scope, limited, send)
        except HTTPException:
            if not refused:
                raise
            await _too_large(send, cap, reason)


async def _too_large(send: Any, cap: int, reason: str) -> None:
    import orjson

    from lading.api._errors import document

    message = f"{reason}: the request body is over {cap // (1024 * 1024)} MiB"
    if reason == "fileTooLarge":  # the Cargo client reports no reason for a failed upload: log it here
        logging.getLogger("lading.api.uploads").warning("upload refused: %s", message)
    body = orjson.dumps(document(413, reason, message))
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


@contextlib.asynccontextmanager
async def _lifespan(app: Any) -> AsyncIterator[None]:
    """The server process holds a worker for what its API creates (api.md §0.1), stopped gracefully
    with the server. `LADING_SERVER_WORKER=0` leaves execution to separate `lading worker` processes."""
    import os

    resident = None
    if os.environ.get("LADING_SERVER_WORKER", "1") not in ("0", "false", "no"):
        from lading.worker.resident import ResidentWorker

        state = app.state.lading
        resident = ResidentWorker(state.db, state.settings).start()
    try:
        yield
    finally:
        if resident is not None:
            import asyncio

            await asyncio.to_thread(resident.stop)


def create_app() -> Any:
    from fastapi_offline import FastAPIOffline

    from lading import __version__
    from lading.api import _errors, console, mcp_http, out_of_scope, system
    from lading.api._http import App
    from lading.api.routes import routers

    app = FastAPIOffline(title="Lading", lifespan=_lifespan, version=__version__, openapi_url="/openapi.json",
                         docs_url="/docs",
                         redoc_url=None, default_response_class=_errors.json_answer_class(),
                         description="The Lading HTTP API: Cargo-compatible routes under `/v1`. "
                                     "Authenticate with `Authorization: Bearer <token>`.")
    app.state.lading = App()
    _errors.install(app)
    app.include_router(system.router, responses=_errors.error_responses())
    for router in routers():
        app.include_router(router, prefix="/v1", responses=_errors.error_responses())
    app.include_router(out_of_scope.router)
    mcp_http.attach(app)  # the MCP tools over streamable HTTP at /mcp and /mcp/{uuid} (C §2.8)
    console.attach(app)  # the web console's pages at / and its static files at /assets
    app.add_middleware(BodyLimit)
    return app
