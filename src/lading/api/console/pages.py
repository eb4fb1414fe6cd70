"""Console sections not built yet (none at the moment; a new section starts here): a signed-in page saying
what the CLI offers meanwhile, so the navigation never leads to an error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from lading.api.console._auth import PageRoute, current
from lading.api.console._render import render
from lading.services.session import Session

router = APIRouter(route_class=PageRoute, include_in_schema=False)
SignedIn = Annotated[Session, Depends(current)]

_COMING: dict[str, tuple[str, str]] = {}


def _coming(section: str) -> Callable[[Request, Session], Response]:
    title, command = _COMING[section]

    def page(request: Request, session: SignedIn) -> Response:
        return render(request, "coming.html", session=session, title=title, command=command)

    page.__name__ = f"{section}_page"
    return page


for _section in _COMING:
    router.add_api_route(f"/{_section}", _coming(_section), methods=["GET"])
