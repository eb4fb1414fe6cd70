"""One error hierarchy for the whole product.

Every failure a user can see is a `LadingError`: it carries the documented reason code, the HTTP
status the API answers with, and structured details. The CLI and the API render it the same way:
`{"errorMessage": ..., "reason": ..., "statusCode": ..., "details": ...}`.
"""

from __future__ import annotations

from typing import Any


class LadingError(Exception):
    """A failure reported to the user in the documented error shape."""

    status_code: int = 400
    exit_code: int = 1

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

    def to_document(self) -> dict[str, Any]:
        """The JSON error document; `errorMessage` starts with the reason code when there is one."""
        text = self.message
        if self.reason and not text.startswith(self.reason):
            text = f"{self.reason}: {text}"
        doc: dict[str, Any] = {"errorMessage": text}
        if self.reason:
            doc["reason"] = self.reason
        doc["statusCode"] = self.status_code
        if self.details:
            doc["details"] = self.details
        doc.update(self.extra)
        return doc


class NotFoundError(LadingError):
    """An object the caller named does not exist in their workspace."""

    status_code = 404


class ValidationError(LadingError):
    """Input that cannot be accepted as given."""

    status_code = 400


class ConflictError(LadingError):
    """The request contradicts the current state (e.g. a read-only tool)."""

    status_code = 409


class UsageError(LadingError):
    """Command-line usage error: unknown flag, missing flag, unparsable JSON flag (exit 2)."""

    status_code = 400
    exit_code = 2


class AuthError(LadingError):
    """`unauthorized` / `forbidden` (exit 3)."""

    status_code = 401
    exit_code = 3


class NodeExecutionError(Exception):
    """A node failed while executing; becomes a failed execution, never a command failure."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
