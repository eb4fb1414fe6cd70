"""Column definitions and value coercion (data spec §3.1, §4.3).

A column definition is stored exactly as the public Column object (`slug`, `type`, `label`, `kind`
and the kind's extra fields). Values are coerced to a column's type in one place, shared by imports,
upserts, the model-write nodes and column type changes.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from datetime import datetime
from typing import Any

import orjson

from lading.data.physical import COLUMN_TYPES, parse_date
from lading.domain.errors import ValidationError, json_type, shown

COLUMN_SLUG_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$")
WRITABLE_KINDS = ("original", "custom")
DERIVED_KINDS = ("computed", "metric", "lookup")
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
_SLUG_CHARS = re.compile(r"[^a-z0-9_]")


COLUMN_FIELD_ORDER = ("slug", "type", "label", "kind", "originalSlug")

# Columns a model may hold (original, custom and derived; the five system columns are not counted).
# Every column is a physical column of the model's table, so the cap sits well below both engines'
# own limits — PostgreSQL 1,600 per table, SQLite 2,000 — with room for the system columns and the
# scratch column a type change adds, and is checked before any DDL runs: reaching an engine limit
# mid-import would fail with a database error after some columns were already added.
MAX_MODEL_COLUMNS = 1000


def check_column_count(model_slug: str, current: int, adding: int) -> None:
    """Refuse a change that would leave the model with more than `MAX_MODEL_COLUMNS` columns."""
    total = current + adding
    if adding > 0 and total > MAX_MODEL_COLUMNS:
        raise ValidationError(
            f"model {model_slug} would have {total:,} columns ({current:,} now, {adding:,} new); a model holds at "
            f"most {MAX_MODEL_COLUMNS:,} columns (system columns not counted); nothing was changed",
            reason="tooManyColumns", details={"limit": MAX_MODEL_COLUMNS, "count": total})


def column_document(column: dict[str, Any]) -> dict[str, Any]:
    """A stored column definition in the documented field order (JSONB does not keep key order)."""
    ordered = {k: column[k] for k in COLUMN_FIELD_ORDER if k in column}
    ordered.update({k: v for k, v in column.items() if k not in ordered})
    return ordered


def slugify(name: str) -> str:
    """A CSV header (or an invalid JSON key) as a column slug: lower-case, non `[a-z0-9_]` → `_`."""
    slug = _SLUG_CHARS.sub("_", name.strip().lower())
    if not slug or not slug[0].isalpha():
        slug = "c_" + slug
    return slug[:63]


def key_to_slug(key: str) -> str:
    return key if COLUMN_SLUG_RE.match(key) else slugify(key)


def validate_column(column: Any, existing: list[dict[str, Any]], *, default_kind: str = "custom") -> dict[str, Any]:
    """One Column object checked and normalised; `existing` are the model's other columns."""
    if not isinstance(column, dict):
        raise ValidationError("a column must be a JSON object with slug, type, label and kind", reason="invalidColumn")
    slug = column.get("slug")
    if not isinstance(slug, str) or not COLUMN_SLUG_RE.match(slug):
        raise ValidationError(f"column slug must match ^[a-zA-Z][a-zA-Z0-9_]{{0,62}}$ (a leading _ is reserved for "
                              f"system columns), not {shown(slug)}", reason="invalidColumn",
                              extra={"issues": [{"path": ["slug"], "message": "invalid slug"}]})
    ctype = column.get("type")
    if ctype not in COLUMN_TYPES:
        raise ValidationError(f"column {slug}: type must be one of {', '.join(COLUMN_TYPES)}, not {shown(ctype)}",
                              reason="invalidColumn", extra={"issues": [{"path": ["type"], "message": "invalid type"}]})
    kind = column.get("kind", default_kind)
    if kind not in WRITABLE_KINDS and kind not in DERIVED_KINDS:
        raise ValidationError(f"column {slug}: kind must be one of original, custom, computed, metric, lookup, "
                              f"not {shown(kind)}", reason="invalidColumn")
    if any(c["slug"].lower() == slug.lower() for c in existing):
        raise ColumnConflictError(slug)
    label = column.get("label")
    if label is not None and not isinstance(label, str):
        raise ValidationError(f"column {slug}: label must be a string", reason="invalidColumn")
    out: dict[str, Any] = {"slug": slug, "type": ctype, "label": label or slug, "kind": kind}
    if kind == "original":
        original = column.get("originalSlug")
        out["originalSlug"] = original if isinstance(original, str) and original else slug
    _notes(column, out)
    if kind in DERIVED_KINDS:
        from lading.data.derived import normalise

        return normalise(column, out)
    return out


