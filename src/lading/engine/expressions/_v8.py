"""The V8 side of expression evaluation, seen from the evaluator: one round trip per config.

The long-lived context, its driver and its isolation rules live in `engine.v8` and run in a
sandbox host process, so an expression that aborts V8 or outgrows its memory fails that
evaluation only, never the worker. This adapter turns the host's failures into `ExpressionError`.
"""

from __future__ import annotations

from lading.engine.expressions._errors import ExpressionError

DEFAULT_TIMEOUT_S = 5.0
DEFAULT_MEMORY_BYTES = 256 * 1024 * 1024

DATE_KEY = "\u0000date"  # marks a Python datetime in the context JSON: revived as a JS Date


def calls_made() -> int:
    """Round trips this process has made to V8 for expressions and scripts (tests check the fast path)."""
    from lading.engine.v8 import calls_made as host_calls

    return host_calls()


class V8Runtime:
    """Sends an evaluator's payloads to a sandbox host; holds no V8 state of its own."""

    def __init__(self, *, timeout_s: float = DEFAULT_TIMEOUT_S, memory_bytes: int = DEFAULT_MEMORY_BYTES):
        self.timeout_s = timeout_s
        self.memory_bytes = memory_bytes

    def call(self, payload: str, with_dates: bool) -> str:
        """The driver's answer: 'O' + the JSON results, or 'E' + the failing job's index + ':' + text."""
        from lading.engine.v8 import V8Error, evaluate_expressions

        try:
            return evaluate_expressions(payload, with_dates, timeout_s=self.timeout_s,
                                        memory_bytes=self.memory_bytes)
        except V8Error as failure:
            if failure.kind == "timeout":
                raise ExpressionError(f"expression timed out after {self.timeout_s:g}s") from None
            if failure.kind == "memory":
                raise ExpressionError(
                    f"expression exceeded the memory limit of {round(self.memory_bytes / 2**20, 2):g} MiB") from None
            if failure.kind == "crashed":
                raise ExpressionError(f"sandboxCrashed: the expression crashed its sandbox: {failure.message}") \
                    from None
            raise ExpressionError(failure.message or "expression failed") from None

    def call_group(self, payloads: list[str], with_dates: bool) -> str:
        """Many payloads in one round trip: the JSON array of their answers. A limit or crash is
        raised as the V8Error itself: the caller cannot tell whose code caused it, and retries each
        payload alone with `call`."""
        from lading.engine.v8 import evaluate_expression_group

        return evaluate_expression_group(payloads, with_dates, timeout_s=self.timeout_s,
                                         memory_bytes=self.memory_bytes)

    def close(self) -> None:
        """Nothing to release: contexts belong to the hosts."""
