"""Derived columns in the storage commands: checking definitions and keeping values current (data spec §3.1).

The data layer materialises the values (`data.derived_sql`); this module gives it the expression
evaluator (the engine's, so a computed column means what the same expression means in a workflow) and
is called by the column commands and every record write, inside their transaction: values are never
seen stale after a command returns (decision 26).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lading.data import derived, derived_sql
from lading.data.writer import WriteReport
from lading.domain.errors import ValidationError

BATCH = 200
_ROW = "__lading_record__"


def evaluate(expression: dict[str, Any], records: list[dict[str, Any]]) -> list[Any]:
    """One value per record; a record on which the expression throws gets None. Records are
    evaluated in batches (one V8 round trip per batch when the expression is not a plain path)."""
    from lading.engine.expressions import ExpressionError, get_evaluator, to_json_value

    bound = derived.bind_record(expression, f"nodes.{_ROW}")
    evaluator = get_evaluator()
    out: list[Any] = []
    for start in range(0, len(records), BATCH):
        part = records[start:start + BATCH]
        leaves = [{"kind": bound["kind"], "expression": bound["expression"].replace(_ROW, f"r{i}")}
                  for i in range(len(part))]
        scope = {"nodes": {f"r{i}": record for i, record in enumerate(part)}}
        try:
            values = evaluator.compute_config(leaves, scope)
        except ExpressionError:
            values = []
            for i, leaf in enumerate(leaves):
                try:
                    values.append(evaluator.compute_config(leaf, {"nodes": {f"r{i}": part[i]}}))
                except ExpressionError:
                    values.append(None)
        out.extend(to_json_value(v) for v in values)
    return out


def check_syntax(column: dict[str, Any]) -> None:
    """A computed column's expression must compile (a SyntaxError is a validation error)."""
    from lading.engine.expressions import ExpressionError, get_evaluator

    for probe in derived.syntax_probe(derived.bind_record(column["expression"], "nodes.r")):
        try:
            value = get_evaluator().compute_config(probe, {"nodes": {}})
        except ExpressionError as exc:
            value = str(exc)
        if value != 1:
            detail = f" ({value})" if isinstance(value, str) and "Error" in value else ""
            raise ValidationError(f"column {column['slug']}: the expression is not valid JavaScript{detail}",
                                  reason="invalidExpression")


def check_column(conn: Any, ws: str, model_row: Any, column: dict[str, Any], columns: list[dict[str, Any]]) -> None:
    """Everything a derived definition must satisfy before it is stored."""
    if column["kind"] == "computed":
        check_syntax(column)
    derived_sql.check_definition(conn, ws, model_row, column, columns)
    derived_sql.index_join(conn, ws, model_row.uuid, column)


def after_column_change(conn: Any, ws: str, model_uuid: str, slug: str, now: datetime) -> set[str]:
    """A derived column created or updated: every row recomputed, then what reads it. Returns the
    models (this one included) whose values changed."""
    info = derived_sql.WriteInfo(now=now)
    changed = {model_uuid} if derived_sql.refresh(conn, ws, model_uuid, info, evaluate, full={slug}) else set()
    if changed:
        changed |= derived_sql.propagate(conn, ws, model_uuid, info, evaluate)
    return changed


def after_write(conn: Any, ws: str, model_row: Any, report: WriteReport, now: datetime) -> set[str]:
    """Records written: the written rows' derived values, then the models reading this one. Returns
    the other models whose derived values changed (for their segments)."""
    if not report.written or not derived_sql.any_derived(conn, ws, model_row):
        return set()
    info = derived_sql.WriteInfo(now=now, inserted=report.inserted > 0, updated_slugs=set(report.updated_slugs),
                                 removed=report.removed > 0)
    derived_sql.refresh(conn, ws, model_row.uuid, info, evaluate)
    return derived_sql.propagate(conn, ws, model_row.uuid, info, evaluate) - {model_row.uuid}


def after_remove(conn: Any, ws: str, model_row: Any, now: datetime) -> set[str]:
    """Records removed: metrics and lookups reading this model are recomputed on every row."""
    if not derived_sql.dependents(conn, ws, model_row.uuid):
        return set()
    info = derived_sql.WriteInfo(now=now, removed=True)
    return derived_sql.propagate(conn, ws, model_row.uuid, info, evaluate) - {model_row.uuid}


def readers_of(columns: list[dict[str, Any]], slug: str) -> list[str]:
    """Derived columns of the same model that read `slug` (so it cannot be removed)."""
    out = []
    for column in columns:
        reads = (slug in (column.get("columnsUsed") or []) if column.get("kind") == "computed"
                 else column.get("kind") == "lookup" and column["join"]["fromColumnSlug"] == slug)
        if reads:
            out.append(column["slug"])
    return out