def _notes(column: dict[str, Any], out: dict[str, Any]) -> None:
    """`description` (text) and `properties` (strings) the HTTP client keeps with a column (api.md §13);
    kept only when given, so definitions written before stay as they were."""
    slug = out["slug"]
    description = column.get("description")
    if description is not None:
        if not isinstance(description, str):
            raise ValidationError(f"column {slug}: description must be a string", reason="invalidColumn",
                                  extra={"issues": [{"path": ["description"], "message": "must be a string"}]})
        out["description"] = description
    properties = column.get("properties")
    if properties is not None:
        if not isinstance(properties, list) or not all(isinstance(p, str) for p in properties):
            message = "must be an array of strings"
            raise ValidationError(f"column {slug}: properties {message}", reason="invalidColumn",
                                  extra={"issues": [{"path": ["properties"], "message": message}]})
        out["properties"] = properties


class ColumnConflictError(ValidationError):
    """`Column <slug> already exists` (a 409)."""

    status_code = 409

    def __init__(self, slug: str) -> None:
        super().__init__(f"Column {slug} already exists", reason="columnAlreadyExists")


def validate_new_columns(columns: Any, existing: list[dict[str, Any]], *, default_kind: str,
                         model_slug: str) -> list[dict[str, Any]]:
    if not isinstance(columns, list):
        raise ValidationError("--columns must be a JSON array of Column objects", reason="invalidColumn")
    check_column_count(model_slug, len(existing), len(columns))
    out: list[dict[str, Any]] = []
    for column in columns:
        out.append(validate_column(column, existing + out, default_kind=default_kind))
    return out


# --- values ---------------------------------------------------------------------------------------


class CoercionError(ValueError):
    pass


_NUL_MESSAGE = "text cannot contain NUL (\\u0000) characters"


