"""Every failure of the API in the documented shape (api.md §0.3): a non-2xx status with
`{"errorMessage","reason","status",…}`, never a stack trace or a Python representation.

A `LadingError` raised by a service answers its own status and document, exactly as the CLI prints
it. Request validation (malformed JSON, a wrong type, an unknown field) is 400 `invalidPayload` with
`issues: [{"path","message"}]`. Anything unexpected is logged server-side and answers 500 `unknown`.
"""

from __future__ import annotations

import logging
from typing import Any

from lading.domain.errors import LadingError

log = logging.getLogger("lading.api")


def error_schema() -> Any:
    """The error document as a Pydantic model, for the OpenAPI description of every 4xx/5xx answer."""
    from pydantic import BaseModel, ConfigDict

    class ErrorDocument(BaseModel):
        """Every failure: a message, the documented reason code, the HTTP status, and extras."""

        model_config = ConfigDict(extra="allow")
        errorMessage: str
        reason: str | None = None
        status: int
        statusCode: int
        details: dict[str, Any] | None = None

    return ErrorDocument


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {}


def error_responses() -> dict[int | str, dict[str, Any]]:
    """`responses=` for the routers: every 4xx and 5xx answer is the error document."""
    if not ERROR_RESPONSES:
        model = error_schema()
        ERROR_RESPONSES.update({"4XX": {"model": model, "description": "A failure with its reason code"},
                                "5XX": {"model": model, "description": "An unexpected failure (reason `unknown`)"}})
    return ERROR_RESPONSES


def document(status: int, reason: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"errorMessage": message, "reason": reason, "status": status, "statusCode": status, **extra}


_ANSWER: Any = None


def json_answer_class() -> Any:
    """The response class of every route: one orjson-encoded JSON document, `charset=utf-8` declared
    (api.md §0.1), datetimes as ISO text, non-string keys kept."""
    global _ANSWER
    if _ANSWER is None:
        import orjson
        from starlette.responses import JSONResponse

        from lading.store.database import json_default

        class Answer(JSONResponse):
            media_type = "application/json; charset=utf-8"

            def render(self, content: Any) -> bytes:
                return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS, default=json_default)

        _ANSWER = Answer
    return _ANSWER


def error_response(status: int, reason: str, message: str, **extra: Any) -> Any:
    return json_answer_class()(document(status, reason, message, **extra), status_code=status)


def _issue(error: dict[str, Any]) -> dict[str, Any]:
    location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
    kind = error.get("type", "")
    if kind == "json_invalid":
        return {"path": [], "message": "the body is not valid JSON"}
    if kind == "extra_forbidden":
        return {"path": location, "message": f"unknown field {location[-1]!r}" if location else "unknown field"}
    if kind == "missing":
        return {"path": location, "message": "required"}
    # Pydantic's message names the expected type in words ("Input should be a valid string");
    # the offending input itself is left out, so nothing of it is echoed in Python's notation.
    return {"path": location, "message": str(error.get("msg", "invalid value"))}


def install(app: Any) -> None:
    """Register the handlers that give every failure the documented shape."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    @app.exception_handler(LadingError)
    async def lading_error(request: Any, exc: LadingError) -> Any:
        doc = exc.to_document()
        doc.setdefault("details", {})
        return json_answer_class()(doc, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Any, exc: RequestValidationError) -> Any:
        issues = [_issue(dict(error)) for error in exc.errors()]
        first = issues[0] if issues else {"path": [], "message": "invalid request"}
        where = ".".join(first["path"])
        message = f"invalidPayload: {where + ': ' if where else ''}{first['message']}"
        return error_response(400, "invalidPayload", message, issues=issues)

    @app.exception_handler(HTTPException)
    async def http_error(request: Any, exc: HTTPException) -> Any:
        if exc.status_code == 404:
            return error_response(404, "routeNotFound", f"routeNotFound: no route {request.method} {request.url.path}")
        if exc.status_code == 413:
            return error_response(413, "tooLarge", "tooLarge: the request body is too large")
        if exc.status_code == 405:
            return error_response(405, "methodNotAllowed",
                                  f"methodNotAllowed: {request.method} is not accepted on {request.url.path}")
        return error_response(exc.status_code, "invalidRequest", str(exc.detail))

    app.add_middleware(UnexpectedErrors)


class UnexpectedErrors:
    """Any other failure answered in the documented shape, here rather than in an `Exception` handler.

    Starlette gives an `Exception` handler to its outermost middleware, which re-raises once the
    answer is sent, and Uvicorn then closes the connection: a client that reuses the kept-alive
    connection for its next request (the remote CLI does) met a reset instead of an answer. Caught
    here, inside that middleware, the error is answered and the connection stays usable. A driver's
    refusal of the values bound (NUL in text, a number out of range…) is the user's error
    (`store.database.refusal_of`); anything else is a logged 500 `unknown` that shows nothing of its
    cause."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            if started:  # a streamed answer already under way cannot turn into an error document
                raise
            response = _unexpected_answer(scope, exc)
            await response(scope, receive, send)


def _unexpected_answer(scope: Any, exc: Exception) -> Any:
    from lading.store.database import refusal_of

    refusal = refusal_of(exc)
    if isinstance(refusal, LadingError):
        doc = refusal.to_document()
        doc.setdefault("details", {})
        return json_answer_class()(doc, status_code=refusal.status_code)
    log.exception("unexpected failure on %s %s", scope.get("method"), scope.get("path"))
    return error_response(500, "unknown", "unknown: the request failed unexpectedly; the server log has the cause")
