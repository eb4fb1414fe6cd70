"""One error hierarchy for the whole product.

Every failure a user can see is a `LadingError`: it carries the documented reason code, the HTTP
status the API answers with, and structured details. The CLI and the API render it the same way:
`{"errorMessage": ..., "reason": ..., "statusCode": ..., "details": ...}`.
"""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


class LadingError(Exception):
    """A failure reported to the user in the documented error shape."""

    status_code: int = 400
    exit_code: int = 1
    # The reason code of a failure raised without one: every error document carries a `reason` a client can
    # branch on (api.md §0.3). It is not prefixed to the message, whose wording stays the raiser's.
    default_reason: str = "invalidData"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        status_code: int | None = None,
        details: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        if status_code is not None:
            self.status_code = status_code
        self.details = details or {}
        # Extra top-level fields of the error document (e.g. `invalidNodes`).
        self.extra = extra or {}

    def fallback_reason(self) -> str:
        """`default_reason`, except that an unexpected failure (a 5xx of the base class) is `unknown`."""
        if self.status_code >= 500 and self.default_reason == LadingError.default_reason:
            return "unknown"
        return self.default_reason

    def to_document(self) -> dict[str, Any]:
        """The JSON error document; `errorMessage` starts with the reason code when there is one."""
        text = self.message
        if self.reason and not text.startswith(self.reason):
            text = f"{self.reason}: {text}"
        doc: dict[str, Any] = {"errorMessage": text, "reason": self.reason or self.fallback_reason()}
        # `status` is the documented key (C §3.8, api.md §0.3); `statusCode` is kept for existing callers.
        doc["status"] = self.status_code
        doc["statusCode"] = self.status_code
        if self.details:
            doc["details"] = self.details
        doc.update(self.extra)
        return doc


class NotFoundError(LadingError):
    """An object the caller named does not exist in their workspace."""

    status_code = 404
    default_reason = "notFound"


def found(row: T | None, noun: str, key: str, *, details: dict[str, Any] | None = None) -> T:
    """`row` when a lookup found it, else the documented 404 for the object the caller named:
    `<Noun> not found: <key>`, reason `<noun>NotFound`. Every `require_*` of every command group
    answers through it, so a missing play, batch, model or file fails in the same words."""
    if row is None:
        raise NotFoundError(f"{noun} not found: {key}", reason=f"{noun[0].lower()}{noun[1:]}NotFound",
                            details=details)
    return row


class ValidationError(LadingError):
    """Input that cannot be accepted as given."""

    status_code = 400


class ConflictError(LadingError):
    """The request contradicts the current state (e.g. a read-only tool)."""

    status_code = 409
    default_reason = "conflict"


class UsageError(LadingError):
    """Command-line usage error: unknown flag, missing flag, unparsable JSON flag (exit 2).

    Its reason is the API's for the same mistake in a request body, `invalidPayload`, and its message is the
    parser's text as the spec words it (`error: unknown option '--from-user'`), without a reason prefix."""

    status_code = 400
    exit_code = 2
    default_reason = "invalidPayload"


class AuthError(LadingError):
    """`unauthorized` / `forbidden` (exit 3)."""

    status_code = 401
    exit_code = 3
    default_reason = "unauthorized"


class NodeExecutionError(Exception):
    """A node failed while executing; becomes a failed execution, never a command failure."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


def shown(value: Any) -> str:
    """A value the user gave, as an error message quotes it.

    Strings keep their quoted form (`'acme'`); anything else is written as the JSON it came from
    (`null`, `["a"]`, `{"a": 1}`), never as a Python representation (`None`, `['a']`, `{'a': 1}`):
    input arrives as JSON, so the message answers in JSON's words. Long values are cut.
    """
    if isinstance(value, str):
        text = repr(value)
    else:
        import orjson

        try:
            text = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SORT_KEYS).decode()
        except TypeError:
            text = str(value)
    return text if len(text) <= 200 else f"{text[:200]}… ({len(text):,} characters)"


def json_type(value: Any) -> str:
    """The JSON name of a value's type (`object`, `array`, `null`…), for messages about ill-typed input."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return "value"
