"""Signing in and out of the console: `/login` exchanges a workspace token, or a user's email and
password, for a session cookie; `/logout` ends the session; `/` opens the first page."""

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


# One message for an unknown email, a wrong password and a user without a password.
PASSWORD_REFUSED = ("That email and password do not match. Check both (and the workspace name, if you belong "
                    "to several).")
THROTTLED = "Too many failed sign-ins. Wait a minute and try again."


def _login_page(request: Request, *, error: str | None = None, status_code: int = 200, mode: str = "token",
                fields: dict[str, str] | None = None) -> Response:
    pre = request.cookies.get(PRE_COOKIE) or new_pre_session()
    given = fields or {}
    response = render(request, "login.html", status_code=status_code, title="Sign in", error=error, mode=mode,
                      login_csrf=csrf_of(pre), email=given.get("email", ""), workspace=given.get("workspace", ""),
                      next=safe_next(given.get("next") or request.query_params.get("next")))
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

    from lading.services.console_sessions import sign_in

    fields = await form(request)
    check_csrf(request, fields, PRE_COOKIE)
    app = request.app.state.lading
    if "email" in fields:
        return await _password_sign_in(request, fields)
    opened = await to_thread.run_sync(sign_in, app.db, fields.get("token", ""))
    if opened is None:
        return _login_page(request, error="That token is not valid. Create one with "
                                          "`lading workspace token create` and paste it here.", status_code=401)
    return _opened(request, opened[0], fields)


async def _password_sign_in(request: Request, fields: dict[str, str]) -> Response:
    """The email + password form: throttled per email and per client address, one refusal for every
    mismatch; the password is only handed to the check, never rendered back or logged."""
    from anyio import to_thread

    from lading.api.console import _throttle
    from lading.services.console_sessions import sign_in_user

    email = fields.get("email", "").strip()
    address = request.client.host if request.client is not None else "?"
    kept = {"email": email, "workspace": fields.get("workspace", ""), "next": fields.get("next", "")}
    if _throttle.blocked(email, address):
        return _login_page(request, error=THROTTLED, status_code=429, mode="password", fields=kept)
    app = request.app.state.lading
    opened = await to_thread.run_sync(lambda: sign_in_user(app.db, email=email, password=fields.get("password", ""),
                                                           workspace=fields.get("workspace")))
    if opened is None:
        _throttle.failed(email, address)
        return _login_page(request, error=PASSWORD_REFUSED, status_code=401, mode="password", fields=kept)
    _throttle.succeeded(email)
    return _opened(request, opened[0], fields)


def _opened(request: Request, value: str, fields: dict[str, str]) -> Response:
    from lading.services.console_sessions import LIFETIME

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
