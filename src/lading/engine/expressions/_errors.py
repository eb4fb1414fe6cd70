"""The two ways resolving a config can fail, as node failures (never command failures).

Both are deterministic for a given config and context, so they are not retryable: trying the
same expression again against the same context would throw the same error.
"""

from __future__ import annotations

from lading.domain.errors import NodeExecutionError


class ExpressionError(NodeExecutionError):
    """A `{{ … }}` segment threw; `message` is the JavaScript error text ("TypeError: …")."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message, retryable=retryable)


class AiInstructionError(NodeExecutionError):
    """An expression with `instructTo: "ai"` could not be rendered by a language model."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message, retryable=retryable)