def _has_nul(value: Any) -> bool:
    """A NUL character anywhere in a value: PostgreSQL text and JSON cannot store one, so a record
    holding one fails its row on both stores rather than aborting the whole write on one of them."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def coerce(value: Any, column_type: str, *, from_csv: bool = False) -> Any:
    """A value as stored in a column of `column_type`; `CoercionError` when it does not convert."""
    if value is None:
        return None
    if from_csv and value == "":
        return None
    if _has_nul(value):
        raise CoercionError(_NUL_MESSAGE)
    if column_type == "string":
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        if isinstance(value, datetime):
            return value.isoformat()
        return orjson.dumps(value).decode()
    if column_type == "number":
        if isinstance(value, bool):
            raise CoercionError(f"{shown(value)} is not a number")
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                raise CoercionError(f"{shown(value)} is not a number") from None
            if number != number or number in (float("inf"), float("-inf")):
                raise CoercionError(f"{shown(value)} is not a finite number")
            return number
        raise CoercionError(f"{_short(value)} is not a number")
    if column_type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            low = value.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
        raise CoercionError(f"{_short(value)} is not a boolean (true/false/1/0/yes/no)")
    if column_type == "date":
        try:
            return parse_date(value)
        except (ValueError, TypeError):
            raise CoercionError(f"{_short(value)} is not an ISO-8601 date") from None
    # JSON types: object / array / vector / any
    if isinstance(value, str) and (from_csv or column_type in ("object", "array", "vector")):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            if column_type != "any":
                raise CoercionError(f"{_short(value)} is not JSON") from None
    if column_type == "object" and not isinstance(value, dict):
        raise CoercionError(f"{_short(value)} is not an object")
    if column_type == "array" and not isinstance(value, list):
        raise CoercionError(f"{_short(value)} is not an array")
    if column_type == "vector" and not (isinstance(value, list) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
        raise CoercionError(f"{_short(value)} is not an array of numbers")
    return value


# The JSON types that are column types as they stand; any other value makes a text column.
_INFERRED_TYPES = frozenset({"string", "boolean", "number", "object", "array"})


def infer_type(value: Any, *, from_csv: bool) -> str:
    """The type of a new `original` column from its first non-null value (CSV cells are strings): the
    value's JSON type, named by the same rules as messages about ill-typed input. Only a list makes an
    array column: `json_type` also calls a tuple an array, for messages, but a column keeps it as text."""
    if from_csv or isinstance(value, tuple):
        return "string"
    kind = json_type(value)
    return kind if kind in _INFERRED_TYPES else "string"


def id_text(value: Any) -> str:
    """A record id as stored in `_id`: strings as they are, numbers without a trailing `.0`."""
    if _has_nul(value):
        raise CoercionError(_NUL_MESSAGE)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float, str)):
        return str(value)
    raise CoercionError(f"{_short(value)} cannot be a record id")


def new_id() -> str:
    return str(uuidlib.uuid4())


def _short(value: Any) -> str:
    text = shown(value)  # JSON's words (`null`, `{"a": 1}`), never Python's
    return text if len(text) <= 60 else text[:57] + "..."


# --- fast converters (imports) ---------------------------------------------------------------------
#
# An import converts millions of values, so each column gets one function that turns a source value
# straight into its *stored form*: what the driver is given and what it hands back (SQLite: REAL,
# 0/1, fixed-width date text, sorted JSON text; PostgreSQL: float, bool, aware datetime, JSON value).
# Comparing stored forms is how an identical row is recognised as unchanged.

_BOOL_TEXT = {**{t: True for t in _TRUE}, **{f: False for f in _FALSE}}


def converter(backend: str, column_type: str, *, from_csv: bool) -> Any:
    """`fn(value) -> stored form`, raising `CoercionError`; None stays None (and "" from CSV)."""
    from lading.data.physical import sqlite_date_text

    sqlite = backend != "postgresql"
    if from_csv and column_type == "string":
        return lambda v: v if v != "" else None
    if from_csv and column_type == "number":
        def number(v: Any) -> Any:
            if v == "" or v is None:
                return None
            try:
                out = float(v)
            except ValueError:
                raise CoercionError(f"{_short(v)} is not a number") from None
            if out != out or out in (float("inf"), float("-inf")):
                raise CoercionError(f"{_short(v)} is not a finite number")
            return out
        return number
    if from_csv and column_type == "boolean":
        def boolean(v: Any) -> Any:
            if v == "" or v is None:
                return None
            out = _BOOL_TEXT.get(v.strip().lower())
            if out is None:
                raise CoercionError(f"{_short(v)} is not a boolean (true/false/1/0/yes/no)")
            return (1 if out else 0) if sqlite else out
        return boolean
    if sqlite and column_type == "date":
        from datetime import date as _date

        def date_text(v: Any) -> Any:
            if v is None or (from_csv and v == ""):
                return None
            if isinstance(v, str) and len(v) == 10:
                try:
                    _date.fromisoformat(v)
                except ValueError:
                    raise CoercionError(f"{_short(v)} is not an ISO-8601 date") from None
                return v + "T00:00:00.000Z"
            return sqlite_date_text(coerce(v, "date", from_csv=from_csv))
        return date_text

    if column_type == "date":  # PostgreSQL: aware datetimes; date-only text is common and repeats
        from functools import lru_cache

        @lru_cache(maxsize=65536)
        def day(text: str) -> Any:
            return coerce(text, "date")

        def date_value(v: Any) -> Any:
            if v is None or (from_csv and v == ""):
                return None
            if isinstance(v, str) and len(v) == 10:
                return day(v)
            return coerce(v, "date", from_csv=from_csv)
        return date_value

    def generic(v: Any) -> Any:
        value = coerce(v, column_type, from_csv=from_csv)
        if value is None or not sqlite:
            return value
        if column_type == "boolean":
            return 1 if value else 0
        if column_type == "date":
            return sqlite_date_text(value)
        if column_type in ("object", "array", "vector", "any"):
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS).decode()
        return value
    return generic


def stored_text(value: Any) -> str | None:
    """A stored value as record title text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        from lading.store.clock import iso

        return iso(value)
    if isinstance(value, (dict, list)):
        return orjson.dumps(value).decode()
    return str(value)
