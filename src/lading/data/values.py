"""Stored values as JSON and as CSV cells: the one encoder behind record lists, segment fetches and
downloads, SQL results, run inputs built from records, and every export file.

Why one place: a `number` column is a double on both stores, so the drivers hand back `2185.0`;
PostgreSQL's `numeric` (SQL aggregates) arrives as `Decimal`; dates arrive as datetimes (PostgreSQL)
or text (SQLite). Each reader that converted on its own let some of them through — `2185.0` in a
segment download, `"2185.0"` in a CSV — so a value typed on import came back retyped. Here an
integral double is an integer (within 2^53, where a double holds every integer exactly), a Decimal is
an integer or a float, a datetime is ISO-8601 UTC text, and a CSV cell is the JSON text of its value
(`2185`, `12.5`, `true`), strings as they are and null as an empty cell.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson

_EXACT = 2**53


def json_value(value: Any) -> Any:
    """A value read from a store as the JSON value it stands for (containers are left as they are:
    JSON columns hold what was written)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < _EXACT else value
    if isinstance(value, datetime):
        from lading.store.clock import iso

        return iso(value)
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value() and abs(value) < _EXACT:
            return int(value)
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value


def csv_text(value: Any) -> str:
    """A value as one CSV cell: null empty, text as it is, anything else as its JSON (`2185`, `true`,
    `{"a":1}`), so a CSV export re-imports to the same types."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    value = json_value(value)
    if isinstance(value, str):
        return value
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
