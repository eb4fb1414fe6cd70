"""`orchestration query execute`: read-only ClickHouse SQL over runs, batches, spans and records.

The statement is checked and rewritten (`analytics.guard`) so every runtime-table reference reads the
caller's workspace only, then run by the engine (`analytics.engine`, chDB embedded) under the caps of
spec §6.4. Refusals and engine failures are `{"errorMessage": "Code: <n>. …"}` with a non-zero exit.
"""

from __future__ import annotations

import os
from typing import Any

from lading.domain.errors import LadingError
from lading.services.session import Session


class QueryError(LadingError):
    """A refused or failed query, in the ClickHouse `Code: <n>. <message>` form."""

    status_code = 400

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message, extra={"code": code})
        self.code = code


def _int_env(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name) or default)
    except ValueError:
        return default


def limits() -> Any:
    """The spec's caps; the environment may lower them (operators, and tests that hit them on purpose)."""
    from lading.analytics.engine import Limits

    seconds = float(os.environ.get("LADING_QUERY_MAX_EXECUTION_SECONDS") or 30)
    return Limits(max_execution_seconds=min(seconds, 30.0),
                  max_result_rows=min(_int_env("LADING_QUERY_MAX_RESULT_ROWS", 10_000), 10_000),
                  max_rows_to_read=min(_int_env("LADING_QUERY_MAX_ROWS_TO_READ", 10_000_000), 10_000_000))


def compile_query(session: Session, sql: str) -> str:
    """The SQL the engine runs for `sql` in the caller's workspace (refusals raise `QueryError`)."""
    from lading.analytics.guard import QueryRefusedError
    from lading.analytics.scoped import scoped_sql

    try:
        return scoped_sql(sql, session.settings, session.workspace_uuid, limits().max_rows_to_read)
    except QueryRefusedError as refused:
        raise QueryError(refused.code, str(refused)) from None


def execute_query(session: Session, sql: str) -> tuple[dict[str, Any], bool]:
    """({"rows": [...]}, truncated) for one SELECT."""
    from lading.analytics.engine import EngineError
    from lading.analytics.scoped import engine_for

    final = compile_query(session, sql)
    engine = engine_for(session.settings)
    try:
        result = engine.execute(final, limits())
    except EngineError as error:
        raise QueryError(error.code, str(error)) from None
    return {"rows": result.rows}, result.truncated
