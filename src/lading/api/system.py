"""Routes outside the command groups: liveness, readiness, `whoami`, the server part of `doctor`, and
the public export links (api.md §0.6, §12)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request
from fastapi.responses import FileResponse

from lading import __version__
from lading.api._errors import error_response
from lading.api._http import App, Router, caller
from lading.api._schemas import answers
from lading.domain.shapes import Shape
from lading.services.session import Session

router = Router()
Caller = Annotated[Session, Depends(caller)]


class Health(Shape):
    status: Literal["ok"]
    version: str


class Readiness(Shape):
    """The store reachable and migrated to head (else 503 `notReady` with this in `details`)."""

    status: Literal["ok"]
    database: str
    revision: str | None
    head: str | None


class WhoamiUser(Shape):
    uuid: str | None
    email: str | None
    first_name: str | None
    last_name: str | None


class WhoamiWorkspace(Shape):
    uuid: str
    name: str | None


class Whoami(Shape):
    user: WhoamiUser
    workspace: WhoamiWorkspace


class Check(Shape):
    name: str
    status: Literal["ok", "fail"]
    message: str


class ServerChecks(Shape):
    """The server part of `lading doctor`."""

    version: str
    database: str
    checks: list[Check]


# A signed export is a file: CSV, or JSON of any shape.
_EXPORT_FILE: dict[int | str, dict[str, Any]] = {200: {"description": "The export file", "content": {
    "text/csv": {"schema": {"type": "string"}}, "application/json": {"schema": {}}}}}


@router.get("/health", tags=["system"], summary="Liveness: the process answers", **answers(Health))
def health() -> dict[str, Any]:
    return {"status": "ok", "version": __version__}


@router.get("/ready", tags=["system"], summary="Readiness: the store is reachable and migrated to head",
            **answers(Readiness))
def ready(request: Request) -> Any:
    from lading.store.database import schema_state

    app: App = request.app.state.lading
    revision, head = schema_state(app.db)
    doc = {"status": "ok" if revision == head else "unavailable", "database": app.settings.backend,
           "revision": revision, "head": head}
    if revision != head:
        return error_response(503, "notReady", "notReady: the store is unreachable or not migrated to head",
                              details=doc)
    return doc


@router.get("/v1/whoami", tags=["system"], summary="The token's user and workspace", **answers(Whoami))
def whoami(session: Caller) -> dict[str, Any]:
    from lading.services.session import whoami as who

    return who(session)


@router.get("/v1/doctor", tags=["system"], summary="The server part of `lading doctor`", **answers(ServerChecks))
def doctor(session: Caller, request: Request) -> dict[str, Any]:
    from lading.services.health import server_checks

    return server_checks(session)


@router.get("/v1/exports/{export_uuid}/{filename}", tags=["system"], summary="A signed export file (public)",
            response_model=None, responses=_EXPORT_FILE)
def export_file(export_uuid: str, filename: str, request: Request, expires: str | None = Query(None),
                signature: str | None = Query(None)) -> Any:
    from lading.services import export_urls

    app: App = request.app.state.lading
    path = export_urls.resolve(app.settings.home, export_uuid, filename, expires, signature)
    if path is None:
        return error_response(403, "forbidden", "forbidden: the link is expired or its signature does not match")
    if not path.is_file():
        return error_response(404, "exportNotFound", "exportNotFound: the export is gone (kept 24 h)")
    media = "text/csv" if filename.endswith(".csv") else "application/json"
    return FileResponse(path, media_type=media, filename=filename)
