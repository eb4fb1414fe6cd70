"""Signing in and out of the console: `/login` exchanges a workspace token for a session cookie,
`/logout` ends the session; `/` opens the first page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from lading.api.console._auth import (
    COOKIE,
    PRE_COOKIE,
    PageRoute,
    check_csrf,
    csrf_of,
    current,
    form,
    new_pre_session,
    safe_next,
    set_cookie,
    signed_in,
)
from lading.api.console._render import render
from lading.services.session import Session

router = APIRouter(route_class=PageRoute, include_in_schema=False)
SignedIn = Annotated[Session, Depends(current)]

# The pre-session cookie of the sign-in form lives as long as someone may take to paste a token.
_PRE_SESSION_SECONDS = 3600


def _login_page(request: Request, *, error: str | None = None, status_code: int = 200) -> Response:
    pre = request.cookies.get(PRE_COOKIE) or new_pre_session()
    response = render(request, "login.html", status_code=status_code, title="Sign in", error=error,
                      login_csrf=csrf_of(pre),
                      next=safe_next(request.query_params.get("next")))
    set_cookie(response, request, PRE_COOKIE, pre, _PRE_SESSION_SECONDS)
    return response


@router.get("/")
def home(request: Request) -> Response:
    return RedirectResponse("/tools" if signed_in(request) is not None else "/login", status_code=303)


@router.get("/login")
def login_page(request: Request) -> Response:
    if signed_in(request) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return _login_page(request)


@router.post("/login")
async def login(request: Request) -> Response:
    from anyio import to_thread

    from lading.services.console_sessions import LIFETIME, sign_in

    fields = await form(request)
    check_csrf(request, fields, PRE_COOKIE)
    app = request.app.state.lading
    opened = await to_thread.run_sync(sign_in, app.db, fields.get("token", ""))
    if opened is None:
        return _login_page(request, error="That token is not valid. Create one with "
                                          "`lading workspace token create` and paste it here.", status_code=401)
    value, _ = opened
    response = RedirectResponse(safe_next(fields.get("next")), status_code=303)
    set_cookie(response, request, COOKIE, value, int(LIFETIME.total_seconds()))
    response.delete_cookie(PRE_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    from anyio import to_thread

    from lading.services.console_sessions import sign_out

    fields = await form(request)
    check_csrf(request, fields)
    app = request.app.state.lading
    await to_thread.run_sync(sign_out, app.db, request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
