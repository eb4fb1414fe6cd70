"""Rendering console pages: one Jinja2 environment over the package's templates, and the filters the
pages share (pretty JSON, durations, dates).

Why server-rendered: every page is a read of a service document; HTML from the server needs no client
framework, works without JavaScript, and keeps each page one request (small vanilla JS only where a page
updates live). Templates and static files are package data, so the console works offline.
"""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse

from lading.api.console._csrf import csrf_for
from lading.services.session import Session

HERE = Path(__file__).resolve().parent

# The navigation of every page: (label, path). Pages not built yet answer a short "coming" page.
NAVIGATION = (("Tools", "/tools"), ("Plays", "/plays"), ("Runs", "/runs"), ("Batches", "/batches"),
              ("Data", "/data"), ("Analytics", "/analytics"), ("Agents", "/agents"))


def pretty_json(value: Any) -> str:
    """A JSON value indented for reading in a <pre>."""
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str).decode()


def parse_time(value: Any) -> datetime | None:
    """An ISO time of a service document (`…Z`) as an aware datetime, or None."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def duration(start: Any, end: Any) -> str:
    """How long between two ISO times, for people: `12 ms`, `3.4 s`, `2 min 5 s`; `—` when unknown."""
    a, b = parse_time(start), parse_time(end)
    if a is None or b is None:
        return "—"
    seconds = max((b - a).total_seconds(), 0.0)
    if seconds < 1:
        return f"{round(seconds * 1000)} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest} s"


def when(value: Any) -> str:
    """An ISO time shown as `2026-12-04 09:09:34 UTC`."""
    at = parse_time(value)
    return at.strftime("%Y-%m-%d %H:%M:%S UTC") if at is not None else "—"


def credits(value: Any) -> str:
    try:
        return f"{float(value or 0):.2f}"
    except (TypeError, ValueError):
        return "—"


@functools.cache
def environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(pretty_json=pretty_json, duration=duration, when=when, credits=credits)
    env.globals["navigation"] = NAVIGATION
    return env


def render(request: Request, template: str, *, session: Session | None = None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    """The page `template` for this request; `session` (the signed-in one) fills the header, and the
    CSRF token every form of the page carries."""
    page = environment().get_template(template).render(
        request=request, session=session, csrf=csrf_for(request) if session is not None else "",
        current=request.url.path, **context)
    return HTMLResponse(page, status_code=status_code, headers=SECURITY_HEADERS)


# Pages are not framed by other sites, load nothing from elsewhere and run only the console's own script
# (inline styles are allowed: the SVG diagrams carry theirs).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                               "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def static_files() -> Any:
    from starlette.staticfiles import StaticFiles

    return StaticFiles(directory=str(HERE / "static"))
