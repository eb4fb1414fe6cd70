"""The console's session cookie name and the CSRF token bound to a cookie value: the HMAC-SHA256 of a
fixed label keyed by the value. A page of another site can neither read the (HttpOnly) cookie nor
compute the token, so a forged POST never carries it."""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request

COOKIE = "lading_console"
_CSRF_LABEL = b"lading console csrf v1"


def csrf_of(value: str) -> str:
    """The CSRF token bound to a cookie value (session or pre-session)."""
    return hmac.new(value.encode(), _CSRF_LABEL, hashlib.sha256).hexdigest()


def csrf_for(request: Request) -> str:
    """The CSRF token of the request's session cookie (empty without one)."""
    value = request.cookies.get(COOKIE, "")
    return csrf_of(value) if value else ""
