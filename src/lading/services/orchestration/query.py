"""`orchestration query execute`: read-only ClickHouse SQL over runs, batches, spans and records.

The statement is checked and rewritten (`analytics.guard`) so every runtime-table reference reads the
caller's workspace only, then run by the engine (`analytics.engine`, chDB embedded) under the caps of
spec §6.4. Refusals and engine failures are `{"errorMessage": "Code: <n>. …"}` with a non-zero exit.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from lading.domain.errors import LadingError
from lading.services.session import Session

if TYPE_CHECKING:
    from lading.analytics.engine import QueryResult

# The response header by which the server tells a remote CLI that the rows were cut at this many: the
# body stays `{"rows": [...]}` (the Cargo client's shape), the CLI warns on stderr as embedded (§6.4).
TRUNCATED_HEADER = "X-Lading-Result-Truncated"


class RuntimeQueryError(LadingError):
    """A refused or failed query, in the ClickHouse `Code: <n>. <message>` form; `reason` is ClickHouse's
    name for the code (`ACCESS_DENIED`, `SYNTAX_ERROR`, …), so a client can branch without parsing text."""

    status_code = 400

    def __init__(self, code: int, message: str, reason: str | None = None) -> None:
        from lading.analytics.engine import reason_for

        super().__init__(message, reason=reason or reason_for(code), extra={"code": code})
        self.code = code

    def to_document(self) -> dict[str, Any]:
        # The message keeps the spec's `Code: <n>. …` form: the reason is not prefixed to it.
        doc: dict[str, Any] = {"errorMessage": self.message, "reason": self.reason, "status": self.status_code,
                               "statusCode": self.status_code}
        doc.update(self.extra)
        return doc


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
    """The SQL the engine runs for `sql` in the caller's workspace (refusals raise `RuntimeQueryError`)."""
    from lading.analytics.guard import QueryRefusedError
    from lading.analytics.scoped import scoped_sql

    try:
        return scoped_sql(sql, session.settings, session.workspace_uuid, limits().max_rows_to_read)
    except QueryRefusedError as refused:
        raise RuntimeQueryError(refused.code, str(refused)) from None
    except RecursionError:  # nesting deeper than any check can walk: refused, never an internal error
        raise RuntimeQueryError(306, "Code: 306. Stack size too large: the query is nested too deeply") from None


def execute_query(session: Session, sql: str) -> tuple[dict[str, Any], bool]:
    """({"rows": [...]}, truncated) for one SELECT, `SHOW TABLES` or `DESCRIBE [TABLE] <table>`."""
    from lading.analytics.discovery import discovery_of

    asked = discovery_of(sql)
    if asked is not None:
        return {"rows": _discover(session, asked.table)}, False
    return _run(session, compile_query(session, sql))


def _discover(session: Session, table: str | None) -> list[dict[str, Any]]:
    """`SHOW TABLES` (`table` None) or the columns of one runtime table as `{"name","type"}` rows, read
    from a zero-row query over its workspace-scoped view (the same types a `SELECT` answers)."""
    from lading.analytics import discovery

    if table is None:
        return discovery.show_tables()
    if not discovery.known_table(table):
        raise RuntimeQueryError(60, f"Code: 60. Table orchestration.{table} doesn't exist")
    result = _execute(session, compile_query(session, discovery.describe_select(table)))
    columns = dict(zip(result.columns, result.types, strict=False))  # an alias column `*` had already named once
    return [{"name": name, "type": kind} for name, kind in columns.items()]


def _execute(session: Session, final: str) -> QueryResult:
    """Run compiled SQL; an engine failure becomes the documented `Code: <n>.` error."""
    from lading.analytics.engine import EngineError
    from lading.analytics.scoped import engine_for

    try:
        return engine_for(session.settings).execute(final, limits())
    except EngineError as error:
        raise RuntimeQueryError(error.code, str(error), error.reason) from None


def _run(session: Session, final: str) -> tuple[dict[str, Any], bool]:
    result = _execute(session, final)
    return {"rows": result.rows}, result.truncated
