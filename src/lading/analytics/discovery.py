"""Schema discovery in `orchestration query execute`: `SHOW TABLES` and `DESCRIBE [TABLE] <table>`.

The guard (`analytics.guard`) only ever runs one `SELECT`; these two statements are recognised here, whole
and before it, and answered from the four runtime tables alone. They never reach the engine as written: a
`DESCRIBE` becomes a zero-row `SELECT` over the table's workspace-scoped view, so its column types are the
ones a query sees, and no store table, view text or scoping predicate is ever shown. Any other form (a
schema prefix, `SHOW DATABASES`, `DESCRIBE (SELECT …)`, a trailing comment) is left to the guard, which
refuses it as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lading.analytics.tables import ALIAS_COLUMNS, TABLES

_SHOW_TABLES = re.compile(r"\s*SHOW\s+TABLES\s*;?\s*", re.IGNORECASE)
_DESCRIBE = re.compile(r"\s*(?:DESCRIBE|DESC)\s+(?:TABLE\s+)?(?P<quote>[`\"]?)(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
                       r"(?P=quote)\s*;?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Discovery:
    """A discovery statement: `table` is None for `SHOW TABLES`, else the table `DESCRIBE` names."""

    table: str | None


def discovery_of(sql: str) -> Discovery | None:
    """The discovery statement `sql` is, or None when it is anything else (the guard decides on it)."""
    if _SHOW_TABLES.fullmatch(sql):
        return Discovery(None)
    match = _DESCRIBE.fullmatch(sql)
    if match:
        return Discovery(match.group("name"))
    return None


def show_tables() -> list[dict[str, str]]:
    """`SHOW TABLES`: the four runtime tables, in ClickHouse's order (by name), keyed `name` as it keys them."""
    return [{"name": name} for name in sorted(TABLES)]


def known_table(name: str) -> bool:
    """Table names are case-sensitive, as in a `SELECT` (`FROM runs`, not `FROM RUNS`)."""
    return name in TABLES


def describe_select(table: str) -> str:
    """The zero-row `SELECT` whose result columns are `table`'s: `*` plus its alias columns, which
    ClickHouse lists in `DESCRIBE` though `*` leaves them out."""
    columns = ", ".join(["*", *ALIAS_COLUMNS.get(table, ())])
    return f"SELECT {columns} FROM {table} LIMIT 0"
