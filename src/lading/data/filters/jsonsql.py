"""Reading a property inside a JSON column, per dialect (JSONB on PostgreSQL, JSON text on SQLite).

Every predicate here is two-valued (never SQL NULL): a missing property reads as type "missing", so
negations (`isNot`, `doesNotContain`, `notIn`) stay exact complements on both backends. Text is
compared byte-wise (`COLLATE "C"` on PostgreSQL, SQLite's BINARY), as Python compares code points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, String, Text, and_, case, cast, func, literal, literal_column, or_
from sqlalchemy.sql import ColumnElement


@dataclass(frozen=True)
class JsonValue:
    """One JSON value addressed in a row: its type name, its text and number forms."""

    dialect: str
    doc: ColumnElement[Any]  # the JSON document (column, or an array element)
    path: tuple[str, ...]

    # --- access ----------------------------------------------------------------------------------

    def _pg_node(self) -> ColumnElement[Any]:
        # Imported here: loading the PostgreSQL dialect costs a SQLite store's CLI ~40 ms per command.
        from sqlalchemy.dialects.postgresql import JSONB

        node = self.doc
        for seg in self.path:
            node = node.op("->", return_type=JSONB)(literal(seg, String))
        return node

    def _sqlite_path(self) -> str:
        return "$" + "".join(f'."{seg}"' for seg in self.path)

    @property
    def type_name(self) -> ColumnElement[Any]:
        """'string' | 'number' | 'boolean' | 'object' | 'array' | 'null' | 'missing' (SQLite names mapped)."""
        if self.dialect == "postgresql":
            return func.coalesce(func.jsonb_typeof(self._pg_node()), "missing")
        raw = func.json_type(self.doc, self._sqlite_path()) if self.path else func.json_type(self.doc)
        return case((raw.in_(("integer", "real")), "number"), (raw == "text", "string"),
                    (raw.in_(("true", "false")), "boolean"), (raw.is_(None), "missing"), else_=raw)

    def is_type(self, *names: str) -> ColumnElement[bool]:
        if self.dialect == "postgresql":
            return func.coalesce(func.jsonb_typeof(self._pg_node()), "missing").in_(names)
        raw = func.coalesce(func.json_type(self.doc, self._sqlite_path()), "missing")
        mapped: list[str] = []
        for name in names:
            mapped.extend({"number": ("integer", "real"), "string": ("text",), "boolean": ("true", "false")}
                          .get(name, (name,)))
        return raw.in_(mapped)

    @property
    def text(self) -> ColumnElement[Any]:
        """The value as text (meaningful for strings); byte-wise collation."""
        if self.dialect == "postgresql":
            return self._pg_node().op("#>>", return_type=Text)(literal_column("'{}'::text[]")).collate("C")
        return func.json_extract(self.doc, self._sqlite_path())

    @property
    def number(self) -> ColumnElement[Any]:
        """The value as a double, only where it is a JSON number (else NULL, never a cast error)."""
        if self.dialect == "postgresql":
            raw = self._pg_node().op("#>>", return_type=Text)(literal_column("'{}'::text[]"))
            return case((self.is_type("number"), cast(raw, Float)), else_=None)
        return case((self.is_type("number"), func.json_extract(self.doc, self._sqlite_path())), else_=None)

    def equals_bool(self, value: bool) -> ColumnElement[bool]:
        if self.dialect == "postgresql":
            return self.is_type("boolean") & (self.text == ("true" if value else "false"))
        raw = func.coalesce(func.json_type(self.doc, self._sqlite_path()), "missing")
        return raw == ("true" if value else "false")

    def is_empty(self) -> ColumnElement[bool]:
        """Missing, null, "", [] or {}."""
        if self.dialect == "postgresql":
            node = self._pg_node()
            return or_(self.is_type("missing", "null"),
                       func.coalesce(node.in_([literal_column("'\"\"'::jsonb"), literal_column("'[]'::jsonb"),
                                               literal_column("'{}'::jsonb")]), False))
        value = func.json_extract(self.doc, self._sqlite_path())
        return or_(self.is_type("missing", "null"),
                   and_(self.is_type("string"), value == ""),
                   and_(self.is_type("array", "object"), value.in_(["[]", "{}"])))


def property_of(dialect: str, doc: ColumnElement[Any], path: Sequence[str]) -> JsonValue:
    return JsonValue(dialect, doc, tuple(path))


def array_elements(dialect: str, column: ColumnElement[Any]) -> tuple[Any, ColumnElement[Any]]:
    """A table of the column's array elements (empty unless it holds an array) and each element's document.

    Scalar elements become `{}` so property paths into them read as missing instead of failing.
    """
    if dialect == "postgresql":
        arr = case((func.jsonb_typeof(column) == "array", column), else_=literal_column("'[]'::jsonb"))
        elems = func.jsonb_array_elements(arr).table_valued("value").render_derived(with_types=False).alias("elem")
        return elems, elems.c.value
    arr = case((func.coalesce(func.json_type(column), "") == "array", column), else_=literal_column("'[]'"))
    elems = func.json_each(arr).table_valued("value", "type").alias("elem")
    doc = case((elems.c.type == "object", elems.c.value), else_=literal_column("'{}'"))
    return elems, doc
