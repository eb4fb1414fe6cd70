"""Who is signed in to the console: the session cookie, its CSRF token, and the page route class that
turns refusals into pages.

- The cookie (`lading_console`) holds a random value; the store keeps only its SHA-256 and an expiry
  (`services.console_sessions`). It is HttpOnly, SameSite=Lax, and Secure when the page was served over
  https.
- CSRF (synchronizer token derived from the session): every POST form carries `csrf`, the HMAC of the
  session's cookie value. A page of another site can neither read the cookie nor compute the token, so
  a forged POST is refused with 403. The sign-in form, before any session exists, is protected the same
  way by a short-lived pre-session cookie (double submit).
- A page asked for without a session redirects to `/login?next=<the page>`.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import parse_qsl, quote

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from lading.api.console._csrf import COOKIE, csrf_of
from lading.domain.errors import LadingError
from lading.services.session import Session

PRE_COOKIE = "lading_console_signin"
log = logging.getLogger("lading.api.console")


class SignInRequired(Exception):  # noqa: N818 - a signal, not an error
    """The page needs a signed-in session; the route answers a redirect to the sign-in page."""


class CsrfRefused(Exception):  # noqa: N818
    """A POST without the session's CSRF token: answered 403."""


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax", secure=secure(request))


def signed_in(request: Request) -> Session | None:
    """The session of the request's console cookie (blocking: one indexed read)."""
    from lading.services.wiring import console_session

    value = request.cookies.get(COOKIE, "")
    if not value:
        return None
    app = request.app.state.lading
    return console_session(app.db, app.settings, value)


def current(request: Request) -> Session:
    """The dependency of every signed-in page: its session, or a redirect to the sign-in page."""
    session = signed_in(request)
    if session is None:
        raise SignInRequired()
    request.state.console_session = session
    return session


async def form(request: Request) -> dict[str, str]:
    """A URL-encoded form body as a dict (the last value of a repeated field wins)."""
    body = await request.body()
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def check_csrf(request: Request, fields: dict[str, str], cookie: str = COOKIE) -> None:
    """Refuse (403) a POST whose `csrf` field is not the token of its cookie."""
    value = request.cookies.get(cookie, "")
    given = fields.get("csrf", "")
    if not value or not given or not hmac.compare_digest(given, csrf_of(value)):
        raise CsrfRefused()


def new_pre_session() -> str:
    return secrets.token_urlsafe(24)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never `//host` or a full URL)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/tools"


class PageRoute(APIRoute):
    """A console route: a missing session redirects to sign-in, a refused CSRF token answers 403, and a
    service refusal (not found, forbidden, invalid) answers an error page with its status, never a
    trace."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            from lading.api.console._render import render

            try:
                return await handler(request)
            except SignInRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
            except CsrfRefused:
                return render(request, "error.html", session=getattr(request.state, "console_session", None),
                              status_code=403, title="Refused",
                              message="This form has expired or did not come from this console. "
                                      "Reload the page and try again.")
            except LadingError as exc:
                return render(request, "error.html", session=getattr(request.state, "console_session", None),
                              status_code=exc.status_code, title=_title(exc.status_code), message=_message(exc))
            except Exception as exc:
                from lading.store.database import refusal_of

                refusal = refusal_of(exc)  # the store's own refusals (busy, unreachable) keep their status
                if not isinstance(refusal, LadingError):
                    log.exception("console page failed: %s %s", request.method, request.url.path)
                    refusal = None
                return render(request, "error.html", session=getattr(request.state, "console_session", None),
                              status_code=refusal.status_code if refusal is not None else 500,
                              title="Something went wrong",
                              message=refusal.message if refusal is not None else
                              "This page could not be shown; the server log has the cause.")

        return page


def _title(status: int) -> str:
    return {401: "Sign in needed", 403: "Not allowed", 404: "Not found"}.get(status, "Could not do that")


def _message(exc: LadingError) -> str:
    """A service refusal for people: a bare reason code becomes a sentence."""
    if exc.message in ("forbidden", "unauthorized"):
        return "Your sign-in (its token, or your role) does not allow this."
    return exc.message
